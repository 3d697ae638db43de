"""Engagement features from third-party intent, point in time, and what they add to the score out of time.

The canonical ``intent`` table (weekly company-surge scores per topic, mapped to accounts by
:func:`abm_lab.mapping.intent.map_intent`) becomes four features per account and snapshot, each using only
weeks **over** by the snapshot (a week's score is published once the week ends: ``week_start + 7 days <=
snapshot``), counted back from the snapshot in whole weeks:

* ``intent_surging_topics`` - distinct topics with a score at or above the surge threshold in the last
  ``topics_weeks`` weeks;
* ``intent_surging_weeks`` - weeks with at least one surging topic in the last ``surging_weeks`` weeks;
* ``intent_score_trend`` - least-squares slope (score points per week) of the week's highest topic score over
  the last ``trend_weeks`` weeks, a week absent from the file counting as 0 (no reported research);
* ``intent_max_score`` - highest topic score in the last ``max_weeks`` weeks.

An account the file has never named by the snapshot has no intent features: :func:`intent_features` gives it no
row, and in the panel (:func:`add_intent_features`) ``intent_covered`` is 0 and its features 0 (not covered is not
the same as covered and quiet, whose features are 0 with ``intent_covered`` 1).

:func:`auc_with_and_without_intent` fits the engagement model with and without these columns on the same
out-of-time split (:func:`~abm_lab.engagement.validation.fit_engagement` both times) and reports the test-period
ROC-AUC of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..config.engagement import EngagementParams
from ..errors import ABMDataError
from ..results import Results, Summary
from .validation import EngagementResult, fit_engagement

__all__ = [
    "INTENT_COVERED",
    "INTENT_FEATURES",
    "IntentAUC",
    "IntentFeatureSettings",
    "add_intent_features",
    "auc_with_and_without_intent",
    "intent_features",
]

INTENT_FEATURES = ("intent_surging_topics", "intent_surging_weeks", "intent_score_trend", "intent_max_score")
#: 1 when the intent file has named the account by the snapshot (its features are measured), else 0 (features 0).
INTENT_COVERED = "intent_covered"
PANEL_COLUMNS = (INTENT_COVERED, *INTENT_FEATURES)
WEEK = pd.Timedelta(days=7)


_DEFAULTS = EngagementParams()


@dataclass(frozen=True)
class IntentFeatureSettings:
    """Surge threshold and look-back windows (weeks) of the intent features; defaults from ``EngagementParams``
    (``intent_*``)."""

    surge_threshold: float = _DEFAULTS.intent_surge_threshold  # score at or above which an account surges
    topics_weeks: int = _DEFAULTS.intent_topics_weeks  # window of intent_surging_topics
    surging_weeks: int = _DEFAULTS.intent_surging_weeks  # window of intent_surging_weeks
    trend_weeks: int = _DEFAULTS.intent_trend_weeks  # window of intent_score_trend
    max_weeks: int = _DEFAULTS.intent_max_weeks  # window of intent_max_score

    @classmethod
    def from_params(cls, params: Any) -> IntentFeatureSettings:
        """Settings from ``EngagementParams`` fields ``intent_surge_threshold``, ``intent_topics_weeks``,
        ``intent_surging_weeks``, ``intent_trend_weeks``, ``intent_max_weeks`` (defaults for those it lacks)."""
        d = cls()
        return cls(
            surge_threshold=getattr(params, "intent_surge_threshold", d.surge_threshold),
            topics_weeks=getattr(params, "intent_topics_weeks", d.topics_weeks),
            surging_weeks=getattr(params, "intent_surging_weeks", d.surging_weeks),
            trend_weeks=getattr(params, "intent_trend_weeks", d.trend_weeks),
            max_weeks=getattr(params, "intent_max_weeks", d.max_weeks),
        )

    def __post_init__(self) -> None:
        for k in ("topics_weeks", "surging_weeks", "trend_weeks", "max_weeks"):
            if getattr(self, k) < 1:
                raise ValueError(f"IntentFeatureSettings.{k} must be at least 1 week")
        if self.trend_weeks < 2:
            raise ValueError("IntentFeatureSettings.trend_weeks must be at least 2 weeks (a slope needs two)")


def _intent_rows(intent: Any) -> pd.DataFrame:
    """account_id, week_start, topic, score of the mapped intent rows (an IntentMapping or a DataFrame)."""
    df = intent.mapped if hasattr(intent, "mapped") else intent
    miss = [c for c in ("account_id", "week_start", "topic", "score") if c not in df.columns]
    if miss:
        raise ABMDataError(
            f"intent: missing column(s) {miss} for the intent features (map the rows to accounts first: "
            "abm_lab.mapping.intent.map_intent)",
            file="intent",
            column=miss[0],
            reason="missing column",
        )
    out = pd.DataFrame(
        {
            "account_id": df["account_id"].astype("string"),
            "week_start": pd.to_datetime(df["week_start"]).dt.normalize(),
            "topic": df["topic"].astype("string"),
            "score": pd.to_numeric(df["score"], errors="coerce"),
        }
    )
    return out[out["account_id"].notna() & out["score"].notna()].reset_index(drop=True)


def _at_snapshot(
    rows: pd.DataFrame, first_end: pd.Series, snap: pd.Timestamp, s: IntentFeatureSettings
) -> pd.DataFrame:
    """The four features at one snapshot for every account named by the file before it."""
    seen = first_end.index[(first_end <= snap).to_numpy()]
    out = pd.DataFrame(0.0, index=pd.Index(seen, name="account_id"), columns=list(INTENT_FEATURES))
    if not len(seen):
        return out
    age = ((snap - (rows["week_start"] + WEEK)).dt.days // 7).to_numpy()
    longest = max(s.topics_weeks, s.surging_weeks, s.trend_weeks, s.max_weeks)
    r = rows[(age >= 0) & (age < longest)].assign(age=age[(age >= 0) & (age < longest)])
    surge = r["score"] >= s.surge_threshold
    t = r[surge & (r["age"] < s.topics_weeks)].groupby("account_id")["topic"].nunique()
    w = r[surge & (r["age"] < s.surging_weeks)].groupby("account_id")["week_start"].nunique()
    m = r[r["age"] < s.max_weeks].groupby("account_id")["score"].max()
    # slope over the fixed grid of trend_weeks weeks; absent weeks are 0, so only reported weeks add to the sum
    wk = r[r["age"] < s.trend_weeks].groupby(["account_id", "age"])["score"].max().reset_index()
    x = -wk["age"].to_numpy(float)
    grid = -np.arange(s.trend_weeks, dtype=float)
    xc = x - grid.mean()
    sxx = float(((grid - grid.mean()) ** 2).sum())
    slope = pd.Series(xc * wk["score"].to_numpy(float) / sxx).groupby(wk["account_id"].to_numpy()).sum()
    for col, v in zip(INTENT_FEATURES, (t, w, slope, m), strict=True):
        out.loc[v.index.intersection(out.index), col] = v.reindex(v.index.intersection(out.index)).to_numpy(float)
    return out


def intent_features(intent: Any, snapshots: Any, settings: IntentFeatureSettings | None = None) -> pd.DataFrame:
    """Intent features per (account, snapshot) knowable at the snapshot (see the module docstring).

    ``intent``: an :class:`~abm_lab.mapping.intent.IntentMapping` or a frame with account_id, week_start, topic,
    score (unmapped rows ignored). Returns account_id, snapshot_date and :data:`INTENT_FEATURES`, one row per
    snapshot and account the file named in a week over by that snapshot (accounts never named: no row)."""
    s = settings or IntentFeatureSettings()
    rows = _intent_rows(intent)
    snaps = pd.DatetimeIndex(pd.to_datetime(snapshots)).normalize().unique().sort_values()
    first_end = rows.groupby("account_id")["week_start"].min() + WEEK
    parts = []
    for snap in snaps:
        f = _at_snapshot(rows, first_end, snap, s).reset_index()
        f.insert(1, "snapshot_date", snap)
        parts.append(f)
    cols = ["account_id", "snapshot_date", *INTENT_FEATURES]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)[cols]
    out["account_id"] = out["account_id"].astype("string")
    out["snapshot_date"] = pd.to_datetime(out["snapshot_date"]).astype("datetime64[ns]")
    return out


def add_intent_features(
    panel: pd.DataFrame, intent: Any, settings: IntentFeatureSettings | None = None
) -> pd.DataFrame:
    """The engagement panel with the intent features of each (account, snapshot) as extra columns, plus
    ``intent_covered`` (1 when the file has named the account by then; else 0 and the features 0, since the
    scorers take no missing values). Same rows, same order."""
    feats = intent_features(intent, panel["snapshot_date"].unique(), settings)
    key = panel[["account_id", "snapshot_date"]].astype({"account_id": "string", "snapshot_date": "datetime64[ns]"})
    merged = key.merge(feats, on=["account_id", "snapshot_date"], how="left")
    out = panel.drop(columns=[c for c in PANEL_COLUMNS if c in panel.columns]).copy()
    covered = merged["intent_max_score"].notna().to_numpy()
    out[INTENT_COVERED] = covered.astype(float)
    for c in INTENT_FEATURES:
        out[c] = merged[c].fillna(0.0).to_numpy(float)
    return out


@dataclass
class IntentAUC(Results):
    """Out-of-time ROC-AUC of the engagement scorers with and without the intent features, same split."""

    table: pd.DataFrame  # per scorer: auc_without, auc_with, difference, CI of each
    coverage: float  # share of test rows with intent features (the account was named by the file)
    without: EngagementResult = field(repr=False)
    with_intent: EngagementResult = field(repr=False)

    def summary(self) -> Summary:
        s = Summary("Engagement score with and without third-party intent (same out-of-time split)")
        s.add_table(self.table.round(4), "Test-period ROC-AUC")
        s.add_note(
            f"{self.coverage:.0%} of test rows have intent (accounts the intent file names); the others get "
            "missing intent features. Points rule unchanged (it reads only touches)."
        )
        return s


def auc_with_and_without_intent(
    panel: pd.DataFrame,
    intent: Any,
    params: EngagementParams | None = None,
    settings: IntentFeatureSettings | None = None,
    seed: int = 0,
    without: EngagementResult | None = None,
) -> IntentAUC:
    """Fit the engagement model on ``panel`` as it is and with the intent features added
    (:func:`add_intent_features`), both through :func:`~abm_lab.engagement.validation.fit_engagement` with the
    same params and seed (so the same time split), and compare the test-period ROC-AUC per scorer.

    ``without``: the validation already fitted on ``panel`` with these params and seed (e.g. notebook 04's
    ``run.result``), reused instead of fitted again; reference rows it carries (oracle) are left out."""
    p = params or EngagementParams()
    base = panel.drop(columns=[c for c in PANEL_COLUMNS if c in panel.columns])
    wi = add_intent_features(base, intent, settings)
    r0 = without if without is not None else fit_engagement(base, p, seed)
    if set(PANEL_COLUMNS) & set(r0.features):
        raise ABMDataError("engagement: the result given as 'without' already uses intent features", file="intent")
    r1 = fit_engagement(wi, p, seed)
    if r0.split.train != r1.split.train or r0.split.test != r1.split.test:  # pragma: no cover - same rows, same split
        raise ABMDataError("engagement panel: intent features changed the time split", file="intent")
    m1 = r1.metrics
    m0 = r0.metrics.reindex(m1.index)
    table = pd.DataFrame(
        {
            "auc_without": m0["roc_auc"],
            "auc_with": m1["roc_auc"],
            "difference": m1["roc_auc"] - m0["roc_auc"],
            "without_ci_low": m0["auc_ci_low"],
            "without_ci_high": m0["auc_ci_high"],
            "with_ci_low": m1["auc_ci_low"],
            "with_ci_high": m1["auc_ci_high"],
        }
    )
    table.index.name = "scorer"
    test = wi[wi["snapshot_date"].isin(r1.split.test) & wi["eligible"] & wi["label_observed"]]
    cov = float(test[INTENT_COVERED].mean()) if len(test) else float("nan")
    return IntentAUC(table=table, coverage=cov, without=r0, with_intent=r1)
