"""Point in time (issue 16, class 8): a Q4 export read with Q3's as_of gives the world's Q3 state."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config.core import DemoParams
from abm_lab.data.asof import as_known_at, describe
from abm_lab.data.io import Dataset, known_at
from abm_lab.synth import arm_opportunities, generate_world

Q4, Q3 = pd.Timestamp("2026-12-31"), pd.Timestamp("2026-09-30")


@pytest.fixture(scope="module")
def world():
    return generate_world(DemoParams(seed=5, n_accounts=400, n_contacts=800, n_touchpoints=20000), Q4)


def test_q4_export_read_at_q3_is_the_q3_state(world):
    tables, excluded = as_known_at(world.tables, Q3)
    truth_q3 = arm_opportunities(world.truth["opportunities_potential"], "observed", Q3)  # the world on 30 Sep
    o = tables["opportunities"].set_index("opportunity_id").sort_index()
    t = truth_q3.set_index("opportunity_id").sort_index()
    assert list(o.index) == list(t.index)  # exactly the deals that existed on Q3
    closed = t["stage"].isin(["closed_won", "closed_lost"])
    assert (o["stage"].isin(["closed_won", "closed_lost"]) == closed).all()
    assert (o.loc[closed, "stage"] == t.loc[closed, "stage"]).all()
    assert o.loc[~closed, "close_date"].isna().all()
    pd.testing.assert_series_equal(o.loc[closed, "close_date"], t.loc[closed, "close_date"], check_names=False)
    n_late = int((world.tables["opportunities"]["created_date"] > Q3).sum())
    assert n_late > 0 and excluded["opportunities"] == n_late
    assert excluded["opportunities_reopened"] > 0
    assert (pd.to_datetime(tables["touchpoints"]["timestamp"]) <= Q3 + pd.Timedelta(days=1)).all()
    assert (pd.to_datetime(tables["stage_history"]["entered_date"]) <= Q3).all()


def test_reopened_deals_take_their_stage_from_the_history(world):
    tables, _ = as_known_at(world.tables, Q3)
    full = world.tables["opportunities"].set_index("opportunity_id")
    now = tables["opportunities"].set_index("opportunity_id")
    reopened = now.index[now["close_date"].isna() & full.loc[now.index, "close_date"].notna()]
    h = world.tables["stage_history"]
    h = h.loc[(h["entered_date"] <= Q3) & ~h["stage"].isin(["closed_won", "closed_lost"])]
    last = h.sort_values("entered_date", kind="stable").groupby("opportunity_id")["stage"].last()
    assert len(reopened) > 0
    assert (now.loc[reopened, "stage"] == last.reindex(reopened)).all()


def test_rows_set_aside_are_counted_and_reported(world):
    ds = Dataset(
        tables=dict(world.tables),
        accounting={k: {"rows_in": len(v), "rows_loaded": len(v)} for k, v in world.tables.items()},
    )
    out = known_at(ds, Q3)
    for name in ("opportunities", "touchpoints"):
        acc = out.accounting[name]
        assert acc["rows_in"] == acc["rows_loaded"] + acc["excluded_after_as_of"]  # every input row accounted for
    assert any("set aside" in w and "opportunities" in w for w in out.warnings)
    assert describe({}, Q3) == []
    same, none = as_known_at(world.tables, Q4)
    assert none == {} and len(same["opportunities"]) == len(world.tables["opportunities"])
