"""The pre-registration of a holdout experiment as readable Markdown, from the design record of
:func:`abm_lab.experiment.design.design_holdout` (what will be tested, on whom, how, and when — written before the
experiment starts so that the analysis cannot be chosen after seeing the results).

Only aggregate figures and account-level design variables appear: no account names, owners or contacts.
"""

from __future__ import annotations

from typing import Any

from ..artefacts import artefact
from ..style import fmt_int, fmt_money, fmt_num, fmt_pct

#: Note on a design with fewer control accounts than ``experiment.min_control_accounts``.
SMALL_ARM = (
    "only {n} control accounts (fewer than {m}): with so few controls and sparse counts the intervals are too "
    "narrow (the simulation study's zero-lift worlds excluded zero about 12% of the time at ~30 controls); "
    "hold out more accounts or widen the list"
)

ANALYSIS_METHOD = (
    "regression-adjusted difference in means (CUPED, Lin 2013) per account-period with HC3 robust SE; Poisson "
    "pseudo-likelihood model as a secondary check; checks: sample-ratio mismatch chi-square, pre-period balance, "
    "contamination"
)


def _value(x: Any, metric: str, currency: str) -> str:
    return fmt_num(x, 3) if metric == "opp_rate" else f"{fmt_money(x, currency='')} {currency}"


def _mde_table(d: dict[str, Any]) -> list[str]:
    cur = d["currency"]
    lines = [
        "| metric | role | baseline per account-period | MDE (absolute) | MDE (relative) |",
        "|---|---|---:|---:|---:|",
    ]
    for m, v in d["metrics"].items():
        role = "primary" if m == d["primary_metric"] else "secondary"
        lines.append(
            f"| `{m}` | {role} | {_value(v['baseline'], m, cur)} | {_value(v['mde'], m, cur)} | "
            f"{fmt_pct(v['mde_relative'])} |"
        )
    return lines


def small_arm(d: dict[str, Any]) -> str:
    """The small-control-arm warning of a design dict."""
    return SMALL_ARM.format(n=d["n"]["control"], m=d["checks"]["min_control_accounts"])


def render(d: dict[str, Any]) -> str:
    """The pre-registration document of design record ``d``."""
    n, st, cost = d["n"], d["strata"], d["cost_of_holdout"]
    pm = d["primary_metric"]
    prim = d["metrics"][pm]
    prov = d.get("provenance", {})
    L = d["length_quarters"]
    per = f"{d['period_days']}-day period"
    out = [
        f"# Pre-registration: ABM holdout experiment ({d['run']}, {d['start_date']} to {d['analysis_date']})",
        "",
        f"Registered {prov.get('created_at', '–')} by `abm-lab design-holdout` (ABM Lab "
        f"{prov.get('abm_lab_version') or 'development version'}). Target list `{prov.get('target_list', '–')}` "
        f"(sha256 `{prov.get('target_list_sha256', '–')}`), params `{prov.get('params_file', '–')}`. "
        f"The assignment is in `{artefact('holdout_assignment').file}` and every figure below in "
        f"`{artefact('holdout_design').file}` (same folder).",
        "",
        "## Hypothesis",
        "",
        f"Keeping target accounts in the ABM programme for {L} quarter(s) raises **{pm}** ({prim['definition']}) "
        "compared with randomly held-out target accounts that get no ABM programme activity. Null hypothesis: the "
        f"mean {pm} per account-period is the same in both arms; two-sided test at α = {d['alpha']}.",
        "",
        "## Population and exclusions",
        "",
        f"- {fmt_int(n['targets'])} target accounts on the list; {fmt_int(n['randomised'])} are randomised.",
    ]
    if n["excluded"]:
        tiers = ", ".join(f"{k} ({v})" for k, v in d["excluded_by_tier"].items())
        out.append(
            f"- {fmt_int(n['excluded'])} accounts of tier(s) {tiers} are never held out (sales keep them): they are "
            "all treated and outside the estimand; results say nothing about them."
        )
    out += [
        "- Accounts are analysed in the arm they were assigned to (intention to treat), whatever happens later "
        "(tier changes, churn, new owners).",
        "",
        "## Randomisation and strata",
        "",
        f"- Holdout share **{fmt_pct(d['share'])}** "
        + (
            f"(chosen automatically: the smallest share on the grid whose relative MDE of {pm} is at most "
            f"{fmt_pct(d['target_mde'])}"
            + (")" if d["target_reachable"] else "; **not reachable**, so the share with the smallest MDE is used)")
            if d["share_auto"]
            else "(set in the params / on the command line)"
        )
        + f"; {fmt_int(n['treatment'])} treatment and {fmt_int(n['control'])} control accounts.",
        f"- Stratified by {' × '.join(st['variables']) or 'nothing (one stratum)'} ({st['n_strata']} strata); in "
        "each stratum the control group is within one account of the share (`abm_lab.experiment.assign."
        f"assign_arms`), random seed {d['seed']}. The draw depends only on the seed and the list, not its order.",
    ]
    if st["bands"]:
        bands = "; ".join(f"E{b['band']}: {b['min_touches']}–{b['max_touches']} touches" for b in st["bands"])
        out.append(
            f"- Engagement band: quantile band (by mid-rank, ties kept together) of each account's touches over the "
            f"{d['history']['periods']} periods before {d['as_of']} — {bands}."
        )
    out += [
        "",
        "## Metrics",
        "",
        f"Per target account per {per}; the experiment's outcome is the mean over its {L} period(s).",
        "",
        f"- Primary: **{pm}** — {prim['definition']}.",
    ]
    out += [f"- Secondary: {m} — {d['metrics'][m]['definition']}." for m in d["secondary_metrics"]]
    out += [
        "",
        "## Analysis",
        "",
        f"Method: {ANALYSIS_METHOD}.",
        "",
        f"- Outcome y: mean per period over the experiment ({d['start_date']} to {d['analysis_date']}); covariate: "
        f"the same metric's mean over the {d['history']['periods']} pre-periods ({d['history']['first_day']} to "
        f"{d['as_of']}), centred and interacted with the arm.",
        f"- Estimand: average effect per account-period on the randomised targets; reported as the difference and "
        f"relative to the control mean, with a 95% interval and the two-sided p-value (α = {d['alpha']}).",
        "- Secondary metrics use the same estimator and are supporting evidence: no conclusion rests on them alone.",
        "",
        "## Power and minimum detectable effects",
        "",
        f"At power {fmt_pct(d['power'], 0)} and two-sided α = {d['alpha']}, from the randomised targets' own "
        f"history ({d['history']['periods']} periods): variance between and within accounts, CUPED on the "
        "pre-period mean, and the arms as drawn.",
        "",
        *_mde_table(d),
        "",
    ]
    pc = d.get("power_check")
    if pc:
        out += [
            f"Placebo check on the history ({pc['n_simulations']} simulated experiments, {pc['pre_periods']} pre- and "
            f"{pc['post_periods']} experiment period(s)): realised power {fmt_pct(pc['simulated_power'])} ± "
            f"{fmt_pct(pc['mc_se'])} at the formula's MDE (target {fmt_pct(pc['target_power'], 0)}).",
            "",
        ]
    out += [
        "## Dates",
        "",
        f"- Start: {d['start_date']}; analysis date (end of the last period): {d['analysis_date']} "
        f"({L} × {d['period_days']} days).",
        "- The analysis runs once, after the analysis date, on data as of that date; no interim looks that could "
        "stop the experiment early.",
        "",
        "## Cost of holding out",
        "",
        f"Foregone incremental pipeline ≈ {fmt_int(cost['n_control'])} control accounts × "
        f"{fmt_money(cost['baseline_pipeline_per_account_period'], currency='')} {d['currency']} pipeline per account "
        f"per period × assumed lift {fmt_pct(cost['assumed_lift'], 0)} × {cost['periods']} period(s) = "
        f"**{fmt_money(cost['foregone_pipeline'], currency='')} {d['currency']}**.",
        "",
        "## What would change the conclusion",
        "",
        *([f"- **Small control arm**: {small_arm(d)}."] if d["checks"].get("small_control_arm") else []),
        f"- Sample-ratio mismatch: a chi-square p-value below {d['checks']['srm_alpha']} for the arm counts means "
        "the assignment was not followed; the effect is then not reported as causal.",
        "- Pre-period imbalance: a joint F-test of the pre-period covariates on the arm with a p-value below "
        f"{d['checks']['balance_alpha']} is flagged; the CUPED estimate adjusts for the imbalance, the raw "
        "difference in means does not.",
        f"- Contamination: if more than {fmt_pct(d['checks']['contamination_share'], 0)} of control accounts receive "
        "programme touches, the estimate is diluted (intention to treat) and read as a lower bound.",
        "- The Poisson model disagreeing in sign with the primary estimate marks the result as fragile.",
        f"- An effect smaller than the MDE ({fmt_pct(prim['mde_relative'])} on {pm}) is likely to be missed: a "
        "non-significant result means 'not detected at this size', not 'no effect'; the interval says which "
        "effects remain plausible.",
        "",
    ]
    return "\n".join(out)
