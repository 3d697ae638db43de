"""Account grading A–F, target list, tiers, orchestration plan and exports (notebook 02).

* **Grades**: the fit score (0–100, from notebook 01's ``fit_scores.parquet``, or the
  share of ``icp.yaml`` rule conditions met when ``grading.score_source: rules``) is cut
  into grades A–F at ``grading.cutoffs`` (score thresholds, or percentiles of the score
  with ``cutoff_mode: quantile``). Grade A is the best fit.
* **Target list**: grades in ``grading.target_grades`` (A–C by default), current
  customers left out unless ``exclude_customers: false``.
* **Tiers**: strategic 1:1 = top ``strategic_n`` targets by fit probability x potential
  value (``value_column``, annual revenue by default); ABM-lite 1:few = the next
  ``abm_lite_n``, grouped by KMeans into ``n_clusters`` clusters of similar accounts, each
  described in words; programmatic 1:many = the rest of the target list.
* **Orchestration plan**: per tier the plays and budget from params, with account counts.
* **Exports**: ``target_accounts.csv`` (CRM import: account_id, name, domain, grade, tier,
  score, cluster, cluster_label, owner) and ``linkedin_company_list.csv`` in the column
  layout of LinkedIn Campaign Manager's Matched Audiences *company list* CSV template.

LinkedIn template columns (looked up 2026-11-23): ``companyname`` (required),
``companywebsite``, ``companyemaildomain``, ``linkedincompanypageurl``, ``stocksymbol``,
``industry``, ``city``, ``state``, ``companycountry``, ``zipcode``. Sources: LinkedIn Help
(Campaign Manager, "Matched Audiences" list requirements: download the CSV template in
Campaign Manager, do not change or remove its headers, at least 300 rows for a
successful upload) and practitioner guides of 2025–2026 that list the template's headers
(company name required; website/domain and LinkedIn page URL raise the match rate). The
template itself is served inside Campaign Manager and could not be opened from here:
check the headers against a freshly downloaded template before uploading. Columns we
cannot fill from the CRM (page URL, stock symbol, city, state, zip) are left blank, which
the template allows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from . import icp as icp_mod
from .config import Params
from .config.grading import GRADES, TIER_NAMES, GradingParams
from .errors import ABMDataError

__all__ = [
    "GRADES",
    "assign_grades",
    "grade_rates",
    "assign_tiers",
    "describe_clusters",
    "orchestration_plan",
    "target_accounts_export",
    "linkedin_company_list",
    "GradingResult",
    "grade_accounts",
    "grade_cutoff_explorer",
    "TARGET_COLUMNS",
    "LINKEDIN_COLUMNS",
    "monotone_decreasing",
    "maven_check",
    "MAVEN_DIRS",
    "find_maven",
    "executive_summary",
    "format_rates",
    "format_plan",
    "tier_grade_table",
    "plot_grade_rates",
    "exports_table",
]

TARGET_COLUMNS = ["account_id", "name", "domain", "grade", "tier", "score", "cluster", "cluster_label", "owner"]
LINKEDIN_COLUMNS = [
    "companyname",
    "companywebsite",
    "companyemaildomain",
    "linkedincompanypageurl",
    "stocksymbol",
    "industry",
    "city",
    "state",
    "companycountry",
    "zipcode",
]
LINKEDIN_TEMPLATE_CHECKED = "2026-11-23"
LINKEDIN_MIN_ROWS = 300
TIER_LABEL = {"strategic": "Strategic (1:1)", "abm_lite": "ABM-lite (1:few)", "programmatic": "Programmatic (1:many)"}


# --------------------------------------------------------------------------- grades
def _thresholds(score: pd.Series | np.ndarray, cutoffs: dict[str, float], mode: str) -> dict[str, float]:
    if mode == "score":
        return dict(cutoffs)
    s = np.asarray(score, float)
    return {g: float(np.percentile(s, q)) for g, q in cutoffs.items()}


def assign_grades(
    score: pd.Series | np.ndarray, cutoffs: dict[str, float] | None = None, mode: str = "score"
) -> np.ndarray:
    """Grade A–F per account from its fit score (0–100).

    ``cutoffs``: lowest score of grades A–E (falling from A to E); below E is F.
    ``mode='quantile'`` reads the cut-offs as percentiles (0–100) of the scores.
    """
    cutoffs = GradingParams(cutoffs=cutoffs).cutoffs if cutoffs is not None else GradingParams().cutoffs
    thr = _thresholds(score, cutoffs, mode)
    s = np.asarray(score, float)
    out = np.full(len(s), "F", dtype=object)
    for g in reversed(GRADES[:5]):  # E first, A last so the best grade wins
        out[s >= thr[g]] = g
    return out


def monotone_decreasing(values, strict: bool = False) -> bool:
    """True when values (ignoring NaN) never rise from one grade to the next."""
    v = [x for x in values if x == x]
    return all((b < a) if strict else (b <= a) for a, b in zip(v, v[1:], strict=False))


def grade_rates(grades: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per grade A–F: accounts, customers, customer rate (Wilson CI), non-customers,
    those with an opportunity and the opportunity rate among non-customers (Wilson CI),
    targets. ``grades`` needs columns grade, is_customer, has_opportunity, is_target.
    """
    g = grades.assign(
        is_customer=grades["is_customer"].astype(bool), has_opportunity=grades["has_opportunity"].astype(bool)
    )
    rows = []
    for gr in GRADES:
        d = g[g["grade"] == gr]
        nc = d[~d["is_customer"]]
        rows.append(
            {
                "grade": gr,
                "accounts": len(d),
                "customers": int(d["is_customer"].sum()),
                "non_customers": len(nc),
                "with_opportunity": int(nc["has_opportunity"].sum()),
                "targets": int(d["is_target"].sum()) if "is_target" in d else 0,
                "min_score": float(d["fit_score"].min()) if len(d) else float("nan"),
                "max_score": float(d["fit_score"].max()) if len(d) else float("nan"),
            }
        )
    t = pd.DataFrame(rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        t["customer_rate"] = t["customers"] / t["accounts"]
        t["opportunity_rate"] = t["with_opportunity"] / t["non_customers"]
    t["customer_rate_lo"], t["customer_rate_hi"] = icp_mod.wilson_interval(t["customers"], t["accounts"], level)
    t["opportunity_rate_lo"], t["opportunity_rate_hi"] = icp_mod.wilson_interval(
        t["with_opportunity"], t["non_customers"], level
    )
    return t


# --------------------------------------------------------------------------- tiers and clusters
def _potential_value(accounts: pd.DataFrame, column: str) -> np.ndarray:
    if column not in accounts.columns:
        raise ABMDataError(
            f"accounts: grading.value_column '{column}' is not a column of the accounts table "
            f"(columns: {list(accounts.columns)})",
            file="accounts",
            column=column,
            reason="missing column",
        )
    v = pd.to_numeric(accounts[column], errors="coerce").astype(float)
    med = float(v.median()) if v.notna().any() else 1.0
    return v.fillna(med).clip(lower=0).to_numpy()


def describe_clusters(
    features: pd.DataFrame, labels: np.ndarray, share: float = 0.5, max_tech: int = 2
) -> dict[int, str]:
    """A description in words of each cluster: attribute values held by at least ``share`` of it
    (and up to ``max_tech`` technographic traits held by >= 70% or <= 5%), e.g.
    'Software, 200–999 employees, NA, uses CRM'."""
    lab = icp_mod._value_labels(features)
    out = {}
    for c in sorted(pd.unique(labels)):
        d = lab[labels == c]
        parts = []
        for attr in ("industry", "employee_band", "region"):
            if attr not in d:
                continue
            vc = d[attr].value_counts(normalize=True)
            top = [v for v, s in vc.items() if v != icp_mod.UNKNOWN][:2]
            if top and vc[top[0]] >= share:
                txt = top[0]
            elif len(top) == 2 and vc[top[0]] + vc[top[1]] >= share + 0.25:
                txt = f"{top[0]} or {top[1]}"
            else:
                continue
            parts.append(
                txt + (" employees" if attr == "employee_band" else " revenue" if attr == "revenue_band" else "")
            )
        tech = {t: float((d[t] == "yes").mean()) for t in d.columns if t.startswith("tech_")}
        uses = sorted([t for t, sh in tech.items() if sh >= max(share, 0.7)], key=lambda t: -tech[t])
        nots = sorted([t for t, sh in tech.items() if sh <= 0.05 and len(d) >= 10], key=lambda t: tech[t])
        parts += [f"uses {icp_mod.tech_label(t)}" for t in uses[:max_tech]]
        parts += [f"no {icp_mod.tech_label(t)}" for t in nots[: max(0, max_tech - len(uses[:max_tech]))]]
        out[int(c)] = ", ".join(parts) if parts else "mixed profile"
    return out


def assign_tiers(
    grades: pd.DataFrame, accounts: pd.DataFrame, p: GradingParams, seed: int = 0, features: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Add tier, priority, cluster and cluster_label to ``grades`` (one row per account, same order).

    Targets are ranked by priority = fit_prob x potential value; the first
    ``strategic_n`` are strategic, the next ``abm_lite_n`` ABM-lite (clustered), the rest
    programmatic. Non-targets get tier 'none' and cluster -1.
    """
    out = grades.copy()
    acc = accounts.set_index(accounts["account_id"].astype(str)).loc[out["account_id"]]
    value = _potential_value(acc.reset_index(drop=True), p.value_column)
    out["potential_value"] = value
    out["priority"] = out["fit_prob"].to_numpy(float) * value
    out["tier"] = "none"
    tgt = np.flatnonzero(out["is_target"].to_numpy(bool))
    order = tgt[np.lexsort((-out["fit_score"].to_numpy()[tgt], -out["priority"].to_numpy()[tgt]))]
    tier = out["tier"].to_numpy(dtype=object)
    tier[order[: p.strategic_n]] = "strategic"
    tier[order[p.strategic_n : p.strategic_n + p.abm_lite_n]] = "abm_lite"
    tier[order[p.strategic_n + p.abm_lite_n :]] = "programmatic"
    out["tier"] = tier
    out["cluster"] = -1
    out["cluster_label"] = ""
    out.loc[out["tier"] == "strategic", "cluster_label"] = "1:1 account plan"
    out.loc[out["tier"] == "programmatic", "cluster_label"] = "1:many"
    lite = np.flatnonzero(tier == "abm_lite")
    if len(lite):
        feats = features if features is not None else icp_mod.account_features(acc.reset_index(drop=True))
        feats = feats.loc[out["account_id"].to_numpy()[lite]]
        # cluster on what a 1:few play is built around: industry, size, region, technographics
        X = pd.get_dummies(
            icp_mod._value_labels(feats).drop(columns=["founded_band", "revenue_band"], errors="ignore"), dtype=float
        )
        k = int(min(p.n_clusters, len(lite)))
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            km = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(X.to_numpy())
        # number clusters by size (0 = largest) so labels are stable and readable
        sizes = pd.Series(km.labels_).value_counts()
        remap = {old: new for new, old in enumerate(sizes.index)}
        labels = np.array([remap[x] for x in km.labels_])
        desc = describe_clusters(feats, labels, p.cluster_describe_share)
        out.loc[out.index[lite], "cluster"] = labels
        out.loc[out.index[lite], "cluster_label"] = [desc[x] for x in labels]
    out["cluster"] = out["cluster"].astype(int)
    return out


def orchestration_plan(grades: pd.DataFrame, p: GradingParams, currency: str = "USD") -> pd.DataFrame:
    """Per tier: accounts, plays, budget per account and total budget per quarter (plus a total row)."""
    rows = []
    for t in TIER_NAMES:
        n = int((grades["tier"] == t).sum())
        per = float(p.budget_per_account.get(t, 0.0))
        rows.append(
            {
                "tier": TIER_LABEL[t],
                "accounts": n,
                "plays": ", ".join(p.plays.get(t, [])),
                f"budget per account ({currency}/quarter)": per,
                f"budget ({currency}/quarter)": n * per,
            }
        )
    t = pd.DataFrame(rows)
    total = {
        "tier": "Total",
        "accounts": int(t["accounts"].sum()),
        "plays": "",
        f"budget per account ({currency}/quarter)": float("nan"),
        f"budget ({currency}/quarter)": float(t[f"budget ({currency}/quarter)"].sum()),
    }
    return pd.concat([t, pd.DataFrame([total])], ignore_index=True)


# --------------------------------------------------------------------------- exports
def target_accounts_export(grades: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """CRM import file: one row per target account, best first (columns TARGET_COLUMNS)."""
    acc = accounts.set_index(accounts["account_id"].astype(str))
    t = grades[grades["is_target"].astype(bool)].copy()
    a = acc.loc[t["account_id"]]
    out = pd.DataFrame(
        {
            "account_id": t["account_id"].to_numpy(),
            "name": a["name"].to_numpy(),
            "domain": a["domain"].to_numpy() if "domain" in a else None,
            "grade": t["grade"].to_numpy(),
            "tier": t["tier"].to_numpy(),
            "score": t["fit_score"].round(1).to_numpy(),
            "cluster": t["cluster"].to_numpy(),
            "cluster_label": t["cluster_label"].to_numpy(),
            "owner": (a["owner"].astype("string").fillna("unassigned").to_numpy() if "owner" in a else "unassigned"),
        }
    )
    rank = out["tier"].map({"strategic": 0, "abm_lite": 1, "programmatic": 2})
    return (
        out.assign(_r=rank)
        .sort_values(["_r", "score"], ascending=[True, False], kind="stable")
        .drop(columns="_r")
        .reset_index(drop=True)
    )


def linkedin_company_list(grades: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """LinkedIn Matched Audiences company list (columns LINKEDIN_COLUMNS), one row per target account."""
    acc = accounts.set_index(accounts["account_id"].astype(str))
    t = grades[grades["is_target"].astype(bool)]
    a = acc.loc[t["account_id"]]

    def col(name):
        return a[name].astype("string").fillna("").to_numpy() if name in a.columns else np.full(len(a), "")

    domain = col("domain")
    website = np.where(domain != "", domain, col("website"))
    blank = np.full(len(a), "")
    return pd.DataFrame(
        {
            "companyname": col("name"),
            "companywebsite": website,
            "companyemaildomain": domain,
            "linkedincompanypageurl": blank,
            "stocksymbol": blank,
            "industry": col("industry"),
            "city": blank,
            "state": blank,
            "companycountry": col("country"),
            "zipcode": blank,
        },
        columns=LINKEDIN_COLUMNS,
    )


# --------------------------------------------------------------------------- the whole step
@dataclass
class GradingResult:
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

    GRADE_COLUMNS = ["account_id", "fit_score", "grade", "is_target", "tier", "cluster", "cluster_label"]

    def account_grades(self) -> pd.DataFrame:
        """The artefact: account_id, fit_score, grade, is_target, tier, cluster, cluster_label (+ fit_prob, priority)."""
        cols = self.GRADE_COLUMNS + ["fit_prob", "priority", "potential_value"]
        return self.grades[cols].reset_index(drop=True)

    def summary(self, currency: str = "USD") -> dict[str, Any]:
        r = self.rates.set_index("grade")
        tiers = self.grades["tier"].value_counts()
        budget_col = f"budget ({currency}/quarter)"
        return {
            "accounts": int(len(self.grades)),
            "target_accounts": int(self.grades["is_target"].sum()),
            "score_source": self.score_source,
            "grade_counts": {g: int(r.loc[g, "accounts"]) for g in GRADES},
            "customer_rate_A": round(float(r.loc["A", "customer_rate"]), 4) if r.loc["A", "accounts"] else None,
            "customer_rate_F": round(float(r.loc["F", "customer_rate"]), 4) if r.loc["F", "accounts"] else None,
            "opportunity_rate_A": (
                round(float(r.loc["A", "opportunity_rate"]), 4) if r.loc["A", "non_customers"] else None
            ),
            "opportunity_rate_F": (
                round(float(r.loc["F", "opportunity_rate"]), 4) if r.loc["F", "non_customers"] else None
            ),
            "monotone_customer_rate": monotone_decreasing(r["customer_rate"].tolist()),
            "monotone_opportunity_rate": monotone_decreasing(r["opportunity_rate"].tolist()),
            "tiers": {t: int(tiers.get(t, 0)) for t in TIER_NAMES},
            "budget_per_quarter": float(self.plan.iloc[-1][budget_col]) if budget_col in self.plan else None,
            "linkedin_rows": int(len(self.linkedin)),
            "linkedin_below_minimum": bool(len(self.linkedin) < LINKEDIN_MIN_ROWS),
        }

    def save(self, folder: str | Path) -> dict[str, Path]:
        """Write account_grades.parquet, target_accounts.csv and linkedin_company_list.csv into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {
            "account_grades": folder / "account_grades.parquet",
            "target_accounts": folder / "target_accounts.csv",
            "linkedin": folder / "linkedin_company_list.csv",
        }
        self.account_grades().to_parquet(paths["account_grades"], index=False)
        self.targets.to_csv(paths["target_accounts"], index=False)
        self.linkedin.to_csv(paths["linkedin"], index=False)
        return paths


def _scores_for(
    accounts: pd.DataFrame, fit_scores: pd.DataFrame | None, rules, p: GradingParams, origin: str | None = None
) -> tuple[pd.DataFrame, str]:
    ids = accounts["account_id"].astype(str)
    if p.score_source == "rules":
        if rules is None:
            raise ABMDataError(
                "grading.score_source is 'rules' but no icp.yaml rules were given (run notebook 01)",
                file="icp.yaml",
                reason="missing rules",
            )
        rs = icp_mod.apply_icp(accounts, rules)
        prob = rs["rule_score"].to_numpy() / 100.0
        return pd.DataFrame(
            {
                "account_id": ids.to_numpy(),
                "fit_prob": prob,
                "fit_score": icp_mod.fit_score(prob) if p.cutoff_mode == "quantile" else rs["rule_score"].to_numpy(),
            }
        ), "rules (icp.yaml)"
    if fit_scores is None:
        raise ABMDataError(
            "no fit scores given: run notebook 01 (fit_scores.parquet) or set grading.score_source: rules",
            file="fit_scores.parquet",
            reason="missing fit scores",
        )
    fs = fit_scores.copy()
    fs["account_id"] = fs["account_id"].astype(str)
    miss = ~ids.isin(fs["account_id"])
    if miss.any():
        raise ABMDataError(
            f"fit_scores.parquet: {int(miss.sum())} account(s) have no fit score, e.g. "
            f"{list(ids[miss][:5])}; re-run notebook 01 on the same data",
            file="fit_scores.parquet",
            column="account_id",
            reason="accounts without a score",
        )
    if fs["account_id"].duplicated().any():
        raise ABMDataError(
            "fit_scores.parquet: duplicate account_id values",
            file="fit_scores.parquet",
            column="account_id",
            reason="duplicate key",
        )
    fs = fs.set_index("account_id").loc[ids.to_numpy()].reset_index()
    names = {"logit": "logistic-regression lookalike model", "gbm": "gradient-boosted lookalike model"}
    if origin and origin.startswith("none"):
        label = "ICP rule score of notebook 01 (no model)"
    else:
        label = "fit score of notebook 01" + (f" ({names.get(origin, origin)})" if origin else "")
    return fs[["account_id", "fit_prob", "fit_score"]], label


def grade_accounts(
    accounts: pd.DataFrame,
    opportunities: pd.DataFrame | None,
    fit_scores: pd.DataFrame | None,
    p: GradingParams | None = None,
    rules=None,
    seed: int = 0,
    ci_level: float = 0.95,
    currency: str = "USD",
    score_origin: str | None = None,
) -> GradingResult:
    """Grades, target list, tiers, plan and exports for every account (see module doc).

    ``score_origin`` names where ``fit_scores`` came from (e.g. 'logit'), for the report.
    """
    p = p or GradingParams()
    scores, source = _scores_for(accounts, fit_scores, rules, p, score_origin)
    g = scores.copy()
    g["grade"] = assign_grades(g["fit_score"], p.cutoffs, p.cutoff_mode)
    g["is_customer"] = accounts["is_customer"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    with_opp = set()
    if opportunities is not None and len(opportunities):
        with_opp = set(opportunities["account_id"].dropna().astype(str))
    g["has_opportunity"] = g["account_id"].isin(with_opp)
    g["is_target"] = g["grade"].isin(p.target_grades) & ~(g["is_customer"] & p.exclude_customers)
    feats = icp_mod.account_features(accounts)
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
    notes = []
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
    )


# --------------------------------------------------------------------------- widget
def _rates_html(grades: pd.DataFrame, cutoffs: dict[str, float], mode: str) -> str:
    g = grades.copy()
    g["grade"] = assign_grades(g["fit_score"], cutoffs, mode)
    r = grade_rates(g)
    rows = "".join(
        f"<tr><td>{x.grade}</td><td>{x.accounts:,}</td><td>{x.customers:,}</td><td>{x.customer_rate:.1%}</td>"
        f"<td>{x.opportunity_rate:.1%}</td></tr>"
        if x.accounts
        else f"<tr><td>{x.grade}</td><td>0</td><td>0</td><td>–</td><td>–</td></tr>"
        for x in r.itertuples()
    )
    mono = monotone_decreasing(r["customer_rate"].tolist())
    return (
        "<table><thead><tr><th>grade</th><th>accounts</th><th>customers</th><th>customer rate</th>"
        "<th>opportunity rate (non-customers)</th></tr></thead><tbody>" + rows + "</tbody></table>"
        f"<p>Customer rate falls from A to F: {'yes' if mono else 'no'}.</p>"
    )


def grade_cutoff_explorer(grades: pd.DataFrame, cutoffs: dict[str, float] | None = None, mode: str = "score"):
    """ipywidgets control: one slider per grade cut-off (A–E); the table of counts, customer
    rate and opportunity rate per grade updates on every change. ``grades`` needs
    fit_score, is_customer, has_opportunity (e.g. ``GradingResult.grades``).
    Returns an ``ipywidgets.VBox`` (``.sliders`` and ``.table`` attributes for scripting).
    """
    import ipywidgets as widgets

    cutoffs = dict(cutoffs or GradingParams().cutoffs)
    need = {"fit_score", "is_customer", "has_opportunity"} - set(grades.columns)
    if need:
        raise ABMDataError(
            f"grade_cutoff_explorer: grades table lacks column(s) {sorted(need)}",
            file="grades",
            column=sorted(need)[0],
            reason="missing column",
        )
    g = grades[["fit_score", "is_customer", "has_opportunity"]].copy()
    sliders = {
        k: widgets.FloatSlider(
            value=float(v), min=0.0, max=100.0, step=0.5, description=f"{k} from", continuous_update=False
        )
        for k, v in cutoffs.items()
    }
    table = widgets.HTML(_rates_html(g, cutoffs, mode))
    message = widgets.HTML("")

    def update(_=None):
        cur = {k: s.value for k, s in sliders.items()}
        vals = [cur[k] for k in GRADES[:5]]
        if any(b >= a for a, b in zip(vals, vals[1:], strict=False)):
            message.value = "<b>Cut-offs must fall from A to E (A &gt; B &gt; C &gt; D &gt; E).</b>"
            return
        message.value = ""
        table.value = _rates_html(g, cur, mode)

    for s in sliders.values():
        s.observe(update, names="value")
    box = widgets.VBox(
        [widgets.HBox(list(sliders.values())[:3]), widgets.HBox(list(sliders.values())[3:]), message, table]
    )
    box.sliders = sliders
    box.table = table
    box.message = message
    return box


# --------------------------------------------------------------------------- real data: Maven CRM
#: Where the Maven CRM files are looked for, relative to the project root (first found wins).
MAVEN_DIRS = ("data/real/maven_crm", "../shared/datasets/maven_crm")


def find_maven(root: str | Path = ".") -> Path | None:
    """The Maven CRM folder (``data/real/maven_crm`` or ``../shared/datasets/maven_crm``), or None."""
    for d in MAVEN_DIRS:
        p = (Path(root) / d).resolve()
        if (p / "accounts.csv").exists() and (p / "sales_pipeline.csv").exists():
            return p
    return None


def maven_check(
    root: str | Path = ".", params: Params | None = None, folder: str | Path | None = None
) -> dict[str, Any]:
    """Run ICP + grading on the Maven CRM sample (85 accounts) through the column mapping.

    Returns a dict: ``available`` (bool), ``message`` (Markdown saying what 85 accounts can
    and cannot support, or why it was skipped), and when available ``icp`` (IcpResult),
    ``grading`` (GradingResult), ``value_by_grade`` (won revenue per account by grade).
    """
    from .config import parse_params
    from .data.io import load_dataset

    path = Path(folder) if folder else find_maven(root)
    if path is None or not (path / "accounts.csv").exists():
        return {
            "available": False,
            "message": "Maven CRM files not found in " + " or ".join(MAVEN_DIRS) + ": real-data check skipped.",
        }
    base = params.model_dump(mode="json") if params is not None else {}
    base["data"] = {"source": "folder", "path": str(path.resolve()), "preset": "maven_crm"}
    mp = parse_params(base)
    ds = load_dataset(mp, root)
    acc, opp = ds.tables["accounts"], ds.tables["opportunities"]
    res = icp_mod.discover(acc, opp, mp.icp, seed=mp.run.seed)
    gp = mp.grading.model_copy(
        update={
            "score_source": "model",
            "exclude_customers": False,
            "strategic_n": min(mp.grading.strategic_n, 5),
            "abm_lite_n": min(mp.grading.abm_lite_n, 20),
            "n_clusters": min(mp.grading.n_clusters, 3),
        }
    )
    gr = grade_accounts(acc, opp, res.fit_scores, gp, seed=mp.run.seed, score_origin=res.summary()["model"])
    won = opp[opp["is_won"]].groupby("account_id")["amount"].sum()
    g = gr.grades.assign(
        won_revenue=gr.grades["account_id"].map(won).fillna(0.0).to_numpy(), high_value=np.asarray(res.y, bool)
    )
    vbg = g.groupby("grade").agg(
        accounts=("account_id", "size"),
        won_revenue_per_account=("won_revenue", "mean"),
        high_value=("high_value", "sum"),
    )
    vbg = vbg.reindex(list(GRADES)).dropna(how="all").reset_index()
    vbg["accounts"] = vbg["accounts"].astype(int)
    vbg["high_value"] = vbg["high_value"].astype(int)
    n, n_c = len(acc), int(acc["is_customer"].astype(bool).sum())
    n_ind = acc["industry"].nunique()
    small = int(res.lifts.table["small_sample"].sum())
    na_share = float((acc["region"] == "NA").mean())
    msg = (
        f"**Real data (Maven CRM, {n} accounts, {len(opp):,} opportunities).** {n_c} of {n} accounts have a won deal, "
        f"so every account is a customer: there are no prospects to contrast them with, and a customers-vs-rest "
        f"lookalike model is impossible (it would need at least {mp.icp.min_customers} customers *and* a universe of "
        f"non-customers). What 85 accounts can support: a descriptive value profile, contrasting the top "
        f"{mp.icp.high_value_share:.0%} of customers by won revenue ({int(res.y.sum())} accounts) with the rest, with "
        f"wide intervals — {small} of {len(res.lifts.table)} segments have fewer than {mp.icp.min_segment_size} "
        f"accounts, {n_ind} industries share 85 accounts, {na_share:.0%} are in North America and there are no "
        f'technographic flags. The readable rule ("{res.rules.describe()}", precision '
        f"{res.rules.stats.get('precision', float('nan')):.0%}, recall {res.rules.stats.get('recall', float('nan')):.0%}) "
        f"is a hypothesis to test, not a validated ICP. What it cannot support: a fitted model, calibrated "
        f"probabilities, SHAP drivers, or grades that predict new-logo wins; the grades below only rank existing "
        f"customers by resemblance to the high-value group (useful for expansion, not acquisition)."
    )
    return {"available": True, "message": msg, "icp": res, "grading": gr, "value_by_grade": vbg, "path": str(path)}


# --------------------------------------------------------------------------- report helpers (notebook 02)
def executive_summary(gr: GradingResult, currency: str = "USD") -> str:
    """3–5 sentences of Markdown with the key numbers of notebook 02, built from the results."""
    from .style import fmt_money

    s = gr.summary(currency)
    r = gr.rates.set_index("grade")
    tiers = s["tiers"]
    tg = ", ".join(gr.params.target_grades)
    out = [
        f"**{s['target_accounts']:,} target accounts** (grades {tg}"
        f"{', customers excluded' if gr.params.exclude_customers else ''}) out of {s['accounts']:,}, "
        f"graded on the {s['score_source']}."
    ]
    graded = r[r["accounts"] > 0]
    best, worst = graded.index[0], graded.index[-1]
    if graded["non_customers"].sum() == 0:
        out.append(
            "Every account is already a customer, so neither the customer rate nor the opportunity rate can "
            "validate the grades: they only rank accounts by resemblance to the profile."
        )
    else:
        out.append(
            f"Grade {best}: {r.loc[best, 'customer_rate']:.0%} of accounts are already customers against "
            f"{r.loc[worst, 'customer_rate']:.0%} in grade {worst}, and {r.loc[best, 'opportunity_rate']:.0%} of "
            f"grade-{best} prospects have had an opportunity against {r.loc[worst, 'opportunity_rate']:.0%} in "
            f"{worst} (customer rate falls at every grade: {'yes' if s['monotone_customer_rate'] else 'no'})."
        )
    out.append(
        f"Tiers: {tiers['strategic']} strategic 1:1, {tiers['abm_lite']} ABM-lite 1:few in "
        f"{gr.clusters['cluster'].nunique()} clusters, {tiers['programmatic']} programmatic 1:many, for a "
        f"budget of {fmt_money(s['budget_per_quarter'])} per quarter ({currency})."
    )
    li = f"LinkedIn company list: {s['linkedin_rows']:,} companies"
    li += f", below LinkedIn's minimum of {LINKEDIN_MIN_ROWS}." if s["linkedin_below_minimum"] else "."
    out.append(
        "Exports for CRM import (`target_accounts.csv`) and LinkedIn Matched Audiences are in the run folder. " + li
    )
    out += [n for n in gr.notes if not n.startswith("The LinkedIn company list")]
    return " ".join(out)


def format_rates(rates: pd.DataFrame) -> pd.DataFrame:
    """Grade table for display (rates as percentages with 95% intervals)."""

    def pct(a, lo, hi):
        return [("–" if x != x else f"{x:.1%} ({l:.1%}–{h:.1%})") for x, l, h in zip(a, lo, hi, strict=False)]

    return pd.DataFrame(
        {
            "grade": rates["grade"],
            "fit score": [
                ("–" if a != a else f"{a:.0f}–{b:.0f}") for a, b in zip(rates["min_score"], rates["max_score"], strict=False)
            ],
            "accounts": rates["accounts"],
            "customers": rates["customers"],
            "customer rate (95% CI)": pct(rates["customer_rate"], rates["customer_rate_lo"], rates["customer_rate_hi"]),
            "prospects": rates["non_customers"],
            "with opportunity": rates["with_opportunity"],
            "opportunity rate (95% CI)": pct(
                rates["opportunity_rate"], rates["opportunity_rate_lo"], rates["opportunity_rate_hi"]
            ),
            "targets": rates["targets"],
        }
    )


def format_plan(plan: pd.DataFrame) -> pd.DataFrame:
    """Orchestration plan with money formatted."""
    from .style import fmt_money

    out = plan.copy()
    for c in out.columns:
        if c.startswith("budget"):
            out[c] = [("" if x != x else fmt_money(x)) for x in out[c]]
    return out


def tier_grade_table(grades: pd.DataFrame) -> pd.DataFrame:
    """Target accounts by tier (rows) and grade (columns)."""
    t = grades[grades["is_target"]]
    if t.empty:
        return pd.DataFrame({"accounts": [0]}, index=pd.Index(["Total"], name="tier"))
    ct = pd.crosstab(t["tier"].map(TIER_LABEL), t["grade"], margins=True, margins_name="Total")
    order = [TIER_LABEL[x] for x in TIER_NAMES if TIER_LABEL[x] in ct.index] + ["Total"]
    return ct.loc[order]


def plot_grade_rates(rates: pd.DataFrame):
    """Customer rate and prospects' opportunity rate per grade, with 95% intervals."""
    import matplotlib.pyplot as plt

    from .style import PALETTE

    fig, ax = plt.subplots()
    x = np.arange(len(rates))
    w = 0.38
    for i, (col, lab) in enumerate(
        [("customer_rate", "Customer rate (all accounts)"), ("opportunity_rate", "Opportunity rate (prospects)")]
    ):
        v = rates[col].to_numpy(float) * 100
        err = np.vstack([v - rates[f"{col}_lo"].to_numpy(float) * 100, rates[f"{col}_hi"].to_numpy(float) * 100 - v])
        err = np.nan_to_num(np.clip(err, 0, None))
        ax.bar(x + (i - 0.5) * w, v, w, yerr=err, label=lab, color=PALETTE[i], capsize=2, ecolor="#555555")
    ax.set_xticks(x)
    ax.set_xticklabels(rates["grade"])
    ax.set_xlabel("Grade (A = best fit)")
    ax.set_ylabel("Share of accounts in grade (%)")
    ax.set_title("Customer and opportunity rate by grade")
    ax.legend()
    return fig


def exports_table(paths: dict[str, Path]) -> pd.DataFrame:
    """Rows and columns of each export file (names only, no folders)."""
    rows = []
    for k, pth in paths.items():
        df = pd.read_parquet(pth) if str(pth).endswith(".parquet") else pd.read_csv(pth, nrows=None)
        rows.append({"file": Path(pth).name, "rows": len(df), "columns": ", ".join(df.columns)})
    return pd.DataFrame(rows)
