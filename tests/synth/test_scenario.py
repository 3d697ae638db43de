"""The scenario switches (demo.scenario): each on by default, each off reproduces the simpler behaviour."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from abm_lab.config.core import DemoParams, LiftTruth, ScenarioParams
from abm_lab.errors import ABMParamsError
from abm_lab.synth import generate_world
from abm_lab.synth.common import QUARTER_DAYS
from abm_lab.synth.opportunities import H_INTENT

AS_OF = "2026-12-31"


def _world(seed=11, n=600, lift=None, **scenario):
    demo = DemoParams(
        n_accounts=n,
        n_contacts=1000,
        n_touchpoints=5000,
        seed=seed,
        scenario=ScenarioParams(**scenario),
        lift=lift or LiftTruth(),
    )
    return generate_world(demo, AS_OF)


def _hazard(w):
    """Accounts x observed weeks: the hazard an account faces when free (0 for customers)."""
    n = len(w.truth["accounts"])
    return w.truth["weekly"]["p_opp_week_free"].to_numpy(float).reshape(n, -1)


def _weeks(w):
    return pd.DatetimeIndex(w.truth["weekly"]["week_start"].iloc[: w.meta["sizes"]["weeks"]])


def test_simple_switches_everything_off():
    s = ScenarioParams.simple()
    assert s.burn_in_weeks == 0 and s.selection_intent_weight == 0 and s.stagger_quarters == 1
    assert s.exit_share == 0 and s.trend_per_year == 0 and set(s.seasonality) == {0.0}
    assert set(s.tier_effect.values()) == {1.0} and s.anticipation_weeks == 0 and s.spillover_share == 0
    assert ScenarioParams.simple(exit_share=0.2).exit_share == 0.2
    d = ScenarioParams()
    assert d.burn_in_weeks > 0 and d.selection_intent_weight > 0 and d.stagger_quarters > 1 and d.exit_share > 0
    assert d.trend_per_year != 0 and any(d.seasonality) and len(set(d.tier_effect.values())) > 1
    assert d.anticipation_weeks == 0 and d.spillover_share == 0  # optional: off by default
    with pytest.raises(ValidationError, match="tier_effect"):
        ScenarioParams(tier_effect={"strategic": 1.0})
    with pytest.raises(ABMParamsError, match="stagger_quarters"):
        _world(stagger_quarters=5)  # the last cohort would start after as_of


def test_staggered_starts(small_world, simple_world, small_demo):
    start = pd.Timestamp(small_demo.program_start)
    assert (simple_world.tables["programs"]["start_date"] == start).all()
    assert simple_world.meta["program_starts"] == {"2026Q1": simple_world.meta["sizes"]["targets"]}
    prog = small_world.tables["programs"]
    k = small_demo.scenario.stagger_quarters
    starts = sorted(prog["start_date"].unique())
    assert starts == [start + pd.Timedelta(days=QUARTER_DAYS * c) for c in range(k)]
    counts = prog["start_date"].value_counts()
    assert counts.max() - counts.min() <= 1  # cohorts of equal size
    assert sorted(small_world.meta["program_starts"].values()) == sorted(counts.to_list())
    t = small_world.truth["accounts"].set_index("account_id").loc[prog["account_id"]]
    assert (t["start_date"].to_numpy() == prog["start_date"].to_numpy()).all()


def test_exits(small_world, simple_world, small_demo):
    assert simple_world.tables["programs"]["end_date"].isna().all() and simple_world.meta["program_exits"] == {}
    prog = small_world.tables["programs"]
    left = prog.loc[prog["end_date"].notna()]
    share = len(left) / len(prog)
    assert 0.3 * small_demo.scenario.exit_share < share < 2 * small_demo.scenario.exit_share
    assert (left["end_date"] < pd.Timestamp(AS_OF)).all()
    # in for whole programme quarters: the day after the end starts a week, whole quarters after the start week
    weeks = _weeks(small_world)
    assert (left["end_date"] + pd.Timedelta(days=1)).isin(weeks).all()
    days = (left["end_date"] + pd.Timedelta(days=1) - left["start_date"]).dt.days
    assert ((days >= QUARTER_DAYS) & (days % QUARTER_DAYS < 7)).all()
    assert sum(small_world.meta["program_exits"].values()) == len(left)
    # no programme touches after the exit
    tp, tt = small_world.tables["touchpoints"], small_world.truth["touchpoints"]
    prog_tp = pd.DataFrame({"account_id": tt["true_account_id"].astype(str), "ts": tp["timestamp"]}).loc[
        tp["program_id"].notna().to_numpy()
    ]
    m = prog_tp.merge(prog, on="account_id")
    assert (m["ts"] >= m["start_date"]).all()
    assert not (m["ts"] > m["end_date"] + pd.Timedelta(days=1)).any()


def test_effect_schedule_tiers_and_exits():
    """The hazard ratio to a zero-lift twin is 1 + lift x tier multiplier in the programme, 1 elsewhere."""
    lift = LiftTruth(opp_rate=0.5)
    w1, w0 = _world(lift=lift), _world(lift=LiftTruth(opp_rate=0.0, win_rate=0.0, deal_size=0.0))
    h1, h0 = _hazard(w1), _hazard(w0)
    pd.testing.assert_frame_equal(w1.tables["programs"], w0.tables["programs"])  # the lift changes no choice
    t = w1.truth["accounts"]
    weeks = _weeks(w1).values
    start = t["start_date"].to_numpy()[:, None]
    end = t["end_date"].to_numpy()[:, None]
    inside = (weeks[None, :] >= start) & ~(weeks[None, :] > end)  # NaT compares False
    free = h0 > 0
    ratio = np.where(free, h1 / np.where(free, h0, 1), 1.0)
    mult = t["tier"].map(w1.meta["scenario"]["tier_effect"]).fillna(0).to_numpy()
    expected = np.where(inside, 1 + lift.opp_rate * mult[:, None], 1.0)
    cap = h1 >= 0.95 - 1e-6
    np.testing.assert_allclose(ratio[free & ~cap], expected[free & ~cap], rtol=1e-5)
    left = t["end_date"].notna().to_numpy()
    assert left.any() and (ratio[left][~inside[left] & free[left]] == 1).all()  # no effect after the exit
    by_tier = {
        tier: float(np.mean(ratio[(t["tier"] == tier).to_numpy()][inside[(t["tier"] == tier).to_numpy()]]))
        for tier in ("strategic", "abm_lite", "programmatic")
    }
    assert by_tier["strategic"] > by_tier["abm_lite"] > by_tier["programmatic"] > 1
    # homogeneous effect when every multiplier is 1
    flat = _world(lift=lift, tier_effect={"strategic": 1.0, "abm_lite": 1.0, "programmatic": 1.0})
    r = _hazard(flat) / np.where(free, h0, 1)
    assert np.allclose(r[free & inside & ~cap], 1 + lift.opp_rate, rtol=1e-5)


def test_anticipation_and_spillover():
    lift = LiftTruth(opp_rate=0.5)
    zero = LiftTruth(opp_rate=0.0, win_rate=0.0, deal_size=0.0)
    sc = dict(anticipation_weeks=4, anticipation_share=0.5, spillover_share=0.4)
    w1, w0 = _world(lift=lift, **sc), _world(lift=zero, **sc)
    h1, h0 = _hazard(w1), _hazard(w0)
    free = h0 > 0
    ratio = np.where(free, h1 / np.where(free, h0, 1), 1.0)
    t = w1.truth["accounts"]
    weeks = _weeks(w1).values
    tg = t["is_target"].to_numpy()
    start = t["start_date"].to_numpy()[:, None]
    before = (weeks[None, :] < start) & (weeks[None, :] >= start - np.timedelta64(28, "D"))
    mult = t["tier"].map(w1.meta["scenario"]["tier_effect"]).fillna(0).to_numpy()[:, None]
    m = before & free
    np.testing.assert_allclose(ratio[m], np.broadcast_to(1 + 0.25 * mult, ratio.shape)[m], rtol=1e-5)
    early = (weeks[None, :] < start - np.timedelta64(28, "D")) & free
    assert (ratio[early] == 1).all()
    # spillover: non-target prospects gain with the programme's reach (none before the first start)
    by = ~tg & ~t["is_customer"].to_numpy()
    first = pd.Timestamp(w1.meta["program_start"])
    pre = weeks < first
    assert (ratio[by][:, pre] == 1).all()
    spill = ratio[by][:, ~pre].mean(axis=0)
    assert (spill > 1).all() and spill.max() <= 1 + 0.5 * 0.4 + 1e-6
    assert spill[-1] > spill[0]  # more targets in the programme, more spillover
    # off by default: bystanders untouched
    d1, d0 = _world(lift=lift), _world(lift=zero)
    assert np.array_equal(_hazard(d1)[by], _hazard(d0)[by])


def test_trend_and_seasonality():
    """Trend and season shift the untreated hazard's logit by the same amount for every account each week."""
    zero = LiftTruth(opp_rate=0.0, win_rate=0.0, deal_size=0.0)
    flat = _world(lift=zero, trend_per_year=0.0, seasonality=(0.0, 0.0, 0.0, 0.0))
    on = _world(lift=zero, trend_per_year=0.3, seasonality=(-0.2, 0.0, -0.1, 0.3))
    hf, ho = _hazard(flat), _hazard(on)
    free = hf > 0
    lg = lambda p: np.log(p) - np.log1p(-p)  # noqa: E731
    diff = np.where(free, lg(np.where(free, ho, 0.5)) - lg(np.where(free, hf, 0.5)), np.nan)
    per_week = np.nanmean(diff, axis=0)
    assert np.nanmax(np.abs(diff - per_week[None, :])) < 1e-4  # common to every account
    weeks = _weeks(flat)
    centre = (len(weeks) - 1) / 2
    season = np.array([-0.2, 0.0, -0.1, 0.3]) - 0.0
    expected = 0.3 * (np.arange(len(weeks)) - centre) / 52 + season[weeks.quarter - 1]
    np.testing.assert_allclose(per_week, expected, atol=1e-4)
    # switched off: the hazard is fit and intent only (constant logit offset per account over time)
    intent = flat.truth["weekly"]["intent"].to_numpy(float).reshape(hf.shape)
    rest = np.where(free, lg(np.where(free, hf, 0.5)) - H_INTENT * intent, np.nan)
    assert np.nanmax(np.nanstd(rest[free.any(axis=1)], axis=1)) < 1e-4


def _intent_gap(w):
    """Per observed quarter: targets' mean intent minus that of non-target prospects in the same fit decile."""
    t = w.truth["accounts"]
    n = len(t)
    q = w.truth["weekly"]["intent"].to_numpy(float).reshape(n, -1, 13).mean(axis=2)
    tg = t["is_target"].to_numpy()
    ctrl = ~tg & ~t["is_customer"].to_numpy()
    dec = pd.qcut(t["fit_logit"], 10, labels=False).to_numpy()
    base = np.array([q[ctrl & (dec == d)].mean(axis=0) for d in range(10)])
    return (q[tg] - base[dec[tg]]).mean(axis=0)


@pytest.mark.parametrize("seed", [1, 2])
def test_selection_on_recent_intent(seed):
    """Targets chosen on recent intent: it rises in the quarters before the start, then regresses."""
    on = _intent_gap(_world(seed, 1000, stagger_quarters=1))
    off = _intent_gap(_world(seed, 1000, stagger_quarters=1, selection_intent_weight=0.0))
    # quarters 0..7, the programme starts at quarter 4; the judgement looks at quarters 2 and 3
    rise_on, rise_off = on[2:4].mean() - on[0], off[2:4].mean() - off[0]
    assert rise_on > 0.2 and rise_on - rise_off > 0.2
    assert on[2:4].mean() - on[6:].mean() > 0.2  # the dip after the start
    assert abs(rise_off) < 0.2


def test_burn_in_removes_the_warm_up_artefact():
    """The first observed quarter's opportunity hazard is not inflated relative to the next ones."""

    def first_to_next(burn_in):
        out = []
        for seed in range(100, 106):
            w = _world(seed, burn_in_weeks=burn_in, trend_per_year=0.0, seasonality=(0.0, 0.0, 0.0, 0.0))
            p = w.truth["weekly"]["p_opp_week"].to_numpy(float).reshape(len(w.truth["accounts"]), -1)
            out.append(p[:, :13].mean() / p[:, 13:52].mean())
        return np.array(out)

    burned, cold = first_to_next(26), first_to_next(0)
    assert 0.93 < burned.mean() < 1.05 and burned.max() < 1.07
    assert cold.mean() > 1.07  # the test can fail: without a burn-in every account starts free


def test_burn_in_carries_open_deals_into_the_window(small_world, simple_world):
    start = pd.Timestamp(small_world.meta["start"])
    opp = small_world.tables["opportunities"]
    carried = opp.loc[opp["created_date"] < start]
    assert len(carried) > 0 and (carried["close_date"].isna() | (carried["close_date"] >= start)).all()
    acc = small_world.tables["accounts"].set_index("account_id")
    assert (acc.loc[opp["account_id"], "created_date"].to_numpy() < opp["created_date"].to_numpy()).all()
    assert (simple_world.tables["opportunities"]["created_date"] >= start).all()
    assert small_world.meta["burn_in_weeks"] == 26 and simple_world.meta["burn_in_weeks"] == 0
