"""Run manifest: params, sha256 of every input file, package versions, git commit, timings."""

from __future__ import annotations

import datetime as dt
import importlib.metadata as md
import platform
import subprocess
from pathlib import Path
from typing import Any

PACKAGES = [
    "abm-lab",
    "pandas",
    "numpy",
    "scipy",
    "scikit-learn",
    "statsmodels",
    "shap",
    "duckdb",
    "pyarrow",
    "matplotlib",
    "papermill",
    "nbconvert",
    "pydantic",
    "rapidfuzz",
    "tldextract",
    "ipywidgets",
]


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in PACKAGES:
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:
            out[p] = "not installed"
    return out


def git_commit(root: Path) -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except Exception:
        return "unknown"


def build_manifest(
    params, dataset, root: Path, timings: dict[str, float], started: dt.datetime, finished: dt.datetime | None = None
) -> dict[str, Any]:
    inputs = dict(dataset.hashes)
    return {
        "run": params.run.name,
        "params": params.model_dump(mode="json"),
        "inputs": inputs,
        "packages": package_versions(),
        "git_commit": git_commit(root),
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "started": started.isoformat(timespec="seconds"),
        "finished": (finished or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        "row_counts": dataset.row_counts or {k: int(len(v)) for k, v in dataset.tables.items()},
        # every input row accounted for: rows read, loaded, set aside (and why), per table
        "row_accounting": {k: {n: int(c) for n, c in v.items()} for k, v in (dataset.accounting or {}).items()},
        "import": dataset.import_report.to_dict() if getattr(dataset, "import_report", None) is not None else None,
    }
