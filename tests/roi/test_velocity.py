"""Velocity: Kaplan–Meier by hand, Cox hazard ratios, censoring of open deals (Maven CRM), pipeline velocity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.roi import velocity as V


def test_maven_velocity_censors_open_deals(maven):
    ds, _ = maven
    d = V.close_durations(ds.tables["opportunities"], "2017-12-31")
    assert d.attrs["no_date"] == 500  # prospecting deals have no engage date
    v = V.estimate_velocity(d, covariates=["log_amount"], what="opportunity to close")
    r = v.medians.loc["all"]
    assert r["n"] == 8300 and r["events"] == 6711 and r["censored"] == 1589
    # open deals are still running: the KM median is longer than the closed-only average
    assert r["median_days"] > 51.78
    assert r["ci_low"] <= r["median_days"] <= r["ci_high"]


def test_kaplan_meier_matches_hand_computation():
    d = pd.DataFrame({"days": [2, 3, 3, 5, 7, 8, 10, 12], "event": [1, 1, 0, 1, 0, 1, 1, 0]})
    v = V.estimate_velocity(d)
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
    v = V.estimate_velocity(d, group="grp")
    hr = v.cox.loc["grp=b_fast"]
    assert hr["ci_low"] < 2.0 < hr["ci_high"]
    # true medians 60 ln2 = 41.6 and 20.8 days; KM covers them, the closed-only mean is biased low
    assert v.medians.loc["a_slow", "ci_low"] < 60 * np.log(2) < v.medians.loc["a_slow", "ci_high"]
    assert v.medians.loc["b_fast", "ci_low"] < 30 * np.log(2) < v.medians.loc["b_fast", "ci_high"]
    assert "Cox" in v.summary().as_text()
    # the summary's tables carry the intervals
    assert {"ci_low", "ci_high"} <= set(v.summary().tables[0].columns) & set(v.summary().tables[1].columns)


def test_pipeline_velocity():
    assert V.pipeline_velocity(100, 0.25, 40_000, 50) == pytest.approx(20_000)
    assert np.isnan(V.pipeline_velocity(100, 0.25, 40_000, 0))
    d = pd.DataFrame({"days": [10.0, 20.0, 30.0, 40.0], "event": True, "abm": ["ABM", "ABM", "non-ABM", "non-ABM"]})
    v = V.estimate_velocity(d, group="abm")
    actuals = {"opportunities": 100, "win_rate": 0.25, "avg_deal_size": 40_000}
    assert V.window_pipeline_velocity(actuals, v) == pytest.approx(1_000_000 / v.median("ABM"))
    v_all = V.estimate_velocity(d.drop(columns="abm"))
    assert V.window_pipeline_velocity(actuals, v_all) == pytest.approx(1_000_000 / v_all.median())


def test_empty_velocity():
    v = V.estimate_velocity(pd.DataFrame({"days": [], "event": []}), group=None)
    assert v.medians.empty and v.cox is None
