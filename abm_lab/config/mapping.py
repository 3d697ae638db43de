"""Params section 'mapping' (owned by the mapping module; all defaults live here)."""
from __future__ import annotations

from pydantic import Field

from .base import Section


class MappingParams(Section):
    pass
