"""Reading a run for the report: its manifest, its params (as a plain dict) and its typed summaries.

The summaries are the same typed ``artefacts/summary_<section>.json`` the stages write
(:data:`abm_lab.artefacts.SUMMARY_MODELS`): each file is validated against its model and its figures are read
by field name. A file that does not validate is not read at all (its figures show '–') and is listed in
:attr:`RunSummaries.invalid`, so the index page can name it; nothing is guessed from a file that does not match.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..artefacts import SUMMARY_MODELS
from ..config.report import ReportParams

MANIFEST_FILE = "manifest.json"
ARTEFACTS = "artefacts"


def num(x: Any) -> float | None:
    """A finite float, or None for anything missing / non-numeric."""
    if x is None or isinstance(x, bool):
        return None
    if isinstance(x, dict):
        for k in ("value", "estimate", "est"):
            if k in x:
                return num(x[k])
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def get(d: Any, *path: str) -> Any:
    """``d[path[0]][path[1]]…``, or None where a level is missing or not a dict."""
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def read_manifest(run_dir: str | Path) -> dict:
    """``<run_dir>/manifest.json`` as a dict ({} when missing or unreadable)."""
    try:
        d = json.loads((Path(run_dir) / MANIFEST_FILE).read_text())
        return d if isinstance(d, dict) else {}
    except (OSError, ValueError):
        return {}


def params_dict(manifest: dict | None) -> dict:
    """The run's params from its manifest as a plain dict (a params model, a dict or YAML text)."""
    p = (manifest or {}).get("params") or {}
    if hasattr(p, "model_dump"):
        return p.model_dump(mode="json")
    if isinstance(p, str):
        try:
            p = yaml.safe_load(p) or {}
        except yaml.YAMLError:
            return {}
    return p if isinstance(p, dict) else {}


def report_params(params: dict) -> dict:
    """The report section with defaults filled in (tolerant of params from other versions)."""
    out = ReportParams().model_dump(mode="json")
    raw = get(params, "report") or {}
    for k, v in raw.items() if isinstance(raw, dict) else []:
        if k == "targets" and isinstance(v, dict):
            out["targets"].update(v)
        else:
            out[k] = v
    return out


@dataclass
class RunSummaries:
    """The typed summaries of one run, and the summary files that did not validate.

    ``models`` maps a section (``summary_<section>.json``) to its validated model; ``invalid`` maps the file
    name of each summary that could not be read or does not match its model to the reason.
    """

    models: dict[str, BaseModel] = field(default_factory=dict)
    invalid: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dicts(cls, summaries: dict[str, dict[str, Any]]) -> RunSummaries:
        """Summaries from plain dicts, validated against their models (a mismatch raises ValidationError)."""
        return cls({sec: SUMMARY_MODELS[sec].model_validate(vals) for sec, vals in summaries.items()})

    def value(self, section: str, name: str) -> float | None:
        """Figure ``name`` of ``section`` as a float; None when the section is absent or invalid or the figure unset."""
        model = self.models.get(section)
        return num(getattr(model, name)) if model is not None else None

    @property
    def invalid_sections(self) -> set[str]:
        """The sections whose summary file was not read."""
        return {name[len("summary_") : -len(".json")] for name in self.invalid}

    def __bool__(self) -> bool:
        return bool(self.models)


#: At most this many field errors are named per invalid summary file (unknown fields are always all named).
MAX_FIELD_ERRORS = 3


def _reason(exc: ValidationError) -> str:
    """'unknown fields: a, b; c: Field required; …' (unknown fields first: usually an old or misspelt name)."""
    errors = exc.errors()
    unknown = [".".join(str(x) for x in e["loc"]) for e in errors if e["type"] == "extra_forbidden"]
    other = [e for e in errors if e["type"] != "extra_forbidden"]
    parts = [f"unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}"] if unknown else []
    parts += [f"{'.'.join(str(x) for x in e['loc']) or 'file'}: {e['msg']}" for e in other[:MAX_FIELD_ERRORS]]
    if len(other) > MAX_FIELD_ERRORS:
        parts.append(f"and {len(other) - MAX_FIELD_ERRORS} more")
    return "; ".join(parts)


def load_summaries(run_dir: str | Path | None) -> RunSummaries:
    """The typed ``artefacts/summary_<section>.json`` of a run (missing files are absent, invalid ones listed)."""
    out = RunSummaries()
    if run_dir is None:
        return out
    folder = Path(run_dir) / ARTEFACTS
    if not folder.is_dir():
        return out
    for section, model in SUMMARY_MODELS.items():
        p = folder / f"summary_{section}.json"
        if not p.exists():
            continue
        try:
            data = json.loads(p.read_text())
        except OSError as exc:
            out.invalid[p.name] = f"cannot be read ({exc.strerror or exc})"
            continue
        except ValueError:
            out.invalid[p.name] = "not valid JSON"
            continue
        try:
            out.models[section] = model.model_validate(data)
        except ValidationError as exc:
            out.invalid[p.name] = f"does not match {model.__name__} ({_reason(exc)})"
    out.invalid = dict(sorted(out.invalid.items()))
    return out
