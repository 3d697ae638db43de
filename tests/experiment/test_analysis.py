"""Who is in the experiment and over which periods, on a hand-built programme with every kind of account.

Grid: eight 91-day periods ending on 2026-12-31 (period 0 = Oct 2 – Dec 31, −1 = Jul 3 – Oct 1, −2 = Apr 3 –
Jul 2, −3 = Jan 2 – Apr 2, −4 = Oct 3 2025 – Jan 1, …, −7).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.config.experiment import ExperimentParams
from abm_lab.experiment.analysis import (
    arm_data,
    arms_of,
    estimate,
    experiment_rows,
    experiment_sample,
    observational_programs,
)
from abm_lab.roi.lift.sample import PeriodGrid

GRID = PeriodGrid(pd.Timestamp("2026-12-31"), 91, 8)
P = {p: i for i, p in enumerate(GRID.periods)}  # period label → column

#: account: (tier, arm, start, end). The panel (eligible accounts) is every account but N1.
ACCOUNTS = {
    "A1": ("abm_lite", "treatment", "2026-07-03", "2026-10-01"),  # starts at period −1, leaves after it
    "A2": ("abm_lite", "control", "2026-07-03", None),
    "A3": ("abm_lite", "", "2026-10-02", None),  # blank arm = treatment; starts at period 0
    "A4": ("abm_lite", "control", "2026-08-15", None),  # mid-period: −1 is neither pre nor post
    "A5": ("abm_lite", None, "2026-04-03", None),  # missing arm = treatment
    "A6": ("abm_lite", "Control ", "2026-04-03", None),  # spelling is normalised
    "L1": ("abm_lite", "control", "2026-12-01", None),  # no complete period before as_of
    "S1": ("strategic", "control", "2026-07-03", None),  # both arms, but strategic is excluded by default
    "S2": ("strategic", "treatment", "2026-07-03", None),
    "P1": ("programmatic", "treatment", "2026-07-03", None),  # no control in the tier
    "P2": ("programmatic", "treatment", "2026-10-02", None),
    "N1": ("abm_lite", "control", "2026-07-03", None),  # not eligible (a customer at the start)
}
PANEL = np.array([a for a in ACCOUNTS if a != "N1"] + ["X1", "X2"], dtype=object)  # X: never targeted


def programs_table(accounts: dict = ACCOUNTS) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "program_id": "ABM-1",
            "account_id": list(accounts),
            "tier": [v[0] for v in accounts.values()],
            "arm": [v[1] for v in accounts.values()],
            "start_date": pd.to_datetime([v[2] for v in accounts.values()]),
            "end_date": pd.to_datetime([v[3] for v in accounts.values()]),
        }
    )


@pytest.fixture()
def sample():
    prog = programs_table()
    arms = arms_of(prog)
    assert arms is not None
    return experiment_sample(prog, arms, PANEL, GRID, ExperimentParams())


def periods(mask_row: np.ndarray) -> list[int]:
    return [int(p) for p in GRID.periods[mask_row]]


def by_id(sample, name: str) -> int:
    return int(np.flatnonzero(sample.account_ids == name)[0])


# --- arms ------------------------------------------------------------------------------------------------------


def test_arms_of_blank_is_treatment_and_spelling_is_normalised():
    arms = arms_of(programs_table())
    assert arms is not None
    assert arms.to_dict() == {
        "A1": "treatment",
        "A2": "control",
        "A3": "treatment",
        "A4": "control",
        "A5": "treatment",
        "A6": "control",
        "L1": "control",
        "S1": "control",
        "S2": "treatment",
        "P1": "treatment",
        "P2": "treatment",
        "N1": "control",
    }


def test_arms_of_is_none_without_controls():
    prog = programs_table()
    assert arms_of(None) is None
    assert arms_of(prog.iloc[:0]) is None
    assert arms_of(prog.drop(columns="arm")) is None
    assert arms_of(prog.assign(arm=["treatment", "", None] * 4)) is None
    assert arms_of(prog.assign(arm=None)) is None


def test_an_account_is_control_only_if_all_its_rows_are():
    prog = pd.concat([programs_table(), programs_table().iloc[[1]].assign(arm="treatment")], ignore_index=True)
    arms = arms_of(prog)
    assert arms is not None and arms["A2"] == "treatment" and arms["A4"] == "control"


def test_observational_programs_drops_the_control_rows_only():
    prog = programs_table()
    obs = observational_programs(prog)
    assert sorted(obs["account_id"]) == ["A1", "A3", "A5", "P1", "P2", "S2"]
    assert obs.columns.tolist() == prog.columns.tolist()
    assert observational_programs(prog.drop(columns="arm")).equals(prog.drop(columns="arm"))


# --- sample ----------------------------------------------------------------------------------------------------


def test_sample_keeps_randomised_tiers_and_counts_the_rest(sample):
    assert sorted(sample.account_ids) == ["A1", "A2", "A3", "A4", "A5", "A6"]
    assert sample.excluded["not_eligible"] == 1  # N1
    assert sample.excluded["tiers_not_randomised"] == {"programmatic": 2, "strategic": 2}
    assert sample.excluded["no_complete_period"] == 1  # L1
    treat = dict(zip(sample.account_ids, sample.treat, strict=True))
    assert treat == {"A1": 1, "A2": 0, "A3": 1, "A4": 0, "A5": 1, "A6": 0}
    assert (sample.n_treatment, sample.n_control) == (3, 3)
    assert list(PANEL[sample.rows]) == list(sample.account_ids)  # rows index the lift panel
    assert set(sample.tier) == {"abm_lite"}
    assert sample.cohort[by_id(sample, "A4")] == "2026-08-15"


def test_excluded_tiers_follow_the_params():
    prog = programs_table()
    arms = arms_of(prog)
    assert arms is not None
    s = experiment_sample(prog, arms, PANEL, GRID, ExperimentParams(exclude_tiers=[]))
    assert {"S1", "S2"} <= set(s.account_ids)
    assert s.excluded["tiers_not_randomised"] == {"programmatic": 2}
    s = experiment_sample(prog, arms, PANEL, GRID, ExperimentParams(exclude_tiers=["strategic", "abm_lite"]))
    assert len(s.account_ids) == 0
    assert s.excluded["tiers_not_randomised"] == {"abm_lite": 7, "programmatic": 2, "strategic": 2}


def test_post_periods_run_from_the_start_to_as_of_whatever_the_exit(sample):
    """Intention to treat: A1 left after period −1 but stays in the experiment through period 0."""
    post = {a: periods(sample.post[i]) for i, a in enumerate(sample.account_ids)}
    assert post == {
        "A1": [-1, 0],
        "A2": [-1, 0],
        "A3": [0],
        "A4": [0],  # started mid-period −1: only complete periods count
        "A5": [-2, -1, 0],
        "A6": [-2, -1, 0],
    }
    assert sample.weights[by_id(sample, "A1")] == 2.0


def test_pre_periods_are_the_last_history_quarters_before_the_start(sample):
    hq = ExperimentParams().history_quarters
    pre = {a: periods(sample.pre[i]) for i, a in enumerate(sample.account_ids)}
    assert pre["A1"] == list(range(-1 - hq, -1))  # the hq periods ending before 2026-07-03
    assert pre["A3"] == list(range(-hq, 0))
    assert pre["A4"] == list(range(-1 - hq, -1))  # period −1 contains the start: neither pre nor post
    assert pre["A5"] == list(range(-2 - hq, -2))
    assert not (sample.pre & sample.post).any()
    prog = programs_table()
    arms = arms_of(prog)
    assert arms is not None
    short = experiment_sample(prog, arms, PANEL, GRID, ExperimentParams(history_quarters=2))
    assert periods(short.pre[by_id(short, "A1")]) == [-3, -2]


def test_an_account_with_two_programme_rows_is_in_once_from_its_first_start():
    acc = dict(ACCOUNTS)
    prog = pd.concat(
        [programs_table(acc), programs_table({"A2": ("abm_lite", "control", "2026-10-02", None)})], ignore_index=True
    )
    arms = arms_of(prog)
    assert arms is not None
    s = experiment_sample(prog, arms, PANEL, GRID, ExperimentParams())
    assert list(s.account_ids).count("A2") == 1
    assert periods(s.post[by_id(s, "A2")]) == [-1, 0]


def test_tier_missing_is_one_tier():
    prog = programs_table().drop(columns="tier")
    arms = arms_of(prog)
    assert arms is not None
    s = experiment_sample(prog, arms, PANEL, GRID, ExperimentParams())
    assert set(s.tier) == {"(none)"}
    assert len(s.account_ids) == 10  # every eligible account with a complete period


# --- account-level data and rows -------------------------------------------------------------------------------


def panel_outcomes() -> np.ndarray:
    """Y[account, period, outcome]: outcome 0 = 10 × account number + period column, outcome 1 = 2 × outcome 0."""
    n_a, n_p = len(PANEL), GRID.n_periods
    base = 10.0 * np.arange(n_a)[:, None] + np.arange(n_p)[None, :]
    return np.stack([base, 2 * base], axis=-1)


def test_arm_data_averages_the_experiment_and_pre_periods(sample):
    Y = panel_outcomes()
    d = arm_data(Y, 1, sample, cuped=(0,))
    i = by_id(sample, "A1")
    row = sample.rows[i]
    post, pre = sample.post[i], sample.pre[i]
    assert d.y[i] == pytest.approx(Y[row, post, 1].mean())
    assert d.w[i] == post.sum()
    assert d.X.shape == (6, 2)  # own history first, then the CUPED outcome
    assert d.X[i] == pytest.approx([Y[row, pre, 1].mean(), Y[row, pre, 0].mean()])
    assert list(d.fe) == list(sample.cohort)


def test_estimate_methods_on_the_sample(sample):
    Y = panel_outcomes()
    d = arm_data(Y, 0, sample)
    dm = estimate(d, "experiment_dm")
    t = d.treat == 1
    assert dm.tau == pytest.approx(np.average(d.y[t], weights=d.w[t]) - np.average(d.y[~t], weights=d.w[~t]))
    assert (dm.n_treatment, dm.n_control) == (3, 3)
    with pytest.raises(ValueError, match="unknown experiment method"):
        estimate(d, "bogus")


def test_experiment_rows_cover_every_outcome_and_method():
    rng = np.random.default_rng(0)
    tier = ["abm_lite", "programmatic"]
    accounts = {
        f"T{i:03d}": (tier[i % 2], "control" if i % 5 == 0 else "treatment", "2026-04-03", None) for i in range(60)
    }
    prog = programs_table(accounts)
    arms = arms_of(prog)
    assert arms is not None
    ids = np.array(list(accounts), dtype=object)
    s = experiment_sample(prog, arms, ids, GRID, ExperimentParams())
    Y = rng.poisson(1.0, (len(ids), GRID.n_periods, 2)).astype(float)
    rows = pd.DataFrame(experiment_rows(Y, ["opp_rate", "pipeline"], s, 0.95))
    overall = rows.loc[rows["tier"] == "all"]
    assert sorted(map(tuple, overall[["outcome", "method"]].to_numpy())) == sorted(
        (o, m) for o in ("opp_rate", "pipeline") for m in ("experiment", "experiment_dm", "experiment_poisson")
    )
    assert set(rows.loc[rows["tier"] != "all", "tier"]) == {"abm_lite", "programmatic"}
    assert (overall["n_control"] == 12).all() and (overall["n_treatment_accounts"] == 48).all()
    assert (overall["n_treated"] == 48 * 3).all()  # treatment-arm account-periods
    assert overall["total"].to_numpy() == pytest.approx((overall["estimate"] * 48 * 3).to_numpy())
    assert (overall["ci_low"] <= overall["estimate"]).all() and (overall["estimate"] <= overall["ci_high"]).all()
