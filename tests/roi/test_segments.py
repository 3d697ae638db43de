"""Account segments (tier, grade, ABM) and reporting windows."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.errors import ABMDataError
from abm_lab.roi import segments as S


def test_account_frame_uses_grades_and_programs(tiny):
    t = tiny
    f = S.account_frame(t).set_index("account_id")
    assert f.loc["a1", "tier"] == "strategic" and f.loc["a2", "tier"] == S.NO_TIER
    assert f.loc["a1", "abm"] == "ABM" and f.loc["a2", "grade"] == S.UNGRADED
    g = pd.DataFrame({"account_id": ["a2"], "grade": ["B"], "tier": ["abm_lite"]})
    f = S.account_frame(t, g).set_index("account_id")
    assert f.loc["a2", "grade"] == "B" and f.loc["a2", "tier"] == "abm_lite" and f.loc["a1", "tier"] == "strategic"


def test_windows_and_quarters():
    w0, w1 = S.parse_window(("2026-10-01", "2026-12-31 15:00"))
    assert (w0, w1) == (pd.Timestamp("2026-10-01"), pd.Timestamp("2026-12-31"))
    s = pd.Series([pd.Timestamp(x) for x in ("2026-09-30 23:59", "2026-10-01", "2026-12-31 23:59", "2027-01-01")])
    assert list(S.in_window(s, w0, w1)) == [False, True, True, False]
    assert [str(q) for q in S.quarters(("2026-08-15", "2026-12-31"))] == ["2026Q3", "2026Q4"]
    with pytest.raises(ABMDataError, match="before its start"):
        S.parse_window(("2026-12-31", "2026-10-01"))
