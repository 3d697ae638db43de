"""Stratified assignment: ±1 account per stratum, the expected share, uniform draws, determinism, row-order
independence, exclusions and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.experiment.assign import ARMS, assign_arms, stratum_counts

SIZES = {"s1": 7, "s2": 13, "s3": 1, "s4": 40}  # strata of awkward sizes (fractional n·share)


@pytest.fixture(scope="module")
def accounts() -> pd.DataFrame:
    ids = [f"A{i:04d}" for i in range(sum(SIZES.values()))]
    strata = [s for s, n in SIZES.items() for _ in range(n)]
    return pd.DataFrame({"account_id": ids, "stratum": strata})


def _controls(arms: np.ndarray, strata: pd.Series) -> pd.Series:
    return pd.Series(arms == ARMS[1]).groupby(strata.to_numpy()).sum()


@pytest.mark.parametrize("share", [0.1, 0.25, 0.5])
def test_each_stratum_within_one_account_of_the_share_for_every_seed(accounts, share):
    for seed in range(60):
        arms = assign_arms(accounts["account_id"], accounts["stratum"], share, np.random.default_rng(seed))
        for s, k in _controls(arms, accounts["stratum"]).items():
            n = SIZES[str(s)]
            assert np.floor(n * share) <= k <= np.ceil(n * share), (seed, s, k)


def test_expected_share_is_exact_in_every_stratum_and_draws_are_uniform(accounts):
    """1,500 independent draws in one call: copy j of every account is a distinct id in its own stratum copy."""
    share, draws = 0.1, 1500
    tag = np.repeat([f"{j}/" for j in range(draws)], len(accounts)).astype(object)
    ids = tag + np.tile(accounts["account_id"].to_numpy(object), draws)
    strata = tag + np.tile(accounts["stratum"].to_numpy(object), draws)
    control = (assign_arms(ids, strata, share, np.random.default_rng(0)) == ARMS[1]).reshape(draws, len(accounts))
    for s, n in SIZES.items():
        k = control[:, (accounts["stratum"] == s).to_numpy()].sum(axis=1)
        assert set(np.unique(k)) <= {np.floor(n * share), np.ceil(n * share)}
        frac = n * share - np.floor(n * share)
        se = np.sqrt(frac * (1 - frac) / draws) + 1e-9  # spread of the ±1 draw
        assert abs(k.mean() - n * share) < 4 * se, (s, k.mean(), n * share)
    # every account of the big stratum is held out with probability `share` (a uniform draw)
    freq = control[:, (accounts["stratum"] == "s4").to_numpy()].mean(axis=0)
    assert np.all(np.abs(freq - share) < 4 * np.sqrt(share * (1 - share) / draws))


def test_same_seed_same_arms_other_seed_other_arms(accounts):
    a = assign_arms(accounts["account_id"], accounts["stratum"], 0.3, np.random.default_rng(5))
    b = assign_arms(accounts["account_id"], accounts["stratum"], 0.3, np.random.default_rng(5))
    c = assign_arms(accounts["account_id"], accounts["stratum"], 0.3, np.random.default_rng(6))
    assert (a == b).all()
    assert (a != c).any()


def test_row_order_does_not_change_any_accounts_arm(accounts):
    a = assign_arms(accounts["account_id"], accounts["stratum"], 0.3, np.random.default_rng(9))
    shuffled = accounts.sample(frac=1, random_state=1)
    b = assign_arms(shuffled["account_id"], shuffled["stratum"], 0.3, np.random.default_rng(9))
    assert dict(zip(accounts["account_id"], a, strict=True)) == dict(zip(shuffled["account_id"], b, strict=True))


def test_excluded_accounts_are_treated_and_do_not_change_the_others(accounts):
    rand = accounts["stratum"] != "s2"
    a = assign_arms(accounts["account_id"], accounts["stratum"], 0.3, np.random.default_rng(3), rand)
    assert (a[~rand.to_numpy()] == ARMS[0]).all()
    kept = accounts.loc[rand]
    b = assign_arms(kept["account_id"], kept["stratum"], 0.3, np.random.default_rng(3))
    assert (a[rand.to_numpy()] == b).all()


def test_duplicates_and_bad_shares_are_refused(accounts):
    ids = list(accounts["account_id"])
    ids[3] = ids[0]
    with pytest.raises(ValueError, match="more than once"):
        assign_arms(ids, accounts["stratum"], 0.1, np.random.default_rng(0))
    for share in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="strictly between"):
            assign_arms(accounts["account_id"], accounts["stratum"], share, np.random.default_rng(0))


def test_stratum_counts_add_up(accounts):
    arms = assign_arms(accounts["account_id"], accounts["stratum"], 0.25, np.random.default_rng(1))
    t = stratum_counts(accounts["stratum"], arms).set_index("stratum")
    assert t["n"].to_dict() == SIZES
    assert (t["treatment"] + t["control"] == t["n"]).all()
    assert t["control"].sum() == (arms == ARMS[1]).sum()
