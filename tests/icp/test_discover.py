"""ICP discovery workflow: fit scores, model comparison, the rules-only fallback and the results object."""

from __future__ import annotations

import numpy as np

from abm_lab import icp
from abm_lab.artefacts.summaries import IcpSummary
from abm_lab.config.icp import IcpParams
from abm_lab.results import Results, Summary

SEED = 42


def test_fit_scores_cover_every_account_once(result, world):
    fs = result.fit_scores
    acc = world.tables["accounts"]
    assert list(fs.columns) == ["account_id", "fit_prob", "fit_score"]
    assert len(fs) == len(acc) and fs["account_id"].is_unique
    assert set(fs["account_id"]) == set(acc["account_id"])
    assert fs["fit_score"].between(0, 100).all() and fs["fit_score"].max() == 100
    assert fs["fit_prob"].between(0, 1).all()
    # the score orders accounts like the calibrated probability
    assert (np.diff(fs.sort_values("fit_score")["fit_prob"].to_numpy()) >= -1e-12).all()


def test_both_models_cross_validated(result):
    assert result.has_model and set(result.models) == {"logit", "gbm"}
    cv = result.cv_table.set_index("model")
    assert (cv["folds"] == 5).all()
    assert (cv["cv_auc"] > 0.7).all()
    assert result.chosen == cv["cv_auc"].idxmax()  # 'auto'
    assert result.chosen_model is result.models[result.chosen]


def test_few_customers_falls_back_to_rules(world):
    acc = world.tables["accounts"].iloc[:700]
    res = icp.discover(acc, world.tables["opportunities"], IcpParams(), seed=SEED)
    assert int(res.y.sum()) < 200 and not res.has_model and res.chosen is None
    assert any("min_customers" in n for n in res.notes)
    assert len(res.fit_scores) == 700 and res.fit_scores["account_id"].is_unique
    assert res.headline()["model"].startswith("none")


def test_headline_matches_the_summary_model_and_summary_is_a_summary(result):
    h = result.headline()
    IcpSummary.model_validate(h)  # what notebook 01 writes to summary_icp.json
    assert h["accounts"] == len(result.y) and h["model"] == result.chosen and h["icp_rule"] == result.rules.describe()
    assert isinstance(result, Results)
    s = result.summary()
    assert isinstance(s, Summary) and result.rules.describe() in s.as_text()
    assert s.table.loc["model", "value"] == result.chosen
    assert "<table" in s._repr_html_()
