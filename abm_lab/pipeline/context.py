"""What a notebook needs for one run: params, data, truth, and the run folder's artefacts.

Notebooks start with::

    from abm_lab.pipeline import RunContext
    ctx = RunContext.open(params_path, run_dir)

Artefacts pass between notebooks as files in ``<run_dir>/artefacts/``, named in the registry
(:mod:`abm_lab.artefacts`): ``ctx.load("fit_scores")`` reads one and raises a clear
:class:`~abm_lab.errors.ABMArtefactError` when its producer has not run; ``ctx.save_summary``
validates a stage's headline figures against its typed summary model.

Who writes where (:mod:`abm_lab.pipeline.workspace`): the runner always passes ``run_dir``; a notebook keeping the
committed ``run_dir = None`` (opened in JupyterLab, nbval, ``make notebooks``) is an interactive session and writes
to its scratch run folder ``workspace/<run.name>/``, never over a runner's finished run. Given the notebook it
serves (``notebook=`` or JupyterLab's session name), an interactive session first executes the producer notebooks
of the artefacts it lacks (:meth:`RunContext.ensure_upstream`).
"""

from __future__ import annotations

import json
import os
import shutil
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from ..artefacts import ARTEFACTS, SUMMARY_MODELS, Artefact, artefact
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

    def __init__(
        self,
        params: Params,
        run_dir: Path,
        root: Path,
        dataset: Dataset | None = None,
        *,
        params_path: Path | None = None,
        interactive: bool = False,
    ):
        self.params = params
        self.run_dir = Path(run_dir)
        self.root = Path(root)
        #: The params file (None: defaults); named in the commands that error messages suggest.
        self.params_path = params_path
        #: An interactive session writing to its scratch run folder (``run_dir`` was None).
        self.interactive = interactive
        self._dataset = dataset
        self.artefact_dir.mkdir(parents=True, exist_ok=True)

    @classmethod
    def open(
        cls,
        params_path: str | None = None,
        run_dir: str | None = None,
        root: str | os.PathLike[str] | None = None,
        *,
        notebook: str | None = None,
        upstream: bool = True,
    ) -> RunContext:
        """Load params (relative paths resolve against the project root) and open the run folder.

        ``run_dir`` given (the runner): that folder, refused when it is a finished run (it holds
        ``manifest.json``). ``run_dir`` None: an interactive session in the scratch run folder
        ``workspace/<run.name>/``; with ``upstream`` it first executes the producer notebooks of the artefacts
        ``notebook`` reads and the folder lacks (``notebook`` defaults to JupyterLab's session notebook)."""
        from .workspace import check_writable, scratch_run_dir, session_notebook

        root_path = find_root(root)
        pp = None
        if params_path:
            pp = Path(params_path)
            if not pp.is_absolute():
                pp = root_path / pp
        params = load_params(pp)
        interactive = not run_dir
        if run_dir:
            rd = Path(run_dir)
            rd = rd if rd.is_absolute() else root_path / rd
            check_writable(rd, _params_label(pp, root_path))
        else:
            rd = scratch_run_dir(root_path, params.run.name)
        ctx = cls(params, rd, root_path, params_path=pp, interactive=interactive)
        nb = notebook or (session_notebook() if interactive else None)
        if interactive and upstream and nb:
            ctx.ensure_upstream(nb)
        return ctx

    def ensure_upstream(self, notebook: str) -> list[str]:
        """Execute, into this run folder, the producer notebooks of every artefact ``notebook`` reads that the
        folder lacks (in dependency order, with the runner's ``execute_notebook``); returns the notebooks run.

        Only for interactive sessions: under the runner the run's own order provides the artefacts, and a missing
        one is the clear :class:`~abm_lab.errors.ABMArtefactError` of :meth:`load`."""
        from .workspace import run_upstream, upstream_plan

        if not self.interactive:
            return []
        plan = upstream_plan(notebook, lambda a: (self.artefact_dir / a.file).exists(), self.params.run.notebooks)
        if not plan:
            return []
        if self.params_path is None:
            raise ABMArtefactError(
                f"notebook {notebook} needs the artefacts of {', '.join(plan)}, which run only on a params file: set "
                "params_path in the parameters cell (e.g. params/demo.yaml)"
            )
        made = self._cache_data()
        try:
            run_upstream(
                plan,
                self.params_path,
                self.run_dir,
                self.root,
                (self.params.run.cell_timeout, self.params.run.kernel_start_timeout),
            )
        finally:
            if made is not None:  # made for the upstream kernels only: a later session reloads the data
                shutil.rmtree(made, ignore_errors=True)
        return plan

    def _cache_data(self) -> Path | None:
        """Save the validated tables to this run folder's canonical cache (as the runner does), so that the
        upstream kernels skip loading and validating the data again (tens of seconds on the demo world).
        Returns the cache folder when this call created it (None: there was one already)."""
        from ..data.cache import CACHE_DIR, data_fingerprint, save_canonical

        folder = self.artefact_dir / CACHE_DIR
        if folder.exists():  # valid (the kernels use it) or another's: never overwritten
            return None
        save_canonical(self.data, self.artefact_dir, data_fingerprint(self.params))
        return folder

    @classmethod
    def from_dataset(cls, params: Params, dataset: Dataset, run_dir: str | os.PathLike[str]) -> RunContext:
        """For tests: a context around data already in memory."""
        return cls(params, Path(run_dir), Path(run_dir), dataset)

    # ------------------------------------------------------------------ data
    @property
    def data(self) -> Dataset:
        """The run's validated tables: from the canonical cache of this run folder (written by the runner) or,
        in an interactive session, read-only from the runner's finished run of the same params (the cache's
        fingerprint must match), else loaded and validated from the data folder."""
        if self._dataset is None:
            from ..data.cache import data_fingerprint, load_canonical

            fp, data_path = data_fingerprint(self.params), self.root / self.params.data.path
            for folder in self._cache_folders():
                self._dataset = load_canonical(folder, fp, data_path)
                if self._dataset is not None:
                    break
            if self._dataset is None:
                self._dataset = load_dataset(self.params, self.root)
        return self._dataset

    def _cache_folders(self) -> list[Path]:
        folders = [self.artefact_dir]
        if self.interactive:
            from .paths import resolve_path
            from .workspace import is_finished_run

            runner_run = resolve_path(self.params.run.output_dir, self.root) / self.params.run.name
            if is_finished_run(runner_run):
                folders.append(runner_run / ARTEFACTS_DIR)
        return folders

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
            raise ABMArtefactError(self._missing_message(a), artefact=a.name, file=str(p))
        return p

    def load(self, name: str, *, required: bool = True) -> Any:
        """Read a registered artefact: a DataFrame (parquet / csv), a dict (yaml) or the typed summary (json).

        With ``required=False`` a missing file gives ``None`` (for artefacts a stage can do without).
        Columns named in the registry are checked."""
        a = artefact(name)
        p = self.artefact_dir / a.file
        if not p.exists():
            if required:
                raise ABMArtefactError(self._missing_message(a), artefact=a.name, file=str(p))
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

    def _missing_message(self, a: Artefact) -> str:
        """Which artefact is missing, who writes it, and the exact command (or notebook) to run first."""
        label = _params_label(self.params_path, self.root)
        if a.producer not in _NOTEBOOK_PRODUCERS:  # a command's artefact (abm-lab design-holdout)
            return (
                f"artefact {a.file} is missing from {self.artefact_dir}: it is written by `abm-lab {a.producer}`; "
                f"run `abm-lab {a.producer} {label}` first"
            )
        head = f"artefact {a.file} is missing from {self.artefact_dir}: it is written by notebook {a.producer}"
        if a.producer not in self.params.run.notebooks:
            return (
                f"{head}, which is not in run.notebooks of {label}: add {a.producer} there, then run "
                f"`abm-lab run {label} --force`"
            )
        if self.interactive:
            return (
                f"{head}. This interactive session writes to its scratch run folder {self.run_dir}: run notebook "
                f"{a.producer} there first (`abm-lab open {a.producer} {label}`, then Run All in that copy; or "
                f'notebooks/{a.producer}.ipynb with params_path = "{label}" and run_dir = None), or pass '
                f"notebook=<this notebook> to RunContext.open to have it run for you; the full run is "
                f"`abm-lab run {label}`"
            )
        return (
            f"{head}; run `abm-lab run {label}` (which runs {a.producer} first), or run notebook {a.producer} "
            f'with run_dir = "{self.run_dir}" before this one'
        )


#: Notebooks that produce artefacts of the run (the rest of the registry's producers are commands).
_NOTEBOOK_PRODUCERS = frozenset(a.producer for a in ARTEFACTS.values())


def _params_label(params_path: Path | None, root: Path) -> str:
    """The params file as a user types it from the project root (``params/demo.yaml``); PARAMS for defaults."""
    if params_path is None:
        return "PARAMS"
    from .workspace import display_path

    return display_path(params_path, root)


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
