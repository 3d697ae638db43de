"""Out-of-time validation: the split, the metrics (with the truth ceilings), bootstrap intervals, summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from abm_lab import engagement as E
from abm_lab.results import Summary


def test_time_split_is_out_of_time(result, params):
    sp = result.split
    assert max(sp.fit) < min(sp.calib) <= max(sp.calib) < min(sp.test)
    # embargo: no training label window reaches into the test period
    assert max(sp.calib) + pd.Timedelta(days=params.horizon_days) <= min(sp.test)


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
