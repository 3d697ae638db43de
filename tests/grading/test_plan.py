"""Orchestration plan: accounts, plays and budget per tier, with a total row."""

from __future__ import annotations

import pytest

from abm_lab.config.grading import GradingParams


def test_orchestration_plan_counts_and_budget(result):
    plan = result.plan
    p = GradingParams()
    col = "budget (USD/quarter)"
    body = plan.iloc[:3].set_index("tier")
    assert body.loc["Strategic (1:1)", "accounts"] == p.strategic_n
    assert body.loc["Strategic (1:1)", col] == p.strategic_n * p.budget_per_account["strategic"]
    assert plan.iloc[-1]["tier"] == "Total"
    assert plan.iloc[-1][col] == pytest.approx(body[col].sum())
    assert plan.iloc[-1]["accounts"] == int(result.grades["is_target"].sum())
    assert "sales calls" in body.loc["Strategic (1:1)", "plays"]
