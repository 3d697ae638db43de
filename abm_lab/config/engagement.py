"""Params section 'engagement' (owned by the engagement module; all defaults live here)."""
from __future__ import annotations

from pydantic import Field

from .base import Section


class EngagementParams(Section):
    pass
