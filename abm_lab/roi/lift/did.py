"""Difference-in-differences over the pre / post periods.

Account outcomes (opportunity rate, pipeline, won revenue) use the account × period panel with account and
period fixed effects (within transformation) and standard errors clustered by account (statsmodels OLS,
``cov_type='cluster'``). Deal outcomes (win rate, deal size) have too few deals per account for account
effects; they use target-group and period effects, with the CR3-type clustered errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inference import Estimate, _finish, _wls


def _did_panel(outcome: str, panel: pd.DataFrame, level: float) -> Estimate:
    """Account FE + period FE DiD on the panel; effect per account over the whole post period."""
    y = panel[outcome].to_numpy(float)
    acc_codes, _ = pd.factorize(panel["account_id"])
    per = panel["period"].to_numpy()
    levels = np.unique(per)
    D = (per[:, None] == levels[None, 1:]).astype(float)
    tp = (panel["treated"] & panel["post"]).to_numpy(float)
    Z = np.column_stack([tp, D])

    def demean(a: np.ndarray) -> np.ndarray:
        a = np.atleast_2d(a.T).T if a.ndim == 1 else a
        sums = np.zeros((acc_codes.max() + 1, a.shape[1]))
        np.add.at(sums, acc_codes, a)
        cnt = np.bincount(acc_codes).astype(float)
        return a - (sums / cnt[:, None])[acc_codes]

    yd = demean(y[:, None])[:, 0]
    Zd = demean(Z)
    res, infl = _wls(yd, Zd, np.ones_like(yd), acc_codes)
    scale = float(panel.attrs["post_days"] / panel.attrs["panel_days"])  # post period in panel_days units
    delta_q = float(res.params[0])
    tpost = (panel["treated"] & panel["post"]).to_numpy(bool)
    # targets' observed total per account over the post period (raw counts / USD)
    n_t = int(panel.loc[panel["treated"], "account_id"].nunique())
    per_acc = panel[f"{outcome}_count"].to_numpy(float) * tpost
    m = float(per_acc.sum() / n_t)
    # influence of m: per account total minus mean, / n_t (treated accounts; once per account)
    acc_tot = np.bincount(acc_codes, weights=per_acc)
    first_row = np.r_[True, acc_codes[1:] != acc_codes[:-1]]
    is_t = panel["treated"].to_numpy(bool)
    psi_m = np.where(first_row & is_t, (acc_tot[acc_codes] - m) / n_t, 0.0)
    delta = delta_q * scale
    k = Zd.shape[1]
    return _finish(
        outcome,
        "did",
        delta,
        m,
        infl[:, 0] * scale,
        psi_m,
        acc_codes,
        k,
        level,
        n_t,
        int(panel.loc[~panel["treated"], "account_id"].nunique()),
        len(y),
        False,
    )


def _did_deals(
    outcome: str, y: np.ndarray, t: np.ndarray, post: np.ndarray, groups: np.ndarray, level: float
) -> Estimate:
    """Deal-level DiD: target-group and period effects, their interaction is the effect (CR3-type errors)."""
    X = np.column_stack([np.ones_like(y), t.astype(float), post.astype(float), (t & post).astype(float)])
    res, infl = _wls(y, X, np.ones_like(y), groups, hc3=True)
    tp = t & post
    m = float(y[tp].mean())
    psi_m = np.where(tp, (y - m) / tp.sum(), 0.0)
    return _finish(
        outcome,
        "did",
        float(res.params[3]),
        m,
        infl[:, 3],
        psi_m,
        groups,
        4,
        level,
        int(tp.sum()),
        int((~t & post).sum()),
        len(y),
        True,
    )
