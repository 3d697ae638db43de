"""Point in time: the data as it was known on ``run.as_of``, whatever the export's date.

Rerunning last quarter from today's export must give last quarter's numbers. :func:`as_known_at` keeps only
what existed on ``as_of`` and restates what changed after it:

* rows dated after ``as_of`` are set aside — opportunities created, touchpoints, stage changes, programme
  enrolments starting, cost periods starting after it — and counted per table (``Dataset.accounting``,
  ``excluded_after_as_of``; a warning on the data-health page and in ``abm-lab validate``), never silently;
* an opportunity that closed after ``as_of`` was open on ``as_of``: no close date, not won or lost, and its stage
  the last one entered by ``as_of`` in ``stage_history`` (else the stage it has, if open, or the first open stage);
* an enrolment that ended after ``as_of`` was still running (no end date yet).

Amounts stay as exported: without an amount history the amount known on ``as_of`` is not recoverable.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .schema import STAGES

#: Table → the date column whose value after as_of means "did not exist yet".
BORN = {
    "opportunities": "created_date",
    "touchpoints": "timestamp",
    "stage_history": "entered_date",
    "programs": "start_date",
    "costs": "period_start",
    "intent": "week_start",
}
CLOSED = ("closed_won", "closed_lost")


def _after(df: pd.DataFrame, col: str, as_of: pd.Timestamp) -> np.ndarray:
    if col not in df.columns or df.empty:
        return np.zeros(len(df), bool)
    d = pd.to_datetime(df[col])
    if getattr(d.dt, "tz", None) is not None:
        d = d.dt.tz_localize(None)
    return (d.dt.normalize() > as_of).fillna(False).to_numpy(bool)


def _open_stage(opps: pd.DataFrame, history: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.Series:
    """Stage on ``as_of`` of each opportunity: the last entered by then in the history, else its open stage."""
    first_open = next(s for s in STAGES if s not in CLOSED)
    own = opps["stage"].astype(object).where(~opps["stage"].isin(CLOSED), first_open)
    if history is None or history.empty:
        return own
    h = history.loc[pd.to_datetime(history["entered_date"]).dt.normalize() <= as_of]
    h = h.loc[~h["stage"].isin(CLOSED)].sort_values("entered_date", kind="stable")
    last = h.groupby(h["opportunity_id"].astype(str))["stage"].last()
    return opps["opportunity_id"].astype(str).map(last).fillna(own).astype(object)


def as_known_at(tables: dict[str, pd.DataFrame], as_of: Any) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """The tables as known on ``as_of`` and the rows set aside per table (see the module docstring)."""
    cut = pd.Timestamp(as_of).normalize()
    out, excluded = dict(tables), {}
    for name, col in BORN.items():
        df = tables.get(name)
        if df is None:
            continue
        late = _after(df, col, cut)
        if late.any():
            excluded[name] = int(late.sum())
            out[name] = df.loc[~late].reset_index(drop=True)
    opps = out.get("opportunities")
    if opps is not None and len(opps) and "close_date" in opps.columns:
        later = _after(opps, "close_date", cut)
        if later.any():
            o = opps.copy()
            o.loc[later, "stage"] = _open_stage(o.loc[later], out.get("stage_history"), cut).to_numpy()
            o.loc[later, "close_date"] = pd.NaT
            for flag in ("is_won", "is_closed"):
                if flag in o.columns:
                    o.loc[later, flag] = False
            out["opportunities"] = o
            excluded["opportunities_reopened"] = int(later.sum())
    prog = out.get("programs")
    if prog is not None and len(prog) and "end_date" in prog.columns:
        later = _after(prog, "end_date", cut)
        if later.any():
            p = prog.copy()
            p.loc[later, "end_date"] = pd.NaT
            out["programs"] = p
    return out, excluded


def describe(excluded: dict[str, int], as_of: Any) -> list[str]:
    """Warnings for the data-health page and ``abm-lab validate``."""
    day = pd.Timestamp(as_of).date()
    msgs = [
        f"{name}: {n:,} row(s) dated after run.as_of {day} set aside (not yet known on that day)"
        for name, n in excluded.items()
        if name in BORN
    ]
    if excluded.get("opportunities_reopened"):
        msgs.append(
            f"opportunities: {excluded['opportunities_reopened']:,} closed after run.as_of {day}: read as open on "
            "that day (stage from stage_history)"
        )
    return msgs
