"""Account grading of notebook 02 as one function, and its results object.

:func:`grade_accounts` takes the fit score (0–100, from notebook 01's ``fit_scores.parquet``, or the share of
``icp.yaml`` rule conditions met when ``grading.score_source: rules``), grades every account A–F
(:mod:`.grades`), picks the target list (grades in ``grading.target_grades``, current customers left out
unless ``exclude_customers: false``), splits it into tiers (:mod:`.tiers`), lays out the orchestration plan
(:mod:`.plan`) and builds the exports (:mod:`.exports`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..artefacts import artefact
from ..config.grading import GRADES, TIER_NAMES, GradingParams
from ..errors import ABMDataError
from ..icp import IcpRules, account_features, apply_icp, fit_score
from ..results import Results, Summary
from .exports import EXPORTS, LINKEDIN_MIN_ROWS, linkedin_company_list, target_accounts_export
from .grades import assign_grades, grade_rates, monotone_decreasing
from .plan import budget_column, orchestration_plan
from .tiers import assign_tiers

if TYPE_CHECKING:
    from ..pipeline import RunContext

__all__ = ["GradingResult", "grade_accounts", "scores_for", "pre_programme_opportunities", "ACCOUNT_GRADES_COLUMNS"]

#: Columns of ``account_grades.parquet``, in order.
ACCOUNT_GRADES_COLUMNS = [
    "account_id",
    "fit_score",
    "grade",
    "is_target",
    "tier",
    "cluster",
    "cluster_label",
    "fit_prob",
    "priority",
    "potential_value",
]
#: Decimals of the rates in ``summary_grading.json``.
HEADLINE_DIGITS = 4
#: How the report names the lookalike model notebook 01 chose (``summary_icp.json``'s ``model``).
_LOOKALIKE = {"logit": "logistic-regression lookalike model", "gbm": "gradient-boosted lookalike model"}

FIT_SCORES = artefact("fit_scores").file


@dataclass
class GradingResult(Results):
    """Everything notebook 02 shows. ``grades`` has one row per account (account_grades.parquet)."""

    grades: pd.DataFrame
    rates: pd.DataFrame
    plan: pd.DataFrame
    clusters: pd.DataFrame
    targets: pd.DataFrame
    linkedin: pd.DataFrame
    score_source: str
    params: GradingParams = field(default_factory=GradingParams)
    notes: list[str] = field(default_factory=list)
    #: where :meth:`save` wrote the exports (registry name -> path)
    paths: dict[str, Path] = field(default_factory=dict)
    #: the programme's first start: the opportunity rate counts opportunities created before it (None: all)
    opportunity_cutoff: pd.Timestamp | None = None

    def account_grades(self) -> pd.DataFrame:
        """The artefact ``account_grades.parquet``: one row per account, columns :data:`ACCOUNT_GRADES_COLUMNS`."""
        return self.grades[ACCOUNT_GRADES_COLUMNS].reset_index(drop=True)

    def headline(self, currency: str = "USD") -> dict[str, Any]:
        """Headline figures (JSON-able) for ``summary_grading.json`` and the index page (:class:`GradingSummary`)."""
        r = self.rates.set_index("grade")
        tiers = self.grades["tier"].value_counts()
        budget_col = budget_column(currency)

        def rate(grade: str, col: str, base: str) -> float | None:
            return round(float(r.loc[grade, col]), HEADLINE_DIGITS) if r.loc[grade, base] else None

        return {
            "accounts": int(len(self.grades)),
            "target_accounts": int(self.grades["is_target"].sum()),
            "score_source": self.score_source,
            "grade_counts": {g: int(r.loc[g, "accounts"]) for g in GRADES},
            "customer_rate_A": rate("A", "customer_rate", "accounts"),
            "customer_rate_F": rate("F", "customer_rate", "accounts"),
            "opportunity_rate_A": rate("A", "opportunity_rate", "non_customers"),
            "opportunity_rate_F": rate("F", "opportunity_rate", "non_customers"),
            "monotone_customer_rate": monotone_decreasing(r["customer_rate"].tolist()),
            # nothing to check when no prospect had an opportunity (e.g. none before the programme started)
            "monotone_opportunity_rate": (
                monotone_decreasing(r["opportunity_rate"].tolist()) if r["with_opportunity"].sum() else None
            ),
            "tiers": {t: int(tiers.get(t, 0)) for t in TIER_NAMES},
            "budget_per_quarter": float(self.plan.iloc[-1][budget_col]) if budget_col in self.plan else None,
            "linkedin_rows": int(len(self.linkedin)),
            "linkedin_below_minimum": bool(len(self.linkedin) < LINKEDIN_MIN_ROWS),
        }

    def summary(self, currency: str = "USD") -> Summary:
        """Rates per grade, the orchestration plan and the ABM-lite clusters, with the notes."""
        h = self.headline(currency)
        out = Summary(
            f"Account grading: {h['target_accounts']:,} target accounts of {h['accounts']:,}, "
            f"graded on the {self.score_source}"
        )
        out.add_table(self.rates.set_index("grade"), "Grades A–F")
        out.add_table(self.plan, "Orchestration plan")
        out.add_table(self.clusters, "ABM-lite clusters")
        for n in self.notes:
            out.add_note(n)
        return out

    def save(self, where: str | Path | RunContext) -> dict[str, Path]:
        """Write account_grades.parquet, target_accounts.csv and linkedin_company_list.csv.

        ``where``: a run context (its artefact paths) or a folder. Returns registry name -> path.
        """
        from ..pipeline import RunContext

        if isinstance(where, RunContext):
            paths = {name: where.path(name) for name in EXPORTS}
        else:
            folder = Path(where)
            folder.mkdir(parents=True, exist_ok=True)
            paths = {name: folder / artefact(name).file for name in EXPORTS}
        self.account_grades().to_parquet(paths["account_grades"], index=False)
        self.targets.to_csv(paths["target_accounts"], index=False)
        self.linkedin.to_csv(paths["linkedin_company_list"], index=False)
        self.paths = paths
        return paths


def scores_for(
    accounts: pd.DataFrame,
    fit_scores: pd.DataFrame | None,
    rules: IcpRules | dict | str | Path | None,
    p: GradingParams,
    origin: str | None = None,
) -> tuple[pd.DataFrame, str]:
    """The score each account is graded on (account_id, fit_prob, fit_score; accounts' order) and its label."""
    ids = accounts["account_id"].astype(str)
    if p.score_source == "rules":
        if rules is None:
            raise ABMDataError(
                "grading.score_source is 'rules' but no icp.yaml rules were given (run notebook 01)",
                file=artefact("icp_rules").file,
                reason="missing rules",
            )
        rs = apply_icp(accounts, rules)
        prob = rs["rule_score"].to_numpy() / 100.0
        return pd.DataFrame(
            {
                "account_id": ids.to_numpy(),
                "fit_prob": prob,
                "fit_score": fit_score(prob) if p.cutoff_mode == "quantile" else rs["rule_score"].to_numpy(),
            }
        ), "rules (icp.yaml)"
    if fit_scores is None:
        raise ABMDataError(
            "no fit scores given: run notebook 01 (fit_scores.parquet) or set grading.score_source: rules",
            file=FIT_SCORES,
            reason="missing fit scores",
        )
    fs = fit_scores.copy()
    fs["account_id"] = fs["account_id"].astype(str)
    miss = ~ids.isin(fs["account_id"])
    if miss.any():
        raise ABMDataError(
            f"fit_scores.parquet: {int(miss.sum())} account(s) have no fit score, e.g. "
            f"{list(ids[miss][:5])}; re-run notebook 01 on the same data",
            file=FIT_SCORES,
            column="account_id",
            reason="accounts without a score",
        )
    if fs["account_id"].duplicated().any():
        raise ABMDataError(
            "fit_scores.parquet: duplicate account_id values",
            file=FIT_SCORES,
            column="account_id",
            reason="duplicate key",
        )
    fs = fs.set_index("account_id").loc[ids.to_numpy()].reset_index()
    if origin and origin.startswith("none"):
        label = "ICP rule score of notebook 01 (no model)"
    else:
        label = "fit score of notebook 01" + (f" ({_LOOKALIKE.get(origin, origin)})" if origin else "")
    return fs[["account_id", "fit_prob", "fit_score"]], label


def pre_programme_opportunities(
    accounts: pd.DataFrame, opportunities: pd.DataFrame | None, programs: pd.DataFrame | None
) -> tuple[pd.Series, pd.Series, pd.Timestamp | None, list[str]]:
    """Which accounts count in the "opportunity rate falls by grade" check, and which had an opportunity.

    The programme targets the best grades and creates opportunities there, so counting every opportunity would
    let the programme itself make the rate fall from A to F. With a programme (``programs.start_date``), the
    check uses the state at its first start date: the base is the accounts that were prospects then (not
    customers at the as-of date, or customers whose first won deal closed on or after the start), and an account
    counts when it has an opportunity created before the start. Opportunities without a created date cannot be
    placed and are left out (said in the notes). Without a programme, every opportunity and the non-customers.

    Returns (base, has_opportunity) as boolean Series in the accounts' order, the cut-off date (or None) and
    notes for the report.
    """
    ids = accounts["account_id"].astype(str)
    customer = accounts["is_customer"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    opp = opportunities if opportunities is not None else pd.DataFrame(columns=["account_id"])
    opp = opp[opp["account_id"].notna()]
    start = None
    if programs is not None and len(programs) and "start_date" in programs:
        s = pd.to_datetime(programs["start_date"], errors="coerce").min()
        start = None if pd.isna(s) else pd.Timestamp(s)
    if start is None:
        has = ids.isin(set(opp["account_id"].astype(str)))
        return pd.Series(~customer, index=ids.index), has, None, []
    created = (
        pd.to_datetime(opp["created_date"], errors="coerce")
        if "created_date" in opp
        else pd.Series(pd.NaT, index=opp.index)
    )
    before = opp[created < start]
    has = ids.isin(set(before["account_id"].astype(str)))
    won_after = pd.Series(False, index=ids.index)
    if "is_won" in opp and "close_date" in opp:
        won = opp[opp["is_won"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
        first_won = pd.to_datetime(won["close_date"], errors="coerce").groupby(won["account_id"].astype(str)).min()
        if len(first_won):
            d = pd.to_datetime(ids.map(first_won), errors="coerce")
            won_after = pd.Series((d >= start).to_numpy(dtype=bool) & d.notna().to_numpy(), index=ids.index)
    base = pd.Series(~customer, index=ids.index) | (pd.Series(customer, index=ids.index) & won_after)
    notes = [
        f"Opportunity rate by grade: opportunities created before the programme's first start "
        f"({start:%Y-%m-%d}), among the accounts that were prospects then ({len(before):,} of {len(opp):,} "
        f"opportunities), so that the programme's own opportunities and wins cannot make it fall from A to F."
    ]
    undated = int(created.isna().sum())
    if undated:
        notes.append(
            f"{undated:,} opportunities without a created date cannot be placed before or after the "
            "programme start and are left out of the opportunity rate."
        )
    if not len(before):
        notes.append(
            "No opportunity was created before the programme started: the opportunity rate by grade "
            "cannot be checked (it would only reflect the programme)."
        )
    return base, has, start, notes


def grade_accounts(
    accounts: pd.DataFrame,
    opportunities: pd.DataFrame | None,
    fit_scores: pd.DataFrame | None,
    p: GradingParams | None = None,
    rules: IcpRules | dict | str | Path | None = None,
    seed: int = 0,
    ci_level: float = 0.95,
    currency: str = "USD",
    score_origin: str | None = None,
    programs: pd.DataFrame | None = None,
) -> GradingResult:
    """Grades, target list, tiers, plan and exports for every account (see module doc).

    ``score_origin`` names where ``fit_scores`` came from (e.g. 'logit'), for the report. ``programs`` (the
    canonical programs table) dates the programme: the opportunity rate by grade then counts only opportunities
    created before its first start, among the prospects at that date (:func:`pre_programme_opportunities`).
    ``grades`` keeps ``has_opportunity`` (that check's flag), ``has_any_opportunity`` (any opportunity up to
    the as-of date) and ``opportunity_base`` (counted in the check).
    """
    p = p or GradingParams()
    scores, source = scores_for(accounts, fit_scores, rules, p, score_origin)
    g = scores.copy()
    g["grade"] = assign_grades(g["fit_score"], p.cutoffs, p.cutoff_mode)
    g["is_customer"] = accounts["is_customer"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    with_opp = set()
    if opportunities is not None and len(opportunities):
        with_opp = set(opportunities["account_id"].dropna().astype(str))
    g["has_any_opportunity"] = g["account_id"].isin(with_opp)
    base, has_pre, cutoff, opp_notes = pre_programme_opportunities(accounts, opportunities, programs)
    g["has_opportunity"] = has_pre.to_numpy()
    g["opportunity_base"] = base.to_numpy()
    g["is_target"] = g["grade"].isin(p.target_grades) & ~(g["is_customer"] & p.exclude_customers)
    feats = account_features(accounts)
    g = assign_tiers(g, accounts, p, seed, feats)
    rates = grade_rates(g, ci_level)
    clusters = (
        g[g["tier"] == "abm_lite"]
        .groupby(["cluster", "cluster_label"])
        .agg(
            accounts=("account_id", "size"),
            mean_score=("fit_score", "mean"),
            potential_value=("potential_value", "sum"),
        )
        .reset_index()
    )
    plan = orchestration_plan(g, p, currency)
    notes = list(opp_notes)
    n_li = int(g["is_target"].sum())
    if n_li == 0 and p.exclude_customers and g["is_customer"].all():
        notes.append(
            "Every account is already a customer, so the new-logo target list is empty; set "
            "grading.exclude_customers: false to plan an expansion programme on existing customers."
        )
    if n_li < LINKEDIN_MIN_ROWS:
        notes.append(
            f"The LinkedIn company list has {n_li} companies, below LinkedIn's minimum of "
            f"{LINKEDIN_MIN_ROWS} for a matched audience: widen the target grades or combine lists."
        )
    return GradingResult(
        g,
        rates,
        plan,
        clusters,
        target_accounts_export(g, accounts),
        linkedin_company_list(g, accounts),
        source,
        p,
        notes,
        opportunity_cutoff=cutoff,
    )
