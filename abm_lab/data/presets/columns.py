"""Column-name presets: one file per table, columns renamed and values recoded onto the canonical model.

* ``canonical``  – files already use canonical names (``accounts.csv`` …).
* ``maven_crm``  – Maven Analytics "CRM Sales Opportunities" (``accounts.csv``,
  ``sales_pipeline.csv``). It has no people or activities: ``contacts`` and
  ``touchpoints`` are empty tables. Account ids are the account names, revenue is in
  millions of USD in the source and converted to USD.
"""

from __future__ import annotations

import pandas as pd

from ...errors import ABMDataError

PRESETS: dict[str, dict] = {
    "canonical": {"files": {}, "columns": {}, "values": {}, "optional_tables": ()},
    "maven_crm": {
        "files": {"accounts": ["accounts.csv"], "opportunities": ["sales_pipeline.csv"]},
        "columns": {
            "accounts": {
                "sector": "industry",
                "year_established": "founded_year",
                "revenue": "annual_revenue",
                "office_location": "country",
                "subsidiary_of": "parent_account_id",
            },
            "opportunities": {
                "sales_agent": "owner",
                "account": "account_id",
                "deal_stage": "stage",
                "engage_date": "created_date",
                "close_value": "amount",
            },
        },
        "values": {
            "opportunities": {
                "stage": {
                    "Won": "closed_won",
                    "Lost": "closed_lost",
                    "Engaging": "discovery",
                    "Prospecting": "prospecting",
                }
            },
            "accounts": {"industry": {"technolgy": "technology"}, "country": {"Philipines": "Philippines"}},
        },
        "optional_tables": ("contacts", "touchpoints"),
    },
}

_REGIONS = {
    "United States": "NA",
    "USA": "NA",
    "US": "NA",
    "Canada": "NA",
    "Mexico": "LATAM",
    "Brazil": "LATAM",
    "Argentina": "LATAM",
    "Chile": "LATAM",
    "Colombia": "LATAM",
    "United Kingdom": "EMEA",
    "UK": "EMEA",
    "Germany": "EMEA",
    "France": "EMEA",
    "Netherlands": "EMEA",
    "Spain": "EMEA",
    "Italy": "EMEA",
    "Sweden": "EMEA",
    "Norway": "EMEA",
    "Poland": "EMEA",
    "Belgium": "EMEA",
    "Switzerland": "EMEA",
    "Ireland": "EMEA",
    "Italy ": "EMEA",
    "Romania": "EMEA",
    "Kenya": "EMEA",
    "Jordan": "EMEA",
    "Panama": "LATAM",
    "Japan": "APAC",
    "China": "APAC",
    "India": "APAC",
    "Australia": "APAC",
    "Singapore": "APAC",
    "Korea": "APAC",
    "Philippines": "APAC",
}


def region_of(country: str | None) -> str | None:
    """Sales region (NA, EMEA, APAC, LATAM) of a country name; None when unknown."""
    if not isinstance(country, str):
        return None
    return _REGIONS.get(country.strip())


def _preset(preset: str) -> dict:
    """A column preset's definition; a reader preset (salesforce, hubspot) maps nothing here (its reader does)."""
    return PRESETS.get(preset, PRESETS["canonical"])


def files(preset: str, table: str) -> list[str]:
    return list(_preset(preset)["files"].get(table, []))


def optional_tables(preset: str) -> tuple[str, ...]:
    return tuple(_preset(preset)["optional_tables"])


def column_map(preset: str, table: str) -> dict[str, str]:
    return dict(_preset(preset)["columns"].get(table, {}))


def value_map(preset: str, table: str) -> dict[str, dict[str, str]]:
    return {k: dict(v) for k, v in _preset(preset)["values"].get(table, {}).items()}


def _source_column(preset: str, table: str, canonical: str) -> str:
    """The export's own name of a canonical column under a preset (for messages)."""
    return next((src for src, dst in column_map(preset, table).items() if dst == canonical), canonical)


def require_columns(preset: str, table: str, df: pd.DataFrame, needed: list[str], file: str | None = None) -> None:
    """Raise a clear :class:`ABMDataError` naming the file and column when a preset's source column is missing
    (instead of a ``KeyError`` deep in a transform)."""
    missing = [c for c in needed if c not in df.columns]
    if not missing:
        return
    where = file or " + ".join(files(preset, table)) or f"{table} table"
    names = ", ".join(
        repr(src) if (src := _source_column(preset, table, c)) == c else f"{src!r} (canonical {c!r})" for c in missing
    )
    raise ABMDataError(
        f"{where} ({preset} preset, table '{table}'): missing column {names}; the preset needs it",
        file=where,
        column=_source_column(preset, table, missing[0]),
        reason="missing column",
    )


def _millions(raw: pd.Series, file: str | None) -> pd.Series:
    """Maven's revenue (millions of USD) as USD; a value that is not a number is an error naming its rows."""
    from ...errors import ABMDataError, format_rows
    from ..parse import ParseOptions, parse_numbers

    if pd.api.types.is_numeric_dtype(raw):
        return raw.astype(float) * 1_000_000
    values, refused, reason = parse_numbers(raw, ParseOptions.default())
    if refused.any():
        rows, text = format_rows(pd.DataFrame({"revenue": raw}), refused, ["revenue"])
        raise ABMDataError(
            f"{file or 'accounts'}: column 'revenue' (canonical 'annual_revenue') is not a number in "
            f"{int(refused.sum())} row(s) ({reason}):\n{text}",
            file=file or "accounts",
            column="revenue",
            rows=rows,
            reason="not a number",
        )
    return values.astype(float) * 1_000_000


def transform(preset: str, table: str, df: pd.DataFrame, file: str | None = None) -> pd.DataFrame:
    """Preset-specific fixes after renaming (derived columns, unit conversions).

    A source column a fix needs must exist (a clear error naming the file and column otherwise); optional ones
    (Maven's revenue and office location) are converted only when present."""
    df = df.copy()
    if preset == "maven_crm" and table == "accounts":
        require_columns(preset, table, df, ["account"], file)
        df["account_id"] = df["account"]
        df["name"] = df["account"]
        if "annual_revenue" in df.columns:  # millions of USD in the source; text such as "n/a" is refused
            df["annual_revenue"] = _millions(df["annual_revenue"], file)
        if "country" in df.columns:
            df["region"] = df["country"].map(region_of)
    if preset == "maven_crm" and table == "opportunities":
        require_columns(preset, table, df, ["opportunity_id", "account_id", "stage"], file)
    return df
