"""Deal-level imputation DiD for win rate and deal size.

A deal belongs to the cell (account × period) it was created in. Most accounts create one deal or none per
period, far too few for account effects, so Y(0) of a deal is imputed from *cohort* effects (the account's first
treated period; never-treated controls and targets not yet started are groups of their own) plus period effects
fitted on untreated deals only: parallel trends hold for the cohorts' mean deal outcomes. ATT = mean over
treated deals of Y − Ŷ(0) — the difference between the win rate (deal size) of deals created while treated and
the no-programme mean of the same cohort and period, as :func:`.estimands.true_att` defines it. Standard errors
clustered by account from the estimator's linear weights, as in :mod:`.imputation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class DealFit:
    estimate: np.ndarray  # per weight column
    se: np.ndarray
    mean_treated: np.ndarray
    n: np.ndarray


def deal_groups(d: pd.DataFrame) -> np.ndarray:
    """Cohort group of each deal's account: its first treated period, else 'target' or 'control'."""
    coh = d["cohort"].astype("Float64")
    return np.where(coh.notna(), "c" + coh.fillna(0).astype(int).astype(str), np.where(d["target"], "t", "ctl"))


def impute_deals(d: pd.DataFrame, W: np.ndarray) -> DealFit:
    """ATT of ``d['y']`` for each weight column of ``W`` (n_deals, m), zero outside ``d['estimand']``."""
    grp = deal_groups(d)
    _, g_codes = np.unique(grp, return_inverse=True)
    per_levels, p_codes = np.unique(d["period"].to_numpy(), return_inverse=True)
    n = len(d)
    Z = np.zeros((n, g_codes.max() + 1 + len(per_levels) - 1)) if n else np.zeros((0, 1))
    if n:
        Z[np.arange(n), g_codes] = 1.0
        cols = p_codes > 0
        Z[np.flatnonzero(cols), g_codes.max() + p_codes[cols]] = 1.0
    y = d["y"].to_numpy(float)
    fit = d["fit"].to_numpy(bool)
    est = d["estimand"].to_numpy(bool)
    Zf = Z[fit]
    G = np.linalg.pinv(Zf.T @ Zf, rcond=1e-10)
    beta = G @ (Zf.T @ y[fit])
    y0 = Z @ beta
    tau = np.where(est, y - y0, 0.0)
    estimate = W.T @ tau
    mean_t = W.T @ np.where(est, y, 0.0)
    # untreated deals' weights and residuals; treated deals' residuals around their cohort × period mean
    V = np.zeros_like(W)
    V[fit] = -(Zf @ (G @ (Z[est].T @ W[est])))
    resid = np.where(fit, y - y0, 0.0)
    cp = pd.Series(tau[est]).groupby([grp[est], p_codes[est]])
    dev = np.zeros(n)
    if est.any():
        cnt = cp.transform("size").to_numpy(float)
        dev[est] = (tau[est] - cp.transform("mean").to_numpy()) * np.sqrt(
            np.where(cnt > 1, cnt / np.maximum(cnt - 1, 1), 1.0)
        )
    contrib = W * dev[:, None] + V * resid[:, None]
    acc_codes, acc = np.unique(d["account_id"].to_numpy(), return_inverse=True)
    score = np.zeros((len(acc_codes), W.shape[1]))
    np.add.at(score, acc, contrib)
    used = np.abs(score).sum(1) > 0
    n_cl = int(used.sum())
    var = (score**2).sum(0) * n_cl / max(n_cl - 1, 1)
    return DealFit(estimate, np.sqrt(var), mean_t, (W > 0).sum(0))


def deal_weights(d: pd.DataFrame, tiers: list[str] | None) -> tuple[np.ndarray, list[str]]:
    """Uniform weights over treated deals (column 'all') and over each tier's treated deals."""
    est = d["estimand"].to_numpy(bool)
    cols, names = [est.astype(float)], ["all"]
    for t in tiers or []:
        m = est & (d["tier"].astype("string") == t).fillna(False).to_numpy(bool)
        if m.any():
            cols.append(m.astype(float))
            names.append(t)
    W = np.column_stack(cols)
    return W / np.maximum(W.sum(0), 1)[None, :], names
