"""Notebook 03 as one object (abm_lab.mapping.stage): dependencies, artefacts, typed summary."""

from __future__ import annotations

import json

import pytest

from abm_lab.artefacts import MappingSummary, artefact
from abm_lab.config import Params
from abm_lab.errors import ABMArtefactError
from abm_lab.mapping import MappingRun, run_stage
from abm_lab.pipeline import RunContext
from abm_lab.results import Summary

WRITTEN = [
    "contacts_mapped",
    "touchpoints_mapped",
    "review_ambiguous",
    "review_unmatched",
    "match_rates",
    "committee_coverage",
    "summary_mapping",
]


def test_missing_account_grades_is_a_clear_error(small_dataset, tmp_path):
    """account_grades is a registered input of notebook 03: without it the stage stops before any work,
    naming the notebook that writes it (the tier table is never silently dropped)."""
    assert "03_lead_to_account" in artefact("account_grades").consumers
    ctx = RunContext.from_dataset(Params(), small_dataset, tmp_path / "run")
    with pytest.raises(ABMArtefactError, match=r"account_grades\.parquet is missing.*02_account_grading") as err:
        run_stage(ctx)
    assert err.value.artefact == "account_grades"
    assert not any(ctx.artefact_dir.iterdir())  # nothing half-written


def test_stage_writes_every_artefact_with_no_run_dependent_value(run_context, small_dataset, tmp_path):
    run = run_stage(run_context)
    assert isinstance(run, MappingRun) and run.grades is not None and run.truth_check is None
    paths = run.save(run_context)
    assert sorted(paths) == sorted(WRITTEN)
    summary = json.loads(run_context.path("summary_mapping").read_text())
    assert set(summary) <= set(MappingSummary.model_fields)
    assert not {k for k in summary if "second" in k or "time" in k or "duration" in k}
    assert summary == run.headline().model_dump(exclude_none=True)
    assert "precision" not in summary  # truth checks only when attached (abm_lab.validation.mapping)
    for name in ("contacts_mapped", "touchpoints_mapped", "committee_coverage"):
        run_context.load(name)  # registry columns present
    # a second run of the same inputs writes the same bytes
    again = RunContext.from_dataset(Params(), small_dataset, tmp_path / "again")
    again.path("account_grades").write_bytes(run_context.path("account_grades").read_bytes())
    run_stage(again).save(again)
    for name in WRITTEN:
        assert again.path(name).read_bytes() == run_context.path(name).read_bytes(), name


def test_headline_counts_and_summary(run_context):
    run = run_stage(run_context)
    h = run.headline()
    assert isinstance(h, MappingSummary)
    assert h.matched + h.ambiguous + h.unmatched == h.contacts == len(run.contacts)
    assert sum(h.by_method.values()) == h.matched
    assert h.touchpoints == len(run.touchpoints) and 0 <= h.match_rate <= 1
    rates = run.match_rates()
    assert set(rates["record"]) == {"contacts", "touchpoints"}
    by_tier = run.coverage_by_tier()
    assert by_tier is not None and set(by_tier.index) <= {"strategic", "abm_lite", "programmatic", "none"}
    s = run.summary()
    assert isinstance(s, Summary) and s.table_titles[-1] == "committee coverage by ABM tier"
    assert s.table.loc["contacts", "value"] == h.contacts
    text = run.executive_summary()
    assert f"**{h.match_rate:.1%}** of {h.contacts:,} contacts" in text and "precise" not in text
    assert "**" not in s.notes[0]
    assert "<h4>Lead-to-account mapping and buying committees</h4>" in run._repr_html_()


def test_contacts_mapped_columns_and_personas(mapping_run):
    cm = mapping_run.contacts
    assert {"persona_function", "persona_seniority", "is_key_persona"} <= set(cm.columns)
    assert not (cm["is_key_persona"] & (cm["status"] != "matched")).any()  # key personas are matched contacts
    assert len(mapping_run.coverage) == mapping_run.coverage["account_id"].nunique()
    assert mapping_run.grades is None and mapping_run.coverage_by_tier() is None
