"""Notebook 01 as one call: icp.run writes fit_scores.parquet and icp.yaml through the run context."""

from __future__ import annotations

import pandas as pd

from abm_lab import icp
from abm_lab.config import parse_params
from abm_lab.pipeline import RunContext


def test_run_writes_the_artefacts(small_dataset, tmp_path):
    ctx = RunContext.from_dataset(parse_params({}), small_dataset, tmp_path)
    res = icp.run(ctx)
    fs = ctx.load("fit_scores")
    pd.testing.assert_frame_equal(fs, res.fit_scores)
    assert len(fs) == len(small_dataset.tables["accounts"])
    rules = icp.IcpRules.from_dict(ctx.load("icp_rules"))
    assert rules.conditions == res.rules.conditions
    assert ctx.path("icp_rules").read_text().startswith(icp.rules.ICP_YAML_HEADER)
