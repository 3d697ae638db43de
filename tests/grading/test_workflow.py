"""grade_accounts: rules as the score source, clear errors for missing scores, the results object."""

from __future__ import annotations

import numpy as np
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
