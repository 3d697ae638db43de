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


class ComputeParams(Section):
    """Where the heavy table transforms run: in-process DuckDB (default) or a Spark session.

    The transforms are defined once (:mod:`abm_lab.compute.transforms`) and compiled for the engine; modelling,
    estimation and the report stay in Python on the driver (docs/scaling.md)."""

    engine: Literal["duckdb", "spark"] = Field("duckdb", description="duckdb (in process) or spark (PySpark).")
    spark: SparkParams = Field(default_factory=SparkParams)
    float_digits: int = Field(
        9,
        ge=1,
        le=15,
        description="Decimal places floating aggregates are rounded to, so sums added in a different order on "
        "another engine give the same artefacts.",
    )
