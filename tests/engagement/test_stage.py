"""Notebook 04 as one call: reads the upstream artefacts, writes the scores and the typed summary."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
import pytest

from abm_lab import engagement as E
from abm_lab.artefacts.summaries import EngagementSummary
from abm_lab.results import Summary


@dataclass
class _Lead:
    """Stand-in for the X Education result (only what the engagement summary reads)."""

    n_test: int = 2772

    def auc(self, name: str = "gbm") -> float:
        return {"gbm": 0.89301, "logistic": 0.88071}[name]


@pytest.fixture(scope="module")
def stage(tmp_path_factory, world, upstream):
    from abm_lab.config import load_params
    from abm_lab.pipeline import RunContext

    p = load_params(overrides={"run": {"as_of": "2026-12-31"}, "engagement": {"n_bootstrap": 20}})
    ctx = RunContext.from_dataset(p, world[0], tmp_path_factory.mktemp("stage") / "run")
    upstream(ctx)
    return ctx, E.run_engagement(ctx)


def test_run_writes_scores_and_summary(stage):
    ctx, run = stage
    export = run.save(ctx, _Lead())
    back = pd.read_csv(ctx.path("engagement_scores"))
    assert len(back) == len(export) == len(run.scored.scores)
    assert back["probability"].tolist() == export["probability"].tolist()
    data = json.loads(ctx.path("summary_engagement").read_text())
    assert set(data) <= set(EngagementSummary.model_fields)
    # the report reads these keys by name; the truth ceilings are there on the synthetic world
    for key in ("auc_gbm", "auc_points", "auc_logistic", "auc_oracle", "auc_nowcast", "x_education_auc_gbm"):
        assert key in data, key
    assert data["x_education_auc_gbm"] == 0.893 and data["as_of"] == "2026-12-31"
    assert data["accounts_scored"] == len(run.scored.scores) and data["auc_gbm"] == round(run.result.auc("gbm"), 4)
    typed = ctx.load_summary("engagement")
    assert isinstance(typed, EngagementSummary) and typed.auc_gbm == data["auc_gbm"]
    run.save_summary(ctx)  # without the X Education result its AUCs are left out
    assert "x_education_auc_gbm" not in json.loads(ctx.path("summary_engagement").read_text())


def test_run_summary_and_text(stage):
    _, run = stage
    s = run.summary()
    assert isinstance(s, Summary) and "Headline figures" in s.table_titles
    assert s.table.loc["auc_gbm", "value"] == run.summary_values().auc_gbm
    assert run.as_of == pd.Timestamp("2026-12-31")
    text = E.executive_summary(run)
    assert f"{len(run.scored.scores):,} accounts" in text and "oracle" in text
    note = E.closing_note(run, _Lead())
    assert "SHAP additivity" in note and "X Education" in note and "Oracle minus GBM" in note
    assert "Calibration of the deployed scorer" in note
    acct = run.accounting.set_index("item")["rows"]
    assert acct["touchpoints"] == len(run.inputs.touchpoints)
