"""Params section 'engagement' (owned by the engagement module; all defaults live here).

Covers the account x snapshot panel (windows, horizon, exclusions), the three scorers
(points, logistic regression, gradient boosting), calibration, the 1-5 score cut-offs,
the fit x engagement matrix and the explanations. The X Education lead-level benchmark has its
own section, ``validation.x_education`` (:mod:`abm_lab.config.validation`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Section

#: Points per activity type, in the style of a marketing-automation tool (Marketo / HubSpot
#: lead scoring): light engagement earns 1-3 points, content and events 5-10, hand-raisers
#: (pricing, demo, contact sales) 15-30. Unknown activity types earn ``points_default``.
DEFAULT_POINTS: dict[str, float] = {
    "email_open": 1.0,
    "web_visit": 2.0,
    "ad_click": 2.0,
    "display_click": 1.0,
    "email_click": 3.0,
    "content_download": 5.0,
    "webinar_attend": 8.0,
    "event_attend": 10.0,
    "direct_mail_response": 8.0,
    "pricing_page": 15.0,
    "demo_request": 30.0,
    "contact_sales": 30.0,
    "sales_meeting": 20.0,
}


class EngagementParams(Section):
    # ------------------------------------------------------------------ panel
    snapshot_freq: Literal["weekly", "monthly"] = Field(
        "monthly", description="Snapshot frequency of the account x period panel (weekly = Mondays, monthly = 1st)."
    )
    windows_days: list[int] = Field(
        [7, 30, 90],
        description="Trailing windows (days) for touch counts; each feature uses data strictly before the snapshot.",
    )
    trend_recent_days: int = Field(30, gt=0, description="Trend: recent window (days) ...")
    trend_prior_days: int = Field(
        60, gt=0, description="... compared with the prior window of this many days (rates per day)."
    )
    recency_cap_days: int = Field(
        180, gt=0, description="Days since last touch is capped here (no touch in the cap = cap)."
    )
    horizon_days: int = Field(
        90, gt=0, description="Label: an opportunity is created within this many days after the snapshot."
    )
    min_history_days: int = Field(
        90,
        ge=0,
        description="First snapshot is this many days after the first touchpoint (so trailing windows are full).",
    )
    bofu_activities: list[str] = Field(
        ["demo_request", "pricing_page", "contact_sales"],
        description="Activity types counted as bottom-of-funnel hand-raisers (features bofu_*).",
    )
    exclude_open_opportunities: bool = Field(
        True, description="Drop account-snapshots with an opportunity open at the snapshot (sales is already engaged)."
    )
    exclude_customers: bool = Field(
        True, description="Drop current customers at the snapshot: the score answers a new-business question."
    )
    # ------------------------------------------------------------------ validation design
    test_share: float = Field(
        0.3, gt=0, lt=0.8, description="Share of the labelled snapshots (latest ones) held out as the test period."
    )
    calib_folds: int = Field(
        5,
        ge=2,
        le=20,
        description="Folds of accounts that cross-fit the calibration check on the latest matured period (each "
        "fold's probabilities come from a map learned on the other accounts); with refit_for_scoring, the "
        "time-ordered folds of the refit's calibration.",
    )
    embargo: bool = Field(
        True,
        description="Embargo between the fit and the calibration slices: drop training snapshots whose label window "
        "reaches into the calibration / test period (no outcome labels both a fit row and a calibration row).",
    )
    calibration: Literal["isotonic", "sigmoid"] = Field(
        "sigmoid", description="Calibration method: sigmoid (Platt, smooth; default) or isotonic (needs a large slice)."
    )
    refit_for_scoring: bool = Field(
        False,
        description="False (default): today's scores come from the validated scorer, the model fitted on the "
        "training snapshots and calibrated on the latest matured period (the test period), whose calibration "
        "the notebook shows. True: the model is refitted on all labelled snapshots, calibrated by cross-fitting "
        "over calib_folds purged time-ordered folds (each map on its own member); that calibration has no later "
        "period left to be checked on.",
    )
    reliability_bins: int = Field(
        10, ge=2, le=50, description="Bins (quantiles of the predicted probability) of the reliability table."
    )
    ci_level: float = Field(
        0.95, gt=0.5, lt=1, description="Level of the calibration intervals (reliability bins, in-the-large, slope)."
    )
    n_threads: int = Field(
        1,
        ge=1,
        description="Threads for model fitting (1 is fastest on a shared 2-core machine; OpenMP "
        "oversubscription slows gradient boosting ~10x).",
    )
    n_bootstrap: int = Field(200, ge=0, description="Bootstrap resamples (by account) for AUC intervals; 0 = none.")
    # ------------------------------------------------------------------ scorers
    points: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_POINTS), description="Points per activity type for the rule-based score."
    )
    points_default: float = Field(1.0, description="Points for an activity type not listed in 'points'.")
    points_half_life_days: float = Field(30.0, gt=0, description="Half-life (days) of the exponential decay of points.")
    lr_C: float = Field(0.1, gt=0, description="Inverse L2 regularisation strength of the logistic regression.")
    lr_max_iter: int = Field(3000, gt=0, description="Solver iterations of the logistic regression (lbfgs).")
    gbm_max_iter: int = Field(100, gt=0, description="Boosting iterations of the gradient-boosted model.")
    gbm_learning_rate: float = Field(0.06, gt=0, le=1, description="Learning rate (shrinkage) of the boosting.")
    gbm_max_depth: int = Field(
        2, ge=1, description="Depth of each tree (2 = pairwise interactions; deeper overfits the noisy monthly panel)."
    )
    gbm_min_samples_leaf: int = Field(300, ge=1, description="Minimum account-snapshots per leaf.")
    gbm_l2: float = Field(5.0, ge=0, description="L2 regularisation of the gradient-boosted model.")
    # ------------------------------------------------------------------ score 1-5 and matrix
    score_cutoffs: list[float] = Field(
        [0.02, 0.05, 0.10, 0.20],
        description="Calibrated-probability cut-offs between scores 1|2|3|4|5 (four increasing values in (0, 1)).",
    )
    good_fit_grades: list[str] = Field(
        ["A", "B"], description="Grades counted as good fit in the fit x engagement matrix."
    )
    high_engagement_min_score: int = Field(4, ge=2, le=5, description="Scores >= this count as high engagement.")
    n_reasons: int = Field(3, ge=1, le=5, description="Reasons per account in engagement_scores.csv.")
    timeline_days: int = Field(180, gt=0, description="Days of touch history shown in the account explorer.")
    # point in time: the lead-conversion check
    conversion_window_days: int = Field(
        14,
        ge=0,
        description="Lead-conversion check: people created within this many days after an opportunity of their "
        "account opened count as appearing with the deal (the CRM leak of leads converted when a deal opens).",
    )
    conversion_leak_ratio: float = Field(
        2.0,
        gt=1,
        description="Warn when that share exceeds this multiple of the share expected from shuffled creation dates.",
    )
    # third-party intent (the intent table) and the buying stage
    intent_surge_threshold: float = Field(
        60.0,
        ge=0,
        le=100,
        description="Composite intent score (0-100) at or above which an account surges on a topic (the convention "
        "of weekly company-surge exports: 60).",
    )
    intent_topics_weeks: int = Field(
        4, ge=1, description="Weeks (over by the snapshot) in which surging topics are counted (intent_surging_topics)."
    )
    intent_surging_weeks: int = Field(
        12, ge=1, description="Weeks in which weeks with a surging topic are counted (intent_surging_weeks)."
    )
    intent_trend_weeks: int = Field(
        8, ge=2, description="Weeks of the least-squares slope of the weekly top intent score (intent_score_trend)."
    )
    intent_max_weeks: int = Field(12, ge=1, description="Weeks of the highest intent score (intent_max_score).")
    buying_stage_aware_score: int = Field(
        2, ge=1, le=5, description="Engagement score (1-5) from which an account is 'aware'."
    )
    buying_stage_engaged_score: int = Field(
        3, ge=1, le=5, description="Engagement score from which an account is 'engaged'."
    )
    buying_stage_in_market_score: int = Field(
        5, ge=1, le=5, description="Engagement score from which an account is 'in-market' on engagement alone."
    )
    buying_stage_intent_topics: int = Field(
        1, ge=1, description="Surging topics (last intent_topics_weeks weeks) that move an account one buying stage up."
    )
    buying_stage_intent_weeks: int = Field(
        3, ge=1, description="Or surging weeks (last intent_surging_weeks weeks) that do."
    )

    @field_validator("score_cutoffs")
    @classmethod
    def _cutoffs(cls, v):
        if len(v) != 4:
            raise ValueError(f"engagement.score_cutoffs needs exactly 4 values (between scores 1-5), got {len(v)}")
        if any(not 0 < x < 1 for x in v):
            raise ValueError(f"engagement.score_cutoffs must lie strictly between 0 and 1, got {v}")
        if any(b <= a for a, b in zip(v, v[1:], strict=False)):
            raise ValueError(f"engagement.score_cutoffs must be strictly increasing, got {v}")
        return v

    @field_validator("windows_days")
    @classmethod
    def _windows(cls, v):
        if not v or any(w <= 0 for w in v) or sorted(set(v)) != v:
            raise ValueError(f"engagement.windows_days must be positive, strictly increasing, got {v}")
        return v

    @model_validator(mode="after")
    def _lookback(self):
        if self.recency_cap_days < max(self.windows_days):
            raise ValueError(
                f"engagement.recency_cap_days ({self.recency_cap_days}) must be >= the longest window "
                f"({max(self.windows_days)})"
            )
        return self

    @property
    def lookback_days(self) -> int:
        """Days of history the count features read (longest window or trend span); recency
        reads up to ``recency_cap_days``."""
        return max(max(self.windows_days), self.trend_recent_days + self.trend_prior_days)
