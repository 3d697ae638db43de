"""Data health checks for notebook 00: sizes, date ranges, missing values, key coverage."""

from __future__ import annotations

import pandas as pd

from . import schema


def table_overview(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per table: rows, columns, first and last date (of its main date column)."""
    date_col = {
        "accounts": "created_date",
        "contacts": "created_date",
        "opportunities": "created_date",
        "stage_history": "entered_date",
        "touchpoints": "timestamp",
        "programs": "start_date",
        "costs": "period_start",
    }
    rows = []
    for name, df in tables.items():
        c = date_col.get(name)
        d = df[c] if c in df.columns else pd.Series(dtype="datetime64[ns]")
        rows.append(
            {
                "table": name,
                "rows": len(df),
                "columns": df.shape[1],
                "first date": d.min().date() if d.notna().any() else None,
                "last date": d.max().date() if d.notna().any() else None,
            }
        )
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


def plot_weekly_touchpoints(tp: pd.DataFrame):
    """Stacked weekly touchpoint counts by funnel stage (figure)."""
    import matplotlib.pyplot as plt

    from ..style import source_line

    fig, ax = plt.subplots()
    if len(tp) == 0:
        ax.text(0.5, 0.5, "No touchpoints in this source", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    wk = tp["timestamp"].dt.to_period("W").dt.start_time
    counts = pd.crosstab(wk, tp["funnel_stage"].astype("string").fillna("unknown"))
    counts.plot.area(ax=ax, linewidth=0, alpha=0.85)
    ax.set_title("Touchpoints per week by funnel stage")
    ax.set_xlabel("Week")
    ax.set_ylabel("Touchpoints (count)")
    source_line(fig, "Source: touchpoints table of this run")
    return fig


def executive_summary(tables: dict[str, pd.DataFrame], dataset, params) -> str:
    """Three to five sentences on what was loaded, generated from the data."""
    a, c, o, t = (tables[k] for k in ("accounts", "contacts", "opportunities", "touchpoints"))
    cov = key_coverage(tables)["share"]
    src = "the synthetic demo world" if dataset.truth is not None else f"`{params.data.path}`"
    span = ""
    if len(t):
        span = f" between {t['timestamp'].min():%d %b %Y} and {t['timestamp'].max():%d %b %Y}"
    parts = [
        f"This run loaded {len(a):,} accounts, {len(c):,} people, {len(o):,} opportunities "
        f"and {len(t):,} touchpoints{span} from {src}.",
        "All tables passed validation (types, unique ids, links between tables, date order, non-negative amounts) "
        + _accounted(dataset),
    ]
    warns = list(getattr(dataset, "warnings", []) or [])
    if warns:
        parts.append(
            f"Loading raised {len(warns)} warning(s), listed below: "
            + "; ".join(w.replace("\n", " ") for w in warns[:5])
            + ("; ..." if len(warns) > 5 else "")
            + "."
        )
    if len(c):
        parts.append(
            f"{cov['contacts linked to an account in the CRM']:.0%} of people are already linked to an account "
            "in the CRM; "
            "the rest are matched on the lead-to-account page."
        )
    if len(t):
        parts.append(
            f"{cov['touchpoints that are anonymous web visits']:.0%} of touchpoints are anonymous web visits "
            "identified only by company domain."
        )
    if len(o):
        parts.append(
            f"{int(o['is_won'].sum()):,} opportunities are won, {int((~o['is_closed']).sum()):,} are still open."
        )
    return " ".join(parts[: 6 if warns else 5])


def _accounted(dataset) -> str:
    """'and no row was dropped.' or how many rows were set aside and why (every input row is accounted for)."""
    aside: dict[str, int] = {}
    for acc in (getattr(dataset, "accounting", {}) or {}).values():
        for k, v in acc.items():
            if k.startswith("set_aside: ") or k == "excluded_after_as_of":
                reason = k.removeprefix("set_aside: ").replace("excluded_after_as_of", "dated after the as-of date")
                aside[reason] = aside.get(reason, 0) + int(v)
    if not aside:
        return "and no row was dropped."
    said = "; ".join(f"{v:,} {k}" for k, v in aside.items())
    return f"and every input row is accounted for: rows set aside ({said}) are counted in the manifest."


def import_report(dataset) -> pd.DataFrame:
    """What the import did not use and what it did on the way, one line each (``what``, ``detail``).

    From :class:`abm_lab.data.presets.base.ImportReport`: files no table was read from, columns not used per
    file (a custom field to map with data.column_map, or noise), merges and derivations (converted leads merged,
    customers derived from won deals, expected close dates of open deals not used) and suspicious patterns."""
    rep = getattr(dataset, "import_report", None)
    rows: list[dict[str, str]] = []
    if rep is not None:
        from pathlib import Path

        for f in rep.ignored_files:
            rows.append({"what": "file not used", "detail": Path(f).name})
        for f, cols in rep.ignored_columns.items():
            shown = ", ".join(cols[:10]) + (f" and {len(cols) - 10} more" if len(cols) > 10 else "")
            rows.append({"what": f"columns not used in {Path(f).name}", "detail": shown})
        rows += [{"what": "done on import", "detail": n} for n in rep.notes]
        rows += [{"what": "check", "detail": w} for w in rep.warnings]
    return pd.DataFrame(rows, columns=["what", "detail"])


def import_report_table(dataset):
    """:func:`import_report` for the page: a Styler without row numbers, or a sentence when there is nothing."""
    from IPython.display import Markdown

    t = import_report(dataset)
    warn = load_warnings(dataset)
    if len(warn):
        t = pd.concat([t, pd.DataFrame({"what": "check", "detail": warn["warning"]})], ignore_index=True)
    if t.empty:
        return Markdown("Every file and column of the source was used, and nothing needed a note.")
    return t.style.hide(axis="index")


def load_warnings(dataset) -> pd.DataFrame:
    """The loader's warnings (literal NULL texts kept in text columns, dates after run.as_of, ...), one a row."""
    return pd.DataFrame({"warning": list(getattr(dataset, "warnings", []) or [])})


def format_overview(overview: pd.DataFrame) -> pd.DataFrame:
    """The table overview with thousands separators, for reading."""
    out = overview.copy()
    for c in ("rows", "columns"):
        out[c] = out[c].map(lambda v: f"{int(v):,}")
    return out
