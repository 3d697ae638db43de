"""grade_accounts: rules as the score source, clear errors for missing scores, the results object."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab import grading
from abm_lab.artefacts.summaries import GradingSummary
from abm_lab.config.grading import GradingParams
from abm_lab.errors import ABMDataError
from abm_lab.results import Results, Summary

SEED = 42


def test_rules_as_score_source(world, icp_result):
    p = GradingParams(score_source="rules")
    gr = grading.grade_accounts(
        world.tables["accounts"], world.tables["opportunities"], None, p, rules=icp_result.rules, seed=SEED
    )
    k = len(icp_result.rules.conditions)
    assert set(np.round(gr.grades["fit_score"] * k / 100).astype(int)) <= set(range(k + 1))
    a = gr.rates.set_index("grade")
    assert a.loc["A", "customer_rate"] > a.loc["F", "customer_rate"]
    with pytest.raises(ABMDataError, match="no icp.yaml rules"):
        grading.grade_accounts(world.tables["accounts"], None, None, p)


def test_missing_scores_are_a_clear_error(world, icp_result):
    fs = icp_result.fit_scores.iloc[10:]
    with pytest.raises(ABMDataError, match="10 account\\(s\\) have no fit score"):
        grading.grade_accounts(world.tables["accounts"], None, fs, GradingParams())


def test_headline_matches_the_summary_model_and_summary_is_a_summary(result):
    h = result.headline()
    GradingSummary.model_validate(h)  # what notebook 02 writes to summary_grading.json
    assert h["accounts"] == 2000 and sum(h["grade_counts"].values()) == 2000
    assert h["target_accounts"] == int(result.grades["is_target"].sum()) == h["linkedin_rows"]
    assert isinstance(result, Results)
    s = result.summary()
    assert isinstance(s, Summary) and s.table["accounts"].sum() == 2000 and "Account grading" in s.as_text()


def test_score_origin_names_the_model(world, icp_result):
    gr = grading.grade_accounts(world.tables["accounts"], None, icp_result.fit_scores, score_origin="logit")
    assert gr.score_source == "fit score of notebook 01 (logistic-regression lookalike model)"
    gr = grading.grade_accounts(world.tables["accounts"], None, icp_result.fit_scores, score_origin="none (rules)")
    assert gr.score_source == "ICP rule score of notebook 01 (no model)"


# ---- the "opportunity rate falls by grade" check uses pre-programme opportunities (issue 15, item 9) ----------

START = pd.Timestamp("2026-01-01")
PRE_RATE = {"A": 0.05, "B": 0.12, "C": 0.11, "D": 0.10, "E": 0.09, "F": 0.08}


def _programme_only_world(world, icp_result):
    """Before the programme, prospects' opportunity rates fall from B (12%) to F (8%) but grade A is the worst
    (5%): the grades are wrong at the top. A programme then targets grade A and gives every one of its targets an
    opportunity after the start. Only the programme can make the rate fall from A to F."""
    acc = world.tables["accounts"]
    g = pd.DataFrame(
        {
            "account_id": acc["account_id"].astype(str).to_numpy(),
            "grade": grading.assign_grades(
                icp_result.fit_scores.set_index("account_id").loc[acc["account_id"]]["fit_score"].to_numpy()
            ),
            "customer": acc["is_customer"].astype("boolean").fillna(False).to_numpy(dtype=bool),
        }
    )
    rows = []
    for grade, d in g[~g["customer"]].groupby("grade"):
        share = PRE_RATE[grade]
        for a in d["account_id"].iloc[: int(round(share * len(d)))]:
            rows.append((a, START - pd.Timedelta(days=90)))
    targets = g.loc[(g["grade"] == "A") & ~g["customer"], "account_id"]
    rows += [(a, START + pd.Timedelta(days=60)) for a in targets]
    opp = pd.DataFrame(rows, columns=["account_id", "created_date"])
    opp["opportunity_id"] = [f"O{i}" for i in range(len(opp))]
    opp["is_won"], opp["close_date"] = False, pd.NaT
    programs = pd.DataFrame({"program_id": "ABM", "account_id": targets.to_numpy(), "start_date": START})
    return acc, opp, programs


def test_programme_alone_cannot_make_the_opportunity_rate_fall(world, icp_result):
    acc, opp, programs = _programme_only_world(world, icp_result)
    fs = icp_result.fit_scores
    # counting every opportunity (the check before issue 15): the programme's own opportunities make it pass
    before = grading.grade_accounts(acc, opp, fs, seed=SEED)
    assert before.headline()["monotone_opportunity_rate"] is True
    assert before.opportunity_cutoff is None
    # pre-programme opportunities only: grade A (5%) is below B (12%), so the check fails, as it should
    after = grading.grade_accounts(acc, opp, fs, seed=SEED, programs=programs)
    h = after.headline()
    assert after.opportunity_cutoff == START and h["monotone_opportunity_rate"] is False
    r = after.rates.set_index("grade")
    for grade, rate in PRE_RATE.items():
        assert r.loc[grade, "opportunity_rate"] == pytest.approx(rate, abs=0.005)
    assert any("before the programme's first start (2026-01-01)" in n for n in after.notes)
    # the grades keep both views of an account's opportunities
    gr = after.grades
    assert (gr["has_opportunity"] <= gr["has_any_opportunity"]).all()
    assert gr.loc[gr["account_id"].isin(programs["account_id"]), "has_any_opportunity"].all()


def test_no_pre_programme_opportunity_is_nothing_to_check(world, icp_result):
    acc, opp, programs = _programme_only_world(world, icp_result)
    late = opp[opp["created_date"] > START]
    gr = grading.grade_accounts(acc, late, icp_result.fit_scores, seed=SEED, programs=programs)
    assert gr.headline()["monotone_opportunity_rate"] is None  # not a vacuous "falls at every grade"
    assert any("cannot be checked" in n for n in gr.notes)


def test_accounts_won_after_the_start_are_prospects_at_the_start(world, icp_result):
    """The programme's wins leave the non-customers at as_of; at the start they were prospects, and count."""
    acc = world.tables["accounts"].copy()
    acc["is_customer"] = False
    won_id = str(acc["account_id"].iloc[0])
    acc.loc[acc.index[0], "is_customer"] = True
    opp = pd.DataFrame(
        {
            "opportunity_id": ["O1"],
            "account_id": [won_id],
            "created_date": [START - pd.Timedelta(days=30)],
            "is_won": [True],
            "close_date": [START + pd.Timedelta(days=30)],
        }
    )
    programs = pd.DataFrame({"program_id": ["ABM"], "account_id": [won_id], "start_date": [START]})
    base, has, cutoff, _ = grading.workflow.pre_programme_opportunities(acc, opp, programs)
    assert cutoff == START and bool(base.iloc[0]) and bool(has.iloc[0]) and base.all() and has.sum() == 1
    opp["close_date"] = START - pd.Timedelta(days=1)  # won before the start: a customer then, not counted
    base, _, _, _ = grading.workflow.pre_programme_opportunities(acc, opp, programs)
    assert not bool(base.iloc[0])
