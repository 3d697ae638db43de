"""Params section 'grading': clear errors for bad values."""

from __future__ import annotations

import pytest

from abm_lab.config import parse_params
from abm_lab.errors import ABMParamsError


@pytest.mark.parametrize(
    "raw, msg",
    [
        ({"cutoffs": {"A": 50, "B": 60, "C": 40, "D": 30, "E": 10}}, "out of order"),
        ({"cutoffs": {"A": 90, "B": 80, "C": 70, "D": 60}}, "missing \\['E'\\]"),
        ({"cutoffs": {"A": 120, "B": 80, "C": 70, "D": 60, "E": 10}}, "between 0 and 100"),
        ({"target_grades": ["A", "Z"]}, "target_grades"),
        ({"plays": {"vip": ["golf"]}}, "unknown tier"),
        ({"strategic_n": -1}, "strategic_n"),
    ],
)
def test_bad_grading_params(raw, msg):
    with pytest.raises(ABMParamsError, match=msg) as e:
        parse_params({"grading": raw})
    assert "grading" in str(e.value)
