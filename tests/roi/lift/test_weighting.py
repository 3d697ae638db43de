"""The weighting estimator's design: smooth firmographics (no hand-set bands), balance improves after
weighting, overlap and effective sample size are reported."""

from __future__ import annotations

import numpy as np
import pandas as pd

from abm_lab.roi.lift.weighting import balance, firmographics, fit_weighting, overlap, rcs_basis


def test_restricted_cubic_spline_is_linear_beyond_the_knots():
    knots = np.array([0.0, 1.0, 2.0])
    x = np.linspace(3, 6, 7)
    b = rcs_basis(x, knots)[:, 0]
    assert np.allclose(np.diff(b, 2), 0, atol=1e-9)  # linear tail
    assert np.allclose(rcs_basis(np.array([-1.0, 0.0]), knots), 0)


def test_firmographics_are_smooth_and_weighting_balances():
    rng = np.random.default_rng(0)
    n = 1500
    acc = pd.DataFrame(
        {
            "employees": np.exp(rng.normal(6, 1.2, n)).round(),
            "annual_revenue": np.exp(rng.normal(17, 1, n)),
            "industry": rng.choice(["a", "b", "c"], n),
            "tech_crm": rng.random(n) < 0.4,
        }
    )
    X = firmographics(acc)
    assert not any("200" in c or "5000" in c for c in X.columns)
    assert {"log employees", "log revenue", "tech_crm"} <= set(X.columns)
    score = 0.8 * (np.log(acc["employees"]) - 6) + 0.7 * acc["tech_crm"] + rng.normal(0, 1, n)
    target = (score > np.quantile(score, 0.8)).to_numpy()
    wt = fit_weighting(X, target, ~target, clip=0.02, C=1.0)
    bal = balance(wt, X)
    before = bal.set_index("covariate")["smd_before"].abs()
    after = bal.set_index("covariate")["smd_after"].abs()
    assert before["log employees"] > 0.5 and after["log employees"] < 0.15
    assert after.max() < before.max()
    ov = overlap(wt)
    assert 0 < ov["ess_controls"] <= ov["n_controls"] and ov["n_targets"] == target.sum()
