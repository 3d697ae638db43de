"""Lift estimators: recover the synthetic truth, intervals, DiD algebra, ROI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab import kpis, lift
from abm_lab.config import DemoParams, LiftTruth
from abm_lab.config.roi import RoiParams
from abm_lab.errors import ABMDataError
from abm_lab.synth import world_dataset

AS_OF = "2026-12-31"


def _world(seed: int, lt: LiftTruth, n: int = 1500):
    ds = world_dataset(DemoParams(seed=seed, n_accounts=n, n_contacts=3000, n_touchpoints=8000, lift=lt), AS_OF)
    tp = kpis.resolve_touch_accounts(ds.tables["touchpoints"], truth_touchpoints=ds.truth["touchpoints"])
    return ds, tp


@pytest.fixture(scope="module")
def lifted():
    ds, tp = _world(21, LiftTruth(opp_rate=0.8, win_rate=0.15, deal_size=0.25))
    res = lift.program_lift(ds.tables, tp, as_of=AS_OF)
    return ds, res, lift.truth_effects(ds.truth["accounts"], ds.truth_meta)


@pytest.fixture(scope="module")
def null_world():
    ds, tp = _world(22, LiftTruth(opp_rate=0.0, win_rate=0.0, deal_size=0.0))
    return ds, lift.program_lift(ds.tables, tp, as_of=AS_OF)


def test_estimators_recover_truth_on_fixed_world(lifted):
    ds, res, truth = lifted
    for method in ("did", "ra_ipw"):
        r = res.get("opp_rate", method)
        assert r["rel_low"] <= truth["opp_rate"] <= r["rel_high"], (method, r["relative"], truth["opp_rate"])
        r = res.get("pipeline", method)
        assert r["rel_low"] <= truth["pipeline"] <= r["rel_high"], (method, r["relative"], truth["pipeline"])
    r = res.get("win_rate", "did")
    assert r["ci_low"] <= truth["win_rate"] <= r["ci_high"]
    r = res.get("deal_size", "did")
    assert r["rel_low"] <= truth["deal_size"] <= r["rel_high"]
    # intervals are informative, not just wide enough to cover anything
    assert res.get("opp_rate", "did")["rel_high"] - res.get("opp_rate", "did")["rel_low"] < 1.0
    assert res.get("win_rate", "did")["ci_high"] - res.get("win_rate", "did")["ci_low"] < 0.4
    assert res.get("pipeline", "did")["rel_low"] > 0  # the program's pipeline lift is detected


def test_naive_comparison_is_biased_and_labelled(lifted):
    _, res, truth = lifted
    naive = res.get("opp_rate", "naive")
    # targets were picked by fit: the naive "lift" is far above the truth and its interval misses it
    assert naive["rel_low"] > truth["opp_rate"]
    assert bool(naive["biased"]) and "biased" in naive["label"]
    assert "biased" in res.summary()


def test_zero_lift_intervals_cover_zero(null_world):
    ds, res = null_world
    truth = lift.truth_effects(ds.truth["accounts"], ds.truth_meta)
    assert truth["opp_rate"] == 0 and truth["win_rate"] == 0
    for oc in ("opp_rate", "pipeline", "won_revenue", "win_rate", "deal_size"):
        for method in ("did", "ra_ipw"):
            r = res.get(oc, method)
            assert r["ci_low"] <= 0 <= r["ci_high"], (oc, method, r["estimate"], r["ci_low"], r["ci_high"])
            assert r["rel_low"] <= 0 <= r["rel_high"]
    assert res.get("opp_rate", "naive")["ci_low"] > 0  # the biased comparison "finds" a lift that is not there


def test_roi_follows_effect_interval(lifted):
    ds, res, _ = lifted
    roi = res.roi
    n_t = int(ds.tables["programs"]["account_id"].nunique())
    assert roi["n_targets"] == n_t
    cost = lift.program_cost(ds.tables["costs"], AS_OF)
    assert roi["cost"] == pytest.approx(cost)
    assert cost == pytest.approx(ds.tables["costs"]["amount"].sum())  # whole program inside the window
    r = res.get("won_revenue", "did")
    gm = RoiParams().gross_margin
    assert roi["roi"] == pytest.approx((gm * n_t * r["estimate"] - cost) / cost)
    assert roi["roi_low"] == pytest.approx((gm * n_t * r["ci_low"] - cost) / cost)
    assert roi["roi_low"] < roi["roi"] < roi["roi_high"]
    again = lift.roi(res, cost / 2, gm, "ra_ipw")
    assert again["method"] == "ra_ipw" and again["cost"] == cost / 2


def test_program_cost_pro_rata_and_override():
    c = pd.DataFrame(
        {
            "program_id": "P",
            "channel": "email",
            "period_start": pd.to_datetime(["2026-01-01", "2026-04-01"]),
            "period_end": pd.to_datetime(["2026-03-31", "2026-06-29"]),
            "amount": [900.0, 900.0],
        }
    )
    assert lift.program_cost(c, "2026-12-31") == pytest.approx(1800)
    assert lift.program_cost(c, "2026-05-15") == pytest.approx(900 + 900 * 45 / 90)
    assert lift.program_cost(c, "2026-05-15", override=123) == 123
    with pytest.raises(ABMDataError, match="roi.program_cost"):
        lift.program_cost(None, "2026-12-31")


def test_did_panel_exact_on_noiseless_data():
    # 4 periods (2 pre, 2 post), account levels differ, common trend, +0.5 per period for treated post
    rows = []
    for i in range(6):
        treated = i < 3
        for k in (-2, -1, 0, 1):
            y = 1.0 + i * 0.7 + 0.2 * (k + 2) + (0.5 if treated and k >= 0 else 0.0) + (0.01 * i * (k % 2))
            rows.append(
                {
                    "account_id": f"a{i}",
                    "period": k,
                    "post": k >= 0,
                    "treated": treated,
                    "opp_rate": y,
                    "opp_rate_count": y,
                    "days": 10.0,
                }
            )
    panel = pd.DataFrame(rows)
    panel.attrs.update({"panel_days": 10, "post_days": 20, "pre_days": 20})
    est = lift._did_panel("opp_rate", panel, 0.95)
    # account FE absorb levels, period FE the trend; the tiny i*(k%2) term averages out across arms
    expect_q = 0.5 + (np.mean([0.01 * i for i in range(3)]) - np.mean([0.01 * i for i in range(3, 6)])) * 0
    assert est.estimate == pytest.approx(2 * expect_q, abs=0.05)
    t_post = panel.loc[panel.treated & panel.post].groupby("account_id")["opp_rate"].sum().mean()
    assert est.treated_mean == pytest.approx(t_post)
    assert est.counterfactual == pytest.approx(t_post - est.estimate)


def test_influence_covariance_matches_statsmodels_cluster_se():
    rng = np.random.default_rng(0)
    n, g = 400, 80
    groups = rng.integers(0, g, n)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.random(n) < 0.5])
    y = X @ np.array([1.0, 0.5, 0.3]) + rng.normal(size=n) + rng.normal(size=g)[groups]
    w = rng.uniform(0.5, 2, n)
    res, infl = lift._wls(y, X, w, groups)
    V = lift._cluster_cov(infl, groups, X.shape[1])
    np.testing.assert_allclose(np.sqrt(np.diag(V)), res.bse, rtol=1e-8)


def test_prepare_accounts_for_every_account():
    ds, tp = _world(23, LiftTruth(), n=600)
    data = lift.prepare(ds.tables, tp, as_of=AS_OF)
    n_acc = len(ds.tables["accounts"])
    assert len(data.accounts) + data.excluded["existing_customers"] == n_acc
    assert data.excluded["existing_customers"] == int(ds.tables["accounts"]["is_customer"].sum())
    assert data.program_start == pd.Timestamp(ds.truth_meta["program_start"])
    # panel: every eligible account in every period; post-period totals match the account frame
    assert len(data.panel) == len(data.accounts) * data.panel["period"].nunique()
    post = data.panel.loc[data.panel["post"]].groupby("account_id")["opp_rate_count"].sum()
    assert post.reindex(data.accounts["account_id"]).to_numpy() == pytest.approx(data.accounts["opp_rate"].to_numpy())
    with pytest.raises(ABMDataError, match="programs"):
        lift.prepare({**ds.tables, "programs": ds.tables["programs"].iloc[:0]}, tp, as_of=AS_OF)


def test_hc3_influence_matches_statsmodels_hc3():
    rng = np.random.default_rng(1)
    n = 300
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.random(n) < 0.3])
    y = X @ np.array([0.2, 1.0, 0.5]) + rng.standard_t(3, size=n)
    w = rng.uniform(0.2, 5, n)
    res, infl = lift._wls(y, X, w, np.arange(n), hc3=True)
    V = lift._cluster_cov(infl, np.arange(n), X.shape[1], small_sample=False)
    np.testing.assert_allclose(np.sqrt(np.diag(V)), res.bse, rtol=1e-8)
