"""Covariate-adjusted weighting (``ra_ipw``): the secondary estimator, with its balance and overlap diagnostics.

Conditional parallel trends: targets are compared, period by period, with never-treated controls that look like
them *before the programme* — smooth functions of firmographics (restricted cubic splines of log employees and log
revenue, industry, region, technographics; no hand-set bands that could mirror a data-generating rule). Pre-
programme activity (opportunities, pipeline, won revenue, touches; the last pre-programme period separately) is
shown in the balance table and enters the model only with ``roi.lift.weighting_pre_outcomes``: matching a DiD on
pre-period outcomes invites regression to the mean when targets were chosen on a recent rise.
Propensity e(X) = P(target | X) by ridge logistic regression (``roi.lift.propensity_c``);
controls are weighted by the ATT odds e/(1 − e) (clipped, ``propensity_clip``), and each period's change from the
account's own pre-programme mean is regression-adjusted on X by weighted least squares on the controls (doubly
robust DiD: conditional parallel trends, Sant'Anna & Zhao 2020). Deal outcomes use the same odds on control
deals of the same period (Hájek weighting).

Standard errors account for the estimated weights and for clustering: an account-clustered Bayesian bootstrap
(exponential weights per account, ``roi.lift.n_boot`` replicates) re-estimates the propensity model (two Newton
steps from the full-sample fit), the weights and the regression adjustment in every replicate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Knot quantiles of the restricted cubic splines of log employees / log revenue.
SPLINE_KNOTS = (0.1, 0.5, 0.9)
#: Newton steps of the full-sample propensity fit and of each bootstrap replicate.
NEWTON_FULL, NEWTON_BOOT = 25, 2


def rcs_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Restricted (natural) cubic spline basis beyond the linear term (len(knots) − 2 columns)."""
    k = np.asarray(knots, float)
    if len(k) < 3 or k[-1] <= k[0]:
        return np.zeros((len(x), 0))
    scale = (k[-1] - k[0]) ** 2

    def tp(u: np.ndarray) -> np.ndarray:
        return np.maximum(u, 0.0) ** 3

    cols = []
    for j in range(len(k) - 2):
        c = (
            tp(x - k[j])
            - tp(x - k[-2]) * (k[-1] - k[j]) / (k[-1] - k[-2])
            + tp(x - k[-1]) * (k[-2] - k[j]) / (k[-1] - k[-2])
        )
        cols.append(c / scale)
    return np.column_stack(cols)


def firmographics(acc: pd.DataFrame) -> pd.DataFrame:
    """Smooth firmographic / technographic design of the accounts (rows in ``acc`` order, not standardised)."""
    X = pd.DataFrame(index=acc.index)
    for col, name in (("employees", "log employees"), ("annual_revenue", "log revenue")):
        v = pd.to_numeric(acc.get(col, pd.Series(np.nan, index=acc.index)), errors="coerce").astype(float)
        if v.notna().sum() < 3:
            continue
        lv = np.log1p(v.clip(lower=0).fillna(v.median()))
        X[name] = lv
        knots = np.unique(np.quantile(lv, SPLINE_KNOTS))
        for j, c in enumerate(rcs_basis(lv.to_numpy(), knots).T):
            X[f"{name} spline {j + 1}"] = c
        if v.isna().any():
            X[f"{col} missing"] = v.isna().astype(float)
    return add_category_indicators(X, acc)


def add_category_indicators(X: pd.DataFrame, acc: pd.DataFrame) -> pd.DataFrame:
    """``X`` with the pre-programme categorical covariates of ``acc`` added: one indicator per industry and
    region level beyond the first (blank = "unknown"), and each ``tech_*`` flag as 0 / 1."""
    for col in ("industry", "region"):
        if col in acc.columns:
            s = acc[col].astype("string").fillna("unknown")
            for lv in sorted(s.unique())[1:]:
                X[f"{col}={lv}"] = (s == lv).astype(float)
    for c in acc.columns:
        if str(c).startswith("tech_"):
            X[c] = acc[c].fillna(False).astype(bool).astype(float)
    return X


def _newton(X: np.ndarray, d: np.ndarray, w: np.ndarray, beta: np.ndarray, C: float, steps: int) -> np.ndarray:
    """Ridge-logistic Newton steps (first column = intercept, not penalised); w = observation weights."""
    pen = np.full(X.shape[1], 1.0 / C)
    pen[0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(X @ beta, -30, 30)))
        g = X.T @ (w * (d - p)) - pen * beta
        H = (X * (w * p * (1 - p))[:, None]).T @ X + np.diag(pen)
        step = np.linalg.solve(H + 1e-9 * np.eye(len(beta)), g)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


@dataclass
class Weighting:
    """Propensity model and weights on the eligible accounts (targets vs never-treated controls)."""

    X: np.ndarray  # standardised covariates with an intercept column first
    names: list[str]
    target: np.ndarray  # bool per account (in programs)
    control: np.ndarray  # bool per account (never-treated eligible control)
    beta: np.ndarray
    clip: float
    C: float

    def propensity(self, beta: np.ndarray | None = None) -> np.ndarray:
        b = self.beta if beta is None else beta
        e = 1 / (1 + np.exp(-np.clip(self.X @ b, -30, 30)))
        return np.clip(e, self.clip, 1 - self.clip)

    def odds(self, beta: np.ndarray | None = None) -> np.ndarray:
        """ATT weights: 1 for targets, e/(1 − e) for controls, 0 otherwise."""
        e = self.propensity(beta)
        return np.where(self.target, 1.0, np.where(self.control, e / (1 - e), 0.0))

    def boot_betas(self, w: np.ndarray) -> np.ndarray:
        """Propensity coefficients of each bootstrap replicate (rows of account weights ``w``)."""
        m = self.target | self.control
        Xm, d = self.X[m], self.target[m].astype(float)
        return np.array([_newton(Xm, d, wb[m], self.beta, self.C, NEWTON_BOOT) for wb in w])


def fit_weighting(cov: pd.DataFrame, target: np.ndarray, control: np.ndarray, clip: float, C: float) -> Weighting:
    """Standardise the covariates (constant ones dropped) and fit the ridge-logistic propensity model."""
    m = target | control
    Z = cov.astype(float)
    sd = Z.loc[m].std(ddof=0)
    Z = Z.loc[:, sd > 1e-12]
    Z = (Z - Z.loc[m].mean()) / Z.loc[m].std(ddof=0)
    X = np.column_stack([np.ones(len(Z)), Z.to_numpy(float)])
    beta0 = np.zeros(X.shape[1])
    pt = float(target[m].mean())
    beta0[0] = np.log(pt / (1 - pt)) if 0 < pt < 1 else 0.0
    beta = _newton(X[m], target[m].astype(float), np.ones(int(m.sum())), beta0, C, NEWTON_FULL)
    return Weighting(X, list(Z.columns), target, control, beta, clip, C)


def ra_ipw_panel(
    wt: Weighting, Y: np.ndarray, T: np.ndarray, acc_w: np.ndarray, betas: np.ndarray, pre: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Doubly robust ATT over treated cells for replicate account weights ``acc_w`` (B, n_a) and propensity
    coefficients ``betas`` (B, q); Y (n_a, n_p, k). With ``pre`` (bool per period: before the first start) the
    outcome is each account's change from its pre-programme mean (doubly robust DiD, Sant'Anna & Zhao 2020).
    Returns (att (B, k), mean treated Y (B, k))."""
    C = wt.control
    Xc = wt.X[C]
    n_a, n_p, k = Y.shape
    Y_obs = Y
    if pre is not None and pre.any():
        Y = Y - Y[:, pre, :].mean(1, keepdims=True)
    Yc = Y[C].reshape(int(C.sum()), n_p * k)
    Tf = T.astype(float)
    out = np.zeros((len(acc_w), k))
    m1 = np.zeros((len(acc_w), k))
    for b in range(len(acc_w)):
        om = wt.odds(betas[b])[C] * acc_w[b, C]
        XtW = Xc.T * om
        coef = np.linalg.lstsq(XtW @ Xc, XtW @ Yc, rcond=None)[0].reshape(-1, n_p, k)
        pred = np.einsum("aq,qpk->apk", wt.X, coef)
        wtt = acc_w[b][:, None] * Tf
        n = wtt.sum()
        out[b] = np.einsum("ap,apk->k", wtt, Y - pred) / n
        m1[b] = np.einsum("ap,apk->k", wtt, Y_obs) / n
    return out, m1


def ipw_deals(
    y: np.ndarray, period: np.ndarray, treated: np.ndarray, control: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Hájek ATT on deals: Σ_t (n1_t / N1) [mean treated y − weighted mean control y] per replicate.

    ``w`` (B, n_deals): account bootstrap weight × (1 for treated deals, control odds for control deals)."""
    per_codes, per = np.unique(period, return_inverse=True)
    n_t = len(per_codes)
    out = np.zeros(len(w))
    m1 = np.zeros(len(w))
    for b in range(len(w)):
        wb = w[b]
        s1 = np.bincount(per[treated], wb[treated] * y[treated], n_t)
        c1 = np.bincount(per[treated], wb[treated], n_t)
        s0 = np.bincount(per[control], wb[control] * y[control], n_t)
        c0 = np.bincount(per[control], wb[control], n_t)
        ok = (c1 > 0) & (c0 > 0)
        share = c1 * ok / max((c1 * ok).sum(), 1e-300)
        mu0 = np.where(ok, s0 / np.maximum(c0, 1e-300), 0.0)
        mu1 = np.where(ok, s1 / np.maximum(c1, 1e-300), 0.0)
        out[b] = float((share * (mu1 - mu0)).sum())
        m1[b] = float((share * mu1).sum())
    return out, m1


def balance(wt: Weighting, cov: pd.DataFrame) -> pd.DataFrame:
    """Standardised mean differences of every covariate, targets vs controls, before and after weighting."""
    t, c = wt.target, wt.control
    odds = wt.odds()[c]
    rows = []
    for name in cov.columns:
        x = cov[name].to_numpy(float)
        xt, xc = x[t], x[c]
        sd = np.sqrt((xt.var() + xc.var()) / 2)
        mw = float(np.average(xc, weights=odds)) if odds.sum() > 0 else float("nan")
        rows.append(
            {
                "covariate": name,
                "mean_targets": float(xt.mean()),
                "mean_controls": float(xc.mean()),
                "mean_controls_weighted": mw,
                "smd_before": float((xt.mean() - xc.mean()) / sd) if sd > 0 else 0.0,
                "smd_after": float((xt.mean() - mw) / sd) if sd > 0 else 0.0,
            }
        )
    return pd.DataFrame(rows)


def overlap(wt: Weighting) -> dict[str, float]:
    """Propensity ranges, share of targets at the clip, and the controls' effective sample size."""
    e_raw = 1 / (1 + np.exp(-np.clip(wt.X @ wt.beta, -30, 30)))
    t, c = wt.target, wt.control
    odds = wt.odds()[c]
    ess = float(odds.sum() ** 2 / max((odds**2).sum(), 1e-300))
    return {
        "propensity_targets_min": float(e_raw[t].min()),
        "propensity_targets_max": float(e_raw[t].max()),
        "propensity_controls_min": float(e_raw[c].min()),
        "propensity_controls_max": float(e_raw[c].max()),
        "targets_above_clip": float((e_raw[t] > 1 - wt.clip).mean()),
        "controls_below_target_min": float((e_raw[c] < e_raw[t].min()).mean()),
        "n_targets": int(t.sum()),
        "n_controls": int(c.sum()),
        "ess_controls": ess,
        "ess_share": ess / max(int(t.sum()), 1),  # of the number of targets (the overlap verdict's measure)
        "ess_share_controls": ess / max(int(c.sum()), 1),
    }
