"""Fit x engagement: the quadrant of each account (grade from notebook 02, engagement score 1-5).

Good fit and engaged: call now; good fit, not engaged: outreach; engaged with a weaker fit: review;
neither: nurture. :func:`fit_engagement_matrix` counts accounts by grade and score.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..config.engagement import EngagementParams

GRADES = "ABCDEF"
QUADRANTS = {
    (True, True): "Call now (good fit, engaged)",
    (True, False): "Outreach opportunity (good fit, not engaged)",
    (False, True): "Review (engaged, weaker fit)",
    (False, False): "Nurture (weaker fit, not engaged)",
}


def quadrant(grades: Any, scores: Any, params: EngagementParams | None = None) -> pd.Series:
    """Fit x engagement quadrant per account (missing grade -> missing quadrant)."""
    p = params or EngagementParams()
    g = pd.Series(grades).reset_index(drop=True)
    s = pd.Series(scores).reset_index(drop=True)
    good = g.isin(p.good_fit_grades)
    high = s >= p.high_engagement_min_score
    out = [QUADRANTS[(bool(a), bool(b))] if pd.notna(gr) else pd.NA for a, b, gr in zip(good, high, g, strict=False)]
    return pd.Series(out, dtype="string")


def fit_engagement_matrix(scores: pd.DataFrame) -> pd.DataFrame:
    """Accounts by fit grade (rows) and engagement score 1-5 (columns)."""
    d = scores.dropna(subset=["grade"])
    m = pd.crosstab(d["grade"], d["score"]).reindex(columns=range(1, 6), fill_value=0)
    m = m.reindex([g for g in GRADES if g in m.index])
    m.columns = [f"score {c}" for c in m.columns]
    return m


def quadrant_counts(scores: pd.DataFrame) -> pd.DataFrame:
    """Accounts per fit x engagement quadrant (most frequent first)."""
    return scores["quadrant"].value_counts().rename("accounts").to_frame()
