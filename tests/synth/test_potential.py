"""The potential-outcomes truth of opportunities (abm_lab.synth.potential) and arm_opportunities."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config.core import LiftTruth, ScenarioParams
from abm_lab.data.validate import derive_opportunity_flags
from abm_lab.synth import ARMS, POTENTIAL_COLUMNS, arm_opportunities, generate_world, save_world


def _arm(world, arm):
    pot = world.truth["opportunities_potential"]
    return pot.loc[pot["arm"] == arm].reset_index(drop=True)


@pytest.mark.parametrize("fixture", ["small_world", "simple_world"])
def test_observed_arm_is_the_opportunities_table(fixture, request):
    w = request.getfixturevalue(fixture)
    pot = w.truth["opportunities_potential"]
    assert tuple(pot.columns) == POTENTIAL_COLUMNS and set(pot["arm"]) == set(ARMS)
    opp = w.tables["opportunities"]
    obs = _arm(w, "observed")
    for col in ("opportunity_id", "account_id", "created_date", "amount"):
        pd.testing.assert_series_equal(obs[col], opp[col], obj=col)
    seen = arm_opportunities(pot, "observed", w.meta["as_of"])
    pd.testing.assert_frame_equal(seen, derive_opportunity_flags(opp)[list(seen.columns)])
    # closed at as_of exactly when the eventual close date has passed; won as eventually won
    closed = obs["eventual_close_date"] <= pd.Timestamp(w.meta["as_of"])
    assert (closed == seen["is_closed"]).all()
    assert (seen.loc[closed, "is_won"] == obs.loc[closed, "eventual_won"]).all()
    assert (obs["eventual_close_date"] > obs["created_date"]).all()


@pytest.mark.parametrize("fixture", ["small_world", "simple_world"])
def test_no_programme_arm_equals_observed_for_non_targets_without_spillover(fixture, request):
    w = request.getfixturevalue(fixture)
    assert w.meta["scenario"]["spillover_share"] == 0
    targets = set(w.tables["programs"]["account_id"])
    obs, un = _arm(w, "observed"), _arm(w, "no_programme")
    cols = [c for c in POTENTIAL_COLUMNS if c != "arm"]
    o = obs.loc[~obs["account_id"].isin(targets), cols].reset_index(drop=True)
    u = un.loc[~un["account_id"].isin(targets), cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(o, u)
    # the targets' deals differ: more of them with the programme (true lift +50%), larger (+15%)
    ot, ut = obs.loc[obs["account_id"].isin(targets)], un.loc[un["account_id"].isin(targets)]
    assert len(ot) > len(ut)
    shared = ot.merge(ut, on="opportunity_id", suffixes=("_1", "_0"))
    assert len(shared) > 0 and (shared["account_id_1"] == shared["account_id_0"]).all()
    assert (shared["created_date_1"] == shared["created_date_0"]).all()
    assert (shared["amount_1"] >= shared["amount_0"]).all() and (shared["amount_1"] > shared["amount_0"]).any()
    only_untreated = un.loc[~un["opportunity_id"].isin(obs["opportunity_id"])]
    assert only_untreated["opportunity_id"].str.startswith("U").all()
    assert un["opportunity_id"].is_unique and obs["opportunity_id"].is_unique


def test_spillover_reaches_non_targets():
    demo = _demo(ScenarioParams(spillover_share=0.5))
    w = generate_world(demo, "2026-12-31")
    targets = set(w.tables["programs"]["account_id"])
    obs, un = _arm(w, "observed"), _arm(w, "no_programme")
    n1 = (~obs["account_id"].isin(targets)).sum()
    n0 = (~un["account_id"].isin(targets)).sum()
    assert n1 > n0


def _demo(scenario, **kw):
    from abm_lab.config.core import DemoParams

    return DemoParams(n_accounts=600, n_contacts=1000, n_touchpoints=5000, seed=11, scenario=scenario, **kw)


def test_zero_lift_arms_are_identical():
    w = generate_world(_demo(ScenarioParams(), lift=LiftTruth(opp_rate=0, win_rate=0, deal_size=0)), "2026-12-31")
    obs, un = _arm(w, "observed"), _arm(w, "no_programme")
    pd.testing.assert_frame_equal(obs.drop(columns="arm"), un.drop(columns="arm"))


def test_arm_as_seen_at_an_earlier_date(small_world):
    pot = small_world.truth["opportunities_potential"]
    as_of = pd.Timestamp("2026-06-30")
    for arm in ARMS:
        seen = arm_opportunities(pot, arm, as_of)
        src = pot.loc[(pot["arm"] == arm) & (pot["created_date"] <= as_of)]
        assert len(seen) == len(src) and (seen["created_date"] <= as_of).all()
        still_open = src["eventual_close_date"].to_numpy() > as_of
        assert seen.loc[still_open, "close_date"].isna().all() and not seen.loc[still_open, "is_closed"].any()
        assert (seen.loc[~still_open, "close_date"] <= as_of).all()
        assert (
            seen["stage"]
            .loc[still_open]
            .isin(["prospecting", "discovery", "solution", "proposal", "negotiation"])
            .all()
        )
        pd.testing.assert_frame_equal(
            seen[["is_won", "is_closed"]],
            derive_opportunity_flags(seen.drop(columns=["is_won", "is_closed"]))[["is_won", "is_closed"]],
        )
    with pytest.raises(ValueError, match="arm must be one of"):
        arm_opportunities(pot, "treated", as_of)


def test_potential_truth_is_saved(tmp_path, small_world):
    save_world(small_world, tmp_path)
    back = pd.read_parquet(tmp_path / "truth" / "opportunities_potential.parquet")
    assert tuple(back.columns) == POTENTIAL_COLUMNS
    assert len(back) == len(small_world.truth["opportunities_potential"])
    assert back["eventual_won"].dtype == bool
