"""Synthetic B2B world with known truth (see :mod:`abm_lab.synth.world`)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd

from ..config.core import DemoParams
from .world import FIT_COEFS, World, generate_world

__all__ = ["generate_world", "World", "FIT_COEFS", "save_world", "ensure_world", "world_dataset"]

_STAMP = "world.json"


def _stamp(demo: DemoParams, as_of) -> dict:
    import hashlib

    from .world import TRUTH_VERSION

    code = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")):  # a changed generator regenerates the world
        code.update(f.read_bytes())
    return {
        "demo": demo.model_dump(mode="json"),
        "as_of": str(pd.Timestamp(as_of).date()),
        "version": TRUTH_VERSION,
        "code": code.hexdigest()[:16],
    }


def save_world(world: World, folder: str | os.PathLike, stamp: dict | None = None) -> Path:
    """Write tables as Parquet and truth under ``truth/`` (plus ``truth.json``)."""
    folder = Path(folder)
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    for name, df in world.tables.items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
    for name, df in world.truth.items():
        df.to_parquet(folder / "truth" / f"{name}.parquet", index=False)
    (folder / "truth" / "truth.json").write_text(json.dumps(world.meta, indent=2, default=str))
    if stamp is not None:
        (folder / _STAMP).write_text(json.dumps(stamp, indent=2))
    return folder


def ensure_world(demo: DemoParams, as_of: dt.date | str, folder: str | os.PathLike, force: bool = False) -> Path:
    """Generate the world into ``folder`` unless the same params already made it."""
    folder = Path(folder)
    stamp = _stamp(demo, as_of)
    sp = folder / _STAMP
    if not force and sp.exists() and json.loads(sp.read_text()) == stamp:
        return folder
    world = generate_world(demo, as_of)
    return save_world(world, folder, stamp)


def world_dataset(demo: DemoParams | None = None, as_of: dt.date | str = "2026-12-31", world: World | None = None):
    """A validated :class:`abm_lab.data.io.Dataset` of a generated world, with truth attached (for tests)."""
    from ..data import schema
    from ..data.io import Dataset

    world = world or generate_world(demo or DemoParams(), as_of)
    tables = {k: schema.validate_table(v, k) for k, v in world.tables.items()}
    schema.check_foreign_keys(tables)
    tables["opportunities"] = schema.derive_opportunity_flags(tables["opportunities"])
    return Dataset(
        tables=tables, files={k: f"<synthetic:{k}>" for k in tables}, truth=world.truth, truth_meta=world.meta
    )
