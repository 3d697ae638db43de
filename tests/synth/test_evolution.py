"""The accounts change with as-of (:mod:`abm_lab.synth.evolution`): the world on the reference date is the world
as drawn (unchanged by the evolution), an earlier as-of rewinds the accounts to that day."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from abm_lab.synth import evolution as ev
from abm_lab.synth import generate_world, world_dataset

Q3, Q4 = pd.Timestamp("2026-09-30"), ev.REFERENCE_AS_OF

#: Digests of the small world (``small_demo``) on 2026-12-31 made by the generator before the evolution existed
#: (commit 49657f3): every table and truth table, and truth.json. The evolution must leave them as they were.
#: (A pandas upgrade that changes ``hash_pandas_object`` would need them made again with that commit's code.)
#: ``truth/accounts`` was made again so on 2026-12-02: with that day's package set commit 49657f3 itself gives
#: 530df19866512213 (was e83a04004f101d7d); every other digest is unchanged.
REFERENCE_DIGESTS = {
    "accounts": "e57d63d0b952e76c",
    "contacts": "c5a15fb3cd039205",
    "opportunities": "de079466a95b1015",
    "stage_history": "885475afddcd8da2",
    "touchpoints": "b06efac641e9caf5",
    "programs": "2c1227d96ed3250c",
    "costs": "62d4e3f55522e192",
    "intent": "2dfaa5c33d25e077",
    "truth/accounts": "530df19866512213",
    "truth/contacts": "728cfc949c59bba0",
    "truth/touchpoints": "fa35fdc70ff7b959",
    "truth/weekly": "a2ddc966a0dea331",
    "truth/opportunities_potential": "78ba18f8b1e8e520",
}
REFERENCE_META_DIGEST = "fdc0a106776156f9"


def _digest(df: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(repr([(c, str(t)) for c, t in df.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


@pytest.fixture(scope="module")
def q3_world(small_demo):
    return generate_world(small_demo, Q3)


def _pending(world, as_of: pd.Timestamp, event: str | None = None) -> pd.DataFrame:
    e = world.truth["account_events"]
    e = e.loc[e["effective_date"] > as_of]
    return e if event is None else e.loc[e["event"] == event]


def test_the_reference_world_is_the_world_drawn_before(small_world):
    got = {k: _digest(v) for k, v in small_world.tables.items()}
    got |= {f"truth/{k}": _digest(v) for k, v in small_world.truth.items() if k != "account_events"}
    assert got == REFERENCE_DIGESTS
    meta = hashlib.sha256(json.dumps(small_world.meta, sort_keys=True, default=str).encode()).hexdigest()[:16]
    assert meta == REFERENCE_META_DIGEST
    assert set(small_world.truth) == {k.split("/", 1)[1] for k in REFERENCE_DIGESTS if "/" in k} | {"account_events"}


def test_an_earlier_world_has_fewer_customers_each_won_after_that_day(small_world, q3_world):
    a4, a3 = small_world.tables["accounts"], q3_world.tables["accounts"].set_index("account_id")
    cust4 = set(a4.loc[a4["is_customer"], "account_id"])
    cust3 = set(a3.index[a3["is_customer"].to_numpy(bool)])
    missing = cust4 - cust3
    assert cust3 < cust4 and len(missing) >= 3  # fewer customers, none that are not customers later
    first_win = small_world.truth["account_events"].query("event == @ev.BECAME_CUSTOMER")
    first_win = first_win.set_index("account_id")["effective_date"]
    assert set(first_win.index) == cust4  # every customer has its first win, once
    assert (first_win[sorted(missing)] > Q3).all() and (first_win[sorted(missing)] <= Q4).all()
    assert (first_win[sorted(cust3)] <= Q3).all()  # won on or before Q3: already a customer then
    # about CUSTOMER_TENURE_YEARS of tenure: the share won in the last quarter is 1 - exp(-quarter / tenure)
    share = 1 - np.exp(-(Q4 - Q3).days / (ev.CUSTOMER_TENURE_YEARS * ev.DAYS_PER_YEAR))
    assert abs(len(missing) / len(cust4) - share) < 3 * np.sqrt(share * (1 - share) / len(cust4))


def test_firmographics_are_those_before_the_later_changes(small_world, q3_world):
    a4 = small_world.tables["accounts"].set_index("account_id")
    a3 = q3_world.tables["accounts"].set_index("account_id").loc[a4.index]
    pending = _pending(small_world, Q3)
    changed = pending.loc[pending["column"] != "account_id"]
    assert {"employees", "annual_revenue", "is_customer", "tech_crm"} <= set(changed["column"])
    for col in a4.columns.drop("created_date"):
        moved = changed.loc[changed["column"] == col].set_index("account_id")
        diff = a3[col].ne(a4[col]) & ~(a3[col].isna() & a4[col].isna())
        # a column differs exactly on the accounts with a change after Q3, and holds the value before it
        assert set(diff.index[diff]) <= set(moved.index), col
        if len(moved):
            assert np.allclose(a3.loc[moved.index, col].astype(float), moved["before"]), col
            assert np.allclose(a4.loc[moved.index, col].astype(float), moved["after"]), col
    grown = changed.loc[changed["column"] == "employees"]
    assert (
        len(grown) > 0 and (a3.loc[grown["account_id"], "employees"] != a4.loc[grown["account_id"], "employees"]).any()
    )
    # the CRM records keep their age relative to the world's start, which moves with as-of
    shift = pd.Timestamp(q3_world.meta["start"]) - pd.Timestamp(small_world.meta["start"])
    assert (a3["created_date"] - a4["created_date"] == shift).all()


def test_deleted_accounts_are_there_until_their_deletion(small_world, q3_world, small_demo):
    a4, a3 = small_world.tables["accounts"], q3_world.tables["accounts"]
    deleted = _pending(small_world, Q3, ev.DELETED)
    extra = a3.loc[~a3["account_id"].isin(a4["account_id"])]
    assert set(extra["account_id"]) == set(deleted["account_id"]) and len(extra) > 0
    assert list(a3["account_id"].iloc[: len(a4)]) == list(a4["account_id"])  # appended after the others
    assert a3["account_id"].is_unique and a3["domain"].is_unique and a3["name"].str.lower().is_unique
    assert not extra["is_customer"].any() and extra["parent_account_id"].isna().all()
    assert (a3.dtypes == a4.dtypes).all()
    # all deletions are in the window before the reference date; a world before it has every such account
    e = small_world.truth["account_events"]
    dates = e.loc[e["event"] == ev.DELETED, "effective_date"]
    assert dates.min() > Q4 - pd.Timedelta(days=ev.EVOLUTION_QUARTERS * 7 * 13) and dates.max() <= Q4
    history = ev.account_history(small_demo.seed, a4, pd.Timestamp(small_world.meta["start"]))
    pd.testing.assert_frame_equal(history.events, e)
    early = ev.accounts_at(a4, history, Q4 - pd.Timedelta(days=ev.EVOLUTION_QUARTERS * 7 * 13))
    assert set(early["account_id"]) - set(a4["account_id"]) == set(e.loc[e["event"] == ev.DELETED, "account_id"])
    # the rewound world is a valid dataset (unique ids, names and domains; foreign keys hold)
    ds = world_dataset(world=q3_world)
    assert len(ds.tables["accounts"]) == len(a3) == q3_world.meta["sizes"]["accounts"]


def test_the_history_does_not_depend_on_as_of(small_world, q3_world):
    pd.testing.assert_frame_equal(
        small_world.truth["account_events"].drop(columns="account_id"),
        q3_world.truth["account_events"].drop(columns="account_id"),
    )
    assert small_world.truth["account_events"]["account_id"].tolist() == (
        q3_world.truth["account_events"]["account_id"].tolist()
    )


def test_on_or_after_the_reference_date_nothing_is_rewound(small_world):
    acc = small_world.tables["accounts"]
    history = ev.History(events=small_world.truth["account_events"], deleted=acc.iloc[0:0])
    assert ev.accounts_at(acc, history, Q4) is acc
    assert ev.accounts_at(acc, history, Q4 + pd.Timedelta(days=90)) is acc
