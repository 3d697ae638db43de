"""The one rule for which account a touchpoint belongs to, used by every stage that reads touches.

Precedence, per touchpoint: the account the source itself links the touch to (a CRM activity on an
account), else the account found by lead-to-account mapping (notebook 03's ``touchpoints_mapped``), else
an explicit ``fallback`` table given by the caller (tests and validation pass the synthetic world's true
account there; product code never does). No row is dropped; touches with no account keep ``<NA>``.
"""

from __future__ import annotations

import pandas as pd


def resolve_touch_accounts(
    touchpoints: pd.DataFrame,
    mapped: pd.DataFrame | None = None,
    fallback: pd.DataFrame | None = None,
    *,
    fallback_column: str = "account_id",
) -> pd.DataFrame:
    """``touchpoints`` with ``account_id`` filled by the precedence above (a copy; same rows, same order).

    ``mapped`` and ``fallback`` are frames keyed by ``touchpoint_id`` with an ``account_id`` column
    (``fallback_column`` names the fallback's, e.g. ``true_account_id`` for the synthetic truth)."""
    tp = touchpoints.copy()
    if "account_id" in tp.columns:
        acc = tp["account_id"].astype("string")
    else:
        acc = pd.Series(pd.NA, index=tp.index, dtype="string")
    acc = acc.mask(acc.str.len() == 0)
    for src, col in ((mapped, "account_id"), (fallback, fallback_column)):
        if src is not None and len(src) and col in src.columns and acc.isna().any():
            m = src.drop_duplicates("touchpoint_id").set_index("touchpoint_id")[col].astype("string")
            acc = acc.fillna(tp["touchpoint_id"].map(m).astype("string"))
    tp["account_id"] = acc.to_numpy()
    return tp
