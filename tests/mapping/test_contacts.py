"""Mapping contacts and leads (abm_lab.mapping.contacts): hand-made cases, one per cascade rule."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config import load_params
from abm_lab.config.mapping import MappingParams
from abm_lab.errors import ABMDataError, ABMParamsError
from abm_lab.mapping import STATUSES, map_contacts
from abm_lab.results import Summary


def row(res, cid):
    t = res.table
    return t[t["contact_id"] == cid].iloc[0]


@pytest.mark.parametrize(
    "cid, status, account, method",
    [
        ("c1", "matched", "A1", "email_domain"),
        ("c2", "matched", "A2", "email_domain"),
        ("c3", "matched", "A3", "email_domain"),
        ("c4", "matched", "A3", "website"),
        ("c5", "matched", "A3", "exact_name"),
        ("c6", "matched", "A3", "fuzzy_name"),
        ("c7", "unmatched", None, None),
        ("c8", "unmatched", None, None),
        ("c9", "ambiguous", None, "email_domain"),
        ("c10", "matched", "A4", "email_domain"),
        ("c11", "unmatched", None, None),
        ("c12", "matched", "A3", "crm_link"),
        ("c13", "matched", "A7", "fuzzy_name"),
        ("c14", "unmatched", None, None),
    ],
)
def test_cascade_cases(small, cid, status, account, method):
    r = row(small, cid)
    assert r["status"] == status
    assert (None if pd.isna(r["account_id"]) else r["account_id"]) == account
    assert (None if pd.isna(r["match_method"]) else r["match_method"]) == method


def test_reasons_candidates_and_confidence(small):
    assert row(small, "c7")["reason"] == "free-mail address only"
    assert row(small, "c8")["reason"] == "no company, e-mail or website"
    assert row(small, "c11")["reason"] in ("no similar account name", "no name candidate above threshold")
    assert row(small, "c14")["reason"] == "e-mail/website domain not in accounts, no company name"
    c9 = row(small, "c9")
    assert c9["n_candidates"] == 2 and "A4" in c9["candidates"] and "A5" in c9["candidates"]
    assert row(small, "c10")["tie_break"] == "country"
    assert row(small, "c12")["match_confidence"] == 1.0
    m = small.matched
    assert m["match_confidence"].between(0, 1).all()
    assert (m.loc[m["match_method"] == "fuzzy_name", "match_confidence"] < 0.95).all()
    assert small.ambiguous["contact_id"].tolist() == ["c9"]
    assert set(small.unmatched["contact_id"]) == {"c7", "c8", "c11", "c14"}


def test_every_row_in_exactly_one_queue(small, leads):
    c = small.counts()
    assert sum(c.values()) == len(leads)
    assert small.table["contact_id"].tolist() == leads["contact_id"].tolist()
    assert small.table["status"].isin(STATUSES).all()
    parts = [small.matched["contact_id"], small.ambiguous["contact_id"], small.unmatched["contact_id"]]
    assert sorted(pd.concat(parts)) == sorted(leads["contact_id"])
    rates = small.match_rates()
    assert rates.loc[rates["source"] == "all", "n"].sum() == len(leads)
    assert "Lead-to-account mapping" in small.summary().as_text()


def test_summary_is_a_summary_object(small):
    s = small.summary()
    assert isinstance(s, Summary)
    status = s.table
    assert status["rows"].sum() == len(small.table) and list(status.index) == list(STATUSES)
    assert s.table_titles[1] == "matched by method" and s.tables[1]["n"].sum() == small.counts()["matched"]
    assert "free-mail address only" in s.as_text()
    assert "<h4>Lead-to-account mapping</h4>" in s.as_html() and small._repr_html_() == s.as_html()
    assert small.unmatched_reasons().sum() == small.counts()["unmatched"]


def test_step_timings_are_recorded_in_memory_only(small):
    steps = ["index", "prepare", "crm_link", "domains", "normalise_names", "exact_name", "fuzzy_name", "assemble"]
    assert list(small.timings) == steps
    assert all(v >= 0 for v in small.timings.values())
    assert not any("second" in c or "time" in c for c in small.table.columns)


def test_freemail_domain_never_matches_an_account(accounts, lead):
    acc = pd.concat(
        [accounts, pd.DataFrame({"account_id": ["G"], "name": ["Gmail Fans Club"], "domain": ["gmail.com"]})],
        ignore_index=True,
    )
    res = map_contacts(pd.DataFrame([lead(contact_id="x", email="someone@gmail.com")]), acc)
    assert res.table["status"].iloc[0] == "unmatched"


def test_rollup_to_parent(leads, accounts):
    res = map_contacts(leads, accounts, MappingParams(rollup_to_parent=True))
    r = row(res, "c2")
    assert r["matched_account_id"] == "A2" and r["account_id"] == "A1"


def test_steps_can_be_switched_off(leads, accounts):
    res = map_contacts(leads, accounts, MappingParams(use_fuzzy_name=False, use_crm_link=False))
    assert row(res, "c6")["status"] == "unmatched"
    assert row(res, "c12")["status"] == "unmatched"  # free-mail e-mail, no name: nothing left


def test_partial_confidence_keeps_the_other_defaults(leads, accounts):
    """A params file names only the confidences it changes; the other methods keep their defaults."""
    p = MappingParams(confidence={"fuzzy_name": 0.8})
    assert p.confidence["crm_link"] == 1.0 and p.confidence["email_domain"] == 0.99
    res = map_contacts(leads, accounts, p)
    assert row(res, "c12")["match_confidence"] == 1.0
    assert row(res, "c1")["match_confidence"] == 0.99
    assert row(res, "c6")["match_confidence"] < 0.8


def test_bad_input_and_params(leads, accounts):
    with pytest.raises(ABMDataError, match="contact_id"):
        map_contacts(leads.drop(columns="contact_id"), accounts)
    with pytest.raises(ABMDataError, match="name"):
        map_contacts(leads, accounts.drop(columns="name"))
    with pytest.raises(ABMParamsError, match="committee role names must be unique"):
        load_params(
            overrides={
                "mapping": {"committee": [{"name": "a", "functions": ["it"]}, {"name": "a", "functions": ["hr"]}]}
            }
        )
    with pytest.raises(ABMParamsError, match="unknown job function"):
        load_params(overrides={"mapping": {"committee": [{"name": "a", "functions": ["wizardry"]}]}})
    with pytest.raises(ABMParamsError):
        load_params(overrides={"mapping": {"fuzzy_threshold": 120}})
    with pytest.raises(ABMParamsError, match="between 0 and 1"):
        load_params(overrides={"mapping": {"confidence": {"website": 1.5}}})


def test_world_counts_reconcile(world, world_result):
    c = world_result.counts()
    assert sum(c.values()) == len(world.tables["contacts"])
    assert world_result.table["contact_id"].is_unique


def test_edge_cases_empty_and_minimal_columns():
    acc = pd.DataFrame({"account_id": ["A1"], "name": ["Acme Inc"]})  # no domain columns at all
    empty = map_contacts(pd.DataFrame({"contact_id": pd.Series([], dtype="string")}), acc)
    assert empty.counts() == {"matched": 0, "ambiguous": 0, "unmatched": 0}
    res = map_contacts(
        pd.DataFrame(
            {
                "contact_id": ["c1", "c2", "c3"],
                "company_name": ["ACME", None, "  "],
                "email": [None, "x@acme.com", None],
            }
        ),
        acc,
    )
    assert res.table["status"].tolist() == ["matched", "unmatched", "unmatched"]
    assert res.table["reason"].tolist()[1:] == [
        "e-mail/website domain not in accounts, no company name",
        "no company, e-mail or website",
    ]
