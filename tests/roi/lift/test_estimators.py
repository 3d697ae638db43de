"""Lift estimators: recover the synthetic truth, informative intervals, the naive comparison's bias."""

from __future__ import annotations

from abm_lab.validation.lift import truth_effects


def test_estimators_recover_truth_on_fixed_world(lifted):
    ds, res, truth = lifted
    for method in ("did", "ra_ipw"):
        r = res.get("opp_rate", method)
        assert r["rel_low"] <= truth["opp_rate"] <= r["rel_high"], (method, r["relative"], truth["opp_rate"])
        r = res.get("pipeline", method)
        assert r["rel_low"] <= truth["pipeline"] <= r["rel_high"], (method, r["relative"], truth["pipeline"])
    r = res.get("win_rate", "did")
    assert r["ci_low"] <= truth["win_rate"] <= r["ci_high"]
    r = res.get("deal_size", "did")
    assert r["rel_low"] <= truth["deal_size"] <= r["rel_high"]
    # intervals are informative, not just wide enough to cover anything
    assert res.get("opp_rate", "did")["rel_high"] - res.get("opp_rate", "did")["rel_low"] < 1.0
    assert res.get("win_rate", "did")["ci_high"] - res.get("win_rate", "did")["ci_low"] < 0.4
    assert res.get("pipeline", "did")["rel_low"] > 0  # the program's pipeline lift is detected


def test_naive_comparison_is_biased_and_labelled(lifted):
    _, res, truth = lifted
    naive = res.get("opp_rate", "naive")
    # targets were picked by fit: the naive "lift" is far above the truth and its interval misses it
    assert naive["rel_low"] > truth["opp_rate"]
    assert bool(naive["biased"]) and "biased" in naive["label"]
    assert "biased" in res.summary().as_text()


def test_summary_has_intervals_statsmodels_style(lifted):
    _, res, _ = lifted
    s = res.summary()
    est = s.table
    assert {"effect", "std err", "P>|z|", "[0.025", "0.975]", "rel [0.025", "rel 0.975]"} <= set(est.columns)
    assert (est["[0.025"] <= est["effect"]).all() and (est["effect"] <= est["0.975]"]).all()
    roi = s.tables[1]
    assert roi.loc["roi", "[0.025"] == res.roi["roi_low"] and roi.loc["roi", "0.975]"] == res.roi["roi_high"]
    assert "<table" in res._repr_html_()


def test_zero_lift_intervals_cover_zero(null_world):
    ds, res = null_world
    truth = truth_effects(ds.truth["accounts"], ds.truth_meta)
    assert truth["opp_rate"] == 0 and truth["win_rate"] == 0
    for oc in ("opp_rate", "pipeline", "won_revenue", "win_rate", "deal_size"):
        for method in ("did", "ra_ipw"):
            r = res.get(oc, method)
            assert r["ci_low"] <= 0 <= r["ci_high"], (oc, method, r["estimate"], r["ci_low"], r["ci_high"])
            assert r["rel_low"] <= 0 <= r["rel_high"]
    assert res.get("opp_rate", "naive")["ci_low"] > 0  # the biased comparison "finds" a lift that is not there
