"""Interactive sessions and workspace copies: a notebook opened in JupyterLab never writes over a runner's run, and
the committed notebooks never change when a user edits their parameters.

* **Who writes where.** The runner (``abm-lab run``) always passes ``run_dir`` to a notebook. A notebook that keeps
  the committed ``run_dir = None`` (opened in JupyterLab, or executed by nbval or ``make notebooks``) is an
  *interactive session*: its artefacts go to the scratch run folder ``workspace/<run.name>/artefacts/`` of the
  project (git-ignored), never to ``<run.output_dir>/<run.name>/``, which belongs to the runner and whose
  ``manifest.json`` describes what is in it. A ``run_dir`` naming a finished run (one holding ``manifest.json``)
  is refused for the same reason (:func:`check_writable`).
* **Upstream.** :func:`upstream_plan` lists the producer notebooks whose artefacts a notebook reads and its run
  folder lacks (transitively, in dependency order); :func:`run_upstream` executes them with the runner's
  :func:`~abm_lab.pipeline.runner.execute_notebook` into the same run folder, keeping the executed copies in
  ``workspace/<run.name>/upstream/``.
* **Workspace copies.** :func:`open_notebook` (``abm-lab open NOTEBOOK|all [PARAMS]``) copies a committed notebook
  to ``workspace/<run.name>/<notebook>.ipynb`` with ``params_path`` filled in and its outputs cleared, marked as a
  workspace copy in its metadata; an existing file there is kept (``keep``) or replaced only with ``force`` and
  only when it carries that mark (a file the command did not create is never overwritten).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..artefacts import ARTEFACTS, Artefact
from ..errors import ABMDataError, ABMRunError
from .runfolder import run_folder

if TYPE_CHECKING:
    from ..config import Params

#: The git-ignored folder of interactive sessions: scratch run folders and workspace copies of notebooks.
WORKSPACE_DIR = "workspace"
#: Sub-folder of a scratch run folder holding the producer notebooks executed for a session.
UPSTREAM_DIR = "upstream"
#: The file that marks a finished run of ``abm-lab run``.
MANIFEST_FILE = "manifest.json"
#: Notebook metadata key marking a workspace copy made by ``abm-lab open``.
COPY_MARK = "abm_lab"
#: Environment variable JupyterLab (jupyter_server) sets in a notebook's kernel: the notebook's path.
SESSION_ENV = "JPY_SESSION_NAME"
#: A committed notebook's file stem (``02_account_grading``).
NOTEBOOK_STEM = re.compile(r"^\d\d_[a-z0-9_]+$")
#: The ``params_path = ...`` line of a parameters cell.
PARAMS_LINE = re.compile(r"^params_path\s*=.*$", re.M)
#: Environment variables the runner's kernel set-up changes (restored after upstream runs in a user's kernel).
KERNEL_ENV = ("TQDM_DISABLE", "PYTHONWARNINGS", "IPYTHONDIR", "ABM_LAB_IPYTHONDIR")


#: Environment variable naming another workspace folder (``make test`` points nbval's sessions at a temporary one,
#: so the tests never write over a user's scratch artefacts).
WORKSPACE_ENV = "ABM_LAB_WORKSPACE"


def workspace_root(root: Path) -> Path:
    """``<root>/workspace`` (or ``$ABM_LAB_WORKSPACE``)."""
    env = os.environ.get(WORKSPACE_ENV)
    return Path(env) if env else Path(root) / WORKSPACE_DIR


def scratch_run_dir(root: Path, run_name: str) -> Path:
    """``<root>/workspace/<run_name>``: the scratch run folder of interactive sessions of one params file."""
    return run_folder(workspace_root(root), run_name)


def is_finished_run(folder: Path) -> bool:
    """A folder the runner finished (its ``manifest.json`` describes the artefacts in it)."""
    return (Path(folder) / MANIFEST_FILE).is_file()


def check_writable(run_dir: Path, params_label: str) -> None:
    """Refuse a notebook session on a finished run: its artefacts would no longer match the manifest."""
    if is_finished_run(run_dir):
        raise ABMRunError(
            f"run_dir {run_dir} is a finished run of `abm-lab run` (it holds {MANIFEST_FILE}); a notebook would "
            f"overwrite its artefacts without updating the manifest. Leave run_dir = None (an interactive session "
            f"writes to its scratch folder {WORKSPACE_DIR}/<run.name>/), or refresh the run with "
            f"`abm-lab run {params_label} --force`"
        )


def session_notebook() -> str | None:
    """The notebook of this kernel as JupyterLab names it (``JPY_SESSION_NAME``), when it is one of ours."""
    name = os.environ.get(SESSION_ENV)
    if not name:
        return None
    stem = Path(name).stem
    return stem if NOTEBOOK_STEM.match(stem) else None


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to the project root when inside it (what a user types from there), else absolute."""
    p, r = Path(path).resolve(), Path(root).resolve()
    return str(p.relative_to(r)) if p.is_relative_to(r) else str(p)


# ---------------------------------------------------------------------------------------------------- upstream
def needed_artefacts(notebook: str) -> list[Artefact]:
    """Artefacts of other notebooks that ``notebook`` reads (registry consumers)."""
    return [a for a in ARTEFACTS.values() if notebook in a.consumers and a.producer != notebook]


def upstream_plan(
    notebook: str, has: Callable[[Artefact], bool], run_notebooks: Iterable[str] | None = None
) -> list[str]:
    """Producer notebooks to execute, in order, so that every artefact ``notebook`` reads exists (``has`` says
    which exist already): each missing artefact's producer, after the producers it needs in turn. With
    ``run_notebooks`` (the params' ``run.notebooks``) only those, as the runner would: an artefact whose producer
    is not in the run stays missing and its load says so."""
    order: list[str] = []
    allowed = set(run_notebooks) if run_notebooks is not None else None

    def visit(nb: str, path: tuple[str, ...]) -> None:
        for a in needed_artefacts(nb):
            if a.producer in order or a.producer in path or has(a):
                continue
            if allowed is not None and a.producer not in allowed:
                continue
            visit(a.producer, (*path, a.producer))
            if a.producer not in order:
                order.append(a.producer)

    visit(notebook, (notebook,))
    return order


@dataclass(frozen=True)
class UpstreamRun:
    """What :func:`run_upstream` executed: notebook → its executed copy."""

    executed: dict[str, Path]


def run_upstream(
    plan: Iterable[str],
    params_path: Path,
    run_dir: Path,
    root: Path,
    timeouts: tuple[int, int],
    log: Callable[[str], None] = print,
) -> UpstreamRun:
    """Execute the producer notebooks of ``plan`` (committed versions, ``root/notebooks``) into ``run_dir`` with
    the runner's :func:`~abm_lab.pipeline.runner.execute_notebook`; the executed copies go to
    ``run_dir/upstream/``. A file there that this function did not write (no papermill metadata) is refused."""
    from .runner import execute_notebook

    out_dir = Path(run_dir) / UPSTREAM_DIR
    executed: dict[str, Path] = {}
    saved = {k: os.environ.get(k) for k in KERNEL_ENV}
    try:
        for nb in plan:
            src = Path(root) / "notebooks" / f"{nb}.ipynb"
            if not src.exists():
                raise ABMRunError(f"upstream notebook {nb}.ipynb does not exist in {src.parent}")
            dst = out_dir / f"{nb}.ipynb"
            if dst.exists() and not _is_executed_copy(dst):
                raise ABMRunError(f"{dst} exists and was not written by ABM Lab; move it away, then rerun")
            out_dir.mkdir(parents=True, exist_ok=True)
            log(f"Running upstream notebook {nb} into {display_path(run_dir, root)} …")
            execute_notebook(src, dst, {"params_path": str(params_path), "run_dir": str(run_dir)}, root, *timeouts)
            executed[nb] = dst
    finally:  # the runner's kernel set-up must not leak into the user's own kernel
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return UpstreamRun(executed)


def _is_executed_copy(path: Path) -> bool:
    try:
        return "papermill" in json.loads(path.read_text()).get("metadata", {})
    except (OSError, ValueError):
        return False


# ------------------------------------------------------------------------------------------- workspace copies
def find_notebook(name: str, root: Path) -> Path:
    """The committed notebook named ``name``: ``02``, ``02_account_grading``, its file name or path."""
    nb_dir = Path(root) / "notebooks"
    stem = Path(name).stem
    found = sorted(nb_dir.glob(f"{stem}.ipynb")) or sorted(nb_dir.glob(f"{stem}_*.ipynb"))
    committed = committed_notebooks(root)
    if len(found) != 1 or not NOTEBOOK_STEM.match(found[0].stem):
        raise ABMDataError(
            f"no single notebook named {name!r} in {nb_dir}; choose one of {', '.join(committed)} (or all)",
            file=str(nb_dir),
            reason="unknown notebook",
        )
    return found[0]


@dataclass(frozen=True)
class WorkspaceCopy:
    """A workspace copy of a committed notebook and the command that opens it in JupyterLab."""

    path: Path
    source: Path
    params_path: str
    #: True when an existing copy was kept as it is (``keep``)
    kept: bool = False

    def line(self, base: Path) -> str:
        """One line saying what happened, paths relative to ``base`` (the working directory)."""
        if self.kept:
            return f"Kept {display_path(self.path, base)} (a workspace copy already there; --force replaces it)"
        return (
            f"Copied {display_path(self.source, base)} to {display_path(self.path, base)} "
            f"(params_path = {json.dumps(self.params_path)}, outputs cleared)"
        )


def instructions(copies: list[WorkspaceCopy], command: list[str], base: Path) -> str:
    """What ``abm-lab open`` prints: the copies, where they write, and the command that opens them."""
    folder = display_path(copies[0].path.parent, base)
    return "\n".join(
        [c.line(base) for c in copies]
        + [
            f"Edit and save these copies freely: the committed notebooks stay as they are, and the copies write to "
            f"{folder}/artefacts/, never to a runner's run folder.",
            "Open in JupyterLab with:",
            f"  {' '.join(command)}",
        ]
    )


def lab_command(notebook: Path, base: Path) -> list[str]:
    """``jupyter lab NOTEBOOK`` (paths relative to ``base``, the working directory, when inside it) with the
    venv's jupyter when there is one; ``--allow-root`` when run as root (Jupyter refuses to start as root
    without it)."""
    venv_jupyter = Path(sys.executable).parent / "jupyter"
    exe = display_path(venv_jupyter, base) if venv_jupyter.exists() else "jupyter"
    if exe == venv_jupyter.name:  # in the working directory itself: a bare name would search PATH
        exe = f"./{exe}"
    cmd = [exe, "lab", display_path(notebook, base)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def committed_notebooks(root: Path) -> list[str]:
    """Stems of the committed notebooks (``00_data_health`` … ``05_program_roi``)."""
    return sorted(p.stem for p in (Path(root) / "notebooks").glob("[0-9][0-9]_*.ipynb") if NOTEBOOK_STEM.match(p.stem))


def open_notebook(
    name: str, params_path: Path, params: Params, root: Path, force: bool = False, keep: bool = False
) -> WorkspaceCopy:
    """Copy the committed notebook ``name`` to ``workspace/<run.name>/`` with ``params_path`` filled in (see the
    module docstring). An existing copy is an error unless ``keep`` (left as it is) or ``force`` (replaced, when
    ``abm-lab open`` made it)."""
    import nbformat

    src = find_notebook(name, root)
    label = display_path(params_path, root)
    dst = scratch_run_dir(root, params.run.name) / src.name
    if dst.exists():
        if keep and not force:
            return WorkspaceCopy(dst, src, label, kept=True)
        if not force:
            raise ABMRunError(
                f"{display_path(dst, root)} exists already (a workspace copy you may have edited): open it, or pass "
                "--force to replace it with a fresh copy of the committed notebook (its edits are lost)"
            )
        if not _is_workspace_copy(dst):
            raise ABMRunError(
                f"{display_path(dst, root)} was not made by `abm-lab open`; --force only replaces a workspace copy. "
                "Move it away, then rerun"
            )
    nb = nbformat.read(str(src), as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not cells or not PARAMS_LINE.search(cells[0].source):
        raise ABMRunError(f"{src.name} has no parameters cell with a params_path line; it cannot be opened")
    cells[0].source = PARAMS_LINE.sub(lambda _: f"params_path = {json.dumps(label)}", cells[0].source, count=1)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
            c.execution_count = None
        c.metadata.pop("execution", None)
        c.metadata.pop("papermill", None)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    nb.metadata[COPY_MARK] = {"workspace_copy_of": display_path(src, root), "params_path": label}
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.tmp")
    nbformat.write(nb, str(tmp))
    shutil.move(str(tmp), str(dst))
    return WorkspaceCopy(dst, src, label)


def _is_workspace_copy(path: Path) -> bool:
    try:
        meta = json.loads(path.read_text()).get("metadata", {})
    except (OSError, ValueError):
        return False
    return isinstance(meta.get(COPY_MARK), dict) and "workspace_copy_of" in meta[COPY_MARK]
