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
    assert (t.groupby("path_id")["is_lead_creation"].sum() == 1).all()
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
