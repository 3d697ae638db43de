"""Buying stage per account (unaware / aware / engaged / in-market), from the 1-5 engagement score and intent.

ABM platforms show a stage beside the score (6sense's buying stages, Demandbase's journey stages): a label a
salesperson reads at a glance. Here it is a transparent rule on two signals:

1. **Engagement** (first-party: the calibrated 1-5 score) places the account: score >= ``in_market_score`` is
   in-market, >= ``engaged_score`` engaged, >= ``aware_score`` aware, below that unaware.
2. **Third-party intent** moves it **one** stage up when the account is surging now: at least
   ``intent_topics`` topics surging in the recent window (``intent_surging_topics``) or at least
   ``intent_weeks`` surging weeks in the longer one (``intent_surging_weeks``; features of
   :mod:`abm_lab.engagement.intent`). Intent alone makes an account aware, never in-market: research seen
   elsewhere without engagement with us is awareness of the category, not of us.

Accounts without intent data (not covered, or no intent table) are staged on engagement alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config.engagement import EngagementParams
from ..errors import ABMDataError, ABMParamsError

__all__ = ["BUYING_STAGES", "BuyingStageThresholds", "buying_stage", "buying_stage_counts"]

#: Buying stages, earliest first.
BUYING_STAGES = ("unaware", "aware", "engaged", "in_market")


_DEFAULTS = EngagementParams()


@dataclass(frozen=True)
class BuyingStageThresholds:
    """Cut-offs of :func:`buying_stage`; defaults from ``EngagementParams`` (``buying_stage_*``)."""

    aware_score: int = _DEFAULTS.buying_stage_aware_score  # engagement score (1-5) from which an account is aware
    engaged_score: int = _DEFAULTS.buying_stage_engaged_score  # ... engaged
    in_market_score: int = _DEFAULTS.buying_stage_in_market_score  # ... in-market on engagement alone
    intent_topics: int = _DEFAULTS.buying_stage_intent_topics  # surging topics that move an account one stage up
    intent_weeks: int = _DEFAULTS.buying_stage_intent_weeks  # or surging weeks (longer window) that do

    @classmethod
    def from_params(cls, params: Any) -> BuyingStageThresholds:
        """Thresholds from ``EngagementParams`` fields ``buying_stage_aware_score``, ``buying_stage_engaged_score``,
        ``buying_stage_in_market_score``, ``buying_stage_intent_topics``, ``buying_stage_intent_weeks`` (defaults
        for those it lacks)."""
        d = cls()
        return cls(**{k: getattr(params, f"buying_stage_{k}", getattr(d, k)) for k in cls.__dataclass_fields__})

    def __post_init__(self) -> None:
        if not 1 <= self.aware_score <= self.engaged_score <= self.in_market_score <= 5:
            raise ABMParamsError(
                "buying stage thresholds: need 1 <= aware_score <= engaged_score <= in_market_score <= 5 "
                f"(got {self.aware_score}, {self.engaged_score}, {self.in_market_score})"
            )
        if self.intent_topics < 1 or self.intent_weeks < 1:
            raise ABMParamsError("buying stage thresholds: intent_topics and intent_weeks must be at least 1")


def _surging(scores: pd.DataFrame, intent_features: pd.DataFrame | None, t: BuyingStageThresholds) -> np.ndarray:
    """Per scores row: True when the account's intent features say it is surging now."""
    if intent_features is None or intent_features.empty:
        return np.zeros(len(scores), bool)
    need = ["account_id", "intent_surging_topics", "intent_surging_weeks"]
    miss = [c for c in need if c not in intent_features.columns]
    if miss:
        raise ABMDataError(
            f"intent features: missing column(s) {miss} (from abm_lab.engagement.intent.intent_features)",
            file="intent",
            column=miss[0],
            reason="missing column",
        )
    on = ["account_id"]
    f = intent_features
    if "snapshot_date" in f.columns and "snapshot_date" in scores.columns:
        on.append("snapshot_date")
        f = f.assign(snapshot_date=pd.to_datetime(f["snapshot_date"]))
    elif f["account_id"].duplicated().any():
        raise ABMDataError(
            "intent features: several rows per account and no snapshot_date in the scores to choose one",
            file="intent",
            column="account_id",
            reason="duplicate key",
        )
    f = f[[*on, *need[1:]]].drop_duplicates(on).astype({"account_id": "string"})
    key = scores[on].astype({"account_id": "string"})
    if "snapshot_date" in on:
        key = key.assign(snapshot_date=pd.to_datetime(key["snapshot_date"]))
    m = key.merge(f, on=on, how="left")
    topics = m["intent_surging_topics"].fillna(0).to_numpy(float)
    weeks = m["intent_surging_weeks"].fillna(0).to_numpy(float)
    return (topics >= t.intent_topics) | (weeks >= t.intent_weeks)


def buying_stage(
    scores: pd.DataFrame,
    intent_features: pd.DataFrame | None = None,
    thresholds: BuyingStageThresholds | None = None,
) -> pd.Series:
    """Buying stage of each row of ``scores`` (account_id, score 1-5 [, snapshot_date]) as an ordered categorical
    of :data:`BUYING_STAGES`, index as ``scores`` (see the module docstring for the rule). ``intent_features``:
    account_id [, snapshot_date], intent_surging_topics, intent_surging_weeks; None = engagement only. A row
    without a score gets no stage (missing)."""
    t = thresholds or BuyingStageThresholds()
    for c in ("account_id", "score"):
        if c not in scores.columns:
            raise ABMDataError(
                f"scores: missing column '{c}' for the buying stage", file="scores", column=c, reason="missing column"
            )
    s = pd.to_numeric(scores["score"], errors="coerce").to_numpy(float)
    level = np.select([s >= t.in_market_score, s >= t.engaged_score, s >= t.aware_score], [3, 2, 1], 0)
    level = np.minimum(level + _surging(scores, intent_features, t), len(BUYING_STAGES) - 1)
    codes = np.where(np.isnan(s), -1, level).astype(int)
    cat = pd.Categorical.from_codes(codes, categories=list(BUYING_STAGES), ordered=True)
    return pd.Series(cat, index=scores.index, name="buying_stage")


def buying_stage_counts(stages: pd.Series) -> pd.DataFrame:
    """Accounts and share per buying stage (every stage listed, earliest first)."""
    n = stages.value_counts(sort=False).reindex(list(BUYING_STAGES), fill_value=0)
    return pd.DataFrame({"accounts": n, "share": n / max(int(n.sum()), 1)}).rename_axis("buying_stage")
