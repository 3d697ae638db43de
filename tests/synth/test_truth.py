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
