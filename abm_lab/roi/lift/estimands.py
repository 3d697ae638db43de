"""What the lift is: the panel grid, who is treated when, who may serve as a control, and every outcome.

These functions define the estimands; the estimators (:mod:`.imputation`, :mod:`.weighting`) and the
simulation study's truth (:func:`true_att`) both call them, so the number estimated and the number it is
checked against are the same quantity.

* **Grid** (:class:`PeriodGrid`): periods of ``roi.lift.panel_days`` days ending on ``as_of`` (period 0 is the
  one ending on ``as_of``, −1 the one before, …), only complete periods on or after the history start (the
  later of the first created and first close date, or ``roi.lift.history_start``).
* **Treatment** (:func:`treatment_cells`): an account is *treated* in period p when one of its ``programs`` rows
  has ``start_date`` ≤ the period's first day and (no ``end_date`` or ``end_date`` ≥ its last day) — each
  account's own start and exit — up to ``roi.lift.partial_days`` days either side (a start one day into a
  period still makes it treated; in for at most that many days counts as out). A period covered in part is
  *partial*; periods after an exit are *exited*. Neither is treated, and neither enters the untreated fit.
* **Controls** (:func:`control_status`): accounts not in ``programs`` that were not customers at the programme's
  first start (pre-programme status only). Customers then (:func:`pre_programme_customers`: flagged
  ``is_customer`` with their first won deal, if any, before the first start) are excluded from both groups:
  they have no new-business hazard.
* **Account outcomes** (:func:`account_period_outcomes`), per account × period: ``opp_rate`` (opportunities
  created), ``pipeline`` (their amount), ``won_revenue`` (amount of deals won and *closed* in the period, by
  close date: every period has ended by ``as_of``, so nothing after ``as_of`` enters and nothing is truncated),
  ``open_pipeline`` (amount created in the period still open at ``as_of``) and, given win probabilities,
  ``open_value`` (that open amount × P(won within ``maturity_days`` of creation | still open at its age)).
* **Deal outcomes** (:func:`deal_outcomes`): a deal is *mature* when created at least ``roi.lift.maturity_days``
  before ``as_of``; ``won`` = closed won within ``maturity_days`` of creation. ``win_rate`` = won share of
  mature deals; ``deal_size`` = amount of mature won deals.
* **Estimand**: ATT = mean over treated cells (deals created in treated cells) of Y(1) − Y(0); ``relative`` =
  ATT / mean Y(0) over the same cells; ``total`` = Σ over treated cells (account outcomes). For deals the
  counterfactual is the no-programme mean of the same cohort (first treated period) and period, weighted by
  the observed treated deals (what the deal-level imputation estimator targets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ABMDataError
from .sample import (
    PeriodGrid,
    _account_ids,
    _clean_opps,
    _lift_params,
    control_status,
    first_start,
    history_start,
    pre_programme_customers,
    treatment_cells,
)

__all__ = [
    "DEAL_OUTCOMES",
    "OPEN_OUTCOME",
    "PANEL_OUTCOMES",
    "Design",
    "PeriodGrid",
    "account_period_outcomes",
    "control_status",
    "deal_outcomes",
    "design",
    "first_start",
    "history_start",
    "open_win_prob",
    "pre_programme_customers",
    "treated_deals",
    "treatment_cells",
    "true_att",
    "win_prob_by_age",
]

#: Account × period outcomes (estimated by the panel estimators).
PANEL_OUTCOMES = ("opp_rate", "pipeline", "won_revenue")
#: Deal outcomes (estimated on deals).
DEAL_OUTCOMES = ("win_rate", "deal_size")
#: Helper outcome of the projected ROI (expected value of open pipeline).
OPEN_OUTCOME = "open_value"


def win_prob_by_age(opportunities: pd.DataFrame, as_of: Any, maturity_days: int, account_ids: Any = None) -> np.ndarray:
    """P(won within ``maturity_days`` of creation | still open at age a), a = 0 … maturity_days (last = 0).

    From mature deals (created at least ``maturity_days`` before ``as_of``) of ``account_ids`` (all if None):
    among those still open a days after creation, the share that closed won within ``maturity_days``."""
    as_of_ts = pd.Timestamp(as_of).normalize()
    o = _clean_opps(opportunities, as_of_ts)
    if account_ids is not None:
        o = o.loc[o["account_id"].isin(set(_account_ids(account_ids)))]
    o = o.loc[(as_of_ts - o["created"]).dt.days >= maturity_days]
    m = int(maturity_days)
    age_close = (o["close"] - o["created"]).dt.days.to_numpy(float)
    closed_m = np.isfinite(age_close) & (age_close <= m)
    won_m = closed_m & o["is_won"].to_numpy(bool)
    ac = np.where(closed_m, age_close, m + 1).astype(int)  # still open at m counts as open past every age
    # open at age a  <=>  close age > a
    n_close = np.bincount(ac, minlength=m + 2)
    n_won = np.bincount(ac[won_m], minlength=m + 2)
    open_after = n_close[::-1].cumsum()[::-1]  # count with close age >= a
    won_after = n_won[::-1].cumsum()[::-1]
    num = won_after[1 : m + 2]  # close age > a for a = 0..m
    den = open_after[1 : m + 2]
    p = np.where(den > 0, num / np.maximum(den, 1), 0.0)
    p[m] = 0.0
    return p


def account_period_outcomes(
    opportunities: pd.DataFrame,
    account_ids: Any,
    grid: PeriodGrid,
    as_of: Any,
    win_prob: np.ndarray | None = None,
) -> pd.DataFrame:
    """Account × period outcomes (every account in ``account_ids`` × every period of ``grid``):
    ``opp_rate``, ``pipeline``, ``won_revenue`` (by close date), ``open_pipeline`` and, with ``win_prob``
    (:func:`win_prob_by_age`), ``open_value``."""
    as_of_ts = pd.Timestamp(as_of).normalize()
    ids = _account_ids(account_ids)
    o = _clean_opps(opportunities, as_of_ts)
    a_idx = pd.Index(ids).get_indexer(o["account_id"])
    keep = a_idx >= 0
    o, a_idx = o.loc[keep], a_idx[keep]
    n_a, n_p = len(ids), grid.n_periods
    p_created = grid.period_of(o["created"])
    p_closed = grid.period_of(o["close"])
    amt = o["amount"].to_numpy(float)

    def cells(per: np.ndarray, w: np.ndarray | None) -> np.ndarray:
        ok = np.isfinite(per)
        flat = a_idx[ok] * n_p + (per[ok].astype(int) + n_p - 1)
        return np.bincount(flat, weights=None if w is None else w[ok], minlength=n_a * n_p).astype(float)

    won = o["is_won"].to_numpy(bool)
    is_open = ~o["is_closed"].to_numpy(bool)
    out = pd.DataFrame(
        {
            "account_id": np.repeat(ids, n_p),
            "period": np.tile(grid.periods, n_a),
            "opp_rate": cells(p_created, None),
            "pipeline": cells(p_created, amt),
            "won_revenue": cells(np.where(won, p_closed, np.nan), amt),
            "open_pipeline": cells(np.where(is_open, p_created, np.nan), amt),
        }
    )
    if win_prob is not None:
        age = (as_of_ts - o["created"]).dt.days.to_numpy(int)
        pr = np.asarray(win_prob, float)[np.clip(age, 0, len(win_prob) - 1)]
        out[OPEN_OUTCOME] = cells(np.where(is_open, p_created, np.nan), amt * pr)
    return out


def deal_outcomes(opportunities: pd.DataFrame, grid: PeriodGrid, as_of: Any, maturity_days: int) -> pd.DataFrame:
    """One row per deal created in the grid: ``period`` (created), ``won`` (closed won within ``maturity_days``
    of creation), ``amount``, ``mature`` (created ≥ ``maturity_days`` before ``as_of``)."""
    as_of_ts = pd.Timestamp(as_of).normalize()
    o = _clean_opps(opportunities, as_of_ts)
    per = grid.period_of(o["created"])
    o = o.loc[np.isfinite(per)]
    per = per[np.isfinite(per)]
    age_close = (o["close"] - o["created"]).dt.days
    won = o["is_won"].to_numpy(bool) & (age_close.fillna(np.inf).to_numpy() <= maturity_days)
    return pd.DataFrame(
        {
            "opportunity_id": o["opportunity_id"].to_numpy(),
            "account_id": o["account_id"].to_numpy(object),
            "period": per.astype(int),
            "won": won,
            "amount": o["amount"].to_numpy(float),
            "mature": ((as_of_ts - o["created"]).dt.days >= maturity_days).to_numpy(bool),
        }
    )


@dataclass
class Design:
    """The analysis sample: the grid, cells with treatment flags, eligibility and the fit / estimand masks."""

    grid: PeriodGrid
    cells: pd.DataFrame  # treatment_cells + eligible, fit (untreated, clean), estimand (treated, imputable)
    account_ids: np.ndarray  # eligible accounts (rows of the account × period matrices)
    first_start: pd.Timestamp
    excluded: dict[str, int]

    @property
    def n_periods(self) -> int:
        return self.grid.n_periods

    def matrix(self, col: str) -> np.ndarray:
        """Column of the eligible cells as an accounts × periods matrix."""
        return self.cells[col].to_numpy().reshape(len(self.account_ids), self.n_periods)


def design(
    accounts: pd.DataFrame, opportunities: pd.DataFrame, programs: pd.DataFrame, as_of: Any, params: Any = None
) -> Design:
    """Grid, treated cells and the eligible sample (targets and controls not customers at the first start).

    ``fit`` = untreated cells used to learn Y(0): never-treated controls' periods and targets' periods before
    their start (minus ``anticipation_periods``), never partial or exited cells; ``estimand`` = treated cells of
    accounts with at least one ``fit`` cell (others cannot be imputed; counted in ``excluded``)."""
    p = _lift_params(params)
    as_of_ts = pd.Timestamp(as_of).normalize()
    start0 = first_start(programs)
    if start0 > as_of_ts:
        raise ABMDataError(
            f"programs: programme start {start0.date()} is after as_of {as_of_ts.date()}",
            file="programs",
            column="start_date",
            reason="no post period",
        )
    grid = PeriodGrid.from_params(as_of_ts, p, history_start(opportunities))
    cust = pre_programme_customers(accounts, opportunities, start0)
    ids = cust.index.to_numpy(object)
    eligible = ids[~cust.to_numpy(bool)]
    cells = treatment_cells(eligible, programs, grid, p.partial_days)
    n_p = grid.n_periods
    tr = cells["treated"].to_numpy(bool).reshape(-1, n_p)
    cohort = cells["cohort"].to_numpy("float", na_value=np.nan).reshape(-1, n_p)[:, 0]
    per = grid.periods[None, :]
    ante = np.isfinite(cohort)[:, None] & (per >= cohort[:, None] - p.anticipation_periods) & ~tr
    clean = ~(tr | cells["partial"].to_numpy(bool).reshape(-1, n_p) | cells["exited"].to_numpy(bool).reshape(-1, n_p))
    fit = clean & ~ante
    # targets that never started inside the grid (start after as_of) are not controls: keep only their pre cells
    has_fit = fit.any(axis=1)
    est = tr & has_fit[:, None]
    cells["fit"] = fit.ravel()
    cells["estimand"] = est.ravel()
    target = cells["target"].to_numpy(bool).reshape(-1, n_p)[:, 0]
    excluded = {
        "accounts_in": len(ids),
        "customers_at_start": int(cust.sum()),
        "targets": int(target.sum()),
        "controls": int((~target).sum()),
        "targets_not_imputable": int((tr.any(axis=1) & ~has_fit).sum()),
        "targets_not_started": int((target & ~tr.any(axis=1)).sum()),
    }
    return Design(grid, cells, eligible, start0, excluded)


def _panel_att(y1: np.ndarray, y0: np.ndarray, est: np.ndarray) -> dict[str, float]:
    d = (y1 - y0)[est]
    m0 = float(y0[est].mean()) if est.any() else float("nan")
    att = float(d.mean()) if est.any() else float("nan")
    return {"att": att, "relative": att / m0 if m0 else float("nan"), "total": float(d.sum()), "n": int(est.sum())}


def treated_deals(dl: pd.DataFrame, dsg: Design, outcome: str) -> pd.DataFrame:
    """Deals of the eligible sample for ``outcome`` (mature; ``deal_size``: won only) with cohort, treated, fit."""
    d = dl.loc[dl["mature"]]
    if outcome == "deal_size":
        d = d.loc[d["won"]]
    c = dsg.cells.set_index(["account_id", "period"])[["treated", "cohort", "fit", "estimand", "target"]]
    key = pd.MultiIndex.from_arrays([d["account_id"], d["period"]])
    pos = c.index.get_indexer(key)
    d = d.loc[pos >= 0].copy()
    pos = pos[pos >= 0]
    for col in c.columns:
        d[col] = c[col].to_numpy()[pos]
    d["y"] = d["won"].astype(float) if outcome == "win_rate" else d["amount"].astype(float)
    return d.reset_index(drop=True)


def _deal_att(d1: pd.DataFrame, d0: pd.DataFrame) -> dict[str, float]:
    """Σ over treated (cohort, period) of n1 × (mean Y(1) − mean Y(0)) / N1; a cell without Y(0) deals falls
    back to the period's, then to all treated deals' Y(0) mean."""
    t1 = d1.loc[d1["estimand"]]
    t0 = d0.loc[d0["estimand"]]
    if t1.empty:
        return {"att": float("nan"), "relative": float("nan"), "total": float("nan"), "n": 0}
    g1 = t1.groupby(["cohort", "period"])["y"].agg(["size", "mean"])
    m_cp = t0.groupby(["cohort", "period"])["y"].mean()
    m_p = t0.groupby("period")["y"].mean()
    m_all = float(t0["y"].mean()) if len(t0) else float("nan")
    mu0 = m_cp.reindex(g1.index)
    fb = pd.Series(g1.index.get_level_values("period"), index=g1.index).map(m_p)
    mu0 = mu0.fillna(fb).fillna(m_all)
    n1 = g1["size"].to_numpy(float)
    att = float((n1 * (g1["mean"] - mu0)).sum() / n1.sum())
    m0 = float((n1 * mu0).sum() / n1.sum())
    return {"att": att, "relative": att / m0 if m0 else float("nan"), "total": att * n1.sum(), "n": int(n1.sum())}


def open_win_prob(opportunities: pd.DataFrame, dsg: Design, as_of: Any, params: Any = None) -> np.ndarray:
    """Win probabilities of open deals by age (:func:`win_prob_by_age`) from the mature deals created in treated
    cells when there are at least ``min_treated_deals``, else from all eligible accounts' mature deals."""
    p = _lift_params(params)
    dl = deal_outcomes(opportunities, dsg.grid, as_of, p.maturity_days)
    t = treated_deals(dl, dsg, "win_rate")
    t = t.loc[t["estimand"]]
    if len(t) >= p.min_treated_deals:
        sub = opportunities.loc[opportunities["opportunity_id"].isin(set(t["opportunity_id"]))]
        return win_prob_by_age(sub, as_of, p.maturity_days)
    return win_prob_by_age(opportunities, as_of, p.maturity_days, dsg.account_ids)


def true_att(
    observed_opps: pd.DataFrame,
    untreated_opps: pd.DataFrame,
    accounts: pd.DataFrame,
    programs: pd.DataFrame,
    as_of: Any,
    params: Any = None,
) -> dict[str, dict[str, float]]:
    """The exact sample ATT of every outcome given both potential-outcome tables (canonical opportunities).

    Keys: ``opp_rate``, ``pipeline``, ``won_revenue``, ``open_value``, ``win_rate``, ``deal_size``; each
    ``{"att", "relative", "total", "n"}`` (n = treated cells or treated deals). The sample, treated cells and
    open-deal win probabilities come from the observed data, as in the estimator. ROI truth:
    :func:`abm_lab.roi.economics.roi_two_ways` on ``total`` of ``won_revenue`` and ``open_value``."""
    p = _lift_params(params)
    dsg = design(accounts, observed_opps, programs, as_of, p)
    wp = open_win_prob(observed_opps, dsg, as_of, p)
    est = dsg.matrix("estimand")
    y1 = account_period_outcomes(observed_opps, dsg.account_ids, dsg.grid, as_of, wp)
    y0 = account_period_outcomes(untreated_opps, dsg.account_ids, dsg.grid, as_of, wp)
    n_a, n_p = len(dsg.account_ids), dsg.n_periods
    out: dict[str, dict[str, float]] = {}
    for col in (*PANEL_OUTCOMES, OPEN_OUTCOME):
        a1 = y1[col].to_numpy(float).reshape(n_a, n_p)
        a0 = y0[col].to_numpy(float).reshape(n_a, n_p)
        out[col] = _panel_att(a1, a0, est)
    dl1 = deal_outcomes(observed_opps, dsg.grid, as_of, p.maturity_days)
    dl0 = deal_outcomes(untreated_opps, dsg.grid, as_of, p.maturity_days)
    for col in DEAL_OUTCOMES:
        out[col] = _deal_att(treated_deals(dl1, dsg, col), treated_deals(dl0, dsg, col))
    return out
