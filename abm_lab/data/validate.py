"""Validation of a loaded table against the canonical model (:mod:`abm_lab.data.schema`): types coerced,
required columns present and filled, allowed values, unique keys and links between tables.

Types are coerced in pandas (:mod:`abm_lab.data.parse`); the checks whose cost grows with the rows are one
portable query per table (:mod:`abm_lab.data.rowchecks`) run on a compute engine (:mod:`abm_lab.compute`, DuckDB
unless ``compute.engine: spark``). Every failure is an :class:`~abm_lab.errors.ABMDataError` naming the file, the
column and the first failing rows (file line numbers), whichever engine found it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..compute import Engine, open_engine
from ..config.compute import ComputeParams
from ..errors import ABMDataError
from . import rowchecks
from .parse import Lines, ParseOptions, null_tokens, parse_dates, parse_numbers
from .schema import TABLES, Column, Table, empty_dtype

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}
#: Failing rows named in an error message, and in a warning.
SHOWN_ROWS = 5
SHOWN_WARNING_ROWS = 3


def format_positions(
    df: pd.DataFrame, pos: np.ndarray | list[int], columns: list[str], lines: Lines | None = None
) -> tuple[list[int], str]:
    """(line numbers, text) of the rows at positions ``pos`` of ``df`` (see :func:`format_rows`)."""
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


def format_rows(
    df: pd.DataFrame, mask: pd.Series, columns: list[str], lines: Lines | None = None, limit: int = SHOWN_ROWS
) -> tuple[list[int], str]:
    """(line numbers, text) of the first ``limit`` rows where ``mask`` is true.

    Line numbers are the file's own physical lines when ``lines`` is given (right after quoted newlines, and
    naming the file in a combined table), else data row i is line i+2 (header on line 1)."""
    pos = np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))[:limit]
    return format_positions(df, pos, columns, lines)


def _text(s: pd.Series) -> pd.Series:
    """Text values stripped, blanks missing. A categorical column is converted through its categories: a
    10M-row column of a few values costs its categories, not its rows."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = pd.Series(s.cat.categories).astype("string").str.strip()
        cats = cats.mask(cats == "")
        return pd.Series(cats.array.take(s.cat.codes.to_numpy(), allow_fill=True), index=s.index)
    out = s.astype("string").str.strip()
    return out.mask(out == "")


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
            return _text(s)
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
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
) -> pd.DataFrame:
    """Check one table against the canonical model and return it with canonical dtypes.

    Raises :class:`ABMDataError` naming file, column and the first failing rows for:
    missing required columns, blanks in required columns, unparseable values,
    duplicate keys, values outside the allowed set, negative amounts, and dates out of
    order. No row is ever dropped: the output has exactly the input's rows.

    ``opts`` says how text values are parsed (``params.data`` separators, date format, time zone; ``run.as_of``),
    ``lines`` gives each row's physical line in its file for messages. Problems that do not change a value are
    appended to ``warnings``: literal NaN/NULL texts in text columns, dates after ``run.as_of``.
    Values are coerced in pandas; the row checks run on ``engine`` if given, else on one made from ``compute``
    (DuckDB by default): :mod:`abm_lab.data.rowchecks`.
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
    with open_engine(engine, compute) as eng:
        _row_checks(eng, df, out, t, file, opts, lines, warnings)
    return out


#: Kinds of row checks that give a warning, not an error.
_WARNING_KINDS = ("null_text", "late")


def _raw_text_columns(raw: pd.DataFrame, t: Table) -> list[str]:
    """Raw columns of text that the literal-NULL warning reads: not typed canonical columns, not flags."""
    typed = {c.name for c in t.columns if c.dtype != "str"}
    return [
        c
        for c in raw.columns
        if c not in typed
        and not (t.prefixed and str(c).startswith(t.prefixed))
        and (pd.api.types.is_string_dtype(raw[c]) or raw[c].dtype == object)
    ]


def _row_checks(
    eng: Engine,
    raw: pd.DataFrame,
    out: pd.DataFrame,
    t: Table,
    file: str,
    opts: ParseOptions,
    lines: Lines | None,
    warnings: list[str] | None,
) -> None:
    """Run :func:`rowchecks.table_plan` on ``eng``; append its warnings, raise its first error as always.

    Literal NULL texts of a categorical raw column are looked for in its categories (a few values, not its rows)."""
    raw_text = _raw_text_columns(raw, t) if warnings is not None else []
    coded = [c for c in raw_text if isinstance(raw[c].dtype, pd.CategoricalDtype)]
    texts = [c for c in raw_text if c not in coded]
    as_of = opts.as_of if warnings is not None else None
    name = f"checked_{t.name}"
    plan = rowchecks.table_plan(t, name, as_of, len(texts))
    rowchecks.register(eng, name, rowchecks.arrow_frame(out, plan.columns, [raw[c] for c in texts]))
    try:
        res = rowchecks.run_counts(eng, plan)
        _accounted(res.n_rows, len(out), file)
        failing = res.failing()
        warn = [i for i in failing if plan.checks[i].kind in _WARNING_KINDS]
        err = next((i for i in failing if plan.checks[i].kind not in _WARNING_KINDS), None)
        wanted = {i: SHOWN_WARNING_ROWS for i in warn} | ({err: SHOWN_ROWS} if err is not None else {})
        pos = rowchecks.first_rows(eng, plan, wanted)
    finally:
        rowchecks.unregister(eng, name)
    if warnings is not None:
        null_text: dict[str, str] = {}
        for i in warn:
            c, n = plan.checks[i], res.counts[i]
            rows, _ = format_positions(out, pos[i], [], lines)
            if c.kind == "null_text":
                col = texts[int(c.column.rsplit("_", 1)[1])]
                null_text[col] = _null_text_warning(raw, col, n, rows, file)
        for col in coded:
            if null_tokens(pd.Series(raw[col].cat.categories)).any():
                hit = null_tokens(raw[col])
                rows, _ = format_rows(raw, hit, [], lines, limit=SHOWN_WARNING_ROWS)
                null_text[col] = _null_text_warning(raw, col, int(hit.sum()), rows, file)
        warnings.extend(null_text[c] for c in raw_text if c in null_text)  # in the columns' order
        for i in warn:
            c, n = plan.checks[i], res.counts[i]
            if c.kind == "late":
                assert opts.as_of is not None
                rows, _ = format_positions(out, pos[i], [], lines)
                warnings.append(
                    f"{file}: column '{c.column}' has {n} date(s) after run.as_of {opts.as_of.date()} (lines {rows})"
                )
    if err is not None:
        _raise(plan.checks[err], res.counts[err], pos[err], out, t, file, lines)


def _null_text_warning(raw: pd.DataFrame, col: str, n: int, rows: list[int], file: str) -> str:
    hit = null_tokens(raw[col])  # the texts named: one column, only when some were found
    vals = sorted(set(raw.loc[hit, col].astype(str).str.strip()))
    return (
        f"{file}: text column '{col}' holds {vals} in {n} row(s) (lines {rows}); kept as text, not as a missing value"
    )


def _accounted(seen: int, rows: int, file: str) -> None:
    """Refuse a check that did not see every row (a registration that lost rows would pass bad data)."""
    if seen != rows:
        raise ABMDataError(
            f"{file}: the row checks saw {seen} row(s) of {rows}; no row may go unchecked",
            file=file,
            reason="row count",
        )


def _raise(
    c: rowchecks.RowCheck, n: int, pos: list[int], out: pd.DataFrame, t: Table, file: str, lines: Lines | None
) -> None:
    """The error of a failed row check, worded as the pandas checks always worded it."""
    keyed = [t.key, c.column] if t.key else [c.column]
    if c.kind == "blank":
        rows, txt = format_positions(out, pos, [t.key, c.column] if t.key and t.key != c.column else [c.column], lines)
        msg, reason = f"{file}: required column '{c.column}' is blank in {n} row(s):\n{txt}", "blank required value"
    elif c.kind == "duplicate":
        rows, txt = format_positions(out, pos, [c.column], lines)
        msg, reason = f"{file}: column '{c.column}' must be unique; {n} rows share an id:\n{txt}", "duplicate key"
    elif c.kind == "allowed":
        rows, txt = format_positions(out, pos, keyed, lines)
        allowed = list(t.column(c.column).allowed or ())
        msg = (
            f"{file}: column '{c.column}' has values outside {allowed} (map them with data.value_map in params):\n{txt}"
        )
        reason = "value not allowed"
    elif c.kind == "negative":
        rows, txt = format_positions(out, pos, keyed, lines)
        msg, reason = f"{file}: column '{c.column}' must not be negative:\n{txt}", "negative value"
    else:  # order
        rows, txt = format_positions(out, pos, [x for x in (t.key, c.other, c.column) if x], lines)
        msg = f"{file}: column '{c.column}' is before '{c.other}' in {n} row(s):\n{txt}"
        reason = "dates out of order"
    raise ABMDataError(msg, file=file, column=c.column, rows=rows, reason=reason)


def check_foreign_keys(
    tables: dict[str, pd.DataFrame],
    files: dict[str, str] | None = None,
    lines: dict[str, Lines] | None = None,
    *,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
) -> None:
    """Raise :class:`ABMDataError` when a row points at an id that does not exist.

    One query per table with links (:func:`rowchecks.fk_plan`), on ``engine`` or one made from ``compute``."""
    files = files or {}
    with open_engine(engine, compute) as eng:
        targets: dict[str, str] = {}
        try:
            for name, df in tables.items():
                t = TABLES.get(name)
                if t is None:
                    continue
                fks = []
                for col, target in t.foreign_keys.items():
                    ttable, tcol = target.split(".")
                    if ttable not in tables or col not in df.columns:
                        continue
                    if target not in targets:
                        targets[target] = f"known_{ttable}_{tcol}"
                        rowchecks.register(eng, targets[target], rowchecks.arrow_frame(tables[ttable], [tcol]))
                    fks.append((col, targets[target], tcol))
                if fks:
                    _fk_checks(eng, name, df, t, fks, files.get(name, name), (lines or {}).get(name))
        finally:
            for reg in targets.values():
                rowchecks.unregister(eng, reg)


def _fk_checks(
    eng: Engine, name: str, df: pd.DataFrame, t: Table, fks: list[tuple[str, str, str]], file: str, lines: Lines | None
) -> None:
    reg = f"linked_{name}"
    plan = rowchecks.fk_plan(reg, fks)
    rowchecks.register(eng, reg, rowchecks.arrow_frame(df, plan.columns))
    try:
        res = rowchecks.run_counts(eng, plan)
        _accounted(res.n_rows, len(df), file)
        err = next(iter(res.failing()), None)
        pos = rowchecks.first_rows(eng, plan, {err: SHOWN_ROWS}) if err is not None else {}
    finally:
        rowchecks.unregister(eng, reg)
    if err is None:
        return
    col, target = fks[err][0], t.foreign_keys[fks[err][0]]
    rows, txt = format_positions(df, pos[err], [c for c in (t.key, col) if c], lines)
    raise ABMDataError(
        f"{file}: column '{col}' points at {res.counts[err]} unknown {target} value(s):\n{txt}",
        file=file,
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
