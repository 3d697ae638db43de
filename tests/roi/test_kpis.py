"""KPIs: recomputed independently with plain pandas (Maven CRM), funnel, velocity, tiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm_lab import kpis as K
from abm_lab.config import load_params
from abm_lab.config.roi import KpiTargets, RoiParams
from abm_lab.errors import ABMDataError

ROOT = Path(__file__).resolve().parents[1]
MAVEN = next(
    (
        p
        for p in (ROOT / "data" / "real" / "maven_crm", ROOT.parent / "shared" / "datasets" / "maven_crm")
        if (p / "sales_pipeline.csv").exists()
    ),
    None,
)
needs_maven = pytest.mark.skipif(
    MAVEN is None,
    reason="Maven CRM data not found in data/real/maven_crm or "
    "../shared/datasets/maven_crm; real-data KPI checks skipped",
)


# ----------------------------------------------------------------- real data: Maven CRM
@pytest.fixture(scope="module")
def maven():
    from abm_lab.data.io import load_dataset

    params = load_params(None, {"data": {"source": "folder", "path": str(MAVEN), "preset": "maven_crm"}})
    ds = load_dataset(params, ROOT)
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv", parse_dates=["engage_date", "close_date"])
    acc = pd.read_csv(MAVEN / "accounts.csv")
    acc["sector"] = acc["sector"].replace({"technolgy": "technology"})  # documented typo in the source
    raw = raw.merge(acc[["account", "sector"]], on="account", how="left")
    raw["sector"] = raw["sector"].fillna("unknown")
    return ds, raw


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


@needs_maven
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


@needs_maven
@pytest.mark.parametrize(
    "ours,theirs", [("industry", "sector"), ("product", "product"), ("owner", "sales_agent"), ("quarter", "quarter")]
)
def test_maven_kpis_recomputed_with_plain_pandas(maven, ours, theirs):
    ds, raw = maven
    raw = raw.copy()
    raw["quarter"] = raw["close_date"].dt.to_period("Q").astype(str)
    segs = K.account_frame(ds.tables)
    got = K.deal_kpis(ds.tables["opportunities"], ours, segments=segs)
    exp = _plain(raw, theirs)
    got = got.loc[got["won"] + got["lost"] > 0]
    assert sorted(got.index.astype(str)) == sorted(exp.index.astype(str))
    got.index = got.index.astype(str)
    for c in exp.columns:
        np.testing.assert_allclose(
            got.loc[exp.index, c].to_numpy(float), exp[c].to_numpy(float), rtol=1e-12, err_msg=f"{c} by {ours}"
        )


@needs_maven
def test_maven_velocity_censors_open_deals(maven):
    ds, _ = maven
    d = K.close_durations(ds.tables["opportunities"], "2017-12-31")
    assert d.attrs["no_date"] == 500  # prospecting deals have no engage date
    v = K.velocity(d, covariates=["log_amount"], what="opportunity to close")
    r = v.medians.loc["all"]
    assert r["n"] == 8300 and r["events"] == 6711 and r["censored"] == 1589
    # open deals are still running: the KM median is longer than the closed-only average
    assert r["median_days"] > 51.78
    assert r["ci_low"] <= r["median_days"] <= r["ci_high"]


# ----------------------------------------------------------------- velocity on known data
def test_kaplan_meier_matches_hand_computation():
    d = pd.DataFrame({"days": [2, 3, 3, 5, 7, 8, 10, 12], "event": [1, 1, 0, 1, 0, 1, 1, 0]})
    v = K.velocity(d)
    c = v.curves["all"].set_index("days")["survival"]
    # product-limit: S(2)=7/8, S(3)=7/8*6/7, S(5)=.75*4/5, S(8)=.6*2/3, S(10)=.4*1/2
    assert c[2] == pytest.approx(7 / 8)
    assert c[3] == pytest.approx(0.75)
    assert c[5] == pytest.approx(0.6)
    assert c[8] == pytest.approx(0.4)
    assert c[10] == pytest.approx(0.2)
    assert v.median() == 8


def test_cox_recovers_hazard_ratio_and_km_beats_closed_only():
    rng = np.random.default_rng(3)
    n = 3000
    fast = rng.random(n) < 0.5
    t = rng.exponential(np.where(fast, 30.0, 60.0))  # hazard ratio 2 for "fast"
    cens = rng.uniform(0, 120, n)
    d = pd.DataFrame({"days": np.minimum(t, cens), "event": t <= cens, "grp": np.where(fast, "b_fast", "a_slow")})
    v = K.velocity(d, group="grp")
    hr = v.cox.loc["grp=b_fast"]
    assert hr["ci_low"] < 2.0 < hr["ci_high"]
    # true medians 60 ln2 = 41.6 and 20.8 days; KM covers them, the closed-only mean is biased low
    assert v.medians.loc["a_slow", "ci_low"] < 60 * np.log(2) < v.medians.loc["a_slow", "ci_high"]
    assert v.medians.loc["b_fast", "ci_low"] < 30 * np.log(2) < v.medians.loc["b_fast", "ci_high"]
    assert "Cox" in v.summary()


def test_pipeline_velocity():
    assert K.pipeline_velocity(100, 0.25, 40_000, 50) == pytest.approx(20_000)
    assert np.isnan(K.pipeline_velocity(100, 0.25, 40_000, 0))


# ----------------------------------------------------------------- funnel on a hand-made dataset
def _tiny():
    accounts = pd.DataFrame(
        {
            "account_id": ["a1", "a2", "a3", "a4"],
            "industry": ["x", "x", "y", None],
            "is_customer": [False, False, False, True],
        }
    )

    def ts(v):
        return pd.to_datetime(v, format="ISO8601")

    touch = pd.DataFrame(
        {
            "touchpoint_id": [f"t{i}" for i in range(9)],
            "timestamp": ts(
                [
                    "2026-10-02",
                    "2026-10-03",
                    "2026-11-01",
                    "2026-12-01",
                    "2026-12-20",
                    "2026-11-05",
                    "2026-09-01",
                    "2026-12-30",
                    "2026-12-31 23:00",
                ]
            ),
            "account_id": ["a1", "a1", "a1", "a1", "a1", "a2", "a3", "a3", None],
            "contact_id": ["c1", "c2", "c1", "c2", "c1", "c3", "c4", None, "c9"],
        }
    )
    opps = pd.DataFrame(
        {
            "opportunity_id": ["o1", "o2", "o3", "o4"],
            "account_id": ["a1", "a2", "a3", "a1"],
            "created_date": ts(["2026-12-05", "2026-11-10", "2026-06-01", "2026-10-15"]),
            "close_date": ts(["2026-12-28", pd.NaT, "2026-10-20", pd.NaT]),
            "amount": [100.0, 50.0, 30.0, 20.0],
            "is_won": [True, False, True, False],
            "is_closed": [True, False, True, False],
            "stage": ["closed_won", "discovery", "closed_won", "proposal"],
        }
    )
    programs = pd.DataFrame(
        {"program_id": ["P"], "account_id": ["a1"], "tier": ["strategic"], "start_date": ts(["2026-01-01"])}
    )
    return {"accounts": accounts, "touchpoints": touch, "opportunities": opps, "programs": programs}


def test_funnel_counts_and_rates():
    t = _tiny()
    p = RoiParams(
        engaged_min_touches=1, mqa_min_touches=4, mqa_min_contacts=2, mqa_lookback_days=90, buying_committee_size=4
    )
    seg = K.account_frame(t)
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


def test_deal_kpis_window_and_quarter():
    t = _tiny()
    k = K.deal_kpis(t["opportunities"], window=("2026-10-01", "2026-12-31")).iloc[0]
    assert (k["opps"], k["won"], k["lost"]) == (3, 2, 0)
    assert k["avg_cycle_days"] == pytest.approx(((23) + (141)) / 2)
    q = K.deal_kpis(t["opportunities"], "quarter")
    assert q.loc["2026Q2", "opps"] == 1 and q.loc["2026Q4", "won"] == 2
    with pytest.raises(ABMDataError, match="no column"):
        K.deal_kpis(t["opportunities"], "sector")


def test_account_frame_uses_grades_and_programs():
    t = _tiny()
    f = K.account_frame(t).set_index("account_id")
    assert f.loc["a1", "tier"] == "strategic" and f.loc["a2", "tier"] == K.NO_TIER
    assert f.loc["a1", "abm"] == "ABM" and f.loc["a2", "grade"] == K.UNGRADED
    g = pd.DataFrame({"account_id": ["a2"], "grade": ["B"], "tier": ["abm_lite"]})
    f = K.account_frame(t, g).set_index("account_id")
    assert f.loc["a2", "grade"] == "B" and f.loc["a2", "tier"] == "abm_lite" and f.loc["a1", "tier"] == "strategic"


def test_resolve_touch_accounts_precedence():
    tp = pd.DataFrame({"touchpoint_id": ["t1", "t2", "t3"], "account_id": ["a1", None, None]})
    mapped = pd.DataFrame({"touchpoint_id": ["t1", "t2"], "account_id": ["zz", "a2"]})
    truth = pd.DataFrame({"touchpoint_id": ["t1", "t2", "t3"], "true_account_id": ["q", "q", "a3"]})
    out = K.resolve_touch_accounts(tp, mapped, truth)
    assert list(out["account_id"]) == ["a1", "a2", "a3"] and len(out) == 3


def test_kpi_tiles_status():
    tg = KpiTargets(pipeline=1000, win_rate=0.3, mqas=10, roi=1.0)
    t = K.kpi_tiles({"pipeline": 1200, "win_rate": 0.27, "mqas": 5, "roi": 0.4, "unknown": 3}, tg, at_risk=0.8)
    assert t.loc["pipeline", "status"] == "on track"
    assert t.loc["win_rate", "status"] == "at risk"
    assert t.loc["mqas", "status"] == "behind"
    assert t.loc["roi", "status"] == "at risk"
    assert t.loc["pipeline", "attainment"] == pytest.approx(1.2)
    assert "unknown" not in t.index


def test_roi_params_validation():
    from abm_lab.errors import ABMParamsError

    with pytest.raises(ABMParamsError, match="u_first"):
        load_params(None, {"roi": {"attribution": {"weights": {"u_first": 0.7, "u_lead_creation": 0.5}}}})
    with pytest.raises(ABMParamsError, match="gross_margin"):
        load_params(None, {"roi": {"gross_margin": 0}})


# ----------------------------------------------------------------- synthetic world
def test_funnel_and_velocity_on_synthetic_world():
    from abm_lab.config import DemoParams
    from abm_lab.synth import world_dataset

    ds = world_dataset(DemoParams(seed=5, n_accounts=600, n_contacts=3000, n_touchpoints=30000), "2026-12-31")
    tp = K.resolve_touch_accounts(ds.tables["touchpoints"], truth_touchpoints=ds.truth["touchpoints"])
    assert tp["account_id"].notna().all()
    seg = K.account_frame(ds.tables)
    w = ("2026-10-01", "2026-12-31")
    p = RoiParams(engaged_min_touches=2, mqa_min_touches=6, mqa_min_contacts=2)
    f = K.funnel(seg, tp, ds.tables["opportunities"], w, by="tier", params=p)
    tot = K.funnel(seg, tp, ds.tables["opportunities"], w, params=p).iloc[0]
    for c in ("accounts", "engaged", "mqa", "with_opp", "won"):
        assert f[c].sum() == tot[c]
    assert tot["engaged"] >= tot["mqa"] > 0
    d = K.close_durations(ds.tables["opportunities"], "2026-12-31", segments=seg)
    v = K.velocity(d, group="abm")
    assert set(v.medians.index) == {"ABM", "non-ABM"}
    od = K.opp_durations(seg, tp, ds.tables["opportunities"], "2026-12-31")
    assert len(od) == tp["account_id"].nunique() and (od["days"] >= 0).all()


def test_roi_what_if_widget_reacts():
    ipywidgets = pytest.importorskip("ipywidgets")
    w = K.roi_what_if(100_000, 50_000, 0.7, interval=(20_000, 180_000))
    assert isinstance(w, ipywidgets.VBox)
    margin, cost, out = w.children
    assert "ROI 40%" in out.value and "95% CI -72% to 152%" in out.value  # (0.7 × 100k − 50k) / 50k
    margin.value = 0.9
    assert "ROI 80%" in out.value
    cost.value = 100_000
    assert "ROI -10%" in out.value and "break-even margin 100%" in out.value


def test_pseudonymise_and_empty_velocity():
    s = K.pseudonymise(pd.Series(["Zoe Z", "Al A", None, "Zoe Z"]))
    assert list(s.fillna("-")) == ["owner 02", "owner 01", "-", "owner 02"]
    v = K.velocity(pd.DataFrame({"days": [], "event": []}), group=None)
    assert v.medians.empty and v.cox is None


def test_json_safe():
    out = K.json_safe({"a": np.nan, "b": np.float64(1.5), "c": np.int64(2), "d": "x", "e": float("inf")})
    assert out == {"a": None, "b": 1.5, "c": 2, "d": "x", "e": None}
