"""Mapping touchpoints (abm_lab.mapping.touchpoints): source account, the contact's account, reverse-IP domain."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.errors import ABMDataError
from abm_lab.mapping import map_touchpoints, touchpoint_match_rates


def test_touchpoints_small(small, accounts):
    tp = pd.DataFrame(
        {
            "touchpoint_id": ["t1", "t2", "t3", "t4", "t5", "t6", "t7"],
            "timestamp": pd.to_datetime(["2026-10-01"] * 7),
            "contact_id": ["c1", "c9", "c7", None, None, None, "zz"],
            "visitor_domain": [None, None, None, "www.northwind.co.uk", "gmail.com", None, None],
            "account_id": [None] * 7,
        }
    )
    out = map_touchpoints(tp, small, accounts)
    assert len(out) == len(tp)
    assert out["status"].tolist() == [
        "matched",
        "ambiguous",
        "unmatched",
        "matched",
        "unmatched",
        "unmatched",
        "unmatched",
    ]
    assert out["account_id"].iloc[0] == "A1" and out["account_id"].iloc[3] == "A3"
    assert out["match_method"].iloc[3] == "reverse_ip_domain"
    assert out["reason"].iloc[4] == "visitor domain is an ISP/free-mail domain"
    assert out["reason"].iloc[5] == "no contact or visitor domain"
    assert out["reason"].iloc[6] == "contact not in contacts table"
    assert touchpoint_match_rates(out).query("source == 'all'")["n"].sum() == len(tp)


def test_source_account_wins_and_shared_visitor_domain_is_ambiguous(small, accounts):
    tp = pd.DataFrame(
        {
            "touchpoint_id": ["t1", "t2", "t3"],
            "contact_id": ["c1", None, None],
            "visitor_domain": [None, "cedar.io", "nowhere-known.com"],
            "account_id": ["A5", None, None],
        }
    )
    out = map_touchpoints(tp, small.table, accounts)
    assert out["account_id"].iloc[0] == "A5" and out["match_method"].iloc[0] == "source_account"
    assert out["status"].iloc[1] == "ambiguous" and out["reason"].iloc[1] == "visitor domain shared by several accounts"
    assert out["reason"].iloc[2] == "visitor domain not in accounts"
    assert pd.isna(out["reason"].iloc[0])  # matched rows carry no reason
    with pytest.raises(ABMDataError, match="accounts"):
        map_touchpoints(tp, small)  # visitor domains need the accounts table (or an index)
    with pytest.raises(ABMDataError, match="touchpoint_id"):
        map_touchpoints(tp.drop(columns="touchpoint_id"), small, accounts)


def test_world_touchpoints_keep_every_row(world, world_result):
    tp = map_touchpoints(world.tables["touchpoints"], world_result, world.tables["accounts"])
    assert len(tp) == len(world.tables["touchpoints"])
    assert tp["touchpoint_id"].tolist() == world.tables["touchpoints"]["touchpoint_id"].tolist()
    anon = tp["contact_id"].isna()
    assert (tp.loc[anon, "status"] == "matched").mean() >= 0.97
    rates = touchpoint_match_rates(tp)
    assert set(rates["source"]) <= {"all", "touchpoints:contact", "touchpoints:anonymous", "touchpoints:other"}
    assert rates.loc[rates["source"] == "all", "share"].sum() == pytest.approx(1.0)
