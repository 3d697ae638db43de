"""KPIs: recomputed independently with plain pandas (Maven CRM), funnel, deal KPIs, tiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.config.roi import KpiTargets, RoiParams
from abm_lab.errors import ABMDataError
from abm_lab.roi import kpis as K
from abm_lab.roi.funnel_dates import mqa_spells
from abm_lab.roi.segments import account_frame
from abm_lab.roi.velocity import close_durations, estimate_velocity, opp_durations


# ----------------------------------------------------------------- real data: Maven CRM
def _plain(raw: pd.DataFrame, key: str) -> pd.DataFrame:
    closed = raw[raw["deal_stage"].isin(["Won", "Lost"])].copy()
    won = closed[closed["deal_stage"] == "Won"].copy()
    won["cycle"] = (won["close_date"] - won["engage_date"]).dt.days
    return pd.DataFrame(
        {
            "win_rate": closed.groupby(key)["deal_stage"].apply(lambda s: (s == "Won").mean()),
            "revenue": won.groupby(key)["close_value"].sum(),
            "avg_deal_size": won.groupby(key)["close_value"].mean(),
            "avg_cycle_days": won.groupby(key)["cycle"].mean(),
        }
    )


def test_maven_peer_figures(maven):
    ds, _ = maven
    k = K.deal_kpis(ds.tables["opportunities"]).iloc[0]
    assert round(k["win_rate"] * 100, 2) == 63.15
    assert k["won"] == 4238 and k["lost"] == 2473
    assert k["revenue"] == pytest.approx(10_005_534)
    assert round(k["avg_cycle_days"], 2) == 51.78
    prod = K.deal_kpis(ds.tables["opportunities"], "product")
    assert round(prod.loc["MG Special", "win_rate"] * 100, 1) == 64.8
    assert round(prod.loc["MG Advanced", "win_rate"] * 100, 1) == 60.3


@pytest.mark.parametrize(
    "ours,theirs", [("industry", "sector"), ("product", "product"), ("owner", "sales_agent"), ("quarter", "quarter")]
)
def test_maven_kpis_recomputed_with_plain_pandas(maven, ours, theirs):
    ds, raw = maven
    raw = raw.copy()
    raw["quarter"] = raw["close_date"].dt.to_period("Q").astype(str)
    segs = account_frame(ds.tables)
    got = K.deal_kpis(ds.tables["opportunities"], ours, segments=segs)
    exp = _plain(raw, theirs)
    got = got.loc[got["won"] + got["lost"] > 0]
    assert sorted(got.index.astype(str)) == sorted(exp.index.astype(str))
    got.index = got.index.astype(str)
    for c in exp.columns:
        np.testing.assert_allclose(
            got.loc[exp.index, c].to_numpy(float), exp[c].to_numpy(float), rtol=1e-12, err_msg=f"{c} by {ours}"
        )


# ----------------------------------------------------------------- funnel on a hand-made dataset
def test_funnel_counts_and_rates(tiny):
    t = tiny
    p = RoiParams(
        engaged_min_touches=1, mqa_min_touches=4, mqa_min_contacts=2, mqa_lookback_days=90, buying_committee_size=4
    )
    seg = account_frame(t)
    f = K.funnel(seg, t["touchpoints"], t["opportunities"], ("2026-10-01", "2026-12-31"), params=p)
    r = f.iloc[0]
    # a1: 5 touches, 2 contacts (MQA from Dec 1: Oct 2 .. Dec 1 holds 4 touches from 2 contacts); a2: 1 touch;
    # a3: 1 (Dec 30). Won: a1's o1 (created Dec 5 in the window); a3's o3 closed won in the window but was
    # created in June, so it is not this window's win (it stays in deal_kpis' won deals)
    assert (r["accounts"], r["engaged"], r["mqa"], r["with_opp"], r["won"]) == (4, 3, 1, 2, 1)
    assert (r["mqa_from_engaged"], r["opp_from_mqa"], r["opp_not_from_mqa"], r["mqa_carried"]) == (1, 1, 1, 0)
    assert r["engaged_to_mqa"] == pytest.approx(1 / 3)
    assert r["mqa_to_opp"] == pytest.approx(1.0)  # o1 (Dec 5) follows a1's MQA date; o4 (Oct 15) does not
    assert r["opp_to_won"] == pytest.approx(1 / 2)  # a1 won; a2 has an open deal
    assert r["pipeline"] == pytest.approx(170.0)  # o1, o2, o4 created in the window
    assert r["revenue"] == pytest.approx(100.0)  # o1: won and created in the window
    flags = K.account_funnel_flags(seg, t["touchpoints"], t["opportunities"], ("2026-10-01", "2026-12-31"), p)
    a1 = flags.set_index("account_id").loc["a1"]
    assert a1["mqa_date"] == pd.Timestamp("2026-12-01") and a1["engaged_date"] == pd.Timestamp("2026-10-02")
    assert a1["opp_date"] == pd.Timestamp("2026-10-15")
    by = K.funnel(seg, t["touchpoints"], t["opportunities"], ("2026-10-01", "2026-12-31"), by="abm", params=p)
    assert by.loc["ABM", "mqa"] == 1 and by["accounts"].sum() == 4
    assert by.loc["ABM", "penetration"] == pytest.approx(0.5)
    q = K.funnel_by_quarter(seg, t["touchpoints"], t["opportunities"], "2026-07-01", "2026-12-31", params=p)
    assert list(q["quarter"]) == ["2026Q3", "2026Q4"]
    assert q.set_index("quarter").loc["2026Q3", "engaged"] == 1


def test_deal_kpis_window_and_quarter(tiny):
    t = tiny
    k = K.deal_kpis(t["opportunities"], window=("2026-10-01", "2026-12-31")).iloc[0]
    assert (k["opps"], k["won"], k["lost"]) == (3, 2, 0)
    assert k["avg_cycle_days"] == pytest.approx(((23) + (141)) / 2)
    q = K.deal_kpis(t["opportunities"], "quarter")
    assert q.loc["2026Q2", "opps"] == 1 and q.loc["2026Q4", "won"] == 2
    with pytest.raises(ABMDataError, match="no column"):
        K.deal_kpis(t["opportunities"], "sector")


def test_kpi_tiles_status():
    tg = KpiTargets(pipeline=1000, win_rate=0.3, mqas=10, roi=1.0)
    t = K.kpi_tiles({"pipeline": 1200, "win_rate": 0.27, "mqas": 5, "roi": 0.4, "unknown": 3}, tg, at_risk=0.8)
    assert t.loc["pipeline", "status"] == "on track"
    assert t.loc["win_rate", "status"] == "at risk"
    assert t.loc["mqas", "status"] == "behind"
    assert t.loc["roi", "status"] == "at risk"
    assert t.loc["pipeline", "attainment"] == pytest.approx(1.2)
    assert "unknown" not in t.index
    # the default at-risk share is the params' roi.tile_at_risk (0.8)
    assert K.kpi_tiles({"win_rate": 0.27}, tg).loc["win_rate", "status"] == "at risk"


def test_kpi_tiles_without_targets_say_no_target_set():
    """Real data has no agreed targets by default: no share of a missing target, never "971% on track"."""
    assert all(v is None for v in KpiTargets().model_dump().values())
    actuals = {"pipeline": 3.4e7, "win_rate": 0.27, "mqas": 4370.0, "roi": 2.1, "revenue": float("nan")}
    t = K.kpi_tiles(actuals, RoiParams().targets)
    assert t.loc[["pipeline", "win_rate", "mqas", "roi"], "status"].eq(K.NO_TARGET).all()
    assert t.loc["revenue", "status"] == "no data"
    assert t["attainment"].isna().all() and t["target"].isna().all()
    assert t.loc["pipeline", "actual"] == 3.4e7  # the actual is still shown
    # one target set: that tile is rated, the others are not
    one = K.kpi_tiles(actuals, KpiTargets(mqas=450))
    assert one.loc["mqas", "status"] == "on track" and one.loc["mqas", "attainment"] == pytest.approx(4370 / 450)
    assert one.loc["pipeline", "status"] == K.NO_TARGET


def test_demo_params_keep_the_demo_targets():
    """The demo and quarterly demo runs set the demo world's targets in their params files (same figures)."""
    from pathlib import Path

    from abm_lab.config import load_params

    root = Path(__file__).resolve().parents[2]
    demo = load_params(root / "params" / "demo.yaml").roi.targets
    q3 = load_params(root / "params" / "2026Q3.yaml").roi.targets
    assert demo == q3
    assert all(v is not None for v in demo.model_dump().values())
    t = K.kpi_tiles({"mqas": demo.mqas * 2, "roi": demo.roi - 0.1}, demo)
    assert t.loc["mqas", "status"] == "on track" and t.loc["roi", "status"] == "at risk"


def test_window_results_summary_has_tiles_and_roi(tiny):
    t = tiny
    p = RoiParams(engaged_min_touches=1, mqa_min_touches=4, mqa_min_contacts=2, targets=KpiTargets(roi=0.5))
    res = K.window_results(
        account_frame(t), t["touchpoints"], t["opportunities"], ("2026-10-01", "2026-12-31"), p, roi=0.7
    )
    assert res.actuals["opportunities"] == 3 and res.actuals["roi"] == 0.7
    assert res.tiles.loc["roi", "status"] == "on track"  # 0.7 ≥ the 0.5 target
    s = res.summary()
    assert "Program ROI" in s.as_text() and list(s.table.columns) == [
        "label",
        "actual",
        "target",
        "attainment",
        "status",
    ]
    assert "<table" in s.as_html()


def test_pseudonymise():
    s = K.pseudonymise(pd.Series(["Zoe Z", "Al A", None, "Zoe Z"]))
    assert list(s.fillna("-")) == ["owner 02", "owner 01", "-", "owner 02"]


# ----------------------------------------------------------------- synthetic world
def test_funnel_and_velocity_on_synthetic_world(touch_accounts):
    from abm_lab.config import DemoParams
    from abm_lab.synth import world_dataset

    ds = world_dataset(DemoParams(seed=5, n_accounts=600, n_contacts=3000, n_touchpoints=30000), "2026-12-31")
    tp = touch_accounts(ds)
    assert tp["account_id"].notna().all()
    seg = account_frame(ds.tables)
    w = ("2026-10-01", "2026-12-31")
    p = RoiParams(engaged_min_touches=2, mqa_min_touches=6, mqa_min_contacts=2)
    f = K.funnel(seg, tp, ds.tables["opportunities"], w, by="tier", params=p)
    tot = K.funnel(seg, tp, ds.tables["opportunities"], w, params=p).iloc[0]
    for c in ("accounts", "engaged", "mqa", "with_opp", "won", "mqa_carried", "opp_from_mqa", "opp_not_from_mqa"):
        assert f[c].sum() == tot[c]
    assert tot["engaged"] >= tot["mqa"] > 0
    # stages in order: each ordered count is within its stage, and the opportunity split adds up
    assert tot["mqa_from_engaged"] + tot["mqa_carried"] <= tot["mqa"]
    assert tot["opp_from_mqa"] <= min(tot["mqa"], tot["with_opp"]) and tot["won"] <= tot["with_opp"]
    assert tot["opp_from_mqa"] + tot["opp_not_from_mqa"] == tot["with_opp"] and tot["opp_from_mqa"] > 0
    assert all(0 <= tot[c] <= 1 for c in ("engaged_to_mqa", "mqa_to_opp", "opp_to_won"))
    flags = K.account_funnel_flags(seg, tp, ds.tables["opportunities"], w, p)
    m = flags.loc[flags["mqa"] & ~flags["mqa_carried"]]
    assert (m["mqa_date"] >= pd.Timestamp(w[0])).all() and (m["mqa_date"] <= pd.Timestamp(w[1])).all()
    won_deals = K.deal_kpis(ds.tables["opportunities"], window=w).iloc[0]
    assert tot["revenue"] <= won_deals["pipeline"]  # revenue of the window's own opportunities only
    d = close_durations(ds.tables["opportunities"], "2026-12-31", segments=seg)
    v = estimate_velocity(d, group="abm")
    assert set(v.medians.index) == {"ABM", "non-ABM"}
    od = opp_durations(seg, tp, ds.tables["opportunities"], "2026-12-31")
    assert len(od) == tp["account_id"].nunique() and (od["days"] >= 0).all()


# ----------------------------------------------------------------- stages in order, wins tied to their opportunity
W = ("2026-10-01", "2026-12-31")
ORDERED = RoiParams(engaged_min_touches=1, mqa_min_touches=3, mqa_min_contacts=2, mqa_lookback_days=92)


def _touches(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(account, contact, day) rows as a touchpoints table."""
    a, c, d = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "touchpoint_id": [f"t{i}" for i in range(len(a))],
            "account_id": a,
            "contact_id": c,
            "timestamp": pd.to_datetime(d),
        }
    )


def _opps(rows: list[tuple[str, str, str | None, bool]]) -> pd.DataFrame:
    """(account, created, closed or None, won) rows as an opportunities table (amount 100 each)."""
    a, cr, cl, won = zip(*rows, strict=True)
    closed = [x is not None for x in cl]
    return pd.DataFrame(
        {
            "opportunity_id": [f"o{i}" for i in range(len(a))],
            "account_id": a,
            "created_date": pd.to_datetime(cr),
            "close_date": pd.to_datetime(list(cl)),
            "amount": 100.0,
            "is_won": list(won),
            "is_closed": closed,
        }
    )


def test_an_opportunity_before_the_mqa_date_is_not_mqa_to_opportunity():
    """b1 opens an opportunity on Oct 5 and only becomes an MQA on Nov 3: it did not come from the MQA stage.
    b2 becomes an MQA on Oct 3 and opens one on Oct 20: MQA → opportunity."""
    acc = pd.DataFrame({"account_id": ["b1", "b2"]})
    tp = _touches(
        [("b1", "c1", "2026-11-01"), ("b1", "c2", "2026-11-02"), ("b1", "c1", "2026-11-03")]
        + [("b2", "c3", "2026-10-01"), ("b2", "c4", "2026-10-02"), ("b2", "c3", "2026-10-03")]
    )
    opp = _opps([("b1", "2026-10-05", None, False), ("b2", "2026-10-20", None, False)])
    fl = K.account_funnel_flags(acc, tp, opp, W, ORDERED).set_index("account_id")
    assert fl.loc["b1", "mqa_date"] == pd.Timestamp("2026-11-03") and fl.loc["b2", "mqa_date"] == pd.Timestamp(
        "2026-10-03"
    )
    assert fl["mqa"].all() and fl["has_opp"].all()
    assert not fl.loc["b1", "opp_from_mqa"] and fl.loc["b2", "opp_from_mqa"]
    r = K.funnel(acc, tp, opp, W, params=ORDERED).iloc[0]
    assert (r["mqa"], r["with_opp"], r["opp_from_mqa"], r["opp_not_from_mqa"]) == (2, 2, 1, 1)
    assert r["mqa_to_opp"] == pytest.approx(0.5)  # today's code: 1.0 (both MQAs have an opportunity)


def test_an_mqa_before_the_engaged_date_is_not_engaged_to_mqa():
    """e1 meets the MQA rule on Oct 3 (2 people, 3 touches) but is engaged (4 touches) only on Oct 20; e2 is
    engaged on Oct 2 and an MQA on Oct 9; e3 was already an MQA when the window opened (September touches)."""
    p = RoiParams(engaged_min_touches=4, mqa_min_touches=3, mqa_min_contacts=2, mqa_lookback_days=92)
    acc = pd.DataFrame({"account_id": ["e1", "e2", "e3"]})
    tp = _touches(
        [("e1", "c1", "2026-10-01"), ("e1", "c2", "2026-10-02"), ("e1", "c1", "2026-10-03"), ("e1", "c1", "2026-10-20")]
        + [
            ("e2", "c3", "2026-10-01"),
            ("e2", "c3", "2026-10-02"),
            ("e2", "c3", "2026-10-05"),
            ("e2", "c3", "2026-10-06"),
        ]
        + [("e2", "c4", "2026-10-09")]
        + [("e3", "c5", "2026-09-25"), ("e3", "c6", "2026-09-26"), ("e3", "c5", "2026-09-27")]
        + [("e3", "c5", d) for d in ("2026-10-10", "2026-10-12", "2026-10-14", "2026-10-16")]
        + [("e3", "c6", "2026-10-18")]
    )
    opp = _opps([("e3", "2026-10-05", None, False)])
    fl = K.account_funnel_flags(acc, tp, opp, W, p).set_index("account_id")
    assert fl["engaged"].all() and fl["mqa"].all()
    assert fl.loc["e1", "mqa_date"] == pd.Timestamp("2026-10-03") and fl.loc["e1", "engaged_date"] == pd.Timestamp(
        "2026-10-20"
    )
    assert fl["mqa_from_engaged"].tolist() == [False, True, False]
    assert fl["mqa_carried"].tolist() == [False, False, True]
    assert fl.loc["e3", "opp_from_mqa"]  # an MQA since September: its October opportunity follows it
    r = K.funnel(acc, tp, opp, W, params=p).iloc[0]
    # engaged → MQA: e2 of the two engaged accounts that were not MQAs already (today's code: 3 / 3)
    assert r["engaged_to_mqa"] == pytest.approx(1 / 2) and r["mqa_carried"] == 1


def test_won_is_the_windows_own_opportunity():
    """w1's in-window opportunity is lost while a deal it opened in May is won in November: not won in this
    funnel, no revenue. w2's in-window opportunity is won on Dec 10 (by as_of), w3's only after as_of."""
    acc = pd.DataFrame({"account_id": ["w1", "w2", "w3"]})
    tp = _touches([("w1", "c1", "2026-10-01")])
    opp = _opps(
        [
            ("w1", "2026-05-01", "2026-11-15", True),
            ("w1", "2026-10-10", "2026-12-01", False),
            ("w2", "2026-10-10", "2026-12-10", True),
            ("w3", "2026-10-10", "2027-01-10", True),
        ]
    )
    fl = K.account_funnel_flags(acc, tp, opp, W, ORDERED, as_of="2026-12-31").set_index("account_id")
    assert fl["has_opp"].all()
    assert fl["won"].tolist() == [False, True, False]  # today's code: w1 won (the May deal), w3 not
    assert fl["revenue"].tolist() == [0.0, 100.0, 0.0]
    assert (
        K.account_funnel_flags(acc, tp, opp, W, ORDERED).set_index("account_id").loc["w3", "won"]
    )  # as the table stands
    r = K.funnel(acc, tp, opp, W, params=ORDERED, as_of="2026-12-31").iloc[0]
    assert (r["with_opp"], r["won"], r["revenue"]) == (3, 1, 100.0) and r["opp_to_won"] == pytest.approx(1 / 3)


def _brute_mqa(tp: pd.DataFrame, w0: pd.Timestamp, w1: pd.Timestamp, p: RoiParams) -> dict[str, tuple[bool, float]]:
    """The MQA rule day by day (slow, obvious): state on w1, start of the first MQA run reaching the window."""
    out = {}
    days = pd.date_range(w0 - pd.Timedelta(days=1), w1)
    for a, g in tp.groupby("account_id"):
        d = g["timestamp"].dt.normalize()
        ok = []
        for day in days:
            m = (d <= day) & (d > day - pd.Timedelta(days=p.mqa_lookback_days))
            ok.append(bool(m.sum() >= p.mqa_min_touches and g.loc[m, "contact_id"].nunique() >= p.mqa_min_contacts))
        since = np.nan
        for i in range(1, len(days)):
            if ok[i]:
                j = i
                while j > 0 and ok[j - 1]:
                    j -= 1
                since = float((days[j] - w0).days) if j > 0 else -1.0
                break
        out[a] = (ok[-1], since)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_mqa_dates_match_a_day_by_day_evaluation(seed):
    rng = np.random.default_rng(seed)
    n = 400
    p = RoiParams(
        mqa_min_touches=int(rng.integers(2, 6)),
        mqa_min_contacts=int(rng.integers(1, 4)),
        mqa_lookback_days=int(rng.integers(7, 40)),
    )
    w0, w1 = pd.Timestamp("2026-10-01"), pd.Timestamp("2026-10-31")
    tp = pd.DataFrame(
        {
            "account_id": rng.choice([f"a{i}" for i in range(12)], n),
            "contact_id": pd.Series(rng.choice(["p1", "p2", "p3", "p4", None], n), dtype=object),
            "timestamp": w0
            + pd.to_timedelta(rng.integers(-60, 31, n), unit="D")
            + pd.to_timedelta(rng.integers(0, 24, n), unit="h"),
        }
    )
    got = mqa_spells(tp, w0, w1, p)
    for a, (mqa, since) in _brute_mqa(tp, w0, w1, p).items():
        assert bool(got.loc[a, "mqa"]) == mqa, (seed, a)
        g = got.loc[a, "since"]
        assert (np.isnan(g) and np.isnan(since)) or g == since, (seed, a, g, since)
