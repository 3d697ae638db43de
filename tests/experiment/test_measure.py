"""The randomised holdout end to end on synthetic worlds: headline, fallback on a broken assignment, coverage of
the truth from the potential outcomes, and a control arm that is never treated.

Worlds are small (``n_touchpoints`` / ``n_contacts`` far below the defaults: the experiment reads opportunities;
touches only feed the contamination check). The SRM world has 2,000 accounts (about 60 randomised controls) so
that moving half of them is detectable at ``experiment.srm_alpha``; the coverage worlds 1,000 (about 30).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.config import DemoParams, LiftTruth, load_params
from abm_lab.config.roi import LiftParams
from abm_lab.experiment.analysis import arms_of
from abm_lab.mapping.resolve import resolve_touch_accounts
from abm_lab.roi.lift import analysis as an
from abm_lab.roi.lift.report import EXPERIMENT, run_lift
from abm_lab.synth import generate_world
from abm_lab.validation.experiment import OUTCOMES, check_experiment_world, true_experiment_effects

HOLDOUT_SHARE = 0.2  # the test worlds' design (as params/demo.yaml)
SMALL = {"n_touchpoints": 20000, "n_contacts": 2000}
COVERAGE_SEEDS = range(10)
MIN_COVERED = 8  # of 10 worlds (a correct 95 % interval fails this with probability ≈ 1 %)

_base = load_params()
#: The observational methods' bootstrap at the schema's minimum: the experiment's intervals are analytic.
_MIN_BOOT = min(m.ge for m in LiftParams.model_fields["n_boot"].metadata if getattr(m, "ge", None) is not None)
PARAMS = _base.model_copy(
    update={"roi": _base.roi.model_copy(update={"lift": _base.roi.lift.model_copy(update={"n_boot": _MIN_BOOT})})}
)
AS_OF = PARAMS.run.as_of
EP = PARAMS.experiment.model_copy(update={"holdout_share": HOLDOUT_SHARE})


def demo(seed: int, n_accounts: int, **kw) -> DemoParams:
    return DemoParams(seed=seed, n_accounts=n_accounts, holdout_share=HOLDOUT_SHARE, **SMALL, **kw)


SRM_WORLD = demo(2026, 2000)


def truth_touches(world) -> pd.DataFrame:
    """Touches with their true account (tests only: product code reads the mapping)."""
    return resolve_touch_accounts(
        world.tables["touchpoints"], fallback=world.truth["touchpoints"], fallback_column="true_account_id"
    )


@pytest.fixture(scope="module")
def world():
    return generate_world(SRM_WORLD, AS_OF)


@pytest.fixture(scope="module")
def touches(world):
    return truth_touches(world)


@pytest.fixture(scope="module")
def report(world, touches):
    return run_lift(world.tables, touches, as_of=AS_OF, params=PARAMS.roi, experiment=EP)


def test_the_experiment_is_the_headline(report):
    assert report.headline_method == EXPERIMENT
    assert report.roi["method"] == EXPERIMENT
    x = report.experiment
    assert x is not None and x["headline"]
    assert x["sample_ratio"]["p_value"] > EP.srm_alpha
    assert x["n_control"] >= 2 * 20 and x["n_treatment"] > x["n_control"]
    assert report.roi["n_targets"] == x["n_treatment"]  # the ROI is the treatment arm's
    assert set(EP.exclude_tiers).isdisjoint(x["tiers"])
    e = report.effects
    for outcome in ("opp_rate", "pipeline", "won_revenue"):
        assert report.get(outcome)["method"] == EXPERIMENT
        assert set(e.loc[e["outcome"] == outcome, "method"]) >= {"experiment", "experiment_dm", "experiment_poisson"}
    assert e.loc[e["headline"], "method"].eq(EXPERIMENT).all()
    assert x["contamination"]["checked"] and x["contamination"]["contaminated"] == 0
    assert not any(v.startswith("Sample-ratio mismatch") for v in report.verdicts)


def test_a_broken_assignment_fails_srm_and_the_headline_falls_back(world, touches):
    """Half the control accounts relabelled treatment in programs (e.g. an export that lost the arm)."""
    prog = world.tables["programs"].copy()
    ctrl = np.flatnonzero(prog["arm"].eq("control").to_numpy())
    moved = np.random.default_rng(0).choice(ctrl, len(ctrl) // 2, replace=False)
    prog.loc[prog.index[moved], "arm"] = "treatment"
    rep = run_lift({**world.tables, "programs": prog}, touches, as_of=AS_OF, params=PARAMS.roi, experiment=EP)
    x = rep.experiment
    assert x is not None and not x["headline"]
    assert x["sample_ratio"]["p_value"] < EP.srm_alpha
    assert rep.headline_method == an.HEADLINE
    assert rep.roi["method"] == an.HEADLINE
    assert any(v.startswith("Sample-ratio mismatch") for v in rep.verdicts)
    e = rep.effects
    assert e.loc[e["headline"], "method"].eq(an.HEADLINE).all()
    assert (e["method"] == EXPERIMENT).any()  # still reported, just not the headline


@pytest.fixture(scope="module")
def coverage() -> pd.DataFrame:
    frames = []
    for s in COVERAGE_SEEDS:
        out = check_experiment_world(demo(s, 1000), PARAMS)
        assert out.attrs["headline"] == EXPERIMENT, f"seed {s}: {out.attrs}"
        frames.append(out.assign(seed=s))
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("outcome", ["opp_rate", "pipeline"])
@pytest.mark.parametrize("method", ["experiment", "experiment_dm", "experiment_poisson"])
def test_experimental_intervals_cover_the_truth_across_worlds(coverage, outcome, method):
    c = coverage.loc[(coverage["outcome"] == outcome) & (coverage["method"] == method)]
    assert len(c) == len(COVERAGE_SEEDS)
    assert c["covered"].sum() >= MIN_COVERED, c[["seed", "estimate", "low", "high", "truth"]].to_string()
    if method != "experiment_poisson":  # its row SE is the delta method of an asymmetric (log-scale) interval
        z = (c["estimate"] - c["truth"]) / c["se"]
        assert float(np.sqrt((z**2).mean())) < 1.5  # errors of the size the SE claims, not several times it


@pytest.mark.parametrize("outcome", ["roi_realised", "roi_projected"])
def test_experimental_roi_intervals_cover_the_truth(coverage, outcome):
    c = coverage.loc[coverage["outcome"] == outcome]
    assert len(c) == len(COVERAGE_SEEDS)
    assert c["covered"].sum() >= MIN_COVERED, c[["seed", "estimate", "low", "high", "truth"]].to_string()


def test_zero_lift_has_exactly_zero_true_effects():
    w = generate_world(demo(5, 1000, lift=LiftTruth(opp_rate=0.0, win_rate=0.0, deal_size=0.0)), AS_OF)
    truth = true_experiment_effects(w.truth["opportunities_potential"], w.tables, AS_OF, PARAMS.roi, EP)
    for outcome in OUTCOMES:
        assert truth[outcome]["att"] == 0.0 and truth[outcome]["total"] == 0.0, outcome
        assert truth[outcome]["n"] > 0
    assert truth["roi"]["realised"] == pytest.approx(-1.0) and truth["roi"]["projected"] == pytest.approx(-1.0)
    assert truth["n_control"] > 0


def test_true_effects_need_controls(world):
    no_arm = {**world.tables, "programs": world.tables["programs"].drop(columns="arm")}
    with pytest.raises(ValueError, match="no held-out control"):
        true_experiment_effects(world.truth["opportunities_potential"], no_arm, AS_OF, PARAMS.roi, EP)


def test_controls_are_never_treated(world, touches):
    """Held-out controls: no programme touches, the same deals with and without the programme, no cost."""
    prog = world.tables["programs"]
    arms = arms_of(prog)
    assert arms is not None
    ctrl, treat = set(arms.index[arms == "control"]), set(arms.index[arms == "treatment"])
    pid = prog["program_id"].iloc[0]
    prog_touch = touches.loc[touches["program_id"].astype(str).eq(pid), "account_id"].astype(str)
    assert not prog_touch.isin(ctrl).any()
    assert prog_touch.isin(treat).sum() > 0

    pot = world.truth["opportunities_potential"]
    cols = ["opportunity_id", "created_date", "amount", "eventual_won", "eventual_close_date"]

    def deals(arm: str, accounts: set[str]) -> pd.DataFrame:
        d = pot.loc[(pot["arm"] == arm) & pot["account_id"].astype(str).isin(accounts), cols]
        return d.sort_values("opportunity_id").reset_index(drop=True)

    pd.testing.assert_frame_equal(deals("observed", ctrl), deals("no_programme", ctrl))
    assert not deals("observed", treat).equals(deals("no_programme", treat))  # the programme did something

    # The first quarter: cohort 0 in for all of it, nobody has left yet, so its cost is one target-quarter per
    # treatment-arm account of that cohort; controls would add a quarter of that again.
    costs = world.tables["costs"]
    first = pd.to_datetime(prog["start_date"]).min()
    q1 = costs.loc[pd.to_datetime(costs["period_start"]) == first, "amount"].sum()
    cohort0 = prog.loc[pd.to_datetime(prog["start_date"]) == first]
    n_treat = int(cohort0["arm"].eq("treatment").sum())
    assert n_treat < len(cohort0)
    assert q1 == pytest.approx(SRM_WORLD.cost_per_target_account * n_treat, rel=1e-6)
