"""Ad-platform spend exports read into ``costs`` (``data.ad_spend``; docs/import.md, "Ad spend").

LinkedIn Campaign Manager first: *Analyze -> Campaign performance -> Export*, report type "Campaign performance",
time breakdown "Daily". The file comes as LinkedIn writes it:

* UTF-16 little-endian with a byte-order mark (UTF-16 BE, UTF-8 and UTF-8 with BOM are read too), tab-separated
  (commas accepted);
* a preamble of report lines before the header (``Campaign Performance Report (in UTC)``, ``Report Start: ...``,
  ``Account Name: ...``, a blank line): the header is the first line naming a date and a spend column;
* one row per campaign and day: ``Start Date (in UTC)`` as ``1/31/2026`` (month first, as LinkedIn writes it;
  ISO dates are read too, and a column whose days prove day-first is read day-first), ``Campaign Group Name``,
  ``Currency``, ``Total Spent`` with thousands separators (``1,234.56``).

Each kept row becomes one ``costs`` row: ``program_id`` = ``ad_spend[].program_id`` or ``data.program.id``,
``channel`` = ``ad_spend[].channel``, ``period_start`` = ``period_end`` = the day, ``amount`` = Total Spent. Rows
of other campaign groups are counted in the import report, not silently dropped. Amounts are never converted
between currencies: a row in another currency than ``run.currency`` is an error.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ...config.core import AdSpendFile, RunParams
from ...errors import ABMDataError, ABMParamsError
from ..parse import Lines, ParseOptions, parse_numbers
from .base import ImportReport, RawTable, Source

#: Column names of a LinkedIn campaign performance report (first found wins, case-insensitive).
DATE_COLUMNS = ("Start Date (in UTC)", "Start Date", "Date", "Day")
END_COLUMNS = ("End Date (in UTC)", "End Date")
SPEND_COLUMNS = ("Total Spent", "Amount Spent", "Total Spend", "Spent", "Cost")
GROUP_COLUMNS = ("Campaign Group Name", "Campaign Group")
CURRENCY_COLUMNS = ("Currency",)
#: LinkedIn writes numbers in en-US form (``1,234.56``).
LINKEDIN_NUMBERS = ParseOptions(date_format=None, timezone="UTC", decimal=".", thousands=",")

_BOMS = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8"))
_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def decode_export(path: Path) -> str:
    """The text of an ad-platform export: UTF-16 (LE/BE, with or without BOM) or UTF-8 (with or without BOM)."""
    raw = path.read_bytes()
    enc = next((e for bom, e in _BOMS if raw.startswith(bom)), None)
    if enc is not None:
        raw = raw[2 if enc.startswith("utf-16") else 3 :]
    elif len(raw) >= 4 and raw[1::2][:64].count(0) > len(raw[1::2][:64]) // 2:
        enc = "utf-16-le"  # no BOM, but every other byte a NUL: UTF-16 of ASCII text
    elif len(raw) >= 4 and raw[0::2][:64].count(0) > len(raw[0::2][:64]) // 2:
        enc = "utf-16-be"
    else:
        enc = "utf-8"
    try:
        return raw.decode(enc)
    except UnicodeDecodeError as exc:
        raise ABMDataError(
            f"{path}: could not be decoded as {enc} ({exc}); export the report again from Campaign Manager "
            "(CSV) without re-saving it in another program.",
            file=str(path),
            reason="unreadable file",
        ) from None


def _key(v: str) -> str:
    return re.sub(r"\s+", " ", v.strip().lower())


def _find_header(lines: list[str], path: Path) -> tuple[int, str]:
    """(index of the header line, delimiter): the first line naming a date column and a spend column."""
    want_date, want_spend = {_key(c) for c in DATE_COLUMNS}, {_key(c) for c in SPEND_COLUMNS}
    for i, line in enumerate(lines):
        for delim in ("\t", ","):
            cells = {_key(c) for c in next(csv.reader([line], delimiter=delim), [])}
            if cells & want_date and cells & want_spend:
                return i, delim
    raise ABMDataError(
        f"{path}: no header line naming a date column ({', '.join(DATE_COLUMNS)}) and a spend column "
        f"({', '.join(SPEND_COLUMNS)}); is this a LinkedIn Campaign Manager campaign performance report?",
        file=str(path),
        reason="missing column",
    )


def read_linkedin_table(path: Path) -> Source:
    """The report's rows as text columns, each with the physical line of the file it is on (preamble counted)."""
    text = decode_export(path)
    lines = re.split(r"\r\n|\n|\r", text)
    head, delim = _find_header(lines, path)
    body = "\n".join(lines[head:])
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delim, strict=True)
    records: list[list[str]] = []
    at: list[int] = []
    try:
        start = 1
        for rec in reader:
            if rec and any(c.strip() for c in rec):
                records.append(rec)
                at.append(head + start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ABMDataError(
            f"{path}: malformed report at line {head + reader.line_num} ({exc})",
            file=str(path),
            rows=[head + reader.line_num],
            reason="bad quoting",
        ) from None
    header = [h.strip() for h in records[0]]
    for rec, ln in zip(records[1:], at[1:], strict=True):
        if len(rec) != len(header):
            raise ABMDataError(
                f"{path}: line {ln} has {len(rec)} field(s), the header (line {at[0]}) has {len(header)}; check "
                f"the delimiter ({'tab' if delim == chr(9) else 'comma'}) and quotes from line {ln} on.",
                file=str(path),
                rows=[ln],
                reason="field count",
            )
    df = pd.DataFrame(records[1:], columns=header, dtype="string") if len(records) > 1 else None
    if df is None:
        df = pd.DataFrame({h: pd.Series([], dtype="string") for h in header})
    df = df.apply(lambda c: c.str.strip().mask(c.str.strip() == ""))
    return Source(path, df, np.asarray(at[1:], dtype=np.int64))


def parse_days(values: pd.Series, src: Source, column: str) -> pd.Series:
    """Days of a LinkedIn date column: ``M/D/YYYY`` (day first only when the column proves it) or ISO."""
    s = values.astype("string").str.strip()
    parts = s.str.extract(_MDY)
    mdy = parts[0].notna()
    iso = s.str.match(_ISO_DAY).fillna(False).astype(bool)
    a, b = pd.to_numeric(parts[0]), pd.to_numeric(parts[1])
    day_first = bool((a > 12).any()) and not bool((b > 12).any())
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    fmt = "%d/%m/%Y" if day_first else "%m/%d/%Y"
    out[mdy] = pd.to_datetime(s[mdy], format=fmt, errors="coerce")
    out[iso] = pd.to_datetime(s[iso], format="%Y-%m-%d", errors="coerce")
    bad = (s.notna() & out.isna()) | s.isna()
    if bad.any():
        _bad_rows(src, bad, column, values, "is not a day (M/D/YYYY as LinkedIn writes it, or YYYY-MM-DD)")
    return out


def _bad_rows(src: Source, bad: pd.Series, column: str, values: pd.Series, why: str) -> None:
    pos = np.flatnonzero(bad.to_numpy(dtype=bool))
    lines = [int(src.row_lines[p]) for p in pos[:5]] if src.row_lines is not None else [int(p) + 2 for p in pos[:5]]
    shown = "\n".join(f"    line {ln}: {column}={values.iloc[p]!r}" for ln, p in zip(lines, pos[:5], strict=False))
    raise ABMDataError(
        f"{src.path}: column '{column}' {why} in {len(pos)} row(s):\n{shown}",
        file=str(src.path),
        column=column,
        rows=lines,
        reason="bad value",
    )


def read_ad_spend(
    spec: AdSpendFile,
    folder: Path,
    program_id: str | None,
    report: ImportReport,
    *,
    currency: str | None = None,
) -> RawTable:
    """Canonical ``costs`` rows of one ad-platform spend export (``data.ad_spend`` entry ``spec``).

    ``program_id`` is ``data.program.id`` (used when ``spec.program_id`` is not set); ``currency`` is
    ``run.currency`` (its default when None). Raises :class:`ABMParamsError` when no programme id is known,
    :class:`ABMDataError` naming file, column and lines for an unreadable report, an unknown campaign group,
    another currency or a bad date or amount."""
    path = Path(folder) / spec.path
    if not path.is_file():
        raise ABMDataError(
            f"{path}: file named in data.ad_spend does not exist", file=str(path), reason="file not found"
        )
    pid = spec.program_id or program_id
    if not pid:
        raise ABMParamsError(
            f"{path}: the programme this spend belongs to is not known; set data.program.id or "
            "data.ad_spend[].program_id in params.",
            file=str(path),
            reason="missing programme",
        )
    want_currency = currency or RunParams().currency
    src = read_linkedin_table(path)
    report.use(path, "costs")
    date_col = src.column(*DATE_COLUMNS)
    spend_col = src.column(*SPEND_COLUMNS)
    assert date_col is not None and spend_col is not None  # the header was found by them
    keep = pd.Series(True, index=src.df.index)
    aside: dict[str, int] = {}
    if spec.campaign_group is not None:
        group_col = src.column(*GROUP_COLUMNS)
        if group_col is None:
            raise ABMDataError(
                f"{path}: data.ad_spend[].campaign_group is '{spec.campaign_group}' but the report has no "
                f"'Campaign Group Name' column; export it with that column or leave campaign_group unset.",
                file=str(path),
                column="Campaign Group Name",
                reason="missing column",
            )
        groups = src.df[group_col].astype("string").str.strip()
        keep = (groups.str.lower() == spec.campaign_group.strip().lower()).fillna(False).astype(bool)
        if not keep.any():
            found = sorted(set(groups.dropna()))
            raise ABMDataError(
                f"{path}: no row of campaign group '{spec.campaign_group}' (data.ad_spend[].campaign_group); "
                f"the report has the campaign group(s): {', '.join(repr(g) for g in found) or 'none'}.",
                file=str(path),
                column=group_col,
                reason="unknown campaign group",
            )
        other = groups[~keep].fillna("(blank)").value_counts().sort_index()
        if len(other):
            listed = ", ".join(f"'{g}' ({n})" for g, n in other.items())
            report.note(
                f"{path.name}: {int((~keep).sum())} row(s) of other campaign groups not read as costs: {listed}"
            )
            aside[f"ad spend of campaign groups other than '{spec.campaign_group}'"] = int((~keep).sum())
    cur_col = src.column(*CURRENCY_COLUMNS)
    if cur_col is not None:
        cur = src.df[cur_col].astype("string").str.strip().str.upper()
        wrong = keep & cur.notna() & (cur != want_currency.upper())
        if wrong.any():
            _bad_rows(
                src,
                wrong,
                cur_col,
                src.df[cur_col],
                f"is not run.currency '{want_currency}' (ABM Lab does not convert currencies: export the report "
                f"in {want_currency} or set run.currency)",
            )
    else:
        report.note(f"{path.name}: no Currency column; spend taken as in run.currency ({want_currency})")
    rows = src.df[keep].reset_index(drop=True)
    sub = Source(path, rows, src.row_lines[keep.to_numpy()] if src.row_lines is not None else None)
    start = parse_days(rows[date_col], sub, date_col)
    end_col = src.column(*END_COLUMNS)
    end = parse_days(rows[end_col], sub, end_col) if end_col is not None else start
    days = pd.DatetimeIndex(start.dropna().unique())
    if len(days) > 1 and bool((days.day == 1).all()):
        report.warn(
            f"{path.name}: every row is dated the 1st of a month: a monthly time breakdown? Each row is read as "
            "one day of spend; export the report with the Daily time breakdown."
        )
    amount, bad, why = parse_numbers(rows[spend_col], LINKEDIN_NUMBERS)
    bad = bad | rows[spend_col].isna() | (amount < 0).fillna(False)
    if bad.any():
        _bad_rows(sub, bad.astype(bool), spend_col, rows[spend_col], "is not a non-negative amount (1,234.56)")
    df = pd.DataFrame(
        {
            "program_id": pd.Series(pid, index=rows.index, dtype="string"),
            "channel": pd.Series(spec.channel, index=rows.index, dtype="string"),
            "period_start": start,
            "period_end": end,
            "amount": amount.astype("float64"),
        }
    )
    report.note(
        f"{path.name}: {len(df)} daily spend row(s) read as costs of programme '{pid}', channel '{spec.channel}' "
        f"({df['amount'].sum():,.2f} {want_currency})"
    )
    if src.unused():
        report.ignored_columns[str(path)] = src.unused()
    lines = Lines.simple(str(path), sub.row_lines) if sub.row_lines is not None else None
    return RawTable(df, [path], lines, aside)
