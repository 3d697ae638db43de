"""Attribution paths, funnel dates and lift touch counts on both engines: DuckDB (default) equals the pandas code
they replaced (kept below, verbatim, as the oracle), and Spark equals DuckDB exactly on a small world."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from abm_lab.compute import DuckDBEngine
from abm_lab.config.roi import AttributionParams, RoiParams
from abm_lab.roi import kpis as K
from abm_lab.roi.attribution import paths as P
from abm_lab.roi.attribution.milestones import flag_touches, milestone_orders
from abm_lab.roi.funnel_dates import mqa_spells, nth_touch_day, window_touch_stats
from abm_lab.roi.lift.data import touch_counts
from abm_lab.roi.segments import account_frame

AS_OF = "2026-12-31"
WINDOWS = [("2026-10-01", "2026-12-31"), ("2026-07-01", "2026-09-30")]
NO_PROGRAM = P.NO_PROGRAM


# --------------------------------------------------------------------------- the pandas code before the engine
def old_nth_touch_day(tp: pd.DataFrame, n: int) -> pd.Series:
    """Per account (index), the day of its ``n``-th touch in ``tp`` (accounts with fewer touches left out)."""
    codes, uniq = pd.factorize(tp["account_id"])
    ts = tp["timestamp"].to_numpy()
    order = np.lexsort((ts, codes))
    c = codes[order]
    first = np.r_[0, np.flatnonzero(c[1:] != c[:-1]) + 1] if len(c) else np.array([], dtype=int)
    rank = np.arange(len(c)) - np.repeat(first, np.diff(np.r_[first, len(c)]))
    hit = order[rank == n - 1]
    return pd.Series(pd.DatetimeIndex(ts[hit]).normalize(), index=np.asarray(uniq, dtype=object)[codes[hit]])


def _runs(key: np.ndarray) -> np.ndarray:
    """Start positions of the runs of equal values in a sorted array."""
    return np.r_[0, np.flatnonzero(key[1:] != key[:-1]) + 1]


def old_mqa_spells(tp: pd.DataFrame, w0: pd.Timestamp, w1: pd.Timestamp, p: RoiParams) -> pd.DataFrame:
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
    st = _runs(key)
    a, d = a[st], d[st]
    t_sum, c_sum = np.add.reduceat(dt[o], st), np.add.reduceat(dc[o], st)
    acc = _runs(a)  # per account: cumulative sums restart
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


def old_account_paths(
    touchpoints: pd.DataFrame,
    opportunities: pd.DataFrame,
    *,
    as_of,
    variant: Literal["created", "closed"] = "created",
    dimension: str = "channel",
    params: AttributionParams | None = None,
    window: tuple | None = None,
    accounts_with_touches_as_nulls: bool = True,
    contacts: pd.DataFrame | None = None,
    accounts: pd.DataFrame | None = None,
) -> P.PathData:
    """The pandas account_paths before the engine (verbatim), as the oracle."""
    p = params or AttributionParams()
    as_of = pd.Timestamp(as_of).normalize()
    tp = touchpoints.loc[touchpoints["account_id"].notna()]
    if dimension not in tp.columns:
        raise ValueError(
            f"touchpoints: no column '{dimension}' to attribute by",
            file="touchpoints",
            column=dimension,
            reason="missing column",
        )
    opps = opportunities.loc[opportunities["account_id"].notna()]
    # integer codes for accounts and channels: joins and group-bys on ints, not strings
    acc_codes, acc_names = pd.factorize(
        pd.concat([tp["account_id"], opps["account_id"]], ignore_index=True).astype("string")
    )
    t_acc, o_acc = acc_codes[: len(tp)], acc_codes[len(tp) :]
    fill = NO_PROGRAM if dimension == "program_id" else "other"
    ch_codes, ch_names = pd.factorize(tp[dimension].astype("string").fillna(fill))
    has_person = "contact_id" in tp.columns
    person, person_ids = (
        pd.factorize(tp["contact_id"].astype("string")) if has_person else (np.full(len(tp), -1), pd.Index([]))
    )
    t = pd.DataFrame(
        {
            "acc": t_acc,
            "timestamp": tp["timestamp"].to_numpy(),
            "order": np.arange(len(tp)),
            "ch": ch_codes,
            "person": person,
            "_lc": tp["activity_type"].isin(set(p.lead_creation_activities)).to_numpy(bool)
            if "activity_type" in tp.columns
            else np.zeros(len(tp), bool),
            "_known": person >= 0,
        }
    )
    if variant == "created":
        sel = opps["created_date"].notna().to_numpy(bool)
        end = opps["created_date"].to_numpy()[sel]
        conv = np.ones(int(sel.sum()))
    elif variant == "closed":
        sel = (opps["is_closed"].astype(bool) & opps["close_date"].notna()).to_numpy(bool)
        end = opps["close_date"].to_numpy()[sel]
        conv = opps["is_won"].astype(bool).to_numpy(float)[sel]
    else:
        raise ValueError(f"variant must be 'created' or 'closed', got {variant!r}")
    c = pd.DataFrame(
        {
            "acc": o_acc[sel],
            "end": end,
            "created": opps["created_date"].to_numpy()[sel],
            "conv": conv,
            "value": opps["amount"].astype(float).fillna(0.0).to_numpy()[sel] * conv,
            "oid": opps["opportunity_id"].astype("string").to_numpy(object)[sel],
        }
    )
    if window is not None:
        w0, w1 = pd.Timestamp(window[0]), pd.Timestamp(window[1])
        c = c.loc[(c["end"] >= w0) & (c["end"] <= w1)]
    c = c.sort_values(["end", "oid"], kind="stable")
    n_customer = 0
    if variant == "created" and accounts_with_touches_as_nulls:
        no_opp = np.setdiff1d(np.unique(t_acc), np.unique(o_acc))
        customers = P._customer_codes(accounts, acc_names)
        n_customer = int(np.isin(no_opp, customers).sum())
        no_opp = no_opp[~np.isin(no_opp, customers)]
        c = pd.concat(
            [c, pd.DataFrame({"acc": no_opp, "end": as_of, "created": pd.NaT, "conv": 0.0, "value": 0.0, "oid": ""})],
            ignore_index=True,
        )
    c = c.reset_index(drop=True)
    c["key"] = np.arange(len(c))
    c["end_excl"] = c["end"] + pd.Timedelta(days=1)
    j = c[["key", "acc", "end_excl", "created", "conv"]].merge(t, on="acc", how="inner")
    j = j.loc[j["timestamp"] < j["end_excl"]].sort_values(["key", "timestamp", "order"], kind="stable")
    orders = milestone_orders(j, variant, P._person_created(contacts, person_ids))
    j = j.loc[j["timestamp"] >= j["end_excl"] - pd.Timedelta(days=p.lookback_days)].reset_index(drop=True)
    has = np.zeros(len(c), bool)
    has[j["key"].unique()] = True
    miss = c.loc[~has]
    excluded = {
        "conversions": float(miss["conv"].sum()),
        "value": float(miss["value"].sum()),
        "nulls": float((1 - miss["conv"]).sum()),
        "paths": int(len(miss)),
        "customer_paths": n_customer,
    }
    kept = c.loc[has].reset_index(drop=True)
    new_id = np.full(len(c), -1)
    new_id[kept["key"].to_numpy()] = np.arange(len(kept))
    pid = new_id[j["key"].to_numpy()]
    pos = j.groupby("key", sort=False).cumcount().to_numpy()
    n = np.bincount(pid)[pid]
    touches = pd.DataFrame(
        {
            "path_id": pid,
            "pos": pos,
            "n": n,
            "channel": pd.Categorical.from_codes(j["ch"].to_numpy(), categories=list(map(str, ch_names))),
            "age_days": ((j["end_excl"] - j["timestamp"]).dt.total_seconds() / 86400.0).to_numpy(),
        }
    )
    for name, flag in flag_touches(j, orders).items():
        touches[name] = flag
        # conversions whose milestone exists but lies before the look-back (its share is redistributed)
        credited = np.bincount(pid, weights=flag.astype(float), minlength=len(kept)) > 0
        exists = np.isin(kept["key"].to_numpy(), orders[name].index.to_numpy())
        excluded[f"{name[3:]}_before_lookback"] = float(kept["conv"].to_numpy(float)[exists & ~credited].sum())
    paths = pd.DataFrame(
        {
            "path_id": np.arange(len(kept)),
            "conversions": kept["conv"].to_numpy(float),
            "nulls": 1.0 - kept["conv"].to_numpy(float),
            "value": kept["value"].to_numpy(float),
        }
    )
    return P.PathData(touches, paths, excluded)


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def world(small_dataset, touch_accounts):
    """The small world (600 accounts, 60k touches) with each touch's account from the truth."""
    return small_dataset, touch_accounts(small_dataset)


def _window_touches(tp: pd.DataFrame, w0: pd.Timestamp, w1: pd.Timestamp) -> pd.DataFrame:
    t = tp.loc[tp["account_id"].notna(), ["account_id", "contact_id", "timestamp"]]
    return t.loc[(t["timestamp"] >= w0) & (t["timestamp"] < w1 + pd.Timedelta(days=1))]


def _paths(tp, ds, eng=None, **kw):
    return P.account_paths(
        tp,
        ds.tables["opportunities"],
        as_of=AS_OF,
        contacts=ds.tables["contacts"],
        accounts=ds.tables["accounts"],
        engine=eng,
        **kw,
    )


def _same_paths(got: P.PathData, want: P.PathData) -> None:
    pdt.assert_frame_equal(got.touches, want.touches, check_exact=True)
    pdt.assert_frame_equal(got.paths, want.paths, check_exact=True)
    assert got.excluded == want.excluded


# --------------------------------------------------------------------------- DuckDB == the pandas code
@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize(
    "params",
    [RoiParams(), RoiParams(mqa_min_touches=2, mqa_min_contacts=1, mqa_lookback_days=7, engaged_min_touches=1)],
)
def test_funnel_dates_on_duckdb_equal_the_pandas_code(world, window, params):
    _, tp = world
    w0, w1 = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    win = _window_touches(tp, w0, w1)
    stats = window_touch_stats(tp, w0, w1, params.engaged_min_touches)
    # counts and the n-th touch day of the window
    pdt.assert_series_equal(stats["touches"], win.groupby("account_id").size().sort_index(), check_names=False)
    contacts = win.groupby("account_id")["contact_id"].nunique().sort_index()
    pdt.assert_series_equal(stats["contacts"], contacts, check_names=False)
    want_nth = old_nth_touch_day(win, params.engaged_min_touches).sort_index()
    pdt.assert_series_equal(stats["nth_day"].dropna(), want_nth, check_names=False, check_index_type=False)
    got_nth = nth_touch_day(win, params.engaged_min_touches)
    pdt.assert_series_equal(got_nth, want_nth, check_names=False, check_index_type=False)
    # MQA runs: the same accounts, flags and days
    got = mqa_spells(tp.loc[tp["account_id"].notna()], w0, w1, params)
    want = old_mqa_spells(tp.loc[tp["account_id"].notna()], w0, w1, params).sort_index()
    pdt.assert_frame_equal(got, want, check_exact=True, check_index_type=False)
    assert got["mqa"].any() and (got["since"] == -1).any() and (got["since"] > 0).any()  # every case occurs


@pytest.mark.parametrize(
    ("variant", "dimension", "people"),
    [("created", "channel", True), ("created", "program_id", False), ("closed", "channel", True)],
)
def test_account_paths_on_duckdb_equal_the_pandas_code(world, variant, dimension, people):
    ds, tp = world
    kw = dict(as_of=AS_OF, variant=variant, dimension=dimension)
    if people:
        kw |= dict(contacts=ds.tables["contacts"], accounts=ds.tables["accounts"])
    got = P.account_paths(tp, ds.tables["opportunities"], **kw)
    want = old_account_paths(tp, ds.tables["opportunities"], **kw)
    _same_paths(got, want)
    flags = got.touches[["is_first_touch", "is_lead_creation", "is_opp_creation", "is_closed_won"]].sum()
    assert flags["is_first_touch"] > 0 and flags["is_lead_creation"] > 0 and flags["is_opp_creation"] > 0
    assert (flags["is_closed_won"] > 0) == (variant == "closed")


def test_account_paths_in_a_window_with_a_short_lookback_equal_the_pandas_code(world):
    ds, tp = world
    kw = dict(as_of=AS_OF, window=WINDOWS[0], params=AttributionParams(lookback_days=30))
    _same_paths(
        P.account_paths(tp, ds.tables["opportunities"], **kw), old_account_paths(tp, ds.tables["opportunities"], **kw)
    )


def test_touch_counts_on_duckdb_equal_pandas_counts(world):
    _, tp = world
    ranges = [
        (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-07-01")),
        (pd.Timestamp("2026-06-15 12:00"), pd.Timestamp(AS_OF)),
    ]
    got = touch_counts(tp, ranges)
    t = tp.loc[tp["account_id"].notna()]
    assert list(got.index) == sorted(t["account_id"].astype(str).unique())
    for i, (lo, hi) in enumerate(ranges):
        want = t.loc[(t["timestamp"] >= lo) & (t["timestamp"] < hi), "account_id"].astype(str).value_counts()
        full = want.reindex(got.index, fill_value=0).astype(np.int64)
        pdt.assert_series_equal(got[f"n_{i}"], full, check_names=False)
        assert 0 < got[f"n_{i}"].sum() < len(t)


# --------------------------------------------------------------------------- Spark == DuckDB
def test_spark_equals_duckdb_on_every_roi_transform(world, spark_engine):
    """One world, five queries on Spark: the funnel of a window (counts + n-th touch, MQA runs), the closed-deal
    journeys with lead creation from contacts, the program journeys without contacts (the other lead-creation
    rule), and the lift's touch counts."""
    ds, tp = world
    seg, opps = account_frame(ds.tables), ds.tables["opportunities"]
    p = RoiParams()
    duck = DuckDBEngine()
    try:
        fa = K.account_funnel_flags(seg, tp, opps, WINDOWS[0], p, engine=spark_engine)
        fb = K.account_funnel_flags(seg, tp, opps, WINDOWS[0], p, engine=duck)
        pdt.assert_frame_equal(fa, fb, check_exact=True)
        assert fa["mqa"].any() and fa["engaged"].any() and fa["mqa_carried"].any()
        _same_paths(_paths(tp, ds, spark_engine, variant="closed"), _paths(tp, ds, duck, variant="closed"))
        kw = dict(as_of=AS_OF, dimension="program_id")
        _same_paths(P.account_paths(tp, opps, engine=spark_engine, **kw), P.account_paths(tp, opps, engine=duck, **kw))
        ranges = [(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-07-01"))]
        ca, cb = touch_counts(tp, ranges, engine=spark_engine), touch_counts(tp, ranges, engine=duck)
        pdt.assert_frame_equal(ca, cb, check_exact=True)
    finally:
        duck.close()
