"""SHAP: additivity of the explanation and a quiet import."""

from __future__ import annotations

import warnings

from abm_lab import engagement as E


def test_shap_additivity(scored):
    gap = E.shap_additivity_gap(scored.model, scored.X, scored.shap)
    assert gap < 1e-6
    assert scored.shap.values.shape == scored.X.shape


def test_shap_labels_are_readable(scored):
    assert scored.shap.feature_names == [E.pretty_feature(c) for c in scored.X.columns]
    assert "Touches, 30 d" in scored.shap.feature_names


def test_import_shap_raises_no_deprecation_warning():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        E.import_shap()
    assert not [w for w in rec if issubclass(w.category, DeprecationWarning | PendingDeprecationWarning)]
