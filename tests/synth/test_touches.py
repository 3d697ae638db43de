"""Touchpoints (abm_lab.synth.touches): who made each touch, and anonymous visits."""

from __future__ import annotations


def test_anonymous_visits_carry_the_true_accounts_domain(small_world):
    acc = small_world.tables["accounts"].set_index("account_id")
    tp = small_world.tables["touchpoints"]
    tt = small_world.truth["touchpoints"]
    anon = tp["visitor_domain"].notna().to_numpy()
    assert (
        tp.loc[anon, "visitor_domain"].astype(str).to_numpy()
        == acc.loc[tt.loc[anon, "true_account_id"].astype(str), "domain"].to_numpy()
    ).all()


def test_known_people_touch_for_their_own_account(small_world):
    tp, tt = small_world.tables["touchpoints"], small_world.truth["touchpoints"]
    truth_c = small_world.truth["contacts"].set_index("contact_id")["true_account_id"]
    known = tp["contact_id"].notna().to_numpy()
    assert (truth_c.loc[tp.loc[known, "contact_id"].astype(str)].to_numpy() == tt.loc[known, "true_account_id"]).all()
    assert tp["timestamp"].is_monotonic_increasing and tp["touchpoint_id"].is_unique


def test_program_touches_only_on_targets_after_the_start(small_world):
    tp, tt = small_world.tables["touchpoints"], small_world.truth["touchpoints"]
    meta = small_world.meta
    targets = set(small_world.tables["programs"]["account_id"])
    prog = tp["program_id"].notna().to_numpy()
    assert prog.any()
    assert tt.loc[prog, "true_account_id"].astype(str).isin(targets).all()
    assert (tp.loc[prog, "timestamp"] >= meta["program_start"]).all()
