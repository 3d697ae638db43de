"""Checks of the engagement stage against the synthetic world's truth (demo world only).

* :func:`truth_personas`, :func:`truth_touch_accounts` - the true personas and touch accounts, for tests
  and benchmarks that build a panel without notebook 03 (the product never falls back to them).
* :func:`hazard_if_free`, :func:`oracle_probability`, :func:`nowcast_probability` - the two ceilings
  from the true weekly hazards; :func:`add_truth_ceilings` adds them as rows ``oracle`` and ``nowcast``
  of an :class:`~abm_lab.engagement.validation.EngagementResult`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..compute import open_engine
from ..config.engagement import EngagementParams
from ..engagement.validation import EngagementResult
from ..mapping.resolve import resolve_touch_accounts
from ..utils import limit_threads

#: Seniorities counted as key personas (decision-makers) in the truth.
KEY_SENIORITIES = ("c_level", "vp", "director")
#: Weekly hazards at or above this are not "free" weeks (the generator's busy-week marker).
BUSY_HAZARD = 0.9
#: Fewest free weeks needed to fit the intent -> hazard line; cap of a filled-in hazard.
MIN_FREE_WEEKS = 10
MAX_FILLED_HAZARD = 0.95
#: Hours from a week's start to its mid-point; floor of 1 - hazard before the log.
HALF_WEEK_HOURS = 84
LOG_FLOOR = 1e-12
DAYS_PER_WEEK = 7


def truth_personas(truth: dict[str, pd.DataFrame], contacts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Personas and accounts from the synthetic truth (key persona = C-level, VP or director),
    in the layout of :func:`abm_lab.engagement.inputs.mapped_personas` (for tests and benchmarks)."""
    c = truth["contacts"]
    out = pd.DataFrame(
        {
            "contact_id": c["contact_id"],
            "account_id": c["true_account_id"],
            "persona_function": c["persona_function"],
            "is_key_persona": c["persona_seniority"].isin(list(KEY_SENIORITIES)).to_numpy(),
        }
    )
    if contacts is not None and "created_date" in contacts.columns:
        out = out.merge(contacts[["contact_id", "created_date"]], on="contact_id", how="left")
    return out


def truth_touch_accounts(touchpoints: pd.DataFrame, truth: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Touchpoints with the source's own account link, else the true account of each touch."""
    return resolve_touch_accounts(touchpoints, fallback=truth["touchpoints"], fallback_column="true_account_id")


def hazard_if_free(weekly: pd.DataFrame) -> pd.Series:
    """Weekly hazard an account would have if it had no open opportunity.

    ``p_opp_week`` is 0 while an opportunity is open, including the weeks *after* one is
    created; multiplying those zeros into P(opportunity within H days) would condition
    the oracle on the outcome. Busy weeks are filled with the hazard implied by the
    latent intent: log-odds linear in intent (fitted on the free weeks, exact in the
    generator), times the account's own ratio to that line (program lift) carried from
    its nearest free week. Customers (never free) stay 0. Column ``p_opp_week_free`` is
    used as is when the truth provides it.
    """
    if "p_opp_week_free" in weekly.columns:
        return weekly["p_opp_week_free"].astype(float)
    w = weekly[["account_id", "week_start", "intent", "p_opp_week"]].copy()
    p = w["p_opp_week"].astype(float).to_numpy()
    x = w["intent"].astype(float).to_numpy()
    free = (p > 0) & (p < BUSY_HAZARD)
    if free.sum() < MIN_FREE_WEEKS:
        return pd.Series(p, index=weekly.index)
    lo = np.log(p[free] / (1 - p[free]))
    b, a = np.polyfit(x[free], lo, 1)
    line = 1 / (1 + np.exp(-(a + b * x)))
    ratio = pd.Series(np.where(p > 0, p / line, np.nan), index=w.index)
    w = w.assign(ratio=ratio).sort_values(["account_id", "week_start"])
    g = w.groupby("account_id", sort=False)["ratio"]
    r = g.ffill().fillna(g.bfill()).reindex(w.index)
    r = r.reindex(weekly.index)
    filled = np.where(p > 0, p, np.minimum(r.fillna(0).to_numpy() * line, MAX_FILLED_HAZARD))
    return pd.Series(filled, index=weekly.index)


def oracle_probability(weekly: pd.DataFrame, keys: pd.DataFrame, horizon_days: int) -> np.ndarray:
    """P(opportunity within the horizon) from the true weekly hazards: 1 - prod(1 - h_week)
    over the weeks whose mid-point falls in ``[snapshot, snapshot + horizon)``, with
    ``h_week`` the hazard if free (:func:`hazard_if_free`)."""

    with open_engine() as eng:
        k = keys[["account_id", "snapshot_date"]].reset_index(drop=True).copy()
        k["row_id"] = np.arange(len(k))
        eng.register("k", k)
        wk = weekly[["account_id", "week_start"]].copy()
        wk["p_opp_week"] = hazard_if_free(weekly).to_numpy()
        eng.register("weekly", wk)
        out = eng.sql(f"""
            SELECT k.row_id, 1 - EXP(SUM(LN(GREATEST(1 - CAST(w.p_opp_week AS DOUBLE), {LOG_FLOOR})))) AS p
            FROM k JOIN weekly w ON w.account_id = k.account_id
             AND w.week_start + INTERVAL '{HALF_WEEK_HOURS}' HOUR >= k.snapshot_date
             AND w.week_start + INTERVAL '{HALF_WEEK_HOURS}' HOUR < k.snapshot_date + INTERVAL '{horizon_days}' DAY
            GROUP BY k.row_id""")
    p = np.zeros(len(keys))
    p[out["row_id"].to_numpy(int)] = out["p"].to_numpy(float)
    return p


def nowcast_probability(weekly: pd.DataFrame, keys: pd.DataFrame, horizon_days: int) -> np.ndarray:
    """P(opportunity within the horizon) if today's true hazard persisted: 1 - (1 - h_now)^(H/7),
    with ``h_now`` the hazard if free in the week holding the snapshot. A second ceiling: perfect
    knowledge of *today's* intent, none of the future."""
    wk = weekly[["account_id", "week_start"]].copy()
    wk["h"] = hazard_if_free(weekly).to_numpy()
    k = keys[["account_id", "snapshot_date"]].reset_index(drop=True).copy()
    k["row_id"] = np.arange(len(k))
    with open_engine() as eng:
        eng.register("k", k)
        eng.register("wk", wk)
        out = eng.sql(f"""
            SELECT k.row_id, MAX(w.h) AS h FROM k JOIN wk w ON w.account_id = k.account_id
             AND w.week_start <= k.snapshot_date AND k.snapshot_date < w.week_start + INTERVAL '{DAYS_PER_WEEK}' DAY
            GROUP BY k.row_id""")
    h = np.zeros(len(k))
    h[out["row_id"].to_numpy(int)] = out["h"].to_numpy(float)
    return 1 - (1 - h) ** (horizon_days / DAYS_PER_WEEK)


def add_truth_ceilings(
    result: EngagementResult, weekly: pd.DataFrame, params: EngagementParams | None = None
) -> EngagementResult:
    """``result`` with the rows ``oracle`` (true hazards of the coming H days: a ceiling no model can
    reach) and ``nowcast`` (true hazard of the snapshot week: perfect knowledge of today's intent)."""
    p = params or result.params or EngagementParams()
    keys = result.predictions
    with limit_threads(p.n_threads):
        result = result.with_reference("oracle", oracle_probability(weekly, keys, p.horizon_days))
        return result.with_reference("nowcast", nowcast_probability(weekly, keys, p.horizon_days))
