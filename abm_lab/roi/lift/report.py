"""``run_lift``: THE one code path of the programme's lift and ROI (notebook 05, ``abm-lab lift``, the study).

Method note. Targets join and leave the programme at different times, and the effect differs by tier and by
time since the start, so the headline is the **imputation difference-in-differences** estimator (Borusyak,
Jaravel & Spiess 2024; the same point estimate as Gardner's two-stage ``did2s`` in pyfixest, see
:mod:`.imputation`): account and period effects learnt on untreated account-periods only, Y(0) imputed for each
treated account-period, effects averaged over exactly those cells, standard errors clustered by account. It
stays unbiased under staggered adoption with heterogeneous effects, where a two-way fixed-effects regression
with a single treatment dummy does not; unlike Callaway–Sant'Anna it uses every untreated period, which matters
with few pre-programme periods. Beside it: a **multiplicative** imputation (Poisson pseudo-likelihood with account
and period effects, as pyfixest's ``fepois``; :mod:`.poisson`) for counts and revenue, where a proportional
common trend is more plausible than an additive one; and the **weighting** estimator ``ra_ipw`` (selection on
pre-programme observables; :mod:`.weighting`) with account-bootstrap intervals. Win rate and deal size use the
deal-level imputation DiD (:mod:`.deals`). Definitions of every outcome: :mod:`.estimands`.

ROI, two ways (:func:`abm_lab.roi.economics.roi_two_ways`), against the ABM programme's cost over the periods
that hold treated cells:

* **realised** = (gross margin × incremental won revenue − cost) / cost, incremental won revenue = Σ over treated
  account-periods of the effect on won revenue (deals closed by ``as_of``, by close date);
* **projected** = the same with incremental revenue + the expected value of the incremental pipeline still open
  at ``as_of``: for each treated period, the effect on pipeline created × s_t, the share of the treated cells'
  pipeline of that period still open at ``as_of`` weighted by P(won within ``roi.lift.maturity_days`` of
  creation | still open at its age) (:func:`.estimands.win_prob_by_age`, from treated accounts' mature deals:
  observed win rates and cycle times). Its interval adds the won-revenue and pipeline influence functions
  account by account, so their covariance counts. The study's truth is the exact effect on ``open_value``
  (:func:`.estimands.true_att`), which this approximates when the programme does not change cycle times.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ...config.compute import ComputeParams
from ...config.experiment import ExperimentParams
from ...config.mapping import MappingParams
from ...config.roi import RoiParams
from ...errors import ABMDataError
from ...results import Results, Summary
from ...utils import limit_threads
from ..economics import lift_cost, roi_two_ways
from . import analysis as an
from .data import touch_counts
from .estimands import (
    DEAL_OUTCOMES,
    OPEN_OUTCOME,
    PANEL_OUTCOMES,
    account_period_outcomes,
    deal_outcomes,
    design,
    open_win_prob,
    treated_deals,
)
from .imputation import Panel
from .weighting import balance, firmographics, fit_weighting, overlap

#: The experiment's methods (:mod:`abm_lab.experiment.analysis`), headline first.
EXPERIMENT_METHODS = ("experiment", "experiment_dm", "experiment_poisson")
EXPERIMENT = EXPERIMENT_METHODS[0]
#: Outcome → (readable name, unit).
OUTCOME_NAMES = {
    "opp_rate": ("Opportunity rate", "opportunities per target account per period"),
    "pipeline": ("Pipeline", "USD created per target account per period"),
    "won_revenue": ("Won revenue", "USD closed won per target account per period"),
    "win_rate": ("Win rate", "share of mature deals won (absolute points)"),
    "deal_size": ("Deal size", "USD per mature won deal"),
}
#: Internal panel outcome of the projected ROI.
PROJECTED = "won_plus_open"
#: Keys of an effect in the JSON output (issue 11 §8).
EFFECT_KEYS = ("outcome", "method", "estimate", "ci_low", "ci_high", "relative", "rel_low", "rel_high")
ROI_KEYS = ("estimate", "ci_low", "ci_high", "projected", "projected_low", "projected_high", "cost")


def _clean(v: Any) -> Any:
    """JSON-safe values: NaN/inf → None, numpy scalars → Python, frames → records."""
    if isinstance(v, pd.DataFrame):
        return [_clean(r) for r in v.to_dict("records")]
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


@dataclass
class LiftReport(Results):
    """Effects per outcome and method (``effects``; ``by_tier`` for the headline), ROI two ways, diagnostics."""

    effects: pd.DataFrame
    by_tier: pd.DataFrame
    roi: dict[str, Any]
    diagnostics: dict[str, Any]
    headline_method: str = an.HEADLINE
    level: float = 0.95
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, outcome: str, method: str | None = None) -> pd.Series:
        """The ``method`` estimate of ``outcome``; by default the headline's, or the observational headline's
        for outcomes the experiment does not measure (win rate, deal size)."""
        e = self.effects
        for m in [method] if method else [self.headline_method, an.HEADLINE]:
            row = e.loc[(e["outcome"] == outcome) & (e["method"] == m)]
            if not row.empty:
                return row.iloc[0]
        raise KeyError(f"no {method or self.headline_method} estimate of {outcome}")

    @property
    def experiment(self) -> dict[str, Any] | None:
        """The randomised holdout's sample and checks (``diagnostics["experiment"]``), None without one."""
        return self.diagnostics.get("experiment")

    @property
    def verdicts(self) -> list[str]:
        return list(self.diagnostics.get("verdicts", []))

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``abm-lab lift --json`` (issue 11 §8)."""
        eff = self.effects.loc[self.effects["outcome"].isin(OUTCOME_NAMES), list(EFFECT_KEYS)]
        return _clean(
            {
                "headline_method": self.headline_method,
                "effects": eff,
                "roi": {k: self.roi[k] for k in ROI_KEYS},
                "diagnostics": self.diagnostics,
            }
        )

    def summary(self) -> Summary:
        pct = int(round(self.level * 100))
        e = self.effects.loc[self.effects["outcome"].isin(OUTCOME_NAMES)]
        tab = e.set_index(["outcome", "method"])[
            ["estimate", "ci_low", "ci_high", "relative", "rel_low", "rel_high", "p_value", "n_treated"]
        ]
        s = Summary(f"ABM programme lift on targets (ATT, staggered starts), {pct}% intervals")
        s.add_table(tab, "Effect per treated target account-period (win rate: absolute; deal size: per won deal)")
        r = self.roi
        roi = pd.DataFrame(
            {
                "estimate": [r["estimate"], r["projected"], r["incremental_revenue"], r["projected_revenue"]],
                "low": [r["ci_low"], r["projected_low"], r["incremental_revenue_low"], r["projected_revenue_low"]],
                "high": [r["ci_high"], r["projected_high"], r["incremental_revenue_high"], r["projected_revenue_high"]],
            },
            index=pd.Index(["roi_realised", "roi_projected", "revenue_realised", "revenue_projected"], name="ROI"),
        )
        s.add_table(roi, f"ROI ({self.headline_method}) and incremental revenue (USD), cost {r['cost']:,.0f}")
        if len(self.by_tier):
            bt = self.by_tier.set_index(["outcome", "tier"])[["estimate", "ci_low", "ci_high", "relative"]]
            s.add_table(bt, "Headline effects by tier")
        for v in self.verdicts:
            s.add_note(v)
        if not self.verdicts:
            s.add_note("diagnostics pass: no pre-trend, placebo, balance or overlap warning")
        return s


def _tiers(programs: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    if "tier" not in programs.columns:
        return np.full(len(ids), None, dtype=object)
    t = programs.dropna(subset=["account_id"]).sort_values("start_date", kind="stable")
    first = t.groupby(t["account_id"].astype(str))["tier"].first()
    return pd.Series(ids).map(first).astype(object).where(lambda s: s.notna(), None).to_numpy(object)


def _covariates(
    accounts: pd.DataFrame,
    ids: np.ndarray,
    Y: np.ndarray,
    pre: np.ndarray,
    touchpoints: Any,
    dsg: Any,
    p: Any,
    compute: ComputeParams | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Pre-programme design: smooth firmographics, then activity before the first start (and touches, counted on
    the ``compute`` engine: :func:`.data.touch_counts`); returns the frame and the names of the columns the
    weighting model uses (all, or the firmographics only)."""
    acc = accounts.assign(account_id=accounts["account_id"].astype(str)).drop_duplicates("account_id")
    acc = acc.set_index("account_id").reindex(ids).reset_index()
    X = firmographics(acc)
    firmo = list(X.columns)
    if pre.any():
        last = np.flatnonzero(pre)[-1]
        for k, name in enumerate(PANEL_OUTCOMES):
            X[f"{name} pre (log)"] = np.log1p(Y[:, pre, k].mean(1))
            X[f"{name} last pre period (log)"] = np.log1p(Y[:, last, k])
    if touchpoints is not None and p.engagement_covariate and len(touchpoints):
        start, g0 = dsg.first_start, dsg.grid.first_day
        recent = start - pd.Timedelta(days=dsg.grid.days)
        cnt = touch_counts(touchpoints, [(g0, start), (recent, start)], compute=compute)
        for i, name in enumerate(("touches pre (log)", "touches last pre period (log)")):
            X[name] = np.log1p(pd.Series(ids).map(cnt[f"n_{i}"]).fillna(0).to_numpy(float))
    return X, list(X.columns) if p.weighting_pre_outcomes else firmo


def estimated_touch_accounts(tables: dict[str, pd.DataFrame], params: MappingParams | None = None) -> pd.DataFrame:
    """Touchpoints with ``account_id`` from the lead-to-account mapping run in-process (contacts, then touches;
    as notebook 03 does, without its persona and coverage steps) — for ``abm-lab lift`` and the simulation
    study, where no ``touchpoints_mapped`` artefact exists. Never the synthetic truth."""
    from ...mapping.contacts import map_contacts
    from ...mapping.index import AccountIndex
    from ...mapping.resolve import resolve_touch_accounts
    from ...mapping.touchpoints import map_touchpoints

    mp = params or MappingParams()
    tp = tables.get("touchpoints")
    if tp is None or tp.empty:
        return pd.DataFrame({"touchpoint_id": [], "timestamp": [], "account_id": []})
    idx = AccountIndex.build(tables["accounts"], mp)
    res = map_contacts(tables["contacts"], tables["accounts"], mp, index=idx)
    mapped = map_touchpoints(tp, res, tables["accounts"], mp, index=idx)
    return resolve_touch_accounts(tp, mapped[["touchpoint_id", "account_id"]])


def run_lift(
    tables: dict[str, pd.DataFrame],
    touchpoints: pd.DataFrame | None,
    *,
    as_of: Any,
    params: RoiParams | None = None,
    experiment: ExperimentParams | None = None,
    compute: ComputeParams | None = None,
) -> LiftReport:
    """Lift of the ABM programme on its targets by every method, diagnostics, and ROI two ways.

    ``tables``: canonical accounts, opportunities, programs, costs; ``touchpoints`` with ``account_id`` resolved
    (:func:`abm_lab.mapping.resolve.resolve_touch_accounts`; optional: pre-programme touches as a covariate,
    and the contamination check of an experiment). When ``programs.arm`` marks held-out controls, the randomised
    comparison (:mod:`abm_lab.experiment`) is estimated too and is the headline unless its checks fail; the
    observational methods then see the programme as run (controls are never treated). ``compute``: the engine
    the touch-level covariates are counted on (DuckDB by default)."""
    from ...experiment.analysis import arms_of, observational_programs

    rp = params or RoiParams()
    ep = experiment or ExperimentParams()
    p = rp.lift
    prog = tables.get("programs")
    if prog is None or prog.empty:
        raise ABMDataError(
            "programs: no ABM programme members; lift needs the programs table",
            file="programs",
            column="account_id",
            reason="empty",
        )
    accounts, opps = tables["accounts"], tables["opportunities"]
    arms = arms_of(prog)
    full_prog, prog = prog, observational_programs(prog)
    rng = np.random.default_rng(p.seed)
    with limit_threads(1):
        dsg = design(accounts, opps, prog, as_of, p)
        grid = dsg.grid
        ids = dsg.account_ids
        n_a, n_p = len(ids), grid.n_periods
        wp = open_win_prob(opps, dsg, as_of, p)
        out = account_period_outcomes(opps, ids, grid, as_of, wp)
        cols = [*PANEL_OUTCOMES, OPEN_OUTCOME]
        Y = np.stack([out[c].to_numpy(float).reshape(n_a, n_p) for c in cols], axis=-1)
        cohort = dsg.cells["cohort"].to_numpy("float", na_value=np.nan).reshape(n_a, n_p)[:, 0]
        tier = _tiers(prog, ids)
        tiers = sorted({t for t in tier if t is not None})
        panel = Panel(
            Y, cols, dsg.matrix("fit").astype(bool), dsg.matrix("estimand").astype(bool), cohort, grid.periods, tier
        )
        if not panel.est.any():
            raise ABMDataError(
                "programs: no target account is in the programme for a whole period before as_of",
                file="programs",
                column="start_date",
                reason="no treated period",
            )
        core = Panel(Y[..., :3], list(PANEL_OUTCOMES), panel.fit, panel.est, cohort, grid.periods, tier)
        rows = an.imputation_rows(core, tiers, p.ci_level)
        won_rows, proj_rows = an.carryover_rows(panel, tiers, p)
        if p.revenue_lags > 0:  # carry-over replaces the plain imputation of won revenue
            rows = [r for r in rows if r["outcome"] != "won_revenue"] + won_rows
        rows += proj_rows
        dl = deal_outcomes(opps, grid, as_of, p.maturity_days)
        row_of = pd.Series(np.arange(n_a), index=ids)
        deals = {}
        for o in DEAL_OUTCOMES:
            d = treated_deals(dl, dsg, o)
            d["tier"] = pd.Series(tier[row_of.reindex(d["account_id"]).to_numpy(int)] if len(d) else [], dtype=object)
            d["acc_row"] = row_of.reindex(d["account_id"]).to_numpy(int)
            deals[o] = d
        rows += an.deal_rows(deals, tiers, p.ci_level)
        rows += an.poisson_rows(core, p, rng)
        target = dsg.matrix("target").astype(bool)[:, 0]
        control = ~target
        pre = grid.end(grid.periods).to_numpy() < np.datetime64(dsg.first_start)
        cov, used = _covariates(accounts, ids, Y, pre, touchpoints, dsg, p, compute)
        wt = fit_weighting(cov[used], target, control, p.propensity_clip, p.propensity_c)
        rows += an.ra_ipw_rows(wt, core, deals, p, rng, pre)
        es, pretrend = an.event_study_frame(core, p)
        placebo = an.placebo_rows(core, p)
        bal = balance(wt, cov).assign(in_model=lambda b: b["covariate"].isin(used))
        ovl = overlap(wt)
        exp = _experiment(full_prog, arms, ids, grid, Y, cov, touchpoints, ep, p) if arms is not None else None
    if exp is not None:
        rows += exp.rows
    headline = EXPERIMENT if exp is not None and exp.valid else an.HEADLINE
    allrows = pd.DataFrame(rows)
    allrows["headline"] = allrows["method"] == headline
    effects = allrows.loc[allrows["tier"] == "all"].drop(columns="tier").reset_index(drop=True)
    order = {o: i for i, o in enumerate([*OUTCOME_NAMES, OPEN_OUTCOME, PROJECTED])}
    rank = {m: i for i, m in enumerate([*EXPERIMENT_METHODS, *an.METHODS])}
    effects = (
        effects.assign(_o=effects["outcome"].map(order), _m=effects["method"].map(rank))
        .sort_values(["_o", "_m"], kind="stable")
        .drop(columns=["_o", "_m"])
        .reset_index(drop=True)
    )
    by_tier = allrows.loc[(allrows["tier"] != "all") & allrows["outcome"].isin(OUTCOME_NAMES)].reset_index(drop=True)
    hl = effects.set_index(["outcome", "method"])
    treated_periods = grid.table().loc[panel.est.any(0)]
    cost = lift_cost(tables.get("costs"), prog["program_id"].unique(), treated_periods, rp.program_cost)
    n_cells, n_targets = int(panel.est.sum()), int(target.sum())
    if headline == EXPERIMENT and exp is not None:
        from ...experiment.measure import experiment_cost

        cost = experiment_cost(cost, dsg.matrix("treated").astype(bool), exp.sample)
        n_cells, n_targets = int(exp.sample.weights[exp.sample.treat == 1].sum()), exp.sample.n_treatment
    won = hl.loc[("won_revenue", headline)]
    proj = hl.loc[(PROJECTED, headline)]
    roi = roi_two_ways(
        (won["total"], won["total_low"], won["total_high"]),
        (proj["total"], proj["total_low"], proj["total_high"]),
        cost,
        rp.gross_margin,
    )
    roi |= {"method": headline, "n_treated_cells": n_cells, "n_targets": n_targets}
    diagnostics = {
        "event_study": es,
        "pretrend": pretrend,
        "placebo": placebo,
        "balance": bal,
        "overlap": ovl,
        "sample": dsg.excluded | {"treated_cells": int(panel.est.sum()), "untreated_cells": int(panel.fit.sum())},
        "periods": {
            "panel_days": grid.days,
            "n_periods": n_p,
            "first_day": str(grid.first_day.date()),
            "as_of": str(grid.as_of.date()),
            "first_start": str(dsg.first_start.date()),
            "maturity_days": p.maturity_days,
            "treated_periods": [int(x) for x in treated_periods["period"]],
        },
        "effects_by_tier": by_tier[["outcome", "tier", *EFFECT_KEYS[2:]]],
        "verdicts": an.verdicts(pretrend, placebo, bal, ovl, p) + (exp.verdicts if exp is not None else []),
    }
    if exp is not None:
        diagnostics["experiment"] = exp.diagnostics()
    return LiftReport(effects, by_tier, roi, diagnostics, headline, p.ci_level, {"win_prob_by_age": wp})


def _experiment(
    programs: pd.DataFrame,
    arms: pd.Series,
    ids: np.ndarray,
    grid: Any,
    Y: np.ndarray,
    cov: pd.DataFrame,
    touchpoints: pd.DataFrame | None,
    ep: ExperimentParams,
    p: Any,
) -> Any:
    """The randomised holdout on the panel's outcomes, plus won + open value (the projected ROI's outcome)."""
    from ...experiment.measure import measure_experiment

    k_won, k_open = [*PANEL_OUTCOMES, OPEN_OUTCOME].index("won_revenue"), len(PANEL_OUTCOMES)
    Yx = np.concatenate([Y[..., :k_open], (Y[..., k_won] + Y[..., k_open])[..., None]], axis=-1)
    outcomes = [*PANEL_OUTCOMES, PROJECTED]
    return measure_experiment(programs, arms, ids, grid, Yx, outcomes, cov, touchpoints, ep, p.ci_level, p.partial_days)
