"""Same params and data → the same executed notebooks and pages, apart from the generation timestamp.

Two things vary from run to run although the numbers do not: pandas Styler tables get a random id each time
(``T_4ba38``), and papermill stamps every cell with its start time and duration. :func:`stable_ids` renames the
Styler ids by order of appearance (``T_s001`` …); :func:`normalise_executed` applies it to an executed notebook's
outputs and moves the per-cell timings out (timings live in the run's ``manifest.json`` only).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: A pandas Styler id (``T_`` + five hex digits), wherever it appears (table id, CSS selectors, cell ids).
STYLER_ID = re.compile(r"\bT_([0-9a-f]{5})(?=[_\"'\s{>.,:#)])")
#: An object's memory address in a repr (``<Styler at 0x7f6e4c366a50>``).
ADDRESS = re.compile(r"\bat 0x[0-9a-f]{6,}\b")
#: An ipywidgets model id (in widget-view outputs and the notebook's saved widget state).
MODEL_ID = re.compile(r"\b[0-9a-f]{32}\b")
#: Papermill cell / notebook metadata that only records when and how long something ran.
TIMING_KEYS = ("start_time", "end_time", "duration")


def stable_ids(text: str, seen: dict[str, str] | None = None) -> str:
    """``text`` with every Styler id replaced by ``T_s<n>`` in order of first appearance (``seen`` carries the
    numbering across the outputs of one notebook)."""
    ids = {} if seen is None else seen

    def sub(m: re.Match[str]) -> str:
        return ids.setdefault(m.group(1), f"T_s{len(ids) + 1:03d}")

    return STYLER_ID.sub(sub, text)


def _strip(meta: dict[str, Any]) -> None:
    pm = meta.get("papermill")
    if isinstance(pm, dict):
        for k in TIMING_KEYS:
            pm.pop(k, None)
    meta.pop("execution", None)


def _widget_ids(text: str, ids: list[str]) -> str:
    """Widget model ids renumbered by first appearance (consistently in outputs and the saved widget state)."""
    mapping: dict[str, str] = {}
    for i in ids:
        mapping.setdefault(i, f"{len(mapping) + 1:032x}")
    return MODEL_ID.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)


def normalise_executed(path: str | Path) -> None:
    """Rewrite an executed notebook in place: stable Styler ids, object addresses and widget ids in its outputs
    and widget state, no per-cell timings."""
    import json

    import nbformat

    p = Path(path)
    nb = nbformat.read(str(p), as_version=4)
    seen: dict[str, str] = {}
    _strip(nb.metadata)
    for cell in nb.cells:
        _strip(cell.metadata)
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            for mime in ("text/html", "text/plain"):
                if mime in data:
                    v = data[mime]
                    data[mime] = ADDRESS.sub("at 0x0", stable_ids("".join(v) if isinstance(v, list) else v, seen))
    models = [
        str(o["data"]["application/vnd.jupyter.widget-view+json"].get("model_id", ""))
        for c in nb.cells
        for o in c.get("outputs", [])
        if "application/vnd.jupyter.widget-view+json" in (o.get("data") or {})
    ]
    state = (nb.metadata.get("widgets") or {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    text = json.dumps(nb, ensure_ascii=False)
    text = _widget_ids(text, [m for m in models if m] + sorted(state))
    nbformat.write(nbformat.reads(text, as_version=4), str(p))
