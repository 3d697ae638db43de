"""Difference-in-differences algebra on noiseless data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.roi.lift.did import _did_panel


def test_did_panel_exact_on_noiseless_data():
    # 4 periods (2 pre, 2 post), account levels differ, common trend, +0.5 per period for treated post
    rows = []
    for i in range(6):
        treated = i < 3
        for k in (-2, -1, 0, 1):
            y = 1.0 + i * 0.7 + 0.2 * (k + 2) + (0.5 if treated and k >= 0 else 0.0) + (0.01 * i * (k % 2))
            rows.append(
                {
                    "account_id": f"a{i}",
                    "period": k,
                    "post": k >= 0,
                    "treated": treated,
                    "opp_rate": y,
                    "opp_rate_count": y,
                    "days": 10.0,
                }
            )
    panel = pd.DataFrame(rows)
    panel.attrs.update({"panel_days": 10, "post_days": 20, "pre_days": 20})
    est = _did_panel("opp_rate", panel, 0.95)
    # account FE absorb levels, period FE the trend; the tiny i*(k%2) term averages out across arms
    expect_q = 0.5 + (np.mean([0.01 * i for i in range(3)]) - np.mean([0.01 * i for i in range(3, 6)])) * 0
    assert est.estimate == pytest.approx(2 * expect_q, abs=0.05)
    t_post = panel.loc[panel.treated & panel.post].groupby("account_id")["opp_rate"].sum().mean()
    assert est.treated_mean == pytest.approx(t_post)
    assert est.counterfactual == pytest.approx(t_post - est.estimate)
