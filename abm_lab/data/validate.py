"""Validation of a loaded table against the canonical model (:mod:`abm_lab.data.schema`): types coerced,
required columns present and filled, allowed values, unique keys and links between tables.

Every failure is an :class:`~abm_lab.errors.ABMDataError` naming the file, the column and the first failing
rows (file line numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ABMDataError
from .parse import Lines, ParseOptions, null_tokens, parse_dates, parse_numbers
from .schema import TABLES, Column, Table, empty_dtype

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def format_rows(
    df: pd.DataFrame, mask: pd.Series, columns: list[str], lines: Lines | None = None, limit: int = 5
) -> tuple[list[int], str]:
    """(line numbers, text) of the first ``limit`` rows where ``mask`` is true.

    Line numbers are the file's own physical lines when ``lines`` is given (right after quoted newlines, and
    naming the file in a combined table), else data row i is line i+2 (header on line 1)."""
    pos = np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))[:limit]
    out, text = [], []
    for p in pos:
        vals = ", ".join(f"{c}={df.iloc[p][c]!r}" for c in columns if c in df.columns)
        if lines is not None and p < len(lines.line):
            out.append(int(lines.line[p]))
            text.append(f"    {lines.label(int(p))}: {vals}")
        else:
            out.append(int(p) + 2)
            text.append(f"    line {int(p) + 2}: {vals}")
    return out, "\n".join(text)


def _nulls(df: pd.DataFrame, col: str, file: str, lines: Lines | None) -> None:
    """Refuse literal NaN/NULL/None/N/A texts in a number or date column (they would silently become blank)."""
    bad = null_tokens(df[col])
    if bad.any():
        rows, txt = format_rows(df, bad, [col], lines)
        raise ABMDataError(
            f"{file}: column '{col}' holds the text {sorted(set(df.loc[bad, col]))} in {int(bad.sum())} row(s) "
            f"instead of a value; leave such cells blank in the export:\n{txt}",
            file=file,
            column=col,
            rows=rows,
            reason="null text",
        )


def _coerce(
    df: pd.DataFrame, col: Column, file: str, opts: ParseOptions | None = None, lines: Lines | None = None
) -> pd.Series:
    opts = opts or ParseOptions.default()
    s = df[col.name]
    try:
        if col.dtype == "str":
            out = s.astype("string").str.strip()
            return out.mask(out == "")
        if col.dtype in ("int", "float"):
            if pd.api.types.is_numeric_dtype(s):
                num = s.astype("float64")
            else:
                _nulls(df, col.name, file, lines)
                num, bad, why = parse_numbers(s, opts)
                if bad.any():
                    rows, txt = format_rows(df, bad, [col.name], lines)
                    raise ABMDataError(
                        f"{file}: column '{col.name}' must be a number; {int(bad.sum())} row(s) are {why}:\n{txt}",
                        file=file,
                        column=col.name,
                        rows=rows,
                        reason="not a number",
                    )
            if col.dtype == "int":
                frac = num.notna() & (num != np.floor(num.fillna(0)))
                if frac.any():
                    rows, txt = format_rows(df, frac, [col.name], lines)
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
                rows, txt = format_rows(df, bad, [col.name], lines)
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
                if getattr(out.dt, "tz", None) is not None:
                    out = out.dt.tz_convert(opts.timezone).dt.tz_localize(None)
            else:
                _nulls(df, col.name, file, lines)
                out, bad, why = parse_dates(s, opts)
                if bad.any():
                    rows, txt = format_rows(df, bad, [col.name], lines)
                    amb = why.startswith(("mixes", "has"))
                    what = f"the column {why}" if amb else f"{int(bad.sum())} row(s) are {why}"
                    raise ABMDataError(
                        f"{file}: column '{col.name}' must be a date; {what}:\n{txt}",
                        file=file,
                        column=col.name,
                        rows=rows,
                        reason="ambiguous date" if amb else "not a date",
                    )
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


def validate_table(
    df: pd.DataFrame,
    table: Table | str,
    file: str | None = None,
    *,
    opts: ParseOptions | None = None,
    lines: Lines | None = None,
    warnings: list[str] | None = None,
) -> pd.DataFrame:
    """Check one table against the canonical model and return it with canonical dtypes.

    Raises :class:`ABMDataError` naming file, column and the first failing rows for:
    missing required columns, blanks in required columns, unparseable values,
    duplicate keys, values outside the allowed set, negative amounts, and dates out of
    order. No row is ever dropped: the output has exactly the input's rows.

    ``opts`` says how text values are parsed (``params.data`` separators, date format, time zone; ``run.as_of``),
    ``lines`` gives each row's physical line in its file for messages. Problems that do not change a value are
    appended to ``warnings``: literal NaN/NULL texts in text columns, dates after ``run.as_of``.
    """
    opts = opts or ParseOptions.default()
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
            out[col.name] = pd.Series(index=df.index, dtype=empty_dtype(col.dtype))
            continue
        out[col.name] = _coerce(df, col, file, opts, lines)
    if t.prefixed:
        for c in df.columns:
            if c.startswith(t.prefixed):
                out[c] = _coerce(df, Column(c, "bool", False, "technographic flag"), file, opts, lines)
    # keep any extra source columns (nothing is lost), after the canonical ones
    for c in df.columns:
        if c not in out.columns:
            out[c] = df[c]
    if warnings is not None:
        warnings.extend(_warnings(df, out, t, file, opts, lines))
    check = out.copy()
    for c in t.required:
        blank = check[c].isna()
        if blank.any():
            rows, txt = format_rows(check, blank, [t.key or c, c] if t.key and t.key != c else [c], lines)
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
            rows, txt = format_rows(check, dup, [t.key], lines)
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
                rows, txt = format_rows(check, bad, [t.key, col.name] if t.key else [col.name], lines)
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
                rows, txt = format_rows(check, bad, [t.key, col.name] if t.key else [col.name], lines)
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
            rows, txt = format_rows(check, bad, [c for c in (t.key, early, late) if c], lines)
            raise ABMDataError(
                f"{file}: column '{late}' is before '{early}' in {int(bad.sum())} row(s):\n{txt}",
                file=file,
                column=late,
                rows=rows,
                reason="dates out of order",
            )
    return out


def _warnings(
    raw: pd.DataFrame, out: pd.DataFrame, t: Table, file: str, opts: ParseOptions, lines: Lines | None
) -> list[str]:
    """Visible warnings for values kept as they are: literal NaN/NULL texts in text columns, dates after as_of."""
    found = []
    typed = {c.name for c in t.columns if c.dtype != "str"}
    for c in raw.columns:
        if c in typed or (t.prefixed and str(c).startswith(t.prefixed)):
            continue
        hit = null_tokens(raw[c])
        if hit.any():
            rows, _ = format_rows(raw, hit, [c], lines, limit=3)
            vals = sorted(set(raw.loc[hit, c].astype(str).str.strip()))
            found.append(
                f"{file}: text column '{c}' holds {vals} in {int(hit.sum())} row(s) (lines {rows}); kept as text, "
                "not as a missing value"
            )
    if opts.as_of is not None:
        end = opts.as_of + pd.Timedelta(days=1)
        for col in t.columns:
            if col.dtype in ("date", "datetime") and len(out):
                late = out[col.name].notna() & (out[col.name] >= end)
                if late.any():
                    rows, _ = format_rows(out, late, [col.name], lines, limit=3)
                    found.append(
                        f"{file}: column '{col.name}' has {int(late.sum())} date(s) after run.as_of "
                        f"{opts.as_of.date()} (lines {rows})"
                    )
    return found


def check_foreign_keys(
    tables: dict[str, pd.DataFrame], files: dict[str, str] | None = None, lines: dict[str, Lines] | None = None
) -> None:
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
                rows, txt = format_rows(df, bad, [c for c in (t.key, col) if c], (lines or {}).get(name))
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
