"""The true effect the randomised holdout estimates, from both potential-outcome arms of a synthetic world.

:func:`true_experiment_effects` applies the experiment's sample and estimand
(:mod:`abm_lab.experiment.analysis`: the treatment arm's experiment periods, intention to treat) to the
observed arm (Y(1) for the treatment arm) and the no-programme arm (Y(0)), with the same periods, eligible
accounts and open-deal win probabilities as :func:`abm_lab.roi.lift.run_lift`, so estimate and truth target
the same number. ROI truth: as the estimator computes it, from the true totals and the treatment arm's cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..config.experiment import ExperimentParams
from ..config.roi import RoiParams

#: Experiment outcomes and their truth keys (the projected ROI's outcome is won revenue + open value).
OUTCOMES = ("opp_rate", "pipeline", "won_revenue", "won_plus_open")


def true_experiment_effects(
    potential: pd.DataFrame,
    tables: Mapping[str, pd.DataFrame],
    as_of: Any,
    params: RoiParams | None = None,
    experiment: ExperimentParams | None = None,
) -> dict[str, Any]:
    """Per outcome ``{"att", "relative", "total", "n"}`` (n = treatment-arm account-periods) and ``roi``
    (``realised``, ``projected``, ``cost``) of the world's randomised holdout; None when it has no controls."""
    from ..experiment.analysis import arms_of, experiment_sample, observational_programs
    from ..experiment.measure import experiment_cost
    from ..roi.economics import lift_cost, roi_two_ways
    from ..roi.lift import estimands
    from ..synth import arm_opportunities

    rp, ep = params or RoiParams(), experiment or ExperimentParams()
    p = rp.lift
    full = tables["programs"]
    arms = arms_of(full)
    if arms is None:
        raise ValueError("the world has no held-out control accounts (demo.holdout_share unset)")
    prog = observational_programs(full)
    y1_opps = arm_opportunities(potential, "observed", as_of)
    y0_opps = arm_opportunities(potential, "no_programme", as_of)
    dsg = estimands.design(tables["accounts"], y1_opps, prog, as_of, p)
    wp = estimands.open_win_prob(y1_opps, dsg, as_of, p)
    n_a, n_p = len(dsg.account_ids), dsg.n_periods
    sample = experiment_sample(full, arms, dsg.account_ids, dsg.grid, ep, p.partial_days)
    t_rows = sample.rows[sample.treat == 1]
    post = sample.post[sample.treat == 1]
    out: dict[str, Any] = {}
    arrays = []
    for opps in (y1_opps, y0_opps):
        o = estimands.account_period_outcomes(opps, dsg.account_ids, dsg.grid, as_of, wp)
        a = {c: o[c].to_numpy(float).reshape(n_a, n_p) for c in (*estimands.PANEL_OUTCOMES, estimands.OPEN_OUTCOME)}
        a["won_plus_open"] = a["won_revenue"] + a[estimands.OPEN_OUTCOME]
        arrays.append(a)
    n = float(post.sum())
    for c in OUTCOMES:
        d = (arrays[0][c][t_rows] - arrays[1][c][t_rows])[post]
        m0 = float(arrays[1][c][t_rows][post].mean()) if n else float("nan")
        att = float(d.mean()) if n else float("nan")
        out[c] = {"att": att, "relative": att / m0 if m0 else float("nan"), "total": float(d.sum()), "n": int(n)}
    treated_periods = dsg.grid.table().loc[dsg.matrix("estimand").any(axis=0)]
    cost = lift_cost(tables.get("costs"), prog["program_id"].unique(), treated_periods, rp.program_cost)
    cost = experiment_cost(cost, dsg.matrix("treated").astype(bool), sample)
    won, proj = out["won_revenue"]["total"], out["won_plus_open"]["total"]
    r = roi_two_ways((won, won, won), (proj, proj, proj), cost, rp.gross_margin)
    out["roi"] = {"realised": float(r["estimate"]), "projected": float(r["projected"]), "cost": float(cost)}
    out["n_treatment"], out["n_control"] = sample.n_treatment, sample.n_control
    return out


def covers(estimate: Mapping[str, float], truth: float) -> bool:
    """Whether the interval ``ci_low``–``ci_high`` holds ``truth``."""
    return bool(np.isfinite(truth) and estimate["ci_low"] <= truth <= estimate["ci_high"])


def check_experiment_world(demo: Any, params: Any, as_of: Any = None) -> pd.DataFrame:
    """Generate a world with a randomised holdout, run :func:`abm_lab.roi.lift.run_lift` (notebook 05's code
    path; touches mapped to accounts by the synthetic truth: only the contamination check reads them) and compare
    every experimental estimate and both ROIs with :func:`true_experiment_effects`. One row per outcome × method
    (and ``roi_realised`` / ``roi_projected`` of the headline), with ``covered`` and ``excludes_zero``."""
    from ..synth import generate_world

    as_of = as_of or params.run.as_of
    return compare_world(generate_world(demo, as_of), demo, params, as_of)


def compare_world(w: Any, demo: Any, params: Any, as_of: Any) -> pd.DataFrame:
    """:func:`check_experiment_world` on a generated world ``w``."""
    from ..mapping.resolve import resolve_touch_accounts
    from ..roi.lift.report import run_lift

    ep = params.experiment.model_copy(update={"holdout_share": demo.holdout_share})
    tt = w.truth["touchpoints"]
    mapped = tt.rename(columns={"true_account_id": "account_id"}) if "true_account_id" in tt.columns else None
    tp = resolve_touch_accounts(w.tables["touchpoints"], mapped)
    rep = run_lift(w.tables, tp, as_of=as_of, params=params.roi, experiment=ep)
    truth = true_experiment_effects(w.truth["opportunities_potential"], w.tables, as_of, params.roi, ep)
    e = rep.effects
    rows = []
    for _, r in e.loc[e["method"].str.startswith("experiment")].iterrows():
        tv = truth[r["outcome"]]["att"]
        rows.append(
            {
                "outcome": r["outcome"],
                "method": r["method"],
                "estimate": r["estimate"],
                "low": r["ci_low"],
                "high": r["ci_high"],
                "truth": tv,
                "covered": covers(r, tv),
                "excludes_zero": bool(r["ci_low"] > 0 or r["ci_high"] < 0),
                "se": r["se"],
            }
        )
    roi = rep.roi
    if roi["method"] == "experiment":
        for key, est, lo, hi in (
            ("roi_realised", "estimate", "ci_low", "ci_high"),
            ("roi_projected", "projected", "projected_low", "projected_high"),
        ):
            tv = truth["roi"][key.split("_")[1]]
            rows.append(
                {
                    "outcome": key,
                    "method": "experiment",
                    "estimate": roi[est],
                    "low": roi[lo],
                    "high": roi[hi],
                    "truth": tv,
                    "covered": bool(roi[lo] <= tv <= roi[hi]),
                    "excludes_zero": False,
                    "se": float("nan"),
                }
            )
    out = pd.DataFrame(rows)
    x = rep.experiment or {}
    out.attrs.update(
        headline=rep.headline_method,
        n_treatment=x.get("n_treatment"),
        n_control=x.get("n_control"),
        srm_p=(x.get("sample_ratio") or {}).get("p_value"),
        verdicts=len(rep.verdicts),
    )
    return out


def design_mde(w: Any, demo: Any, params: Any, as_of: Any) -> float:
    """The absolute MDE of the primary metric that ``abm-lab design-holdout`` would have computed the day before the
    programme started: the randomised targets' own history (:mod:`abm_lab.experiment.power`), their arm sizes,
    and as many experiment periods as the analysis at ``as_of`` will have."""
    from ..experiment.analysis import arms_of, experiment_sample, observational_programs
    from ..experiment.power import VarianceComponents, history_panel, mde
    from ..roi.lift import estimands

    ep, rp = params.experiment, params.roi
    prog = w.tables["programs"]
    dsg = estimands.design(w.tables["accounts"], w.tables["opportunities"], observational_programs(prog), as_of, rp)
    sample = experiment_sample(prog, arms_of(prog), dsg.account_ids, dsg.grid, ep, rp.lift.partial_days)
    start = pd.Timestamp(prog["start_date"].min()) - pd.Timedelta(days=1)
    panel, _ = history_panel(w.tables["opportunities"], sample.account_ids, start, rp, ep.history_quarters)
    vc = VarianceComponents.from_panel(panel, ep.primary_metric, sample.account_ids)
    length = int(round(float(sample.weights.mean())))
    r = mde(vc, sample.n_treatment, sample.n_control, alpha=ep.alpha, power=ep.power, length=length)
    return float(r.absolute)


def calibrated_power_world(make_demo: Any, params: Any, base_lift: Mapping[str, float], as_of: Any = None) -> Any:
    """A world whose true effect on the primary metric equals its design's MDE: generate it at ``base_lift``,
    compute the MDE (:func:`design_mde`) and the true effect, scale the opportunity-rate lift by their ratio
    (the same seed: the same targets, arms and history) and compare that world's estimates with its truth
    (:func:`compare_world`; ``attrs["mde"]`` holds the MDE). ``make_demo(lift) -> DemoParams``."""
    from ..synth import generate_world

    as_of = as_of or params.run.as_of
    demo0 = make_demo(dict(base_lift))
    w0 = generate_world(demo0, as_of)
    target = design_mde(w0, demo0, params, as_of)
    ep = params.experiment.model_copy(update={"holdout_share": demo0.holdout_share})
    e0 = true_experiment_effects(w0.truth["opportunities_potential"], w0.tables, as_of, params.roi, ep)
    att0 = e0[ep.primary_metric]["att"]
    lift = dict(base_lift)
    lift["opp_rate"] = float(base_lift["opp_rate"]) * target / att0 if att0 > 0 else float(base_lift["opp_rate"])
    demo1 = make_demo(lift)
    out = compare_world(generate_world(demo1, as_of), demo1, params, as_of)
    out = out.loc[out["outcome"] == ep.primary_metric].reset_index(drop=True) if len(out) else out
    out.attrs.update(mde=target, lift=lift["opp_rate"])
    return out


def demo_truth(ctx: Any) -> dict[str, Any] | None:
    """:func:`true_experiment_effects` of the run's synthetic world; None for real data or without a holdout."""
    from ..experiment.analysis import arms_of

    if not ctx.is_synthetic or ctx.truth is None or arms_of(ctx.tables.get("programs")) is None:
        return None
    p = ctx.params
    pot = ctx.truth["opportunities_potential"]
    return true_experiment_effects(pot, ctx.tables, p.run.as_of, p.roi, p.experiment)
