"""Notebook 05's view of the randomised holdout: the design in words, effects beside the observational estimate,
arm balance. Everything reads a :class:`~abm_lab.roi.lift.report.LiftReport` and only formats it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..style import fmt_money, fmt_pct

#: What the section shows when the programs table marks no control account.
NO_EXPERIMENT = (
    "No randomised holdout in the programs table (no `arm` column with control accounts), so the lift above is "
    "observational. To measure next quarter experimentally, design a holdout with `abm-lab design-holdout "
    "PARAMS` and mark the control accounts in `programs.arm`."
)
#: Experiment outcomes in the order shown, with readable names.
OUTCOMES = {
    "opp_rate": "Opportunity rate",
    "pipeline": "Pipeline",
    "won_revenue": "Won revenue",
    "won_plus_open": "Won + expected open pipeline",
}
METHOD_LABELS = {
    "experiment": "Experiment: regression-adjusted (CUPED)",
    "experiment_dm": "Experiment: difference in means",
    "experiment_poisson": "Experiment: Poisson rate ratio",
    "imputation": "Observational: imputation DiD",
}


def _value(outcome: str, v: float, currency: str) -> str:
    return f"{v:+.3f}" if outcome == "opp_rate" else fmt_money(v, currency)


def preregistration(params: Any, root: Any = None) -> dict[str, Any] | None:
    """The analysed experiment's design (``experiment.preregistration``: its ``holdout_design.json``), or None."""
    import json
    from pathlib import Path

    from ..errors import ABMParamsError

    rel = params.experiment.preregistration
    if not rel:
        return None
    path = Path(rel) if Path(rel).is_absolute() or root is None else Path(root) / rel
    if not path.exists():
        raise ABMParamsError(
            f"experiment.preregistration: {path} not found (the holdout_design.json written by abm-lab design-holdout)",
            file=str(path),
            column="experiment.preregistration",
            reason="not found",
        )
    return dict(json.loads(path.read_text()))


def demo_truth(ctx: Any) -> dict[str, Any] | None:
    """The true experimental effects of the run's synthetic world (None for real data or without a holdout)."""
    from ..validation.experiment import demo_truth as truth

    return truth(ctx)


def summary_markdown(report: Any) -> str:
    """The experiment in words: arms, excluded tiers, the three checks, and whether it is the headline."""
    exp = None if report is None else report.experiment
    if exp is None:
        return NO_EXPERIMENT
    srm, cont, joint = exp["sample_ratio"], exp["contamination"], exp.get("joint_balance") or {}
    jp = float(joint.get("p_value", float("nan")))
    out_tiers = exp["excluded"].get("tiers_not_randomised") or {}
    excl = (
        "; outside the experiment (never held out, all treated): "
        + ", ".join(f"{k.replace('_', ' ')} ({v})" for k, v in out_tiers.items())
        if out_tiers
        else ""
    )
    head = (
        "**The experiment is the headline** of this page's lift and ROI."
        if exp["headline"]
        else "**The experiment is not the headline**: its sample-ratio check failed (below)."
    )
    cont_txt = (
        f"{cont['contaminated']} of {cont['n_control']} control accounts received programme touches after their start"
        if cont.get("checked")
        else "not checked (no programme touches with accounts)"
    )
    lines = [
        f"{head} {exp['n_treatment']:,} target accounts got the programme and {exp['n_control']:,} were held out at "
        f"random ({', '.join(t.replace('_', ' ') for t in exp['tiers'])}{excl}). Each account counts in its "
        "assigned arm from its start date, whether or not it left early (intention to treat).",
        "",
        f"- **Sample ratio**: control share {fmt_pct(srm['observed_share'])} against the pre-registered "
        f"{fmt_pct(srm['expected_share'])} (χ² p = {srm['p_value']:.2g}).",
        f"- **Balance**: joint test that pre-period covariates predict the arm, p = {jp:.2g}.",
        f"- **Contamination**: {cont_txt}.",
    ]
    return "\n".join(lines)


def effects_table(report: Any, currency: str = "$", truth: dict[str, Any] | None = None) -> Any:
    """Per outcome: the experiment's three estimates and the observational headline, with intervals (and the
    true effect on a synthetic world: ``truth`` from :func:`abm_lab.validation.experiment.demo_truth`)."""
    if report is None or report.experiment is None:
        return NO_EXPERIMENT
    pct = int(round(report.level * 100))
    e = report.effects.set_index(["outcome", "method"])
    rows = []
    for o, name in OUTCOMES.items():
        for m, label in METHOD_LABELS.items():
            if (o, m) not in e.index:
                continue
            r = e.loc[(o, m)]
            row = {
                "Outcome": name,
                "Method": label + (" — headline" if m == report.headline_method else ""),
                "Effect per account-period": _value(o, r["estimate"], currency),
                f"{pct}% CI": f"{_value(o, r['ci_low'], currency)} to {_value(o, r['ci_high'], currency)}",
                "Relative": fmt_pct(r["relative"]),
                f"Relative {pct}% CI": f"{fmt_pct(r['rel_low'])} to {fmt_pct(r['rel_high'])}",
            }
            if truth is not None:
                row["True effect"] = _value(o, truth[o]["att"], currency) if m.startswith("experiment") else "–"
            rows.append(row)
    return pd.DataFrame(rows).set_index(["Outcome", "Method"])


def balance_table(report: Any, top: int = 8) -> Any:
    """The pre-period covariates that differ most between arms (standardised mean difference)."""
    from ..roi.diagnostics import covariate_label

    if report is None or report.experiment is None:
        return NO_EXPERIMENT
    b = pd.DataFrame(report.experiment["balance"])
    b = b.reindex(b["smd"].abs().sort_values(ascending=False).index).head(top)
    return pd.DataFrame(
        {
            "Covariate": [covariate_label(c) for c in b["covariate"]],
            "Treatment mean": b["treatment"].round(3).to_numpy(),
            "Control mean": b["control"].round(3).to_numpy(),
            "Standardised difference": b["smd"].round(3).to_numpy(),
        }
    ).set_index("Covariate")
