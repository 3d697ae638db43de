"""Data health checks for notebook 00: sizes, date ranges, missing values, key coverage."""
from __future__ import annotations

import pandas as pd

from . import schema


def table_overview(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per table: rows, columns, first and last date (of its main date column)."""
    date_col = {"accounts": "created_date", "contacts": "created_date", "opportunities": "created_date",
                "stage_history": "entered_date", "touchpoints": "timestamp", "programs": "start_date",
                "costs": "period_start"}
    rows = []
    for name, df in tables.items():
        c = date_col.get(name)
        d = df[c] if c in df.columns else pd.Series(dtype="datetime64[ns]")
        rows.append({"table": name, "rows": len(df), "columns": df.shape[1],
                     "first date": d.min().date() if d.notna().any() else None,
                     "last date": d.max().date() if d.notna().any() else None})
    return pd.DataFrame(rows).set_index("table")


def missing_values(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Share of blank values per canonical column (only columns with any blanks)."""
    rows = []
    for name, df in tables.items():
        t = schema.TABLES.get(name)
        if t is None or len(df) == 0:
            continue
        for c in t.columns:
            share = float(df[c.name].isna().mean())
            if share > 0:
                rows.append({"table": name, "column": c.name, "required": c.required, "blank share": round(share, 4)})
    return pd.DataFrame(rows, columns=["table", "column", "required", "blank share"])


def key_coverage(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """How well the tables link up: contacts with a known account, identifiable touchpoints, opps with an account."""
    c, t, o = tables["contacts"], tables["touchpoints"], tables["opportunities"]
    rows = [
        ("contacts linked to an account in the CRM", c["account_id"].notna().mean() if len(c) else float("nan")),
        ("contacts with an e-mail", c["email"].notna().mean() if len(c) else float("nan")),
        ("contacts with a company name", c["company_name"].notna().mean() if len(c) else float("nan")),
        ("touchpoints from a known contact", t["contact_id"].notna().mean() if len(t) else float("nan")),
        ("touchpoints that are anonymous web visits", t["visitor_domain"].notna().mean() if len(t) else float("nan")),
        ("opportunities linked to an account", o["account_id"].notna().mean() if len(o) else float("nan")),
    ]
    return pd.DataFrame(rows, columns=["check", "share"]).set_index("check").round(4)
