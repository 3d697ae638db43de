"""Truth tables and meta (abm_lab.synth.truth) agree with the observed tables."""

from __future__ import annotations

from abm_lab.synth import FIT_COEFS, TRUTH_VERSION


def test_meta_matches_the_tables(small_world, small_demo):
    m, t = small_world.meta, small_world.tables
    assert m["truth_version"] == TRUTH_VERSION and m["seed"] == small_demo.seed
    assert m["fit_coefficients"] == FIT_COEFS and m["lift"] == small_demo.lift.model_dump()
    sizes = m["sizes"]
    assert list(sizes) == ["accounts", "contacts", "touchpoints", "opportunities", "weeks", "targets"]
    assert sizes["accounts"] == len(t["accounts"]) and sizes["contacts"] == len(t["contacts"])
    assert sizes["touchpoints"] == len(t["touchpoints"]) and sizes["opportunities"] == len(t["opportunities"])
    assert sizes["targets"] == len(t["programs"]) and sizes["weeks"] == small_demo.n_quarters * 13


def test_truth_tables_cover_every_row(small_world):
    tr, t = small_world.truth, small_world.tables
    assert (tr["accounts"]["account_id"].to_numpy() == t["accounts"]["account_id"].to_numpy()).all()
    assert (tr["touchpoints"]["touchpoint_id"].to_numpy() == t["touchpoints"]["touchpoint_id"].to_numpy()).all()
    wk = tr["weekly"]
    assert len(wk) == small_world.meta["sizes"]["accounts"] * small_world.meta["sizes"]["weeks"]
    assert (wk["p_opp_week"] <= wk["p_opp_week_free"] + 1e-7).all()  # the oracle is 0 while busy


def test_meta_records_the_scenario_and_the_schedule(small_world, small_demo):
    m = small_world.meta
    assert m["scenario"] == small_demo.scenario.model_dump(mode="json")
    assert m["burn_in_weeks"] == small_demo.scenario.burn_in_weeks
    prog = small_world.tables["programs"]
    starts = prog["start_date"].dt.to_period("Q").astype(str).value_counts().to_dict()
    assert m["program_starts"] == starts and sum(starts.values()) == m["sizes"]["targets"]
    assert sum(m["program_exits"].values()) == prog["end_date"].notna().sum()
    t = small_world.truth["accounts"]
    assert {"cohort", "start_date", "end_date", "tier_effect", "selection_score", "recent_intent"} <= set(t.columns)
    assert (t["cohort"] >= 0).to_numpy().tolist() == t["is_target"].to_list()
