"""Engagement checks against the synthetic truth: hazards if free, oracle and nowcast ceilings, true personas."""

from __future__ import annotations

import numpy as np
import pandas as pd

from abm_lab.validation import engagement as VE


def test_oracle_fills_busy_weeks(small_dataset):
    wk = small_dataset.truth["weekly"]
    h = VE.hazard_if_free(wk)
    p = wk["p_opp_week"].to_numpy(float)
    assert np.allclose(h[p > 0], p[p > 0])
    cust = small_dataset.truth["accounts"].loc[small_dataset.truth["accounts"]["is_customer"], "account_id"]
    assert (h[wk["account_id"].isin(cust).to_numpy()] == 0).all()
    busy = (p == 0) & ~wk["account_id"].isin(cust).to_numpy()
    assert busy.any() and (h[busy] > 0).all()


def test_hazard_if_free_uses_the_truth_column_when_given():
    wk = pd.DataFrame({"account_id": ["A"], "week_start": [pd.Timestamp("2026-01-05")], "p_opp_week_free": [0.2]})
    assert VE.hazard_if_free(wk).tolist() == [0.2]


def test_oracle_and_nowcast_probabilities(small_dataset):
    wk = small_dataset.truth["weekly"]
    accs = wk["account_id"].drop_duplicates().head(50)
    keys = pd.DataFrame({"account_id": accs.to_numpy(), "snapshot_date": pd.Timestamp("2026-03-02")})
    keys = pd.concat([keys, pd.DataFrame({"account_id": ["NO-SUCH"], "snapshot_date": [pd.Timestamp("2026-03-02")]})])
    oracle = VE.oracle_probability(wk, keys, 90)
    nowcast = VE.nowcast_probability(wk, keys, 90)
    assert oracle.shape == nowcast.shape == (len(keys),)
    assert ((oracle >= 0) & (oracle <= 1)).all() and ((nowcast >= 0) & (nowcast <= 1)).all()
    assert oracle[-1] == 0 and nowcast[-1] == 0  # an account without hazards has no chance
    assert oracle.max() > 0 and nowcast.max() > 0
    # a longer horizon never lowers either probability
    assert (VE.oracle_probability(wk, keys, 180) >= oracle - 1e-12).all()
    assert (VE.nowcast_probability(wk, keys, 180) >= nowcast - 1e-12).all()


def test_truth_personas_and_touch_accounts(small_dataset):
    truth, tables = small_dataset.truth, small_dataset.tables
    pers = VE.truth_personas(truth, tables["contacts"])
    assert list(pers.columns[:4]) == ["contact_id", "account_id", "persona_function", "is_key_persona"]
    assert (
        pers["is_key_persona"].to_numpy().sum()
        == truth["contacts"]["persona_seniority"].isin(list(VE.KEY_SENIORITIES)).sum()
    )
    tp = VE.truth_touch_accounts(tables["touchpoints"], truth)
    true = truth["touchpoints"].set_index("touchpoint_id")["true_account_id"]
    got = tp.set_index("touchpoint_id")["account_id"]
    assert len(tp) == len(tables["touchpoints"])
    assert (got.dropna() == true.reindex(got.dropna().index).astype("string")).all()
