"""Per-account stage dates of the funnel (:mod:`abm_lab.roi.kpis`), vectorised for 10M-touch tables.

* :func:`nth_touch_day` – the day of an account's n-th touch (the engaged date);
* :func:`mqa_spells` – the runs of days on which an account meets the MQA rule (touch count and distinct people
  in the look-back are step functions of the day, summed per account and day and accumulated), giving the MQA
  date of a window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config.roi import RoiParams


def nth_touch_day(tp: pd.DataFrame, n: int) -> pd.Series:
    """Per account (index), the day of its ``n``-th touch in ``tp`` (accounts with fewer touches left out)."""
    codes, uniq = pd.factorize(tp["account_id"])
    ts = tp["timestamp"].to_numpy()
    order = np.lexsort((ts, codes))
    c = codes[order]
    first = np.r_[0, np.flatnonzero(c[1:] != c[:-1]) + 1] if len(c) else np.array([], dtype=int)
    rank = np.arange(len(c)) - np.repeat(first, np.diff(np.r_[first, len(c)]))
    hit = order[rank == n - 1]
    return pd.Series(pd.DatetimeIndex(ts[hit]).normalize(), index=np.asarray(uniq, dtype=object)[codes[hit]])


def runs(key: np.ndarray) -> np.ndarray:
    """Start positions of the runs of equal values in a sorted array."""
    return np.r_[0, np.flatnonzero(key[1:] != key[:-1]) + 1]


def mqa_spells(tp: pd.DataFrame, w0: pd.Timestamp, w1: pd.Timestamp, p: RoiParams) -> pd.DataFrame:
    """Per account with touches: ``mqa`` (the rule holds on ``w1``) and ``since`` (days from ``w0`` to the start
    of its first run of MQA days reaching into the window; -1 = the run began before the window).

    The rule's two counts are step functions of the day: a touch adds 1 to the touch count from its day for
    ``L`` = ``mqa_lookback_days`` days, and a contact counts from its touch's day until ``L`` days after its
    last touch of a run with gaps < ``L``. Their changes (+1 / -1 events) are summed per account and day and
    accumulated: the state of each day with a change, O(touches · log touches), no per-account loop. Touches
    before ``w0 - L`` cannot change any state from the day before the window on, so they are not read."""
    L = p.mqa_lookback_days
    end = int((w1 - w0).days)
    day = (tp["timestamp"].to_numpy().astype("datetime64[D]") - np.datetime64(w0.date(), "D")).astype(np.int64)
    keep = (day >= -L) & (day <= end)
    if not keep.any():
        return pd.DataFrame({"mqa": pd.Series(dtype=bool), "since": pd.Series(dtype=float)})
    rows = np.flatnonzero(keep)
    codes, uniq = pd.factorize(tp["account_id"].iloc[rows])
    day = day[rows]
    contact = pd.factorize(tp["contact_id"].iloc[rows])[0]
    known = contact >= 0
    # contacts: merged presence runs [first, last + L - 1] per (account, contact)
    ca, cc, cd = codes[known].astype(np.int64), contact[known].astype(np.int64), day[known]
    o = np.lexsort((cd, cc, ca))
    ca, cc, cd = ca[o], cc[o], cd[o]
    new_run = np.r_[True, (ca[1:] != ca[:-1]) | (cc[1:] != cc[:-1]) | (np.diff(cd) >= L)]
    lo = np.flatnonzero(new_run)
    hi = np.r_[lo[1:], len(cd)] - 1
    ra, r_lo, r_hi = ca[lo], cd[lo], cd[hi]
    n, m = len(day), len(lo)
    a = np.concatenate([codes, codes, ra, ra]).astype(np.int64)
    d = np.concatenate([day, day + L, r_lo, r_hi + L])
    dt = np.r_[np.ones(n, np.int64), -np.ones(n, np.int64), np.zeros(2 * m, np.int64)]
    dc = np.r_[np.zeros(2 * n, np.int64), np.ones(m, np.int64), -np.ones(m, np.int64)]
    sel = d <= end
    a, d, dt, dc = a[sel], np.maximum(d[sel], -1), dt[sel], dc[sel]  # the eve of the window sums earlier changes
    key = a * (end + 2) + (d + 1)
    o = np.argsort(key, kind="stable")
    key, a, d = key[o], a[o], d[o]
    st = runs(key)
    a, d = a[st], d[st]
    t_sum, c_sum = np.add.reduceat(dt[o], st), np.add.reduceat(dc[o], st)
    acc = runs(a)  # per account: cumulative sums restart
    sizes = np.diff(np.r_[acc, len(a)])

    def cum(x: np.ndarray) -> np.ndarray:
        c = np.cumsum(x)
        return c - np.repeat(np.r_[0, c[acc[1:] - 1]], sizes)

    ok = (cum(t_sum) >= p.mqa_min_touches) & (cum(c_sum) >= p.mqa_min_contacts)
    first = np.zeros(len(a), bool)
    first[acc] = True
    last = np.r_[first[1:], True]
    start = ok & (first | ~np.r_[False, ok[:-1]])
    run_start = pd.Series(np.where(start, d, np.nan)).groupby(a).ffill().to_numpy()
    reaches = ok & (np.where(last, end, np.r_[d[1:], end + 1] - 1) >= 0)  # an MQA day in [w0, w1]
    since = pd.Series(run_start[reaches]).groupby(a[reaches]).first()
    res = pd.DataFrame({"mqa": ok[last]}, index=a[last])
    res["since"] = since
    res.index = pd.Index(np.asarray(uniq, dtype=object)[res.index.to_numpy()])
    return res
