"""The influence-based covariances equal statsmodels' clustered and HC3 standard errors."""

from __future__ import annotations

import numpy as np

from abm_lab.roi.lift.inference import _cluster_cov, _wls


def test_influence_covariance_matches_statsmodels_cluster_se():
    rng = np.random.default_rng(0)
    n, g = 400, 80
    groups = rng.integers(0, g, n)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.random(n) < 0.5])
    y = X @ np.array([1.0, 0.5, 0.3]) + rng.normal(size=n) + rng.normal(size=g)[groups]
    w = rng.uniform(0.5, 2, n)
    res, infl = _wls(y, X, w, groups)
    V = _cluster_cov(infl, groups, X.shape[1])
    np.testing.assert_allclose(np.sqrt(np.diag(V)), res.bse, rtol=1e-8)


def test_hc3_influence_matches_statsmodels_hc3():
    rng = np.random.default_rng(1)
    n = 300
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.random(n) < 0.3])
    y = X @ np.array([0.2, 1.0, 0.5]) + rng.standard_t(3, size=n)
    w = rng.uniform(0.2, 5, n)
    res, infl = _wls(y, X, w, np.arange(n), hc3=True)
    V = _cluster_cov(infl, np.arange(n), X.shape[1], small_sample=False)
    np.testing.assert_allclose(np.sqrt(np.diag(V)), res.bse, rtol=1e-8)
