"""Opportunities (abm_lab.synth.opportunities): potential outcomes, oracle hazard, consistent stages."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config.core import LiftTruth
from abm_lab.synth import generate_world


def test_zero_lift_world_has_identical_potential_outcomes(small_demo):
    w = generate_world(
        small_demo.model_copy(update={"lift": LiftTruth(opp_rate=0, win_rate=0, deal_size=0)}), "2026-12-31"
    )
    t = w.truth["accounts"]
    assert (t["opps_post_treated"] == t["opps_post_untreated"]).all()
    assert (t["won_post_treated"] == t["won_post_untreated"]).all()


def test_oracle_hazard_is_zero_for_customers_and_open_deals(small_world):
    wk = small_world.truth["weekly"]
    cust = set(small_world.truth["accounts"].query("is_customer")["account_id"])
    assert wk.loc[wk["account_id"].isin(cust), "p_opp_week"].max() == 0
    assert 0 < wk["p_opp_week"].mean() < 0.05


def test_opportunities_are_consistent(small_dataset):
    o = small_dataset["opportunities"]
    assert (o.loc[o.is_closed, "close_date"] >= o.loc[o.is_closed, "created_date"]).all()
    assert o.loc[~o.is_closed, "close_date"].isna().all()
    sh = small_dataset["stage_history"]
    last = sh.groupby("opportunity_id")["stage"].last()
    closed = o.loc[o.is_closed].set_index("opportunity_id")["stage"]
    assert (last.loc[closed.index] == closed).all()


@pytest.mark.parametrize("fixture", ["simple_world", "small_world"])
def test_observed_outcomes_are_the_treated_arm_for_targets(fixture, request):
    world = request.getfixturevalue(fixture)
    t = world.truth["accounts"]
    opp = world.tables["opportunities"]
    start = pd.Timestamp(world.meta["start"])  # an opportunity counts in the week it was created
    week_start = start + pd.to_timedelta((opp["created_date"] - start).dt.days // 7 * 7, unit="D")
    post = opp[week_start >= pd.Timestamp(world.meta["post_start"])]
    assert world.meta["post_start"] >= world.meta["program_start"]
    n_post = post.groupby("account_id").size().reindex(t["account_id"], fill_value=0).to_numpy()
    expected = t["opps_post_treated"].where(t["is_target"], t["opps_post_untreated"]).to_numpy()
    assert (n_post == expected).all()
    # the treated arm is the programme as run: without spillover non-targets are the same in both arms
    assert (n_post == t["opps_post_treated"].to_numpy()).all()
    assert (t.loc[t["is_customer"], ["opps_post_treated", "opps_post_untreated"]] == 0).all().all()
