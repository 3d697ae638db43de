"""Params sections owned by the foundation: run, data source, demo world."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Section


class RunParams(Section):
    name: str = Field("demo", description="Run name; outputs go to <output_dir>/<name>/.")
    output_dir: str = Field("reports", description="Folder holding one sub-folder per run.")
    as_of: dt.date = Field(dt.date(2026, 12, 31), description="Analysis date: 'today' for the run.")
    window_start: dt.date = Field(
        dt.date(2026, 10, 1), description="First day of the reporting window (e.g. the quarter)."
    )
    window_end: dt.date = Field(dt.date(2026, 12, 31), description="Last day of the reporting window.")
    seed: int = Field(42, description="Seed for every random step (models, bootstraps).")
    notebooks: list[str] = Field(
        default_factory=lambda: [
            "00_data_health",
            "01_icp_discovery",
            "02_account_grading",
            "03_lead_to_account",
            "04_engagement",
            "05_program_roi",
        ],
        description="Notebooks (in notebooks/, without .ipynb) to run, in order.",
    )
    currency: str = Field("USD", description="Currency of amounts and costs.")
    workers: int = Field(2, ge=1, le=8, description="Notebooks executed at the same time (independent ones only).")

    @model_validator(mode="after")
    def _window(self):
        if self.window_end < self.window_start:
            raise ValueError(f"run.window_end ({self.window_end}) is before run.window_start ({self.window_start})")
        return self


class DataParams(Section):
    source: Literal["demo", "folder", "duckdb"] = Field(
        "demo",
        description="'demo' generates the synthetic world; 'folder' reads CSV/Parquet files; "
        "'duckdb' reads a database file.",
    )
    path: str = Field("data/demo", description="Folder of files, or the .duckdb file.")
    preset: Literal["canonical", "salesforce", "maven_crm"] = Field(
        "canonical", description="Column-name mapping preset for known exports."
    )
    files: dict[str, str] = Field(
        default_factory=dict,
        description="Table -> file name (or DuckDB table) overrides, e.g. {accounts: Account.csv}.",
    )
    column_map: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Table -> {source column: canonical column}, applied after the preset."
    )
    value_map: dict[str, dict[str, dict[str, str]]] = Field(
        default_factory=dict, description="Table -> column -> {source value: canonical value}, e.g. stage names."
    )
    database_url_env: str | None = Field(
        None, description="Name of an environment variable holding a database URL. Never put credentials here."
    )

    @field_validator("database_url_env")
    @classmethod
    def _no_credentials(cls, v):
        if v and ("://" in v or "@" in v):
            raise ValueError(
                "data.database_url_env must name an environment variable, not contain a URL or credentials"
            )
        return v


class LiftTruth(Section):
    opp_rate: float = Field(0.5, description="True relative lift of ABM on opportunity creation (0.5 = +50%).", ge=-0.9)
    win_rate: float = Field(
        0.10, description="True absolute lift in win probability (0.10 = +10 points).", ge=-0.5, le=0.5
    )
    deal_size: float = Field(0.15, description="True relative lift on deal size (0.15 = +15%).", ge=-0.9)


class DemoParams(Section):
    seed: int = Field(7, description="Seed of the synthetic world.")
    n_accounts: int = Field(2000, ge=50)
    n_contacts: int = Field(20000, ge=100)
    n_touchpoints: int = Field(500000, ge=1000)
    n_quarters: int = Field(8, ge=4, description="Quarters of history, ending at run.as_of.")
    program_start: dt.date = Field(dt.date(2026, 1, 1), description="Date the ABM program starts.")
    customer_rate: float = Field(0.15, gt=0, lt=0.8, description="Share of accounts that are current customers.")
    target_share: float = Field(
        0.2, gt=0, lt=1, description="Share of non-customer accounts picked as ABM targets (by fit)."
    )
    lift: LiftTruth = Field(default_factory=LiftTruth)
    cost_per_target_account: float = Field(
        1500.0, ge=0, description="Program spend per target account per quarter (USD)."
    )
