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


def _mixed_costs() -> pd.DataFrame:
    """The ABM programme's spend beside a non-ABM campaign, a second known programme and a blank id."""
    return pd.DataFrame(
        {
            "program_id": pd.array(["ABM", "ABM", "Webinar series", "ABM-EMEA", None], dtype="string"),
            "channel": "email",
            "period_start": pd.to_datetime(["2026-01-01", "2026-04-01", "2026-01-01", "2026-01-01", "2026-01-01"]),
            "period_end": pd.to_datetime(["2026-03-31", "2026-06-29", "2026-06-29", "2026-06-29", "2026-06-29"]),
            "amount": [900.0, 900.0, 5e6, 7e5, 3e3],
        }
    )


def test_program_cost_counts_only_that_programmes_rows():
    c = _mixed_costs()
    assert E.program_cost(c, AS_OF, program_ids=["ABM"]) == pytest.approx(1800)
    assert E.program_cost(c, "2026-05-15", program_ids=["ABM"]) == pytest.approx(900 + 900 * 45 / 90)
    assert E.program_cost(c, AS_OF, program_ids=["ABM", "ABM-EMEA"]) == pytest.approx(1800 + 7e5)
    assert E.program_cost(c, AS_OF) == pytest.approx(c["amount"].sum())  # no ids: a one-programme costs table
    with pytest.raises(ABMDataError, match="no rows for programme NOPE"):
        E.program_cost(c, AS_OF, program_ids=["NOPE"])
    # the lift's cost of the same programme ignores the same rows
    periods = pd.DataFrame({"start": pd.to_datetime(["2026-01-01"]), "end": pd.to_datetime(["2026-12-31"])})
    assert E.lift_cost(c, ["ABM"], periods) == pytest.approx(1800)


def test_cost_notes_report_other_and_unknown_programme_ids():
    c = _mixed_costs()
    notes = E.cost_notes(c, ["ABM"], known_ids=["ABM", "ABM-EMEA"])
    assert len(notes) == 2
    other, unknown = notes
    assert "1 rows (700,000 USD)" in other and "ABM-EMEA" in other and "not counted" in other
    assert "2 rows (5,003,000 USD)" in unknown and "Webinar series" in unknown
    assert "1 rows without a programme id" in unknown
    assert E.cost_notes(c.iloc[:2], ["ABM"], known_ids=["ABM"]) == []
    assert E.cost_notes(None, ["ABM"]) == []


def test_program_lift_leaves_other_programmes_costs_out(lifted):
    """Adding a non-ABM campaign's spend to the costs table does not change the programme's cost."""
    ds, res, _ = lifted
    costs = ds.tables["costs"]
    pid = costs["program_id"].iloc[0]
    extra = costs.assign(program_id="Non-ABM newsletter", amount=costs["amount"] * 10)
    mixed = pd.concat([costs, extra], ignore_index=True)
    start = ds.tables["programs"]["start_date"].min()
    ids = ds.tables["programs"]["program_id"].unique()
    assert E.program_cost(mixed, AS_OF, start, program_ids=ids) == pytest.approx(E.program_cost(costs, AS_OF, start))
    assert E.program_cost(mixed, AS_OF, start) > 5 * E.program_cost(costs, AS_OF, start)
    notes = E.cost_notes(mixed, [pid], known_ids=ids)
    assert len(notes) == 1 and "Non-ABM newsletter" in notes[0]
