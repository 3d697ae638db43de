"""The simulation study's driver (benchmarks/sim_lift.py): design, CSV append / resume, the coverage table."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm_lab.validation.lift import mc_range

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def S():
    spec = importlib.util.spec_from_file_location("sim_lift", ROOT / "benchmarks" / "sim_lift.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_design_gives_every_setting_every_lift(S):
    specs = pd.DataFrame(S.design(400, 100, list(S.SETTINGS)))
    assert list(specs["seed"]) == list(range(100, 500)) and specs["world"].is_unique
    assert specs["lift"].eq("zero").mean() == pytest.approx(0.4)
    per = specs.groupby(["setting", "lift"]).size().unstack()
    assert set(per.index) == set(S.SETTINGS) and per.notna().all().all()
    assert per.loc["default"].sum() > per.drop(index="default").sum(axis=1).max()  # the demo's own world most
    assert S.design(400, 100, list(S.SETTINGS)) == S.design(400, 100, list(S.SETTINGS))


def test_every_setting_is_a_valid_world(S):
    from abm_lab.config import DemoParams

    for name in S.SETTINGS:
        d = S.demo_params({"setting": name, "lift": "medium", "seed": 3}, {"n_accounts": 300})
        assert d.seed == 3 and d.n_accounts == 300 and d.n_touchpoints == DemoParams().n_touchpoints
        assert d.lift.opp_rate == S.LIFTS["medium"]["opp_rate"]
    simple = S.demo_params({"setting": "simple", "lift": "zero", "seed": 1}, {})
    assert simple.scenario.stagger_quarters == 1 and simple.scenario.selection_intent_weight == 0
    assert simple.scenario.burn_in_weeks == DemoParams().scenario.burn_in_weeks  # no warm-up artefact
    assert S.demo_params({"setting": "spillover", "lift": "zero", "seed": 1}, {}).scenario.spillover_share > 0


def _rows(world: int, zero: bool, covered: bool, low: float, high: float, run_at: float = 1.0) -> list[dict]:
    base = {"world": world, "seed": world, "setting": "default", "lift": "zero" if zero else "large", "zero": zero}
    eff = {"method": "imputation", "headline": True, "estimate": (low + high) / 2, "low": low, "high": high}
    return [
        {**base, **eff, "outcome": "opp_rate", "truth": 0.0, "covered": covered, "relative": (low + high) / 2,
         "rel_low": low, "rel_high": high, "truth_relative": 0.0, "rel_covered": covered, "seconds": 2.0,
         "seconds_generate": 1.0, "seconds_mapping": 0.5, "seconds_lift": 0.4, "seconds_truth": 0.1,
         "run_at": run_at, "code": "abc", "error": ""},
        {**base, **eff, "outcome": "roi_realised", "truth": -1.0, "estimate": -1.0 + (low + high) / 2,
         "low": -1.0 + low, "high": -1.0 + high,
         "covered": covered, "rel_covered": False, "seconds": 2.0, "run_at": run_at, "code": "abc", "error": ""},
    ]  # fmt: skip


def test_csv_appends_and_keeps_the_latest_run_of_a_world(S, tmp_path):
    csv = tmp_path / "r.csv"
    S.append_rows(csv, _rows(0, True, True, -0.1, 0.1))
    S.append_rows(csv, _rows(1, True, False, 0.05, 0.2))
    S.append_rows(csv, _rows(1, True, True, -0.2, 0.3, run_at=2.0))  # world 1 rerun
    df = S.read_csv(csv)
    assert sorted(df["world"].unique()) == [0, 1] and len(df) == 4
    assert df.loc[df["world"] == 1, "low"].min() == pytest.approx(-1.2)
    assert df["covered"].dtype == bool and df["error"].eq("").all()


def test_summary_counts_coverage_and_false_positives(S):
    rows = []
    for w in range(10):  # 10 zero-lift worlds: 2 intervals exclude 0 (and -100% for the ROI)
        bad = w < 2
        rows += _rows(w, True, not bad, 0.05 if bad else -0.1, 0.3 if bad else 0.1)
    df = pd.DataFrame(rows).reindex(columns=S.COLUMNS)
    df["error"] = ""
    s = S.summarise(df).set_index(["outcome", "setting"])
    for o in ("opp_rate", "roi_realised"):
        r = s.loc[(o, "all settings")]
        assert r["worlds"] == 10 and r["zero_worlds"] == 10
        assert r["coverage"] == pytest.approx(0.8) and r["false_positive"] == pytest.approx(0.2)
        assert r["bias"] == pytest.approx((2 * 0.175) / 10) and np.isfinite(r["rmse"])
    real, _ = S.misses(s.reset_index())
    assert not any("false positives" in m for m in real)  # 2 of 10: exact range 2.5%–56%, within noise
    md = S.table_lines(s.reset_index())
    assert md[0].startswith("| outcome | method | setting |") and len(md) == 2 + len(s)


def test_monte_carlo_range_is_exact(S):
    lo, hi = mc_range(0, 20)
    assert lo == 0 and hi == pytest.approx(1 - 0.025 ** (1 / 20))
    lo, hi = mc_range(19, 20)
    assert lo < 0.95 < hi
    real, noise = S.misses(
        pd.DataFrame(
            [
                {"outcome": "won_revenue", "method": "imputation", "setting": "spillover", "headline": True,
                 "worlds": 100, "coverage": 0.70, "n_covered": 70, "zero_worlds": 40, "false_positive": 0.075,
                 "n_fp": 3},
            ]
        )
    )  # fmt: skip
    assert len(real) == 1 and "coverage 70.0% of 100" in real[0] and "too narrow" in real[0]
    assert len(noise) == 1 and "false positives 7.5% of 40" in noise[0]
