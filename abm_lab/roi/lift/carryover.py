"""Won revenue with pipeline carry-over: the headline estimator for ``won_revenue`` and the projected ROI.

Won revenue is counted by close date, so a treated period's revenue partly comes from deals created *before*
the account's start. Target lists are chosen on recent intent: targets create unusually much pipeline just
before their start, and that pipeline closes after it. Account and period effects alone would read that revenue
as programme effect. The imputation model of Y(0) therefore adds the pipeline created in the same and the
previous periods (``roi.lift.revenue_lags``): Y(0)_it = α_i + λ_t + Σ_k β_k P⁰_i,t−k, with P⁰ the observed
pipeline in untreated cells and its own imputation (account + period effects) elsewhere — pipeline that exists
only because of the programme never explains revenue away. β is fitted on untreated cells (Frisch–Waugh on the
two-way effects), then α and λ as in :mod:`.imputation`.

Projected ROI adds the expected value of the incremental pipeline still open at ``as_of``: for treated period t,
s_t × (P − P⁰) over its treated cells, s_t = the treated cells' open value / pipeline of that period
(:func:`.estimands.win_prob_by_age` values each open deal; deals of one period share their age).

Given β, both are linear in the won-revenue and pipeline cells, so standard errors are account-clustered sums of
their influence (as BJS): untreated cells through their imputation weights, treated cells through their
residuals around the cohort × period (× tier) mean (which already carry the noise of their own pipeline), imputed
pipeline through its own imputation weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .imputation import _period_system, demeaned, twfe, untreated_weights


@dataclass
class CarryoverFit:
    """Per-cell won-revenue effects (one per estimand column), the open-value total, and their clustered SEs."""

    won: np.ndarray  # (m,)
    won_se: np.ndarray  # (m,)
    open_total: float
    open_se: float
    both_se: float  # SE of (won effect total of column 0 + open total)
    beta: np.ndarray


def carryover(
    Y: np.ndarray,
    P: np.ndarray,
    F: np.ndarray,
    T: np.ndarray,
    W: np.ndarray,
    s_t: np.ndarray,
    n_lags: int,
    groups: np.ndarray,
) -> CarryoverFit:
    """Carry-over imputation of won revenue ``Y`` with pipeline ``P`` (n_a, n_p); W (n_a, n_p, m) sum to 1."""
    n_a, n_p = Y.shape
    sys_f = _period_system(F)
    P0 = np.where(F, P, np.nan_to_num(twfe(P[..., None], F, sys_f)[..., 0]))
    L = np.zeros((n_a, n_p, n_lags))
    for k in range(n_lags):
        L[:, k:, k] = P0[:, : n_p - k]
    Fl = F.copy()
    Fl[:, : n_lags - 1] = False  # fit cells need all their lags inside the grid
    sys_l = _period_system(Fl)
    Xr = np.where(Fl[..., None], L - twfe(L, Fl, sys_l), 0.0)
    Yr = np.where(Fl, Y - twfe(Y[..., None], Fl, sys_l)[..., 0], 0.0)
    beta = np.linalg.lstsq(Xr.reshape(-1, n_lags), Yr.ravel(), rcond=None)[0]
    Yt = Y - (L * beta).sum(-1)  # Ỹ = Y − Σ β_k P⁰_{t−k}
    fit_t = twfe(Yt[..., None], Fl, sys_l)
    tau = np.where(T[..., None], Yt[..., None] - np.nan_to_num(fit_t), 0.0)
    won = np.einsum("apm,ap->m", W, tau[..., 0])
    # influence of Ỹ: treated residuals and untreated imputation weights (β fixed)
    e_y = np.where(Fl, Yt - np.nan_to_num(fit_t[..., 0]), 0.0)
    eps_y = demeaned(tau, T, groups)[..., 0]
    V = untreated_weights(W, Fl, sys_l)
    score = np.einsum("apm,ap->am", W, eps_y) + np.einsum("apm,ap->am", V, e_y)
    # imputed pipeline enters Ŷ⁰ through the lags: weight W'_{i,s} = Σ_k β_k W_{i,s+k} on cells not in F
    Wl = np.zeros_like(W)
    for k in range(n_lags):
        Wl[:, : n_p - k, :] += beta[k] * W[:, k:, :]
    Wl *= (~F)[..., None]
    e_p = np.where(F, P - P0, 0.0)
    tau_p = np.where(~F, P - P0, 0.0)[..., None]
    eps_p = demeaned(tau_p, ~F, groups)[..., 0]
    Vl = untreated_weights(Wl, F, sys_f)
    # (treated cells' own pipeline noise is already in their won-revenue residuals: only the imputation's)
    score += np.einsum("apm,ap->am", Vl, e_p)
    # open value: Σ_T s_t (P − P⁰)
    S = (T * s_t[None, :])[..., None]
    open_total = float((S[..., 0] * np.where(T, P - P0, 0.0)).sum())
    Vs = untreated_weights(S, F, sys_f)
    s_open = (S[..., 0] * eps_p).sum(1) + (Vs[..., 0] * e_p).sum(1)
    used = (np.abs(W).sum((1, 2)) + np.abs(V).sum((1, 2)) + np.abs(Vl).sum((1, 2))) > 0
    G = int(used.sum())
    c = G / max(G - 1, 1)
    n_t = T.sum()
    both = score[:, 0] * n_t + s_open
    return CarryoverFit(
        won,
        np.sqrt((score**2).sum(0) * c),
        open_total,
        float(np.sqrt((s_open**2).sum() * c)),
        float(np.sqrt((both**2).sum() * c)),
        beta,
    )
