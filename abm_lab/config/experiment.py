"""Params section 'experiment' (read by :mod:`abm_lab.experiment`): the randomised holdout of the next quarter's
target list (``abm-lab design-holdout``) and its analysis (notebook 05, ``abm-lab lift``). Every default of the
design, the power analysis and the experiment's checks lives here.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from .base import Section

#: Metrics an experiment can be pre-registered on (per target account per period, as in the lift panel).
EXPERIMENT_METRICS = ("opp_rate", "pipeline", "won_revenue")
Metric = Literal["opp_rate", "pipeline", "won_revenue"]
StratumVariable = Literal["tier", "grade", "engagement_band"]
#: Stratification variables of the assignment.
STRATA_VARIABLES = ("tier", "grade", "engagement_band")


class ExperimentParams(Section):
    holdout_share: float = Field(
        0.1,
        gt=0,
        lt=0.9,
        description="Share of the randomised target accounts held out as the control group (design default, "
        "and the expected share of the sample-ratio check). With a synthetic world whose demo.holdout_share is "
        "set and this left unset, the world's share.",
    )
    seed: int | None = Field(None, description="Seed of the random assignment; None = run.seed.")
    preregistration: str | None = Field(
        None,
        description="holdout_design.json of the experiment being analysed (written by abm-lab design-holdout in the "
        "quarter it started, e.g. reports/2026Q4/artefacts/holdout_design.json); quoted in the leadership summary.",
    )
    target_list: str | None = Field(
        None,
        description="CSV of the next quarter's target accounts (account_id, tier, grade columns); None = the run's "
        "target_accounts artefact (notebook 02).",
    )
    strata: list[StratumVariable] = Field(
        default_factory=lambda: list[StratumVariable](["tier", "grade", "engagement_band"]),
        description="Variables whose combinations form the strata; each stratum is balanced to ±1 account.",
    )
    engagement_bands: int = Field(
        3, ge=1, le=10, description="Pre-period engagement bands (quantiles of touches over history_quarters)."
    )
    exclude_tiers: list[str] = Field(
        default_factory=lambda: ["strategic"],
        description="Tiers never held out (sales will not hold out 1:1 accounts); they are all treated and are "
        "outside the experiment's estimand. [] = every tier can be held out.",
    )
    primary_metric: Literal["opp_rate", "pipeline", "won_revenue"] = Field(
        "opp_rate", description="Pre-registered primary metric (per target account per period)."
    )
    secondary_metrics: list[Metric] = Field(
        default_factory=lambda: list[Metric](["pipeline", "won_revenue"]),
        description="Pre-registered secondary metrics.",
    )
    length_quarters: int = Field(1, ge=1, le=8, description="Experiment length in quarters (analysis date = end).")
    start_date: dt.date | None = Field(None, description="First day of the experiment; None = the day after as_of.")
    history_quarters: int = Field(
        4, ge=2, le=16, description="Quarters of the targets' own history used for the power analysis and CUPED."
    )
    alpha: float = Field(0.05, gt=0, lt=0.5, description="Two-sided significance level of the test.")
    power: float = Field(0.8, gt=0.5, lt=1, description="Power at the minimum detectable effect.")
    target_mde: float = Field(
        0.3,
        gt=0,
        description="--share auto: the smallest holdout share whose MDE (relative to the baseline of the primary "
        "metric) is at most this.",
    )
    share_grid: list[float] = Field(
        default_factory=lambda: [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5],
        description="Holdout shares of the MDE chart and of --share auto.",
    )
    max_length_quarters: int = Field(4, ge=1, le=12, description="Longest experiment of the MDE-by-length chart.")
    assumed_lift: float = Field(
        0.2,
        ge=0,
        description="Relative lift on pipeline assumed for the cost of holding out (foregone incremental pipeline "
        "of the control accounts).",
    )
    power_simulations: int = Field(
        0, ge=0, le=20000, description="Placebo experiments on the history that check the MDE formula (0 = skip)."
    )
    min_control_accounts: int = Field(
        60,
        ge=2,
        description="A design with fewer control accounts is flagged: with about 30 controls and sparse counts the "
        "intervals are too narrow (docs/experiment_coverage.md: 12.5% of zero-lift worlds excluded zero).",
    )
    srm_alpha: float = Field(
        0.001, gt=0, lt=0.5, description="Sample-ratio mismatch: chi-square p-value below this is a failure."
    )
    balance_alpha: float = Field(
        0.01,
        gt=0,
        lt=0.5,
        description="Pre-period imbalance warning: joint F-test of all pre-period covariates on the arm below this "
        "p-value (single standardised differences of about 2/sqrt(n_control) are expected by chance).",
    )
    contamination_share: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Warning when more than this share of control accounts received programme touches.",
    )

    @field_validator("share_grid")
    @classmethod
    def _grid(cls, v: list[float]) -> list[float]:
        if not v or any(not 0 < s < 0.9 for s in v):
            raise ValueError("share_grid needs shares strictly between 0 and 0.9")
        return sorted(set(v))
