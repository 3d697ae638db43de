"""Program ROI (notebook 05): funnel KPIs, deal velocity, multi-touch attribution, incremental lift and ROI.

* :mod:`.segments` – accounts by tier, grade and ABM membership; reporting windows;
* :mod:`.kpis` – funnel (engaged → MQA → opportunity → won), deal KPIs, KPI tiles against targets;
* :mod:`.velocity` – Kaplan–Meier / Cox deal velocity, pipeline velocity;
* :mod:`.attribution` – rule-based, Markov chain and Shapley attribution on account journeys;
* :mod:`.lift` – incremental lift of the programme on its targets under staggered starts (imputation DiD,
  Poisson imputation, weighting), its diagnostics and ROI two ways (:func:`run_lift`, one code path);
* :mod:`.economics` – programme cost and ROI with its interval;
* :mod:`.diagnostics` – readable tables and figures of the lift report (effects, event study, placebo, balance);
* :mod:`.stage` – the notebook's inputs from a run, its results and ``summary_roi.json``;
* :mod:`.plots`, :mod:`.narrative`, :mod:`.explorer` – figures and tables, the leadership paragraph, the
  ROI what-if widget.

Checks against the synthetic world's truth live in :mod:`abm_lab.validation.lift`.
"""

from __future__ import annotations

from . import attribution, competing, diagnostics, lift, plots, velocity
from .attribution import AttributionResult, MarkovResult, PathData, account_paths, attribute, paths_from_frame
from .competing import CompetingResult, PipelineVelocity, deal_outcomes, pipeline_velocity_of
from .economics import program_cost, program_lift, program_roi
from .explorer import roi_explorer, roi_what_if
from .kpis import (
    KpiResults,
    account_funnel_flags,
    deal_kpis,
    funnel,
    funnel_by_quarter,
    kpi_tiles,
    pseudonymise,
    window_kpis,
    window_results,
)
from .lift import LiftData, LiftResult, estimate_lift, prepare
from .lift.report import LiftReport, run_lift
from .narrative import leadership_summary
from .plots import tiles_table
from .segments import NO_TIER, UNGRADED, account_frame, quarters
from .stage import (
    AttributionRuns,
    RoiInputs,
    RoiResults,
    VelocityViews,
    attributions,
    run,
    run_inputs,
    velocities,
    velocity_views,
)
from .velocity import (
    AbmComparison,
    VelocityResult,
    close_durations,
    compare_abm,
    estimate_velocity,
    opp_durations,
    pipeline_velocity,
    window_pipeline_velocity,
)

__all__ = [
    "AbmComparison",
    "CompetingResult",
    "PipelineVelocity",
    "VelocityViews",
    "compare_abm",
    "competing",
    "deal_outcomes",
    "pipeline_velocity_of",
    "velocity_views",
    "NO_TIER",
    "UNGRADED",
    "AttributionResult",
    "AttributionRuns",
    "KpiResults",
    "LiftData",
    "LiftResult",
    "MarkovResult",
    "PathData",
    "RoiInputs",
    "RoiResults",
    "VelocityResult",
    "account_frame",
    "account_funnel_flags",
    "account_paths",
    "attribute",
    "attribution",
    "diagnostics",
    "attributions",
    "close_durations",
    "deal_kpis",
    "estimate_lift",
    "estimate_velocity",
    "funnel",
    "funnel_by_quarter",
    "kpi_tiles",
    "leadership_summary",
    "lift",
    "LiftReport",
    "run_lift",
    "opp_durations",
    "paths_from_frame",
    "pipeline_velocity",
    "plots",
    "prepare",
    "program_cost",
    "program_lift",
    "program_roi",
    "pseudonymise",
    "quarters",
    "roi_explorer",
    "roi_what_if",
    "run",
    "run_inputs",
    "tiles_table",
    "velocities",
    "velocity",
    "window_kpis",
    "window_pipeline_velocity",
    "window_results",
]
