"""Params schema: the one source of truth for every default.

A params file (``params/*.yaml``) holds only what differs from these defaults.
``load_params`` validates it and raises :class:`abm_lab.errors.ABMParamsError` with the
file, key and reason on any problem.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, model_validator

from ..errors import ABMParamsError
from .base import Section
from .compute import ComputeParams
from .core import DataParams, DemoParams, LiftTruth, RunParams, ScenarioParams
from .engagement import EngagementParams
from .experiment import ExperimentParams
from .grading import GradingParams
from .icp import IcpParams
from .mapping import MappingParams
from .report import ReportParams
from .roi import RoiParams
from .validation import ValidationParams

__all__ = ["Params", "load_params", "DataParams", "DemoParams", "RunParams", "LiftTruth", "ScenarioParams"]

_SECRET_WORDS = ("password", "passwd", "secret", "token", "api_key", "apikey")
#: Sections whose keys are the source's own column / table names (a column may be called API_Token_Count__c).
_NAME_MAPS = ("column_map", "value_map", "files")
#: Values that look like a credential whatever their key: well-known token formats.
_TOKEN_PATTERNS = (
    r"^(sk|pk|rk)_(live|test)_[A-Za-z0-9]{10,}$",  # Stripe-style keys
    r"^gh[pousr]_[A-Za-z0-9]{20,}$",  # GitHub tokens
    r"^xox[abpors]-[A-Za-z0-9-]{10,}$",  # Slack tokens
    r"^AKIA[0-9A-Z]{16}$",  # AWS access key ids
    r"^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$",  # JSON web tokens
)


class Params(Section):
    run: RunParams = Field(default_factory=RunParams)
    data: DataParams = Field(default_factory=DataParams)
    demo: DemoParams = Field(default_factory=DemoParams)
    icp: IcpParams = Field(default_factory=IcpParams)
    grading: GradingParams = Field(default_factory=GradingParams)
    mapping: MappingParams = Field(default_factory=MappingParams)
    engagement: EngagementParams = Field(default_factory=EngagementParams)
    roi: RoiParams = Field(default_factory=RoiParams)
    experiment: ExperimentParams = Field(default_factory=ExperimentParams)
    report: ReportParams = Field(default_factory=ReportParams)
    validation: ValidationParams = Field(default_factory=ValidationParams)
    compute: ComputeParams = Field(default_factory=ComputeParams)

    @model_validator(mode="after")
    def _holdout_share(self) -> Params:
        """A synthetic world with a holdout: its share is the experiment's expected share unless one is given."""
        share = self.demo.holdout_share
        if self.data.source == "demo" and share is not None and "holdout_share" not in self.experiment.model_fields_set:
            self.experiment = self.experiment.model_copy(update={"holdout_share": share})
        return self


def _is_secret_key(key: str) -> bool:
    """A params key naming a credential: a secret word as the whole key or one of its ``_``-separated parts
    (``password``, ``db_password``, ``api_key``), not a longer name that merely contains one."""
    k = key.lower()
    parts = k.replace("-", "_").split("_")
    return k in _SECRET_WORDS or any(w in parts for w in _SECRET_WORDS) or k.endswith(("_api_key", "apikey"))


def _scan_secrets(obj: Any, path: str = "", names: bool = False) -> None:
    """Refuse credentials in params: keys naming one (outside the source-name maps, where keys are the export's
    own column names), URLs with a password, and values in well-known token formats."""
    import re

    if isinstance(obj, dict):
        for k, v in obj.items():
            if not names and _is_secret_key(str(k)):
                raise ABMParamsError(
                    f"params key '{path}{k}' looks like a credential; put secrets in environment "
                    f"variables and name the variable (e.g. data.database_url_env)",
                    column=f"{path}{k}",
                    reason="credential in params",
                )
            _scan_secrets(v, f"{path}{k}.", names or str(k) in _NAME_MAPS)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _scan_secrets(v, f"{path}{i}.", names)
    elif isinstance(obj, str) and any(re.match(p, obj.strip()) for p in _TOKEN_PATTERNS):
        raise ABMParamsError(
            f"params value at '{path.rstrip('.')}' looks like an access token; put secrets in environment variables",
            column=path.rstrip("."),
            reason="credential in params",
        )
    elif isinstance(obj, str) and "://" in obj and "@" in obj.split("://", 1)[1]:
        raise ABMParamsError(
            f"params value at '{path.rstrip('.')}' contains a URL with credentials",
            column=path.rstrip("."),
            reason="credential in params",
        )


def parse_params(raw: dict[str, Any] | None, file: str = "<params>") -> Params:
    raw = raw or {}
    if not isinstance(raw, dict):
        raise ABMParamsError(f"{file}: params must be a mapping of sections, got {type(raw).__name__}", file=file)
    _scan_secrets(raw)
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            loc = ".".join(str(p) for p in e["loc"])
            lines.append(
                f"  {loc}: {e['msg']}"
                + (f" (got {e['input']!r})" if "input" in e and not isinstance(e["input"], dict) else "")
            )
        first = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise ABMParamsError(
            f"{file}: invalid params:\n" + "\n".join(lines), file=file, column=first, reason="invalid params"
        ) from None


def load_params(path: str | os.PathLike | None = None, overrides: dict[str, Any] | None = None) -> Params:
    """Load and validate a params YAML file (``None`` = all defaults)."""
    raw: dict[str, Any] = {}
    file = str(path) if path else "<defaults>"
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise ABMParamsError(f"params file not found: {p}", file=str(p), reason="not found")
        try:
            raw = yaml.safe_load(p.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ABMParamsError(f"{p}: not valid YAML: {exc}", file=str(p), reason="bad yaml") from None
    if overrides:
        raw = _deep_merge(raw, overrides)
    return parse_params(raw, file)


def _deep_merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out
