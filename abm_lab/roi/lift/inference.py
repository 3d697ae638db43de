"""Inference shared by the lift estimators: WLS with the per-observation influence of its coefficients,
clustered covariances, and one :class:`Estimate` per outcome and method with absolute and relative intervals.

HC3 standard errors (CR3-type leverage correction, clustered by account, for deals) are used for the
regression-adjustment and deal-level estimators: the simulation study showed HC1 understating their spread
by 15–30%. Relative effects = effect / counterfactual mean of the targets, with delta-method intervals on
the log scale of the ratio (small-sample ratios are right-skewed) that use the joint (clustered) influence
of the effect and the targets' mean.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

#: Leverage is capped here before the HC3 inflation 1 / (1 − h) (a point with h → 1 would explode it).
MAX_LEVERAGE = 0.99
#: statsmodels' numerical warnings on degenerate designs (a zero variance gives a NaN standard error).
_NUMERIC = "(divide by zero|invalid value) encountered"


def _wls(y: np.ndarray, X: np.ndarray, w: np.ndarray, groups: np.ndarray, hc3: bool = False) -> tuple[Any, np.ndarray]:
    """WLS with statsmodels and the per-observation influence of the coefficients.

    ``hc3=False``: cluster-robust by ``groups`` (statsmodels ``cov_type='cluster'``); the
    clustered sum of influence outer products × G/(G−1) × (N−1)/(N−K) equals its covariance.
    ``hc3=True``: each observation's influence is inflated by 1/(1 − leverage) (HC3; with
    several rows per cluster a CR3-type approximation), which keeps small samples with
    heavy weights honest (see docs/coverage_table.md).
    """
    from statsmodels.regression.linear_model import WLS

    singletons = len(np.unique(groups)) == len(groups)
    with warnings.catch_warnings():
        # a regressor without variance (e.g. no pre-period deal in one arm) gives NaN standard errors, not noise
        warnings.filterwarnings("ignore", category=RuntimeWarning, message=_NUMERIC)
        if hc3 and singletons:
            res = WLS(y, X, weights=w).fit(cov_type="HC3")
        else:
            res = WLS(y, X, weights=w).fit(cov_type="cluster", cov_kwds={"groups": groups})
        _ = res.bse  # computed lazily: evaluate inside the warning filter
    Xw = X * w[:, None]
    bread = np.linalg.pinv(X.T @ Xw)
    e = y - X @ np.asarray(res.params)
    infl = (Xw * e[:, None]) @ bread.T
    if hc3:
        h = np.einsum("ij,jk,ik->i", Xw, bread, X)
        infl = infl / (1.0 - np.clip(h, 0.0, MAX_LEVERAGE))[:, None]
    return res, infl


def _cluster_cov(psi: np.ndarray, groups: np.ndarray, n_params: int, small_sample: bool = True) -> np.ndarray:
    """Σ_g ψ_g ψ_gᵀ, times G/(G−1) × (N−1)/(N−K) (statsmodels' cluster correction) when ``small_sample``."""
    codes, uniq = pd.factorize(groups)
    G = len(uniq)
    S = np.zeros((G, psi.shape[1]))
    np.add.at(S, codes, psi)
    n = psi.shape[0]
    f = (G / (G - 1)) * ((n - 1) / max(n - n_params, 1)) if small_sample else 1.0
    return S.T @ S * f


@dataclass
class Estimate:
    """Effect of the program on the targets for one outcome and method (units: see :data:`.results.OUTCOMES`)."""

    outcome: str
    method: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    relative: float
    rel_se: float
    rel_low: float
    rel_high: float
    treated_mean: float
    counterfactual: float
    n_treated: int
    n_control: int
    n_obs: int


def _finish(
    outcome: str,
    method: str,
    delta: float,
    m: float,
    psi_d: np.ndarray,
    psi_m: np.ndarray,
    groups: np.ndarray,
    k: int,
    level: float,
    n_t: int,
    n_c: int,
    n_obs: int,
    hc3: bool,
) -> Estimate:
    """One :class:`Estimate` from an effect ``delta``, the targets' observed mean ``m`` and their influences."""
    z = stats.norm.ppf(0.5 + level / 2)
    V = _cluster_cov(np.column_stack([psi_d, psi_m]), groups, k, small_sample=not hc3)
    se = float(np.sqrt(V[0, 0]))
    cf = m - delta
    rel = delta / cf if cf != 0 else np.nan
    grad = np.array([m / cf**2, -delta / cf**2]) if cf != 0 else np.array([np.nan, np.nan])
    rel_se = float(np.sqrt(max(grad @ V @ grad, 0.0)))
    if m > 0 and cf > 0:
        # ratio m / cf is right-skewed in small samples: interval on the log scale (delta method), then back
        g = np.array([1.0 / cf, 1.0 / m - 1.0 / cf])
        se_log = float(np.sqrt(max(g @ V @ g, 0.0)))
        lr = np.log(m / cf)
        rel_lo, rel_hi = float(np.expm1(lr - z * se_log)), float(np.expm1(lr + z * se_log))
    else:
        rel_lo, rel_hi = rel - z * rel_se, rel + z * rel_se
    pval = float(2 * stats.norm.sf(abs(delta / se))) if se > 0 else np.nan
    return Estimate(
        outcome,
        method,
        float(delta),
        se,
        delta - z * se,
        delta + z * se,
        pval,
        float(rel),
        rel_se,
        rel_lo,
        rel_hi,
        float(m),
        float(cf),
        n_t,
        n_c,
        n_obs,
    )
