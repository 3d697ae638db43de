"""The grade cut-off explorer, driven without a browser: sliders set from code, the save button's handler called.

It must show what Table 1 of notebook 02 shows for the chosen cut-offs, clear that table when the cut-offs are out
of order, and save cut-offs that the grading code re-reads to exactly the grades the explorer showed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from abm_lab import grading
from abm_lab.config import load_params
from abm_lab.config.grading import GradingParams
from abm_lab.errors import ABMDataError, ABMParamsError
from abm_lab.grading import explorer as X

ROOT = Path(__file__).resolve().parents[2]
SEED = 42  # the grading fixture's seed (tests/grading/conftest.py)
NEW = {"A": 95.0, "B": 85.0, "C": 70.0, "D": 50.0, "E": 30.0}


def _regraded(world, icp_result, gp: GradingParams):
    t = world.tables
    return grading.grade_accounts(t["accounts"], t["opportunities"], icp_result.fit_scores, gp, seed=SEED)


def _move(w, cut: dict[str, float]) -> None:
    for k in "ABCDE":  # upward moves from the defaults, A first: every step stays in order
        w.sliders[k].value = cut[k]


def test_regrade_is_table_1_and_the_plan_of_grade_accounts(result, world, icp_result):
    view = X.regrade(result.grades, NEW, result.params, accounts=world.tables["accounts"], seed=SEED)
    truth = _regraded(world, icp_result, GradingParams(cutoffs=NEW))
    for col in ("grade", "is_target", "tier", "cluster"):
        assert (view.grades[col].to_numpy() == truth.grades[col].to_numpy()).all(), col
    assert view.table.equals(grading.format_rates(truth.rates))  # Table 1 of notebook 02, same cells
    assert view.plan.equals(truth.plan) and view.budget == truth.headline()["budget_per_quarter"]
    assert sum(view.tier_counts[t] for t in view.tier_counts if t != "Total") == int(truth.grades["is_target"].sum())
    # the defaults give back the fixture's own grading
    same = X.regrade(result.grades, GradingParams().cutoffs, result.params)
    assert (same.grades["grade"] == result.grades["grade"]).all() and same.plan is None


def test_explorer_saves_cutoffs_that_notebook_02_reads_back(result, world, icp_result, tmp_path):
    base = tmp_path / "demo.yaml"
    shutil.copy(ROOT / "params" / "demo.yaml", base)
    out = tmp_path / "params" / "demo-cutoffs.yaml"
    w = grading.grade_cutoff_explorer(
        result, accounts=world.tables["accounts"], seed=SEED, params_path=base, save_path=out
    )
    _move(w, NEW)
    n_a = int((result.grades["fit_score"] >= NEW["A"]).sum())
    assert f"<tr><td>A</td><td>{w.view.table.loc[0, 'fit score']}</td><td>{n_a}</td>" in w.table.value
    assert "Total" in w.plan.value and "budget" in w.plan.value
    assert yaml.safe_load(w.yaml.value.split("<pre>")[1].split("</pre>")[0]) == {
        "grading": {"cutoff_mode": "score", "cutoffs": NEW}
    }
    w.save_button.click()
    assert "Saved" in w.status.value, w.status.value
    text = out.read_text()
    assert text.startswith(base.read_text().rstrip("\n"))  # a copy: the original's settings and comments kept
    assert yaml.safe_load(text)["grading"]["cutoffs"] == NEW
    p = load_params(out)
    assert p.run.name == "demo" and p.grading.cutoffs == NEW and p.roi.targets.mqas == 450
    again = _regraded(world, icp_result, p.grading)  # notebook 02's grading code on the saved params
    assert (again.grades["grade"].to_numpy() == w.view.grades["grade"].to_numpy()).all()
    assert (again.grades["tier"].to_numpy() == w.view.grades["tier"].to_numpy()).all()
    assert again.plan.equals(w.view.plan)
    # a second click never overwrites the file it wrote, nor the source params file
    w.sliders["E"].value = 31.0
    w.save_button.click()
    assert "already exists" in w.status.value and out.read_text() == text
    w.path.value = str(base)
    w.save_button.click()
    assert "Nothing saved" in w.status.value and "overwrite=True" in w.status.value


def test_out_of_order_cutoffs_clear_the_stale_table(result):
    w = grading.grade_cutoff_explorer(result.grades, GradingParams().cutoffs)
    assert "<table>" in w.table.value and w.view is not None
    w.sliders["B"].value = w.sliders["A"].value + 1  # B above A
    assert w.table.value == "" and w.plan.value == "" and w.yaml.value == "" and w.view is None
    assert "cannot be used" in w.message.value and "fall strictly from A to E" in w.message.value
    assert w.save_button.disabled
    w.sliders["B"].value = w.sliders["A"].value - 1  # back in order: the table returns
    assert "<table>" in w.table.value and w.message.value == "" and not w.save_button.disabled


def test_table_counts_follow_the_sliders_without_accounts(result):
    w = grading.grade_cutoff_explorer(result.grades)
    assert "pass the accounts" in w.plan.value  # no tiers without the accounts, said so
    for a in (97.0, 90.0, 85.5):
        w.sliders["A"].value = a
        cut = GradingParams().cutoffs | {"A": a}
        assert w.view.table.loc[0, "accounts"] == int(
            (grading.assign_grades(result.grades["fit_score"], cut) == "A").sum()
        )


def test_cutoffs_yaml_is_the_exact_block_and_save_refuses_to_overwrite(tmp_path):
    block = X.cutoffs_yaml(NEW)
    assert block == (
        "grading:\n  cutoff_mode: score\n  cutoffs:\n    A: 95.0\n    B: 85.0\n    C: 70.0\n    D: 50.0\n    E: 30.0\n"
    )
    with pytest.raises(ABMParamsError, match="fall strictly"):
        X.cutoffs_yaml(NEW | {"C": 90.0})
    f = X.save_cutoffs(tmp_path / "only.yaml", NEW)  # no base: the grading block alone, a valid params file
    assert load_params(f).grading.cutoffs == NEW and yaml.safe_load(f.read_text()) == yaml.safe_load(block)
    with pytest.raises(ABMParamsError, match="already exists"):
        X.save_cutoffs(f, NEW | {"E": 20.0})
    assert load_params(X.save_cutoffs(f, NEW | {"E": 20.0}, overwrite=True)).grading.cutoffs["E"] == 20.0


def test_save_merges_into_a_copy_of_a_params_file_with_a_grading_section(tmp_path):
    base = tmp_path / "q3.yaml"
    base.write_text("run:\n  name: q3\ngrading:\n  target_grades: [A, B]\n  cutoff_mode: quantile\n")
    out = X.save_cutoffs(tmp_path / "q3-cutoffs.yaml", NEW, "quantile", base=base)
    p = load_params(out)
    assert p.run.name == "q3" and p.grading.target_grades == ["A", "B"] and p.grading.cutoffs == NEW
    assert p.grading.cutoff_mode == "quantile" and "comments of the original are not kept" in out.read_text()
    assert base.read_text().endswith("cutoff_mode: quantile\n")  # the source is untouched
    assert X.default_save_path(base) == tmp_path / "q3-cutoffs.yaml"


def test_quantile_cutoffs_grade_by_percentile(result):
    view = X.regrade(result.grades, NEW, result.params, mode="quantile")
    share_a = float(np.mean(view.grades["grade"] == "A"))
    assert abs(share_a - 0.05) < 0.01  # A from the 95th percentile: about 5% of accounts


def test_cutoff_explorer_needs_the_grade_columns(result):
    with pytest.raises(ABMDataError, match="has_opportunity"):
        grading.grade_cutoff_explorer(result.grades.drop(columns="has_opportunity"))
