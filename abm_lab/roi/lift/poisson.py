"""Multiplicative imputation: Poisson pseudo-likelihood with account and period effects (counts and revenue).

Where accounts differ a lot in level (a strategic account books ten times the pipeline of a small one), a
common *additive* trend is implausible; a common *proportional* trend is the natural assumption. Y(0) is then
E[Y(0)] = exp(α_i + λ_t), fitted by Poisson pseudo-maximum likelihood on the untreated cells only (the same
model as pyfixest's ``fepois(y ~ 1 | account + period)``, consistent for any non-negative outcome, counts or
USD), imputed for treated cells; ATT = mean of Y − Ŷ(0), relative effect = ΣY / ΣŶ(0) − 1. Ŷ(0) of an account
is its untreated total scaled by the period effects, so accounts with no untreated activity impute 0 without
bias. Solved by alternating exact updates of α and λ (iterative proportional fitting), vectorised over
bootstrap replicates; intervals from an account-clustered Bayesian bootstrap (exponential weights per
account), ``roi.lift.n_boot`` replicates. ``tests/roi/lift/test_poisson.py`` checks the fit against pyfixest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Convergence of the proportional fitting (max change in log period effects) and its iteration cap.
TOL, MAX_ITER = 1e-8, 500


def fit_poisson_fe(Y: np.ndarray, F: np.ndarray, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Poisson FE fit on cells ``F``: α (B, n_a) with −inf for all-zero accounts, λ (B, n_p).

    ``Y`` (n_a, n_p); ``w`` (B, n_a) account weights (None = one replicate of ones)."""
    n_a, n_p = Y.shape
    w = np.ones((1, n_a)) if w is None else w
    Ff = F.astype(float)
    Yf = np.where(F, Y, 0.0)
    S = Yf.sum(1)  # account totals (own weight cancels in α)
    P = w @ Yf  # (B, n_p) weighted period totals
    lam = np.log(np.maximum(P, 1e-300) / np.maximum(w @ Ff, 1e-300))
    lam -= lam[:, :1]
    pos = S > 0
    logS = np.where(pos, np.log(np.where(pos, S, 1.0)), 0.0)
    for _ in range(MAX_ITER):
        denom = np.exp(lam) @ Ff.T  # (B, n_a): Σ_t F e^λ
        alpha = np.where(pos[None, :], logS[None, :] - np.log(np.maximum(denom, 1e-300)), -np.inf)
        ea = np.where(pos[None, :], np.exp(alpha), 0.0)
        new = np.log(np.maximum(P, 1e-300)) - np.log(np.maximum((w * ea) @ Ff, 1e-300))
        new -= new[:, :1]
        done = np.nanmax(np.abs(new - lam)) < TOL
        lam = new
        if done:
            break
    denom = np.exp(lam) @ Ff.T
    alpha = np.where(pos[None, :], logS[None, :] - np.log(np.maximum(denom, 1e-300)), -np.inf)
    return alpha, lam


@dataclass
class PoissonFit:
    """ATT (absolute) and relative effect, with bootstrap standard errors and percentile intervals."""

    estimate: float
    relative: float
    se: float
    ci_low: float
    ci_high: float
    rel_low: float
    rel_high: float
    mean_treated: float


def poisson_att(
    Y: np.ndarray, F: np.ndarray, T: np.ndarray, n_boot: int, rng: np.random.Generator, level: float
) -> PoissonFit:
    """Poisson imputation ATT over treated cells ``T`` with an account-clustered Bayesian bootstrap."""
    n_a = Y.shape[0]
    w = np.vstack([np.ones(n_a), rng.exponential(1.0, (n_boot, n_a))])
    alpha, lam = fit_poisson_fe(Y, F, w)
    ea = np.where(np.isfinite(alpha), np.exp(np.minimum(alpha, 700)), 0.0)  # (B, n_a)
    Tf = T.astype(float)
    y1 = w @ np.where(T, Y, 0.0).sum(1)
    y0 = (w * ea * (np.exp(lam) @ Tf.T)).sum(1)
    n = w @ Tf.sum(1)
    att = (y1 - y0) / np.maximum(n, 1e-300)
    rel = y1 / np.where(y0 > 0, y0, np.nan) - 1
    a = (1 - level) / 2
    lo, hi = np.nanquantile(att[1:], [a, 1 - a])
    rlo, rhi = np.nanquantile(rel[1:], [a, 1 - a])
    return PoissonFit(
        float(att[0]),
        float(rel[0]),
        float(np.nanstd(att[1:], ddof=1)),
        float(lo),
        float(hi),
        float(rlo),
        float(rhi),
        float(y1[0] / max(n[0], 1e-300)),
    )
