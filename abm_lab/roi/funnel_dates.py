"""Per-account stage dates of the funnel (:mod:`abm_lab.roi.kpis`), the touch-level work run on a compute engine.

* :func:`window_touch_stats` – touches, distinct contacts and the day of the n-th touch (the engaged date) of
  each account in a window; :func:`nth_touch_day` – the n-th touch day alone;
* :func:`mqa_spells` – the runs of days on which an account meets the MQA rule (touch count and distinct people
  in the look-back are step functions of the day, summed per account and day and accumulated), giving the MQA
  date of a window.

The queries are :func:`abm_lab.roi.sql.window_touch_sql` and :func:`abm_lab.roi.sql.mqa_sql` (one portable
definition, DuckDB by default, Spark when ``compute.engine: spark``); only the per-account results come back
to pandas. Every function takes ``engine`` (an open :class:`~abm_lab.compute.Engine`) or ``compute`` (params an
engine is made from and closed after); :func:`register_touches` puts the touches on an engine once for several
queries (the ``*_on`` functions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..compute import Engine, open_engine
from ..config.compute import ComputeParams
from ..config.roi import RoiParams
from .sql import TOUCH_TABLE, mqa_sql, window_touch_sql


def register_touches(eng: Engine, tp: pd.DataFrame) -> None:
    """Register the touches as ``roi_touches`` on ``eng``: acc (account_id), contact (contact_id; NULL = none, all
    NULL without the column) and timestamp. The id columns go in as they are (Arrow-backed strings are not
    copied); coding them as integers in pandas first would cost more than the engine's string keys."""
    contact = tp["contact_id"] if "contact_id" in tp.columns else None
    if contact is None or (contact.dtype == object and contact.isna().all()):
        contact = pd.Series(pd.NA, index=tp.index, dtype="string")  # a typed all-null column for every engine
    t = pd.DataFrame(
        {
            "acc": tp["account_id"],
            "contact": contact,
            "timestamp": pd.to_datetime(tp["timestamp"]).to_numpy("datetime64[ns]"),
        },
        index=tp.index,
    )
    eng.register(TOUCH_TABLE, t.reset_index(drop=True))


def by_account(r: pd.DataFrame) -> pd.DataFrame:
    """A per-account result (``acc``) with the account ids as its index, accounts sorted (engines return rows
    unordered)."""
    out = r.drop(columns="acc")
    out.index = pd.Index(r["acc"].to_numpy(dtype=object))
    return out.sort_index(kind="stable")


def window_touch_stats_on(
    eng: Engine, n: int, lo: pd.Timestamp | None = None, hi: pd.Timestamp | None = None
) -> pd.DataFrame:
    """:func:`window_touch_stats` on touches already registered (:func:`register_touches`); [lo, hi) bounds."""
    r = by_account(eng.sql(window_touch_sql(n, lo, hi)))
    return pd.DataFrame(
        {
            "touches": r["touches"].to_numpy(np.int64),
            "contacts": r["contacts"].to_numpy(np.int64),
            "nth_day": pd.to_datetime(r["nth_day"]).to_numpy("datetime64[ns]"),
        },
        index=r.index,
    )


def window_touch_stats(
    tp: pd.DataFrame,
    w0: pd.Timestamp,
    w1: pd.Timestamp,
    n: int,
    *,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
) -> pd.DataFrame:
    """Per account (index) with touches on a day in [``w0``, ``w1``]: ``touches``, ``contacts`` (distinct known
    contacts) and ``nth_day`` (midnight of its ``n``-th touch; NaT with fewer), accounts sorted."""
    with open_engine(engine, compute) as eng:
        register_touches(eng, tp)
        return window_touch_stats_on(eng, n, w0, w1 + pd.Timedelta(days=1))


def nth_touch_day(
    tp: pd.DataFrame, n: int, *, engine: Engine | None = None, compute: ComputeParams | None = None
) -> pd.Series:
    """Per account (index), the day of its ``n``-th touch in ``tp`` (accounts with fewer touches left out)."""
    with open_engine(engine, compute) as eng:
        register_touches(eng, tp)
        s = window_touch_stats_on(eng, n)["nth_day"]
    return s.loc[s.notna()]


def mqa_spells_on(eng: Engine, w0: pd.Timestamp, w1: pd.Timestamp, p: RoiParams) -> pd.DataFrame:
    """:func:`mqa_spells` on touches already registered (:func:`register_touches`)."""
    r = by_account(eng.sql(mqa_sql(w0, w1, p.mqa_lookback_days, p.mqa_min_touches, p.mqa_min_contacts)))
    return pd.DataFrame(
        {"mqa": r["mqa"].to_numpy(np.int64) > 0, "since": r["since"].to_numpy(dtype=float, na_value=np.nan)},
        index=r.index,
    )


def mqa_spells(
    tp: pd.DataFrame,
    w0: pd.Timestamp,
    w1: pd.Timestamp,
    p: RoiParams,
    *,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
) -> pd.DataFrame:
    """Per account with touches from ``w0 - L`` to ``w1`` (index, sorted): ``mqa`` (the rule holds on ``w1``) and
    ``since`` (days from ``w0`` to the start of its first run of MQA days reaching into the window; -1 = the run
    began before the window; NaN = none).

    The rule's two counts are step functions of the day: a touch adds 1 to the touch count from its day for
    ``L`` = ``mqa_lookback_days`` days, and a contact counts from its touch's day until ``L`` days after its
    last touch of a run with gaps < ``L``. Their changes (+1 / -1 events) are summed per account and day and
    accumulated (:func:`abm_lab.roi.sql.mqa_sql`): the state of each day with a change, no per-account loop.
    Touches before ``w0 - L`` cannot change any state from the day before the window on, so they are not read."""
    with open_engine(engine, compute) as eng:
        register_touches(eng, tp)
        return mqa_spells_on(eng, w0, w1, p)
