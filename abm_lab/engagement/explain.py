"""SHAP explanations of the gradient-boosted scorer (TreeExplainer, log-odds units).

:func:`explain` returns a ``shap.Explanation`` whose values plus base value add up to the model's
log-odds (:func:`shap_additivity_gap` measures it); :func:`import_shap` imports shap without its known
import-time deprecation warnings (so notebooks need no blanket warning filter).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from .reasons import pretty_feature

#: Warning categories shap's own modules raise (matplotlib colormap deprecations at import); silenced there only.
SHAP_WARNINGS: tuple[type[Warning], ...] = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)
SHAP_MODULES = r"shap(\..*)?$"


@contextmanager
def quiet_shap() -> Iterator[None]:
    """Silence the deprecation warnings raised inside shap's own modules (and nothing else)."""
    with warnings.catch_warnings():
        for category in SHAP_WARNINGS:
            warnings.filterwarnings("ignore", category=category, module=SHAP_MODULES)
        yield


def import_shap() -> ModuleType:
    """``import shap`` with the deprecation warnings raised inside shap's own modules silenced."""
    with quiet_shap():
        import shap
        import shap.plots  # noqa: F401  (its colour maps raise the warnings above on first import)
    return shap


def explain(model: Any, X: pd.DataFrame) -> Any:
    """SHAP values (log-odds) of the GBM for rows ``X`` as a ``shap.Explanation``.

    shap >= 0.45 returns one (n, features) array for a binary classifier; older versions a
    list of two - both are handled. ``values.sum(1) + base_values`` equals
    ``model.decision_function(X)`` (see :func:`shap_additivity_gap`).
    """
    shap = import_shap()
    ex = shap.TreeExplainer(model)
    vals = ex.shap_values(X)
    if isinstance(vals, list):
        vals = vals[-1]
    vals = np.asarray(vals)
    if vals.ndim == 3:
        vals = vals[..., -1]
    base = np.asarray(ex.expected_value, dtype=float).ravel()[-1]
    return shap.Explanation(
        values=vals,
        base_values=np.full(len(X), base),
        data=X.to_numpy(dtype=float),
        feature_names=[pretty_feature(c) for c in X.columns],
    )


def shap_additivity_gap(model: Any, X: pd.DataFrame, explanation: Any) -> float:
    """Largest |sum(SHAP) + base value - model log-odds| over rows (should be ~1e-6)."""
    raw = model.decision_function(X)
    return float(np.max(np.abs(explanation.values.sum(axis=1) + explanation.base_values - raw)))
