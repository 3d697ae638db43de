"""Job titles -> personas, and buying-committee coverage (abm_lab.mapping.personas)."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config.mapping import CommitteeRole, MappingParams
from abm_lab.mapping.personas import (
    committee_coverage,
    committee_flags,
    coverage_by_tier,
    parse_title,
    parse_titles,
    persona_involvement,
)

TITLES = [  # (title as typed, function, seniority)
    ("VP, Mktg Ops", "marketing", "vp"),
    ("Chief Revenue Officer", "sales", "c_level"),
    ("Head of IT & Security", "it", "director"),
    ("Sr. Dir. Demand Gen", "marketing", "director"),
    ("CFO", "finance", "c_level"),
    ("Founder & CEO", "executive", "c_level"),
    ("Co-Founder", "executive", "c_level"),
    ("Chief Executive Officer", "executive", "c_level"),
    ("President", "executive", "c_level"),
    ("Managing Director", "executive", "c_level"),
    ("Chief Marketing Officer", "marketing", "c_level"),
    ("CMO", "marketing", "c_level"),
    ("CTO", "it", "c_level"),
    ("Chief Information Security Officer", "it", "c_level"),
    ("CISO", "it", "c_level"),
    ("Chief Operating Officer", "operations", "c_level"),
    ("chief people officer", "hr", "c_level"),
    ("CHRO", "hr", "c_level"),
    ("General Counsel", "other", "c_level"),
    ("SVP Revenue", "sales", "vp"),
    ("EVP, Engineering", "it", "vp"),
    ("Vice President of Information Technology", "it", "vp"),
    ("VICE PRESIDENT, SALES", "sales", "vp"),
    ("Vice President, Finance", "finance", "vp"),
    ("Global Head of Data", "it", "director"),
    ("Director of Business Operations", "operations", "director"),
    ("Dir. FP&A", "finance", "director"),
    ("Procurement Director", "finance", "director"),
    ("Head of Growth", "marketing", "director"),
    ("Sr. Director, Product Marketing", "marketing", "director"),
    ("Director of People Operations", "hr", "director"),
    ("Sales Operations Manager", "sales", "manager"),
    ("Manager, Customer Success", "operations", "manager"),
    ("Team Lead, Customer Success", "operations", "manager"),
    ("Talent Acquisition Mgr", "hr", "manager"),
    ("IT Manager", "it", "manager"),
    ("Sr. Marketing Manager", "marketing", "manager"),
    ("Account Manager", "sales", "manager"),
    ("Partnerships Manager", "sales", "manager"),
    ("Marketing Executive", "marketing", "ic"),
    ("Account Executive", "sales", "ic"),
    ("Sr. Sales Rep", "sales", "ic"),
    ("SDR", "sales", "ic"),
    ("FP&A Analyst", "finance", "ic"),
    ("Senior Treasury Associate", "finance", "ic"),
    ("Software Engineer", "it", "ic"),
    ("Marketing Coordinator", "marketing", "ic"),
    ("People Operations Specialist", "hr", "ic"),
    ("Quality Coordinator", "other", "ic"),
    ("Legal Counsel", "other", "ic"),
    ("Supply Chain Analyst", "operations", "ic"),
    ("demand generation specialist", "marketing", "ic"),
]


@pytest.mark.parametrize("title, function, seniority", TITLES)
def test_parse_title_table(title, function, seniority):
    assert parse_title(title) == (function, seniority)


def test_title_table_is_large_and_blanks_are_none():
    assert len(TITLES) >= 40
    assert parse_title(None) == (None, None)
    assert parse_title("   ") == (None, None)
    out = parse_titles(pd.Series(["CFO", None, "cfo", "VP, Mktg Ops"]))
    assert out["persona_function"].tolist()[0] == "finance" and pd.isna(out["persona_function"].iloc[1])
    assert out["persona_seniority"].tolist()[3] == "vp"


def test_committee_flags():
    p = pd.DataFrame(
        {
            "persona_function": ["marketing", "marketing", "finance", "sales", "it"],
            "persona_seniority": ["director", "ic", "c_level", "vp", "c_level"],
        }
    )
    f = committee_flags(p, MappingParams().committee)
    assert f["role_marketing_leader"].tolist() == [True, False, False, False, False]
    assert f["role_executive"].tolist() == [False, False, True, False, True]  # any function from c_level
    assert f["role_finance"].tolist() == [False, False, True, False, False]
    assert f["is_key_persona"].tolist() == [True, False, True, True, True]


def _toy():
    accounts = pd.DataFrame({"account_id": ["A", "B", "C"]})
    cm = pd.DataFrame(
        {
            "contact_id": ["a1", "a2", "a3", "b1", "x"],
            "status": ["matched", "matched", "matched", "matched", "unmatched"],
            "account_id": ["A", "A", "A", "B", None],
            "persona_function": ["marketing", "sales", "finance", "it", "marketing"],
            "persona_seniority": ["vp", "director", "manager", "manager", "vp"],
        }
    )
    tp = pd.DataFrame(
        {
            "contact_id": ["a1", "a2", "b1", "b1"],
            "timestamp": pd.to_datetime(["2026-10-05", "2026-03-01", "2026-11-01", "2026-06-01"]),
        }
    )
    return accounts, cm, tp


def test_committee_coverage():
    accounts, cm, tp = _toy()
    params = MappingParams()
    cov = committee_coverage(cm, tp, accounts, params, "2026-10-01", "2026-12-31").set_index("account_id")
    assert cov.loc["A", "roles_known"] == 3 and cov.loc["A", "roles_engaged"] == 1
    assert cov.loc["A", "coverage_share"] == pytest.approx(3 / 5)
    assert bool(cov.loc["A", "engaged_marketing_leader"]) and not bool(cov.loc["A", "engaged_sales_leader"])
    assert cov.loc["B", "roles_known"] == 1 and cov.loc["B", "roles_engaged"] == 1
    assert cov.loc["C", "roles_known"] == 0 and cov.loc["C", "n_contacts"] == 0
    assert len(cov) == 3
    custom = MappingParams(committee=[CommitteeRole(name="finance", functions=["finance"], min_seniority="director")])
    cov2 = committee_coverage(cm, tp, accounts, custom, "2026-10-01", "2026-12-31").set_index("account_id")
    assert cov2.loc["A", "roles_known"] == 0  # the finance contact is only a manager


def test_persona_involvement():
    accounts, cm, tp = _toy()
    opps = pd.DataFrame(
        {
            "opportunity_id": ["o1", "o2", "o3"],
            "account_id": ["A", "B", "C"],
            "stage": ["closed_won", "closed_lost", "closed_lost"],
            "close_date": pd.to_datetime(["2026-10-10", "2026-10-10", "2026-10-10"]),
        }
    )
    inv = persona_involvement(opps, cm, tp, MappingParams(deal_lookback_days=365))
    won = inv[inv["outcome"] == "won"].set_index("seat")
    lost = inv[inv["outcome"] == "lost"].set_index("seat")
    assert won.loc["marketing_leader", "share"] == 1.0 and won.loc["sales_leader", "share"] == 1.0
    assert lost.loc["it", "deals"] == 2 and lost.loc["it", "deals_involved"] == 1  # B's June touch counts
    assert lost.loc["marketing_leader", "share"] == 0.0
    # touches after the close never count
    inv2 = persona_involvement(opps.assign(close_date=pd.to_datetime(["2026-01-01"] * 3)), cm, tp, MappingParams())
    assert inv2["deals_involved"].sum() == 0


def test_coverage_by_tier():
    accounts, cm, tp = _toy()
    cov = committee_coverage(cm, tp, accounts, MappingParams(), "2026-10-01", "2026-12-31")
    grades = pd.DataFrame({"account_id": ["A", "B"], "tier": ["strategic", "abm_lite"], "grade": ["A", "B"]})
    by_tier = coverage_by_tier(cov, grades)
    assert list(by_tier.columns) == ["coverage_share", "engaged_share"]
    assert by_tier.loc["strategic", "coverage_share"] == pytest.approx(3 / 5)
    assert by_tier.loc["none", "coverage_share"] == 0.0  # account C has no tier
    assert sorted(by_tier.index) == ["abm_lite", "none", "strategic"]
