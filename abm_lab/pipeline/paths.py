"""How the paths of a params file resolve: one rule for every command, whichever the working directory.

**The rule.** Relative paths *inside* a params file (``data.path``, ``run.output_dir``,
``experiment.target_list``, ``experiment.preregistration``) resolve against the **project root**
of that params file:

1. the nearest folder at or above the params file's folder that holds both ``params/`` and
   ``notebooks/`` (what :func:`abm_lab.pipeline.context.find_root` looks for), else
2. the parent of the params file's folder when that folder is named ``params`` (a data project
   without notebooks: ``my-crm/params/q3.yaml`` → ``my-crm/``), else
3. the project found from the working directory (a params overlay kept outside any project,
   e.g. ``/tmp/overlay.yaml``), as before.

The params file named on the command line is itself found relative to the working directory
or, when it is not there, relative to the project root of the working directory (so
``abm-lab validate params/demo.yaml`` works from ``notebooks/`` too).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .context import find_root

if TYPE_CHECKING:
    from ..config import Params

PARAMS_DIR = "params"


def _is_project(folder: Path) -> bool:
    return (folder / PARAMS_DIR).is_dir() and (folder / "notebooks").is_dir()


def locate_params(path: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None) -> Path:
    """Absolute path of a params file named on the command line: as given (absolute, or relative to ``cwd``),
    else relative to the project root above ``cwd``. A file found nowhere is returned as given (relative to
    ``cwd``) so that :func:`abm_lab.config.load_params` reports it as not found."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    base = Path(cwd or os.getcwd()).resolve()
    if (base / p).exists():
        return (base / p).resolve()
    root = find_root(base)
    if (root / p).exists():
        return (root / p).resolve()
    return base / p


def project_root(params_path: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None) -> Path:
    """The folder the relative paths of ``params_path`` resolve against (see the module docstring)."""
    here = Path(params_path).expanduser().resolve().parent
    found = find_root(here)
    if _is_project(found):
        return found
    if here.name == PARAMS_DIR:
        return here.parent
    return find_root(cwd)


def resolve_path(value: str | os.PathLike[str], root: str | os.PathLike[str]) -> Path:
    """``value`` when absolute, else ``root / value`` (both absolute)."""
    p = Path(value).expanduser()
    return p if p.is_absolute() else Path(root).resolve() / p


def resolve(params: Params, root: str | os.PathLike[str]) -> Params:
    """A copy of ``params`` whose path settings (``data.path``, ``run.output_dir``, ``experiment.target_list``,
    ``experiment.preregistration``) are absolute, resolved against ``root``; the original is unchanged.

    Use it where a path is opened; keep the original where params are fingerprinted (the data cache's key
    uses the path as written)."""
    ex = params.experiment
    return params.model_copy(
        update={
            "data": params.data.model_copy(update={"path": str(resolve_path(params.data.path, root))}),
            "run": params.run.model_copy(update={"output_dir": str(resolve_path(params.run.output_dir, root))}),
            "experiment": ex.model_copy(
                update={
                    k: str(resolve_path(v, root))
                    for k, v in (("target_list", ex.target_list), ("preregistration", ex.preregistration))
                    if v is not None
                }
            ),
        }
    )
