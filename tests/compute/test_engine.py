"""The engines give the same frame, with the same dtypes, for one ibis expression or one SQL query."""

from __future__ import annotations

import tempfile
from pathlib import Path

import ibis
import pandas as pd
import pandas.testing as pdt
import pydantic
import pytest

from abm_lab.compute import DuckDBEngine, arrow_to_pandas, make_engine, round_floats
from abm_lab.config import parse_params
from abm_lab.errors import ABMParamsError

FRAME = pd.DataFrame(
    {
        "a": pd.array(["x", "y", "x", None, "z"], dtype="string"),
        "ts": pd.to_datetime(["2026-01-01", "2026-01-02 12:30", "2026-02-01", "2026-03-01", None], format="ISO8601"),
        "v": [1.0, 2.0, 3.0, 4.0, None],
        "n": pd.array([1, 2, None, 4, 5], dtype="Int64"),
        "flag": [True, False, True, True, False],
    }
)
T = ibis.table({"a": "string", "ts": "timestamp", "v": "float64", "n": "int64", "flag": "boolean"}, name="t")


def _agg():
    f = T.filter(T.a.notnull())
    return f.group_by("a").aggregate(s=f.v.sum(), rows=f.count(), last=f.ts.max(), k=f.flag.sum()).order_by("a")


SQL = (
    "SELECT a, COUNT(*) AS rows, MIN(DATEDIFF('second', ts, TIMESTAMP '2026-04-01')) / 86400.0 AS age, "
    "SUM(CASE WHEN ts >= TIMESTAMP '2026-04-01' - INTERVAL '60' DAY THEN 1 ELSE 0 END) AS recent "
    "FROM t GROUP BY a ORDER BY a NULLS LAST"
)


def test_expression_and_sql_agree_across_engines(any_engine):
    any_engine.register("t", FRAME)
    got = any_engine.run(_agg())
    assert list(got["a"]) == ["x", "y", "z"]
    assert list(got["rows"]) == [2, 1, 1]
    assert got["last"].dtype == "datetime64[ns]" and got["a"].dtype == "string"
    assert got.loc[0, "last"] == pd.Timestamp("2026-02-01")
    ref = DuckDBEngine()
    ref.register("t", FRAME)
    pdt.assert_frame_equal(got, ref.run(_agg()))
    pdt.assert_frame_equal(any_engine.sql(SQL), ref.sql(SQL))
    ref.close()


def test_sql_values(any_engine):
    any_engine.register("t", FRAME)
    got = any_engine.sql(SQL)
    assert got["age"].tolist()[:2] == [59.0, pytest.approx(88.47916666666667)]
    assert got["recent"].tolist()[:2] == [1, 0]
    assert pd.isna(got["a"].iloc[-1])


def test_parquet_paths_are_read_where_they_lie(any_engine, tmp_path):
    path = tmp_path / "t.parquet"
    FRAME.to_parquet(path, index=False)
    any_engine.register("t", path)
    assert any_engine.run(_agg())["rows"].tolist() == [2, 1, 1]
    assert path.exists()  # never removed: the engine did not create it


def test_arrow_to_pandas_keeps_nulls():
    import pyarrow as pa

    got = arrow_to_pandas(pa.table({"i": [1, None], "b": [True, None], "s": ["a", None]}))
    assert str(got["i"].dtype) == "Int64" and str(got["b"].dtype) == "boolean" and got["s"].isna().iloc[1]


def test_round_floats_only_touches_floats():
    df = pd.DataFrame({"x": [0.1 + 0.2], "k": [3]})
    out = round_floats(df, 9)
    assert out["x"].iloc[0] == 0.3 and out["k"].iloc[0] == 3 and df["x"].iloc[0] != 0.3


def test_compute_params():
    assert parse_params({}).compute.engine == "duckdb"
    assert parse_params({"compute": {"engine": "spark"}}).compute.spark.master == "local[2]"
    with pytest.raises(ABMParamsError, match="compute.engine"):
        parse_params({"compute": {"engine": "polars"}})
    assert make_engine().name == "duckdb"


def test_an_empty_frame_is_a_table_with_its_columns_on_every_engine(any_engine):
    empty = pd.DataFrame({"account_id": pd.Series([], dtype="string"), "n": pd.Series([], dtype="int64")})
    any_engine.register("empty_t", empty)
    got = any_engine.sql("SELECT account_id, n FROM empty_t")
    assert list(got.columns) == ["account_id", "n"] and len(got) == 0


def test_duckdb_settings_from_params_and_spill_folder_outside_the_working_directory(tmp_path, monkeypatch):
    from abm_lab.config.compute import DuckDBParams

    monkeypatch.chdir(tmp_path)
    eng = DuckDBEngine(DuckDBParams(memory_limit="300MB", threads=1))
    got = eng.con.sql(
        "SELECT current_setting('memory_limit'), current_setting('threads'), current_setting('temp_directory')"
    ).fetchall()[0]
    assert got[0].startswith("286") and got[1] == 1  # 300 MB shown in MiB
    spill = Path(got[2])
    assert spill.parent == Path(tempfile.gettempdir()) and not spill.exists()  # created only if DuckDB spills
    # a sort larger than the limit spills there, then close() removes it; nothing lands in the working directory
    n = eng.con.sql("SELECT COUNT(*) FROM (SELECT range AS r, md5(range::VARCHAR) AS h FROM range(4000000) ORDER BY h)")
    assert n.fetchall()[0][0] == 4_000_000
    eng.close()
    assert not spill.exists() and list(tmp_path.iterdir()) == []
    with pytest.raises(pydantic.ValidationError):
        DuckDBParams(memory_limit="4GB'; DROP TABLE x; --")
