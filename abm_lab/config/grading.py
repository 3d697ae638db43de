"""Params section 'grading' (owned by the grading module; all defaults live here)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Section

GRADES = ("A", "B", "C", "D", "E", "F")
TIER_NAMES = ("strategic", "abm_lite", "programmatic")


class GradingParams(Section):
    score_source: Literal["model", "rules"] = Field(
        "model",
        description="Grade on the lookalike fit score from notebook 01 ('model') or on the editable "
        "icp.yaml rules ('rules': score = share of rule conditions an account meets).",
    )
    cutoff_mode: Literal["score", "quantile"] = Field(
        "score",
        description="'score': cut-offs are fit-score thresholds (0-100); 'quantile': cut-offs are "
        "percentiles (0-100) of the fit-score distribution.",
    )
    cutoffs: dict[str, float] = Field(
        default_factory=lambda: {"A": 92.0, "B": 80.0, "C": 65.0, "D": 45.0, "E": 25.0},
        description="Lowest fit score (or percentile) of grades A-E; below E is F. Must fall from A to E.",
    )
    target_grades: list[str] = Field(["A", "B", "C"], description="Grades that make the target account list.")
    exclude_customers: bool = Field(
        True, description="Leave current customers off the (new-logo) target list; they are still graded."
    )
    value_column: str = Field(
        "annual_revenue", description="Accounts column used as potential value for strategic tiering (fit x value)."
    )
    strategic_n: int = Field(25, ge=0, description="Target accounts in the strategic 1:1 tier (top by fit x value).")
    abm_lite_n: int = Field(150, ge=0, description="Target accounts in the ABM-lite 1:few tier (next by fit x value).")
    n_clusters: int = Field(5, ge=1, le=30, description="KMeans clusters of similar ABM-lite accounts.")
    cluster_describe_share: float = Field(
        0.5, gt=0, le=1, description="An attribute value describes a cluster when at least this share of it has it."
    )
    plays: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "strategic": [
                "sales calls",
                "executive event invites",
                "direct mail",
                "1:1 company emails",
                "paid social (account-specific)",
            ],
            "abm_lite": [
                "company emails by cluster",
                "event invites",
                "paid social (cluster creative)",
                "sales calls on intent",
            ],
            "programmatic": ["paid social", "display", "nurture emails"],
        },
        description="Plays (channels and tactics) run per tier.",
    )
    budget_per_account: dict[str, float] = Field(
        default_factory=lambda: {"strategic": 6000.0, "abm_lite": 1500.0, "programmatic": 250.0},
        description="Budget per account per quarter, by tier (run.currency).",
    )
    review: ReviewParams = Field(
        default_factory=lambda: ReviewParams(),
        description="Quarterly target-list review (target_list_review.csv): gap and trim thresholds.",
    )

    @field_validator("cutoffs")
    @classmethod
    def _cutoffs(cls, v):
        keys = list(GRADES[:5])
        missing = [k for k in keys if k not in v]
        extra = [k for k in v if k not in keys]
        if missing or extra:
            raise ValueError(
                f"grading.cutoffs needs exactly the grades {keys} (lowest score of each; below E is F); "
                f"missing {missing}, unknown {extra}"
            )
        vals = [float(v[k]) for k in keys]
        if any(x < 0 or x > 100 for x in vals):
            raise ValueError(f"grading.cutoffs must lie between 0 and 100, got {v}")
        if any(b >= a for a, b in zip(vals, vals[1:], strict=False)):
            raise ValueError(
                "grading.cutoffs are out of order: they must fall strictly from A to E "
                "(A > B > C > D > E), got " + ", ".join(f"{k}={v[k]}" for k in keys)
            )
        return {k: float(v[k]) for k in keys}

    @field_validator("target_grades")
    @classmethod
    def _targets(cls, v):
        bad = [g for g in v if g not in GRADES]
        if bad or not v:
            raise ValueError(f"grading.target_grades must be a non-empty subset of {list(GRADES)}, got {v}")
        return v

    @model_validator(mode="after")
    def _tiers(self):
        for name in ("plays", "budget_per_account"):
            d = getattr(self, name)
            bad = [k for k in d if k not in TIER_NAMES]
            if bad:
                raise ValueError(f"grading.{name} has unknown tier(s) {bad}; tiers are {list(TIER_NAMES)}")
        if any(x < 0 for x in self.budget_per_account.values()):
            raise ValueError("grading.budget_per_account must not be negative")
        return self


#: Firmographic fields whose completeness the target-list review measures (accounts columns).
FIRMOGRAPHIC_COLUMNS = ("domain", "industry", "employees", "annual_revenue", "country", "region")


class ReviewParams(Section):
    """The quarterly target-list review: when a target needs its gaps filled, and when it is trimmed."""

    trim_after_quarters: int = Field(
        2,
        ge=1,
        description="Trim a target that has had spend (on the list, or in a treated programme) for at least this "
        "many quarters and no engagement in the last this many quarters.",
    )
    trim_min_touches: int = Field(
        1,
        ge=1,
        description="Engagement for the trim rule: at least this many mapped touchpoints of the account in the last "
        "trim_after_quarters quarters.",
    )
    min_committee_coverage: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Fill gaps when contacts mapped / roi.buying_committee_size falls below this share (0-1).",
    )
    min_seat_share: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Fill gaps when the share of mapping.committee seats filled by a known contact is below this.",
    )
    min_firmographic_completeness: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Fill gaps when the share of firmographic_columns filled in is below this (0-1).",
    )
    firmographic_columns: list[str] = Field(
        default_factory=lambda: list(FIRMOGRAPHIC_COLUMNS),
        min_length=1,
        description="Accounts columns counted in data completeness (a column the data lacks counts as missing).",
    )


GradingParams.model_rebuild()
