"""Real data: ICP and grading on the Maven CRM sample (85 accounts, every one a customer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from abm_lab import grading
from abm_lab.results import Summary
from abm_lab.validation.maven import find_maven, maven_check

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def maven():
    # the sample is committed (data/real/maven_crm, public domain): it must be found, never skipped
    assert find_maven(ROOT) is not None, "data/real/maven_crm is missing from the checkout"
    return maven_check(ROOT)


def test_maven_real_data_profile(maven):
    out = maven
    assert out.available
    res = out.icp
    assert len(res.fit_scores) == 85 and res.fit_scores["account_id"].is_unique
    assert res.target_name == "high-value customer" and not res.has_model
    assert res.lifts.table["small_sample"].mean() > 0.5  # most segments are too small to trust
    assert "85" in out.message and "cannot" in out.message


def test_maven_grading(maven):
    out = maven
    gr = out.grading
    assert len(gr.grades) == 85 and gr.grades["account_id"].is_unique
    assert list(gr.targets.columns) == grading.TARGET_COLUMNS
    vbg = out.value_by_grade
    assert vbg["accounts"].sum() == 85
    # the best grade holds more of the high-value customers than the worst
    assert vbg.iloc[0]["high_value"] / vbg.iloc[0]["accounts"] > vbg.iloc[-1]["high_value"] / vbg.iloc[-1]["accounts"]
    assert isinstance(out.summary(), Summary) and out.summary().notes == [out.message]


def test_maven_missing_files_skip_with_a_message(tmp_path):
    out = maven_check(tmp_path, folder=tmp_path / "nowhere")
    assert not out.available and "not found" in out.message and out.icp is None
    assert find_maven(tmp_path) is None
