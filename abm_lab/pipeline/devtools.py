"""Developer tasks: re-execute the committed notebooks in place on the demo world.

``python -m abm_lab.pipeline.devtools refresh-notebooks [NAME ...]`` runs each notebook with its default
parameters (the demo run) and saves it with outputs, so nbval can check the cells marked
``# NBVAL_CHECK_OUTPUT`` against them. Execution metadata (timings) is stripped.

``python -m abm_lab.pipeline.devtools docs`` regenerates the generated parts of the docs (the artefact
table of ``docs/architecture.md``, from the registry in :mod:`abm_lab.artefacts`);
``python -m abm_lab.pipeline.devtools check-notebooks`` checks the notebook conventions (thin, no blanket
warning filters, checked outputs committed).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from .context import find_root


def refresh(names: list[str] | None = None) -> None:
    import nbformat
    from nbclient import NotebookClient

    from .runner import kernel_environment

    kernel_environment()
    root = find_root()
    nbs = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if names:
        nbs = [p for p in nbs if p.stem in names or p.name in names]
    for p in nbs:
        t = time.perf_counter()
        nb = nbformat.read(p, as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(root)}}).execute()
        for c in nb.cells:
            c.metadata.pop("execution", None)
        nb.metadata.pop("papermill", None)
        nbformat.write(nb, p)
        print(f"{p.name}: {time.perf_counter() - t:.1f} s")


#: Thin notebooks: at most this many non-blank code lines (logic lives in the package).
MAX_NOTEBOOK_CODE_LINES = 60


def notebook_problems(path: Path) -> list[str]:
    """What breaks the notebook conventions in one committed notebook (empty when it is fine): too much code,
    a blanket ``warnings.filterwarnings("ignore")``, or outputs stripped (nbval compares against them)."""
    import json

    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    problems = []
    lines = sum(1 for c in code for line in "".join(c["source"]).splitlines() if line.strip())
    if lines > MAX_NOTEBOOK_CODE_LINES:
        problems.append(
            f"{path.name}: {lines} code lines (at most {MAX_NOTEBOOK_CODE_LINES}; move logic to the package)"
        )
    for c in code:
        src = "".join(c["source"])
        if "filterwarnings(" in src and "ignore" in src:
            problems.append(f"{path.name}: blanket warnings filter; silence the specific warning at its source")
        if "parameters" not in c.get("metadata", {}).get("tags", []) and not c.get("outputs") and src.strip():
            if "# NBVAL_CHECK_OUTPUT" in src:
                problems.append(f"{path.name}: a '# NBVAL_CHECK_OUTPUT' cell has no committed output")
    return problems


def check_notebooks(root: Path | None = None) -> int:
    nbs = sorted(((root or find_root()) / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    problems = [p for nb in nbs for p in notebook_problems(nb)]
    for p in problems:
        print(p)
    return 1 if problems else 0


ARTEFACT_MARKERS = ("<!-- ARTEFACTS:START -->", "<!-- ARTEFACTS:END -->")


def refresh_docs(root: Path | None = None) -> Path:
    """Rewrite the artefact table between the markers of docs/architecture.md from the registry."""
    from ..artefacts import markdown_table

    doc = (root or find_root()) / "docs" / "architecture.md"
    text = doc.read_text()
    start, end = ARTEFACT_MARKERS
    if start not in text or end not in text:
        raise SystemExit(f"{doc}: markers {start} / {end} not found")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    doc.write_text(f"{head}{start}\n{markdown_table()}\n{end}{tail}")
    return doc


def clean(root: Path | None = None) -> list[Path]:
    """``make clean``: remove the demo run and the generated demo world, and only when they are what ABM Lab
    wrote (a run folder holding only run files; a data folder with the generator's stamp). Returns what went."""
    import shutil

    from ..synth.store import STAMP_FILE
    from .runfolder import foreign_entries

    base = Path(root) if root is not None else Path(__file__).resolve().parents[2]
    gone = []
    run = base / "reports" / "demo"
    if run.is_dir() and (run / "manifest.json").exists() and not foreign_entries(run):
        shutil.rmtree(run)
        gone.append(run)
    data = base / "data" / "demo"
    if data.is_dir() and (data / STAMP_FILE).exists():
        shutil.rmtree(data)
        gone.append(data)
    return gone


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "clean":
        for p in clean():
            print(f"removed {p}")
        return 0
    if argv and argv[0] == "refresh-notebooks":
        refresh(argv[1:])
        return 0
    if argv and argv[0] == "check-notebooks":
        return check_notebooks()
    if argv and argv[0] == "docs":
        print(f"updated {refresh_docs()}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
