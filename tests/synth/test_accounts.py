"""Accounts and the true fit function (abm_lab.synth.accounts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.synth import FIT_COEFS
from abm_lab.synth.accounts import NAME_STYLES, calibrate_intercept, company_variant, fit_design, make_accounts
from abm_lab.synth.common import sigmoid


def test_customers_follow_the_true_fit_function(small_world):
    acc, truth = small_world.tables["accounts"], small_world.truth["accounts"]
    assert (acc["is_customer"].to_numpy() == truth["is_customer"].to_numpy()).all()
    # customers are drawn from fit_prob: higher true fit, more customers (by quintile)
    q = pd.qcut(truth["fit_prob"], 5, labels=False)
    rate = truth.groupby(q)["is_customer"].mean()
    assert rate.is_monotonic_increasing and rate.iloc[-1] > 3 * rate.iloc[0]
    # the strongest driver really separates customers
    crm = acc["tech_crm"].astype(bool)
    assert acc.loc[crm, "is_customer"].mean() > 1.4 * acc.loc[~crm, "is_customer"].mean()
    assert set(small_world.meta["fit_drivers"]) == set(FIT_COEFS)


def test_fit_design_and_intercept_reproduce_the_saved_truth(small_world, small_demo):
    acc, truth = small_world.tables["accounts"], small_world.truth["accounts"]
    X = fit_design(acc)
    assert list(X.columns) == list(FIT_COEFS) and set(np.unique(X.to_numpy())) <= {0.0, 1.0}
    lin = X.to_numpy() @ np.array(list(FIT_COEFS.values()))
    b0 = calibrate_intercept(lin, small_demo.customer_rate)
    assert b0 == small_world.meta["fit_intercept"]
    assert sigmoid(lin + b0).mean() == pytest.approx(small_demo.customer_rate, abs=1e-9)
    np.testing.assert_allclose(lin + b0, truth["fit_logit"].to_numpy())


def test_subsidiaries_point_at_a_parent_in_the_same_industry(small_world):
    acc = small_world.tables["accounts"].set_index("account_id")
    sub = acc[acc["parent_account_id"].notna()]
    assert len(sub) > 0 and sub["parent_account_id"].isin(acc.index).all()
    assert (sub["industry"].to_numpy() == acc.loc[sub["parent_account_id"], "industry"].to_numpy()).all()


def test_company_variants_cover_every_style():
    rng = np.random.default_rng(0)
    accounts = make_accounts(rng, 200, pd.Timestamp("2025-01-01"))
    idx = np.repeat(np.arange(200), 20)
    typed = company_variant(rng, accounts, idx).astype(str)
    names = accounts.table["name"].to_numpy()[idx].astype(str)
    assert 0.2 < (typed == names).mean() < 0.45  # exact below 0.30, plus styles that change nothing
    assert (np.char.startswith(typed, "The ")).mean() == pytest.approx(1 - NAME_STYLES["the"][0], abs=0.02)
    assert ((typed == np.char.upper(accounts.base_name[idx].astype(str))) & (typed != names)).mean() > 0.03
