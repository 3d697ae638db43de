"""SHAP explanations of the deployed (calibrated) gradient-boosted scorer (TreeExplainer, log-odds units).

:func:`explain` returns a ``shap.Explanation`` whose values plus base value add up to the model's log-odds -
for the calibrated scorer, the log-odds of the displayed probability (:func:`shap_additivity_gap` measures
it); :func:`to_probability` rescales it so that the waterfall adds up to the probability itself;
:func:`import_shap` imports shap without its known import-time deprecation warnings (so notebooks need no
blanket warning filter).
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


def _tree_shap(shap: ModuleType, model: Any, X: pd.DataFrame) -> tuple[np.ndarray, float]:
    """Tree SHAP values of one binary tree model (its log-odds) and its base value."""
    ex = shap.TreeExplainer(model)
    vals = ex.shap_values(X)
    if isinstance(vals, list):
        vals = vals[-1]
    vals = np.asarray(vals)
    if vals.ndim == 3:
        vals = vals[..., -1]
    return vals, float(np.asarray(ex.expected_value, dtype=float).ravel()[-1])


def explain(model: Any, X: pd.DataFrame) -> Any:
    """SHAP values (log-odds) for rows ``X`` as a ``shap.Explanation``.

    ``model`` is a :class:`~abm_lab.engagement.scorers.CalibratedScorer` of tree models (the deployed scorer)
    or one tree model. For a calibrated scorer with Platt maps the explanation is of the *displayed*
    probability's log-odds, ``model.decision_function(X) = mean_k(a_k f_k + b_k)``: each member's tree SHAP
    values scaled by its map's slope ``a_k`` and averaged, base value ``mean_k(a_k E[f_k] + b_k)``; so
    ``values.sum(1) + base_values = logit(probability)`` exactly (:func:`shap_additivity_gap`) and
    :func:`to_probability` turns it into a waterfall that adds up to the probability itself. (Isotonic maps
    are not linear in log-odds: the members' raw log-odds are explained instead.) For one tree model the
    values explain its ``decision_function``. shap >= 0.45 returns one (n, features) array for a binary
    classifier, older versions a list of two: both are handled.
    """
    from .scorers import CalibratedScorer

    shap = import_shap()
    if isinstance(model, CalibratedScorer):
        terms = model.platt_terms() if model.method == "sigmoid" else [(e, 1.0, 0.0) for e, _ in model.members_]
        parts = [(a, b, *_tree_shap(shap, e, X)) for e, a, b in terms]
        vals = np.mean([a * v for a, _, v, _ in parts], axis=0)
        base = float(np.mean([a * e + b for a, b, _, e in parts]))
    else:
        vals, base = _tree_shap(shap, model, X)
    return shap.Explanation(
        values=vals,
        base_values=np.full(len(X), base),
        data=X.to_numpy(dtype=float),
        feature_names=[pretty_feature(c) for c in X.columns],
    )


def to_probability(explanation: Any, probability: Any) -> Any:
    """The explanation on the probability scale: base value ``p0 = sigmoid(base log-odds)`` and each log-odds
    push ``phi_j`` rescaled by the row's ``(p - p0) / (z - z0)``, so that base + pushes = ``probability``
    exactly (signs and ranking within the row kept). The map is the stated one: a row's pushes share the
    slope of the sigmoid between the base and the row's log-odds (its derivative at ``z0`` when they meet).
    """
    shap = import_shap()
    phi = np.asarray(explanation.values, dtype=float)
    z0 = np.asarray(explanation.base_values, dtype=float)
    z = z0 + phi.sum(axis=1)
    p0 = 1 / (1 + np.exp(-z0))
    p = np.asarray(probability, dtype=float)
    dz = z - z0
    close = np.abs(dz) < 1e-12
    k = np.where(close, p0 * (1 - p0), (p - p0) / np.where(close, 1.0, dz))
    return shap.Explanation(
        values=phi * k[:, None],
        base_values=p0,
        data=explanation.data,
        feature_names=explanation.feature_names,
    )


def shap_additivity_gap(model: Any, X: pd.DataFrame, explanation: Any) -> float:
    """Largest |sum(SHAP) + base value - model log-odds| over rows (should be ~1e-6); for a calibrated scorer
    its log-odds are those of the displayed probability."""
    raw = model.decision_function(X)
    return float(np.max(np.abs(explanation.values.sum(axis=1) + explanation.base_values - raw)))
