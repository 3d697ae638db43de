"""Validation of a loaded table against the canonical model (:mod:`abm_lab.data.schema`): types coerced,
required columns present and filled, allowed values, unique keys and links between tables.

Every failure is an :class:`~abm_lab.errors.ABMDataError` naming the file, the column and the first failing
rows (file line numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ABMDataError, format_rows
from .schema import TABLES, Column, Table, empty_dtype

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
            out[col.name] = pd.Series(index=df.index, dtype=empty_dtype(col.dtype))
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
