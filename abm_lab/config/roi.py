"""Params section 'roi' (owned by the roi module; all defaults live here)."""
from __future__ import annotations

from pydantic import Field

from .base import Section


class RoiParams(Section):
    pass
