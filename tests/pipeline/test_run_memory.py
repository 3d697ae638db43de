"""What a run keeps in memory: kernels read cached tables on first use, the runner drops the big ones."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt

from abm_lab.data.cache import LazyTables, data_fingerprint, load_canonical, save_canonical
from abm_lab.pipeline.runner import PAGE_CHECK_TABLES, slim_dataset


def test_canonical_tables_load_on_first_use_and_equal_the_saved_ones(small_dataset, tmp_path):
    from abm_lab.config import Params

    fp = data_fingerprint(Params())
    save_canonical(small_dataset, tmp_path, fp)
    ds = load_canonical(tmp_path, fp, tmp_path / "no-data-folder")
    assert ds is not None and isinstance(ds.tables, LazyTables)
    assert list(ds.tables) == list(small_dataset.tables)  # same tables, same order
    assert "touchpoints" in ds.tables and "touchpoints" not in ds.tables._frames  # nothing read yet
    got = ds.tables["accounts"]
    pdt.assert_frame_equal(got, small_dataset.tables["accounts"].reset_index(drop=True), check_dtype=False)
    assert list(ds.tables._frames) == ["accounts"]  # only what was asked for
    assert ds.tables["accounts"] is got  # read once
    assert ds.tables.get("no_such_table") is None
    assert {k: len(v) for k, v in ds.tables.items()} == {k: len(v) for k, v in small_dataset.tables.items()}


def test_runner_keeps_counts_and_page_check_tables_only(small_dataset):
    slim = slim_dataset(small_dataset, keep=PAGE_CHECK_TABLES)
    assert slim.row_counts == {k: len(v) for k, v in small_dataset.tables.items()}
    assert slim.truth is None
    for name, df in slim.tables.items():
        assert list(df.columns) == list(small_dataset.tables[name].columns)
        assert len(df) == (len(small_dataset.tables[name]) if name in PAGE_CHECK_TABLES else 0)
    assert len(small_dataset.tables["touchpoints"]) > 0  # the loaded dataset itself is untouched
    assert isinstance(slim.tables["touchpoints"], pd.DataFrame)
