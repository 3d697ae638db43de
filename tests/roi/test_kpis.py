"""KPIs: recomputed independently with plain pandas (Maven CRM), funnel, deal KPIs, tiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.config.roi import KpiTargets, RoiParams
from abm_lab.errors import ABMDataError
from abm_lab.roi import kpis as K
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
    # a1: 5 touches, 2 contacts (MQA: Oct 3 .. Dec 31 has 4 touches from 2 contacts); a2: 1 touch; a3: 1 (Dec 30)
    assert (r["accounts"], r["engaged"], r["mqa"], r["with_opp"], r["won"]) == (4, 3, 1, 2, 2)
    assert r["engaged_to_mqa"] == pytest.approx(1 / 3)
    assert r["mqa_to_opp"] == pytest.approx(1.0)
    assert r["opp_to_won"] == pytest.approx(1 / 2)  # a1 won; a2 has an open deal
    assert r["pipeline"] == pytest.approx(170.0)  # o1, o2, o4 created in the window
    assert r["revenue"] == pytest.approx(130.0)  # o1 and o3 closed won in the window
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
    for c in ("accounts", "engaged", "mqa", "with_opp", "won"):
        assert f[c].sum() == tot[c]
    assert tot["engaged"] >= tot["mqa"] > 0
    d = close_durations(ds.tables["opportunities"], "2026-12-31", segments=seg)
    v = estimate_velocity(d, group="abm")
    assert set(v.medians.index) == {"ABM", "non-ABM"}
    od = opp_durations(seg, tp, ds.tables["opportunities"], "2026-12-31")
    assert len(od) == tp["account_id"].nunique() and (od["days"] >= 0).all()
