"""Segment lift tables: Wilson intervals, rates, lift and the small-sample flag."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab import icp
from abm_lab.config.icp import IcpParams
from abm_lab.results import Summary


def test_wilson_interval_known_values():
    lo, hi = icp.wilson_interval(np.array([5, 0]), np.array([10, 20]), 0.95)
    assert lo[0] == pytest.approx(0.2366, abs=1e-4) and hi[0] == pytest.approx(0.7634, abs=1e-4)
    assert lo[1] == pytest.approx(0.0, abs=1e-12) and hi[1] == pytest.approx(0.1611, abs=1e-4)


def test_lift_table_rates_and_small_sample_flag():
    feats = pd.DataFrame({"industry": ["S"] * 40 + ["R"] * 60 + ["X"] * 5, "tech_crm": [1.0] * 50 + [0.0] * 55})
    y = np.array([1] * 20 + [0] * 20 + [1] * 6 + [0] * 54 + [1] * 4 + [0] * 1, bool)
    t = icp.lift_tables(feats, y, IcpParams(min_segment_size=30))
    base = y.mean()
    s = t.table.set_index(["attribute", "value"])
    assert s.loc[("industry", "S"), "rate"] == pytest.approx(0.5)
    assert s.loc[("industry", "S"), "lift"] == pytest.approx(0.5 / base)
    assert bool(s.loc[("industry", "X"), "small_sample"]) and not bool(s.loc[("industry", "S"), "small_sample"])
    assert s.loc[("tech_crm", "yes"), "accounts"] == 50
    assert (t.table["lift_lo"] <= t.table["lift"]).all() and (t.table["lift"] <= t.table["lift_hi"]).all()
    assert t.table["lift"].is_monotonic_decreasing
    assert t.table.iloc[0]["value"] == "X"  # highest rate (4/5) but only 5 accounts ...
    assert (t.top(1).iloc[0]["attribute"], t.top(1).iloc[0]["value"]) == ("tech_crm", "yes")  # ... so not trusted
    # the summary shows the trusted segments only, and says how many were flagged
    summ = t.summary(k=2)
    assert isinstance(summ, Summary) and len(summ.table) == 2 and "X" not in summ.table["value"].tolist()
    assert "flagged small" in summ.as_text() and "<table" in summ.as_html()
