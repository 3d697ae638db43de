"""Row-level checks of a canonical table, defined once in portable SQL and run on a compute engine.

The checks whose cost grows with the rows (blank required values, duplicate keys, values outside the allowed
set, negative amounts, dates out of order, dates after ``run.as_of``, literal NULL texts, ids pointing at nothing)
are one query in DuckDB's dialect (:mod:`abm_lab.compute`; sqlglot translates it for Spark), so that on Spark
they run where the data lies. The query returns counts only; the failing rows' positions are fetched by a second
query when something failed, and :mod:`abm_lab.data.validate` turns positions into the file's own line numbers
and the messages it always gave. Type coercion (the parsers of :mod:`abm_lab.data.parse`: separators, day/month
order, epoch units) stays in pandas: its rules have no portable SQL equivalent and it builds the frame anyway.

Every check reads a table registered with a :data:`ROW` column (the row's 0-based position in the frame being
validated), and the query counts the rows it saw, so that no input row can go unaccounted for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ..compute import DuckDBEngine, Engine
from .parse import NULL_TOKENS
from .schema import Table

#: Column holding each row's 0-based position in the frame the checks describe.
ROW = "_row"
#: Alias of the checked table in every query.
_T = "t"


def ident(name: str) -> str:
    """A quoted SQL identifier (DuckDB dialect; sqlglot writes Spark's backticks)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class RowCheck:
    """One check: ``cond`` is true on a failing row (SQL over the checked table, alias ``t``, and ``joins``)."""

    kind: str  # blank | duplicate | allowed | negative | order | late | null_text | foreign_key
    column: str
    cond: str
    other: str = ""  # order: the earlier column; foreign_key: the target "table.column"
    #: an aggregate over the table alone that is > 0 exactly when the check fails (then the failing rows are
    #: counted by a second query): spares the count query a join, e.g. duplicate keys (one distinct count)
    screen: str = ""


@dataclass(frozen=True)
class Plan:
    """The checks of one table and the joins they need: ``joins`` (foreign-key targets) in every query,
    ``lazy_joins`` / ``ctes`` (the duplicated keys) only in the queries that run once a screened check failed."""

    table: str  # registered name of the checked table
    checks: tuple[RowCheck, ...]
    columns: tuple[str, ...]  # the checked table's columns the checks read (besides ROW)
    joins: tuple[str, ...] = ()
    lazy_joins: tuple[str, ...] = ()
    ctes: tuple[str, ...] = ()

    def count_sql(self) -> str:
        """One row: the rows seen (``n_rows``) and, per check i, its failing rows (``n_i``; for a screened check
        a number > 0 exactly when it fails, see :func:`run_counts`)."""
        sums = [
            f"{c.screen or f'SUM(CASE WHEN {c.cond} THEN 1 ELSE 0 END)'} AS n_{i}" for i, c in enumerate(self.checks)
        ]
        return f"SELECT COUNT(*) AS n_rows{''.join(', ' + s for s in sums)} {self._from(lazy=False)}"

    def exact_sql(self, i: int) -> str:
        """The failing rows of check ``i``, counted row by row (``n``)."""
        return f"{self._with()}SELECT SUM(CASE WHEN {self.checks[i].cond} THEN 1 ELSE 0 END) AS n {self._from()}"

    def rows_sql(self, wanted: dict[int, int]) -> str:
        """Positions of the first failing rows of the checks ``wanted`` (check index -> how many): (check, row)."""
        parts = [
            f"SELECT {i} AS chk, r FROM (SELECT {_T}.{ident(ROW)} AS r {self._from()} WHERE {self.checks[i].cond} "
            f"ORDER BY r LIMIT {int(k)}) q{i}"
            for i, k in wanted.items()
        ]
        return f"{self._with()}" + " UNION ALL ".join(parts)

    def _with(self) -> str:
        return f"WITH {', '.join(self.ctes)} " if self.ctes else ""

    def _from(self, lazy: bool = True) -> str:
        joins = self.joins + (self.lazy_joins if lazy else ())
        return f"FROM {ident(self.table)} {_T}" + "".join(" " + j for j in joins)


def _col(name: str) -> str:
    return f"{_T}.{ident(name)}"


def _null_text(col: str) -> str:
    """True where ``col`` holds a literal missing-value text (NaN, NULL, None, N/A in any case, unstripped)."""
    lens = sorted({len(t) for t in NULL_TOKENS})
    toks = ", ".join(literal(t) for t in NULL_TOKENS)
    return f"(LENGTH({_col(col)}) BETWEEN {lens[0]} AND {lens[-1]} AND LOWER({_col(col)}) IN ({toks}))"


def raw_column(i: int) -> str:
    """Name under which the i-th raw text column is registered beside the typed ones."""
    return f"_raw_{i}"


def table_plan(t: Table, name: str, as_of: pd.Timestamp | None = None, raw_text: int = 0) -> Plan:
    """Checks of :func:`abm_lab.data.validate.validate_table` for table ``t`` registered as ``name``, in the order
    its errors are raised: blanks in required columns, duplicate key, per column values outside the allowed set
    then negative values, dates out of order. Warnings come first: dates on or after the day after ``as_of`` (if
    given) and literal NULL texts in the ``raw_text`` raw text columns (:func:`raw_column`)."""
    checks: list[RowCheck] = []
    cols = {c.name: c for c in t.columns}
    read: list[str] = []  # canonical columns the checks read
    for i in range(raw_text):
        checks.append(RowCheck("null_text", raw_column(i), _null_text(raw_column(i))))
    if as_of is not None:
        end = (as_of + pd.Timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
        for c in t.columns:
            if c.dtype in ("date", "datetime"):
                checks.append(RowCheck("late", c.name, f"{_col(c.name)} >= TIMESTAMP {literal(end)}"))
                read.append(c.name)
    for req in t.required:
        checks.append(RowCheck("blank", req, f"{_col(req)} IS NULL"))
        read.append(req)
    joins, ctes = [], []
    if t.key:
        k = ident(t.key)
        ctes.append(
            f"dup AS (SELECT {k} AS k FROM {ident(name)} WHERE {k} IS NOT NULL GROUP BY {k} HAVING COUNT(*) > 1)"
        )
        joins.append(f"LEFT JOIN dup ON {_col(t.key)} = dup.k")
        screen = f"COUNT({_col(t.key)}) - COUNT(DISTINCT {_col(t.key)})"
        checks.append(RowCheck("duplicate", t.key, "dup.k IS NOT NULL", screen=screen))
        read.append(t.key)
    for c in t.columns:
        if c.allowed is not None:
            vals = ", ".join(literal(v) for v in c.allowed)
            bad = f"({_col(c.name)} IS NOT NULL AND {_col(c.name)} NOT IN ({vals}))"
            checks.append(RowCheck("allowed", c.name, bad))
            read.append(c.name)
        if c.nonneg:
            checks.append(RowCheck("negative", c.name, f"{_col(c.name)} < 0"))
            read.append(c.name)
    for early, late in t.date_order:
        if early in cols and late in cols:
            checks.append(RowCheck("order", late, f"{_col(late)} < {_col(early)}", other=early))
            read.extend([early, late])
    return Plan(name, tuple(checks), tuple(dict.fromkeys(read)), lazy_joins=tuple(joins), ctes=tuple(ctes))


def fk_plan(name: str, fks: Sequence[tuple[str, str, str]]) -> Plan:
    """Foreign-key checks of the table registered as ``name``: per (column, target registered name, target
    column) the rows whose id is set but not among the target's ids."""
    checks, joins = [], []
    for i, (col, target, tcol) in enumerate(fks):
        alias = f"fk{i}"
        joins.append(
            f"LEFT JOIN (SELECT DISTINCT {ident(tcol)} AS k FROM {ident(target)} WHERE {ident(tcol)} IS NOT NULL) "
            f"{alias} ON {_col(col)} = {alias}.k"
        )
        checks.append(RowCheck("foreign_key", col, f"({_col(col)} IS NOT NULL AND {alias}.k IS NULL)", other=target))
    return Plan(name, tuple(checks), tuple(dict.fromkeys(c for c, _, _ in fks)), tuple(joins))


def arrow_frame(df: pd.DataFrame, columns: Sequence[str], raw: Sequence[pd.Series] = ()) -> pa.Table:
    """The columns the checks read as an Arrow table with :data:`ROW` (the row's position) and the ``raw`` text
    columns as :func:`raw_column` names; timestamps in microseconds (both engines read them alike)."""
    arrays: dict[str, pa.Array] = {ROW: pa.array(np.arange(len(df), dtype=np.int64))}
    for c in columns:
        arrays[c] = _arrow(df[c])
    for i, s in enumerate(raw):
        arrays[raw_column(i)] = _arrow(s.astype("string") if s.dtype == object else s)
    return pa.table(arrays)


def _arrow(s: pd.Series) -> pa.Array:
    arr = pa.array(s, from_pandas=True)  # NaN -> null, as pandas' isna reads it
    if pa.types.is_timestamp(arr.type):
        arr = arr.cast(pa.timestamp("us"), safe=False)
    elif pa.types.is_large_string(arr.type) or pa.types.is_string_view(arr.type):
        arr = arr.cast(pa.large_string())
    return arr


def register(eng: Engine, name: str, tbl: pa.Table) -> None:
    """Make ``tbl`` a table of ``eng``: DuckDB scans the Arrow table in place (a pandas frame of Arrow strings is
    scanned several times slower), Spark gets it through :meth:`Engine.register`."""
    if isinstance(eng, DuckDBEngine):
        eng.con.register(name, tbl)
    else:
        eng.register(name, tbl.to_pandas())


def unregister(eng: Engine, name: str) -> None:
    """Drop ``name`` from a DuckDB engine (frees the Arrow table); Spark views go when the engine closes."""
    if isinstance(eng, DuckDBEngine):
        eng.con.unregister(name)


@dataclass
class Result:
    """Counts of a plan's checks on an engine, and the first failing positions of those asked for."""

    plan: Plan
    n_rows: int
    counts: list[int]

    def failing(self) -> list[int]:
        return [i for i, n in enumerate(self.counts) if n > 0]


def run_counts(eng: Engine, plan: Plan) -> Result:
    """The plan's counts on ``eng``: one query, plus one per screened check that failed (its exact count)."""
    got = eng.sql(plan.count_sql())
    row = got.iloc[0]
    counts = [0 if pd.isna(row[f"n_{i}"]) else int(row[f"n_{i}"]) for i in range(len(plan.checks))]
    for i, c in enumerate(plan.checks):
        if c.screen and counts[i] > 0:
            n = eng.sql(plan.exact_sql(i))["n"].iloc[0]
            counts[i] = 0 if pd.isna(n) else int(n)
    return Result(plan, int(row["n_rows"]), counts)


def first_rows(eng: Engine, plan: Plan, wanted: dict[int, int]) -> dict[int, list[int]]:
    """Per check index in ``wanted``, the positions of its first failing rows, ascending."""
    if not wanted:
        return {}
    got = eng.sql(plan.rows_sql(wanted))
    out: dict[int, list[int]] = {i: [] for i in wanted}
    for chk, r in zip(got["chk"].to_numpy(), got["r"].to_numpy(), strict=True):
        out[int(chk)].append(int(r))
    return {i: sorted(v) for i, v in out.items()}
