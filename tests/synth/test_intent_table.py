"""The synthetic intent export: partial coverage (larger companies likelier), scores a noisy monotone proxy of
latent intent, and no other table of the world changed by switching it on."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from abm_lab.data import validate
from abm_lab.synth import generate_world, save_world
from abm_lab.synth.intent_table import REPORT_FLOOR, TOPICS

AS_OF = "2026-12-31"


@pytest.fixture(scope="module")
def worlds():
    """(world with intent at 3 coverages, world without) for a 300-account world."""
    from abm_lab.config.core import DemoParams

    demo = DemoParams(n_accounts=300, n_contacts=1500, n_touchpoints=8000, seed=5)
    return {c: generate_world(demo.model_copy(update={"intent_coverage": c}), AS_OF) for c in (0.0, 0.3, 0.6)}


def _covered(world) -> pd.Series:
    acc = world.tables["accounts"]
    return acc["domain"].isin(set(world.tables["intent"]["domain"]))


def test_other_tables_are_byte_identical_with_intent_on_or_off(worlds, tmp_path):
    off, on = worlds[0.0], worlds[0.6]
    assert "intent" not in off.tables and "intent" in on.tables
    assert list(on.tables) == [*off.tables, "intent"]
    for name, df in off.tables.items():
        pd.testing.assert_frame_equal(df, on.tables[name])
        a, b = io.BytesIO(), io.BytesIO()
        df.to_parquet(a, index=False)
        on.tables[name].to_parquet(b, index=False)
        assert a.getvalue() == b.getvalue(), name
    for name, df in off.truth.items():
        pd.testing.assert_frame_equal(df, on.truth[name])
    save_world(on, tmp_path)
    assert (tmp_path / "intent.parquet").exists()


def test_intent_table_is_canonical_and_in_range(small_world):
    it = validate.validate_table(small_world.tables["intent"], "intent")
    assert it["score"].between(REPORT_FLOOR, 100).all()
    assert set(it["topic"]) == set(TOPICS)
    assert not it.duplicated(["domain", "week_start", "topic"]).any()
    assert set(it["domain"]) <= set(small_world.tables["accounts"]["domain"])
    weeks = set(pd.to_datetime(small_world.truth["weekly"]["week_start"]).unique())
    assert set(pd.to_datetime(it["week_start"]).unique()) <= weeks


def test_coverage_share_follows_the_param_and_favours_large_companies(worlds, small_world):
    for c in (0.3, 0.6):
        share = _covered(worlds[c]).mean()
        assert abs(share - c) < 0.1, (c, share)
    assert abs(_covered(small_world).mean() - 0.6) < 0.08  # default coverage on the 600-account fixture world
    acc = small_world.tables["accounts"]
    cov = _covered(small_world).to_numpy()
    big = acc["employees"].to_numpy(float) >= np.median(acc["employees"].to_numpy(float))
    assert cov[big].mean() > cov[~big].mean() + 0.1


def test_scores_correlate_with_latent_intent_but_not_perfectly(small_world):
    acc = small_world.tables["accounts"][["account_id", "domain"]]
    tw = small_world.truth["weekly"].assign(account_id=lambda d: d["account_id"].astype(str))
    it = small_world.tables["intent"].merge(acc, on="domain").merge(tw, on=["account_id", "week_start"])
    r = float(np.corrcoef(it["score"], it["intent"])[0, 1])
    assert 0.2 < r < 0.9, r
    # surging weeks (any topic >= 60) come with higher latent intent than quiet covered weeks
    wk = it.groupby(["account_id", "week_start"]).agg(top=("score", "max"), intent=("intent", "first"))
    assert wk.loc[wk["top"] >= 60, "intent"].mean() > wk.loc[wk["top"] < 60, "intent"].mean() + 0.3
