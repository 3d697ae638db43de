"""Engines the heavy table transforms run on: in-process DuckDB (default) and PySpark.

A transform is defined once, as an ibis expression over named tables (or, for the engagement panel, one query
in portable SQL); :meth:`Engine.run` compiles it for the engine (ibis / sqlglot) and returns a pandas frame
with the same dtypes whichever engine ran it (:func:`arrow_to_pandas`). Tables come in as pandas frames or as
Parquet / CSV paths (on Spark also tables the session can already see, :meth:`Engine.register_table`).

Only the compile step is ibis's: the query runs on the engine's own connection (``duckdb`` or a
``SparkSession``), so ibis's backend layer is not needed at run time.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ..config.compute import ComputeParams, DuckDBParams, SparkParams
from ..errors import ABMParamsError

#: ibis / sqlglot dialect names of the engines.
DIALECT = {"duckdb": "duckdb", "spark": "pyspark"}
SQLGLOT_DIALECT = {"duckdb": "duckdb", "spark": "spark"}


def arrow_to_pandas(tbl: pa.Table) -> pd.DataFrame:
    """Arrow result -> pandas with engine-independent dtypes: timestamps ``datetime64[ns]`` without zone, dates as
    timestamps, strings ``string``, integers ``int64`` (nullable ``Int64`` where nulls occur), booleans ``bool``
    (``boolean`` with nulls), decimals ``float64`` (whole-number decimals such as DuckDB's integer sums ``int64``)."""
    cols: dict[str, Any] = {}
    for name, col in zip(tbl.column_names, tbl.columns, strict=True):
        t = col.type
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            s = pd.Series(col.to_pandas(), name=name)
            s = pd.to_datetime(s)
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_convert("UTC").dt.tz_localize(None)
            cols[name] = s.astype("datetime64[ns]")
        elif pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
            cols[name] = pd.Series(col.to_pandas(), name=name, dtype="string")
        elif pa.types.is_integer(t) or (pa.types.is_decimal(t) and t.scale == 0):
            s = pd.Series(col.to_pandas(), name=name)
            cols[name] = s.astype("Int64") if col.null_count else s.astype("int64")
        elif pa.types.is_boolean(t):
            s = pd.Series(col.to_pandas(), name=name)
            cols[name] = s.astype("boolean") if col.null_count else s.astype(bool)
        elif pa.types.is_decimal(t) or pa.types.is_floating(t):
            cols[name] = pd.Series(col.to_pandas(), name=name).astype("float64")
        elif pa.types.is_null(t):
            cols[name] = pd.Series([pd.NA] * len(col), name=name, dtype="object")
        else:
            cols[name] = pd.Series(col.to_pandas(), name=name)
    return pd.DataFrame(cols, index=pd.RangeIndex(tbl.num_rows))


def _arrow_for_engines(df: pd.DataFrame) -> pa.Table:
    """A pandas frame as Arrow both engines read the same way: timestamps in microseconds without zone
    (Spark has no nanosecond type), pandas' string and nullable dtypes as plain Arrow types."""
    tbl = pa.Table.from_pandas(df, preserve_index=False)
    fields = []
    for f in tbl.schema:
        t = f.type
        if pa.types.is_timestamp(t):
            t = pa.timestamp("us")
        elif pa.types.is_large_string(t) or pa.types.is_string_view(t):
            t = pa.string()
        fields.append(pa.field(f.name, t))
    return tbl.cast(pa.schema(fields), safe=False)


class Engine:
    """Common interface; use :func:`engine` to get one."""

    name = ""

    def register(self, name: str, data: pd.DataFrame | str | os.PathLike | Sequence[str | os.PathLike]) -> None:
        """Make ``name`` a table of this engine: a pandas frame, or Parquet / CSV path(s) read by the engine."""
        raise NotImplementedError

    def sql(self, query: str) -> pd.DataFrame:
        """Run one query written in DuckDB's dialect (translated by sqlglot for other engines)."""
        raise NotImplementedError

    def run(self, expr: Any) -> pd.DataFrame:
        """Compile an ibis expression over registered table names for this engine and run it."""
        import ibis

        if self.name == "spark" and getattr(ibis.options, "pyspark", None) is None:
            from ibis.backends.pyspark import Backend

            Backend.register_options()  # the pyspark compiler reads them; a connect() would register them too
        return self._run_sql(ibis.to_sql(expr, dialect=DIALECT[self.name]))

    def _run_sql(self, query: str) -> pd.DataFrame:
        raise NotImplementedError

    def close(self) -> None:
        """Release what this engine created (the Spark session itself is shared and stays up)."""


class DuckDBEngine(Engine):
    """In-process DuckDB: pandas frames are registered without a copy, files are read where they lie. Operators
    that outgrow ``memory_limit`` spill into a temporary folder this engine creates (and removes on :meth:`close`),
    never into the working directory (DuckDB's own default)."""

    name = "duckdb"

    def __init__(self, params: DuckDBParams | None = None) -> None:
        import duckdb

        p = params or DuckDBParams()
        # a fresh name DuckDB creates only if it spills; removed on close (or when the engine is collected)
        self._spill = Path(tempfile.gettempdir()) / f"abm-lab-duckdb-{os.getpid()}-{next(_SPILL_IDS)}"
        weakref.finalize(self, shutil.rmtree, self._spill, ignore_errors=True)
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute(f"SET temp_directory = '{self._spill.as_posix()}'")
        if p.memory_limit is not None:
            self.con.execute(f"SET memory_limit = '{p.memory_limit}'")
        if p.threads is not None:
            self.con.execute(f"SET threads = {int(p.threads)}")

    def register(self, name: str, data: pd.DataFrame | str | os.PathLike | Sequence[str | os.PathLike]) -> None:
        if isinstance(data, pd.DataFrame):
            # as Arrow (the same types DuckDB's pandas scan gives, microsecond timestamps): DuckDB scans pandas'
            # Arrow-backed string columns through Python objects, 8-9x slower at 10M rows
            self.con.register(name, _arrow_for_engines(data))
            return
        paths = [str(p) for p in ([data] if isinstance(data, (str, os.PathLike)) else data)]
        reader = "read_csv_auto" if all(p.lower().endswith(".csv") for p in paths) else "read_parquet"
        plist = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"
        self.con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM {reader}({plist})')

    def sql(self, query: str) -> pd.DataFrame:
        return self._run_sql(query)

    def _run_sql(self, query: str) -> pd.DataFrame:
        return arrow_to_pandas(self.con.sql(query).to_arrow_table())

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self._spill, ignore_errors=True)


_SESSION: Any = None
#: Numbers the DuckDB engines of this process (their spill folders' names).
_SPILL_IDS = itertools.count()


def spark_unavailable() -> str | None:
    """Why a local Spark engine cannot start on this machine (None when it can): pyspark or Java missing."""
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'abm-lab[spark]'; make test installs it)"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime for Spark (install OpenJDK 17)"
    return None


def spark_session(p: SparkParams | None = None) -> Any:
    """The process's one Spark session (started on first use, shared by every engine and test after it)."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    p = p or SparkParams()
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ABMParamsError(
            "compute.engine: spark needs pyspark; install the extra: pip install 'abm-lab[spark]'",
            column="compute.engine",
            reason="pyspark not installed",
        ) from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(p.master)
        .appName(p.app_name)
        .config("spark.sql.shuffle.partitions", str(p.shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", p.driver_memory)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
    )
    _SESSION = builder.getOrCreate()
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


class SparkEngine(Engine):
    """PySpark: pandas frames go in through Parquet files in a folder this engine creates (and removes on
    :meth:`close`); Parquet / CSV paths and the session's own tables are read where they are."""

    name = "spark"

    def __init__(self, params: SparkParams | None = None) -> None:
        self.spark = spark_session(params)
        self._scratch: Path | None = None
        self._views: list[str] = []

    def _folder(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="abm-lab-spark-"))
        return self._scratch

    def register(self, name: str, data: pd.DataFrame | str | os.PathLike | Sequence[str | os.PathLike]) -> None:
        import pyarrow.parquet as pq

        if isinstance(data, pd.DataFrame):
            tbl = _arrow_for_engines(data)
            if tbl.num_rows == 0:  # Spark cannot infer a schema from a file without rows: give it the schema
                from pyspark.sql.pandas.types import from_arrow_schema

                self.spark.createDataFrame([], from_arrow_schema(tbl.schema)).createOrReplaceTempView(name)
                self._views.append(name)
                return
            path = self._folder() / f"{name}.parquet"
            pq.write_table(tbl, path)
            paths = [str(path)]
        else:
            paths = [str(p) for p in ([data] if isinstance(data, (str, os.PathLike)) else data)]
        if all(p.lower().endswith(".csv") for p in paths):
            sdf = self.spark.read.csv(paths, header=True, inferSchema=True)
        else:
            sdf = self.spark.read.parquet(*paths)
        sdf.createOrReplaceTempView(name)
        self._views.append(name)

    def register_table(self, name: str, table: str) -> None:
        """Expose a table the session already sees (a metastore or Unity Catalog table) under ``name``."""
        self.spark.table(table).createOrReplaceTempView(name)
        self._views.append(name)

    def sql(self, query: str) -> pd.DataFrame:
        import sqlglot

        spark_sql = sqlglot.transpile(query, read=SQLGLOT_DIALECT["duckdb"], write=SQLGLOT_DIALECT[self.name])[0]
        return self._run_sql(spark_sql)

    def _run_sql(self, query: str) -> pd.DataFrame:
        return arrow_to_pandas(self.spark.sql(query).toArrow())

    def close(self) -> None:
        for v in self._views:
            self.spark.catalog.dropTempView(v)
        self._views = []
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


def make_engine(params: ComputeParams | None = None) -> Engine:
    """An engine for ``compute`` params (DuckDB unless ``engine: spark``)."""
    p = params or ComputeParams()
    return SparkEngine(p.spark) if p.engine == "spark" else DuckDBEngine(p.duckdb)


@contextmanager
def open_engine(given: Engine | None = None, params: ComputeParams | None = None) -> Iterator[Engine]:
    """``given`` as is (left open: its owner closes it), else an engine made from ``params`` (DuckDB by default)
    and closed on leaving the block: how every transform takes an optional ``engine=`` beside ``compute=``."""
    if given is not None:
        yield given
        return
    eng = make_engine(params)
    try:
        yield eng
    finally:
        eng.close()


@contextmanager
def engine(params: ComputeParams | None = None) -> Iterator[Engine]:
    """``with engine(params.compute) as eng: eng.register(...); eng.run(expr)``; closed afterwards."""
    with open_engine(None, params) as eng:
        yield eng


def round_floats(df: pd.DataFrame, digits: int) -> pd.DataFrame:
    """Floating columns rounded to ``digits`` decimals: sums added in a different order by another engine then
    give the same artefact bytes (the last bits of a float sum depend on the order of addition)."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(digits)
    return out
