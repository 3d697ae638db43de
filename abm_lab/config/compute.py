"""Params of the compute engine the heavy table transforms run on (:mod:`abm_lab.compute`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Section


class SparkParams(Section):
    """A Spark session for ``compute.engine: spark``: local mode by default, or the cluster a master URL names."""

    master: str = Field(
        "local[2]",
        description="Spark master URL: local[N] runs in this process's JVM; a cluster URL (spark://, yarn, k8s://).",
    )
    shuffle_partitions: int = Field(
        4, ge=1, description="spark.sql.shuffle.partitions (small for local mode; 2-3x the cluster's cores there)."
    )
    driver_memory: str = Field("2g", description="spark.driver.memory of a session this process starts.")
    app_name: str = Field("abm-lab", description="Spark application name.")


class DuckDBParams(Section):
    """The in-process DuckDB connection of ``compute.engine: duckdb`` (one per notebook kernel)."""

    memory_limit: str | None = Field(
        None,
        pattern=r"^\d+(\.\d+)?\s*(%|[KMGT]i?B)$",
        description="DuckDB's memory_limit for its own operators (hash tables, sorts), as a size ('4GB') or a "
        "share of the machine's memory ('40%'); beyond it DuckDB spills to a temporary folder. Default: DuckDB's "
        "own (80%). Two notebooks run at once, each with its connection; at 100k accounts / 10M touches a 25% "
        "limit made the engagement panel spill 3.2 GB and run several times slower (docs/scaling.md).",
    )
    threads: int | None = Field(None, ge=1, description="Worker threads (default: DuckDB's, one per core).")


class ComputeParams(Section):
    """Where the heavy table transforms run: in-process DuckDB (default) or a Spark session.

    Each transform is defined once (an ibis expression or one portable SQL query beside the code that uses it)
    and compiled for the engine; modelling, estimation and the report stay in Python on the driver
    (docs/scaling.md)."""

    engine: Literal["duckdb", "spark"] = Field("duckdb", description="duckdb (in process) or spark (PySpark).")
    duckdb: DuckDBParams = Field(default_factory=DuckDBParams)
    spark: SparkParams = Field(default_factory=SparkParams)
    float_digits: int = Field(
        9,
        ge=1,
        le=15,
        description="Decimal places floating aggregates are rounded to, so sums added in a different order on "
        "another engine give the same artefacts.",
    )
