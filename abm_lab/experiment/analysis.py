"""The randomised holdout's effect: who is in the experiment, the estimates per outcome, and the ROI.

When ``programs.arm`` marks held-out control accounts, the programme's effect is measured by comparing the
arms (intention to treat: an account counts in the arm it was assigned to, whether or not it left early):

* **Sample** (:func:`experiment_sample`): target accounts eligible for the lift (not customers at the first
  start) in a tier that has both arms; tiers without a control account (e.g. ``experiment.exclude_tiers``,
  never held out) are outside the experiment and counted in ``excluded``. An account's **experiment periods**
  are the complete lift periods (``roi.lift.panel_days``) from its own ``start_date`` to ``as_of`` (exits
  ignored: ITT); its **pre periods** the last ``experiment.history_quarters`` periods ending before it.
* **Estimand**: the effect per treatment-arm account-period over those periods, Σ over the treatment arm of
  (Y(1) − Y(0)) / its periods; ``total`` = effect × the treatment arm's periods (the ROI's incremental
  revenue). Randomisation makes the control arm's mean an unbiased Y(0).
* **Methods** (:mod:`.estimators`): ``experiment`` (headline) regression adjustment on each account's own
  pre-period outcomes (CUPED, Lin 2013: centred covariates with arm interactions, start-cohort indicators,
  HC3 SE); ``experiment_dm`` the plain difference in means; ``experiment_poisson`` the Poisson pseudo-likelihood
  rate ratio (counts and revenue), mapped to the same per-period scale.

Win rate and deal size are not compared between arms: they condition on a deal existing, which the programme
itself changes, so randomisation does not identify them; they stay observational.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..config.experiment import ExperimentParams
from ..roi.lift.sample import PeriodGrid, treatment_cells
from .estimators import HEADLINE, METHODS, Estimate, lin_estimate, poisson_estimate


def arms_of(programs: pd.DataFrame | None) -> pd.Series | None:
    """Arm per account id from ``programs.arm`` (blank = treatment), or None when no account is a control."""
    if programs is None or "arm" not in programs.columns or programs.empty:
        return None
    p = programs.dropna(subset=["account_id"])
    arm = p["arm"].astype("string").str.strip().str.lower().fillna("treatment")
    arm = arm.mask(arm == "", "treatment")
    is_control = pd.Series(arm.eq("control").to_numpy(bool), index=p["account_id"].astype(str).to_numpy(object))
    ctrl = is_control.groupby(level=0).all()  # a control only if every row of the account says so
    by = pd.Series(np.where(ctrl.to_numpy(bool), "control", "treatment"), index=ctrl.index, dtype=object)
    return by if ctrl.any() else None


def observational_programs(programs: pd.DataFrame) -> pd.DataFrame:
    """The programme as run: ``programs`` without its held-out control rows (they are never treated)."""
    if "arm" not in programs.columns:
        return programs
    arm = programs["arm"].astype("string").str.strip().str.lower()
    return programs.loc[~arm.eq("control").fillna(False).to_numpy(bool)]


@dataclass
class ExperimentSample:
    """Randomised accounts (rows of the lift panel), their arm, tier, start cohort and period masks."""

    rows: np.ndarray  # row of each account in the lift panel (``account_ids`` order)
    account_ids: np.ndarray
    treat: np.ndarray  # 1 treatment, 0 control
    tier: np.ndarray
    cohort: np.ndarray  # start date (string) of the account's programme row
    post: np.ndarray  # accounts × periods: experiment periods
    pre: np.ndarray  # accounts × periods: pre periods (history before the start)
    excluded: dict[str, Any] = field(default_factory=dict)

    @property
    def n_treatment(self) -> int:
        return int(self.treat.sum())

    @property
    def n_control(self) -> int:
        return int((1 - self.treat).sum())

    @property
    def weights(self) -> np.ndarray:
        return self.post.sum(axis=1).astype(float)


def experiment_sample(
    programs: pd.DataFrame,
    arms: pd.Series,
    panel_ids: np.ndarray,
    grid: PeriodGrid,
    params: ExperimentParams,
    partial_days: int = 0,
) -> ExperimentSample:
    """The experiment's accounts among the lift panel's eligible ``panel_ids`` (see the module docstring)."""
    p = programs.dropna(subset=["account_id", "start_date"]).copy()
    p["account_id"] = p["account_id"].astype(str)
    p = p.sort_values("start_date", kind="stable").drop_duplicates("account_id")
    tier = p.set_index("account_id")["tier"] if "tier" in p.columns else pd.Series(dtype=object)
    ids = pd.Index(panel_ids).astype(str)
    in_panel = p["account_id"].isin(set(ids))
    excluded: dict[str, Any] = {"not_eligible": int((~in_panel).sum())}
    p = p.loc[in_panel]
    p["arm"] = p["account_id"].map(arms).fillna("treatment").to_numpy(object)
    p["tier_"] = p["account_id"].map(tier).astype(object).where(lambda s: s.notna(), "(none)").to_numpy(object)
    has_both = p.groupby("tier_")["arm"].agg(lambda s: s.nunique() == 2)
    keep_tier = set(has_both.index[has_both.to_numpy(bool)]) - set(params.exclude_tiers)
    out_tiers = p.loc[~p["tier_"].isin(keep_tier)]
    counts = out_tiers["tier_"].value_counts().sort_index()
    excluded["tiers_not_randomised"] = {str(k): int(v) for k, v in counts.items()}
    p = p.loc[p["tier_"].isin(keep_tier)]
    itt = p.assign(end_date=pd.NaT)  # intention to treat: an exit does not end the experiment
    cells = treatment_cells(p["account_id"].to_numpy(object), itt, grid, partial_days)
    n_p = grid.n_periods
    post = cells["treated"].to_numpy(bool).reshape(-1, n_p)
    start = pd.to_datetime(p["start_date"]).dt.normalize().to_numpy("datetime64[ns]")
    before = grid.end(grid.periods).to_numpy("datetime64[ns]")[None, :] < start[:, None]
    rank_back = np.cumsum(before[:, ::-1], axis=1)[:, ::-1]  # 1 = the last pre period
    pre = before & (rank_back <= params.history_quarters)
    started = post.any(axis=1)
    excluded["no_complete_period"] = int((~started).sum())
    sel = started
    return ExperimentSample(
        rows=ids.get_indexer(p["account_id"].to_numpy(object))[sel],
        account_ids=p["account_id"].to_numpy(object)[sel],
        treat=(p["arm"].to_numpy(object)[sel] == "treatment").astype(int),
        tier=p["tier_"].to_numpy(object)[sel],
        cohort=pd.to_datetime(p["start_date"]).dt.strftime("%Y-%m-%d").to_numpy(object)[sel],
        post=post[sel],
        pre=pre[sel],
        excluded=excluded,
    )


def _masked_mean(Y: np.ndarray, m: np.ndarray) -> np.ndarray:
    n = m.sum(axis=1)
    return np.where(n > 0, (Y * m).sum(axis=1) / np.maximum(n, 1), 0.0)


@dataclass
class ArmData:
    """One outcome's account-level data: mean per experiment period, its periods, pre-period covariates."""

    y: np.ndarray
    w: np.ndarray
    X: np.ndarray
    treat: np.ndarray
    fe: np.ndarray


def arm_data(Y: np.ndarray, k: int, sample: ExperimentSample, cuped: tuple[int, ...] = ()) -> ArmData:
    """Outcome ``k`` of the lift panel ``Y`` (accounts × periods × outcomes) for the experiment's accounts; the
    covariates are the pre-period means of outcome ``k`` and of the ``cuped`` outcomes (own history)."""
    Yk = Y[sample.rows]
    y = _masked_mean(Yk[..., k], sample.post)
    cols = [k, *[c for c in cuped if c != k]]
    X = np.column_stack([_masked_mean(Yk[..., c], sample.pre) for c in cols]) if sample.pre.any() else None
    return ArmData(y, sample.weights, np.zeros((len(y), 0)) if X is None else X, sample.treat, sample.cohort)


def estimate(d: ArmData, method: str, mask: np.ndarray | None = None) -> Estimate:
    """One method on (a subset of) the accounts; Poisson's ``tau`` is the log rate ratio."""
    m = np.ones(len(d.y), bool) if mask is None else mask
    if method == "experiment":
        return lin_estimate(d.y[m], d.treat[m], d.X[m], d.w[m], d.fe[m])
    if method == "experiment_dm":
        return lin_estimate(d.y[m], d.treat[m], None, d.w[m])
    if method == "experiment_poisson":
        return poisson_estimate(d.y[m] * d.w[m], d.w[m], d.treat[m], np.log1p(np.clip(d.X[m], 0, None)), d.fe[m])
    raise ValueError(f"unknown experiment method {method!r}")


def _row(outcome: str, method: str, e: Estimate, d: ArmData, m: np.ndarray, level: float, tier: str) -> dict[str, Any]:
    from ..roi.lift.analysis import effect_row

    t = m & (d.treat == 1)
    n_cells = float(d.w[t].sum())
    mean_t = float(np.average(d.y[t], weights=d.w[t])) if n_cells else float("nan")
    lo, hi = e.ci(level)
    if method == "experiment_poisson":  # log rate ratio → effect per period at the treatment arm's mean
        est, ci = mean_t * (1 - np.exp(-e.tau)), (mean_t * (1 - np.exp(-lo)), mean_t * (1 - np.exp(-hi)))
        se = mean_t * np.exp(-e.tau) * e.se
        rel = (float(np.expm1(e.tau)), float(np.expm1(lo)), float(np.expm1(hi)))
        row = effect_row(outcome, method, est, ci, se, mean_t, int(n_cells), tier, rel)
    else:
        row = effect_row(outcome, method, e.tau, (lo, hi), e.se, mean_t, int(n_cells), tier)
    row["p_value"] = e.p_value()  # the t reference of the interval
    row |= {"n_control": e.n_control, "n_treatment_accounts": e.n_treatment}
    return row


def experiment_rows(
    Y: np.ndarray,
    outcomes: list[str],
    sample: ExperimentSample,
    level: float,
    cuped: tuple[str, ...] = ("opp_rate",),
) -> list[dict[str, Any]]:
    """Effect rows (:func:`abm_lab.roi.lift.analysis.effect_row` layout, plus arm sizes) of every outcome and
    method over all randomised tiers, and of the headline method per tier with at least two accounts per arm."""
    ck = tuple(outcomes.index(c) for c in cuped if c in outcomes)
    rows = []
    everyone = np.ones(len(sample.rows), bool)
    for k, outcome in enumerate(outcomes):
        d = arm_data(Y, k, sample, ck)
        for method in METHODS:
            if method == "experiment_poisson" and (d.y < 0).any():
                continue
            rows.append(_row(outcome, method, estimate(d, method), d, everyone, level, "all"))
        for t in sorted(set(sample.tier)):
            m = sample.tier == t
            if min((d.treat[m] == 1).sum(), (d.treat[m] == 0).sum()) >= 2:
                rows.append(_row(outcome, HEADLINE, estimate(d, HEADLINE, m), d, m, level, str(t)))
    return rows
