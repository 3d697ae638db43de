"""The potential-outcomes truth of opportunities: every deal under the programme as run and under no programme.

``truth/opportunities_potential.parquet`` has one row per opportunity per arm:

* ``arm``: ``"observed"`` (the programme as run: the observed ``opportunities`` table, same ids, dates,
  amounts) or ``"no_programme"`` (nobody treated, no spillover, the same random numbers);
* ``opportunity_id``: a deal created in the same account and week in both arms is the same deal (same id,
  ``O...``); deals only in the no-programme arm get ``U...`` ids;
* ``account_id``, ``created_date``, ``amount`` (deal value), ``eventual_won`` (bool) and
  ``eventual_close_date`` (the date it closes, possibly after as_of: observed closed iff it is ≤ as_of).

:func:`arm_opportunities` turns an arm into a canonical opportunities table as seen at any as-of date, so
that the same estimand code runs on the observed data and on the counterfactual.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .common import ids
from .opportunities import Deals, observed_stage

ARMS = ("observed", "no_programme")
POTENTIAL_COLUMNS = (
    "arm",
    "opportunity_id",
    "account_id",
    "created_date",
    "amount",
    "eventual_won",
    "eventual_close_date",
)


def _arm_frame(arm: str, opp_ids: np.ndarray, account_ids: np.ndarray, deals: Deals) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "arm": arm,
            "opportunity_id": opp_ids,
            "account_id": account_ids[deals.account],
            "created_date": deals.created_date,
            "amount": deals.amount,
            "eventual_won": np.asarray(deals.won, bool),
            "eventual_close_date": deals.close_date,
        }
    )


def potential_opportunities(account_ids: np.ndarray, observed: Deals, untreated: Deals) -> pd.DataFrame:
    """Both arms stacked (observed first), ids shared where the same (account, week) creates a deal in both."""
    obs_ids = ids("O", len(observed), 6)
    pos = np.searchsorted(observed.cell, untreated.cell)
    pos_c = np.minimum(pos, max(len(observed) - 1, 0))
    shared = (pos < len(observed)) & (observed.cell[pos_c] == untreated.cell) if len(observed) else pos < 0
    un_ids = np.empty(len(untreated), dtype=object)
    un_ids[shared] = obs_ids[pos_c[shared]]
    un_ids[~shared] = ids("U", int((~shared).sum()), 6)
    out = pd.concat(
        [
            _arm_frame("observed", obs_ids, account_ids, observed),
            _arm_frame("no_programme", un_ids, account_ids, untreated),
        ],
        ignore_index=True,
    )
    return out[list(POTENTIAL_COLUMNS)]


def arm_opportunities(potential: pd.DataFrame, arm: str, as_of: Any) -> pd.DataFrame:
    """One arm of ``truth/opportunities_potential`` as the canonical opportunities table seen at ``as_of``.

    Only deals created by ``as_of``; ``stage`` is the open stage reached (as in the generated table) while
    open and ``closed_won`` / ``closed_lost`` once ``eventual_close_date`` ≤ ``as_of``; ``close_date`` is blank
    while open; ``is_won`` / ``is_closed`` as :func:`abm_lab.data.validate.derive_opportunity_flags` derives
    them. Columns: opportunity_id, account_id, created_date, stage, close_date, amount, is_won, is_closed
    (``product`` and ``owner`` are not part of the truth: join them from the observed table if needed).
    The ``observed`` arm at the world's as_of reproduces the observed ``opportunities`` table.
    """
    if arm not in ARMS:
        raise ValueError(f"arm must be one of {ARMS}, not {arm!r}")
    as_of_ts = pd.Timestamp(as_of).normalize()
    p = potential.loc[(potential["arm"] == arm) & (potential["created_date"] <= as_of_ts)]
    won = p["eventual_won"].to_numpy(bool)
    stage, is_open, _ = observed_stage(p["created_date"], p["eventual_close_date"], won, as_of_ts)
    out = pd.DataFrame(
        {
            "opportunity_id": p["opportunity_id"].to_numpy(),
            "account_id": p["account_id"].to_numpy(),
            "created_date": p["created_date"].to_numpy(),
            "stage": stage,
            "close_date": p["eventual_close_date"].where(~is_open).to_numpy(),
            "amount": p["amount"].to_numpy(),
        }
    )
    out["is_won"] = (out["stage"] == "closed_won").astype(bool)
    out["is_closed"] = out["stage"].isin(["closed_won", "closed_lost"]).astype(bool)
    return out
