"""The canonical cache of a run: validated tables saved as Parquet with what they came from, so notebooks skip
re-validation; a reload checks the data params' fingerprint first."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd

from ..config import Params
from .io import TRUTH_DIR, Dataset, load_truth
from .presets.base import ImportReport

CACHE_DIR = "canonical"


def data_fingerprint(params: Params) -> str:
    """Hash of the params that determine the loaded data (source, mapping, demo world)."""
    import json

    key = {
        "data": params.data.model_dump(mode="json"),
        "demo": params.demo.model_dump(mode="json"),
        "as_of": str(params.run.as_of),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def save_canonical(ds: Dataset, folder: str | os.PathLike, fingerprint: str) -> Path:
    """Cache validated tables of a run (notebooks then skip re-validation). Truth is not copied."""
    import json

    folder = Path(folder) / CACHE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in ds.tables.items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
    meta = {
        "fingerprint": fingerprint,
        "files": ds.files,
        "hashes": ds.hashes,
        "accounting": ds.accounting,
        "tables": list(ds.tables),  # the data model's order (a reload must not reorder the tables)
        "warnings": ds.warnings,
        "import_report": ds.import_report.to_dict() if ds.import_report is not None else None,
        "derived": ds.derived,
    }
    (folder / "dataset.json").write_text(json.dumps(meta, indent=2))
    return folder


def load_canonical(folder: str | os.PathLike, fingerprint: str, data_path: Path) -> Dataset | None:
    """The cached Dataset if it was made from the same data params, else None."""
    import json

    folder = Path(folder) / CACHE_DIR
    mp = folder / "dataset.json"
    if not mp.exists():
        return None
    meta = json.loads(mp.read_text())
    if meta.get("fingerprint") != fingerprint:
        return None
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in meta["tables"]}
    ds = Dataset(
        tables=tables,
        files=meta["files"],
        hashes=meta["hashes"],
        accounting=meta.get("accounting", {}),
        warnings=meta.get("warnings", []),
        import_report=ImportReport.from_dict(meta["import_report"]) if meta.get("import_report") else None,
        derived=meta.get("derived", {}),
    )
    if data_path.is_dir() and (data_path / TRUTH_DIR).is_dir():
        ds.truth, ds.truth_meta = load_truth(data_path)
    return ds
