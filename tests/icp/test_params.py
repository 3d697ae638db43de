"""Params section 'icp': clear errors for bad values."""

from __future__ import annotations

import pytest

from abm_lab.config import parse_params
from abm_lab.errors import ABMParamsError


def test_bad_icp_params_give_clear_errors():
    with pytest.raises(ABMParamsError, match="employee_bands must be strictly increasing"):
        parse_params({"icp": {"employee_bands": [200, 50]}})
    with pytest.raises(ABMParamsError, match="icp.model"):
        parse_params({"icp": {"model": "forest"}})
