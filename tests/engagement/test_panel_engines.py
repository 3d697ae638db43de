"""One panel definition, two engines: the Spark panel equals the DuckDB panel row for row, value for value."""

from __future__ import annotations

import pandas.testing as pdt

from .conftest import build_test_panel


def test_spark_panel_equals_duckdb_panel(panel, world, params, spark_engine):
    got = build_test_panel(world, params, engine=spark_engine)
    assert len(got) == len(panel) and got["touches_30d"].sum() > 0 and got["key_personas_on_file"].sum() > 0
    pdt.assert_frame_equal(got, panel, check_exact=True)
