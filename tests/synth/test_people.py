"""People (abm_lab.synth.people): true account and persona, noisy observed fields."""

from __future__ import annotations

import numpy as np

from abm_lab.synth.people import TITLE_MISSING_ABOVE, job_titles


def test_truth_of_people(small_world):
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


def test_contacts_are_sorted_by_id(small_world):
    con = small_world.tables["contacts"]
    assert con["contact_id"].is_monotonic_increasing and con["contact_id"].is_unique


def test_job_titles_follow_function_and_seniority():
    rng = np.random.default_rng(1)
    n = 4000
    fn = np.array(["sales"] * (n // 2) + ["executive"] * (n // 2), dtype=object)
    sen = np.array(["vp"] * (n // 2) + ["c_level"] * (n // 2), dtype=object)
    t = job_titles(rng, fn, sen)
    missing = np.array([x is None for x in t])
    assert 0.5 * (1 - TITLE_MISSING_ABOVE) < missing.mean() < 2 * (1 - TITLE_MISSING_ABOVE)
    vp = [x for x in t[: n // 2] if x is not None]
    assert np.mean(["vp" in x.lower() or "vice" in x.lower() for x in vp]) > 0.9
