"""What a notebook needs for one run: params, data, truth, and the run folder's artefacts.

Notebooks start with::

    from abm_lab.runctx import RunContext
    ctx = RunContext.open(params_path, run_dir)

Artefacts pass between notebooks as files in ``<run_dir>/artefacts/``; each notebook
also saves a small JSON summary (headline figures) that the index page reads.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import Params, load_params
from .io import Dataset, load_dataset

ARTEFACTS = "artefacts"


def find_root(start: str | os.PathLike | None = None) -> Path:
    """The project root (folder holding ``params/``), searching upwards from ``start`` or CWD."""
    p = Path(start or os.getcwd()).resolve()
    for cand in (p, *p.parents):
        if (cand / "params").is_dir() and (cand / "notebooks").is_dir():
            return cand
    return p


class RunContext:
    def __init__(self, params: Params, run_dir: Path, root: Path, dataset: Dataset | None = None):
        self.params = params
        self.run_dir = Path(run_dir)
        self.root = Path(root)
        self._dataset = dataset
        self.artefact_dir.mkdir(parents=True, exist_ok=True)

    @classmethod
    def open(
        cls, params_path: str | None = None, run_dir: str | None = None, root: str | os.PathLike | None = None
    ) -> RunContext:
        """Load params (relative paths resolve against the project root)."""
        root = find_root(root)
        pp = None
        if params_path:
            pp = Path(params_path)
            if not pp.is_absolute():
                pp = root / pp
        params = load_params(pp)
        rd = Path(run_dir) if run_dir else Path(params.run.output_dir) / params.run.name
        if not rd.is_absolute():
            rd = root / rd
        return cls(params, rd, root)

    @classmethod
    def from_dataset(cls, params: Params, dataset: Dataset, run_dir: str | os.PathLike) -> RunContext:
        """For tests: a context around data already in memory."""
        return cls(params, Path(run_dir), Path(run_dir), dataset)

    @property
    def data(self) -> Dataset:
        if self._dataset is None:
            from .io import data_fingerprint, load_canonical

            self._dataset = load_canonical(
                self.artefact_dir, data_fingerprint(self.params), self.root / self.params.data.path
            )
            if self._dataset is None:
                self._dataset = load_dataset(self.params, self.root)
        return self._dataset

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return self.data.tables

    @property
    def truth(self) -> dict[str, pd.DataFrame] | None:
        """Truth tables of the synthetic world (None for real data)."""
        return self.data.truth

    @property
    def is_synthetic(self) -> bool:
        return self.data.truth is not None

    @cached_property
    def artefact_dir(self) -> Path:
        return self.run_dir / ARTEFACTS

    def path(self, name: str) -> Path:
        """Path of an artefact file in this run."""
        return self.artefact_dir / name

    def has(self, name: str) -> bool:
        return self.path(name).exists()

    def save_summary(self, section: str, values: dict[str, Any]) -> Path:
        """Save headline figures of one notebook (read by the index page)."""
        p = self.path(f"summary_{section}.json")
        p.write_text(json.dumps(values, indent=2, sort_keys=True, default=_json_default))
        return p

    def load_summary(self, section: str) -> dict[str, Any]:
        p = self.path(f"summary_{section}.json")
        return json.loads(p.read_text()) if p.exists() else {}


def _json_default(o: Any):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, (pd.Timestamp,)):
        return o.isoformat()
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)
