"""Typed headline figures: the ``summary_<section>.json`` each stage writes and the report reads.

Each model is the one contract between a producing notebook and the leadership pages: the report reads
these fields by name (no alias fallbacks), and a summary that does not match its model fails at write time.
No run-dependent value (timings) belongs here: timings are in the manifest.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Summary(BaseModel):
    """Base of every summary: unknown keys are refused, missing optional figures are omitted from the file."""

    model_config = ConfigDict(extra="forbid")


class IcpSummary(Summary):
    accounts: int
    positives: int
    base_rate: float
    target: str
    model: str
    cv_auc: float | None = None
    icp_rule: str | None = None
    icp_coverage: float | None = None
    icp_precision: float | None = None
    icp_recall: float | None = None
    top_segment: str | None = None
    # checks against the synthetic world's truth (abm_lab.validation), absent on real data
    truth_accounts: int | None = None
    truth_auc_customers: float | None = None
    truth_auc_customers_oracle: float | None = None
    truth_auc_true_top: float | None = None
    truth_spearman: float | None = None


class GradingSummary(Summary):
    accounts: int
    target_accounts: int
    grade_counts: dict[str, int]
    tiers: dict[str, int]
    budget_per_quarter: float | None = None
    score_source: str | None = None
    customer_rate_A: float | None = None
    customer_rate_F: float | None = None
    opportunity_rate_A: float | None = None
    opportunity_rate_F: float | None = None
    monotone_customer_rate: bool | None = None
    monotone_opportunity_rate: bool | None = None
    linkedin_rows: int | None = None
    linkedin_below_minimum: bool | None = None


class MappingSummary(Summary):
    contacts: int
    matched: int
    ambiguous: int
    unmatched: int
    match_rate: float
    by_method: dict[str, int]
    touchpoints: int | None = None
    touchpoint_match_rate: float | None = None
    anonymous_visits: int | None = None
    anonymous_match_rate: float | None = None
    accounts_with_key_persona: int | None = None
    mean_coverage_share: float | None = None
    mean_engaged_share: float | None = None
    # checks against the synthetic world's truth (abm_lab.validation), absent on real data
    precision: float | None = None
    recall: float | None = None
    recall_identifiable: float | None = None
    precision_by_method: dict[str, float] | None = None


class EngagementSummary(Summary):
    accounts_scored: int
    as_of: str
    horizon_days: int
    test_rows: int
    test_base_rate: float
    auc_gbm: float | None = None
    auc_logistic: float | None = None
    auc_points: float | None = None
    auc_nowcast: float | None = None
    auc_oracle: float | None = None
    score_4: int | None = None
    score_5: int | None = None
    x_education_auc_gbm: float | None = None
    x_education_auc_logistic: float | None = None


class RoiSummary(Summary):
    engaged_accounts: float | None = None
    mqas: float | None = None
    pipeline: float | None = None
    revenue: float | None = None
    win_rate: float | None = None
    cost: float | None = None
    lift_method: str | None = None
    opp_lift: float | None = None
    opp_lift_low: float | None = None
    opp_lift_high: float | None = None
    incremental_pipeline: float | None = None
    incremental_pipeline_low: float | None = None
    incremental_pipeline_high: float | None = None
    incremental_revenue: float | None = None
    roi: float | None = None  # realised to date (won revenue), its interval below
    roi_low: float | None = None
    roi_high: float | None = None
    roi_projected: float | None = None  # adding the expected value of open incremental pipeline
    roi_projected_low: float | None = None
    roi_projected_high: float | None = None
    incremental_revenue_low: float | None = None
    incremental_revenue_high: float | None = None
    diagnostic_warnings: int | None = None  # pre-trend / placebo / balance / overlap warnings in notebook 05
