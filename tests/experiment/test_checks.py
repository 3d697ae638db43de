"""The experiment's checks: sample-ratio mismatch, pre-period balance and contamination, on known assignments.

SRM and balance run over many seeded assignments (the rates they claim); the thresholds are the params
schema's defaults (``experiment.srm_alpha``, ``experiment.balance_alpha``, ``experiment.holdout_share``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from abm_lab.config.experiment import ExperimentParams
from abm_lab.experiment.analysis import ExperimentSample
from abm_lab.experiment.assign import assign_arms
from abm_lab.experiment.checks import arm_balance, contamination, joint_balance, sample_ratio

EP = ExperimentParams()
SHARE = EP.holdout_share
N_SEEDS = 500
N_TARGETS = 1500  # a large target list: a 30 % loss of controls must be detectable at srm_alpha
TIERS = ("abm_lite", "programmatic")
N_COHORTS = 3


def target_list(n: int = N_TARGETS) -> pd.DataFrame:
    """Target accounts with a tier × start-cohort stratum (as the synthetic world and design-holdout use)."""
    i = np.arange(n)
    return pd.DataFrame(
        {
            "account_id": [f"A{k:05d}" for k in i],
            "stratum": [f"{TIERS[k % 2]}|{k % N_COHORTS}" for k in i],
        }
    )


def srm_p(arm: np.ndarray, share: float = SHARE) -> float:
    return sample_ratio(int((arm == "treatment").sum()), int((arm == "control").sum()), share)["p_value"]


def test_sample_ratio_by_hand():
    ok = sample_ratio(80, 20, 0.2)
    assert ok["chi2"] == pytest.approx(0.0) and ok["p_value"] == pytest.approx(1.0)
    off = sample_ratio(70, 30, 0.2)  # expected 80 / 20
    assert off["chi2"] == pytest.approx(10**2 / 20 + 10**2 / 80)
    assert off["p_value"] == pytest.approx(stats.chi2.sf(6.25, 1))
    assert off["observed_share"] == pytest.approx(0.3) and off["expected_share"] == 0.2
    assert np.isnan(sample_ratio(0, 0, 0.2)["p_value"])


def test_stratified_assignment_never_raises_a_false_alarm():
    """±1 account per stratum: the control count is (almost) fixed, so the χ² test never fires."""
    tl = target_list()
    n_strata = tl["stratum"].nunique()
    n_seeds = N_SEEDS // 2
    ps, dev = np.empty(n_seeds), np.empty(n_seeds)
    for s in range(n_seeds):
        arm = assign_arms(tl["account_id"], tl["stratum"], SHARE, np.random.default_rng(s))
        ps[s] = srm_p(arm)
        dev[s] = abs((arm == "control").sum() - SHARE * len(tl))
    assert (ps < EP.srm_alpha).mean() <= EP.srm_alpha
    assert dev.max() <= n_strata  # within one account per stratum
    assert ps.min() > 0.5


def test_srm_is_calibrated_for_bernoulli_assignment():
    """Each account independently in control with ``share`` (binomial control count): the exact probability that
    the χ² p-value falls below alpha is alpha (within 15 %), srm_alpha included."""
    c = np.arange(N_TARGETS + 1)
    ps = np.array([sample_ratio(N_TARGETS - k, int(k), SHARE)["p_value"] for k in c])
    pmf = stats.binom.pmf(c, N_TARGETS, SHARE)
    for alpha in (EP.srm_alpha, 0.01, 0.05, 0.2):
        assert pmf[ps < alpha].sum() == pytest.approx(alpha, rel=0.15)


@pytest.mark.parametrize("seed", range(10))
def test_dropped_controls_are_detected(seed):
    """30 % of the control accounts lost from the export (e.g. filtered out by the CRM sync)."""
    tl = target_list()
    rng = np.random.default_rng(seed)
    arm = assign_arms(tl["account_id"], tl["stratum"], SHARE, rng)
    ctrl = np.flatnonzero(arm == "control")
    keep = np.ones(len(arm), bool)
    keep[rng.choice(ctrl, int(0.3 * len(ctrl)), replace=False)] = False
    assert srm_p(arm) > EP.srm_alpha
    assert srm_p(arm[keep]) < EP.srm_alpha


@pytest.mark.parametrize("seed", range(10))
def test_arms_flipped_for_a_block_of_accounts_are_detected(seed):
    """Sales pulls half the list (a block of account ids) back into the programme: its controls become treatment."""
    tl = target_list()
    arm = assign_arms(tl["account_id"], tl["stratum"], SHARE, np.random.default_rng(seed))
    broken = arm.copy()
    broken[: len(arm) // 2] = "treatment"
    assert srm_p(broken) < EP.srm_alpha


def covariates(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Pre-period covariates of a target list: skewed engagement, size, a binary flag, correlated."""
    size = rng.lognormal(0, 1, n)
    return pd.DataFrame(
        {
            "touches": rng.poisson(3 + 2 * np.log1p(size)),
            "log_employees": np.log(size * 100),
            "opp_rate": rng.gamma(2, 0.5, n),
            "has_intent": (rng.random(n) < 0.3).astype(float),
            "constant": np.ones(n),  # dropped (no variation)
        }
    )


def random_treat(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.ones(n, int)
    t[rng.permutation(n)[: int(round(SHARE * n))]] = 0
    return t


def test_joint_balance_p_values_are_uniform_under_random_assignment():
    rng = np.random.default_rng(11)
    n = 300
    ps = np.array([joint_balance(covariates(rng, n), random_treat(rng, n))["p_value"] for _ in range(N_SEEDS)])
    assert stats.kstest(ps, "uniform").pvalue > 0.01
    assert (ps < 0.05).mean() == pytest.approx(0.05, abs=0.025)
    assert (ps < EP.balance_alpha).mean() <= 3 * EP.balance_alpha


def test_joint_balance_flags_assignment_correlated_with_a_covariate():
    """Controls chosen among the less engaged accounts (odds of control ÷3 per SD of touches)."""
    rng = np.random.default_rng(12)
    n = 300
    flagged, smd = [], []
    for _ in range(100):
        cov = covariates(rng, n)
        z = (cov["touches"] - cov["touches"].mean()) / cov["touches"].std()
        p_ctrl = 1 / (1 + np.exp(-(np.log(SHARE / (1 - SHARE)) - np.log(3) * z)))
        t = (rng.random(n) >= p_ctrl).astype(int)
        jb = joint_balance(cov, t)
        assert jb["df"] == [4, n - 5]  # the constant column is dropped
        flagged.append(jb["p_value"] < EP.balance_alpha)
        bal = arm_balance(cov, t)
        smd.append(bal.set_index("covariate").loc["touches", "smd"])
    assert np.mean(flagged) > 0.9
    assert np.mean(smd) > 0.4  # the treatment arm is the more engaged


def test_arm_balance_by_hand():
    cov = pd.DataFrame({"x": [1.0, 2.0, 3.0, 5.0, 7.0, 9.0], "c": 1.0})
    t = np.array([1, 1, 1, 0, 0, 0])
    b = arm_balance(cov, t).set_index("covariate")
    sd = np.sqrt((np.var([1, 2, 3], ddof=1) + np.var([5, 7, 9], ddof=1)) / 2)
    assert b.loc["x", "treatment"] == 2.0 and b.loc["x", "control"] == 7.0
    assert b.loc["x", "smd"] == pytest.approx((2 - 7) / sd)
    assert b.loc["c", "smd"] == 0.0
    assert np.isnan(joint_balance(cov[["c"]], t)["p_value"])  # nothing varies: no test


# --- contamination ---------------------------------------------------------------------------------------------


def sample_of(arms: dict[str, tuple[str, str]]) -> ExperimentSample:
    """An experiment sample of account id → (arm, start date)."""
    ids = np.array(list(arms), dtype=object)
    n = len(ids)
    return ExperimentSample(
        rows=np.arange(n),
        account_ids=ids,
        treat=np.array([a == "treatment" for a, _ in arms.values()], int),
        tier=np.full(n, "abm_lite", dtype=object),
        cohort=np.array([s for _, s in arms.values()], dtype=object),
        post=np.ones((n, 2), bool),
        pre=np.zeros((n, 2), bool),
    )


@pytest.fixture()
def contamination_case():
    arms = {
        "C1": ("control", "2026-04-02"),
        "C2": ("control", "2026-04-02"),
        "C3": ("control", "2026-07-02"),
        "C4": ("control", "2026-07-02"),
        "T1": ("treatment", "2026-04-02"),
        "T2": ("treatment", "2026-07-02"),
    }
    programs = pd.DataFrame(
        {
            "program_id": "ABM-1",
            "account_id": list(arms),
            "start_date": pd.to_datetime([s for _, s in arms.values()]),
            "arm": [a for a, _ in arms.values()],
        }
    )
    touches = [  # (account, program, timestamp)
        ("C1", "ABM-1", "2026-04-02 09:30"),  # on the start day: counted
        ("C1", "ABM-1", "2026-05-10 12:00"),  # a second touch of the same account
        ("C2", "ABM-1", "2026-04-01 23:59"),  # the evening before the start: not counted
        ("C3", "OTHER", "2026-08-01 10:00"),  # another programme: not counted
        ("C3", None, "2026-08-02 10:00"),  # not a programme touch
        ("C4", "ABM-1", "2026-09-15 08:00"),  # counted
        ("T1", "ABM-1", "2026-05-01 10:00"),  # treatment arm: expected
        ("X9", "ABM-1", "2026-05-01 10:00"),  # not in the experiment
        (None, "ABM-1", "2026-05-01 10:00"),  # unmapped touch
    ]
    tp = pd.DataFrame(touches, columns=["account_id", "program_id", "timestamp"])
    tp["timestamp"] = pd.to_datetime(tp["timestamp"])
    return sample_of(arms), programs, tp


def test_contamination_counts_programme_touches_on_controls_after_their_start(contamination_case):
    sample, programs, tp = contamination_case
    c = contamination(tp, sample, programs)
    assert c["checked"] and c["n_control"] == 4
    assert c["contaminated"] == 2  # C1, C4
    assert c["touches"] == 3
    assert c["share"] == pytest.approx(0.5)


def test_contamination_ignores_touches_before_the_start_or_of_other_programmes(contamination_case):
    sample, programs, tp = contamination_case
    clean = tp.loc[~tp["account_id"].isin(["C1", "C4"])]
    c = contamination(clean, sample, programs)
    assert c["checked"] and c["contaminated"] == 0 and c["share"] == 0.0
    as_category = clean.assign(program_id=clean["program_id"].astype("category"))  # as the generator writes it
    assert contamination(as_category, sample, programs)["contaminated"] == 0


def test_contamination_is_not_checked_without_programme_ids(contamination_case):
    sample, programs, tp = contamination_case
    for missing in (None, tp.iloc[:0], tp.drop(columns="program_id")):
        c = contamination(missing, sample, programs)
        assert not c["checked"] and c["n_control"] == 4 and np.isnan(c["share"])
