"""Figures and readable tables of the lift report (notebook 05): effects, event study, placebo, balance, ROI.

Everything here reads a :class:`~abm_lab.roi.lift.report.LiftReport` (the one code path shared with
``abm-lab lift`` and the simulation study) and only formats it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .. import style
from ..experiment.estimators import METHODS as EXPERIMENT_METHODS
from ..style import PALETTE, fmt_money, fmt_pct
from .lift.analysis import METHODS as OBSERVATIONAL_METHODS
from .lift.report import OUTCOME_NAMES, LiftReport

#: Outcomes whose effect is read in absolute points (a share), not relative to the counterfactual.
ABSOLUTE = ("win_rate",)
#: Outcomes measured in money.
MONEY = ("pipeline", "won_revenue", "deal_size")
TRUTH_COLOR = "#2e8b57"
#: Every method's readable name: the experiment's first.
METHODS = {**EXPERIMENT_METHODS, **OBSERVATIONAL_METHODS}
METHOD_COLORS = {
    "imputation": PALETTE[0],
    "poisson": PALETTE[2],
    "ra_ipw": PALETTE[1],
    "experiment": PALETTE[3],
    "experiment_dm": PALETTE[4],
    "experiment_poisson": PALETTE[5],
}
EVENT_STUDY_FIGSIZE = (10, 3.4)
FOREST_FIGSIZE = (8.5, 4.6)


#: What a view shows when the data hold no ABM programme (no lift report).
NO_PROGRAMME = "No ABM programme in the programs table: lift, diagnostics and ROI are not estimated."
F = TypeVar("F", bound=Callable[..., Any])


def needs_report(func: F) -> F:
    """A view of the lift report that shows :data:`NO_PROGRAMME` instead when there is no report."""

    @functools.wraps(func)
    def wrapper(report: LiftReport | None, *args: Any, **kwargs: Any) -> Any:
        return NO_PROGRAMME if report is None else func(report, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _effect_text(outcome: str, v: float, currency: str) -> str:
    if not np.isfinite(v):
        return "–"
    if outcome in ABSOLUTE:
        return f"{v * 100:+.1f} pts"
    if outcome in MONEY:
        return fmt_money(v, currency)
    return f"{v:+.3f}"


@needs_report
def effects_table(report: LiftReport, currency: str = "$") -> pd.DataFrame:
    """Outcome × method: effect per treated target account-period (deal outcomes: per deal), interval, relative."""
    pct = int(round(report.level * 100))
    e = report.effects.loc[report.effects["outcome"].isin(OUTCOME_NAMES)]
    rows = []
    for _, r in e.iterrows():
        o = r["outcome"]
        rows.append(
            {
                "Outcome": OUTCOME_NAMES[o][0],
                "Method": METHODS.get(r["method"], r["method"]) + (" — headline" if r["headline"] else ""),
                "Effect": _effect_text(o, r["estimate"], currency),
                f"{pct}% CI": f"{_effect_text(o, r['ci_low'], currency)} to {_effect_text(o, r['ci_high'], currency)}",
                "Relative": fmt_pct(r["relative"]),
                f"Relative {pct}% CI": f"{fmt_pct(r['rel_low'])} to {fmt_pct(r['rel_high'])}",
                "Treated cells": f"{int(r['n_treated']):,}",
            }
        )
    return pd.DataFrame(rows).set_index(["Outcome", "Method"])


@needs_report
def tier_table(report: LiftReport, currency: str = "$") -> pd.DataFrame:
    """Effects by tier (relative to each tier's counterfactual): the observational headline's, and the
    experiment's for the tiers it randomised (a separate ``Method`` level when there is one)."""
    pct = int(round(report.level * 100))
    t = report.by_tier
    if t.empty:
        return pd.DataFrame()
    rows = [
        {
            "Outcome": OUTCOME_NAMES[r["outcome"]][0],
            "Tier": str(r["tier"]).replace("_", " "),
            "Method": "Experiment" if str(r["method"]).startswith("experiment") else "Observational",
            "Effect": _effect_text(r["outcome"], r["estimate"], currency),
            f"{pct}% CI": f"{_effect_text(r['outcome'], r['ci_low'], currency)} to "
            f"{_effect_text(r['outcome'], r['ci_high'], currency)}",
            "Relative": fmt_pct(r["relative"]),
        }
        for _, r in t.iterrows()
        if r["outcome"] in OUTCOME_NAMES
    ]
    out = pd.DataFrame(rows)
    if out["Method"].nunique() == 1:
        return out.drop(columns="Method").set_index(["Outcome", "Tier"])
    return out.sort_values(["Method", "Tier"], kind="stable").set_index(["Outcome", "Method", "Tier"])


@needs_report
def forest_figure(report: LiftReport, truth: Any = None) -> Any:
    """Relative effects (win rate: points) with intervals per outcome and method; ``truth`` (a
    :class:`~abm_lab.validation.lift.TrueEffects`, synthetic worlds only) adds the true effect as a tick."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=FOREST_FIGSIZE)
    e = report.effects.loc[report.effects["outcome"].isin(OUTCOME_NAMES)]
    y, ticks = 0.0, []
    seen: set[str] = set()
    for o in OUTCOME_NAMES:
        rows = e.loc[e["outcome"] == o]
        if rows.empty:
            continue
        top = y
        for _, r in rows.iterrows():
            cols = ("estimate", "ci_low", "ci_high") if o in ABSOLUTE else ("relative", "rel_low", "rel_high")
            est, lo, hi = (float(r[c]) * 100 for c in cols)
            m = r["method"]
            if np.isfinite(est):
                xerr = [[max(est - lo, 0) if np.isfinite(lo) else 0], [max(hi - est, 0) if np.isfinite(hi) else 0]]
                ax.errorbar(
                    est,
                    -y,
                    xerr=xerr,
                    fmt="o",
                    color=METHOD_COLORS.get(m, "#777777"),
                    capsize=3,
                    label=None if m in seen else METHODS.get(m, m).split(" (")[0],
                )
                seen.add(m)
            y += 1
        if truth is not None and o in truth.effects.index:
            tv = truth.effects.loc[o, "att" if o in ABSOLUTE else "relative"] * 100
            ax.plot(
                [tv],
                [-(top + y - 1) / 2],
                marker="|",
                ms=24,
                color=TRUTH_COLOR,
                label=None if "truth" in seen else "true effect (synthetic world)",
            )
            seen.add("truth")
        ticks.append((-(top + y - 1) / 2, OUTCOME_NAMES[o][0] + (" (pts)" if o in ABSOLUTE else "")))
        y += 0.7
    ax.axvline(0, color="#666666", lw=0.8)
    ax.set_yticks([p for p, _ in ticks], [lbl for _, lbl in ticks])
    ax.set_xlabel("effect on target accounts (% of their counterfactual; win rate in points)")
    ax.set_title(f"Incremental lift of the ABM programme ({int(round(report.level * 100))}% intervals)")
    ax.legend(loc="lower right", fontsize=8)
    style.source_line(fig)
    return fig


@needs_report
def event_study_figure(report: LiftReport) -> Any:
    """Effect by period relative to each account's own start: pre-programme coefficients should be ~0."""
    import matplotlib.pyplot as plt

    es = report.diagnostics["event_study"]
    outcomes = [o for o in OUTCOME_NAMES if o in set(es["outcome"])]
    fig, axes = plt.subplots(1, len(outcomes), figsize=EVENT_STUDY_FIGSIZE, squeeze=False)
    pre = report.diagnostics.get("pretrend", {})
    for ax, o in zip(axes[0], outcomes, strict=True):
        d = es.loc[es["outcome"] == o].sort_values("rel_period")
        scale = 1.0
        colors = np.where(d["kind"] == "pre", "#8c8c8c", PALETTE[0])
        ax.errorbar(
            d["rel_period"],
            d["estimate"] * scale,
            yerr=[(d["estimate"] - d["ci_low"]) * scale, (d["ci_high"] - d["estimate"]) * scale],
            fmt="none",
            ecolor="#bbbbbb",
            capsize=2,
        )
        ax.scatter(d["rel_period"], d["estimate"] * scale, c=list(colors), zorder=3, s=18)
        ax.axhline(0, color="#666666", lw=0.8)
        ax.axvline(-0.5, color="#999999", lw=0.8, ls=":")
        p = pre.get(o, {}).get("p_value")
        ax.set_title(OUTCOME_NAMES[o][0] + (f" (pre-trend p = {p:.2f})" if p is not None else ""), fontsize=9)
        ax.set_xlabel("periods since the account's start")
    axes[0][0].set_ylabel("effect per target account-period")
    style.source_line(fig)
    return fig


@needs_report
def pretrend_table(report: LiftReport) -> pd.DataFrame:
    """Joint test that all pre-programme coefficients are zero, per outcome."""
    pre = report.diagnostics.get("pretrend", {})
    return pd.DataFrame(
        [
            {
                "Outcome": OUTCOME_NAMES.get(o, (o,))[0],
                "Leads tested": len(v.get("leads", [])),
                "F": round(v.get("f_stat", np.nan), 2),
                "p-value": round(v.get("p_value", np.nan), 3),
            }
            for o, v in pre.items()
        ]
    ).set_index("Outcome")


@needs_report
def placebo_table(report: LiftReport, currency: str = "$") -> pd.DataFrame:
    """Placebo programme starts moved earlier, estimated on pre-programme data only: should be ~0."""
    pct = int(round(report.level * 100))
    rows = [
        {
            "Outcome": OUTCOME_NAMES.get(r["outcome"], (r["outcome"],))[0],
            "Starts moved (periods)": int(r["shift_periods"]),
            "Placebo effect": _effect_text(r["outcome"], r["estimate"], currency),
            f"{pct}% CI": f"{_effect_text(r['outcome'], r['ci_low'], currency)} to "
            f"{_effect_text(r['outcome'], r['ci_high'], currency)}",
            "p-value": round(float(r["p_value"]), 3),
        }
        for r in _records(report.diagnostics.get("placebo", []))
    ]
    return pd.DataFrame(rows).set_index("Outcome") if rows else pd.DataFrame()


@needs_report
def balance_table(report: LiftReport, top: int = 10) -> pd.DataFrame:
    """Standardised differences of the weighting estimator's covariates, before and after weighting (worst first)."""
    b = report.diagnostics.get("balance")
    if b is None or len(b) == 0:
        return pd.DataFrame()
    b = pd.DataFrame(_records(b))
    if "in_model" in b.columns:  # diagnostic-only rows (pre-programme outcomes not weighted on) are not balanced
        b = b.loc[b["in_model"].astype(bool)]
    b = b.reindex(b["smd_after"].abs().sort_values(ascending=False).index).head(top)
    return pd.DataFrame(
        {
            "Covariate": b["covariate"].map(covariate_label),
            "Std. difference before": b["smd_before"].round(2),
            "after weighting": b["smd_after"].round(2),
        }
    ).set_index("Covariate")


@needs_report
def overlap_text(report: LiftReport) -> str:
    o = report.diagnostics.get("overlap", {})
    if not o:
        return "Overlap not computed."
    ess_share = fmt_pct(o.get("ess_share_controls", np.nan), 0)
    return (
        f"Propensity of targets {o['propensity_targets_min']:.2f}–{o['propensity_targets_max']:.2f}; "
        f"{fmt_pct(o['controls_below_target_min'], 0)} of controls score below every target; effective sample "
        f"size of the weighted controls {o['ess_controls']:,.0f} of {o['n_controls']:,} ({ess_share})."
    )


@needs_report
def verdicts_markdown(report: LiftReport) -> str:
    v = [_readable(x) for x in report.verdicts]
    if not v:
        return "**Diagnostics pass**: no pre-trend, placebo, balance or overlap warning."
    return "**Diagnostics to read before the headline:**\n\n" + "\n".join(f"- {x[0].upper()}{x[1:]}." for x in v)


@needs_report
def roi_table(report: LiftReport, currency: str = "$") -> pd.DataFrame:
    """ROI two ways (realised to date, projected with open incremental pipeline), each with its interval."""
    r = report.roi
    pct = int(round(report.level * 100))

    def row(name: str, roi: tuple[str, str, str], rev: str) -> dict[str, str]:
        return {
            "ROI": name,
            "Incremental revenue": fmt_money(r[rev], currency),
            f"Revenue {pct}% CI": f"{fmt_money(r[rev + '_low'], currency)} to {fmt_money(r[rev + '_high'], currency)}",
            "ROI estimate": fmt_pct(r[roi[0]], 0),
            f"ROI {pct}% CI": f"{fmt_pct(r[roi[1]], 0)} to {fmt_pct(r[roi[2]], 0)}",
        }

    return pd.DataFrame(
        [
            row("Realised to date (won revenue)", ("estimate", "ci_low", "ci_high"), "incremental_revenue"),
            row(
                "Projected (+ open incremental pipeline)",
                ("projected", "projected_low", "projected_high"),
                "projected_revenue",
            ),
        ]
    ).set_index("ROI")


@needs_report
def roi_text(report: LiftReport, currency: str = "$") -> str:
    r = report.roi
    return (
        f"Programme cost {fmt_money(r['cost'], currency)} over the periods with treated targets; gross margin "
        f"{fmt_pct(r['gross_margin'], 0)}.\nROI realised to date {fmt_pct(r['estimate'], 0)} "
        f"({fmt_pct(r['ci_low'], 0)} to {fmt_pct(r['ci_high'], 0)}); projected {fmt_pct(r['projected'], 0)} "
        f"({fmt_pct(r['projected_low'], 0)} to {fmt_pct(r['projected_high'], 0)}) ({r['method']})"
    )


def covariate_label(name: str) -> str:
    """A weighting covariate in the reader's words (``tech_bi`` → "uses bi", ``opp_rate pre (log)`` → ...)."""
    out = str(name)
    for key, (label, _) in OUTCOME_NAMES.items():
        out = out.replace(key, label.lower())
    if out.startswith("tech_"):
        out = "uses " + out[len("tech_") :]
    return out.replace("_", " ").replace("=", ": ")


def _readable(text: str) -> str:
    """Outcome keys in a verdict as the reader's words (no raw column names on leadership pages)."""
    for key, (name, _) in OUTCOME_NAMES.items():
        text = text.replace(f" {key} ", f" {name.lower()} ").replace(f" {key}:", f" {name.lower()}:")
        text = text.replace(f"for {key} (", f"for {name.lower()} (")
    return text


def _records(x: Any) -> list[Mapping[str, Any]]:
    if isinstance(x, pd.DataFrame):
        return list(x.to_dict("records"))
    return list(x)
