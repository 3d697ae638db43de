"""The steps of :func:`abm_lab.roi.lift.run_lift`: effect rows of each method and the diagnostics.

Units: panel outcomes are per target account per period (``roi.lift.panel_days`` days) over the treated cells;
``total`` = effect × treated cells (USD or opportunities over the programme so far); win rate is a share of
mature deals (absolute points), deal size USD per mature won deal.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...config.roi import LiftParams
from .carryover import carryover
from .deals import deal_weights, impute_deals
from .imputation import Panel, cell_weights, event_study, impute, normal_ci, placebo_panel, pretrend_test
from .poisson import poisson_att
from .weighting import Weighting, ipw_deals, ra_ipw_panel

#: Method keys → readable names (the headline first).
METHODS = {
    "imputation": "Imputation DiD (account + period effects on untreated cells; clustered SE)",
    "poisson": "Poisson imputation (multiplicative account + period effects; bootstrap)",
    "ra_ipw": "Regression adjustment + propensity weights (bootstrap by account)",
}
HEADLINE = "imputation"


def effect_row(
    outcome: str,
    method: str,
    est: float,
    ci: tuple[float, float],
    se: float,
    mean_treated: float,
    n: int,
    tier: str = "all",
    rel: tuple[float, float, float] | None = None,
) -> dict[str, Any]:
    """One effect with its interval; the relative effect is ATT / (treated mean − ATT), its interval the image of
    the ATT interval (the treated cells' observed mean is fixed: the estimand is their own counterfactual)."""
    lo, hi = ci

    def rel_of(x: float) -> float:
        d = mean_treated - x
        return float(x / d) if d > 0 else float("nan")

    r = rel if rel is not None else (rel_of(est), rel_of(lo), rel_of(hi))
    p = float(normal_ci(np.array(est), np.array(se), 0.95)[2]) if se > 0 else float("nan")
    return {
        "outcome": outcome,
        "method": method,
        "tier": tier,
        "estimate": float(est),
        "se": float(se),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "p_value": p,
        "relative": r[0],
        "rel_low": r[1],
        "rel_high": r[2],
        "mean_treated": float(mean_treated),
        "mean_counterfactual": float(mean_treated - est),
        "n_treated": int(n),
        "total": float(est * n),
        "total_low": float(lo * n),
        "total_high": float(hi * n),
    }


def tier_weights(panel: Panel, tiers: list[str]) -> tuple[np.ndarray, list[str]]:
    """Weights over all treated cells and over each tier's treated cells."""
    cols, names = [cell_weights(panel.est)[..., 0]], ["all"]
    for t in tiers:
        m = panel.est & (panel.tier == t)[:, None] if panel.tier is not None else np.zeros_like(panel.est)
        if m.any():
            cols.append(cell_weights(m)[..., 0])
            names.append(t)
    return np.stack(cols, axis=-1), names


def imputation_rows(panel: Panel, tiers: list[str], level: float) -> list[dict[str, Any]]:
    """Headline effects (all treated cells and by tier) of every panel outcome."""
    W, names = tier_weights(panel, tiers)
    fit = impute(panel, W)
    lo, hi, _ = normal_ci(fit.estimate, fit.se, level)
    rows = []
    for m, tier in enumerate(names):
        for k, outcome in enumerate(panel.outcomes):
            rows.append(
                effect_row(
                    outcome,
                    "imputation",
                    fit.estimate[m, k],
                    (lo[m, k], hi[m, k]),
                    fit.se[m, k],
                    fit.mean_treated[m, k],
                    int(fit.n_cells[m]),
                    tier,
                )
            )
    return rows


def carryover_rows(panel: Panel, tiers: list[str], p: LiftParams) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Headline won revenue (with pipeline carry-over; all and by tier) and the projected-ROI rows:
    ``open_value`` (incremental open pipeline × s_t) and ``won_plus_open`` (:mod:`.carryover`)."""
    k_won, k_pipe, k_open = (panel.outcomes.index(o) for o in ("won_revenue", "pipeline", "open_value"))
    T = panel.est
    open_t = np.where(T, panel.Y[..., k_open], 0.0).sum(0)
    pipe_t = np.where(T, panel.Y[..., k_pipe], 0.0).sum(0)
    s_t = np.where(pipe_t > 0, open_t / np.maximum(pipe_t, 1e-300), 0.0)
    W, names = tier_weights(panel, tiers)
    Yw, Yp = panel.Y[..., k_won], panel.Y[..., k_pipe]
    f = carryover(Yw, Yp, panel.fit, T, W, s_t, max(p.revenue_lags, 1), panel.groups())
    z = float(normal_ci(np.array(0.0), np.array(1.0), p.ci_level)[1])
    n = int(T.sum())

    def row(outcome: str, e: float, se: float, m1: float, k: int, tier: str = "all") -> dict[str, Any]:
        return effect_row(outcome, "imputation", e, (e - z * se, e + z * se), se, m1, k, tier)

    won_rows = []
    for m, tier in enumerate(names):
        cells = W[..., m] > 0
        won_rows.append(row("won_revenue", f.won[m], f.won_se[m], float(Yw[cells].mean()), int(cells.sum()), tier))
    m_won, m_open = float(Yw[T].mean()), float(open_t.sum() / n)
    proj = [
        row("open_value", f.open_total / n, f.open_se / n, m_open, n),
        row("won_plus_open", f.won[0] + f.open_total / n, f.both_se / n, m_won + m_open, n),
    ]
    return won_rows, proj


def deal_rows(deals: dict[str, pd.DataFrame], tiers: list[str], level: float) -> list[dict[str, Any]]:
    """Deal-level imputation DiD rows (all and by tier) for win rate and deal size."""
    rows = []
    for outcome, d in deals.items():
        if not d["estimand"].any() or not d["fit"].any():
            continue
        W, names = deal_weights(d, tiers)
        f = impute_deals(d, W)
        lo, hi, _ = normal_ci(f.estimate, f.se, level)
        for m, tier in enumerate(names):
            rows.append(
                effect_row(
                    outcome, "imputation", f.estimate[m], (lo[m], hi[m]), f.se[m], f.mean_treated[m], f.n[m], tier
                )
            )
    return rows


def poisson_rows(panel: Panel, p: LiftParams, rng: np.random.Generator) -> list[dict[str, Any]]:
    rows = []
    for k, outcome in enumerate(panel.outcomes):
        f = poisson_att(panel.Y[..., k], panel.fit, panel.est, p.n_boot, rng, p.ci_level)
        rows.append(
            effect_row(
                outcome,
                "poisson",
                f.estimate,
                (f.ci_low, f.ci_high),
                f.se,
                f.mean_treated,
                int(panel.est.sum()),
                rel=(f.relative, f.rel_low, f.rel_high),
            )
        )
    return rows


def _boot_row(outcome: str, draws: np.ndarray, m1: float, n: int, level: float) -> dict[str, Any]:
    a = (1 - level) / 2
    lo, hi = np.nanquantile(draws[1:], [a, 1 - a])
    return effect_row(outcome, "ra_ipw", draws[0], (lo, hi), float(np.nanstd(draws[1:], ddof=1)), m1, n)


def ra_ipw_rows(
    wt: Weighting,
    panel: Panel,
    deals: dict[str, pd.DataFrame],
    p: LiftParams,
    rng: np.random.Generator,
    pre: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """Weighting estimator for every outcome; replicate 0 is the full sample, then ``n_boot`` Bayesian
    bootstrap replicates (account weights) that refit the propensity model."""
    n_a = len(wt.target)
    w = np.vstack([np.ones(n_a), rng.exponential(1.0, (p.n_boot, n_a))])
    betas = np.vstack([wt.beta[None, :], wt.boot_betas(w[1:])])
    T = panel.est & wt.target[:, None]
    att, m1 = ra_ipw_panel(wt, panel.Y, T, w, betas, pre)
    rows = [_boot_row(o, att[:, k], m1[0, k], int(T.sum()), p.ci_level) for k, o in enumerate(panel.outcomes)]
    odds = np.stack([wt.odds(b) for b in betas])  # (B, n_a)
    for outcome, d in deals.items():
        acc = d["acc_row"].to_numpy(int)
        tr = d["estimand"].to_numpy(bool)
        ctl = wt.control[acc] & d["fit"].to_numpy(bool)
        if not tr.any() or not ctl.any():
            continue
        wd = w[:, acc] * np.where(tr[None, :], 1.0, odds[:, acc])
        est, mt = ipw_deals(d["y"].to_numpy(float), d["period"].to_numpy(), tr, ctl, wd)
        rows.append(_boot_row(outcome, est, mt[0], int(tr.sum()), p.ci_level))
    return rows


def event_study_frame(panel: Panel, p: LiftParams) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Event-study coefficients (pre-programme leads from the pre-trend regression, post from imputation) and
    the joint pre-trend F test per outcome."""
    level = p.ci_level
    rows: list[dict[str, Any]] = []
    tests: dict[str, Any] = {}
    pt = pretrend_test(panel, p.pretrend_leads, first_lead=-1 - p.anticipation_periods)
    if pt is not None:
        lo, hi, _ = normal_ci(pt.coef, pt.se, level)
        for k, outcome in enumerate(panel.outcomes):
            for j, lead in enumerate(pt.leads):
                rows.append(
                    {
                        "outcome": outcome,
                        "rel_period": int(lead),
                        "estimate": float(pt.coef[j, k]),
                        "ci_low": float(lo[j, k]),
                        "ci_high": float(hi[j, k]),
                        "kind": "pre",
                    }
                )
            tests[outcome] = {
                "f_stat": float(pt.stat[k]),
                "df_num": int(pt.df[0]),
                "df_den": int(pt.df[1]),
                "p_value": float(pt.p_value[k]),
                "leads": [int(x) for x in pt.leads],
            }
    hs, es = event_study(panel)
    lo, hi, _ = normal_ci(es.estimate, es.se, level)
    for k, outcome in enumerate(panel.outcomes):
        for j, h in enumerate(hs):
            rows.append(
                {
                    "outcome": outcome,
                    "rel_period": int(h),
                    "estimate": float(es.estimate[j, k]),
                    "ci_low": float(lo[j, k]),
                    "ci_high": float(hi[j, k]),
                    "kind": "post",
                }
            )
    frame = pd.DataFrame(rows, columns=["outcome", "rel_period", "estimate", "ci_low", "ci_high", "kind"])
    return frame.sort_values(["outcome", "rel_period"], kind="stable").reset_index(drop=True), tests


def placebo_rows(panel: Panel, p: LiftParams) -> list[dict[str, Any]]:
    """Placebo starts ``placebo_shift`` periods early, on untreated cells only: effects should be ≈ 0."""
    pp = placebo_panel(panel, p.placebo_shift)
    if pp is None:
        return []
    f = impute(pp, cell_weights(pp.est))
    lo, hi, pv = normal_ci(f.estimate, f.se, p.ci_level)
    return [
        {
            "outcome": o,
            "shift_periods": int(p.placebo_shift),
            "estimate": float(f.estimate[0, k]),
            "ci_low": float(lo[0, k]),
            "ci_high": float(hi[0, k]),
            "p_value": float(pv[0, k]),
            "n_placebo_cells": int(pp.est.sum()),
        }
        for k, o in enumerate(panel.outcomes)
    ]


def verdicts(
    pretrend: dict[str, Any],
    placebo: list[dict[str, Any]],
    bal: pd.DataFrame,
    ovl: dict[str, float],
    p: LiftParams,
) -> list[str]:
    """Plain-words verdicts of the failed diagnostics (empty when all pass)."""
    out = []
    for outcome, t in pretrend.items():
        if t["p_value"] < p.diagnostic_alpha:
            out.append(
                f"pre-trends differ for {outcome} (joint test p = {t['p_value']:.3f}): treat this estimate with caution"
            )
    for r in placebo:
        if r["p_value"] < p.diagnostic_alpha:
            out.append(
                f"placebo effect is not zero for {r['outcome']} (starts moved {r['shift_periods']} periods early, "
                f"p = {r['p_value']:.3f}): targets and controls trended apart before the programme"
            )
    model = bal.loc[bal["in_model"]] if "in_model" in bal.columns else bal
    if len(model) and float(model["smd_after"].abs().max()) > p.balance_max_smd:
        worst = model.loc[model["smd_after"].abs().idxmax()]
        out.append(
            f"poor balance after weighting ({worst['covariate']}: standardised difference {worst['smd_after']:.2f}): "
            "treat the weighting estimate with caution"
        )
    if ovl and ovl["ess_share"] < p.min_ess_share:
        out.append(
            f"poor overlap: the weighted controls are worth {ovl['ess_controls']:.0f} accounts for "
            f"{ovl['n_targets']} targets; the weighting estimate rests on few comparable controls"
        )
    return out
