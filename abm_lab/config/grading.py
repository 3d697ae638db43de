"""Params section 'grading' (owned by the grading module; all defaults live here)."""
from __future__ import annotations

from pydantic import Field

from .base import Section


class GradingParams(Section):
    pass
