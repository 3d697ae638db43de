"""Canonical data model of ABM Lab, column by column (validation: :mod:`abm_lab.data.validate`).

Every source (the synthetic demo world, a folder of CSV/Parquet exports, a DuckDB
file) is mapped onto these tables before any analysis. Types:

* ``str``      text (pandas string dtype)
* ``int``      whole number (nullable Int64)
* ``float``    decimal number (float64)
* ``bool``     true/false (nullable boolean; accepts true/false, 1/0, yes/no)
* ``date``     calendar date (datetime64, midnight)
* ``datetime`` timestamp (datetime64)

Units are stated per column. ``required`` columns must exist and be non-empty;
optional columns may be absent (they are then added as all-missing) or blank.

Technographic flags are any ``accounts`` column whose name starts with ``tech_``
(bool: the account uses that kind of product), so a team can add its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    required: bool
    doc: str
    unit: str = ""
    allowed: tuple[str, ...] | None = None
    nonneg: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    key: str | None
    columns: tuple[Column, ...]
    doc: str
    foreign_keys: dict[str, str] = field(default_factory=dict)  # column -> "table.column"
    date_order: tuple[tuple[str, str], ...] = ()  # (earlier, later) pairs
    prefixed: str | None = None  # extra columns allowed with this prefix (bool)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


#: Canonical opportunity stages, in funnel order. Sources map their own stage names onto these.
STAGES: tuple[str, ...] = (
    "prospecting",
    "discovery",
    "solution",
    "proposal",
    "negotiation",
    "closed_won",
    "closed_lost",
)
OPEN_STAGES: tuple[str, ...] = STAGES[:5]
CHANNELS: tuple[str, ...] = (
    "email",
    "web",
    "paid_social",
    "display",
    "search",
    "event",
    "webinar",
    "content",
    "sales",
    "direct_mail",
    "other",
)
FUNNEL_STAGES: tuple[str, ...] = ("tofu", "mofu", "bofu")
TIERS: tuple[str, ...] = ("strategic", "abm_lite", "programmatic")
#: Arms of a randomised holdout (programs.arm).
ARMS: tuple[str, ...] = ("treatment", "control")
RECORD_TYPES: tuple[str, ...] = ("contact", "lead")

ACCOUNTS = Table(
    "accounts",
    "account_id",
    (
        Column("account_id", "str", True, "Unique account identifier (CRM Account Id)."),
        Column("name", "str", True, "Account (company) name as held in the CRM."),
        Column(
            "domain",
            "str",
            False,
            "Primary website's registered domain, e.g. 'acme.com' (derived from website if blank).",
        ),
        Column("website", "str", False, "Website URL as held in the CRM (any form)."),
        Column("alt_domains", "str", False, "Other domains of the company, separated by ';'."),
        Column("parent_account_id", "str", False, "Account id of the parent company, if any."),
        Column("industry", "str", False, "Industry / sector label."),
        Column("employees", "int", False, "Number of employees.", unit="people", nonneg=True),
        Column("annual_revenue", "float", False, "Annual revenue.", unit="USD", nonneg=True),
        Column("country", "str", False, "Headquarters country."),
        Column("region", "str", False, "Sales region (e.g. NA, EMEA, APAC, LATAM)."),
        Column("founded_year", "int", False, "Year the company was founded.", unit="year"),
        Column("created_date", "date", False, "Date the account was created in the CRM."),
        Column("owner", "str", False, "Account owner (sales rep) id or name; CRM exports only."),
        Column(
            "is_customer",
            "bool",
            False,
            "Current customer at the run's as-of date. If absent, derived from won opportunities.",
        ),
    ),
    "One row per company in the account universe (customers, prospects, targets).",
    foreign_keys={"parent_account_id": "accounts.account_id"},
    prefixed="tech_",
)

CONTACTS = Table(
    "contacts",
    "contact_id",
    (
        Column("contact_id", "str", True, "Unique person identifier (Contact or Lead Id)."),
        Column("record_type", "str", False, "'contact' (linked in CRM) or 'lead' (unlinked).", allowed=RECORD_TYPES),
        Column("email", "str", False, "E-mail address (personal data: never shown in reports)."),
        Column("first_name", "str", False, "First name (personal data)."),
        Column("last_name", "str", False, "Last name (personal data)."),
        Column("job_title", "str", False, "Job title as typed."),
        Column("company_name", "str", False, "Company name as typed by the person or list."),
        Column("website", "str", False, "Company website as typed on a form."),
        Column("country", "str", False, "Country of the person."),
        Column("account_id", "str", False, "Account id when the CRM already links it."),
        Column("source", "str", False, "Lead source (web form, event, list import, ...)."),
        Column("created_date", "date", False, "Date the record was created."),
    ),
    "People: CRM contacts and marketing leads.",
    foreign_keys={"account_id": "accounts.account_id"},
)

OPPORTUNITIES = Table(
    "opportunities",
    "opportunity_id",
    (
        Column("opportunity_id", "str", True, "Unique opportunity identifier."),
        Column("account_id", "str", False, "Account of the deal (blank if not yet linked)."),
        Column(
            "created_date",
            "date",
            False,
            "Date the opportunity was created (or engaged); blank if the source has none (e.g. prospecting).",
        ),
        Column("stage", "str", True, "Current stage, one of the canonical STAGES.", allowed=STAGES),
        Column("close_date", "date", False, "Date closed (won or lost); blank while open."),
        Column("amount", "float", False, "Deal value (expected while open, actual when won).", unit="USD", nonneg=True),
        Column("product", "str", False, "Product or product line."),
        Column("owner", "str", False, "Opportunity owner (sales rep)."),
    ),
    "Sales opportunities (deals). is_won / is_closed are derived from the stage.",
    foreign_keys={"account_id": "accounts.account_id"},
    date_order=(("created_date", "close_date"),),
)

STAGE_HISTORY = Table(
    "stage_history",
    None,
    (
        Column("opportunity_id", "str", True, "Opportunity id."),
        Column("stage", "str", True, "Stage entered.", allowed=STAGES),
        Column("entered_date", "date", True, "Date the stage was entered."),
    ),
    "Optional: one row per stage an opportunity entered.",
    foreign_keys={"opportunity_id": "opportunities.opportunity_id"},
)

TOUCHPOINTS = Table(
    "touchpoints",
    "touchpoint_id",
    (
        Column("touchpoint_id", "str", True, "Unique activity identifier."),
        Column("timestamp", "datetime", True, "When the activity happened (UTC)."),
        Column("contact_id", "str", False, "Person who acted; blank for anonymous web visits."),
        Column(
            "visitor_domain", "str", False, "Reverse-IP company domain of an anonymous web visit (blank otherwise)."
        ),
        Column("account_id", "str", False, "Account when the source already knows it."),
        Column("channel", "str", True, "Marketing/sales channel, one of CHANNELS.", allowed=CHANNELS),
        Column("activity_type", "str", True, "What happened, e.g. email_open, web_visit, pricing_page, demo_request."),
        Column("funnel_stage", "str", False, "tofu / mofu / bofu.", allowed=FUNNEL_STAGES),
        Column("campaign_id", "str", False, "Campaign identifier."),
        Column("program_id", "str", False, "ABM program identifier, if the touch belongs to one."),
    ),
    "Timestamped marketing and sales activities.",
    foreign_keys={"contact_id": "contacts.contact_id", "account_id": "accounts.account_id"},
)

PROGRAMS = Table(
    "programs",
    None,
    (
        Column("program_id", "str", True, "ABM program identifier."),
        Column("account_id", "str", True, "Account enrolled in the program."),
        Column("tier", "str", False, "strategic / abm_lite / programmatic.", allowed=TIERS),
        Column("start_date", "date", True, "First day the account is in the program."),
        Column("end_date", "date", False, "Last day (blank while still enrolled)."),
        Column(
            "arm",
            "str",
            False,
            "Randomised holdout arm: treatment (gets the programme; blank = treatment) or control (held out: "
            "start_date is the date it would have started, and it gets no programme). With controls, the "
            "experiment is the headline lift (docs/experiments.md).",
            allowed=ARMS,
        ),
    ),
    "Which account is in which ABM program and tier, from when to when (and in which holdout arm).",
    foreign_keys={"account_id": "accounts.account_id"},
    date_order=(("start_date", "end_date"),),
)

COSTS = Table(
    "costs",
    None,
    (
        Column("program_id", "str", True, "Program the spend belongs to."),
        Column("channel", "str", True, "Channel of the spend.", allowed=CHANNELS),
        Column("period_start", "date", True, "First day of the spend period."),
        Column("period_end", "date", True, "Last day of the spend period."),
        Column("amount", "float", True, "Spend in the period.", unit="USD", nonneg=True),
    ),
    "Program spend by channel and period.",
    date_order=(("period_start", "period_end"),),
)

#: Composite score at or above which a company is "surging" on a topic, by the intent vendors' convention
#: (Bombora Company Surge: 60). Documentation of the score column only: the cut-off used lives in params.
SURGE_CONVENTION = 60

INTENT = Table(
    "intent",
    None,
    (
        Column(
            "domain",
            "str",
            True,
            "Company website domain the vendor resolved the research to (Bombora 'Domain'); mapped to an account "
            "by registered domain like an anonymous web visit (www. and sub-domains removed).",
        ),
        Column("company_name", "str", False, "Company name as the vendor holds it (Bombora 'Company Name')."),
        Column(
            "week_start",
            "date",
            True,
            "First day of the week the score measures (weekly files: one file per week). A week's score is known "
            "only once the week is over (week_start + 7 days).",
        ),
        Column("topic", "str", True, "Intent topic researched (Bombora 'Topic Name'), e.g. 'Marketing Automation'."),
        Column("topic_category", "str", False, "Group of the topic in the vendor's taxonomy (Bombora 'Category')."),
        Column(
            "score",
            "float",
            True,
            "Composite (surge) score of the company on the topic that week, 0-100 (Bombora 'Composite Score'): "
            "research above the company's own baseline. By the vendors' convention a company is surging on the "
            f"topic at {SURGE_CONVENTION} or more; the cut-off ABM Lab uses is engagement.intent_surge_threshold.",
            unit="0-100",
            nonneg=True,
        ),
        Column("account_id", "str", False, "Account, when the export was already matched to the CRM."),
        Column("source", "str", False, "Intent provider (e.g. Bombora, G2, TrustRadius)."),
    ),
    "Optional: third-party intent, one row per company domain, week and topic (weekly 'company surge' exports). "
    "Weeks or topics absent from the file had no reported research.",
    foreign_keys={"account_id": "accounts.account_id"},
)

TABLES: dict[str, Table] = {
    t.name: t for t in (ACCOUNTS, CONTACTS, OPPORTUNITIES, STAGE_HISTORY, TOUCHPOINTS, PROGRAMS, COSTS, INTENT)
}
#: Tables that must be present in every source; the others are optional.
REQUIRED_TABLES = ("accounts", "contacts", "opportunities", "touchpoints")


def empty_dtype(dtype: str) -> str:
    return {
        "str": "string",
        "int": "Int64",
        "float": "float64",
        "bool": "boolean",
        "date": "datetime64[ns]",
        "datetime": "datetime64[ns]",
    }[dtype]


def empty_table(name: str) -> pd.DataFrame:
    """A zero-row table with the canonical columns and dtypes (for sources lacking it)."""
    t = TABLES[name]
    return pd.DataFrame({c.name: pd.Series([], dtype=empty_dtype(c.dtype)) for c in t.columns})


def describe() -> str:
    """The data model as Markdown (used by docs/data_model.md and the data-health notebook)."""
    lines = []
    for t in TABLES.values():
        lines.append(f"### `{t.name}`\n\n{t.doc} Key: `{t.key or '-'}`.\n")
        lines.append("| column | type | unit | required | description |\n|---|---|---|---|---|")
        for c in t.columns:
            allowed = f" Allowed: {', '.join(c.allowed)}." if c.allowed else ""
            lines.append(
                f"| `{c.name}` | {c.dtype} | {c.unit or '-'} | {'yes' if c.required else 'no'} | {c.doc}{allowed} |"
            )
        if t.prefixed:
            lines.append(f"| `{t.prefixed}*` | bool | - | no | Technographic flag: uses this kind of product. |")
        if t.foreign_keys:
            lines.append("\nForeign keys: " + ", ".join(f"`{k}` → `{v}`" for k, v in t.foreign_keys.items()))
        lines.append("")
    return "\n".join(lines)
