"""Saving and caching a generated world: Parquet tables, ``truth/`` and a stamp of what made them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config.core import DemoParams
from ..errors import ABMDataError
from .truth import TRUTH_VERSION
from .world import World, generate_world

if TYPE_CHECKING:
    from ..data.io import Dataset

STAMP_FILE = "world.json"


#: Subpackages of :mod:`abm_lab.synth` that read a world but do not make it (re-exports in tool formats).
NOT_GENERATOR = ("exports",)


def generator_sources() -> list[Path]:
    """The generator's source files (every module of :mod:`abm_lab.synth` except the exporters): a change in any
    regenerates the world."""
    here = Path(__file__).parent
    return sorted(p for p in here.rglob("*.py") if p.relative_to(here).parts[0] not in NOT_GENERATOR)


def world_stamp(demo: DemoParams, as_of: dt.date | str) -> dict[str, Any]:
    """What made a world: the demo params, the as-of date, the truth version and a hash of the generator code."""
    code = hashlib.sha256()
    for f in generator_sources():
        code.update(f.read_bytes())
    return {
        "demo": demo.model_dump(mode="json"),
        "as_of": str(pd.Timestamp(as_of).date()),
        "version": TRUTH_VERSION,
        "code": code.hexdigest()[:16],
    }


def save_world(world: World, folder: str | os.PathLike, stamp: dict[str, Any] | None = None) -> Path:
    """Write tables as Parquet and truth under ``truth/`` (plus ``truth.json``).

    With a ``stamp``, a placeholder stamp is written first and the real one last, so a half-written world
    still carries the generator's mark (it is regenerated, never mistaken for someone's data)."""
    folder = Path(folder)
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    if stamp is not None:
        (folder / STAMP_FILE).write_text(json.dumps({"incomplete": True}))
    for name, df in world.tables.items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
    for name, df in world.truth.items():
        df.to_parquet(folder / "truth" / f"{name}.parquet", index=False)
    (folder / "truth" / "truth.json").write_text(json.dumps(world.meta, indent=2, default=str))
    if stamp is not None:
        (folder / STAMP_FILE).write_text(json.dumps(stamp, indent=2))
    return folder


def ensure_world(demo: DemoParams, as_of: dt.date | str, folder: str | os.PathLike, force: bool = False) -> Path:
    """Generate the world into ``folder`` unless the same params (and generator code) already made it.

    Only an empty (or missing) folder, or one the generator made (it holds :data:`STAMP_FILE`), is written to:
    a folder with other files is someone's data and is never overwritten, with or without ``force``."""
    folder = Path(folder)
    stamp = world_stamp(demo, as_of)
    sp = folder / STAMP_FILE
    if not sp.exists():
        refuse_foreign_folder(folder)
    elif not force and _read_stamp(sp) == stamp:
        return folder
    world = generate_world(demo, as_of)
    return save_world(world, folder, stamp)


def _read_stamp(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def refuse_foreign_folder(folder: Path) -> None:
    """Raise :class:`ABMDataError` when ``folder`` holds files (other than hidden ones such as ``.gitkeep``) but
    no generator stamp: the synthetic world must never be written over real or hand-made data."""
    if folder.exists() and not folder.is_dir():
        raise ABMDataError(
            f"{folder}: is a file, not a folder; the synthetic world needs a folder (data.path)",
            file=str(folder),
            reason="not a folder",
        )
    if not folder.is_dir():
        return
    foreign = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ABMDataError(
            f"{folder}: holds files the demo generator did not make ({shown}; no {STAMP_FILE}); refusing to write "
            f"the synthetic world over them. Point data.path (or --out) at an empty or new folder.",
            file=str(folder),
            reason="not a generated folder",
        )


def world_dataset(
    demo: DemoParams | None = None, as_of: dt.date | str = "2026-12-31", world: World | None = None
) -> Dataset:
    """A validated :class:`abm_lab.data.io.Dataset` of a generated world, with truth attached (for tests)."""
    from ..data import validate
    from ..data.io import Dataset

    world = world or generate_world(demo or DemoParams(), as_of)
    tables = {k: validate.validate_table(v, k) for k, v in world.tables.items()}
    validate.check_foreign_keys(tables)
    tables["opportunities"] = validate.derive_opportunity_flags(tables["opportunities"])
    return Dataset(
        tables=tables, files={k: f"<synthetic:{k}>" for k in tables}, truth=world.truth, truth_meta=world.meta
    )
