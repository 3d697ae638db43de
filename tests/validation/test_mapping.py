"""Lead-to-account mapping and personas against the synthetic world's truth (abm_lab.validation.mapping)."""

from __future__ import annotations

import json

import pytest

from abm_lab.config import DemoParams, Params
from abm_lab.config.mapping import MappingParams
from abm_lab.mapping import map_contacts, map_touchpoints, parse_titles, run_mapping
from abm_lab.validation.mapping import (
    MappingCheck,
    check_mapping,
    evaluate_mapping,
    evaluate_personas,
    evaluate_touchpoints,
)


@pytest.fixture(scope="module")
def world():
    from abm_lab.synth import world_dataset

    return world_dataset(DemoParams(n_accounts=600, n_contacts=5000, n_touchpoints=60000))


@pytest.fixture(scope="module")
def world_result(world):
    return map_contacts(world.tables["contacts"], world.tables["accounts"], MappingParams())


def test_world_precision_and_recall(world, world_result):
    ev = evaluate_mapping(world_result, world.truth["contacts"])
    print("\n" + ev.to_string())
    allrow = ev.loc["all"]
    assert allrow["precision"] >= 0.99
    assert allrow["recall_identifiable"] >= 0.97
    # every method that matched something is itself precise
    for meth, r in ev.drop(index="all").iterrows():
        assert r["precision"] >= 0.97, meth
    assert {"crm_link", "email_domain", "exact_name", "fuzzy_name"} <= set(ev.index)
    # recall over all leads is bounded by the leads the data cannot identify (free-mail, nothing else)
    n_ident = ev.attrs["n_identifiable"]
    assert allrow["recall"] <= n_ident / allrow["rows"] + 1e-9
    assert allrow["recall"] >= 0.97 * n_ident / allrow["rows"]
    # the per-method recalls add up to the total; a frame of the mapped table gives the same answer
    assert ev.drop(index="all")["recall"].sum() == pytest.approx(allrow["recall"])
    assert evaluate_mapping(world_result.table, world.truth["contacts"]).equals(ev)


def test_world_touchpoints(world, world_result):
    tp = map_touchpoints(world.tables["touchpoints"], world_result, world.tables["accounts"])
    ev = evaluate_touchpoints(tp, world.truth["touchpoints"])
    print("\n" + ev.to_string())
    assert ev.loc["all", "precision"] >= 0.99
    assert ev.loc["reverse_ip_domain", "precision"] >= 0.99


def test_denser_world_precision_and_recall():
    """More accounts per name stem (4,000 accounts): duplicate names and shared domains appear."""
    from abm_lab.synth import generate_world

    w = generate_world(DemoParams(n_accounts=4000, n_contacts=30000, n_touchpoints=2000, seed=11), "2026-12-31")
    res = map_contacts(w.tables["contacts"], w.tables["accounts"])
    ev = evaluate_mapping(res, w.truth["contacts"])
    print("\n" + ev.to_string())
    assert ev.loc["all", "precision"] >= 0.99 and ev.loc["all", "recall_identifiable"] >= 0.97
    assert ev.loc["all", "recall"] >= 0.97
    assert sum(res.counts().values()) == 30000


def test_personas_against_world_truth():
    from abm_lab.synth import world_dataset

    ds = world_dataset(DemoParams(n_accounts=300, n_contacts=3000, n_touchpoints=5000))
    c = ds.tables["contacts"]
    p = parse_titles(c["job_title"]).assign(contact_id=c["contact_id"].to_numpy())
    ev = evaluate_personas(p, ds.truth["contacts"])
    print("\n" + ev.to_string())
    assert ev["function_accuracy"].iloc[0] >= 0.98
    # the generator gives 'General Manager', 'Partner', 'Chief of Staff', ... a random seniority,
    # which no parser can recover: exclude those titles for the seniority check
    lower_exec = {"general manager", "managing partner", "partner", "executive director", "chief of staff"}
    keep = ~c["job_title"].astype("string").str.lower().isin(lower_exec).fillna(False).to_numpy()
    ev2 = evaluate_personas(p[keep], ds.truth["contacts"])
    assert ev2["seniority_accuracy"].iloc[0] >= 0.98


def test_check_mapping_lands_in_the_summary(small_dataset, tmp_path):
    """Notebook 03 attaches the truth check to the run: its precision and recall go into summary_mapping."""
    from abm_lab.pipeline import RunContext

    p = Params()
    run = run_mapping(small_dataset.tables, p.mapping, p.run.window_start, p.run.window_end)
    check = check_mapping(run, small_dataset.truth)
    assert isinstance(check, MappingCheck) and check.touchpoints is not None
    assert check.personas["function_accuracy"].iloc[0] >= 0.98
    h = check.headline()
    assert set(h) == {"precision", "recall", "recall_identifiable", "precision_by_method"}
    assert h["precision"] == check.contacts.loc["all", "precision"] >= 0.99
    run.truth_check = check
    ctx = RunContext.from_dataset(p, small_dataset, tmp_path / "run")
    run.save(ctx)
    summary = json.loads(ctx.path("summary_mapping").read_text())
    assert summary["precision"] == h["precision"] and summary["precision_by_method"] == h["precision_by_method"]
    assert "precise" in run.executive_summary()
    assert check.summary().table_titles == [
        "contacts and leads, by cascade step",
        "touchpoints, by method",
        "title parser",
    ]
    # with a parent roll-up the truth (matched account) does not apply to touchpoints
    rolled = run_mapping(
        small_dataset.tables, MappingParams(rollup_to_parent=True), p.run.window_start, p.run.window_end
    )
    assert check_mapping(rolled, small_dataset.truth).touchpoints is None
