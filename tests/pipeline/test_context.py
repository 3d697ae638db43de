"""RunContext: artefacts through the registry, clear errors for missing upstream artefacts, typed summaries."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from abm_lab.artefacts import GradingSummary
from abm_lab.config import Params
from abm_lab.errors import ABMArtefactError
from abm_lab.pipeline import RunContext


@pytest.fixture()
def ctx(tmp_path, small_dataset):
    return RunContext.from_dataset(Params(), small_dataset, tmp_path / "run")


def test_missing_upstream_artefact_names_its_producer(ctx):
    with pytest.raises(ABMArtefactError, match="01_icp_discovery") as exc:
        ctx.load("fit_scores")
    assert "fit_scores.parquet" in str(exc.value)
    assert exc.value.artefact == "fit_scores"
    with pytest.raises(ABMArtefactError, match="02_account_grading"):
        ctx.require("account_grades.parquet")
    assert ctx.load("fit_scores", required=False) is None


def test_unknown_artefact_name_is_refused(ctx):
    with pytest.raises(KeyError):
        ctx.path("not_an_artefact.parquet")


def test_load_checks_registered_columns(ctx):
    pd.DataFrame({"account_id": ["A1"], "fit_prob": [0.2]}).to_parquet(ctx.path("fit_scores"), index=False)
    with pytest.raises(ABMArtefactError, match="fit_score"):
        ctx.load("fit_scores")
    pd.DataFrame({"account_id": ["A1"], "fit_prob": [0.2], "fit_score": [50.0]}).to_parquet(
        ctx.path("fit_scores"), index=False
    )
    assert list(ctx.load("fit_scores")["account_id"]) == ["A1"]


def test_summary_is_validated_typed_and_stable(ctx):
    import numpy as np

    values = {
        "accounts": np.int64(10),
        "target_accounts": 4,
        "grade_counts": {"A": 1, "B": 3},
        "tiers": {"strategic": 1},
        "customer_rate_A": np.float64(0.5),
        "score_source": None,
    }
    p = ctx.save_summary("grading", values)
    text = p.read_text()
    assert json.loads(text) == {
        "accounts": 10,
        "target_accounts": 4,
        "grade_counts": {"A": 1, "B": 3},
        "tiers": {"strategic": 1},
        "customer_rate_A": 0.5,
    }
    assert text == ctx.save_summary("grading", values).read_text()
    s = ctx.load_summary("grading")
    assert isinstance(s, GradingSummary) and s.accounts == 10 and s.score_source is None
    assert ctx.load_summary("roi") is None


def test_summary_with_unknown_or_wrong_field_is_refused(ctx):
    with pytest.raises(ABMArtefactError, match="GradingSummary"):
        ctx.save_summary("grading", {"accounts": 1, "target_accounts": 1, "grade_counts": {}, "tiers": {}, "x": 1})
    with pytest.raises(ABMArtefactError, match="accounts"):
        ctx.save_summary("grading", {"accounts": "many", "target_accounts": 1, "grade_counts": {}, "tiers": {}})
    with pytest.raises(KeyError):
        ctx.save_summary("nonsense", {})


def test_non_finite_figures_are_omitted_not_written_as_invalid_json(ctx):
    p = ctx.save_summary("roi", {"roi": float("nan"), "roi_low": float("-inf"), "pipeline": 10.0})
    assert json.loads(p.read_text()) == {"pipeline": 10.0}
