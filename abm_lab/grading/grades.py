"""Grades A–F from the fit score, and the customer and opportunity rate per grade.

The fit score (0–100) is cut into grades A–F at ``grading.cutoffs`` (score thresholds, or percentiles of the
score with ``cutoff_mode: quantile``). Grade A is the best fit. If the grades mean anything, the customer
rate and the prospects' opportunity rate fall from A to F (:func:`grade_rates`, :func:`monotone_decreasing`);
the opportunity rate counts the opportunities created before the programme started, so the programme cannot
make it fall (see :func:`~abm_lab.grading.workflow.grade_accounts`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..config.grading import GRADES, GradingParams
from ..icp.segments import wilson_interval

__all__ = ["GRADES", "assign_grades", "grade_thresholds", "monotone_decreasing", "grade_rates"]


def grade_thresholds(score: pd.Series | np.ndarray, cutoffs: dict[str, float], mode: str) -> dict[str, float]:
    """Lowest score of grades A–E: the cut-offs themselves (``mode='score'``) or those percentiles of ``score``."""
    if mode == "score":
        return dict(cutoffs)
    s = np.asarray(score, float)
    return {g: float(np.percentile(s, q)) for g, q in cutoffs.items()}


def assign_grades(
    score: pd.Series | np.ndarray | Iterable[float], cutoffs: dict[str, float] | None = None, mode: str = "score"
) -> np.ndarray:
    """Grade A–F per account from its fit score (0–100).

    ``cutoffs``: lowest score of grades A–E (falling from A to E); below E is F.
    ``mode='quantile'`` reads the cut-offs as percentiles (0–100) of the scores.
    """
    cutoffs = GradingParams(cutoffs=cutoffs).cutoffs if cutoffs is not None else GradingParams().cutoffs
    s = np.asarray(score, float)
    thr = grade_thresholds(s, cutoffs, mode)
    out = np.full(len(s), "F", dtype=object)
    for g in reversed(GRADES[:5]):  # E first, A last so the best grade wins
        out[s >= thr[g]] = g
    return out


def monotone_decreasing(values: Iterable[float], strict: bool = False) -> bool:
    """True when values (ignoring NaN) never rise from one grade to the next."""
    v = [x for x in values if x == x]
    return all((b < a) if strict else (b <= a) for a, b in zip(v, v[1:], strict=False))


def grade_rates(grades: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per grade A–F: accounts, customers, customer rate (Wilson CI), non-customers,
    those with an opportunity and the opportunity rate among non-customers (Wilson CI),
    targets. ``grades`` needs columns grade, is_customer, has_opportunity, is_target.

    With an ``opportunity_base`` column (bool; :func:`~abm_lab.grading.workflow.grade_accounts` sets it to the
    prospects at the programme's start, and ``has_opportunity`` to an opportunity created before it),
    ``non_customers`` counts those accounts instead of the non-customers at the as-of date, so that neither the
    programme's opportunities nor its wins can make the opportunity rate fall from A to F.
    """
    g = grades.assign(
        is_customer=grades["is_customer"].astype(bool), has_opportunity=grades["has_opportunity"].astype(bool)
    )
    base = g["opportunity_base"].astype(bool) if "opportunity_base" in g else ~g["is_customer"]
    rows = []
    for gr in GRADES:
        d = g[g["grade"] == gr]
        nc = d[base[d.index]]
        rows.append(
            {
                "grade": gr,
                "accounts": len(d),
                "customers": int(d["is_customer"].sum()),
                "non_customers": len(nc),
                "with_opportunity": int(nc["has_opportunity"].sum()),
                "targets": int(d["is_target"].sum()) if "is_target" in d else 0,
                "min_score": float(d["fit_score"].min()) if len(d) else float("nan"),
                "max_score": float(d["fit_score"].max()) if len(d) else float("nan"),
            }
        )
    t = pd.DataFrame(rows)
    with np.errstate(invalid="ignore", divide="ignore"):
        t["customer_rate"] = t["customers"] / t["accounts"]
        t["opportunity_rate"] = t["with_opportunity"] / t["non_customers"]
    t["customer_rate_lo"], t["customer_rate_hi"] = wilson_interval(t["customers"], t["accounts"], level)
    t["opportunity_rate_lo"], t["opportunity_rate_hi"] = wilson_interval(
        t["with_opportunity"], t["non_customers"], level
    )
    return t
