"""Params section 'roi' (read by :mod:`abm_lab.roi`: KPIs, velocity, attribution, lift, ROI; all defaults live here).

Notebook 05 (program ROI) reads everything from here: the MQA definition, the KPI
targets set at program outset, attribution settings (rule weights, time-decay
half-life, Markov order, Shapley limits), and the lift / ROI settings (periods,
gross margin, program cost, interval level).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Section


class KpiTargets(Section):
    """Targets agreed at program outset (for the leadership KPI tiles), per reporting window.

    None = no target set (the default: a target is the user's own agreement, not a number the tool can know);
    the tile then shows the actual with "no target set" instead of a share of a target. The demo run sets the
    demo world's targets in ``params/demo.yaml``."""

    engaged_accounts: float | None = Field(
        None,
        ge=0,
        description="Engaged accounts (≥ engaged_min_touches touches) in the window (count); None = no target.",
    )
    mqas: float | None = Field(
        None, ge=0, description="Marketing-qualified accounts in the window (count); None = no target."
    )
    opportunities: float | None = Field(
        None, ge=0, description="Opportunities created in the window (count); None = no target."
    )
    pipeline: float | None = Field(None, ge=0, description="Pipeline created in the window (USD); None = no target.")
    win_rate: float | None = Field(
        None, ge=0, le=1, description="Won / (won + lost) of deals closed in the window (share); None = no target."
    )
    avg_deal_size: float | None = Field(
        None, ge=0, description="Average won deal size in the window (USD); None = no target."
    )
    revenue: float | None = Field(None, ge=0, description="Won revenue closed in the window (USD); None = no target.")
    roi: float | None = Field(
        None, description="Program ROI target ((gross profit − cost) / cost; 1.0 = 100%); None = no target."
    )


class RuleWeights(Section):
    """Marketo Measure (Bizible) default position weights; each model's weights sum to 1."""

    u_first: float = Field(0.5, ge=0, le=1, description="U-shaped: share to the first touch.")
    u_lead_creation: float = Field(0.5, ge=0, le=1, description="U-shaped: share to the lead-creation touch.")
    w_first: float = Field(0.3, ge=0, le=1, description="W-shaped: share to the first touch.")
    w_lead_creation: float = Field(0.3, ge=0, le=1, description="W-shaped: share to the lead-creation touch.")
    w_opp_creation: float = Field(0.3, ge=0, le=1, description="W-shaped: share to the opportunity-creation touch.")
    full_milestone: float = Field(
        0.225,
        ge=0,
        le=0.25,
        description="Full path: share to each of first, lead-creation, opportunity-creation and closed-won touch.",
    )

    @model_validator(mode="after")
    def _sums(self):
        if self.u_first + self.u_lead_creation > 1 + 1e-9:
            raise ValueError("roi.attribution.weights: u_first + u_lead_creation must be ≤ 1 (the rest is spread)")
        if self.w_first + self.w_lead_creation + self.w_opp_creation > 1 + 1e-9:
            raise ValueError("roi.attribution.weights: w_first + w_lead_creation + w_opp_creation must be ≤ 1")
        return self


class AttributionParams(Section):
    lookback_days: int = Field(
        90, ge=1, description="Touches at most this many days before the conversion count (days)."
    )
    period: Literal["all", "window"] = Field(
        "all",
        description="Which opportunities to attribute: all with a created date, or only those created in the run "
        "window.",
    )
    half_life_days: float = Field(
        7.0,
        gt=0,
        description="Time-decay model: a touch this many days before the conversion gets half the weight (days).",
    )
    markov_order: int = Field(
        1, ge=1, le=4, description="Order of the Markov chain (1 = next channel depends on the current one)."
    )
    collapse_repeats: bool = Field(
        False, description="Merge consecutive touches of the same channel before the Markov model."
    )
    shapley_max_channels: int = Field(
        14, ge=2, le=20, description="Exact Shapley over at most this many channels; rarer ones are pooled as 'other'."
    )
    shapley_value: Literal["conversions", "rate"] = Field(
        "rate",
        description="Shapley characteristic function: 'rate' = each journey set's conversions split by the Shapley "
        "values of the conversion rate by channel coalition (non-converting journeys count; rare coalitions "
        "credibility-weighted, see shapley_prior_paths); 'conversions' = Zhao et al. 2018 count game v(S) = "
        "conversions of journeys using only channels in S (equal split over a journey's distinct channels; "
        "non-converting journeys do not count).",
    )
    shapley_prior_paths: float = Field(
        30.0,
        ge=0,
        description="'rate' Shapley: a coalition seen on n journeys is trusted n / (n + k), k this many "
        "pseudo-journeys; the rest of its rate comes from the pooled rate of its sub-coalitions (the overall rate "
        "for single channels).",
    )
    lead_creation_activities: list[str] = Field(
        default_factory=lambda: [
            "form_fill",
            "demo_request",
            "content_download",
            "webinar_registration",
            "event_registration",
            "contact_us",
            "trial_signup",
        ],
        description="Activity types that create a lead (marks the lead-creation touch); else the first touch by a "
        "known contact.",
    )
    weights: RuleWeights = Field(default_factory=RuleWeights)


class LiftParams(Section):
    pre_period_days: int | None = Field(
        None, ge=30, description="Length of the pre-program period (days); None = as long as the post period."
    )
    panel_days: int = Field(91, ge=7, le=366, description="Length of one DiD panel period (days; 91 ≈ a quarter).")
    propensity_clip: float = Field(
        0.02, gt=0, lt=0.5, description="Propensity scores are clipped to [clip, 1 − clip] before weighting."
    )
    propensity_c: float = Field(
        1.0, gt=0, description="Inverse L2 strength of the logistic propensity model (scikit-learn's C)."
    )
    ci_level: float = Field(0.95, gt=0.5, lt=1, description="Confidence level of every interval.")
    engagement_covariate: bool = Field(True, description="Use pre-period touches per account as a covariate.")
    primary: Literal["did", "ra_ipw"] = Field(
        "did", description="Estimator used for the headline figures and ROI (the other is shown beside it)."
    )
    # staggered-adoption estimation (abm_lab.roi.lift.report.run_lift)
    maturity_days: int = Field(
        180,
        ge=7,
        description="Deal outcomes (win rate, deal size) count a deal as won only when it closed won within this "
        "many days of creation, and only cohorts created at least this long before as_of (days).",
    )
    partial_days: int = Field(
        7,
        ge=0,
        le=45,
        description="A period in which an account is in the programme for all but at most this many days counts as "
        "treated; in for at most this many days, as untreated; otherwise partial (neither) (days).",
    )
    history_start: dt.date | None = Field(
        None,
        description="First day of reliable history for the lift panel; None = the later of the first created and "
        "the first close date of any opportunity (open deals migrated into a CRM carry older created dates).",
    )
    max_periods: int | None = Field(
        None, ge=2, description="At most this many panel periods before as_of (None = all complete periods of history)."
    )
    anticipation_periods: int = Field(
        0,
        ge=0,
        le=4,
        description="Periods just before an account's start left out of the untreated fit (anticipation effects).",
    )
    revenue_lags: int = Field(
        2,
        ge=0,
        le=4,
        description="Won revenue's Y(0) also depends on the pipeline created in the same and the previous "
        "revenue_lags − 1 periods (carry-over of pre-programme pipeline; 0 = account and period effects only).",
    )
    pretrend_leads: int = Field(
        3, ge=1, le=8, description="Pre-programme relative periods tested jointly in the pre-trend (Wald) test."
    )
    placebo_shift: int = Field(
        2, ge=1, le=8, description="Placebo test: programme starts moved this many periods earlier (pre data only)."
    )
    n_boot: int = Field(
        199,
        ge=19,
        description="Account-clustered (Bayesian) bootstrap replicates for the Poisson and weighting estimators.",
    )
    seed: int = Field(0, description="Seed of the bootstrap.")
    min_treated_deals: int = Field(
        30,
        ge=1,
        description="Open-pipeline win probabilities come from mature deals of treated accounts when there are at "
        "least this many, else from all eligible accounts' mature deals.",
    )
    weighting_pre_outcomes: bool = Field(
        False,
        description="ra_ipw also weights on pre-programme outcomes and touches (off: they are shown in the balance "
        "table only; conditioning a difference-in-differences on pre-period outcomes invites regression to the mean "
        "when targets were chosen on a recent rise).",
    )
    diagnostic_alpha: float = Field(
        0.05, gt=0, lt=0.5, description="A diagnostic test (pre-trends, placebo) fails below this p-value."
    )
    balance_max_smd: float = Field(
        0.1, gt=0, lt=1, description="Covariate balance is poor when a weighted standardised difference exceeds this."
    )
    min_ess_share: float = Field(
        0.1,
        gt=0,
        le=1,
        description="Overlap is poor when the controls' effective sample size falls below this share of the targets.",
    )


class RoiParams(Section):
    # funnel definitions
    engaged_min_touches: int = Field(
        10, ge=1, description="An account is engaged when it has at least this many touches in the window."
    )
    mqa_min_touches: int = Field(40, ge=1, description="MQA: at least this many touches in the lookback (count).")
    mqa_min_contacts: int = Field(
        5, ge=1, description="MQA: at least this many distinct known contacts engaged in the lookback."
    )
    mqa_lookback_days: int = Field(
        90,
        ge=7,
        description="MQA: look-back ending on each day (days); an account is an MQA of a window when the rule holds "
        "on its last day, and its MQA date is when that run of MQA days began.",
    )
    buying_committee_size: int = Field(
        6, ge=1, description="Typical buying committee (people) for account penetration."
    )
    # money
    gross_margin: float = Field(0.70, gt=0, le=1, description="Gross margin on revenue (share) for ROI.")
    program_cost: float | None = Field(
        None, ge=0, description="Total program cost (USD); None = sum of the costs table up to run.as_of."
    )
    targets: KpiTargets = Field(default_factory=KpiTargets)
    tile_at_risk: float = Field(
        0.8, gt=0, lt=1, description="KPI tile is 'at risk' (not 'behind') at this share of its target or more."
    )
    # ROI what-if
    what_if_fixed_cost: float = Field(
        0.0,
        ge=0,
        description="ROI what-if: part of the programme spend that buys no target accounts (platform, team; "
        "run.currency). The rest buys target account-periods at the observed cost per account-period, each keeping "
        "the estimated lift per account-period. An assumption, not estimated.",
    )
    cac_lag_days: int | None = Field(
        90,
        ge=1,
        description="Customer acquisition cost: also divide by the programme spend of the window shifted back this "
        "many days (about a quarter: this window's wins were bought by earlier spend); None = no lagged CAC.",
    )
    # velocity (notebook 05)
    velocity_horizons: list[int] = Field(
        default_factory=lambda: [30, 60, 90, 180],
        min_length=1,
        description="Days at which notebook 05 reports the share of deals won and lost (Aalen-Johansen; days).",
    )
    velocity_win_shares: list[float] = Field(
        default_factory=lambda: [0.5, 0.9],
        min_length=1,
        description="Shares of the eventually-won deals: the day by which each share is won (0 < share <= 1).",
    )
    velocity_population: Literal["closed", "created"] = Field(
        "closed",
        description="Opportunities whose four factors make the pipeline velocity: closed in the window (default: "
        "their win rate is known), or created in it.",
    )
    velocity_adjust_for: Literal["grade", "none"] = Field(
        "grade",
        description="ABM vs non-ABM velocity: stratified by grade (fit-adjusted), or 'none' (labelled descriptive).",
    )
    attribution: AttributionParams = Field(default_factory=AttributionParams)
    lift: LiftParams = Field(default_factory=LiftParams)

    @field_validator("velocity_win_shares")
    @classmethod
    def _shares(cls, v):
        if any(not 0 < x <= 1 for x in v):
            raise ValueError("roi.velocity_win_shares must be shares in (0, 1]")
        return v

    @field_validator("gross_margin")
    @classmethod
    def _margin(cls, v):
        if v <= 0:
            raise ValueError("roi.gross_margin must be > 0")
        return v
