"""The account x snapshot panel: shape, accounting of every row, features recomputed by hand, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab import engagement as E
from abm_lab.errors import ABMDataError

AS_OF = "2026-12-31"


def test_panel_shape_and_accounting(panel, world):
    ds, tp = world[0], world[1]
    n_acc = len(ds.tables["accounts"])
    assert len(panel) == n_acc * panel["snapshot_date"].nunique()
    assert not panel.duplicated(["account_id", "snapshot_date"]).any()
    acct = E.panel_accounting(panel, tp).set_index("item")["rows"]
    excluded = sum(v for k, v in acct.items() if "(excluded)" in k)
    assert excluded + acct["  eligible"] == acct["account-snapshots"]
    # customers (no hazard) are never eligible; initial customers have no opportunities at all
    cust = ds.tables["accounts"].loc[ds.tables["accounts"]["is_customer"].fillna(False).astype(bool), "account_id"]
    assert not panel.loc[panel["account_id"].isin(cust), "eligible"].any()
    # the latest snapshot is the scoring date (as_of + 1 day) and has no observed label
    last = panel["snapshot_date"].max()
    assert last == pd.Timestamp(AS_OF) + pd.Timedelta(days=1)
    assert not panel.loc[panel["snapshot_date"] == last, "label_observed"].any()


def test_panel_features_match_pandas(panel, world, params):
    """Recompute a few features and the label by hand for a sample of account-snapshots."""
    ds, tp = world[0], world[1]
    opp = ds.tables["opportunities"]
    rng = np.random.default_rng(1)
    sample = panel[panel["eligible"]].iloc[rng.integers(0, int(panel["eligible"].sum()), 40)]
    created = tp["contact_id"].map(ds.tables["contacts"].set_index("contact_id")["created_date"])
    for _, r in sample.iterrows():
        s = r["snapshot_date"]
        # point in time: a touch of a person counts once the person's record exists (linked through them)
        known = tp["contact_id"].isna() | (created < s)
        t = tp[(tp["account_id"] == r["account_id"]) & (tp["timestamp"] < s) & known]
        t30 = t[t["timestamp"] >= s - pd.Timedelta(days=30)]
        assert r["touches_30d"] == len(t30)
        assert r["contacts_30d"] == t30["contact_id"].nunique()
        assert r["anon_visits_30d"] == int(t30["contact_id"].isna().sum())
        assert r["bofu_30d"] == int(t30["activity_type"].isin(params.bofu_activities).sum())
        t_cap = t[t["timestamp"] >= s - pd.Timedelta(days=params.recency_cap_days)]
        exp_rec = (
            params.recency_cap_days
            if t_cap.empty
            else min((s - t_cap["timestamp"].max().normalize()).days - 1, params.recency_cap_days)
        )
        assert r["days_since_last_touch"] == exp_rec
        o = opp[
            (opp["account_id"] == r["account_id"])
            & (opp["created_date"] >= s)
            & (opp["created_date"] < s + pd.Timedelta(days=params.horizon_days))
        ]
        assert r["label"] == int(len(o) > 0)
        open_now = opp[
            (opp["account_id"] == r["account_id"])
            & (opp["created_date"] < s)
            & (opp["close_date"].isna() | (opp["close_date"] >= s))
        ]
        assert open_now.empty  # eligible rows have no open opportunity


def test_panel_missing_column_is_clear(world, params):
    ds, tp = world[0], world[1]
    with pytest.raises(ABMDataError, match="touchpoints: missing column"):
        E.build_panel(
            tp.drop(columns=["account_id"]),
            ds.tables["accounts"],
            ds.tables["opportunities"],
            [pd.Timestamp("2026-06-01")],
            AS_OF,
            params,
        )


def test_feature_columns_leave_out_ids_flags_and_decay(panel):
    feats = E.feature_columns(panel)
    assert not set(feats) & (set(E.ID_COLS) | set(E.FLAG_COLS))
    assert not any(c.startswith("decay_") for c in feats)
    assert "fit_score" in feats and "touches_30d" in feats
    # a column missing everywhere (no fit score without notebook 02) is not a feature
    assert "fit_score" not in E.feature_columns(panel.assign(fit_score=np.nan))


def test_panel_sql_is_portable(params):
    """The query uses no DuckDB-only syntax beyond DATEDIFF / INTERVAL and names every activity column."""
    sql = E.panel_sql(params, ["demo_request", "Pricing page"], True, True, True, True)
    assert "decay_pricing_page" in sql and "decay_demo_request" in sql
    assert "COUNT(DISTINCT" not in sql
    assert "key_personas_on_file" in sql and "in_abm_program" in sql


def test_accounting_reports_people_appearing_with_opportunities(panel, world):
    from abm_lab.engagement.pointintime import conversion_leak_check

    ds, tp, pers = world[0], world[1], world[2]
    check = conversion_leak_check(pers, ds.tables["opportunities"])
    acct = E.panel_accounting(panel, tp, check).set_index("item")["rows"]
    assert acct["people with an account and a creation date"] == pers["created_date"].notna().sum()
    within = acct[f"  created within {check.window_days} days after an opportunity opened"]
    # the synthetic world's creation dates do not depend on opportunities: no warning, observed ~ expected
    assert not check.warn and abs(within - acct["  expected if creation did not depend on opportunities"]) < 0.01 * len(
        pers
    )
