"""The leadership paragraph of notebook 05: what ABM added (with intervals) and what it cost. Generated, not typed."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..style import fmt_money, fmt_pct
from .lift.report import OUTCOME_NAMES, LiftReport


def leadership_summary(
    result: LiftReport | None, actuals: dict[str, Any], currency: str = "$", design: dict[str, Any] | None = None
) -> str:
    """Markdown paragraph for leaders: what ABM added (with intervals) and what it cost. Generated, not typed."""
    if result is None:
        txt = "No ABM program in the `programs` table, so incremental lift and ROI are not estimated for this data. "
        if actuals:
            txt += (
                f"In the reporting window: {actuals.get('opportunities', 0):,.0f} opportunities created "
                f"({fmt_money(actuals.get('pipeline'), currency)} pipeline), win rate "
                f"{fmt_pct(actuals.get('win_rate'))}, average won deal "
                f"{fmt_money(actuals.get('avg_deal_size'), currency)}, "
                f"won revenue {fmt_money(actuals.get('revenue'), currency)}."
            )
        return txt
    r = result.roi
    pct = int(round(result.level * 100))
    opp = result.get("opp_rate")
    pipe = result.get("pipeline")
    try:
        win = result.get("win_rate")
    except KeyError:
        win = None
    n_t = r["n_targets"]
    sig = "a clear" if opp["rel_low"] > 0 else ("no clear" if opp["rel_high"] > 0 else "a negative")
    exp = result.experiment if result.headline_method == "experiment" else None
    who = (
        f"Across the {n_t:,} target accounts of the treatment arm, against {exp['n_control']:,} randomly held-out "
        "controls,"
        if exp
        else f"Across {n_t:,} target accounts (each from its own start date)"
    )
    parts = [
        f"**What ABM added.** {who} the programme shows "
        f"{sig} lift in new opportunities: {fmt_pct(opp['relative'], 0)} ({pct}% CI {fmt_pct(opp['rel_low'], 0)} "
        f"to {fmt_pct(opp['rel_high'], 0)}), about {opp['total']:,.0f} extra opportunities. Incremental pipeline "
        f"{fmt_money(pipe['total'], currency)} ({pct}% CI {fmt_money(pipe['total_low'], currency)} to "
        f"{fmt_money(pipe['total_high'], currency)}); incremental won revenue closed so far "
        f"{fmt_money(r['incremental_revenue'], currency)} ({fmt_money(r['incremental_revenue_low'], currency)} to "
        f"{fmt_money(r['incremental_revenue_high'], currency)})."
    ]
    if win is not None and np.isfinite(win["estimate"]):
        parts.append(
            f"Win rate on mature target deals moved {win['estimate'] * 100:+.1f} points "
            f"({win['ci_low'] * 100:+.1f} to {win['ci_high'] * 100:+.1f})"
            + (" (observational: a win rate is not randomised)." if exp else ".")
        )
    parts.append(
        f"**What it cost.** {fmt_money(r['cost'], currency)} of programme spend; at a "
        f"{fmt_pct(r['gross_margin'], 0)} gross margin the ROI realised to date is {fmt_pct(r['estimate'], 0)} "
        f"({pct}% CI {fmt_pct(r['ci_low'], 0)} to {fmt_pct(r['ci_high'], 0)}), and "
        f"{fmt_pct(r['projected'], 0)} ({fmt_pct(r['projected_low'], 0)} to {fmt_pct(r['projected_high'], 0)}) "
        "projected once the open incremental pipeline closes at the observed win rates."
    )
    parts.append(how_we_know(result, design))
    exp_warnings = list(exp["verdicts"]) if exp else []
    obs_warnings = len(result.verdicts) - len(exp_warnings)
    if exp_warnings:
        parts.append(
            f"**Caution:** {len(exp_warnings)} warning(s) about the experiment itself (sample ratio, balance or "
            "contamination) below; read them before acting on these figures."
        )
    elif exp and obs_warnings:
        parts.append(
            f"The {obs_warnings} diagnostic warning(s) below (pre-trends, placebo, balance or overlap) concern the "
            "observational estimates only; the experiment's checks pass."
        )
    elif result.verdicts:
        parts.append(
            f"**Caution:** {len(result.verdicts)} diagnostic warning(s) below (pre-trends, placebo, balance or "
            "overlap); read them before acting on these figures."
        )
    if actuals and np.isfinite(actuals.get("engaged_accounts", np.nan)):
        parts.append(
            f"In the reporting window: {actuals.get('engaged_accounts', 0):,.0f} engaged accounts, "
            f"{actuals.get('mqas', 0):,.0f} MQAs, {fmt_money(actuals.get('pipeline'), currency)} pipeline "
            f"created, win rate {fmt_pct(actuals.get('win_rate'))}."
        )
    return " ".join(parts)


def how_we_know(result: LiftReport, design: dict[str, Any] | None = None) -> str:
    """ "How we know": the randomised experiment (and its pre-registration) beside the observational estimate, or
    why the figures are observational. ``design``: the run's ``holdout_design`` (``abm-lab design-holdout``)."""
    pct = int(round(result.level * 100))
    obs = result.get("opp_rate", "imputation")
    obs_txt = (
        f"the observational difference-in-differences estimate of the opportunity lift is "
        f"{fmt_pct(obs['relative'], 0)} ({pct}% CI {fmt_pct(obs['rel_low'], 0)} to {fmt_pct(obs['rel_high'], 0)})"
    )
    exp = result.experiment
    if exp is None:
        return (
            f"**How we know.** No randomised holdout: {obs_txt}, which assumes targets would have trended like "
            "comparable non-targets. A holdout next quarter (`abm-lab design-holdout`) would measure it directly."
        )
    e = result.get("opp_rate", "experiment")
    srm = exp["sample_ratio"]
    reg = "no pre-registration on file for it"
    if design:
        pm = str(design.get("primary_metric", ""))
        mde = (design.get("metrics") or {}).get(pm, {}).get("mde_relative")
        when = str((design.get("provenance") or {}).get("created_at", ""))[:10]
        reg = (
            f"pre-registered on {when}: primary metric {OUTCOME_NAMES.get(pm, (pm,))[0].lower()}, analysis after "
            f"{design.get('analysis_date', '?')}, minimum detectable effect {fmt_pct(mde, 0)}"
        )
    lead = (
        "The experiment is the headline"
        if result.headline_method == "experiment"
        else "The experiment is **not** the headline: its sample-ratio check failed"
    )
    return (
        f"**How we know.** {exp['n_control']:,} of {exp['n_control'] + exp['n_treatment']:,} randomised target "
        f"accounts were held out of the programme at random ({fmt_pct(srm['observed_share'], 0)}; {reg}). "
        f"Comparing the arms, opportunities rose {fmt_pct(e['relative'], 0)} ({pct}% CI {fmt_pct(e['rel_low'], 0)} "
        f"to {fmt_pct(e['rel_high'], 0)}); beside it, {obs_txt}. {lead}: randomisation needs no assumption about "
        "how targets would have trended."
    )
