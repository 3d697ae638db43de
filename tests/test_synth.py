"""The synthetic world: deterministic, valid, and its saved truth is consistent with what is observed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.config.core import LiftTruth
from abm_lab.synth import FIT_COEFS, ensure_world, generate_world


def test_same_seed_same_world(small_demo, small_world):
    again = generate_world(small_demo, "2026-12-31")
    for name, df in small_world.tables.items():
        pd.testing.assert_frame_equal(df, again.tables[name], obj=name)
    other = generate_world(small_demo.model_copy(update={"seed": 12}), "2026-12-31")
    assert not other.tables["accounts"]["name"].equals(small_world.tables["accounts"]["name"])


def test_sizes_and_validity(small_demo, small_world, small_dataset):
    t = small_dataset.tables
    assert len(t["accounts"]) == small_demo.n_accounts
    assert len(t["contacts"]) == small_demo.n_contacts
    assert abs(len(t["touchpoints"]) - small_demo.n_touchpoints) < 0.05 * small_demo.n_touchpoints
    assert t["accounts"]["domain"].is_unique and t["accounts"]["name"].is_unique
    tp = t["touchpoints"]
    assert (tp["contact_id"].notna() ^ tp["visitor_domain"].notna()).all()  # a person or an anonymous visit
    assert tp["timestamp"].max() <= pd.Timestamp("2027-01-01")


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


def test_truth_of_people_and_touches(small_world):
    con = small_world.tables["contacts"]
    tc = small_world.truth["contacts"]
    assert (con["contact_id"].to_numpy() == tc["contact_id"].to_numpy()).all()
    linked = con["account_id"].notna()
    assert (con.loc[linked, "account_id"].to_numpy() == tc.loc[linked, "true_account_id"].to_numpy()).all()
    acc = small_world.tables["accounts"].set_index("account_id")
    # corporate e-mails end with the true account's domain, alt domain or a sub-domain of it
    corp = con["email"].notna() & ~tc["is_freemail"]
    doms = con.loc[corp, "email"].str.split("@").str[1]
    true_dom = acc.loc[tc.loc[corp, "true_account_id"], "domain"].to_numpy()
    true_alt = acc.loc[tc.loc[corp, "true_account_id"], "alt_domains"].fillna("").to_numpy()
    ok = [d == a or d.endswith("." + a) or d == b for d, a, b in zip(doms, true_dom, true_alt, strict=False)]
    assert np.mean(ok) == 1.0
    # noise exists: some names differ from the CRM name, some e-mails are free-mail
    assert 0.05 < tc["is_freemail"].mean() < 0.25
    typed = con["company_name"].dropna()
    assert (typed != acc.loc[tc.loc[typed.index, "true_account_id"], "name"].to_numpy()).mean() > 0.4
    # anonymous visits carry the true account's domain
    tp = small_world.tables["touchpoints"]
    tt = small_world.truth["touchpoints"]
    anon = tp["visitor_domain"].notna().to_numpy()
    assert (
        tp.loc[anon, "visitor_domain"].astype(str).to_numpy()
        == acc.loc[tt.loc[anon, "true_account_id"].astype(str), "domain"].to_numpy()
    ).all()


def test_program_is_confounded_and_has_known_lift(small_world):
    truth = small_world.truth["accounts"]
    targets = truth[truth.is_target]
    others = truth[~truth.is_target & ~truth.is_customer]
    assert targets["fit_logit"].mean() > others["fit_logit"].mean() + 0.5  # chosen by fit
    assert not targets["is_customer"].any()
    assert set(small_world.tables["programs"]["account_id"]) == set(targets["account_id"])
    # potential outcomes: with the program, targets create more opportunities (true lift 50%)
    assert targets["exp_opps_post_treated"].sum() == pytest.approx(
        1.5 * targets["exp_opps_post_untreated"].sum(), rel=0.02
    )
    assert targets["opps_post_treated"].sum() > targets["opps_post_untreated"].sum()


def test_zero_lift_world_has_identical_potential_outcomes(small_demo):
    w = generate_world(
        small_demo.model_copy(update={"lift": LiftTruth(opp_rate=0, win_rate=0, deal_size=0)}), "2026-12-31"
    )
    t = w.truth["accounts"]
    assert (t["opps_post_treated"] == t["opps_post_untreated"]).all()
    assert (t["won_post_treated"] == t["won_post_untreated"]).all()


def test_oracle_hazard_is_zero_for_customers_and_open_deals(small_world):
    wk = small_world.truth["weekly"]
    cust = set(small_world.truth["accounts"].query("is_customer")["account_id"])
    assert wk.loc[wk["account_id"].isin(cust), "p_opp_week"].max() == 0
    assert 0 < wk["p_opp_week"].mean() < 0.05


def test_opportunities_are_consistent(small_dataset):
    o = small_dataset["opportunities"]
    assert (o.loc[o.is_closed, "close_date"] >= o.loc[o.is_closed, "created_date"]).all()
    assert o.loc[~o.is_closed, "close_date"].isna().all()
    sh = small_dataset["stage_history"]
    last = sh.groupby("opportunity_id")["stage"].last()
    closed = o.loc[o.is_closed].set_index("opportunity_id")["stage"]
    assert (last.loc[closed.index] == closed).all()


def test_ensure_world_writes_once(tmp_path, small_demo):
    import os

    ensure_world(small_demo, "2026-12-31", tmp_path)
    assert (tmp_path / "truth" / "truth.json").exists() and (tmp_path / "accounts.parquet").exists()
    m = os.path.getmtime(tmp_path / "accounts.parquet")
    ensure_world(small_demo, "2026-12-31", tmp_path)
    assert os.path.getmtime(tmp_path / "accounts.parquet") == m
