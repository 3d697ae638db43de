"""Incremental lift of the ABM program and its ROI, with honest 95% intervals.

Target accounts were chosen by fit, so "targets vs everyone else" is biased (shown, and
labelled so, as ``naive``). Two estimators of the effect on the targets (ATT):

* ``ra_ipw`` – regression adjustment with propensity-score (ATT odds) weights: weighted
  least squares of the post-period outcome on the target flag and pre-program
  covariates (firmographics, technographics, pre-period opportunities and touches),
  controls weighted by e/(1−e) from a logistic propensity model (doubly robust for the
  ATT). Deal-level outcomes adjust for the logit propensity only (few deals per arm).
  HC3 standard errors (CR3-type leverage correction, clustered by account, for deals):
  the simulation study showed HC1 understating the spread of this estimator by 15–30%.
* ``did`` – difference-in-differences over pre/post periods. Account outcomes (opportunity
  rate, pipeline, won revenue) use an account × period panel with account and period
  fixed effects (within transformation) and standard errors clustered by account
  (statsmodels OLS, ``cov_type='cluster'``). Deal outcomes (win rate, deal size) have too
  few deals per account for account effects; they use target-group and period effects,
  with the CR3-type clustered errors.

Outcomes and units: ``opp_rate`` (new opportunities per account in the post period),
``pipeline`` (USD created per account), ``won_revenue`` (USD won per account, deals
closed by ``as_of``), ``win_rate`` (share of closed deals won; effect in absolute points)
and ``deal_size`` (USD per won deal). Relative effects = effect / counterfactual mean of
the targets, with delta-method intervals on the log scale of the ratio (small-sample ratios
are right-skewed) that use the joint (clustered) influence of the effect and the targets' mean.

ROI = (incremental gross profit − program cost) / program cost, with incremental gross
profit = gross margin × number of targets × effect on won revenue per account; its
interval follows from the effect's interval (ROI is linear in it).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from .config.roi import LiftParams, RoiParams
from .errors import ABMDataError

OUTCOMES = {
    "opp_rate": ("Opportunity rate", "opportunities per account", "relative"),
    "pipeline": ("Pipeline per account", "USD per account", "relative"),
    "won_revenue": ("Won revenue per account", "USD per account", "relative"),
    "win_rate": ("Win rate", "share of closed deals", "absolute"),
    "deal_size": ("Deal size", "USD per won deal", "relative"),
}
METHODS = {
    "naive": "Naive (targets vs all others) — biased",
    "ra_ipw": "Regression adjustment + propensity weights",
    "did": "Difference-in-differences (account FE, clustered SE)",
}


# --------------------------------------------------------------------------- data preparation
@dataclass
class LiftData:
    """Analysis frames: one row per eligible account, per account × period, per deal."""

    accounts: pd.DataFrame  # account_id, treated, X columns, post outcomes, pre outcomes
    panel: pd.DataFrame  # account_id, period (int), post (bool), treated, opps, pipeline, won_revenue, days
    deals: pd.DataFrame  # opportunity_id, account_id, treated, post, won (closed only), amount
    covariates: list[str]
    program_start: pd.Timestamp
    as_of: pd.Timestamp
    pre_start: pd.Timestamp
    excluded: dict = field(default_factory=dict)

    @property
    def n_treated(self) -> int:
        return int(self.accounts["treated"].sum())


def _covariates(acc: pd.DataFrame) -> pd.DataFrame:
    """Pre-program firmographic / technographic design (standardised later)."""
    X = pd.DataFrame(index=acc.index)
    emp = pd.to_numeric(acc.get("employees"), errors="coerce").astype(float)
    if emp.notna().any():
        le = np.log1p(emp.fillna(emp.median()))
        X["log_employees"] = le
        X["log_employees_sq"] = (le - le.mean()) ** 2
        X["employees_missing"] = emp.isna().astype(float)
        for lo, hi in ((200, 5000),):
            X[f"employees_{lo}_{hi}"] = emp.between(lo, hi).astype(float)
    rev = pd.to_numeric(acc.get("annual_revenue"), errors="coerce").astype(float)
    if rev.notna().any():
        X["log_revenue"] = np.log1p(rev.fillna(rev.median()))
    for col in ("industry", "region"):
        if col in acc.columns:
            s = acc[col].astype("string").fillna("unknown")
            for lv in sorted(s.unique())[1:]:
                X[f"{col}={lv}"] = (s == lv).astype(float)
    for c in acc.columns:
        if str(c).startswith("tech_"):
            X[c] = acc[c].fillna(False).astype(bool).astype(float)
    return X


def prepare(
    tables: dict[str, pd.DataFrame],
    touchpoints: pd.DataFrame | None = None,
    *,
    as_of,
    program_start=None,
    params: LiftParams | None = None,
) -> LiftData:
    """Build the analysis frames from canonical tables.

    Treated = accounts in the ``programs`` table. Program start = ``program_start`` or the
    earliest ``programs.start_date``. Post period = [start, as_of]; pre period = the same
    length before the start (or ``pre_period_days``), not before the first opportunity.
    Eligible accounts: all except customers that won no deal after the start (existing
    customers have no new-business opportunities); excluded counts are kept.
    ``touchpoints`` (with account_id resolved) adds pre-period engagement as a covariate.
    """
    p = params or LiftParams()
    as_of = pd.Timestamp(as_of).normalize()
    prog = tables.get("programs")
    if prog is None or prog.empty:
        raise ABMDataError(
            "programs: no ABM program members; lift needs the programs table",
            file="programs",
            column="account_id",
            reason="empty",
        )
    start = pd.Timestamp(program_start) if program_start is not None else pd.Timestamp(prog["start_date"].min())
    if start >= as_of:
        raise ABMDataError(
            f"programs: program start {start.date()} is not before as_of {as_of.date()}",
            file="programs",
            column="start_date",
            reason="no post period",
        )
    post_days = (as_of - start).days + 1
    pre_days = p.pre_period_days or post_days
    opps = tables["opportunities"]
    o = opps.loc[opps["account_id"].notna() & opps["created_date"].notna()].copy()
    first = o["created_date"].min()
    pre_start = (
        max(start - pd.Timedelta(days=pre_days), first.normalize())
        if pd.notna(first)
        else start - pd.Timedelta(days=pre_days)
    )
    acc = tables["accounts"].copy()
    treated_ids = set(prog.loc[prog["start_date"] <= as_of, "account_id"].dropna())
    acc["treated"] = acc["account_id"].isin(treated_ids).to_numpy(bool)
    won_post = set(o.loc[o["is_won"].astype(bool) & (o["close_date"] >= start), "account_id"])
    cust = acc["is_customer"].fillna(False).astype(bool).to_numpy()
    old_customer = cust & ~acc["account_id"].isin(won_post).to_numpy(bool) & ~acc["treated"].to_numpy(bool)
    excluded = {"existing_customers": int(old_customer.sum()), "accounts_in": len(acc)}
    acc = acc.loc[~old_customer].reset_index(drop=True)
    X = _covariates(acc)
    aid = acc["account_id"]

    def per_acc(mask, col=None):
        d = o.loc[mask]
        s = d.groupby("account_id").size() if col is None else d.groupby("account_id")[col].sum()
        return aid.map(s).fillna(0).astype(float).to_numpy()

    cd, cl = o["created_date"], o["close_date"]
    is_pre = (cd >= pre_start) & (cd < start)
    is_post = (cd >= start) & (cd <= as_of)
    won = o["is_won"].astype(bool)
    acc["opps_pre"] = per_acc(is_pre)
    acc["opp_rate"] = per_acc(is_post)
    acc["pipeline"] = per_acc(is_post, "amount")
    acc["pipeline_pre"] = per_acc(is_pre, "amount")
    o["_won_amt"] = np.where(won, o["amount"].astype(float).fillna(0.0), 0.0)
    acc["won_revenue"] = per_acc(is_post & won & (cl <= as_of), "_won_amt")
    X["opps_pre"] = acc["opps_pre"]
    X["any_opp_pre"] = (acc["opps_pre"] > 0).astype(float)
    if touchpoints is not None and p.engagement_covariate and len(touchpoints):
        tp = touchpoints.loc[touchpoints["account_id"].notna()]
        pre_tp = tp.loc[(tp["timestamp"] >= pre_start) & (tp["timestamp"] < start)]
        n_tp = aid.map(pre_tp.groupby("account_id").size()).fillna(0).astype(float)
        X["log_touches_pre"] = np.log1p(n_tp).to_numpy()
    X = X.loc[:, X.std(ddof=0) > 0]
    X = (X - X.mean()) / X.std(ddof=0)
    X.columns = [f"x_{i}" for i in range(X.shape[1])]
    covs = list(X.columns)
    acc = pd.concat([acc, X], axis=1)

    # account x period panel: the pre and post periods are each cut into near-equal periods of
    # about panel_days; outcomes are per panel_days (rates), so periods of unequal length compare
    pdays = p.panel_days
    pre_len_days = (start - pre_start).days
    n_post = max(1, int(round(post_days / pdays)))
    n_pre = max(1, int(round(pre_len_days / pdays)))
    post_len, pre_len = post_days / n_post, pre_len_days / n_pre
    day = (o["created_date"] - start).dt.days.to_numpy(float)
    per = np.where(
        day >= 0, np.minimum(np.floor(day / post_len), n_post - 1), -np.minimum(np.ceil(-day / pre_len), n_pre)
    )
    o["_period"] = per.astype(int)
    periods = np.arange(-n_pre, n_post)
    in_panel = (cd >= pre_start) & (cd <= as_of)
    op = o.loc[in_panel]
    g_opps = op.groupby(["account_id", "_period"]).size()
    g_pipe = op.groupby(["account_id", "_period"])["amount"].sum()
    wr = o.loc[in_panel & won & (cl <= as_of)]
    g_won = wr.groupby(["account_id", "_period"])["_won_amt"].sum()
    idx = pd.MultiIndex.from_product([aid.to_numpy(), periods], names=["account_id", "_period"])
    panel = pd.DataFrame(index=idx).reset_index()
    panel["post"] = panel["_period"] >= 0
    panel["days"] = np.where(panel["post"], post_len, pre_len)
    for col, g in (("opp_rate", g_opps), ("pipeline", g_pipe), ("won_revenue", g_won)):
        panel[f"{col}_count"] = g.reindex(idx).fillna(0).to_numpy(float)
        panel[col] = panel[f"{col}_count"] * pdays / panel["days"]  # per panel_days
    panel["treated"] = panel["account_id"].map(dict(zip(aid, acc["treated"], strict=False))).to_numpy(bool)
    panel = panel.rename(columns={"_period": "period"})
    panel.attrs.update({"panel_days": pdays, "post_days": post_days, "pre_days": pre_len_days})

    # deals: opportunities of eligible accounts created in the pre or post period
    dl = o.loc[(is_pre | is_post) & o["account_id"].isin(set(aid))].copy()
    dl["treated"] = dl["account_id"].isin(treated_ids).to_numpy(bool)
    dl["post"] = is_post.loc[dl.index].to_numpy(bool)
    dl["closed"] = (dl["is_closed"].astype(bool) & (dl["close_date"] <= as_of)).to_numpy(bool)
    dl["won"] = dl["is_won"].astype(bool).astype(float)
    dl["amount"] = dl["amount"].astype(float)
    deals = dl[["opportunity_id", "account_id", "treated", "post", "closed", "won", "amount"]].reset_index(drop=True)
    deals = deals.merge(acc[["account_id"] + covs], on="account_id", how="left")
    return LiftData(acc, panel, deals, covs, start, as_of, pre_start, excluded)


# --------------------------------------------------------------------------- estimation helpers
def propensity(data: LiftData, clip: float = 0.02, C: float = 1.0) -> np.ndarray:
    """P(target | pre-program covariates), logistic regression (L2, C), clipped to [clip, 1 − clip]."""
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
    m = LogisticRegression(C=C, max_iter=2000).fit(X, t)
    return np.clip(m.predict_proba(X)[:, 1], clip, 1 - clip)


def _wls(y, X, w, groups, hc3: bool = False):
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
        warnings.simplefilter("ignore")
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
        infl = infl / (1.0 - np.clip(h, 0.0, 0.99))[:, None]
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


def _finish(outcome, method, delta, m, psi_d, psi_m, groups, k, level, n_t, n_c, n_obs, hc3: bool) -> Estimate:
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


def _naive(outcome, y, t, groups, level) -> Estimate:
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


def _ra_ipw(outcome, y, t, Xc, w, groups, level) -> Estimate:
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


def _did_panel(outcome, panel: pd.DataFrame, level) -> Estimate:
    """Account FE + period FE DiD on the panel; effect per account over the whole post period."""
    y = panel[outcome].to_numpy(float)
    acc_codes, _ = pd.factorize(panel["account_id"])
    per = panel["period"].to_numpy()
    levels = np.unique(per)
    D = (per[:, None] == levels[None, 1:]).astype(float)
    tp = (panel["treated"] & panel["post"]).to_numpy(float)
    Z = np.column_stack([tp, D])

    def demean(a):
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


def _did_deals(outcome, y, t, post, groups, level) -> Estimate:
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


# --------------------------------------------------------------------------- public API
@dataclass
class LiftResult:
    """Effects of the program on the targets, per outcome and method, with intervals and ROI."""

    table: pd.DataFrame
    roi: dict
    level: float
    data: LiftData | None = None

    def get(self, outcome: str, method: str) -> pd.Series:
        return self.table.loc[(outcome, method)]

    def summary(self) -> str:
        pct = int(round(self.level * 100))
        lines = [f"ABM program lift on targets (ATT), {pct}% intervals; naive comparison is biased (selection by fit)"]
        t = self.table.reset_index()
        for _, r in t.iterrows():
            kind = OUTCOMES[r["outcome"]][2]
            if kind == "absolute":
                txt = f"{r['estimate'] * 100:+.1f} pts ({r['ci_low'] * 100:+.1f} to {r['ci_high'] * 100:+.1f})"
            else:
                txt = f"{r['relative'] * 100:+.1f}% ({r['rel_low'] * 100:+.1f}% to {r['rel_high'] * 100:+.1f}%)"
            lines.append(f"  {OUTCOMES[r['outcome']][0]:<26} {r['method']:<7} {txt}")
        if self.roi:
            r = self.roi
            lines.append(
                f"ROI ({r['method']}): {r['roi'] * 100:+.0f}% ({pct}% CI {r['roi_low'] * 100:+.0f}% to "
                f"{r['roi_high'] * 100:+.0f}%); cost {r['cost']:,.0f}; incremental gross profit "
                f"{r['gross_profit']:,.0f}"
            )
        return "\n".join(lines)


def estimate_lift(
    data: LiftData,
    params: LiftParams | None = None,
    methods: tuple[str, ...] = ("naive", "ra_ipw", "did"),
    outcomes: tuple[str, ...] = ("opp_rate", "pipeline", "won_revenue", "win_rate", "deal_size"),
) -> LiftResult:
    """Estimate the program's effects on the targets (see module docstring)."""
    from threadpoolctl import threadpool_limits

    # small dense problems: BLAS threads only add contention on a shared machine
    with threadpool_limits(1):
        return _estimate_lift(data, params, methods, outcomes)


def _estimate_lift(data, params, methods, outcomes) -> LiftResult:
    p = params or LiftParams()
    level = p.ci_level
    acc = data.accounts
    t = acc["treated"].to_numpy(bool)
    gid = acc["account_id"].to_numpy()
    Xc = acc[data.covariates].to_numpy(float)
    e = propensity(data, p.propensity_clip) if "ra_ipw" in methods else None
    w_acc = np.where(t, 1.0, e / (1 - e)) if e is not None else None
    if w_acc is not None:
        w_acc[~t] *= t.sum() / w_acc[~t].sum()
    rows = []
    for oc in outcomes:
        if oc in ("opp_rate", "pipeline", "won_revenue"):
            y = acc[oc].to_numpy(float)
            if "naive" in methods:
                rows.append(_naive(oc, y, t, gid, level))
            if "ra_ipw" in methods:
                rows.append(_ra_ipw(oc, y, t, Xc, w_acc, gid, level))
            if "did" in methods:
                rows.append(_did_panel(oc, data.panel, level))
        else:
            d = data.deals
            d = d.loc[d["closed"]] if oc == "win_rate" else d.loc[d["closed"] & (d["won"] > 0)]
            if d["treated"].sum() < 3 or (~d["treated"]).sum() < 3 or not d["post"].any():
                continue
            y = (d["won"] if oc == "win_rate" else d["amount"]).to_numpy(float)
            dt, dpost, dg = d["treated"].to_numpy(bool), d["post"].to_numpy(bool), d["account_id"].to_numpy()
            sel = dpost
            if "naive" in methods and (dt & sel).any():
                rows.append(_naive(oc, y[sel], dt[sel], dg[sel], level))
            if "ra_ipw" in methods and (dt & sel).sum() >= 3:
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


def program_cost(costs: pd.DataFrame | None, as_of, program_start=None, override: float | None = None) -> float:
    """Program spend (USD): ``override`` if set, else the costs table pro rata up to ``as_of``."""
    if override is not None:
        return float(override)
    if costs is None or costs.empty:
        raise ABMDataError(
            "costs: no program costs; set roi.program_cost in params or load a costs table",
            file="costs",
            column="amount",
            reason="no costs",
        )
    as_of = pd.Timestamp(as_of)
    c = costs.copy()
    if program_start is not None:
        c = c.loc[c["period_end"] >= pd.Timestamp(program_start)]
    span = (c["period_end"] - c["period_start"]).dt.days + 1
    covered = (c["period_end"].clip(upper=as_of) - c["period_start"]).dt.days + 1
    frac = (covered.clip(lower=0) / span).clip(upper=1.0)
    return float((c["amount"].astype(float) * frac).sum())


def roi(result: LiftResult, cost: float, gross_margin: float, method: Literal["did", "ra_ipw"] = "did") -> dict:
    """ROI = (gross margin × targets × effect on won revenue per account − cost) / cost, with its interval."""
    if cost <= 0:
        raise ABMDataError(
            "costs: program cost must be positive to compute ROI",
            file="costs",
            column="amount",
            reason="non-positive cost",
        )
    r = result.table.loc[("won_revenue", method)]
    n_t = int(r["n_treated"])
    inc = n_t * np.array([r["estimate"], r["ci_low"], r["ci_high"]])
    gp = gross_margin * inc
    rois = (gp - cost) / cost
    pipe = result.table.loc[("pipeline", method)] if ("pipeline", method) in result.table.index else None
    out = {
        "method": method,
        "cost": float(cost),
        "gross_margin": float(gross_margin),
        "n_targets": n_t,
        "incremental_revenue": float(inc[0]),
        "incremental_revenue_low": float(inc[1]),
        "incremental_revenue_high": float(inc[2]),
        "gross_profit": float(gp[0]),
        "roi": float(rois[0]),
        "roi_low": float(rois[1]),
        "roi_high": float(rois[2]),
    }
    if pipe is not None:
        out["incremental_pipeline"] = float(n_t * pipe["estimate"])
        out["incremental_pipeline_low"] = float(n_t * pipe["ci_low"])
        out["incremental_pipeline_high"] = float(n_t * pipe["ci_high"])
    result.roi = out
    return out


def program_lift(
    tables: dict[str, pd.DataFrame],
    touchpoints: pd.DataFrame | None,
    *,
    as_of,
    params: RoiParams | None = None,
    program_start=None,
) -> LiftResult:
    """Prepare, estimate every outcome with every method, and add ROI (one call for the notebook)."""
    p = params or RoiParams()
    data = prepare(tables, touchpoints, as_of=as_of, program_start=program_start, params=p.lift)
    res = estimate_lift(data, p.lift)
    cost = program_cost(tables.get("costs"), as_of, data.program_start, p.program_cost)
    roi(res, cost, p.gross_margin, p.lift.primary)
    return res


def truth_effects(truth_accounts: pd.DataFrame, meta: dict) -> dict[str, float]:
    """The synthetic world's true effects on the targets (same scale as :class:`LiftResult`).

    Opportunity rate and pipeline: realised potential outcomes under both arms (common random
    numbers), relative = Σ treated / Σ untreated − 1 over targets; win rate (absolute
    points) and deal size (relative) are the generator's lift parameters.
    """
    t = truth_accounts.loc[truth_accounts["is_target"].astype(bool)]
    out = {}
    a1, a0 = t["opps_post_treated"].sum(), t["opps_post_untreated"].sum()
    out["opp_rate"] = float(a1 / a0 - 1) if a0 > 0 else np.nan
    out["opp_rate_abs"] = float((a1 - a0) / len(t))
    if "pipeline_post_treated" in t.columns:
        p1, p0 = t["pipeline_post_treated"].sum(), t["pipeline_post_untreated"].sum()
        out["pipeline"] = float(p1 / p0 - 1) if p0 > 0 else np.nan
        out["pipeline_abs"] = float((p1 - p0) / len(t))
    lift = meta.get("lift", {})
    out["win_rate"] = float(lift.get("win_rate", np.nan))
    out["deal_size"] = float(lift.get("deal_size", np.nan))
    out["opp_rate_param"] = float(lift.get("opp_rate", np.nan))
    return out


# --------------------------------------------------------------------------- display helpers
def lift_table(result: LiftResult, currency: str = "$") -> pd.DataFrame:
    """Readable table: outcome, method, effect per target account (unit), relative effect, intervals, note."""
    from .style import fmt_money, fmt_pct

    pct = int(round(result.level * 100))
    rows = []
    for (oc, m), r in result.table.iterrows():
        name, unit, kind = OUTCOMES[oc]
        if kind == "absolute":
            eff = f"{r['estimate'] * 100:+.1f} pts"
            ci = f"{r['ci_low'] * 100:+.1f} to {r['ci_high'] * 100:+.1f} pts"
        elif "USD" in unit:
            eff = fmt_money(r["estimate"], currency)
            ci = f"{fmt_money(r['ci_low'], currency)} to {fmt_money(r['ci_high'], currency)}"
        else:
            eff = f"{r['estimate']:+.3f}"
            ci = f"{r['ci_low']:+.3f} to {r['ci_high']:+.3f}"
        rows.append(
            {
                "Outcome": name,
                "Method": METHODS[m],
                "Effect per target": eff,
                f"{pct}% CI": ci,
                "Relative": fmt_pct(r["relative"]),
                f"Relative {pct}% CI": f"{fmt_pct(r['rel_low'])} to {fmt_pct(r['rel_high'])}",
                "Note": "BIASED: targets chosen by fit" if m == "naive" else "",
            }
        )
    return pd.DataFrame(rows).set_index(["Outcome", "Method"])


def plot_forest(result: LiftResult, ax=None, methods=("naive", "ra_ipw", "did"), truth: dict | None = None):
    """Forest plot of relative effects (win rate: absolute points) with intervals, per outcome and method."""
    import matplotlib.pyplot as plt

    from .style import PALETTE

    ax = ax or plt.subplots(figsize=(8, 4.6))[1]
    t = result.table
    outcomes = [o for o in OUTCOMES if o in t.index.get_level_values(0)]
    colors = {"naive": "#b0b0b0", "ra_ipw": PALETTE[1], "did": PALETTE[0]}
    ylabels, y = [], 0
    for oc in outcomes:
        kind = OUTCOMES[oc][2]
        for j, m in enumerate(methods):
            if (oc, m) not in t.index:
                continue
            r = t.loc[(oc, m)]
            est, lo, hi = (
                (r["estimate"], r["ci_low"], r["ci_high"])
                if kind == "absolute"
                else (r["relative"], r["rel_low"], r["rel_high"])
            )
            ax.errorbar(
                est * 100,
                -y,
                xerr=[[100 * (est - lo)], [100 * (hi - est)]],
                fmt="o",
                color=colors[m],
                capsize=3,
                label=METHODS[m] if oc == outcomes[0] else None,
            )
            if truth is not None and oc in truth and j == 0:
                ax.plot(
                    [truth[oc] * 100],
                    [-(y + (len(methods) - 1) / 2)],
                    marker="|",
                    ms=22,
                    color="#3a9e6f",
                    label="true effect (synthetic world)" if oc == outcomes[0] else None,
                )
            y += 1
        ylabels.append((-(y - (len(methods) + 1) / 2), OUTCOMES[oc][0] + (" (pts)" if kind == "absolute" else "")))
        y += 0.6
    ax.axvline(0, color="#666666", lw=0.8)
    ax.set_yticks([p for p, _ in ylabels], [lbl for _, lbl in ylabels])
    ax.set_xlabel("effect on target accounts (% change; win rate in percentage points)")
    ax.set_title("Incremental lift of the ABM program (95% intervals)")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def leadership_summary(result: LiftResult | None, actuals: dict, currency: str = "$") -> str:
    """Markdown paragraph for leaders: what ABM added (with intervals) and what it cost. Generated, not typed."""
    from .style import fmt_money, fmt_pct

    if result is None:
        txt = "No ABM program in the `programs` table, so incremental lift and ROI are not estimated for this data. "
        if actuals:
            txt += (
                f"In the reporting window: {actuals.get('opportunities', 0):,.0f} opportunities created "
                f"({fmt_money(actuals.get('pipeline'), currency)} pipeline), win rate "
                f"{fmt_pct(actuals.get('win_rate'))}, average won deal {fmt_money(actuals.get('avg_deal_size'), currency)}, "
                f"won revenue {fmt_money(actuals.get('revenue'), currency)}."
            )
        return txt
    r = result.roi
    t = result.table
    m = r.get("method", "did")
    pct = int(round(result.level * 100))
    opp = t.loc[("opp_rate", m)]
    win = t.loc[("win_rate", m)] if ("win_rate", m) in t.index else None
    naive = t.loc[("opp_rate", "naive")] if ("opp_rate", "naive") in t.index else None
    n_t = r["n_targets"]
    sig = "a clear" if opp["rel_low"] > 0 else ("no clear" if opp["rel_high"] > 0 else "a negative")
    parts = [
        f"**What ABM added.** Across {n_t:,} target accounts the program shows {sig} lift in new opportunities: "
        f"{fmt_pct(opp['relative'], 0)} ({pct}% CI {fmt_pct(opp['rel_low'], 0)} to {fmt_pct(opp['rel_high'], 0)}), "
        f"about {opp['estimate'] * n_t:,.0f} extra opportunities. Incremental pipeline "
        f"{fmt_money(r.get('incremental_pipeline', np.nan), currency)} ({pct}% CI "
        f"{fmt_money(r.get('incremental_pipeline_low', np.nan), currency)} to "
        f"{fmt_money(r.get('incremental_pipeline_high', np.nan), currency)}); incremental won revenue so far "
        f"{fmt_money(r['incremental_revenue'], currency)} ({fmt_money(r['incremental_revenue_low'], currency)} to "
        f"{fmt_money(r['incremental_revenue_high'], currency)})."
    ]
    if win is not None:
        parts.append(
            f"Win rate on target deals moved {win['estimate'] * 100:+.1f} points "
            f"({win['ci_low'] * 100:+.1f} to {win['ci_high'] * 100:+.1f})."
        )
    parts.append(
        f"**What it cost.** {fmt_money(r['cost'], currency)} of program spend; at a "
        f"{fmt_pct(r['gross_margin'], 0)} gross margin the ROI is {fmt_pct(r['roi'], 0)} ({pct}% CI "
        f"{fmt_pct(r['roi_low'], 0)} to {fmt_pct(r['roi_high'], 0)}), counting only revenue already won."
    )
    if naive is not None:
        parts.append(
            f"A naive targets-vs-rest comparison would claim {fmt_pct(naive['relative'], 0)} more "
            "opportunities; it is biased because targets were chosen for their fit."
        )
    if actuals and np.isfinite(actuals.get("engaged_accounts", np.nan)):
        parts.append(
            f"In the reporting window: {actuals.get('engaged_accounts', 0):,.0f} engaged accounts, "
            f"{actuals.get('mqas', 0):,.0f} MQAs, {fmt_money(actuals.get('pipeline'), currency)} pipeline "
            f"created, win rate {fmt_pct(actuals.get('win_rate'))}."
        )
    return " ".join(parts)
