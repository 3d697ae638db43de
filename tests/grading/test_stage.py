"""Notebook 02 as one call: grading.run reads notebook 01's artefacts through the run context."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab import grading, icp
from abm_lab.config import parse_params
from abm_lab.errors import ABMArtefactError
from abm_lab.pipeline import RunContext


def _ctx(world, tmp_path, **grading_params):
    return RunContext.from_dataset(parse_params({"run": {"seed": 42}, "grading": grading_params}), world, tmp_path)


def test_grading_without_fit_scores_names_notebook_01(world, tmp_path):
    with pytest.raises(ABMArtefactError, match="fit_scores.parquet.*01_icp_discovery") as e:
        grading.run(_ctx(world, tmp_path))
    assert "score_source: rules" in str(e.value) and e.value.artefact == "fit_scores"


def test_grading_on_rules_without_icp_yaml_names_notebook_01(world, tmp_path, icp_result):
    ctx = _ctx(world, tmp_path, score_source="rules")
    icp_result.fit_scores.to_parquet(ctx.path("fit_scores"), index=False)  # not what rules mode reads
    with pytest.raises(ABMArtefactError, match="icp.yaml.*01_icp_discovery"):
        grading.run(ctx)


def test_run_reads_scores_and_writes_the_exports(world, tmp_path, icp_result, result):
    ctx = _ctx(world, tmp_path)
    icp_result.fit_scores.to_parquet(ctx.path("fit_scores"), index=False)
    gr = grading.run(ctx)
    assert set(gr.paths) == set(grading.EXPORTS) and all(p.exists() for p in gr.paths.values())
    pd.testing.assert_frame_equal(ctx.load("account_grades"), result.account_grades())
    assert gr.score_source == "fit score of notebook 01"  # no summary_icp.json in this run folder


def test_run_on_rules(world, tmp_path, icp_result):
    ctx = _ctx(world, tmp_path, score_source="rules")
    icp.save_icp(icp_result.rules, ctx.path("icp_rules"))
    gr = grading.run(ctx)
    assert gr.score_source == "rules (icp.yaml)" and ctx.has("target_accounts")
