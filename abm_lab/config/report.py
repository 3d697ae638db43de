"""Params section 'report' (owned by the report module; all defaults live here).

The run index (``<run_dir>/index.html``) shows headline KPI tiles against targets.
A target left at ``None`` here falls back to the same-named target in ``roi.targets``
(the KPI targets agreed at program outset), so a target is set in one place only;
set it here to override it for the leadership page.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from .base import Section


class ReportTargets(Section):
    """Targets for the KPI tiles of the run index, per reporting window."""

    target_accounts: float | None = Field(
        None, ge=0, description="Accounts selected as ABM targets (count); None = no target set."
    )
    engaged_accounts: float | None = Field(
        None, ge=0, description="Engaged accounts in the window (count); None = roi.targets.engaged_accounts."
    )
    mqas: float | None = Field(
        None, ge=0, description="Marketing-qualified accounts in the window (count); None = roi.targets.mqas."
    )
    pipeline: float | None = Field(
        None, ge=0, description="Pipeline created in the window (USD); None = roi.targets.pipeline."
    )
    win_rate: float | None = Field(
        None, ge=0, le=1, description="Win rate of deals closed in the window (share); None = roi.targets.win_rate."
    )
    roi: float | None = Field(
        None, description="Program ROI ((gross profit − cost) / cost; 1.0 = 100%); None = roi.targets.roi."
    )


class ReportParams(Section):
    targets: ReportTargets = Field(default_factory=ReportTargets)
    on_track_share: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="A KPI tile below target but at or above this share of it is amber ('at risk'), "
        "below it red (share); None = roi.tile_at_risk.",
    )
    title: str = Field("ABM program report", description="Title shown on the run index and in every page header.")
    currency_symbol: str | None = Field(
        None,
        description="Symbol for money in the reports; None = from run.currency "
        "(USD $, EUR €, GBP £, JPY ¥, else the code).",
    )

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("report.title must not be empty")
        return v
