"""What a notebook needs for one run: params, data, truth, and the run folder's artefacts.

Notebooks start with::

    from abm_lab.pipeline import RunContext
    ctx = RunContext.open(params_path, run_dir)

Artefacts pass between notebooks as files in ``<run_dir>/artefacts/``, named in the registry
(:mod:`abm_lab.artefacts`): ``ctx.load("fit_scores")`` reads one and raises a clear
:class:`~abm_lab.errors.ABMArtefactError` when its producer has not run; ``ctx.save_summary``
validates a stage's headline figures against its typed summary model.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from ..artefacts import SUMMARY_MODELS, Artefact, artefact
from ..config import Params, load_params
from ..data.io import Dataset, load_dataset
from ..errors import ABMArtefactError
from ..utils import finite_json

ARTEFACTS_DIR = "artefacts"


def find_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The project root (folder holding ``params/``), searching upwards from ``start`` or CWD."""
    p = Path(start or os.getcwd()).resolve()
    for cand in (p, *p.parents):
        if (cand / "params").is_dir() and (cand / "notebooks").is_dir():
            return cand
    return p


class RunContext:
    """Params, data and artefact folder of one run, as seen by one notebook."""

    def __init__(self, params: Params, run_dir: Path, root: Path, dataset: Dataset | None = None):
        self.params = params
        self.run_dir = Path(run_dir)
        self.root = Path(root)
        self._dataset = dataset
        self.artefact_dir.mkdir(parents=True, exist_ok=True)

    @classmethod
    def open(
        cls, params_path: str | None = None, run_dir: str | None = None, root: str | os.PathLike[str] | None = None
    ) -> RunContext:
        """Load params (relative paths resolve against the project root)."""
        root_path = find_root(root)
        pp = None
        if params_path:
            pp = Path(params_path)
            if not pp.is_absolute():
                pp = root_path / pp
        params = load_params(pp)
        rd = Path(run_dir) if run_dir else Path(params.run.output_dir) / params.run.name
        if not rd.is_absolute():
            rd = root_path / rd
        return cls(params, rd, root_path)

    @classmethod
    def from_dataset(cls, params: Params, dataset: Dataset, run_dir: str | os.PathLike[str]) -> RunContext:
        """For tests: a context around data already in memory."""
        return cls(params, Path(run_dir), Path(run_dir), dataset)

    # ------------------------------------------------------------------ data
    @property
    def data(self) -> Dataset:
        if self._dataset is None:
            from ..data.cache import data_fingerprint, load_canonical

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

    # ------------------------------------------------------------- artefacts
    @cached_property
    def artefact_dir(self) -> Path:
        return self.run_dir / ARTEFACTS_DIR

    def path(self, name: str) -> Path:
        """Path of a registered artefact (registry key such as ``"fit_scores"`` or its file name) in this run."""
        return self.artefact_dir / artefact(name).file

    def has(self, name: str) -> bool:
        return self.path(name).exists()

    def require(self, name: str) -> Path:
        """Path of an upstream artefact that must exist; a clear error naming its producer otherwise."""
        a = artefact(name)
        p = self.artefact_dir / a.file
        if not p.exists():
            raise ABMArtefactError(_missing_message(a, self.artefact_dir), artefact=a.name, file=str(p))
        return p

    def load(self, name: str, *, required: bool = True) -> Any:
        """Read a registered artefact: a DataFrame (parquet / csv), a dict (yaml) or the typed summary (json).

        With ``required=False`` a missing file gives ``None`` (for artefacts a stage can do without).
        Columns named in the registry are checked."""
        a = artefact(name)
        p = self.artefact_dir / a.file
        if not p.exists():
            if required:
                raise ABMArtefactError(_missing_message(a, self.artefact_dir), artefact=a.name, file=str(p))
            return None
        if a.kind == "parquet":
            return _check_columns(a, pd.read_parquet(p), p)
        if a.kind == "csv":
            return _check_columns(a, pd.read_csv(p), p)
        if a.kind == "yaml":
            import yaml

            return yaml.safe_load(p.read_text())
        data = json.loads(p.read_text())
        return a.model.model_validate(data) if a.model is not None else data

    def save_summary(self, section: str, values: dict[str, Any] | BaseModel) -> Path:
        """Save headline figures of one stage (read by the index page), validated against its summary model."""
        model = SUMMARY_MODELS.get(section)
        if model is None:
            raise KeyError(f"no summary model for section {section!r}; add it to abm_lab.artefacts")
        plain = values.model_dump() if isinstance(values, BaseModel) else values
        plain = finite_json(json.loads(json.dumps(plain, default=_json_default)))
        try:
            typed = model.model_validate(plain)
        except ValidationError as exc:
            raise ABMArtefactError(
                f"summary_{section}.json does not match {model.__name__}: {exc}", artefact=f"summary_{section}"
            ) from None
        p = self.path(f"summary_{section}")
        p.write_text(json.dumps(typed.model_dump(exclude_none=True), indent=2, sort_keys=True))
        return p

    def load_summary(self, section: str) -> BaseModel | None:
        """The typed summary of a stage, or None when that stage has not run."""
        summary = self.load(f"summary_{section}", required=False)
        return summary if isinstance(summary, BaseModel) else None


def _missing_message(a: Artefact, folder: Path) -> str:
    return (
        f"artefact {a.file} is missing from {folder}: it is written by notebook {a.producer}; "
        f"run `abm-lab run PARAMS` (which runs {a.producer} first) or run notebook {a.producer} on the same run "
        f"folder before this one"
    )


def _check_columns(a: Artefact, df: pd.DataFrame, path: Path) -> pd.DataFrame:
    missing = [c for c in a.columns if c not in df.columns]
    if missing:
        raise ABMArtefactError(
            f"{path}: artefact {a.file} lacks column(s) {missing} (written by notebook {a.producer}); "
            f"rerun {a.producer} with this version of ABM Lab",
            artefact=a.name,
            file=str(path),
        )
    return df


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return str(o)
