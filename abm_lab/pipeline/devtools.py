"""Developer tasks: re-execute the committed notebooks in place on the demo world.

``python -m abm_lab.pipeline.devtools refresh-notebooks [NAME ...]`` runs each notebook with its default
parameters (the demo run) and saves it with outputs, so nbval can check the cells marked
``# NBVAL_CHECK_OUTPUT`` against them. Execution metadata (timings) is stripped.
"""

from __future__ import annotations

import sys
import time

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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "refresh-notebooks":
        print(__doc__)
        return 2
    refresh(argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
