"""Accounts as the ROI stage segments them, and the date windows every KPI is counted in.

* :func:`account_frame` – one row per account with tier, grade and ABM membership ("ABM" / "non-ABM").
* :func:`parse_window` / :func:`in_window` – a (start, end) window of whole days, both ends included.
* :func:`quarters` – calendar quarters overlapping a window.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ABMDataError

UNGRADED = "ungraded"
NO_TIER = "none"

#: A reporting window: (start, end), dates or anything :class:`pandas.Timestamp` reads; both days included.
Window = tuple[Any, Any]


def account_frame(tables: dict[str, pd.DataFrame], grades: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per account: account_id, industry, is_customer, is_abm, tier, grade, abm ("ABM"/"non-ABM").

    Tier / grade come from the grading artefact (``account_grades.parquet``) when given,
    tier otherwise from the ``programs`` table; ABM membership always from ``programs``.
    """
    acc = tables["accounts"]
    out = pd.DataFrame(
        {
            "account_id": acc["account_id"].astype("string"),
            "industry": acc["industry"].astype("string").fillna("unknown"),
            "is_customer": acc["is_customer"].fillna(False).astype(bool),
        }
    )
    prog = tables.get("programs")
    members = pd.Index([]) if prog is None or prog.empty else pd.Index(prog["account_id"].dropna().unique())
    out["is_abm"] = out["account_id"].isin(members).to_numpy(bool)
    tier = pd.Series(NO_TIER, index=out.index, dtype="string")
    if prog is not None and not prog.empty and "tier" in prog.columns:
        pt = prog.dropna(subset=["tier"]).drop_duplicates("account_id").set_index("account_id")["tier"]
        tier = out["account_id"].map(pt).astype("string").fillna(NO_TIER)
    grade = pd.Series(UNGRADED, index=out.index, dtype="string")
    if grades is not None and len(grades):
        g = grades.drop_duplicates("account_id").set_index("account_id")
        if "tier" in g.columns:
            tier = out["account_id"].map(g["tier"]).astype("string").fillna(tier).fillna(NO_TIER)
        if "grade" in g.columns:
            grade = out["account_id"].map(g["grade"]).astype("string").fillna(UNGRADED)
    out["tier"] = tier.to_numpy()
    out["grade"] = grade.to_numpy()
    out["abm"] = np.where(out["is_abm"], "ABM", "non-ABM")
    return out


def parse_window(window: Window) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(start, end) as midnight timestamps; :class:`ABMDataError` when the end is before the start."""
    w0, w1 = pd.Timestamp(window[0]).normalize(), pd.Timestamp(window[1]).normalize()
    if w1 < w0:
        raise ABMDataError(f"window end {w1.date()} is before its start {w0.date()}", reason="bad window")
    return w0, w1


def in_window(s: pd.Series, w0: pd.Timestamp, w1: pd.Timestamp) -> pd.Series:
    """Dates (or timestamps) on a day in [w0, w1]."""
    return (s >= w0) & (s < w1 + pd.Timedelta(days=1))


def quarters(window_or_range: Window) -> list[pd.Period]:
    """Calendar quarters overlapping [start, end]."""
    w0, w1 = parse_window(window_or_range)
    return list(pd.period_range(w0, w1, freq="Q"))
