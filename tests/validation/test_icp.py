"""ICP against the synthetic world's truth: rank correlation, AUC against the oracle, recovered drivers."""

from __future__ import annotations

import pytest

from abm_lab.artefacts.summaries import IcpSummary
from abm_lab.validation.icp import driver_recovery, driver_table, truth_check, truth_headline

# Thresholds measured on 2,000-account worlds (world seeds 7-10, model seed 42): Spearman with the true
# fit 0.930-0.958, AUC for customers 0.754-0.791 (oracle 0.770-0.806, gap <= 0.022), AUC for the true
# top-20% 0.969-0.983; the top-3 true drivers ranked within the top 5 attributes (of 11) by both models.
# Set with a safety margin below the worst seed.
MIN_SPEARMAN = 0.88
MIN_AUC_CUSTOMERS = 0.72
MAX_AUC_GAP_TO_ORACLE = 0.05
MIN_AUC_TRUE_TOP = 0.93
TOP_K_ATTRIBUTES = 5


def test_truth_recovery_rank_correlation_and_auc(icp_discovery, icp_world):
    chk = truth_check(icp_discovery.fit_scores, icp_world.truth["accounts"])
    assert chk["spearman"] >= MIN_SPEARMAN, chk
    assert chk["auc_customers"] >= MIN_AUC_CUSTOMERS, chk
    assert chk["auc_customers_oracle"] - chk["auc_customers"] <= MAX_AUC_GAP_TO_ORACLE, chk
    assert chk["auc_true_top"] >= MIN_AUC_TRUE_TOP, chk


@pytest.mark.parametrize("kind", ["logit", "gbm"])
def test_truth_recovery_top_drivers(icp_discovery, icp_world, kind):
    result, world = icp_discovery, icp_world
    imp = result.models[kind].feature_importance(result.features, 1000, by="attribute")
    rec = driver_recovery(imp, world.truth_meta, k=TOP_K_ATTRIBUTES, top_true=3)
    top3 = rec[rec["top_true"]]
    assert top3["driver"].tolist() == world.truth_meta["fit_drivers"][:3]
    assert top3["in_top_k"].all(), rec[["driver", "model_feature", "model_rank"]]
    # attributes outside the true fit are never among the top ones
    assert not {"founded_band", "tech_bi", "tech_erp"} & set(imp.index[:TOP_K_ATTRIBUTES])


def test_truth_headline_completes_the_icp_summary(icp_discovery, icp_world):
    chk = truth_check(icp_discovery.fit_scores, icp_world.truth["accounts"])
    h = truth_headline(chk)
    assert set(h) == {f"truth_{k}" for k in chk} and h["truth_accounts"] == len(icp_world.tables["accounts"])
    assert h["truth_spearman"] == round(chk["spearman"], 4)
    IcpSummary.model_validate(icp_discovery.headline() | h)
    assert truth_headline(None) == {}


def test_driver_table_ranks_the_true_drivers_of_the_chosen_model(icp_discovery, icp_world):
    t = driver_table(icp_discovery, icp_world.truth_meta)
    assert list(t.columns) == ["true_rank", "driver", "true_coef", "model_feature", "model_rank"]
    assert t["driver"].tolist() == icp_world.truth_meta["fit_drivers"]
    assert (t["model_rank"].head(3) <= TOP_K_ATTRIBUTES).all()
