"""Notebook 05 as a stage: inputs through the run context (no silent fallback to truth), results, summary."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from abm_lab.artefacts import RoiSummary
from abm_lab.config import load_params
from abm_lab.errors import ABMArtefactError
from abm_lab.mapping.resolve import resolve_touch_accounts
from abm_lab.pipeline import RunContext
from abm_lab.roi import stage as S
from abm_lab.roi.kpis import KpiResults, kpi_tiles


def _grades(ds) -> pd.DataFrame:
    acc = ds.tables["accounts"][["account_id"]].copy()
    n = len(acc)
    return acc.assign(
        fit_score=np.linspace(0, 100, n),
        fit_prob=np.linspace(0, 1, n),
        grade=np.where(np.arange(n) % 2 == 0, "A", "B"),
        is_target=np.arange(n) < 50,
        tier="programmatic",
        cluster=0,
        cluster_label="all",
        priority=np.arange(n),
        potential_value=1.0,
    )


def _mapped(ds) -> pd.DataFrame:
    t = ds.truth["touchpoints"]
    return pd.DataFrame(
        {
            "touchpoint_id": t["touchpoint_id"],
            "account_id": t["true_account_id"],
            "match_method": "test",
            "status": "matched",
        }
    )


@pytest.fixture()
def ctx(world, tmp_path):
    ds, _ = world
    return RunContext.from_dataset(load_params(None), ds, tmp_path)


def test_inputs_without_mapping_artefact_name_notebook_03(ctx, world):
    ds, _ = world
    _grades(ds).to_parquet(ctx.path("account_grades"))
    with pytest.raises(ABMArtefactError, match="03_lead_to_account") as exc:
        S.run_inputs(ctx)
    assert "touchpoints_mapped.parquet" in str(exc.value)


def test_inputs_without_grades_name_notebook_02(ctx, world):
    ds, _ = world
    _mapped(ds).to_parquet(ctx.path("touchpoints_mapped"))
    with pytest.raises(ABMArtefactError, match="02_account_grading"):
        S.run_inputs(ctx)


def test_stage_runs_on_the_artefacts_and_writes_a_valid_summary(ctx, world):
    ds, tp_truth = world
    _grades(ds).to_parquet(ctx.path("account_grades"))
    _mapped(ds).to_parquet(ctx.path("touchpoints_mapped"))
    inputs = S.run_inputs(ctx)
    assert inputs.touch_source == S.TOUCH_SOURCE and inputs.has_program and inputs.has_touches
    assert inputs.touchpoints["account_id"].equals(tp_truth["account_id"])  # the artefact holds the true accounts
    assert set(inputs.segments["grade"]) == {"A", "B"} and inputs.currency == "$"
    res = S.run(inputs)
    assert res.lift is not None and res.actuals["roi"] == res.lift.roi["estimate"]
    assert "roi" in res.tiles.index and "ROI" in res.summary().as_text()
    values = res.summary_values()
    RoiSummary.model_validate(values)
    assert values["lift_method"] == "imputation" and values["roi_low"] < values["roi"] < values["roi_high"]
    assert values["roi_projected_low"] < values["roi_projected"] < values["roi_projected_high"]
    assert values["diagnostic_warnings"] == len(res.lift.verdicts)
    saved = json.loads(ctx.save_summary("roi", values).read_text())
    assert saved == pytest.approx(
        {k: v for k, v in values.items() if k != "lift_method"} | {"lift_method": "imputation"}
    )
    v_close, v_open = S.velocities(inputs)
    assert set(v_close.medians.index) == {"ABM", "non-ABM"} and len(v_open.medians) == 2
    vel = S.velocity_views(inputs)  # notebook 05's velocity: clocks stated, ABM comparison fit-adjusted by grade
    assert "created" in vel.clock_notes() and "first touch" in vel.clock_notes()
    assert all(c.adjusted for c in vel.abm.values())
    assert vel.pipeline.population == inputs.params.velocity_population
    horizons = sorted(vel.outcomes.table.index.get_level_values(-1).unique())
    assert horizons == sorted(inputs.params.velocity_horizons)
    descriptive = S.velocity_views(
        replace(inputs, params=inputs.params.model_copy(update={"velocity_adjust_for": "none"}))
    )
    assert not any(c.adjusted for c in descriptive.abm.values())
    att = S.attributions(inputs)
    assert att is not None
    for a in (att.channel, att.program, att.won):
        a.check_totals(1e-9)
    assert att.program.dimension == "program_id" and att.won.value_label == "revenue"
    assert len(inputs.funnel_by_quarter(by="abm")) % 2 == 0
    views = inputs.deal_views(("owner",))
    assert views["owner"].index.str.startswith("owner ").all()


def test_summary_values_drop_non_finite_and_save_numpy(ctx):
    actuals = {
        "engaged_accounts": np.nan,  # no touches: "no data", not 0
        "mqas": np.nan,
        "opportunities": 3.0,
        "pipeline": np.float64(170.0),
        "win_rate": 1.0,
        "avg_deal_size": 65.0,
        "revenue": float("inf"),
    }
    from abm_lab.config.roi import KpiTargets

    w = (pd.Timestamp("2026-10-01"), pd.Timestamp("2026-12-31"))
    kpis = KpiResults(w, pd.DataFrame(), pd.DataFrame(), actuals, kpi_tiles(actuals, KpiTargets()))
    res = S.RoiResults(kpis, None)
    values = res.summary_values()
    assert values == {"pipeline": 170.0, "win_rate": 1.0}
    assert "no ABM program" in res.summary().as_text()
    saved = json.loads(ctx.save_summary("roi", values).read_text())
    assert saved == {"pipeline": 170.0, "win_rate": 1.0} and type(saved["pipeline"]) is float


def test_resolve_touch_accounts_precedence():
    tp = pd.DataFrame({"touchpoint_id": ["t1", "t2", "t3"], "account_id": ["a1", None, None]})
    mapped = pd.DataFrame({"touchpoint_id": ["t1", "t2"], "account_id": ["zz", "a2"]})
    truth = pd.DataFrame({"touchpoint_id": ["t1", "t2", "t3"], "true_account_id": ["q", "q", "a3"]})
    out = resolve_touch_accounts(tp, mapped, truth, fallback_column="true_account_id")
    assert list(out["account_id"]) == ["a1", "a2", "a3"] and len(out) == 3
