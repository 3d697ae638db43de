"""SHAP: the explanation adds up to the displayed probability (log-odds and probability scale), quiet import."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from abm_lab import engagement as E

#: Accounts sampled for the waterfall checks.
N_SAMPLED = 50


def _logit(p):
    p = np.asarray(p, dtype=float)
    return np.log(p / (1 - p))


def test_shap_explains_the_displayed_probability(scored):
    """Base value + SHAP values = the log-odds of the probability shown (not of an uncalibrated model):
    today's code explains the raw GBM, whose f(x) is not the displayed probability's log-odds."""
    assert scored.shap.values.shape == scored.X.shape
    assert E.shap_additivity_gap(scored.model, scored.X, scored.shap) < 1e-6
    z = scored.shap.values.sum(axis=1) + scored.shap.base_values
    assert np.max(np.abs(z - _logit(scored.scores["probability"]))) < 1e-6


def test_waterfall_adds_up_to_the_displayed_probability(scored):
    """For sampled accounts the probability-scale waterfall (base + pushes) equals the displayed probability
    to 1e-6, and each push keeps the sign of its log-odds SHAP value."""
    rng = np.random.default_rng(0)
    rows = rng.choice(len(scored.scores), size=min(N_SAMPLED, len(scored.scores)), replace=False)
    sp = scored.shap_probability
    got = sp.values[rows].sum(axis=1) + sp.base_values[rows]
    assert np.max(np.abs(got - scored.scores["probability"].to_numpy()[rows])) < 1e-6
    assert np.allclose(sp.base_values, 1 / (1 + np.exp(-scored.shap.base_values)))
    lo, pr = scored.shap.values[rows], sp.values[rows]
    assert (np.sign(lo) == np.sign(pr)).all()
    assert sp.feature_names == scored.shap.feature_names


def test_to_probability_on_hand_values():
    """Two features pushing +1 and -0.5 log-odds from base 0 (p0 = 50%): the row's probability gap is shared
    in proportion 2 : -1."""
    shap = E.import_shap()
    ex = shap.Explanation(values=np.array([[1.0, -0.5]]), base_values=np.array([0.0]), data=np.zeros((1, 2)))
    p = 1 / (1 + np.exp(-0.5))
    out = E.to_probability(ex, [p])
    assert np.isclose(out.base_values[0], 0.5)
    gap = p - 0.5
    assert np.allclose(out.values[0], [2 * gap, -gap])


def test_ensemble_explanation_is_exact(panel, result, params):
    """A cross-fitted ensemble of GBMs (several members, each with its own Platt map): the averaged, map-scaled
    tree SHAP values add up to the ensemble's calibrated log-odds."""
    lab = panel[panel["eligible"] & panel["label_observed"]]
    lab = lab[lab["snapshot_date"].isin(result.split.train)]
    emb = pd.Timedelta(days=params.horizon_days)
    cs = E.CalibratedScorer(E.make_gbm(params), "sigmoid", n_folds=3, embargo=emb)
    cs.fit(lab[result.features], lab["label"].to_numpy(), time=lab["snapshot_date"])
    X = lab[result.features].head(200)
    ex = E.explain(cs, X)
    assert len(cs.members_) > 1
    assert E.shap_additivity_gap(cs, X, ex) < 1e-6


def test_shap_labels_are_readable(scored):
    assert scored.shap.feature_names == [E.pretty_feature(c) for c in scored.X.columns]
    assert "Touches, 30 d" in scored.shap.feature_names


def test_import_shap_raises_no_deprecation_warning():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        E.import_shap()
    assert not [w for w in rec if issubclass(w.category, DeprecationWarning | PendingDeprecationWarning)]
