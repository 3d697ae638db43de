"""Checks of the lift estimators against the synthetic world's truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.config import DemoParams, LiftTruth
from abm_lab.roi import program_lift
from abm_lab.synth import world_dataset
from abm_lab.validation import lift as V

AS_OF = "2026-12-31"


@pytest.fixture(scope="module")
def lifted_world():
    from abm_lab.mapping.resolve import resolve_touch_accounts

    lt = LiftTruth(opp_rate=0.8, win_rate=0.15, deal_size=0.25)
    ds = world_dataset(DemoParams(seed=21, n_accounts=1500, n_contacts=3000, n_touchpoints=8000, lift=lt), AS_OF)
    tp = resolve_touch_accounts(
        ds.tables["touchpoints"], fallback=ds.truth["touchpoints"], fallback_column="true_account_id"
    )
    return ds, program_lift(ds.tables, tp, as_of=AS_OF)


def test_truth_effects_by_hand():
    acc = pd.DataFrame(
        {
            "is_target": [True, True, False],
            "opps_post_treated": [3, 1, 9],
            "opps_post_untreated": [2, 0, 9],
            "pipeline_post_treated": [300.0, 100.0, 0.0],
            "pipeline_post_untreated": [200.0, 0.0, 0.0],
        }
    )
    t = V.truth_effects(acc, {"lift": {"win_rate": 0.1, "deal_size": 0.2, "opp_rate": 0.5}})
    assert t["opp_rate"] == pytest.approx(4 / 2 - 1) and t["opp_rate_abs"] == pytest.approx(1.0)
    assert t["pipeline"] == pytest.approx(1.0) and t["pipeline_abs"] == pytest.approx(100.0)
    assert (t["win_rate"], t["deal_size"], t["opp_rate_param"]) == (0.1, 0.2, 0.5)
    assert np.isnan(V.truth_effects(acc, {})["win_rate"])


def test_truth_check_covers_the_truth(lifted_world):
    ds, res = lifted_world
    truth = V.truth_effects(ds.truth["accounts"], ds.truth_meta)
    chk = V.truth_check(res, truth)
    assert list(chk.columns) == ["value", "low", "high", "truth", "covered"]
    assert len(chk) == len(V.CHECK_OUTCOMES) * len(V.CHECK_METHODS)
    assert chk.loc[("win_rate", "did"), "value"] == res.get("win_rate", "did")["estimate"]  # absolute points
    assert chk.loc[("opp_rate", "did"), "value"] == res.get("opp_rate", "did")["relative"]
    assert chk.loc[[("opp_rate", "did"), ("pipeline", "did"), ("win_rate", "did")], "covered"].all()


def test_demo_truth_only_for_synthetic_runs(lifted_world, tmp_path):
    from abm_lab.config import load_params
    from abm_lab.data.io import Dataset
    from abm_lab.pipeline import RunContext

    ds, _ = lifted_world
    ctx = RunContext.from_dataset(load_params(None), ds, tmp_path)
    assert V.demo_truth(ctx) == V.truth_effects(ds.truth["accounts"], ds.truth_meta)
    real = RunContext.from_dataset(load_params(None), Dataset(tables=ds.tables), tmp_path)
    assert V.demo_truth(real) is None
