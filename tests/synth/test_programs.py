"""The ABM program (abm_lab.synth.programs): confounded targets, tiers, costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.synth.programs import ABM_LITE_SHARE, COST_CHANNELS, STRATEGIC_SHARE, choose_targets


@pytest.mark.parametrize("fixture", ["simple_world", "small_world"])
def test_program_is_confounded_and_has_known_lift(fixture, request):
    world = request.getfixturevalue(fixture)
    truth = world.truth["accounts"]
    targets = truth[truth.is_target]
    others = truth[~truth.is_target & ~truth.is_customer]
    assert targets["fit_logit"].mean() > others["fit_logit"].mean() + 0.5  # chosen by fit
    assert not targets["is_customer"].any()
    assert set(world.tables["programs"]["account_id"]) == set(targets["account_id"])
    assert targets["opps_post_treated"].sum() > targets["opps_post_untreated"].sum()
    if fixture == "simple_world":  # every target treated from the start with the same effect
        # potential outcomes: with the program, targets create more opportunities (true lift 50%)
        assert targets["exp_opps_post_treated"].sum() == pytest.approx(
            1.5 * targets["exp_opps_post_untreated"].sum(), rel=0.02
        )
    else:  # staggered, exits, tiers: less than +50% over the whole post period, more on the strategic tier
        ratio = targets.groupby("tier")[["exp_opps_post_treated", "exp_opps_post_untreated"]].sum()
        r = ratio["exp_opps_post_treated"] / ratio["exp_opps_post_untreated"]
        assert 1 < r["programmatic"] < r["abm_lite"] < r["strategic"] < 2
        assert (others["exp_opps_post_treated"] == others["exp_opps_post_untreated"]).all()  # no spillover


def test_tiers_by_judged_fit():
    rng = np.random.default_rng(3)
    fit = rng.normal(size=1000)
    t = choose_targets(rng, fit, np.zeros(1000, bool), 0.2)
    assert t.n == 200 and t.is_target.sum() == 200
    tiers = list(t.tier[t.chosen])
    assert tiers.count("strategic") == round(STRATEGIC_SHARE * 200)
    assert tiers.count("abm_lite") == round(ABM_LITE_SHARE * 200)
    assert tiers[0] == "strategic" and tiers[-1] == "programmatic"
    assert all(x is None for x in t.tier[~t.is_target])


def test_targets_in_cohorts_on_recent_intent():
    rng = np.random.default_rng(3)
    fit = rng.normal(size=1000)
    recent = rng.normal(size=(3, 1000))
    t = choose_targets(rng, fit, np.zeros(1000, bool), 0.2, recent, intent_weight=1.0)
    assert t.n == 200 and np.bincount(t.cohort[t.is_target]).tolist() == [67, 67, 66]
    assert (t.cohort[~t.is_target] == -1).all() and np.isnan(t.score[~t.is_target]).all()
    for c in range(3):  # each cohort leans to the accounts whose intent was high before its start
        assert recent[c, t.cohort == c].mean() > recent[c, ~t.is_target].mean() + 0.3
    assert np.all(np.diff(t.score[t.chosen]) <= 0)  # chosen: best judged first


def test_costs_follow_the_active_targets(small_world, small_demo):
    costs, prog = small_world.tables["costs"], small_world.tables["programs"]
    weeks = pd.DatetimeIndex(small_world.truth["weekly"]["week_start"].iloc[: small_world.meta["sizes"]["weeks"]])
    end = prog["end_date"].fillna(pd.Timestamp(small_world.meta["as_of"])).to_numpy()
    in_prog = (weeks.values[None, :] >= prog["start_date"].to_numpy()[:, None]) & (
        weeks.values[None, :] <= end[:, None]
    )
    target_quarters = in_prog.sum() / 13
    assert costs["amount"].sum() == pytest.approx(
        small_demo.cost_per_target_account * target_quarters * sum(COST_CHANNELS.values()), abs=1
    )
    per_q = costs.groupby("period_start")["amount"].sum()
    assert per_q.is_monotonic_increasing or per_q.iloc[0] < per_q.iloc[-1]  # cohorts join over the quarters


def test_costs_per_quarter_and_channel(simple_world, small_demo):
    small_world = simple_world
    costs = small_world.tables["costs"]
    n_target = small_world.meta["sizes"]["targets"]
    per_q = costs.groupby("period_start")["amount"].sum()
    assert per_q.to_numpy() == pytest.approx(
        small_demo.cost_per_target_account * n_target * sum(COST_CHANNELS.values())
    )
    assert set(costs["channel"]) == set(COST_CHANNELS)
    assert (costs["period_end"] >= costs["period_start"]).all()
