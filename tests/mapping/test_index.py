"""The account index (abm_lab.mapping.index): domains, names, blocks and ultimate parents of the accounts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.config.mapping import MappingParams
from abm_lab.errors import ABMDataError
from abm_lab.mapping import AccountIndex, map_contacts
from abm_lab.mapping.index import block_keys


def test_index_domains_names_and_parents(accounts):
    acc = pd.concat(
        [accounts, pd.DataFrame({"account_id": ["G"], "name": ["Gmail Fans Club"], "domain": ["gmail.com"]})],
        ignore_index=True,
    )
    idx = AccountIndex.build(acc)
    doms = idx.domains
    # website and domain of A1 are one registered domain: listed once per account
    assert doms[(doms["domain"] == "bluepeaksoftware.com")]["acc"].tolist() == [0]
    assert set(doms.loc[doms["domain"] == "cedar.io", "acc"]) == {3, 4}  # shared alternative domain
    assert "gmail.com" not in set(doms["domain"])  # free-mail never identifies an account
    assert set(doms.loc[doms["acc"] == 2, "domain"]) == {"northwind.co.uk", "nw-analytics.com", "northwind.io"}
    assert set(doms.loc[doms["acc"] == 2, "kind"]) == {"domain", "alt_domain"}  # the website repeats the domain
    assert idx.account_id[idx.ultimate[1]] == "A1"  # subsidiary -> parent
    assert idx.ultimate[0] == 0
    assert idx.norm[2] == "northwind analytics" and idx.compact[2] == "northwindanalytics"
    assert idx.country[1] == "germany"
    assert set(idx.blocks) == set(MappingParams().blocking)
    assert 5 in idx.blocks["prefix3"]["oak"] and 6 in idx.blocks["prefix3"]["oak"]


def test_index_parent_cycles_and_chains():
    acc = pd.DataFrame(
        {
            "account_id": ["a", "b", "c", "x", "y"],
            "name": ["A", "B", "C", "X", "Y"],
            "parent_account_id": ["b", "c", None, "y", "x"],  # chain a -> b -> c; cycle x <-> y
        }
    )
    idx = AccountIndex.build(acc)
    assert list(idx.account_id[idx.ultimate[:3]]) == ["c", "c", "c"]
    assert set(idx.ultimate[3:]) <= {3, 4}


def test_index_blank_key_is_an_error():
    with pytest.raises(ABMDataError, match="blank"):
        AccountIndex.build(pd.DataFrame({"account_id": ["A1", None], "name": ["Acme", "Beta"]}))


def test_block_keys():
    compact = np.array(["bluepeak", "bulepeak", "ab", ""], dtype=object)
    assert block_keys(compact, "prefix3").tolist() == ["blu", "bul", "ab", ""]
    assert block_keys(compact, "first_char_sorted3").tolist() == ["belu", "belu", "ab", ""]
    norm = np.array(["blue peak", "blu peak", "ab", ""], dtype=object)
    assert block_keys(compact, "last_token", norm).tolist() == ["peak", "peak", "ab", ""]
    with pytest.raises(ValueError):
        block_keys(compact, "soundex")


def test_index_reuse_gives_same_answer(world, world_result):
    idx = AccountIndex.build(world.tables["accounts"])
    again = map_contacts(world.tables["contacts"], world.tables["accounts"], index=idx)
    pd.testing.assert_series_equal(again.table["account_id"], world_result.table["account_id"])
    assert np.array_equal(again.table["status"].to_numpy(), world_result.table["status"].to_numpy())
