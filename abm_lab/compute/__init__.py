"""Compute engines for the heavy table transforms: DuckDB in process (default) or PySpark (``compute.engine``).

:mod:`.engine` holds the engines; each transform module defines its table work once (ibis expressions or one
portable SQL query) and runs on whichever engine it is given.
"""

from .engine import (
    DuckDBEngine,
    Engine,
    SparkEngine,
    arrow_to_pandas,
    engine,
    make_engine,
    open_engine,
    round_floats,
    spark_session,
    spark_unavailable,
)

__all__ = [
    "DuckDBEngine",
    "Engine",
    "SparkEngine",
    "arrow_to_pandas",
    "engine",
    "make_engine",
    "open_engine",
    "round_floats",
    "spark_session",
    "spark_unavailable",
]
