"""The synthetic world (abm_lab.synth.world): deterministic by seed, the right sizes, valid tables."""

from __future__ import annotations

import json

import pandas as pd

from abm_lab.synth import generate_world


def test_same_seed_same_world(small_demo, small_world):
    again = generate_world(small_demo, "2026-12-31")
    for name, df in small_world.tables.items():
        pd.testing.assert_frame_equal(df, again.tables[name], obj=name)
    other = generate_world(small_demo.model_copy(update={"seed": 12}), "2026-12-31")
    assert not other.tables["accounts"]["name"].equals(small_world.tables["accounts"]["name"])


def test_generate_world_is_deterministic_by_seed():
    from abm_lab.config.core import DemoParams

    demo = DemoParams(n_accounts=300, n_contacts=1500, n_touchpoints=15000, seed=5)
    a, b = generate_world(demo, "2026-12-31"), generate_world(demo, "2026-12-31")
    assert list(a.tables) == list(b.tables) and list(a.truth) == list(b.truth)
    for kind in ("tables", "truth"):
        for name, df in getattr(a, kind).items():
            pd.testing.assert_frame_equal(df, getattr(b, kind)[name], check_exact=True, obj=f"{kind}.{name}")
    assert json.dumps(a.meta, sort_keys=True, default=str) == json.dumps(b.meta, sort_keys=True, default=str)
    # another seed: every random table and truth table differs (costs depend on the number of targets only)
    c = generate_world(demo.model_copy(update={"seed": 6}), "2026-12-31")
    for name in ("accounts", "contacts", "opportunities", "stage_history", "touchpoints", "programs"):
        assert not a.tables[name].equals(c.tables[name]), name
    for name, df in a.truth.items():
        assert not df.equals(c.truth[name]), name
    assert a.meta["seed"] == 5 and c.meta["seed"] == 6 and a.meta["fit_intercept"] != c.meta["fit_intercept"]


def test_sizes_and_validity(small_demo, small_world, small_dataset):
    t = small_dataset.tables
    assert len(t["accounts"]) == small_demo.n_accounts
    assert len(t["contacts"]) == small_demo.n_contacts
    assert abs(len(t["touchpoints"]) - small_demo.n_touchpoints) < 0.05 * small_demo.n_touchpoints
    assert t["accounts"]["domain"].is_unique and t["accounts"]["name"].is_unique
    tp = t["touchpoints"]
    assert (tp["contact_id"].notna() ^ tp["visitor_domain"].notna()).all()  # a person or an anonymous visit
    assert tp["timestamp"].max() <= pd.Timestamp("2027-01-01")
