"""Canonical data model of ABM Lab, column by column, and its validation.

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

import numpy as np
import pandas as pd

from ..errors import ABMDataError, format_rows


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
    ),
    "Which account is in which ABM program and tier, from when to when.",
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

TABLES: dict[str, Table] = {
    t.name: t for t in (ACCOUNTS, CONTACTS, OPPORTUNITIES, STAGE_HISTORY, TOUCHPOINTS, PROGRAMS, COSTS)
}
#: Tables that must be present in every source; the others are optional.
REQUIRED_TABLES = ("accounts", "contacts", "opportunities", "touchpoints")

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def _coerce(df: pd.DataFrame, col: Column, file: str) -> pd.Series:
    s = df[col.name]
    try:
        if col.dtype == "str":
            out = s.astype("string").str.strip()
            return out.mask(out == "")
        if col.dtype in ("int", "float"):
            raw = s
            if not pd.api.types.is_numeric_dtype(s):
                raw = s.astype("string").str.strip().str.replace(",", "", regex=False)
                raw = raw.mask(raw == "")
            num = pd.to_numeric(raw, errors="coerce")
            bad = num.isna() & raw.notna()
            if bad.any():
                rows, txt = format_rows(df, bad, [col.name])
                raise ABMDataError(
                    f"{file}: column '{col.name}' must be a number; {int(bad.sum())} row(s) are not:\n{txt}",
                    file=file,
                    column=col.name,
                    rows=rows,
                    reason="not a number",
                )
            if col.dtype == "int":
                frac = num.notna() & (num != np.floor(num.fillna(0)))
                if frac.any():
                    rows, txt = format_rows(df, frac, [col.name])
                    raise ABMDataError(
                        f"{file}: column '{col.name}' must be a whole number:\n{txt}",
                        file=file,
                        column=col.name,
                        rows=rows,
                        reason="not a whole number",
                    )
                return num.astype("Int64")
            return num.astype("float64")
        if col.dtype == "bool":
            if pd.api.types.is_bool_dtype(s):
                return s.astype("boolean")
            txt_s = s.astype("string").str.strip().str.lower().fillna("")
            bad = ~txt_s.isin(_TRUE | _FALSE)
            if bad.any():
                rows, txt = format_rows(df, bad, [col.name])
                raise ABMDataError(
                    f"{file}: column '{col.name}' must be true/false:\n{txt}",
                    file=file,
                    column=col.name,
                    rows=rows,
                    reason="not a boolean",
                )
            out = txt_s.isin(_TRUE).astype("boolean")
            return out.mask(s.isna())
        if col.dtype in ("date", "datetime"):
            if pd.api.types.is_datetime64_any_dtype(s):
                out = s
            else:
                raw = s.astype("string").str.strip()
                raw = raw.mask(raw == "")
                out = pd.to_datetime(raw, errors="coerce", format="mixed")
                bad = out.isna() & raw.notna()
                if bad.any():
                    rows, txt = format_rows(df, bad, [col.name])
                    raise ABMDataError(
                        f"{file}: column '{col.name}' must be a date (YYYY-MM-DD); "
                        f"{int(bad.sum())} row(s) are not:\n{txt}",
                        file=file,
                        column=col.name,
                        rows=rows,
                        reason="not a date",
                    )
            if getattr(out.dt, "tz", None) is not None:
                out = out.dt.tz_convert("UTC").dt.tz_localize(None)
            out = out.astype("datetime64[ns]")
            return out.dt.normalize() if col.dtype == "date" else out
    except ABMDataError:
        raise
    except Exception as exc:  # pragma: no cover - defensive: turn any coercion failure into a clear error
        raise ABMDataError(
            f"{file}: column '{col.name}' could not be read as {col.dtype}: {exc}",
            file=file,
            column=col.name,
            reason=str(exc),
        ) from None
    raise ValueError(col.dtype)


def validate_table(df: pd.DataFrame, table: Table | str, file: str | None = None) -> pd.DataFrame:
    """Check one table against the canonical model and return it with canonical dtypes.

    Raises :class:`ABMDataError` naming file, column and the first failing rows for:
    missing required columns, blanks in required columns, unparseable values,
    duplicate keys, values outside the allowed set, negative amounts, and dates out of
    order. No row is ever dropped: the output has exactly the input's rows.
    """
    t = TABLES[table] if isinstance(table, str) else table
    file = file or t.name
    df = df.reset_index(drop=True)
    missing = [c for c in t.required if c not in df.columns]
    if missing:
        raise ABMDataError(
            f"{file}: missing required column(s) {missing} for table '{t.name}'. "
            f"Found columns: {list(df.columns)}. Map source names to canonical ones with "
            f"data.column_map in the params file.",
            file=file,
            column=missing[0],
            reason="missing column",
        )
    out = pd.DataFrame(index=df.index)
    for col in t.columns:
        if col.name not in df.columns:
            out[col.name] = pd.Series(index=df.index, dtype=_empty_dtype(col.dtype))
            continue
        out[col.name] = _coerce(df, col, file)
    if t.prefixed:
        for c in df.columns:
            if c.startswith(t.prefixed):
                out[c] = _coerce(df, Column(c, "bool", False, "technographic flag"), file)
    # keep any extra source columns (nothing is lost), after the canonical ones
    for c in df.columns:
        if c not in out.columns:
            out[c] = df[c]
    check = out.copy()
    for c in t.required:
        blank = check[c].isna()
        if blank.any():
            rows, txt = format_rows(check, blank, [t.key or c, c] if t.key and t.key != c else [c])
            raise ABMDataError(
                f"{file}: required column '{c}' is blank in {int(blank.sum())} row(s):\n{txt}",
                file=file,
                column=c,
                rows=rows,
                reason="blank required value",
            )
    if t.key:
        dup = check[t.key].duplicated(keep=False) & check[t.key].notna()
        if dup.any():
            rows, txt = format_rows(check, dup, [t.key])
            raise ABMDataError(
                f"{file}: column '{t.key}' must be unique; {int(dup.sum())} rows share an id:\n{txt}",
                file=file,
                column=t.key,
                rows=rows,
                reason="duplicate key",
            )
    for col in t.columns:
        if col.allowed is not None:
            bad = check[col.name].notna() & ~check[col.name].isin(col.allowed)
            if bad.any():
                rows, txt = format_rows(check, bad, [t.key, col.name] if t.key else [col.name])
                raise ABMDataError(
                    f"{file}: column '{col.name}' has values outside {list(col.allowed)} "
                    f"(map them with data.value_map in params):\n{txt}",
                    file=file,
                    column=col.name,
                    rows=rows,
                    reason="value not allowed",
                )
        if col.nonneg:
            bad = check[col.name].notna() & (check[col.name] < 0)
            if bad.any():
                rows, txt = format_rows(check, bad, [t.key, col.name] if t.key else [col.name])
                raise ABMDataError(
                    f"{file}: column '{col.name}' must not be negative:\n{txt}",
                    file=file,
                    column=col.name,
                    rows=rows,
                    reason="negative value",
                )
    for early, late in t.date_order:
        bad = check[early].notna() & check[late].notna() & (check[late] < check[early])
        if bad.any():
            rows, txt = format_rows(check, bad, [c for c in (t.key, early, late) if c])
            raise ABMDataError(
                f"{file}: column '{late}' is before '{early}' in {int(bad.sum())} row(s):\n{txt}",
                file=file,
                column=late,
                rows=rows,
                reason="dates out of order",
            )
    return out


def _empty_dtype(dtype: str) -> str:
    return {
        "str": "string",
        "int": "Int64",
        "float": "float64",
        "bool": "boolean",
        "date": "datetime64[ns]",
        "datetime": "datetime64[ns]",
    }[dtype]


def check_foreign_keys(tables: dict[str, pd.DataFrame], files: dict[str, str] | None = None) -> None:
    """Raise :class:`ABMDataError` when a row points at an id that does not exist."""
    files = files or {}
    for name, df in tables.items():
        t = TABLES.get(name)
        if t is None:
            continue
        for col, target in t.foreign_keys.items():
            ttable, tcol = target.split(".")
            if ttable not in tables or col not in df.columns:
                continue
            known = pd.Index(tables[ttable][tcol].dropna().unique())
            bad = df[col].notna() & ~df[col].isin(known)
            if bad.any():
                rows, txt = format_rows(df, bad, [c for c in (t.key, col) if c])
                raise ABMDataError(
                    f"{files.get(name, name)}: column '{col}' points at {int(bad.sum())} unknown "
                    f"{ttable}.{tcol} value(s):\n{txt}",
                    file=files.get(name, name),
                    column=col,
                    rows=rows,
                    reason="unknown foreign key",
                )


def derive_opportunity_flags(opps: pd.DataFrame) -> pd.DataFrame:
    """Add ``is_closed`` and ``is_won`` (bool) from the canonical stage."""
    out = opps.copy()
    out["is_won"] = (out["stage"] == "closed_won").astype(bool)
    out["is_closed"] = out["stage"].isin(["closed_won", "closed_lost"]).astype(bool)
    return out


def empty_table(name: str) -> pd.DataFrame:
    """A zero-row table with the canonical columns and dtypes (for sources lacking it)."""
    t = TABLES[name]
    return pd.DataFrame({c.name: pd.Series([], dtype=_empty_dtype(c.dtype)) for c in t.columns})


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
