"""Lift estimators and the one call that runs them all (:func:`estimate_lift`).

Target accounts were chosen by fit, so "targets vs everyone else" is biased (shown, and labelled so, as
``naive``). Two estimators of the effect on the targets (ATT):

* ``ra_ipw`` – regression adjustment with propensity-score (ATT odds) weights: weighted least squares of the
  post-period outcome on the target flag and pre-program covariates, controls weighted by e/(1−e) from a
  logistic propensity model (doubly robust for the ATT). Deal-level outcomes adjust for the logit propensity
  only (few deals per arm). HC3 standard errors (see :mod:`.inference`).
* ``did`` – difference-in-differences (:mod:`.did`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...config.roi import LiftParams
from ...errors import ABMDataError
from ...utils import single_threaded
from .data import LiftData
from .did import _did_deals, _did_panel
from .inference import Estimate, _finish, _wls
from .results import METHODS, LiftResult

#: Solver iterations of the logistic propensity model.
PROPENSITY_MAX_ITER = 2000
#: Deal outcomes need at least this many closed deals per arm to be estimated.
MIN_DEALS_PER_ARM = 3


def propensity(data: LiftData, clip: float | None = None, C: float | None = None) -> np.ndarray:
    """P(target | pre-program covariates), logistic regression (L2, C), clipped to [clip, 1 − clip].

    Defaults: ``roi.lift.propensity_clip`` and ``roi.lift.propensity_c``."""
    defaults = LiftParams()
    clip = defaults.propensity_clip if clip is None else clip
    C = defaults.propensity_c if C is None else C
    from sklearn.linear_model import LogisticRegression

    X = data.accounts[data.covariates].to_numpy(float)
    t = data.accounts["treated"].to_numpy(int)
    if t.min() == t.max():
        raise ABMDataError(
            "accounts: lift needs both target and non-target accounts",
            file="programs",
            column="account_id",
            reason="no contrast",
        )
    m = LogisticRegression(C=C, max_iter=PROPENSITY_MAX_ITER).fit(X, t)
    return np.clip(m.predict_proba(X)[:, 1], clip, 1 - clip)


def _naive(outcome: str, y: np.ndarray, t: np.ndarray, groups: np.ndarray, level: float) -> Estimate:
    """Targets vs all others, no adjustment: biased when targets were chosen by fit (shown, labelled so)."""
    X = np.column_stack([np.ones_like(y), t.astype(float)])
    res, infl = _wls(y, X, np.ones_like(y), groups, hc3=True)
    m = float(y[t].mean())
    psi_m = np.where(t, (y - m) / t.sum(), 0.0)
    return _finish(
        outcome,
        "naive",
        float(res.params[1]),
        m,
        infl[:, 1],
        psi_m,
        groups,
        2,
        level,
        int(t.sum()),
        int((~t).sum()),
        len(y),
        True,
    )


def _ra_ipw(
    outcome: str, y: np.ndarray, t: np.ndarray, Xc: np.ndarray, w: np.ndarray, groups: np.ndarray, level: float
) -> Estimate:
    """Regression adjustment on ``Xc`` with ATT propensity weights ``w`` (HC3 errors)."""
    X = np.column_stack([np.ones_like(y), t.astype(float), Xc])
    res, infl = _wls(y, X, w, groups, hc3=True)
    m = float(y[t].mean())
    psi_m = np.where(t, (y - m) / t.sum(), 0.0)
    return _finish(
        outcome,
        "ra_ipw",
        float(res.params[1]),
        m,
        infl[:, 1],
        psi_m,
        groups,
        X.shape[1],
        level,
        int(t.sum()),
        int((~t).sum()),
        len(y),
        True,
    )


@single_threaded
def estimate_lift(
    data: LiftData,
    params: LiftParams | None = None,
    methods: tuple[str, ...] = ("naive", "ra_ipw", "did"),
    outcomes: tuple[str, ...] = ("opp_rate", "pipeline", "won_revenue", "win_rate", "deal_size"),
) -> LiftResult:
    """Estimate the program's effects on the targets (see module docstring).

    Single-threaded: small dense problems, where BLAS threads only add contention on a shared machine."""
    p = params or LiftParams()
    level = p.ci_level
    acc = data.accounts
    t = acc["treated"].to_numpy(bool)
    gid = acc["account_id"].to_numpy()
    Xc = acc[data.covariates].to_numpy(float)
    e = propensity(data, p.propensity_clip, p.propensity_c) if "ra_ipw" in methods else None
    w_acc = np.where(t, 1.0, e / (1 - e)) if e is not None else None
    if w_acc is not None:
        w_acc[~t] *= t.sum() / w_acc[~t].sum()
    rows = []
    for oc in outcomes:
        if oc in ("opp_rate", "pipeline", "won_revenue"):
            y = acc[oc].to_numpy(float)
            if "naive" in methods:
                rows.append(_naive(oc, y, t, gid, level))
            if w_acc is not None:  # ra_ipw asked for
                rows.append(_ra_ipw(oc, y, t, Xc, w_acc, gid, level))
            if "did" in methods:
                rows.append(_did_panel(oc, data.panel, level))
        else:
            d = data.deals
            d = d.loc[d["closed"]] if oc == "win_rate" else d.loc[d["closed"] & (d["won"] > 0)]
            few = MIN_DEALS_PER_ARM
            if d["treated"].sum() < few or (~d["treated"]).sum() < few or not d["post"].any():
                continue
            y = (d["won"] if oc == "win_rate" else d["amount"]).to_numpy(float)
            dt, dpost, dg = d["treated"].to_numpy(bool), d["post"].to_numpy(bool), d["account_id"].to_numpy()
            sel = dpost
            if "naive" in methods and (dt & sel).any():
                rows.append(_naive(oc, y[sel], dt[sel], dg[sel], level))
            if e is not None and w_acc is not None and (dt & sel).sum() >= few:  # ra_ipw asked for
                # few deals per arm: adjust for the balancing score (logit propensity) only, not every covariate
                wd = d["account_id"].map(dict(zip(gid, w_acc, strict=False))).to_numpy(float)
                lp = d["account_id"].map(dict(zip(gid, np.log(e / (1 - e)), strict=False))).to_numpy(float)
                rows.append(_ra_ipw(oc, y[sel], dt[sel], lp[sel, None], wd[sel], dg[sel], level))
            if "did" in methods and (dt & ~dpost).any():
                rows.append(_did_deals(oc, y, dt, dpost, dg, level))
    table = pd.DataFrame([r.__dict__ for r in rows]).set_index(["outcome", "method"])
    table["label"] = [METHODS[m] for _, m in table.index]
    table["biased"] = [m == "naive" for _, m in table.index]
    return LiftResult(table, {}, level, data)
