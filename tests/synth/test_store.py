"""Saving and caching a world (abm_lab.synth.store)."""

from __future__ import annotations

import json
import pkgutil

import pandas as pd

import abm_lab.synth
from abm_lab.synth import ensure_world, save_world, world_stamp
from abm_lab.synth.store import NOT_GENERATOR, STAMP_FILE, generator_sources


def test_ensure_world_writes_once(tmp_path, small_demo):
    import os

    ensure_world(small_demo, "2026-12-31", tmp_path)
    assert (tmp_path / "truth" / "truth.json").exists() and (tmp_path / "accounts.parquet").exists()
    m = os.path.getmtime(tmp_path / "accounts.parquet")
    ensure_world(small_demo, "2026-12-31", tmp_path)
    assert os.path.getmtime(tmp_path / "accounts.parquet") == m


def test_stamp_covers_every_generator_module(small_demo):
    names = {p.stem for p in generator_sources()}
    modules = {m.name for m in pkgutil.iter_modules(abm_lab.synth.__path__)} - set(NOT_GENERATOR)
    assert modules <= names and "__init__" in names
    assert not any("exports" in p.parts for p in generator_sources())  # exporters read a world, never make it
    s = world_stamp(small_demo, "2026-12-31")
    assert s == world_stamp(small_demo, pd.Timestamp("2026-12-31"))
    assert s != world_stamp(small_demo.model_copy(update={"seed": 1}), "2026-12-31")


def test_saved_world_reads_back(tmp_path, small_world):
    save_world(small_world, tmp_path, stamp={"x": 1})
    for name, df in small_world.tables.items():
        back = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert len(back) == len(df) and list(back.columns) == list(df.columns)
    assert json.loads((tmp_path / "truth" / "truth.json").read_text())["sizes"] == small_world.meta["sizes"]
    assert json.loads((tmp_path / STAMP_FILE).read_text()) == {"x": 1}
