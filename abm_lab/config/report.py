"""Params section 'report' (owned by the report module; all defaults live here)."""
from __future__ import annotations

from pydantic import Field

from .base import Section


class ReportParams(Section):
    pass
