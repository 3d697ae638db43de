"""Params sections owned by the foundation: run, data source, demo world."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Section


class RunParams(Section):
    name: str = Field(
        "demo",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="Run name; outputs go to <output_dir>/<name>/. A safe slug: letters, digits, '.', '_', '-', "
        "starting with a letter or digit (never empty, '..' or a path).",
    )
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
    cell_timeout: int = Field(
        1800,
        ge=10,
        description="Seconds one notebook cell may run before the run stops with an error naming the notebook and "
        "the cell (a hung kernel never blocks a run).",
    )
    kernel_start_timeout: int = Field(120, ge=10, description="Seconds to wait for a notebook's kernel to start.")

    @model_validator(mode="after")
    def _window(self):
        if self.window_end < self.window_start:
            raise ValueError(f"run.window_end ({self.window_end}) is before run.window_start ({self.window_start})")
        return self


class FileSpec(Section):
    """One input file of a table, with constant columns for its rows (e.g. a web-visits file: channel web)."""

    path: str = Field(description="File name in data.path (or an absolute path).")
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="Canonical column -> value set on every row of this file (e.g. {channel: web, activity_type: "
        "web_visit}); a column the file already has is not overwritten where it has a value.",
    )
    format: Literal["table", "web_visits"] = Field(
        "table",
        description="'table': rows already in the table's layout (after column_map); 'web_visits': an anonymous "
        "company-level (reverse-IP) visits file (domain, date, page views) read as touchpoints with visitor_domain.",
    )


class AdSpendFile(Section):
    """An ad-platform spend export read into ``costs``."""

    path: str = Field(description="File name in data.path (or an absolute path).")
    platform: Literal["linkedin"] = Field(
        "linkedin", description="Export layout: 'linkedin' = LinkedIn Campaign Manager campaign performance report."
    )
    campaign_group: str | None = Field(
        None,
        description="Keep only rows of this campaign group (name, case-insensitive); None = every row of the file.",
    )
    program_id: str | None = Field(None, description="Programme the spend belongs to; None = data.program's id.")
    channel: str = Field("paid_social", description="Canonical channel of the spend.")


class ProgramSource(Section):
    """Where the ABM programme (targets, tiers, start, costs) is found in a CRM export (``data.program``).

    Salesforce: ``campaign`` names the programme's campaign; its account members are the targets from the
    member's creation date, the tier comes from the member status or ``tier_field`` on the account, its child
    campaigns' ActualCost are the costs by channel. HubSpot: ``target_property`` (a company property, true =
    target) and ``tier_property`` with ``start_date`` (HubSpot keeps no enrolment date)."""

    campaign: str | None = Field(None, description="Salesforce: the programme campaign's Name (or Id).")
    id: str | None = Field(None, description="Programme id in programs/costs; None = the campaign's name.")
    start_date: dt.date | None = Field(
        None, description="First day of the programme, for sources without an enrolment date per account."
    )
    target_property: str | None = Field(None, description="HubSpot: company property marking target accounts.")
    tier_property: str | None = Field(None, description="HubSpot: company property holding the tier label.")
    tier_field: str | None = Field(
        None, description="Salesforce: Account field holding the tier label (else the member's Status)."
    )
    arm_field: str | None = Field(
        None,
        description="Account field / company property holding the randomised holdout arm (treatment / control; "
        "'holdout' reads as control). Salesforce also reads 'holdout' or 'control' in the member Status.",
    )
    tier_values: dict[str, str] = Field(
        default_factory=dict,
        description="Tier label -> canonical tier (strategic / abm_lite / programmatic) for labels not recognised "
        "('Tier 1 ...', 'Strategic', '1:1', '1:few', '1:many' are).",
    )


class DataParams(Section):
    source: Literal["demo", "folder", "duckdb"] = Field(
        "demo",
        description="'demo' generates the synthetic world; 'folder' reads CSV/Parquet files; "
        "'duckdb' reads a database file.",
    )
    path: str = Field("data/demo", description="Folder of files, or the .duckdb file.")
    preset: Literal["canonical", "salesforce", "hubspot", "maven_crm"] = Field(
        "canonical", description="Layout of known exports (docs/import.md): canonical, salesforce, hubspot, maven_crm."
    )
    files: dict[str, str | list[str | FileSpec]] = Field(
        default_factory=dict,
        description="Table -> file(s) (or DuckDB table). One name or a list; a list entry may carry constant "
        "columns ({path: visits.csv, columns: {channel: web}}). With the canonical and maven_crm presets these "
        "replace the default file of the table; with salesforce and hubspot they add canonical-layout files to "
        "what the preset reads.",
    )
    program: ProgramSource | None = Field(
        None, description="Where the ABM programme is in a CRM export (targets, tiers, costs); docs/import.md."
    )
    ad_spend: list[AdSpendFile] = Field(
        default_factory=list, description="Ad-platform spend exports read into costs (LinkedIn Campaign Manager)."
    )
    epoch_unit: Literal["s", "ms"] | None = Field(
        None,
        description="Unit of numeric (Unix epoch) timestamps in date and time columns of text files: 's' or 'ms'. "
        "None = numbers in a date column are refused.",
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
    date_format: str | None = Field(
        None,
        description="strptime format of day/month dates in text files, e.g. '%d/%m/%Y'. Needed when a column's "
        "dates are ambiguous (05/01/2026) or mix formats; ISO dates (2026-01-05) are always read. None = detect "
        "and refuse what is ambiguous.",
    )
    timezone: str = Field(
        "UTC",
        description="Time zone of the analysis: timestamps with an offset are converted to it, timestamps without "
        "one are taken as in it (IANA name, e.g. 'Europe/Berlin').",
    )
    decimal: Literal[".", ","] = Field(".", description="Decimal separator of numbers in text files.")
    thousands: Literal[",", ".", " ", "'"] | None = Field(
        None,
        description="Thousands separator of numbers in text files. None = none, except grouped values that cannot "
        "be read otherwise (1,200,000 in a column without decimal commas).",
    )

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"data.timezone '{v}' is not a known time zone (IANA name, e.g. 'UTC', 'Europe/Berlin')"
            ) from None
        return v

    @model_validator(mode="after")
    def _separators(self):
        if self.thousands == self.decimal:
            raise ValueError(f"data.thousands and data.decimal are both '{self.decimal}'")
        return self

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


class ScenarioParams(Section):
    """How hard the synthetic world is for lift estimation: realistic defaults, each switch can be turned off.

    :meth:`simple` turns every switch off (targets on fit only, one start, no exits, flat hazard, homogeneous
    effect, no anticipation, no spillover, no burn-in): the generator's behaviour before issue 11.
    """

    burn_in_weeks: int = Field(
        26,
        ge=0,
        description="Weeks simulated before the observed window and dropped, so that the first observed quarters "
        "are stationary (deals open at the window's start are carried in). 0 = every account starts the "
        "window with no open deal (a warm-up artefact: the first quarter's opportunity rate is inflated).",
    )
    selection_intent_weight: float = Field(
        0.5,
        ge=0,
        description="Weight of an account's recent intent (mean latent intent over the last "
        "selection_window_quarters before its cohort starts, standardised) in the sales team's judgement of "
        "targets, next to fit (logit scale; judgement noise sd 0.7). Targets rise in intent before the "
        "programme, then regress. 0 = targets are chosen on fit plus noise only.",
    )
    selection_window_quarters: int = Field(
        2, ge=1, le=4, description="Quarters of recent intent the target judgement looks at."
    )
    trend_per_year: float = Field(
        0.15,
        ge=-1,
        le=1,
        description="Common time trend of the opportunity hazard without the programme (logit per year, centred "
        "on the observed window). 0 = no trend.",
    )
    seasonality: tuple[float, float, float, float] = Field(
        (-0.05, 0.0, -0.10, 0.15),
        description="Offsets of the opportunity hazard by calendar quarter Q1..Q4 (logit scale, centred to mean "
        "0 by the generator): slow summer, strong Q4. All 0 = no seasonality.",
    )
    stagger_quarters: int = Field(
        3,
        ge=1,
        le=8,
        description="Targets start in this many quarterly cohorts of equal size, the first at demo.program_start, "
        "the next 91 days apart; each cohort is chosen then (on fit and its recent intent) from the accounts not "
        "yet chosen. 1 = every target starts at demo.program_start.",
    )
    exit_share: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Share of the targets (of those started more than a quarter before as_of) that leave the "
        "programme before as_of, after a random whole number of programme quarters (programs.end_date set to "
        "the last day in; no effect after). 0 = nobody leaves (end_date blank).",
    )
    tier_effect: dict[str, float] = Field(
        default_factory=lambda: {"strategic": 2.0, "abm_lite": 1.25, "programmatic": 0.8},
        description="Multiplier of lift.opp_rate per tier (heterogeneous effects; the target-weighted mean is "
        "about 1 with the default tier shares). All 1 = the same effect for every target.",
    )
    anticipation_weeks: int = Field(
        0,
        ge=0,
        le=26,
        description="Weeks before an account's start in which anticipation_share of its opp-rate lift already "
        "acts (sales prepares the account). 0 = none.",
    )
    anticipation_share: float = Field(
        0.5, ge=0, le=1, description="Share of the opp-rate lift during the anticipation weeks."
    )
    spillover_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of the opp-rate lift reaching non-target prospects, scaled by the share of targets "
        "active that week (brand spillover; breaks the no-interference assumption). 0 = none.",
    )

    @field_validator("tier_effect")
    @classmethod
    def _tiers(cls, v: dict[str, float]) -> dict[str, float]:
        tiers = {"strategic", "abm_lite", "programmatic"}
        if set(v) != tiers or any(x < 0 for x in v.values()):
            raise ValueError(f"demo.scenario.tier_effect needs a non-negative multiplier for each of {sorted(tiers)}")
        return v

    @classmethod
    def simple(cls, **overrides: object) -> ScenarioParams:
        """Every switch off: the simpler world (fit-only targets, one start, flat hazard, no burn-in)."""
        off: dict[str, object] = {
            "burn_in_weeks": 0,
            "selection_intent_weight": 0.0,
            "trend_per_year": 0.0,
            "seasonality": (0.0, 0.0, 0.0, 0.0),
            "stagger_quarters": 1,
            "exit_share": 0.0,
            "tier_effect": {"strategic": 1.0, "abm_lite": 1.0, "programmatic": 1.0},
            "anticipation_weeks": 0,
            "spillover_share": 0.0,
        }
        return cls.model_validate({**off, **overrides})


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
    scenario: ScenarioParams = Field(
        default_factory=ScenarioParams, description="How hard the world is for lift estimation (switches)."
    )
    holdout_share: float | None = Field(
        None,
        gt=0,
        lt=0.9,
        description="Randomise this share of the targets (within tier x start cohort, ±1 account per stratum) "
        "into a control group that gets no programme (programs.arm = control); None = no experiment.",
    )
    holdout_exclude_tiers: list[str] = Field(
        default_factory=lambda: ["strategic"],
        description="Tiers the synthetic world never holds out (as experiment.exclude_tiers: sales keep 1:1 accounts).",
    )
    cost_per_target_account: float = Field(
        1500.0, ge=0, description="Program spend per target account per quarter (USD)."
    )
    intent_coverage: float = Field(
        0.6,
        ge=0,
        lt=1,
        description="Share of accounts (on average; larger companies likelier) the synthetic third-party intent "
        "export covers (intent.parquet, weekly company-surge scores per topic); 0 = no intent table. Drawn from its "
        "own random stream: changing it changes no other table.",
    )
