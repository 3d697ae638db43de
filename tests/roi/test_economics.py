"""Programme economics: cost pro rata, ROI following the effect's interval."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config.roi import RoiParams
from abm_lab.errors import ABMDataError
from abm_lab.roi import economics as E

AS_OF = "2026-12-31"


def test_roi_follows_effect_interval(lifted):
    ds, res, _ = lifted
    roi = res.roi
    n_t = int(ds.tables["programs"]["account_id"].nunique())
    assert roi["n_targets"] == n_t
    cost = E.program_cost(ds.tables["costs"], AS_OF)
    assert roi["cost"] == pytest.approx(cost)
    assert cost == pytest.approx(ds.tables["costs"]["amount"].sum())  # whole program inside the window
    r = res.get("won_revenue", "did")
    gm = RoiParams().gross_margin
    assert roi["roi"] == pytest.approx((gm * n_t * r["estimate"] - cost) / cost)
    assert roi["roi_low"] == pytest.approx((gm * n_t * r["ci_low"] - cost) / cost)
    assert roi["roi_low"] < roi["roi"] < roi["roi_high"]
    before = dict(res.roi)
    again = E.program_roi(res, cost / 2, gm, "ra_ipw")
    assert again["method"] == "ra_ipw" and again["cost"] == cost / 2
    res.roi = before  # the fixture is shared: leave its ROI as it was
    with pytest.raises(ABMDataError, match="positive"):
        E.program_roi(res, 0.0, gm)


def test_program_cost_pro_rata_and_override():
    c = pd.DataFrame(
        {
            "program_id": "P",
            "channel": "email",
            "period_start": pd.to_datetime(["2026-01-01", "2026-04-01"]),
            "period_end": pd.to_datetime(["2026-03-31", "2026-06-29"]),
            "amount": [900.0, 900.0],
        }
    )
    assert E.program_cost(c, "2026-12-31") == pytest.approx(1800)
    assert E.program_cost(c, "2026-05-15") == pytest.approx(900 + 900 * 45 / 90)
    assert E.program_cost(c, "2026-05-15", override=123) == 123
    with pytest.raises(ABMDataError, match="roi.program_cost"):
        E.program_cost(None, "2026-12-31")


def test_lift_cost_counts_the_programme_rows_over_the_treated_periods():
    c = pd.DataFrame(
        {
            "program_id": ["ABM", "ABM", "OTHER"],
            "channel": "email",
            "period_start": pd.to_datetime(["2026-01-01", "2026-04-01", "2026-01-01"]),
            "period_end": pd.to_datetime(["2026-03-31", "2026-06-29", "2026-06-29"]),
            "amount": [900.0, 900.0, 1e9],
        }
    )
    periods = pd.DataFrame({"start": pd.to_datetime(["2026-02-01"]), "end": pd.to_datetime(["2026-06-29"])})
    assert E.lift_cost(c, ["ABM"], periods) == pytest.approx(900 * 59 / 90 + 900)
    assert E.lift_cost(c, ["ABM"], periods, override=5.0) == 5.0
    with pytest.raises(ABMDataError, match="no rows for programme NOPE"):
        E.lift_cost(c, ["NOPE"], periods)


def test_roi_two_ways_maps_revenue_intervals():
    r = E.roi_two_ways((1000.0, 500.0, 1500.0), (2000.0, 1200.0, 2800.0), cost=700.0, gross_margin=0.7)
    assert r["estimate"] == pytest.approx((0.7 * 1000 - 700) / 700) == 0.0
    assert r["ci_low"] < r["estimate"] < r["ci_high"]
    assert r["projected"] == pytest.approx((0.7 * 2000 - 700) / 700)
    assert r["projected_low"] == pytest.approx((0.7 * 1200 - 700) / 700)
    with pytest.raises(ABMDataError, match="positive"):
        E.roi_two_ways((1.0, 0.0, 2.0), (1.0, 0.0, 2.0), cost=0.0, gross_margin=0.7)
