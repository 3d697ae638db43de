"""Programme economics: cost pro rata, ROI following the effect's interval."""

from __future__ import annotations

import numpy as np
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


# ----------------------------------------------------------------- customer acquisition cost
CAC_W = ("2026-10-01", "2026-12-31")


def _cac_world() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Five treated targets (s1, s2 strategic; p1-p3 programmatic), one holdout control, one other account.

    New customers in Q4: s1 (first win Nov 1), p1 (Oct 20), p2 (Dec 30) – three. Not new: p3 won in Q4 but had
    won in March (a repeat customer); s2's win on Oct 5 precedes its programme start (Nov 1); the control c1
    and the non-target x1 win in Q4 but are not programme targets; p1's second Q4 win is not a second customer."""
    ts = pd.to_datetime
    programs = pd.DataFrame(
        {
            "program_id": "P",
            "account_id": ["s1", "s2", "p1", "p2", "p3", "c1"],
            "tier": ["strategic", "strategic", "programmatic", "programmatic", "programmatic", "programmatic"],
            "start_date": ts(["2026-01-01", "2026-11-01", "2026-01-01", "2026-01-01", "2026-01-01", "2026-01-01"]),
            "arm": ["treatment"] * 5 + ["control"],
        }
    )
    won = [
        ("s1", "2026-11-01", True),
        ("s2", "2026-10-05", True),
        ("p1", "2026-10-20", True),
        ("p1", "2026-12-01", True),
        ("p2", "2026-12-30", True),
        ("p3", "2026-03-15", True),
        ("p3", "2026-11-15", True),
        ("c1", "2026-11-20", True),
        ("x1", "2026-11-20", True),
        ("s2", "2026-12-01", False),
    ]
    opps = pd.DataFrame(
        {
            "opportunity_id": [f"o{i}" for i in range(len(won))],
            "account_id": [w[0] for w in won],
            "created_date": ts("2026-01-01"),
            "close_date": ts([w[1] for w in won]),
            "is_won": [w[2] for w in won],
            "is_closed": True,
            "amount": 1000.0,
        }
    )
    costs = pd.DataFrame(
        {
            "program_id": ["P", "P", "OTHER"],
            "channel": "display",
            "period_start": ts(["2026-07-01", "2026-10-01", "2026-10-01"]),
            "period_end": ts(["2026-09-30", "2026-12-31", "2026-12-31"]),
            "amount": [18000.0, 9000.0, 50000.0],
        }
    )
    return programs, opps, costs


def test_cac_by_tier_hand_computed():
    programs, opps, costs = _cac_world()
    r = E.cac(programs, opps, costs, CAC_W, lag_days=92)
    t = r.table
    assert t.loc[E.ALL_TIERS, "targets"] == 5 and t.loc["strategic", "targets"] == 2
    assert t["new_customers"].to_dict() == {"programmatic": 2, "strategic": 1, E.ALL_TIERS: 3}
    # cost: the Q4 row of programme P only (9,000); tiers without their own costs get it by share of targets
    assert t.loc[E.ALL_TIERS, "cost"] == pytest.approx(9000.0)
    assert t.loc["strategic", "cost"] == pytest.approx(9000 * 2 / 5)
    assert t.loc["programmatic", "cost"] == pytest.approx(9000 * 3 / 5)
    assert t.loc[E.ALL_TIERS, "cac"] == pytest.approx(3000.0)
    assert t.loc["strategic", "cac"] == pytest.approx(3600.0) and t.loc["programmatic", "cac"] == pytest.approx(2700.0)
    assert (t.loc[["strategic", "programmatic"], "cost_basis"] == E.COST_ALLOCATED).all()
    # exact Poisson 95% interval of k = 3: (0.6187, 8.7673); CAC's interval is the cost over it
    assert t.loc[E.ALL_TIERS, "new_customers_low"] == pytest.approx(0.61867, abs=1e-4)
    assert t.loc[E.ALL_TIERS, "new_customers_high"] == pytest.approx(8.76727, abs=1e-4)
    assert t.loc[E.ALL_TIERS, "cac_low"] == pytest.approx(9000 / 8.76727, rel=1e-4)
    assert t.loc[E.ALL_TIERS, "cac_high"] == pytest.approx(9000 / 0.61867, rel=1e-4)
    # lagged: the window shifted back 92 days is Q3, whose programme cost is 18,000
    assert t.loc[E.ALL_TIERS, "cost_lagged"] == pytest.approx(18000.0)
    assert t.loc[E.ALL_TIERS, "cac_lagged"] == pytest.approx(6000.0)
    text = r.summary().as_text()
    assert "Timing" in text and "allocat" in text and "controls" in text


def test_cac_uses_tier_costs_when_the_costs_carry_tier_and_handles_no_new_customer():
    programs, opps, costs = _cac_world()
    tiered = pd.concat(
        [costs.iloc[[1]].assign(amount=6000.0, tier="strategic"), costs.iloc[[1]].assign(amount=3000.0, tier=None)]
    )
    t = E.cac(programs, opps, tiered, CAC_W).table
    assert t.loc["strategic", "cost"] == pytest.approx(6000.0) and t.loc["strategic", "cost_basis"] == E.COST_BY_TIER
    assert t.loc["programmatic", "cost"] == pytest.approx(3000.0)  # the untiered rest, the only tier left
    assert t.loc["strategic", "cac"] == pytest.approx(6000.0) and t.loc["programmatic", "cac"] == pytest.approx(1500.0)
    assert "cost_lagged" not in t.columns
    # as_of before p2's win: two new customers; a window without wins: CAC is missing, its lower bound finite
    assert E.cac(programs, opps, costs, CAC_W, as_of="2026-12-15").table.loc[E.ALL_TIERS, "new_customers"] == 2
    none = E.cac(programs, opps, costs, ("2026-07-01", "2026-09-30")).table.loc[E.ALL_TIERS]
    assert none["new_customers"] == 0 and np.isnan(none["cac"]) and np.isnan(none["cac_high"])
    assert none["cac_low"] == pytest.approx(18000 / 3.68888, rel=1e-4)  # k = 0: upper 95% Poisson bound 3.689
    with pytest.raises(ABMDataError, match="programs"):
        E.cac(None, opps, costs, CAC_W)


def test_poisson_interval_covers_at_its_level():
    """The exact interval covers the true mean at least at its level (many seeds, several means)."""
    rng = np.random.default_rng(0)
    for mu in (0.5, 3.0, 12.0):
        k = rng.poisson(mu, 4000)
        lo, hi = E.poisson_interval(k, 0.9)
        assert ((lo <= mu) & (mu <= hi)).mean() >= 0.9


def test_cac_on_a_synthetic_world_matches_a_plain_recount(world):
    """600-account world: new customers recounted with plain pandas; tier costs add up to the programme's."""
    ds, _ = world
    t = ds.tables
    r = E.cac(t["programs"], t["opportunities"], t["costs"], CAC_W, as_of=AS_OF, lag_days=90)
    tab = r.table
    prog = t["programs"]
    treated = prog.loc[prog["arm"].astype("string").ne("control").fillna(True)].sort_values("start_date")
    treated = treated.drop_duplicates("account_id").set_index("account_id")
    o = t["opportunities"]
    first = o.loc[o["is_won"].astype(bool)].groupby("account_id")["close_date"].min()
    first = first.reindex(treated.index)
    new = (first >= pd.Timestamp(CAC_W[0])) & (first <= pd.Timestamp(CAC_W[1])) & (first >= treated["start_date"])
    assert tab.loc[E.ALL_TIERS, "new_customers"] == int(new.sum()) > 0
    assert tab.loc[E.ALL_TIERS, "targets"] == len(treated)
    tiers = tab.drop(E.ALL_TIERS)
    assert tiers["new_customers"].sum() == tab.loc[E.ALL_TIERS, "new_customers"]
    assert tiers["cost"].sum() == pytest.approx(tab.loc[E.ALL_TIERS, "cost"])
    span = pd.DataFrame({"start": [pd.Timestamp(CAC_W[0])], "end": [pd.Timestamp(CAC_W[1])]})
    assert tab.loc[E.ALL_TIERS, "cost"] == pytest.approx(E.lift_cost(t["costs"], prog["program_id"].unique(), span))
    ok = tab["new_customers"] > 0
    assert (tab.loc[ok, "cac"] == tab.loc[ok, "cost"] / tab.loc[ok, "new_customers"]).all()
    assert (tab["new_customers_low"] <= tab["new_customers"]).all()
    assert (tab["new_customers"] <= tab["new_customers_high"]).all()
    assert (tab.loc[ok, "cac_low"] <= tab.loc[ok, "cac"]).all() and (
        tab.loc[ok, "cac"] <= tab.loc[ok, "cac_high"]
    ).all()
