"""Out-of-time validation: the split, the metrics (with the truth ceilings), bootstrap intervals, summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from abm_lab import engagement as E
from abm_lab.results import Summary

#: Extra synthetic worlds (seeds, accounts) of the multi-seed calibration check, beside the 800-account fixture world.
CALIB_SEEDS = (1, 2, 3, 4)
CALIB_ACCOUNTS = 400


def test_time_split_is_out_of_time(result, params, panel):
    sp = result.split
    assert max(sp.train) < min(sp.test)
    # embargo between the fit and the calibration slice: no training label window reaches into the test period
    assert max(sp.train) + pd.Timedelta(days=params.horizon_days) <= min(sp.test)
    lab = panel[panel["eligible"] & panel["label_observed"]]
    assert max(sp.test) == lab["snapshot_date"].max()  # the latest matured period
    d = sp.describe()
    assert d["n_snapshots"].tolist() == [len(sp.train), len(sp.test)]


def _world_result(seed: int, n_accounts: int):
    from abm_lab.config import DemoParams
    from abm_lab.config.engagement import EngagementParams
    from abm_lab.synth import world_dataset
    from abm_lab.validation import engagement as VE

    as_of = "2026-12-31"
    ds = world_dataset(
        DemoParams(seed=seed, n_accounts=n_accounts, n_contacts=15 * n_accounts // 2, n_touchpoints=100 * n_accounts),
        as_of,
    )
    tp = VE.truth_touch_accounts(ds.tables["touchpoints"], ds.truth)
    fit = pd.DataFrame(
        {"account_id": ds.truth["accounts"]["account_id"], "fit_score": 100 * ds.truth["accounts"]["fit_prob"]}
    )
    p = EngagementParams(n_bootstrap=0)
    panel = E.build_panel(
        tp,
        ds.tables["accounts"],
        ds.tables["opportunities"],
        E.default_snapshots(tp, as_of, p),
        as_of,
        p,
        personas=VE.truth_personas(ds.truth, ds.tables["contacts"]),
        fit=fit,
        programs=ds.tables["programs"],
    )
    return E.fit_engagement(panel, p)


@pytest.fixture(scope="module")
def seed_results(result):
    return {7: result, **{s: _world_result(s, CALIB_ACCOUNTS) for s in CALIB_SEEDS}}


def test_deployed_scorer_is_calibrated_on_the_latest_matured_period(seed_results):
    """On 5 synthetic worlds (the 800-account fixture, seed 7, and seeds 1-4 with 400 accounts) the deployed
    GBM's calibration-in-the-large on the test period (the latest matured period) has an interval covering 0,
    and its calibration slope an interval covering 1. Today's code fails it: its map, learned on an earlier
    model and slice, is 1.5 points low on seed 7 (2.5% predicted vs 4.0% observed; slope 0.79 [0.60, 0.97])
    and 1.9 points low on seed 4; slope 0.61 [0.38, 0.84] on seed 1."""
    for seed, res in seed_results.items():
        c = res.calibration.loc["gbm"]
        assert c["in_the_large_low"] <= 0 <= c["in_the_large_high"], (seed, c)
        assert c["slope_low"] <= 1 <= c["slope_high"], (seed, c)
        pr = res.predictions
        # in-the-large is observed minus mean predicted, on the account-cross-fitted probabilities
        assert c["in_the_large"] == pytest.approx(pr["label"].mean() - pr["p_gbm"].mean(), abs=1e-12)
        assert c["observed"] == pytest.approx(pr["label"].mean())


def test_calibration_statistics_on_known_truth():
    """Probabilities drawn from a known model: in-the-large covers 0 and the slope covers 1; shrunk or
    shifted probabilities are flagged (slope > 1, in-the-large > 0)."""
    rng = np.random.default_rng(3)
    n = 20000
    z = rng.normal(-3, 1.2, n)
    p = 1 / (1 + np.exp(-z))
    y = rng.random(n) < p
    g = np.arange(n) // 4
    c = E.calibration_in_the_large(y, p, g)
    s = E.calibration_slope(y, p, g)
    assert c[1] <= 0 <= c[2] and s[1] <= 1 <= s[2]
    shrunk = 1 / (1 + np.exp(-(-3 + 0.5 * (z + 3))))
    assert E.calibration_slope(y, shrunk, g)[1] > 1
    low = 1 / (1 + np.exp(-(z - 0.5)))
    assert E.calibration_in_the_large(y, low, g)[1] > 0
    rel = E.reliability(y, p, 10)
    assert list(rel.columns) == ["bin", "predicted", "observed", "n", "ci_low", "ci_high"]
    assert (
        rel["n"].sum() == n and (rel["ci_low"] <= rel["observed"]).all() and (rel["observed"] <= rel["ci_high"]).all()
    )
    assert np.allclose(rel["predicted"], rel["observed"], atol=0.02)


def test_crossfit_probability_never_uses_its_own_account():
    """A row's cross-fitted probability comes from a map learned without its account: changing one account's
    labels leaves that account's probabilities unchanged."""
    rng = np.random.default_rng(0)
    z = rng.normal(size=600)
    y = (rng.random(600) < 1 / (1 + np.exp(-z))).astype(int)
    g = np.arange(600) // 3
    a = E.crossfit_probability(z, y, g, "sigmoid", 5)
    y2 = y.copy()
    y2[g == 0] = 1 - y2[g == 0]
    b = E.crossfit_probability(z, y2, g, "sigmoid", 5)
    assert np.array_equal(a[g == 0], b[g == 0]) and not np.array_equal(a, b)


def test_reliability_table_of_the_result(result, params):
    rel = result.reliability["gbm"]
    assert rel["n"].sum() == len(result.predictions) and len(rel) <= params.reliability_bins
    assert {"in_the_large", "slope", "mean_predicted", "observed"} <= set(result.calibration.columns)
    assert set(result.calibration.index) == set(result.metrics.index)


def test_validation_metrics(result):
    m = result.metrics_table()
    assert set(m.index) == {"points", "logistic", "gbm", "oracle", "nowcast"}
    assert m.loc["nowcast", "roc_auc"] < m.loc["oracle", "roc_auc"]  # today's intent < the future's
    # the oracle (true hazards, knows future intent) is the ceiling; models beat random
    assert m.loc["oracle", "roc_auc"] > 0.7
    for k in ("points", "logistic", "gbm"):
        assert 0.55 < m.loc[k, "roc_auc"] < m.loc["oracle", "roc_auc"]
        assert m.loc[k, "top_decile_lift"] > 1.2
    assert (m["auc_ci_low"] <= m["roc_auc"]).all() and (m["roc_auc"] <= m["auc_ci_high"]).all()


def test_score_conversion_monotone(result):
    """Observed conversion rises with the score on the synthetic holdout (scores with >= 50 rows)."""
    c = result.conversion[result.conversion["accounts"] >= 50]
    assert len(c) >= 3
    assert np.all(np.diff(c["conversion"].to_numpy()) >= 0), c


def test_summary_is_a_summary_object(result):
    s = result.summary()
    assert isinstance(s, Summary)
    assert {"roc_auc", "auc_ci_low", "auc_ci_high"} <= set(s.table.columns)
    assert list(s.table.index) == list(result.metrics.index)
    assert "ROC-AUC" in s.as_text() and "<table" in s.as_html() and s._repr_html_() == s.as_html()


def test_with_reference_adds_a_row_and_leaves_the_original(panel, params, result):
    base = E.fit_engagement(panel, params)
    assert list(base.metrics.index) == ["points", "logistic", "gbm"]
    assert base.metrics.equals(result.metrics.loc[["points", "logistic", "gbm"]])
    perfect = base.predictions["label"].to_numpy(float)
    ref = base.with_reference("perfect", perfect)
    assert ref.auc("perfect") == 1.0 and "perfect" not in base.metrics.index
    assert list(ref.predictions.columns)[-2:] == ["p_perfect", "score"] and "perfect" in ref.reliability


def test_bootstrap_auc_interval():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = y * 0.3 + rng.random(400)
    lo, hi = E.bootstrap_auc(y, p, np.arange(400) // 4, 200, seed=1)
    assert lo < roc_auc_score(y, p) < hi
    assert E.bootstrap_auc(y, p, np.arange(400), 200, seed=1) == E.bootstrap_auc(y, p, np.arange(400), 200, seed=1)
    assert all(np.isnan(E.bootstrap_auc(y, p, np.arange(400), 0, seed=1)))


def test_top_decile_lift():
    y = np.r_[np.ones(10), np.zeros(90)]
    assert E.top_decile_lift(y, -np.arange(100)) == 10.0  # all positives ranked first
    assert np.isnan(E.top_decile_lift(np.zeros(10), np.arange(10)))
