"""The ABM program (abm_lab.synth.programs): confounded targets, tiers, costs."""

from __future__ import annotations

import numpy as np
import pytest

from abm_lab.synth.programs import ABM_LITE_SHARE, COST_CHANNELS, STRATEGIC_SHARE, choose_targets


def test_program_is_confounded_and_has_known_lift(small_world):
    truth = small_world.truth["accounts"]
    targets = truth[truth.is_target]
    others = truth[~truth.is_target & ~truth.is_customer]
    assert targets["fit_logit"].mean() > others["fit_logit"].mean() + 0.5  # chosen by fit
    assert not targets["is_customer"].any()
    assert set(small_world.tables["programs"]["account_id"]) == set(targets["account_id"])
    # potential outcomes: with the program, targets create more opportunities (true lift 50%)
    assert targets["exp_opps_post_treated"].sum() == pytest.approx(
        1.5 * targets["exp_opps_post_untreated"].sum(), rel=0.02
    )
    assert targets["opps_post_treated"].sum() > targets["opps_post_untreated"].sum()


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


def test_costs_per_quarter_and_channel(small_world, small_demo):
    costs = small_world.tables["costs"]
    n_target = small_world.meta["sizes"]["targets"]
    per_q = costs.groupby("period_start")["amount"].sum()
    assert per_q.to_numpy() == pytest.approx(
        small_demo.cost_per_target_account * n_target * sum(COST_CHANNELS.values())
    )
    assert set(costs["channel"]) == set(COST_CHANNELS)
    assert (costs["period_end"] >= costs["period_start"]).all()
