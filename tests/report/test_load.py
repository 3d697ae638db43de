"""Reading a run's typed summaries, manifest and params (abm_lab.report.load)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from abm_lab import report
from abm_lab.artefacts import GradingSummary, RoiSummary
from abm_lab.report import RunSummaries, load_summaries
from abm_lab.report.load import params_dict, report_params


def test_summaries_are_typed_models(runs):
    s = load_summaries(runs / "2026Q3")
    assert set(s.models) == {"grading", "mapping", "engagement", "roi"} and not s.invalid
    assert isinstance(s.models["grading"], GradingSummary) and isinstance(s.models["roi"], RoiSummary)
    assert s.value("roi", "pipeline") == 4_350_000.0 and s.value("engagement", "auc_gbm") == 0.81
    assert s.value("icp", "cv_auc") is None  # section absent: no figure, no error


def test_invalid_files_are_listed_and_not_read(tmp_path, write_summary_file):
    art = tmp_path / "artefacts"
    write_summary_file(tmp_path, "grading", {"target_accounts": 12})
    (art / "summary_roi.json").write_text(json.dumps({"roi": 0.5, "roi_ci_low": 0.1, "roi_ci_high": 0.9}))
    (art / "summary_engagement.json").write_text(json.dumps({"holdout_auc_gbm": 0.8}))
    (art / "summary_mapping.json").write_text("{not json")
    s = load_summaries(tmp_path)
    assert set(s.models) == {"grading"} and s.value("grading", "target_accounts") == 12.0
    assert list(s.invalid) == ["summary_engagement.json", "summary_mapping.json", "summary_roi.json"]
    assert "RoiSummary" in s.invalid["summary_roi.json"] and "roi_ci_low" in s.invalid["summary_roi.json"]
    assert "unknown field: holdout_auc_gbm" in s.invalid["summary_engagement.json"]  # the old alias is refused
    assert "unknown fields: roi_ci_low, roi_ci_high" in s.invalid["summary_roi.json"]
    assert s.invalid["summary_mapping.json"] == "not valid JSON"
    assert s.invalid_sections == {"roi", "engagement", "mapping"}
    assert s.value("roi", "roi") is None  # nothing is guessed from a file that does not validate


def test_no_run_folder_or_no_artefacts_gives_empty_summaries(tmp_path):
    assert not load_summaries(None) and not load_summaries(tmp_path / "missing") and not load_summaries(tmp_path)
    assert load_summaries(tmp_path).invalid == {}


def test_from_dicts_validates():
    assert RunSummaries.from_dicts({"roi": {"roi": 0.1}}).value("roi", "roi") == 0.1
    with pytest.raises(ValidationError):
        RunSummaries.from_dicts({"roi": {"roi_ci_low": 0.1}})


def test_params_and_report_defaults(tmp_path):
    from abm_lab.config import Params

    assert params_dict({"params": "run:\n  name: x\n"}) == {"run": {"name": "x"}}
    assert params_dict({"params": Params()})["report"]["title"] == report_params({})["title"]
    assert params_dict({"params": ":\n- ["}) == {} and params_dict(None) == {}
    rp = report_params({"report": {"targets": {"pipeline": 1.0}, "title": "T"}})
    assert rp["title"] == "T" and rp["targets"]["pipeline"] == 1.0 and "mqas" in rp["targets"]
    assert report.read_manifest(tmp_path) == {}
