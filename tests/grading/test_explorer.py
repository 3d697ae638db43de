"""The grade cut-off widget updates its table when a slider moves and refuses out-of-order cut-offs."""

from __future__ import annotations

import pytest

from abm_lab import grading
from abm_lab.config.grading import GradingParams
from abm_lab.errors import ABMDataError


def test_cutoff_explorer_updates_on_slider_change(result):
    w = grading.grade_cutoff_explorer(result.grades, GradingParams().cutoffs)
    before = w.table.value
    assert "customer rate" in before and before.count("<tr>") == 7
    w.sliders["A"].value = 97.0
    after = w.table.value
    assert after != before
    n_a = int((result.grades["fit_score"] >= 97.0).sum())
    assert f"<td>A</td><td>{n_a:,}</td>" in after
    w.sliders["B"].value = 98.0  # out of order: message, table unchanged
    assert "must fall" in w.message.value and w.table.value == after


def test_cutoff_explorer_needs_the_grade_columns(result):
    with pytest.raises(ABMDataError, match="has_opportunity"):
        grading.grade_cutoff_explorer(result.grades.drop(columns="has_opportunity"))
