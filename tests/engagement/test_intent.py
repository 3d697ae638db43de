"""Intent features are point in time (hand-computed, later weeks cannot change them) and the engagement model
is compared with and without them on the same out-of-time split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab import engagement as E
from abm_lab.engagement.intent import (
    INTENT_COVERED,
    INTENT_FEATURES,
    IntentFeatureSettings,
    add_intent_features,
    auc_with_and_without_intent,
    intent_features,
)
from abm_lab.mapping.intent import map_intent
from abm_lab.results import Summary

SNAP = pd.Timestamp("2026-06-01")
#: Largest AUC drop (with minus without intent) tolerated per scorer: a few features added to a small world's
#: model cost at most this much out of time (measured on seed 7 / 800 accounts and seeds 1-5 / 300 accounts:
#: gbm -0.019 .. +0.032, logistic -0.027 .. +0.011; seeds 7, 1, 2 are tested).
TOLERANCE = {"gbm": 0.02, "logistic": 0.03}


def rows(weeks_before: list[int], topic: list[str], score: list[float], account: str = "A1") -> pd.DataFrame:
    """Intent rows of weeks that ended ``k`` whole weeks before SNAP (k = 0: the week ending on SNAP)."""
    start = [SNAP - pd.Timedelta(days=7 * (k + 1)) for k in weeks_before]
    return pd.DataFrame({"account_id": account, "week_start": start, "topic": topic, "score": score})


def hand_made() -> pd.DataFrame:
    return pd.concat(
        [
            rows([0, 0, 1, 3, 5, 11, 12], ["a", "b", "a", "c", "a", "a", "d"], [65, 40, 80, 60, 30, 90, 99]),
            rows([20], ["a"], [10], account="A2"),  # covered, quiet in every window
            rows([-1], ["a"], [95], account="A3"),  # the week is not over at SNAP: not known yet
        ],
        ignore_index=True,
    )


def test_features_match_a_hand_computation():
    f = intent_features(hand_made(), [SNAP]).set_index("account_id")
    a1 = f.loc["A1"]
    assert a1["intent_surging_topics"] == 2  # a (weeks 0, 1) and c (week 3); b scores 40
    assert a1["intent_surging_weeks"] == 4  # weeks 0, 1, 3, 11 (week 12 is outside the 12 weeks)
    assert a1["intent_max_score"] == 90
    # weekly top scores over the last 8 weeks, x = -age: 65 at 0, 80 at -1, 60 at -3, 30 at -5, absent weeks 0
    x, y = -np.arange(8.0), np.zeros(8)
    y[[0, 1, 3, 5]] = [65, 80, 60, 30]
    assert a1["intent_score_trend"] == pytest.approx(np.polyfit(x, y, 1)[0])
    assert f.loc["A2", list(INTENT_FEATURES)].tolist() == [0, 0, 0, 0]
    assert "A3" not in f.index  # named only in a week not over yet: not covered at SNAP


def test_later_weeks_cannot_change_the_features():
    base = hand_made()
    before = intent_features(base, [SNAP])
    later = base["week_start"] + pd.Timedelta(days=7) > SNAP
    assert later.any()
    noisy = base.copy()
    noisy.loc[later, "score"] = 0.0
    extra = rows([-1, -2, -3], ["x", "y", "z"], [100, 100, 100])
    again = intent_features(pd.concat([noisy, extra], ignore_index=True), [SNAP])
    pd.testing.assert_frame_equal(before, again)
    # a week that is over does count (the check above can fail)
    changed = base.copy()
    changed.loc[(base["account_id"] == "A1") & ~later, "score"] = 99.0
    assert not intent_features(changed, [SNAP]).equals(before)


def test_settings_change_the_windows_and_threshold():
    f = intent_features(hand_made(), [SNAP], IntentFeatureSettings(surge_threshold=85, surging_weeks=13))
    a1 = f.set_index("account_id").loc["A1"]
    assert a1["intent_surging_weeks"] == 2 and a1["intent_surging_topics"] == 0  # 90 at week 11, 99 at 12
    with pytest.raises(ValueError):
        IntentFeatureSettings(trend_weeks=1)
    from types import SimpleNamespace

    assert IntentFeatureSettings.from_params(SimpleNamespace(intent_max_weeks=4)).max_weeks == 4


def test_panel_gets_intent_columns_without_missing_values():
    panel = pd.DataFrame({"account_id": ["A1", "A9", "A2"], "snapshot_date": [SNAP] * 3, "x": [1, 2, 3]})
    out = add_intent_features(panel, hand_made())
    assert out["x"].tolist() == [1, 2, 3] and out["account_id"].tolist() == ["A1", "A9", "A2"]
    assert out[INTENT_COVERED].tolist() == [1.0, 0.0, 1.0]
    assert out.loc[1, list(INTENT_FEATURES)].tolist() == [0, 0, 0, 0]
    assert not out[list(INTENT_FEATURES)].isna().any().any()


def _panel(ds, tp, pers, fit, programs, as_of, params):
    return E.build_panel(
        tp,
        ds.tables["accounts"],
        ds.tables["opportunities"],
        E.default_snapshots(tp, as_of, params),
        as_of,
        params,
        personas=pers,
        fit=fit,
        programs=programs,
    )


def _small(seed: int, as_of: str):
    from abm_lab.config import DemoParams
    from abm_lab.synth import world_dataset
    from abm_lab.validation import engagement as VE

    n = 300
    ds = world_dataset(DemoParams(seed=seed, n_accounts=n, n_contacts=6 * n, n_touchpoints=60 * n), as_of)
    assert ds.truth is not None
    tp = VE.truth_touch_accounts(ds.tables["touchpoints"], ds.truth)
    fit = pd.DataFrame(
        {"account_id": ds.truth["accounts"]["account_id"], "fit_score": 100 * ds.truth["accounts"]["fit_prob"]}
    )
    return ds, tp, VE.truth_personas(ds.truth, ds.tables["contacts"]), fit


def test_auc_with_intent_is_not_worse_than_without_on_three_worlds(world, panel, as_of):
    """Same split both times; with-intent AUC >= without - TOLERANCE on the 800-account world and two 300-account
    ones. In these worlds the touches are driven by the same latent intent, so intent adds little (see the docs
    fragment for the measured numbers)."""
    from abm_lab.config.engagement import EngagementParams

    p = EngagementParams(n_bootstrap=0)
    ds = world[0]
    base = E.fit_engagement(panel, p)
    results = {7: auc_with_and_without_intent(panel, map_intent(ds.tables["intent"], ds.tables["accounts"]), p)}
    reused = auc_with_and_without_intent(
        panel, ds.tables["intent"].pipe(map_intent, ds.tables["accounts"]), p, without=base
    )
    pd.testing.assert_frame_equal(reused.table, results[7].table)  # a given 'without' fit is the same fit
    for seed in (1, 2):
        d, tp, pers, fit = _small(seed, as_of)
        pan = _panel(d, tp, pers, fit, d.tables["programs"], as_of, p)
        results[seed] = auc_with_and_without_intent(pan, map_intent(d.tables["intent"], d.tables["accounts"]), p)
    for seed, r in results.items():
        assert r.with_intent.split.test == r.without.split.test and r.with_intent.split.train == r.without.split.train
        assert set(INTENT_FEATURES) <= set(r.with_intent.features) and INTENT_COVERED in r.with_intent.features
        assert not set(INTENT_FEATURES) & set(r.without.features)
        t = r.table
        assert t.loc["points", "difference"] == 0  # the points rule reads only touches
        for name, tol in TOLERANCE.items():
            assert t.loc[name, "auc_with"] >= t.loc[name, "auc_without"] - tol, (seed, name, t.loc[name].to_dict())
        assert 0.3 < r.coverage < 0.9
    assert isinstance(results[7].summary(), Summary)
