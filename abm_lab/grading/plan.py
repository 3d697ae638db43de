"""Orchestration plan: per tier the plays and budget from params, with account counts."""

from __future__ import annotations

import pandas as pd

from ..config.grading import TIER_NAMES, GradingParams
from .tiers import TIER_LABEL

__all__ = ["orchestration_plan", "budget_column"]


def budget_column(currency: str = "USD") -> str:
    """Name of the plan's total budget column: 'budget (USD/quarter)'."""
    return f"budget ({currency}/quarter)"


def orchestration_plan(grades: pd.DataFrame, p: GradingParams, currency: str = "USD") -> pd.DataFrame:
    """Per tier: accounts, plays, budget per account and total budget per quarter (plus a total row)."""
    per_col = f"budget per account ({currency}/quarter)"
    total_col = budget_column(currency)
    rows = []
    for t in TIER_NAMES:
        n = int((grades["tier"] == t).sum())
        per = float(p.budget_per_account.get(t, 0.0))
        rows.append(
            {
                "tier": TIER_LABEL[t],
                "accounts": n,
                "plays": ", ".join(p.plays.get(t, [])),
                per_col: per,
                total_col: n * per,
            }
        )
    t = pd.DataFrame(rows)
    total = {
        "tier": "Total",
        "accounts": int(t["accounts"].sum()),
        "plays": "",
        per_col: float("nan"),
        total_col: float(t[total_col].sum()),
    }
    return pd.concat([t, pd.DataFrame([total])], ignore_index=True)
