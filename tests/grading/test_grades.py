"""Grades A–F at the cut-offs, and customer and (pre-programme) opportunity rates that fall from A to F."""

from __future__ import annotations

import numpy as np
import pandas as pd

from abm_lab import grading


def test_assign_grades_at_cutoffs():
    cut = {"A": 92, "B": 80, "C": 65, "D": 45, "E": 25}
    s = [100, 92, 91.99, 80, 65, 64.9, 45, 25, 24.9, 0]
    assert list(grading.assign_grades(s, cut)) == ["A", "A", "B", "B", "C", "D", "D", "E", "F", "F"]


def test_assign_grades_quantile_mode():
    s = np.arange(1, 101, dtype=float)  # 1..100
    g = grading.assign_grades(s, {"A": 90, "B": 70, "C": 50, "D": 30, "E": 10}, mode="quantile")
    counts = pd.Series(g).value_counts()
    assert counts["A"] == 10 and counts["B"] == 20 and counts["F"] == 10


def test_customer_and_opportunity_rates_fall_from_A_to_F(result):
    r = result.rates
    assert r["grade"].tolist() == list("ABCDEF")
    assert r["accounts"].sum() == 2000
    assert grading.monotone_decreasing(r["customer_rate"], strict=True), r[["grade", "customer_rate"]]
    # opportunities are rarer and noisier: exactly monotone on this world; across world seeds 7-10 a
    # rise between neighbouring grades never exceeded 0.032, so allow 0.05 of sampling noise
    opp = r["opportunity_rate"].to_numpy()
    assert (np.diff(opp) <= 0.05).all(), r[["grade", "opportunity_rate"]]
    assert opp[0] > opp[2] > opp[-1]
    # and the gap is material, with intervals that do not overlap between A and F
    assert r.iloc[0]["customer_rate_lo"] > r.iloc[-1]["customer_rate_hi"]
    assert r.iloc[0]["opportunity_rate_lo"] > r.iloc[-1]["opportunity_rate_hi"]


def test_monotone_ignores_missing_grades():
    assert grading.monotone_decreasing([0.5, float("nan"), 0.2, 0.2])
    assert not grading.monotone_decreasing([0.5, 0.2, 0.2], strict=True)


def test_pre_programme_opportunity_rate_still_falls_on_the_synthetic_world(world, icp_result):
    """On the synthetic world the grades are informative before the programme too: counting only opportunities
    created before its first start (the check of issue 15), the prospects' rate falls at every grade and the
    A and F intervals do not overlap."""
    gr = grading.grade_accounts(
        world.tables["accounts"],
        world.tables["opportunities"],
        icp_result.fit_scores,
        seed=42,
        programs=world.tables["programs"],
    )
    assert gr.opportunity_cutoff == world.tables["programs"]["start_date"].min()
    r = gr.rates
    assert grading.monotone_decreasing(r["opportunity_rate"], strict=True), r[["grade", "opportunity_rate"]]
    assert r.iloc[0]["opportunity_rate_lo"] > r.iloc[-1]["opportunity_rate_hi"]
    assert gr.headline()["monotone_opportunity_rate"] is True
    # fewer opportunities count than with every opportunity up to as_of
    assert r["with_opportunity"].sum() < gr.grades["has_any_opportunity"].sum()
