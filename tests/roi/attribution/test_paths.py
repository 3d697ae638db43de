"""Path data: the generic aggregate format with its errors, and account journeys from the canonical tables."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.errors import ABMDataError
from abm_lab.roi import attribution as A


def test_bad_path_data_is_reported():
    with pytest.raises(ABMDataError, match="blank"):
        A.paths_from_frame(pd.DataFrame({"path": ["a > b", ""], "total_conversions": [1, 1]}), nulls=None, value=None)
    with pytest.raises(ABMDataError, match="non-negative"):
        A.paths_from_frame(pd.DataFrame({"path": ["a"], "total_conversions": [-1]}), nulls=None, value=None)
    with pytest.raises(ABMDataError, match="missing column"):
        A.paths_from_frame(pd.DataFrame({"p": ["a"]}))


def test_account_paths_account_for_every_opportunity(world):
    ds, tp = world
    opps = ds.tables["opportunities"]
    pdata = A.account_paths(tp, opps, as_of="2026-12-31", variant="created")
    n_opps = int((opps["account_id"].notna() & opps["created_date"].notna()).sum())
    assert pdata.total_conversions + pdata.excluded["conversions"] == n_opps
    conv_value = opps.loc[opps["account_id"].notna() & opps["created_date"].notna(), "amount"].sum()
    assert pdata.total_value + pdata.excluded["value"] == pytest.approx(conv_value)
    # touches are ordered in time within each path and none is after the conversion day
    t = pdata.touches
    assert (t["age_days"] > 0).all()
    assert (t.groupby("path_id")["age_days"].apply(lambda s: s.is_monotonic_decreasing)).all()
    assert (t.groupby("path_id")["is_lead_creation"].sum() <= 1).all()  # none when it fell before the look-back
    res = A.attribute(pdata)
    res.check_totals(1e-9)
    prog = A.attribute(A.account_paths(tp, opps, as_of="2026-12-31", dimension="program_id"), dimension="program_id")
    prog.check_totals(1e-9)
    assert A.NO_PROGRAM in prog.credits.index


def test_account_paths_closed_variant(world):
    ds, tp = world
    opps = ds.tables["opportunities"]
    pdata = A.account_paths(tp, opps, as_of="2026-12-31", variant="closed")
    won = opps["is_won"] & opps["account_id"].notna()
    lost = opps["is_closed"] & ~opps["is_won"] & opps["account_id"].notna()
    assert pdata.total_conversions + pdata.excluded["conversions"] == int(won.sum())
    assert pdata.paths["nulls"].sum() + pdata.excluded["nulls"] == int(lost.sum())
    assert pdata.total_value + pdata.excluded["value"] == pytest.approx(opps.loc[won, "amount"].sum())
    res = A.attribute(pdata, value_label="revenue")
    res.check_totals(1e-9)
    assert "revenue" in res.summary().as_text()


def test_non_converting_journeys_exclude_customers():
    # A1 has an opportunity; A2 (a customer) and A3 (a prospect) have touches and no opportunity. A customer's
    # touches are not a non-converting prospect journey: one null path (A3), not two.
    d0 = pd.Timestamp("2026-03-01")
    tp = pd.DataFrame(
        {
            "timestamp": [d0 + pd.Timedelta(days=i) for i in range(6)],
            "contact_id": pd.array(["c1", "c1", "c2", "c2", "c3", "c3"], dtype="string"),
            "account_id": ["A1", "A1", "A2", "A2", "A3", "A3"],
            "channel": ["web", "email", "web", "events", "ads", "web"],
            "activity_type": "web_visit",
        }
    )
    opps = pd.DataFrame(
        {
            "opportunity_id": ["O1"],
            "account_id": ["A1"],
            "created_date": [d0 + pd.Timedelta(days=10)],
            "close_date": [pd.NaT],
            "amount": [500.0],
            "is_won": [False],
            "is_closed": [False],
        }
    )
    accounts = pd.DataFrame({"account_id": ["A1", "A2", "A3"], "is_customer": pd.array([False, True, None])})
    pdata = A.account_paths(tp, opps, as_of=d0 + pd.Timedelta(days=20), accounts=accounts)
    assert pdata.paths["conversions"].sum() == 1 and pdata.paths["nulls"].sum() == 1
    assert pdata.excluded["customer_paths"] == 1
    assert set(pdata.to_frame()["path"]) == {"web > email", "ads > web"}
    # the Markov chain sees the prospect's null only: P(conversion) = 1/2 (it was 1/3 with the customer's path)
    assert A.markov_model(pdata).p_conversion == pytest.approx(0.5)
    # without the accounts table nothing is known about customers: both accounts give a null path
    assert A.account_paths(tp, opps, as_of=d0 + pd.Timedelta(days=20)).paths["nulls"].sum() == 2


def test_world_null_journeys_are_prospects_only(world):
    ds, tp = world
    acc, opps = ds.tables["accounts"], ds.tables["opportunities"]
    pdata = A.account_paths(tp, opps, as_of="2026-12-31", accounts=acc, contacts=ds.tables["contacts"])
    customers = set(acc.loc[acc["is_customer"].astype("boolean").fillna(False).to_numpy(bool), "account_id"])
    touched = set(tp["account_id"].dropna()) - set(opps["account_id"].dropna())
    assert pdata.paths["nulls"].sum() + pdata.excluded["nulls"] == len(touched - customers)
    assert pdata.excluded["customer_paths"] == len(touched & customers) > 0
