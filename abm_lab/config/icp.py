"""Params section 'icp' (owned by the icp module; all defaults live here)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Section


def _increasing(name: str, v: list[float]) -> list[float]:
    if len(v) < 1:
        raise ValueError(f"icp.{name} needs at least one band edge")
    if any(b <= a for a, b in zip(v, v[1:], strict=False)):
        raise ValueError(f"icp.{name} must be strictly increasing, got {v}")
    return v


class IcpParams(Section):
    # ---- data sufficiency
    min_customers: int = Field(
        200,
        ge=1,
        description="Fewest customers for a lookalike model (RollWorks asks for 200); with fewer, "
        "notebook 01 falls back to lift tables and rules.",
    )
    min_segment_size: int = Field(
        30,
        ge=1,
        description="Segments (attribute values) with fewer accounts are flagged 'small sample' in lift "
        "tables and are not used by the readable ICP rules.",
    )
    ci_level: float = Field(
        0.95,
        gt=0.5,
        lt=1,
        description="Confidence level of the lift-table intervals: Wilson for a segment's rate; for its lift, a "
        "log-scale interval that carries the overall rate's uncertainty and its overlap with the segment.",
    )
    fdr_level: float = Field(
        0.05,
        gt=0,
        lt=1,
        description="False discovery rate at which a segment is called a driver: its lift > 1 and its "
        "Benjamini-Hochberg q-value (over the segments of trusted size) at most this level.",
    )
    fdr_method: Literal["fdr_bh", "fdr_by"] = Field(
        "fdr_bh",
        description="Multiple-comparison correction of the lift-table p-values (statsmodels multipletests): "
        "'fdr_bh' (Benjamini-Hochberg) or 'fdr_by' (Benjamini-Yekutieli, valid under any dependence).",
    )
    # ---- feature bands (canonical units)
    employee_bands: list[float] = Field(
        [50, 200, 1000, 5000], description="Inner edges of the employee bands (people); a band is [edge, next edge)."
    )
    revenue_bands: list[float] = Field(
        [10e6, 50e6, 250e6, 1e9], description="Inner edges of the annual-revenue bands (USD)."
    )
    founded_bands: list[float] = Field([1980, 2000, 2010], description="Inner edges of the founded-year bands (year).")
    # ---- lookalike model
    model: Literal["auto", "gbm", "logit"] = Field(
        "auto",
        description="Which lookalike model gives the fit score: 'gbm' (gradient boosting), 'logit' "
        "(logistic regression) or 'auto' (the one with the higher cross-validated AUC).",
    )
    cv_folds: int = Field(
        5,
        ge=2,
        le=20,
        description="Stratified K-fold splits for the lookalike models' out-of-fold scores and for the readable "
        "rule's held-out precision, recall and lift (learned on k-1 folds, scored on the one left out).",
    )
    calibration: Literal["isotonic", "sigmoid"] = Field(
        "isotonic", description="Calibration of out-of-fold scores into probabilities."
    )
    logit_c: float = Field(1.0, gt=0, description="Inverse L2 regularisation strength of the logistic regression.")
    gbm_max_iter: int = Field(150, ge=10, description="Boosting iterations of the gradient-boosted model.")
    gbm_learning_rate: float = Field(0.05, gt=0, le=1, description="Learning rate of the gradient-boosted model.")
    gbm_max_depth: int = Field(3, ge=1, le=10, description="Maximum tree depth of the gradient-boosted model.")
    gbm_min_samples_leaf: int = Field(20, ge=1, description="Minimum accounts per leaf of the gradient-boosted model.")
    shap_sample: int = Field(1000, ge=50, description="Accounts sampled for the SHAP summary (speed).")
    top_drivers: int = Field(10, ge=1, description="Drivers and segments shown in the notebook's charts and tables.")
    # ---- readable rules
    rule_max_conditions: int = Field(4, ge=1, le=10, description="Most conditions in the readable ICP rule.")
    rule_value_lift: float = Field(
        1.15,
        ge=1.0,
        description="An attribute value joins a condition when its customer rate, inside the accounts "
        "the rule already keeps, is at least this multiple of their rate.",
    )
    rule_min_recall: float = Field(
        0.3,
        gt=0,
        le=1,
        description="Stop adding conditions once the rule would keep fewer than this share of the customers.",
    )
    # ---- fallback when every account is a customer (e.g. Maven CRM)
    high_value_share: float = Field(
        0.33,
        gt=0,
        lt=1,
        description="When there are (almost) no non-customers, the profile contrasts the top "
        "share of customers by won revenue against the other customers.",
    )
    min_contrast: int = Field(
        10,
        ge=1,
        description="Fewest accounts needed in each class (customers, non-customers) for a "
        "customer-vs-rest profile; otherwise the high-value fallback is used.",
    )

    @field_validator("employee_bands")
    @classmethod
    def _emp(cls, v):
        return _increasing("employee_bands", v)

    @field_validator("revenue_bands")
    @classmethod
    def _rev(cls, v):
        return _increasing("revenue_bands", v)

    @field_validator("founded_bands")
    @classmethod
    def _fy(cls, v):
        return _increasing("founded_bands", v)

    @model_validator(mode="after")
    def _sizes(self):
        if self.shap_sample < self.cv_folds:
            raise ValueError("icp.shap_sample must be at least icp.cv_folds")
        return self
