"""Target list and tiers: strategic = highest fit x value, ABM-lite clustered, programmatic the rest."""

from __future__ import annotations

from abm_lab.config.grading import GradingParams


def test_target_list_and_tiers(result):
    g = result.grades
    p = GradingParams()
    assert len(g) == 2000 and g["account_id"].is_unique
    tg = g[g["is_target"]]
    assert tg["grade"].isin(p.target_grades).all() and not tg["is_customer"].any()
    assert (g.loc[~g["is_target"], "tier"] == "none").all()
    counts = g["tier"].value_counts()
    assert counts["strategic"] == p.strategic_n and counts["abm_lite"] == p.abm_lite_n
    assert counts["programmatic"] == len(tg) - p.strategic_n - p.abm_lite_n
    # strategic = highest fit x value among targets
    pr = tg.groupby("tier")["priority"]
    assert pr.min()["strategic"] >= pr.max()["abm_lite"] >= pr.min()["abm_lite"] >= pr.max()["programmatic"]
    lite = g[g["tier"] == "abm_lite"]
    assert lite["cluster"].nunique() == p.n_clusters and (lite["cluster"] >= 0).all()
    assert (lite["cluster_label"].str.len() > 0).all()
    assert (g.loc[g["tier"] != "abm_lite", "cluster"] == -1).all()
