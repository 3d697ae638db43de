"""Params section 'icp' (owned by the icp module; all defaults live here)."""
from __future__ import annotations

from pydantic import Field

from .base import Section


class IcpParams(Section):
    pass
