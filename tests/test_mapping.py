"""Lead-to-account cascade (abm_lab.mapping): hand-made cases and the synthetic world's truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.config import DemoParams, load_params
from abm_lab.config.mapping import MappingParams
from abm_lab.errors import ABMDataError, ABMParamsError
from abm_lab.mapping import (
    STATUSES,
    AccountIndex,
    evaluate_mapping,
    evaluate_touchpoints,
    map_contacts,
    map_touchpoints,
    touchpoint_match_rates,
)

ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["A1", "A2", "A3", "A4", "A5", "A6", "A7"],
        "name": [
            "Bluepeak Software Inc.",
            "Bluepeak Software Germany GmbH",
            "Northwind Analytics LLC",
            "Cedar Health Ltd",
            "Cedar Health Inc",
            "Oakio Data Corp.",
            "Oakix Data Corp.",
        ],
        "domain": [
            "bluepeaksoftware.com",
            "bluepeaksoftware.de",
            "northwind.co.uk",
            "cedarhealth.com",
            "cedarhealth.net",
            "oakiodata.com",
            "oakixdata.com",
        ],
        "website": ["https://www.bluepeaksoftware.com", None, "www.northwind.co.uk/", None, None, None, None],
        "alt_domains": ["bluepeak.io", None, "nw-analytics.com;northwind.io", "cedar.io", "cedar.io", None, None],
        "parent_account_id": [None, "A1", None, None, None, None, None],
        "country": [
            "United States",
            "Germany",
            "United Kingdom",
            "United Kingdom",
            "United States",
            "United States",
            "United States",
        ],
    }
)


def lead(**kw):
    base = {
        "contact_id": None,
        "email": None,
        "company_name": None,
        "website": None,
        "country": None,
        "account_id": None,
        "source": "web_form",
        "record_type": "lead",
    }
    base.update(kw)
    return base


LEADS = pd.DataFrame(
    [
        lead(contact_id="c1", email="ann@bluepeaksoftware.com"),  # email domain
        lead(contact_id="c2", email="bob@mail.eu.bluepeaksoftware.de"),  # sub-domain -> subsidiary
        lead(contact_id="c3", email="cy@nw-analytics.com"),  # alternative domain
        lead(contact_id="c4", email="dee@gmail.com", website="http://northwind.co.uk/contact"),  # website
        lead(contact_id="c5", email="eve@yahoo.com", company_name="NORTHWIND ANALYTICS, L.L.C."),  # exact name
        lead(contact_id="c6", company_name="Nortwhind Analytics"),  # fuzzy (transposition)
        lead(contact_id="c7", email="fay@gmail.com"),  # free-mail only
        lead(contact_id="c8"),  # nothing at all
        lead(contact_id="c9", email="gus@cedar.io"),  # shared alt domain, no other hint
        lead(contact_id="c10", email="hal@cedar.io", country="United Kingdom"),  # shared domain, country decides
        lead(contact_id="c11", company_name="Zyxw Quantum Holdings"),  # no similar account
        lead(contact_id="c12", account_id="A3", email="ivy@gmail.com", record_type="contact"),  # CRM link
        lead(contact_id="c13", company_name="Oakxi Data"),  # typo between two accounts
        lead(contact_id="c14", email="jo@unknown-corp.com"),  # domain not in accounts
    ]
)


@pytest.fixture(scope="module")
def small():
    return map_contacts(LEADS, ACCOUNTS, MappingParams())


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


def test_every_row_in_exactly_one_queue(small):
    c = small.counts()
    assert sum(c.values()) == len(LEADS)
    assert small.table["contact_id"].tolist() == LEADS["contact_id"].tolist()
    assert small.table["status"].isin(STATUSES).all()
    parts = [small.matched["contact_id"], small.ambiguous["contact_id"], small.unmatched["contact_id"]]
    assert sorted(pd.concat(parts)) == sorted(LEADS["contact_id"])
    rates = small.match_rates()
    assert rates.loc[rates["source"] == "all", "n"].sum() == len(LEADS)
    assert "Lead-to-account mapping" in small.summary()


def test_freemail_domain_never_matches_an_account():
    acc = pd.concat(
        [ACCOUNTS, pd.DataFrame({"account_id": ["G"], "name": ["Gmail Fans Club"], "domain": ["gmail.com"]})],
        ignore_index=True,
    )
    res = map_contacts(pd.DataFrame([lead(contact_id="x", email="someone@gmail.com")]), acc)
    assert res.table["status"].iloc[0] == "unmatched"


def test_rollup_to_parent():
    res = map_contacts(LEADS, ACCOUNTS, MappingParams(rollup_to_parent=True))
    r = row(res, "c2")
    assert r["matched_account_id"] == "A2" and r["account_id"] == "A1"


def test_steps_can_be_switched_off():
    res = map_contacts(LEADS, ACCOUNTS, MappingParams(use_fuzzy_name=False, use_crm_link=False))
    assert row(res, "c6")["status"] == "unmatched"
    assert row(res, "c12")["status"] == "unmatched"  # free-mail e-mail, no name: nothing left


def test_bad_input_and_params():
    with pytest.raises(ABMDataError, match="contact_id"):
        map_contacts(LEADS.drop(columns="contact_id"), ACCOUNTS)
    with pytest.raises(ABMDataError, match="name"):
        map_contacts(LEADS, ACCOUNTS.drop(columns="name"))
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


def test_touchpoints_small(small):
    tp = pd.DataFrame(
        {
            "touchpoint_id": ["t1", "t2", "t3", "t4", "t5", "t6", "t7"],
            "timestamp": pd.to_datetime(["2026-10-01"] * 7),
            "contact_id": ["c1", "c9", "c7", None, None, None, "zz"],
            "visitor_domain": [None, None, None, "www.northwind.co.uk", "gmail.com", None, None],
            "account_id": [None] * 7,
        }
    )
    out = map_touchpoints(tp, small, ACCOUNTS)
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


# --------------------------------------------------------------------------- synthetic world (truth known)


@pytest.fixture(scope="module")
def world():
    from abm_lab.synth import world_dataset

    return world_dataset(DemoParams(n_accounts=600, n_contacts=5000, n_touchpoints=60000))


@pytest.fixture(scope="module")
def world_result(world):
    return map_contacts(world.tables["contacts"], world.tables["accounts"], MappingParams())


def test_world_precision_and_recall(world, world_result):
    ev = evaluate_mapping(world_result, world.truth["contacts"])
    print("\n" + ev.to_string())
    allrow = ev.loc["all"]
    assert allrow["precision"] >= 0.99
    assert allrow["recall_identifiable"] >= 0.97
    # every method that matched something is itself precise
    for meth, r in ev.drop(index="all").iterrows():
        assert r["precision"] >= 0.97, meth
    assert {"crm_link", "email_domain", "exact_name", "fuzzy_name"} <= set(ev.index)
    # recall over all leads is bounded by the leads the data cannot identify (free-mail, nothing else)
    n_ident = ev.attrs["n_identifiable"]
    assert allrow["recall"] <= n_ident / allrow["rows"] + 1e-9
    assert allrow["recall"] >= 0.97 * n_ident / allrow["rows"]


def test_world_counts_reconcile(world, world_result):
    c = world_result.counts()
    assert sum(c.values()) == len(world.tables["contacts"])
    assert world_result.table["contact_id"].is_unique


def test_world_touchpoints(world, world_result):
    tp = map_touchpoints(world.tables["touchpoints"], world_result, world.tables["accounts"])
    assert len(tp) == len(world.tables["touchpoints"])
    assert tp["touchpoint_id"].tolist() == world.tables["touchpoints"]["touchpoint_id"].tolist()
    ev = evaluate_touchpoints(tp, world.truth["touchpoints"])
    print("\n" + ev.to_string())
    assert ev.loc["all", "precision"] >= 0.99
    assert ev.loc["reverse_ip_domain", "precision"] >= 0.99
    anon = tp["contact_id"].isna()
    assert (tp.loc[anon, "status"] == "matched").mean() >= 0.97


def test_index_reuse_gives_same_answer(world, world_result):
    idx = AccountIndex.build(world.tables["accounts"])
    again = map_contacts(world.tables["contacts"], world.tables["accounts"], index=idx)
    pd.testing.assert_series_equal(again.table["account_id"], world_result.table["account_id"])
    assert np.array_equal(again.table["status"].to_numpy(), world_result.table["status"].to_numpy())


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


def test_match_explorer_widget_updates(small):
    from abm_lab.mapping import match_explorer

    w = match_explorer(small)
    dd, sl = w.children[0].children
    html = w.children[1]
    assert "14 rows" in html.value and "0 matches below" in html.value
    sl.value = 0.99
    assert "matches below confidence 0.99" in html.value and "0 matches below" not in html.value
    dd.value = "web_form"
    assert "rows" in html.value and "@" not in html.value


def test_denser_world_precision_and_recall():
    """More accounts per name stem (4,000 accounts): duplicate names and shared domains appear."""
    from abm_lab.synth import generate_world

    w = generate_world(DemoParams(n_accounts=4000, n_contacts=30000, n_touchpoints=2000, seed=11), "2026-12-31")
    res = map_contacts(w.tables["contacts"], w.tables["accounts"])
    ev = evaluate_mapping(res, w.truth["contacts"])
    print("\n" + ev.to_string())
    assert ev.loc["all", "precision"] >= 0.99 and ev.loc["all", "recall_identifiable"] >= 0.97
    assert ev.loc["all", "recall"] >= 0.97
    assert sum(res.counts().values()) == 30000
