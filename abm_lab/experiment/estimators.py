"""The experiment's estimators on one row per randomised account: difference in means, regression adjustment
(CUPED / Lin 2013) and a Poisson pseudo-likelihood model for counts and revenue.

Rows are accounts; ``y`` is the account's mean outcome per period over its experiment periods, ``w`` the number of
those periods (so the estimand is the effect per account-period over the treatment arm's periods), ``treat`` 1 for
the treatment arm, ``X`` pre-period covariates (the account's own history: CUPED when it is the same outcome) and
``fe`` a design stratum code (start cohort) whose indicators enter the regression. Standard errors are
heteroskedasticity-robust (HC3 for least squares, the sandwich for Poisson): with randomised arms they are the
Neyman variance, valid whatever the outcome distribution. Intervals use a t reference with the smaller arm's
degrees of freedom (:func:`small_sample_df`): with a 10% holdout the control arm is small and revenue skewed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

#: Method keys of the experiment's effect rows → readable names (the headline first).
METHODS = {
    "experiment": "Randomised holdout: regression-adjusted difference in means (CUPED / Lin; HC3 SE)",
    "experiment_dm": "Randomised holdout: difference in means (Neyman SE)",
    "experiment_poisson": "Randomised holdout: Poisson rate ratio (robust SE)",
}
HEADLINE = "experiment"


@dataclass(frozen=True)
class Estimate:
    """Effect ``tau`` with its standard error; for Poisson, ``tau`` is the log rate ratio."""

    tau: float
    se: float
    n_treatment: int
    n_control: int
    df: float = float("inf")  # degrees of freedom of the t reference distribution (inf = normal)

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        q = float(stats.t.ppf(0.5 + level / 2, self.df))
        return self.tau - q * self.se, self.tau + q * self.se

    def p_value(self) -> float:
        return float(2 * stats.t.sf(abs(self.tau / self.se), self.df)) if self.se > 0 else float("nan")


def small_sample_df(n_treatment: int, n_control: int, n_params_per_arm: int) -> float:
    """Degrees of freedom of the t reference: the smaller arm's accounts minus the parameters each arm fits
    (intercept, strata, covariates). The robust variance is dominated by the smaller arm (a 10% holdout has few
    controls), whose residual variance is estimated from that many accounts: the conservative end of Welch's
    range, which keeps skewed revenue outcomes near nominal coverage with 30-odd controls."""
    return float(max(min(n_treatment, n_control) - n_params_per_arm, 1))


def _dummies(fe: np.ndarray | None, n: int) -> np.ndarray:
    if fe is None:
        return np.zeros((n, 0))
    codes = np.unique(np.asarray(fe), return_inverse=True)[1]
    d = np.eye(codes.max() + 1)[codes][:, 1:]  # first level is the reference
    return d[:, d.std(axis=0) > 0]


def _design(treat: np.ndarray, X: np.ndarray | None, fe: np.ndarray | None, w: np.ndarray) -> np.ndarray:
    """[1, treat, fe dummies, X − x̄, treat × (X − x̄)] with X centred at its weighted mean (Lin 2013), so the
    coefficient on treat is the effect at the sample's covariate mean."""
    n = len(treat)
    cols = [np.ones(n), treat, _dummies(fe, n)]
    if X is not None and X.size:
        Xc = X - np.average(X, axis=0, weights=w)
        keep = Xc.std(axis=0) > 0
        Xc = Xc[:, keep]
        cols += [Xc, treat[:, None] * Xc]
    return np.column_stack(cols)


def _check(y: np.ndarray, treat: np.ndarray) -> tuple[int, int]:
    n1, n0 = int((treat == 1).sum()), int((treat == 0).sum())
    if n1 < 2 or n0 < 2:
        raise ValueError(f"an experiment needs at least two accounts per arm (treatment {n1}, control {n0})")
    if not np.isfinite(y).all():
        raise ValueError("outcomes must be finite")
    return n1, n0


def lin_estimate(
    y: np.ndarray,
    treat: np.ndarray,
    X: np.ndarray | None = None,
    w: np.ndarray | None = None,
    fe: np.ndarray | None = None,
) -> Estimate:
    """Weighted least squares of ``y`` on treat, strata and centred covariates with treat interactions; HC3 SE.

    Without ``X`` and ``fe`` it is the (weighted) difference in means with the Neyman standard error."""
    y = np.asarray(y, float)
    t = np.asarray(treat, float)
    n1, n0 = _check(y, t)
    w = np.ones(len(y)) if w is None else np.asarray(w, float)
    Z = _design(t, None if X is None else np.asarray(X, float).reshape(len(y), -1), fe, w)
    k_fe = _dummies(fe, len(y)).shape[1]
    k_arm = 1 + k_fe + (Z.shape[1] - 2 - k_fe) // 2  # per arm: intercept, strata, covariates
    sw = np.sqrt(w)
    Zw, yw = Z * sw[:, None], y * sw
    beta, *_ = np.linalg.lstsq(Zw, yw, rcond=None)
    resid = yw - Zw @ beta
    bread = np.linalg.pinv(Zw.T @ Zw)
    lev = np.einsum("ij,jk,ik->i", Zw, bread, Zw)
    u2 = resid**2 / np.clip(1 - lev, 1e-8, None) ** 2  # HC3: conservative with a small control arm
    meat = (Zw * u2[:, None]).T @ Zw
    V = bread @ meat @ bread
    se = float(np.sqrt(max(V[1, 1], 0.0)))
    return Estimate(float(beta[1]), se, n1, n0, small_sample_df(n1, n0, k_arm))


def poisson_estimate(
    total: np.ndarray,
    exposure: np.ndarray,
    treat: np.ndarray,
    X: np.ndarray | None = None,
    fe: np.ndarray | None = None,
    max_iter: int = 100,
) -> Estimate:
    """Poisson pseudo-likelihood: log E[total] = log exposure + α + τ·treat + strata + γ·X (no interactions);
    ``tau`` is the log rate ratio with the sandwich (robust) standard error. Valid for any non-negative outcome
    (counts or revenue): only the mean model is assumed."""
    y = np.asarray(total, float)
    t = np.asarray(treat, float)
    n1, n0 = _check(y, t)
    if (y < 0).any():
        raise ValueError("Poisson model needs non-negative outcomes")
    off = np.log(np.asarray(exposure, float))
    n = len(y)
    cols = [np.ones(n), t, _dummies(fe, n)]
    if X is not None and np.asarray(X).size:
        Xa = np.asarray(X, float).reshape(n, -1)
        Xa = Xa - Xa.mean(axis=0)
        cols.append(Xa[:, Xa.std(axis=0) > 0])
    Z = np.column_stack(cols)
    if y.sum() == 0:
        return Estimate(0.0, float("inf"), n1, n0, small_sample_df(n1, n0, Z.shape[1] - 1))
    beta = np.zeros(Z.shape[1])
    beta[0] = np.log(y.sum() / np.exp(off).sum())
    for _ in range(max_iter):
        mu = np.exp(np.clip(off + Z @ beta, -50, 50))
        H = (Z * mu[:, None]).T @ Z
        step = np.linalg.lstsq(H, Z.T @ (y - mu), rcond=None)[0]
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    mu = np.exp(np.clip(off + Z @ beta, -50, 50))
    bread = np.linalg.pinv((Z * mu[:, None]).T @ Z)
    meat = (Z * ((y - mu) ** 2)[:, None]).T @ Z
    V = bread @ meat @ bread * n / max(n - Z.shape[1], 1)
    se = float(np.sqrt(max(V[1, 1], 0.0)))
    return Estimate(float(beta[1]), se, n1, n0, small_sample_df(n1, n0, Z.shape[1] - 1))
