"""The lift's analysis frames: every account accounted for, panel totals matching the account frame."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config import LiftTruth
from abm_lab.errors import ABMDataError
from abm_lab.roi.lift import prepare

AS_OF = "2026-12-31"


def test_prepare_accounts_for_every_account(make_lift_world):
    ds, tp = make_lift_world(23, LiftTruth(), n=600)
    data = prepare(ds.tables, tp, as_of=AS_OF)
    n_acc = len(ds.tables["accounts"])
    assert len(data.accounts) + data.excluded["existing_customers"] == n_acc
    assert data.excluded["existing_customers"] == int(ds.tables["accounts"]["is_customer"].sum())
    assert data.program_start == pd.Timestamp(ds.truth_meta["program_start"])
    # panel: every eligible account in every period; post-period totals match the account frame
    assert len(data.panel) == len(data.accounts) * data.panel["period"].nunique()
    post = data.panel.loc[data.panel["post"]].groupby("account_id")["opp_rate_count"].sum()
    assert post.reindex(data.accounts["account_id"]).to_numpy() == pytest.approx(data.accounts["opp_rate"].to_numpy())
    with pytest.raises(ABMDataError, match="programs"):
        prepare({**ds.tables, "programs": ds.tables["programs"].iloc[:0]}, tp, as_of=AS_OF)
