"""The run folder's life cycle: a run never deletes or writes outside its folder, and ``--force`` never loses the
previous good run before the new one has succeeded.

* The run folder is ``<run.output_dir>/<run.name>`` with ``run.name`` a safe slug (the params schema refuses
  ``..``, an empty name or a path), and :func:`run_folder` checks that it resolves to a direct child of the
  output folder.
* An existing run folder is replaced only with ``--force``, and only when everything in it is what a run writes
  (:data:`RUN_FILES`: notebooks, their HTML pages, ``index.html``, ``manifest.json``, ``artefacts/``); a folder
  holding anything else is refused, naming the files, so nothing a run did not create is removed.
* :func:`replacing` moves the previous run aside (``.<name>.previous``), builds the new run in place and removes
  the previous one only when the new run completed; on any failure or Ctrl-C the half-built folder (created by
  this run) is removed and the previous run is moved back untouched.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import ABMRunError

#: Top-level entries a run writes into its folder (anything else is the user's and is never removed).
RUN_SUFFIXES = (".ipynb", ".html")
RUN_NAMES = ("manifest.json", "index.html", "artefacts", "screenshots")  # screenshots: the browser test's


def run_folder(output_dir: Path, name: str) -> Path:
    """``output_dir / name``, refused unless it resolves to a direct child of ``output_dir``."""
    out = Path(output_dir).resolve()
    run_dir = (out / name).resolve()
    if run_dir.parent != out or name in ("", ".", ".."):
        raise ABMRunError(f"run.name {name!r} does not name a folder inside {out}; use a plain name such as 2026Q4")
    return run_dir


def foreign_entries(run_dir: Path) -> list[str]:
    """Top-level entries of ``run_dir`` that a run does not write."""
    return sorted(
        p.name
        for p in run_dir.iterdir()
        if not (p.name in RUN_NAMES or (p.is_file() and p.suffix in RUN_SUFFIXES and not p.name.startswith(".")))
    )


@contextmanager
def replacing(run_dir: Path, force: bool) -> Iterator[Path]:
    """Yield ``run_dir`` ready to be written (see the module docstring)."""
    previous: Path | None = None
    existed = run_dir.exists()
    if existed and any(run_dir.iterdir()):
        if not force:
            raise ABMRunError(f"run folder {run_dir} already exists; rerun with --force to replace it")
        if not (run_dir / "manifest.json").exists():
            raise ABMRunError(f"{run_dir} is not an ABM Lab run folder (no manifest.json); --force will not remove it")
        extra = foreign_entries(run_dir)
        if extra:
            raise ABMRunError(
                f"run folder {run_dir} holds files a run does not write ({', '.join(extra[:5])}); move them or choose "
                "another run.name — --force only replaces what a run created"
            )
        previous = run_dir.with_name(f".{run_dir.name}.previous")
        if previous.exists():
            raise ABMRunError(
                f"{previous} exists (left by an interrupted run): move it back to {run_dir.name} or remove it, "
                "then rerun"
            )
        run_dir.rename(previous)
    made_parent = not run_dir.parent.exists()
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        yield run_dir
    except BaseException as exc:
        shutil.rmtree(run_dir, ignore_errors=True)  # the half-built run: created by this run only
        if previous is not None:
            previous.rename(run_dir)
        elif existed:
            run_dir.mkdir()  # it was there, empty, before the run
        elif made_parent and not any(run_dir.parent.iterdir()):
            run_dir.parent.rmdir()  # the output folder this run created for itself
        if isinstance(exc, ABMRunError) and previous is not None:
            raise ABMRunError(f"{exc}\n(the previous run in {run_dir} is untouched)") from exc
        raise
    if previous is not None:
        shutil.rmtree(previous)
