"""Params of the checks against known truth and real-data benchmarks (:mod:`abm_lab.validation`)."""

from __future__ import annotations

from pydantic import Field

from .base import Section

#: X Education columns dropped before modelling, with the reason (see SOURCE.md of the data set).
XED_DROP: dict[str, str] = {
    "Prospect ID": "identifier",
    "Lead Number": "identifier",
    "Tags": "set by the sales team after contacting the lead (current status of the lead)",
    "Lead Quality": "set by the assigned employee from 'data and intuition' after contact",
    "Asymmetrique Activity Index": "score/index assigned to the lead by the company, not observed behaviour",
    "Asymmetrique Profile Index": "score/index assigned to the lead by the company, not observed behaviour",
    "Asymmetrique Activity Score": "score/index assigned to the lead by the company, not observed behaviour",
    "Asymmetrique Profile Score": "score/index assigned to the lead by the company, not observed behaviour",
    "Lead Profile": "lead level assigned by the company 'based on their profile' (sales categorisation)",
    "Last Notable Activity": "CRM status at extraction time ('Modified', calls, SMS by sales): after the outcome",
}


class XEducationParams(Section):
    """The X Education lead-scoring benchmark (public Kaggle data, read from ``../shared``, never copied)."""

    path: str = Field(
        "../shared/datasets/x_education_leads/Leads.csv",
        description="X Education Leads.csv, relative to the project root (never copied into the repo).",
    )
    drop: dict[str, str] = Field(
        default_factory=lambda: dict(XED_DROP),
        description="Columns dropped before modelling -> reason (leakage or identifier).",
    )
    test_size: float = Field(0.3, gt=0, lt=1, description="Stratified holdout share.")
    seed: int = Field(42, description="Seed of the holdout split.")

    n_bootstrap: int = Field(100, ge=0, description="Bootstrap resamples for the holdout AUC intervals; 0 = none.")
    n_threads: int = Field(1, ge=1, description="BLAS / OpenMP threads for the benchmark models.")
    gbm_max_iter: int = Field(150, gt=0, description="Boosting iterations of the lead-level gradient-boosted model.")
    gbm_learning_rate: float = Field(0.1, gt=0, le=1, description="Learning rate of the lead-level boosting.")
    lr_C: float = Field(1.0, gt=0, description="Inverse L2 regularisation strength of the lead-level logistic model.")
    lr_max_iter: int = Field(5000, gt=0, description="Solver iterations of the lead-level logistic regression.")
    min_frequency: int = Field(
        10, ge=1, description="Categories seen fewer times than this are pooled as 'infrequent' by the one-hot encoder."
    )


class RoundTripParams(Section):
    """Tolerances of the export round trip (:mod:`abm_lab.validation.roundtrip`): how close the headline figures
    of the synthetic world loaded from Salesforce / HubSpot exports must be to the canonical path's."""

    target_overlap_min: float = Field(
        0.95,
        gt=0,
        le=1,
        description="Share of the canonical target list (graded targets, and programme targets) the imported one "
        "must hold: the ICP model is refitted on rows in another order, so accounts at a grade cut-off may move.",
    )
    funnel_rel_tol: float = Field(
        0.05,
        ge=0,
        lt=1,
        description="Largest relative difference of engaged accounts and MQAs in the reporting window: touches "
        "cross exports at second resolution and through e-mail and reverse-IP joins, so accounts at a threshold "
        "may move.",
    )
    funnel_abs_tol: int = Field(
        2,
        ge=0,
        description="Engaged accounts and MQAs may also differ by this many accounts whatever their count: a small "
        "world has a few dozen MQAs, where one account is several percent.",
    )


class ValidationParams(Section):
    x_education: XEducationParams = Field(default_factory=XEducationParams)
    round_trip: RoundTripParams = Field(default_factory=RoundTripParams)
