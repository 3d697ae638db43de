"""Analysts' quarterly loop: create next quarter's params file from the last one.

``new_quarter_params("2026Q4", Path("params"))`` copies ``params/2026Q3.yaml`` (the latest
quarter file before 2026Q4) to ``params/2026Q4.yaml`` with ``run.name``, ``run.as_of``,
``run.window_start`` and ``run.window_end`` moved to the new quarter (and the old quarter
label replaced in ``data.path`` / ``data.files``, e.g. ``data/2026Q3`` → ``data/2026Q4``).
Comments and every other setting are kept. It never overwrites an existing file.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from ..errors import ABMParamsError

QUARTER_RE = re.compile(r"^(\d{4})[-_ ]?[Qq]([1-4])$")
QUARTER_FILE_RE = re.compile(r"^(\d{4})Q([1-4])\.ya?ml$")


def parse_quarter(quarter: str) -> tuple[int, int]:
    """'2026Q4' (also '2026-Q4', '2026q4') -> (2026, 4); clear error otherwise."""
    m = QUARTER_RE.match(str(quarter).strip())
    if not m:
        raise ABMParamsError(
            f"quarter {quarter!r} is not a quarter: use YEARQn, e.g. 2026Q4 (n = 1..4)",
            column="quarter",
            reason="malformed quarter",
        )
    year = int(m.group(1))
    if not 1900 <= year <= 2999:
        raise ABMParamsError(
            f"quarter {quarter!r}: year {year} is out of range", column="quarter", reason="malformed quarter"
        )
    return year, int(m.group(2))


def quarter_label(year: int, q: int) -> str:
    return f"{year}Q{q}"


def quarter_bounds(year: int, q: int) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar quarter."""
    start = dt.date(year, 3 * q - 2, 1)
    end = (dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)) - dt.timedelta(days=1)
    return start, end


def _file_paths(entries) -> list[str]:
    """File names in data.files values / data.ad_spend entries: a name, a list of names or {path: ...} specs."""
    out: list[str] = []
    for v in entries:
        for item in v if isinstance(v, list) else [v]:
            path = item.get("path") if isinstance(item, dict) else item
            if path:
                out.append(str(path))
    return out


def _relabel(v, old: str, new: str):
    """``v`` (a file name, a list, or a {path: ...} spec) with the quarter label of its paths replaced."""
    if isinstance(v, list):
        return [_relabel(i, old, new) for i in v]
    if isinstance(v, dict):
        return {**v, "path": str(v["path"]).replace(old, new)} if "path" in v else v
    return str(v).replace(old, new)


def quarter_files(params_dir: Path) -> dict[tuple[int, int], Path]:
    """Existing ``YEARQn.yaml`` files in ``params_dir`` by (year, quarter)."""
    out = {}
    for p in Path(params_dir).glob("*.y*ml"):
        m = QUARTER_FILE_RE.match(p.name)
        if m:
            out[(int(m.group(1)), int(m.group(2)))] = p
    return out


def _set_run_key(lines: list[str], key: str, value: str) -> list[str]:
    """Set ``run.<key>`` in YAML text lines (block style), keeping comments; add it if missing."""
    start = next((i for i, ln in enumerate(lines) if re.match(r"^run\s*:\s*(#.*)?$", ln)), None)
    if start is None:
        return lines + ["run:", f"  {key}: {value}"]
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].strip() and not lines[i].startswith((" ", "\t", "#"))),
        len(lines),
    )
    indent = "  "
    for i in range(start + 1, end):
        m = re.match(r"^(\s+)([A-Za-z_]+)\s*:(\s*)([^#\n]*?)(\s*#.*)?$", lines[i])
        if m:
            indent = m.group(1)
            if m.group(2) == key:
                lines[i] = f"{m.group(1)}{key}: {value}{m.group(5) or ''}"
                return lines
    return lines[: start + 1] + [f"{indent}{key}: {value}"] + lines[start + 1 :]


def new_quarter_params(quarter: str, params_dir: Path) -> Path:
    """Create ``params_dir/<quarter>.yaml`` from the latest earlier quarter file; returns its path.

    Raises :class:`ABMParamsError` for a malformed quarter, an existing target file, or when
    there is no ``YEARQn.yaml`` file to start from.
    """
    from ..config import parse_params

    year, q = parse_quarter(quarter)
    label = quarter_label(year, q)
    params_dir = Path(params_dir)
    target = params_dir / f"{label}.yaml"
    if target.exists():
        raise ABMParamsError(
            f"{target} already exists; not overwriting it (edit it, or delete it first)",
            file=str(target),
            reason="exists",
        )
    files = quarter_files(params_dir)
    earlier = [k for k in files if k < (year, q)]
    if not files:
        raise ABMParamsError(
            f"no quarter params file (YEARQn.yaml, e.g. 2026Q3.yaml) in {params_dir} to start from; "
            f"copy params/demo.yaml to {params_dir / (label + '.yaml')} and edit run.*",
            file=str(params_dir),
            reason="no source",
        )
    src_key = max(earlier) if earlier else max(files)
    src = files[src_key]
    old_label = quarter_label(*src_key)
    text = src.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ABMParamsError(f"{src}: not valid YAML: {exc}", file=str(src), reason="bad yaml") from None
    if not isinstance(raw, dict):
        raise ABMParamsError(f"{src}: params must be a mapping of sections", file=str(src), reason="bad yaml")
    start, end = quarter_bounds(year, q)
    run = dict(raw.get("run") or {})
    old_name = str(run.get("name", old_label))
    new_name = old_name.replace(old_label, label) if old_label in old_name else label
    want = {
        "name": new_name,
        "as_of": end.isoformat(),
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
    }

    lines = [ln for ln in text.splitlines() if not ln.startswith("# Created by `abm-lab new-quarter")]
    for k, v in want.items():
        lines = _set_run_key(lines, k, v)
    # data locations named after the quarter move with it (data/2026Q3 -> data/2026Q4)
    data = raw.get("data") or {}
    named = [data.get("path"), *_file_paths((data.get("files") or {}).values())]
    named += _file_paths(data.get("ad_spend") or [])
    moved = [str(v) for v in named if v and old_label in str(v)]
    out_lines = []
    for ln in lines:
        if any(m in ln for m in moved) and not ln.lstrip().startswith("#"):
            ln = ln.replace(old_label, label)
        out_lines.append(ln)
    header = f"# Created by `abm-lab new-quarter {label}` from {src.name} on {dt.date.today().isoformat()}."
    new_text = header + "\n" + "\n".join(out_lines) + "\n"

    check = yaml.safe_load(new_text) or {}
    expected_run = {**run, **{k: (v if k == "name" else dt.date.fromisoformat(v)) for k, v in want.items()}}
    top_run_lines = [ln for ln in new_text.splitlines() if re.match(r"^run\s*:", ln)]
    if (
        check.get("run") != expected_run or len(top_run_lines) != 1
    ):  # unusual YAML layout (flow style, anchors): rewrite it plainly
        raw2 = dict(raw)
        raw2["run"] = expected_run
        if moved and isinstance(data, dict):
            d2 = dict(data)
            if d2.get("path") and old_label in str(d2["path"]):
                d2["path"] = str(d2["path"]).replace(old_label, label)
            if isinstance(d2.get("files"), dict):
                d2["files"] = {k: _relabel(v, old_label, label) for k, v in d2["files"].items()}
            if isinstance(d2.get("ad_spend"), list):
                d2["ad_spend"] = _relabel(d2["ad_spend"], old_label, label)
            raw2["data"] = d2
        new_text = header + "\n" + yaml.safe_dump(raw2, sort_keys=False, default_flow_style=False)
    parse_params(yaml.safe_load(new_text), str(target))  # validate before writing
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as f:  # 'x': never overwrite, even in a race
        f.write(new_text)
    return target
