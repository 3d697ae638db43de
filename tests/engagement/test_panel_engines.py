"""One panel definition, two engines: the Spark panel equals the DuckDB panel row for row, value for value."""

from __future__ import annotations

import pandas.testing as pdt

from abm_lab import engagement as E

from .conftest import AS_OF


def test_spark_panel_equals_duckdb_panel(panel, world, params, spark_engine):
    ds, tp, pers, fit = world
    snaps = E.default_snapshots(tp, AS_OF, params)
    got = E.build_panel(
        tp,
        ds.tables["accounts"],
        ds.tables["opportunities"],
        snaps,
        AS_OF,
        params,
        personas=pers,
        fit=fit,
        programs=ds.tables["programs"],
        engine=spark_engine,
    )
    assert len(got) == len(panel) and got["touches_30d"].sum() > 0 and got["key_personas_on_file"].sum() > 0
    pdt.assert_frame_equal(got, panel, check_exact=True)
