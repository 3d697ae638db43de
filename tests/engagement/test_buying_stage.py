"""Buying stage from the 1-5 engagement score and intent, on hand-made rows."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.engagement.buying_stage import BUYING_STAGES, BuyingStageThresholds, buying_stage, buying_stage_counts
from abm_lab.errors import ABMDataError, ABMParamsError

SCORES = pd.DataFrame(
    {"account_id": ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8"], "score": [1, 2, 3, 4, 5, 1, 3, None]},
    index=[10, 11, 12, 13, 14, 15, 16, 17],
)
INTENT = pd.DataFrame(
    {
        "account_id": ["A1", "A2", "A4", "A5", "A6", "A7"],
        "intent_surging_topics": [1, 0, 2, 3, 0, 0],
        "intent_surging_weeks": [1, 0, 4, 5, 3, 2],
    }
)


def test_engagement_alone_sets_the_stage():
    s = buying_stage(SCORES)
    assert s.tolist()[:7] == ["unaware", "aware", "engaged", "engaged", "in_market", "unaware", "engaged"]
    assert pd.isna(s.iloc[7])  # no score, no stage
    assert s.index.tolist() == SCORES.index.tolist() and s.name == "buying_stage"
    assert list(s.cat.categories) == list(BUYING_STAGES) and s.cat.ordered


def test_surging_intent_moves_an_account_one_stage_up():
    s = buying_stage(SCORES, INTENT)
    # A1 surging topic: unaware -> aware; A2 quiet: aware; A3 no intent: engaged; A4 engaged + surging -> in_market;
    # A5 already in_market; A6 3 surging weeks: unaware -> aware; A7 2 weeks (< 3) and no topic: stays engaged
    assert s.tolist()[:7] == ["aware", "aware", "engaged", "in_market", "in_market", "aware", "engaged"]
    # intent alone never makes an account in-market
    only_intent = buying_stage(
        pd.DataFrame({"account_id": ["B1"], "score": [1]}),
        pd.DataFrame({"account_id": ["B1"], "intent_surging_topics": [6], "intent_surging_weeks": [12]}),
    )
    assert only_intent.tolist() == ["aware"]


def test_thresholds_and_snapshots_are_respected():
    t = BuyingStageThresholds(aware_score=3, engaged_score=4, in_market_score=5, intent_topics=2, intent_weeks=5)
    s = buying_stage(SCORES, INTENT, t)
    assert s.tolist()[:7] == ["unaware", "unaware", "aware", "in_market", "in_market", "unaware", "aware"]
    snaps = SCORES.assign(snapshot_date=pd.Timestamp("2026-06-01"))
    feats = pd.concat(
        [
            INTENT.assign(snapshot_date=pd.Timestamp("2026-05-01"), intent_surging_topics=9),  # an older snapshot
            INTENT.assign(snapshot_date=pd.Timestamp("2026-06-01")),
        ]
    )
    assert buying_stage(snaps, feats).tolist()[:7] == buying_stage(SCORES, INTENT).tolist()[:7]
    with pytest.raises(ABMDataError, match="several rows per account"):
        buying_stage(SCORES, feats)
    with pytest.raises(ABMParamsError):
        BuyingStageThresholds(aware_score=4, engaged_score=3)
    with pytest.raises(ABMDataError, match="score"):
        buying_stage(SCORES.drop(columns=["score"]))


def test_counts_list_every_stage():
    c = buying_stage_counts(buying_stage(SCORES, INTENT))
    assert c.index.tolist() == list(BUYING_STAGES)
    assert c["accounts"].tolist() == [0, 3, 2, 2] and c["share"].sum() == pytest.approx(1)


def test_thresholds_read_params_fields_when_present():
    from types import SimpleNamespace

    assert BuyingStageThresholds.from_params(SimpleNamespace()) == BuyingStageThresholds()
    t = BuyingStageThresholds.from_params(SimpleNamespace(buying_stage_in_market_score=4, buying_stage_intent_weeks=2))
    assert t.in_market_score == 4 and t.intent_weeks == 2 and t.aware_score == 2
