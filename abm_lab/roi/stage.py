"""Notebook 05 (program ROI) as one stage: its inputs from a run, its results and its typed summary.

``run_inputs(ctx)`` reads the canonical tables and two upstream artefacts through the
:class:`~abm_lab.pipeline.RunContext`: ``account_grades`` (notebook 02: tier and grade per account) and
``touchpoints_mapped`` (notebook 03: the account of each touch). A missing artefact is an
:class:`~abm_lab.errors.ABMArtefactError` naming the notebook that writes it; touches are never tied to
accounts by the synthetic truth here. ``run(inputs)`` computes the window KPIs, the lift and the ROI
(:class:`RoiResults`), whose ``summary_values()`` is ``summary_roi.json`` (:class:`~abm_lab.artefacts.RoiSummary`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config.compute import ComputeParams
from ..config.core import RunParams
from ..config.experiment import ExperimentParams
from ..config.roi import RoiParams
from ..experiment.views import preregistration
from ..mapping.resolve import resolve_touch_accounts
from ..results import Results, Summary
from .attribution import AttributionResult, account_paths, attribute
from .competing import CompetingResult, PipelineVelocity, deal_outcomes, pipeline_velocity_of
from .economics import CacResult, cac
from .kpis import KpiResults, TouchCache, deal_kpis, funnel, funnel_by_quarter, pseudonymise, window_results
from .lift.report import LiftReport, run_lift
from .segments import account_frame
from .velocity import AbmComparison, VelocityResult, close_durations, compare_abm, estimate_velocity, opp_durations

if TYPE_CHECKING:
    from ..pipeline.context import RunContext

#: Where the account of each touch comes from (notebook text).
TOUCH_SOURCE = "lead-to-account mapping (notebook 03)"
#: Keys of ``summary_roi.json`` taken from the window KPIs (the lift and ROI keys follow in summary_values).
SUMMARY_KPIS = ("pipeline", "win_rate", "mqas", "engaged_accounts", "revenue")


@dataclass
class RoiInputs:
    """What notebook 05 works on: tables, segments, touches with their accounts, params."""

    tables: dict[str, pd.DataFrame]
    segments: pd.DataFrame  # :func:`abm_lab.roi.segments.account_frame` with the grading artefact
    touchpoints: pd.DataFrame  # account_id resolved (source link, then the mapping artefact)
    params: RoiParams
    run: RunParams
    touch_source: str = TOUCH_SOURCE
    experiment: ExperimentParams = field(default_factory=ExperimentParams)
    preregistration: dict[str, Any] | None = None  # the analysed experiment's design (experiment.preregistration)
    compute: ComputeParams = field(default_factory=ComputeParams)  # the engine of the touch-level transforms
    # touch-level funnel state per window (kpis.window_touch_state): the views of a window read the touches once;
    # not an init field, so a copy with other touches (dataclasses.replace) starts empty
    touch_cache: TouchCache = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def opportunities(self) -> pd.DataFrame:
        return self.tables["opportunities"]

    @property
    def window(self) -> tuple[Any, Any]:
        return (self.run.window_start, self.run.window_end)

    @property
    def currency(self) -> str:
        """Prefix of money amounts: "$" for USD, else the currency code and a space."""
        return "$" if self.run.currency == "USD" else self.run.currency + " "

    @property
    def has_program(self) -> bool:
        prog = self.tables.get("programs")
        return prog is not None and len(prog) > 0

    @property
    def has_touches(self) -> bool:
        return bool(self.touchpoints["account_id"].notna().any())

    @property
    def program_start(self) -> Any:
        """Start of the ABM program (earliest ``programs.start_date``), else the reporting window's start."""
        return self.tables["programs"]["start_date"].min() if self.has_program else self.run.window_start

    def funnel(self, by: str | None = None) -> pd.DataFrame:
        """:func:`abm_lab.roi.kpis.funnel` of the reporting window."""
        return funnel(
            self.segments,
            self.touchpoints,
            self.opportunities,
            self.window,
            by=by,
            params=self.params,
            as_of=self.run.as_of,
            compute=self.compute,
            cache=self.touch_cache,
        )

    def funnel_by_quarter(self, by: str | None = None) -> pd.DataFrame:
        """The funnel per quarter from the program start to the window's end."""
        return funnel_by_quarter(
            self.segments,
            self.touchpoints,
            self.opportunities,
            self.program_start,
            self.run.window_end,
            by=by,
            params=self.params,
            as_of=self.run.as_of,
            compute=self.compute,
            cache=self.touch_cache,
        )

    def cac(self, lag_days: int | None = None) -> CacResult:
        """Marketing customer acquisition cost of the reporting window by tier (:func:`abm_lab.roi.economics.cac`);
        ``lag_days`` (default ``roi.cac_lag_days``) adds the CAC on the spend of the window that many days earlier."""
        return cac(
            self.tables.get("programs"),
            self.opportunities,
            self.tables.get("costs"),
            self.window,
            as_of=self.run.as_of,
            lag_days=self.params.cac_lag_days if lag_days is None else lag_days,
            level=self.params.lift.ci_level,
            cost_override=self.params.program_cost,
            currency=self.run.currency,
        )

    def deal_kpis(self, by: str | None = None) -> pd.DataFrame:
        """Deal KPIs of the reporting window by an account or opportunity column."""
        return deal_kpis(self.opportunities, by, window=self.window, segments=self.segments)

    def deal_views(self, keys: tuple[str, ...]) -> dict[str, pd.DataFrame]:
        """Deal KPIs over all history, one frame per key; sales reps as stable pseudonyms."""
        named = self.opportunities.assign(owner=pseudonymise(self.opportunities["owner"]))
        return {k: deal_kpis(named, k, segments=self.segments) for k in keys}


def run_inputs(ctx: RunContext) -> RoiInputs:
    """Inputs of notebook 05 from a run: the grading and mapping artefacts are required."""
    tables = ctx.tables
    grades = ctx.load("account_grades")
    mapped = ctx.load("touchpoints_mapped")
    return RoiInputs(
        tables=tables,
        segments=account_frame(tables, grades),
        touchpoints=resolve_touch_accounts(tables["touchpoints"], mapped),
        params=ctx.params.roi,
        run=ctx.params.run,
        experiment=ctx.params.experiment,
        preregistration=preregistration(ctx.params, ctx.root),
        compute=ctx.params.compute,
    )


@dataclass
class RoiResults(Results):
    """Window KPIs against targets, and the program's lift and ROI (None without an ABM program)."""

    kpis: KpiResults
    lift: LiftReport | None

    @property
    def actuals(self) -> dict[str, float]:
        return self.kpis.actuals

    @property
    def tiles(self) -> pd.DataFrame:
        return self.kpis.tiles

    def summary(self) -> Summary:
        s = self.kpis.summary()
        if self.lift is None:
            return s.add_note("no ABM program in the programs table: lift and ROI not estimated")
        lift = self.lift.summary()
        for title, t in zip(lift.table_titles, lift.tables, strict=True):
            s.add_table(t, title)
        for n in lift.notes:
            s.add_note(n)
        return s

    def summary_values(self) -> dict[str, Any]:
        """The figures of ``summary_roi.json`` (missing or non-finite ones left out)."""
        out: dict[str, Any] = {k: self.actuals[k] for k in SUMMARY_KPIS}
        if self.lift is not None:
            r = self.lift.roi
            opp = self.lift.get("opp_rate")
            pipe = self.lift.get("pipeline")
            out |= {
                "roi": r["estimate"],
                "roi_low": r["ci_low"],
                "roi_high": r["ci_high"],
                "roi_projected": r["projected"],
                "roi_projected_low": r["projected_low"],
                "roi_projected_high": r["projected_high"],
                "cost": r["cost"],
                "incremental_revenue": r["incremental_revenue"],
                "incremental_revenue_low": r["incremental_revenue_low"],
                "incremental_revenue_high": r["incremental_revenue_high"],
                "incremental_pipeline": pipe["total"],
                "incremental_pipeline_low": pipe["total_low"],
                "incremental_pipeline_high": pipe["total_high"],
                "opp_lift": opp["relative"],
                "opp_lift_low": opp["rel_low"],
                "opp_lift_high": opp["rel_high"],
                "lift_method": r["method"],
                "diagnostic_warnings": len(self.lift.verdicts),
            }
        return {k: v for k, v in out.items() if not (isinstance(v, float) and not math.isfinite(v))}


def run(inputs: RoiInputs) -> RoiResults:
    """Lift and ROI (when there is a program), then the window KPIs with ROI among the tiles."""
    p = inputs.params
    lift = (
        run_lift(
            inputs.tables,
            inputs.touchpoints,
            as_of=inputs.run.as_of,
            params=p,
            experiment=inputs.experiment,
            compute=inputs.compute,
        )
        if inputs.has_program
        else None
    )
    kpis = window_results(
        inputs.segments,
        inputs.touchpoints,
        inputs.opportunities,
        inputs.window,
        p,
        inputs.has_touches,
        roi=lift.roi["estimate"] if lift is not None else None,
        compute=inputs.compute,
        cache=inputs.touch_cache,
    )
    return RoiResults(kpis, lift)


def velocities(inputs: RoiInputs) -> tuple[VelocityResult, VelocityResult]:
    """Opportunity → close and first touch → opportunity since the program start, ABM vs other accounts."""
    opps, as_of, since = inputs.opportunities, inputs.run.as_of, inputs.program_start
    v_close = estimate_velocity(
        close_durations(opps, as_of, segments=inputs.segments, since=since),
        group="abm",
        covariates=["log_amount"],
        what="Opportunity to close",
    )
    open_d = (
        opp_durations(inputs.segments, inputs.touchpoints, opps, as_of, since=since)
        if inputs.has_touches
        else pd.DataFrame({"days": [], "event": [], "abm": []})
    )
    return v_close, estimate_velocity(open_d, group="abm", what="First touch to opportunity")


@dataclass
class VelocityViews:
    """Notebook 05's velocity: KM / Cox per clock, won vs lost (Aalen–Johansen), ABM comparison, pipeline velocity."""

    close: VelocityResult
    open: VelocityResult
    outcomes: CompetingResult
    abm: dict[str, AbmComparison]
    pipeline: PipelineVelocity

    def clock_notes(self) -> str:
        """Markdown: which clock each velocity curve measures."""
        return "\n\n".join(f"*{v.what}*: {v.clock}" for v in (self.close, self.open))


def velocity_views(inputs: RoiInputs) -> VelocityViews:
    """Every velocity view of notebook 05 since the program start, ABM vs other accounts.

    The ABM comparison is stratified by grade (``roi.velocity_adjust_for``) or labelled descriptive; the pipeline
    velocity's four factors come from one population (``roi.velocity_population``)."""
    p = inputs.params
    opps, as_of, since = inputs.opportunities, inputs.run.as_of, inputs.program_start
    fit = None if p.velocity_adjust_for == "none" else p.velocity_adjust_for
    close_d = close_durations(opps, as_of, segments=inputs.segments, since=since)
    open_d = (
        opp_durations(inputs.segments, inputs.touchpoints, opps, as_of, since=since)
        if inputs.has_touches
        else pd.DataFrame({"days": [], "event": [], "abm": [], "grade": []})
    )
    abm = {
        "opportunity → won": compare_abm(close_d, fit=fit, event="won", what="opportunity to won"),
        "first touch → opportunity": compare_abm(open_d, fit=fit, what="first touch to opportunity"),
    }
    return VelocityViews(
        close=estimate_velocity(close_d, group="abm", covariates=["log_amount"], what="Opportunity to close"),
        open=estimate_velocity(open_d, group="abm", what="First touch to opportunity"),
        outcomes=deal_outcomes(close_d, group="abm", horizons=p.velocity_horizons, shares=p.velocity_win_shares),
        abm=abm,
        pipeline=pipeline_velocity_of(
            opps, inputs.window, as_of, population=p.velocity_population, segments=inputs.segments, group="abm"
        ),
    )


@dataclass
class AttributionRuns:
    """The three attribution views of notebook 05."""

    channel: AttributionResult  # opportunities created, by channel (value = pipeline)
    program: AttributionResult  # opportunities created, by program (value = pipeline)
    won: AttributionResult  # closed deals: won = conversion, lost = null, by channel (value = revenue)


def attributions(inputs: RoiInputs) -> AttributionRuns | None:
    """Every attribution model on the account journeys (None without touches tied to accounts)."""
    if not inputs.has_touches:
        return None
    p, tp, opps, as_of = inputs.params.attribution, inputs.touchpoints, inputs.opportunities, inputs.run.as_of
    window = inputs.window if p.period == "window" else None
    # lead creation from the people's creation dates; customers' touches are not non-converting journeys
    people, accounts = inputs.tables.get("contacts"), inputs.tables.get("accounts")

    def paths(**kw: Any) -> Any:
        return account_paths(
            tp,
            opps,
            as_of=as_of,
            params=p,
            window=window,
            contacts=people,
            accounts=accounts,
            compute=inputs.compute,
            **kw,
        )

    channel = attribute(paths(), p, value_label="pipeline")
    program = attribute(paths(dimension="program_id"), p, dimension="program_id", value_label="pipeline")
    won_paths = paths(variant="closed")
    return AttributionRuns(channel, program, attribute(won_paths, p, value_label="revenue"))
