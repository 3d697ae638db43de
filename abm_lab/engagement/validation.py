"""Out-of-time validation of the three scorers: time split, holdout metrics, bootstrap intervals.

:func:`fit_engagement` trains on earlier snapshots, calibrates on the last training slice and measures
ROC-AUC, PR-AUC, top-decile lift, Brier and reliability on later test snapshots. Reference probabilities
(e.g. the synthetic world's oracle, :mod:`abm_lab.validation.engagement`) are added as extra rows with
:meth:`EngagementResult.with_reference`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from ..config.engagement import EngagementParams
from ..errors import ABMDataError
from ..results import Results, Summary
from ..utils import limit_threads
from .panel import feature_columns
from .scorers import CalibratedScorer, conversion_by_score, make_scorers, scorer_inputs, to_score

#: Share of the highest scores whose conversion the lift compares with the base rate.
TOP_SHARE = 0.1
#: Percentiles of the bootstrap interval (95%).
CI_PERCENTILES = (2.5, 97.5)
#: Bins (quantiles of the predicted probability) of the reliability curve.
RELIABILITY_BINS = 10
SPLIT_PARTS = ("fit", "calib", "test")


@dataclass
class Split:
    """Snapshot dates of the three periods: fit, calibrate (both training) and test."""

    fit: list[pd.Timestamp]
    calib: list[pd.Timestamp]
    test: list[pd.Timestamp]

    def describe(self) -> pd.DataFrame:
        def rng(d: list[pd.Timestamp]) -> tuple[str, int]:
            return (f"{d[0].date()} to {d[-1].date()}", len(d)) if d else ("-", 0)

        return pd.DataFrame(
            [("train (fit)", *rng(self.fit)), ("train (calibrate)", *rng(self.calib)), ("test", *rng(self.test))],
            columns=["part", "snapshots", "n_snapshots"],
        )


def time_split(snapshots: Any, params: EngagementParams) -> Split:
    """Latest ``test_share`` of snapshots for test; training snapshots before them (with an
    embargo so no training label window reaches the test period); the last ``calib_share``
    of training snapshots calibrate (the model never sees their labels)."""
    s = sorted(pd.DatetimeIndex(snapshots).unique())
    if len(s) < 4:
        raise ABMDataError(
            f"engagement panel: only {len(s)} labelled snapshot(s); need at least 4 for a "
            f"time-based split (more history, weekly snapshots or a shorter horizon)",
            file="touchpoints",
            column="snapshot_date",
            reason="too few snapshots",
        )
    H = pd.Timedelta(days=params.horizon_days)
    n_test = max(1, int(round(params.test_share * len(s))))
    test = s[-n_test:]
    train = [d for d in s[:-n_test] if (not params.embargo) or d + H <= test[0]]
    if len(train) < 2:
        train = s[:-n_test]
    n_cal = max(1, int(round(params.calib_share * len(train))))
    calib = train[-n_cal:]
    fit = train[:-n_cal] or train
    return Split(fit=fit, calib=calib, test=test)


def top_decile_lift(y: Any, p: Any, share: float = TOP_SHARE) -> float:
    """Conversion in the top ``share`` of scores divided by the overall conversion."""
    y = np.asarray(y, float)
    p = np.asarray(p, float)
    k = max(1, int(math.ceil(share * len(p))))
    top = np.argsort(-p, kind="stable")[:k]
    base = y.mean()
    return float(y[top].mean() / base) if base > 0 else float("nan")


def holdout_metrics(y: Any, p: Any) -> dict[str, float]:
    """ROC-AUC, PR-AUC, top-decile lift and Brier score of probabilities ``p`` for labels ``y``."""
    y = np.asarray(y, int)
    return {
        "roc_auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "top_decile_lift": top_decile_lift(y, p),
        "brier": float(brier_score_loss(y, np.clip(p, 0, 1))),
    }


def bootstrap_auc(y: Any, p: Any, groups: Any, n: int, seed: int) -> tuple[float, float]:
    """95% interval of ROC-AUC from ``n`` resamples of whole groups (accounts; one group per row
    resamples rows). ``n <= 0`` gives ``(nan, nan)``.

    Each resample is a vector of group weights; the weighted AUC (Mann-Whitney with ties
    counted half) is computed in one pass over the rows sorted once by score.
    """
    if n <= 0:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    y = np.asarray(y, int)
    p = np.asarray(p, float)
    codes, uniq = pd.factorize(pd.Series(groups))
    order = np.argsort(p, kind="stable")
    ys, cs = y[order], codes[order]
    _, tie = np.unique(p[order], return_inverse=True)
    out = []
    for _ in range(n):
        gw = np.bincount(rng.integers(0, len(uniq), len(uniq)), minlength=len(uniq)).astype(float)
        w = gw[cs]
        pos = np.bincount(tie, w * ys)
        neg = np.bincount(tie, w * (1 - ys))
        tp_, tn_ = pos.sum(), neg.sum()
        if tp_ == 0 or tn_ == 0:
            continue
        below = np.cumsum(neg) - neg
        out.append(float((pos * (below + 0.5 * neg)).sum() / (tp_ * tn_)))
    if not out:
        return float("nan"), float("nan")
    lo, hi = CI_PERCENTILES
    return float(np.percentile(out, lo)), float(np.percentile(out, hi))


def reliability(y: Any, p: Any) -> pd.DataFrame:
    """Reliability curve: mean predicted probability and observed share per quantile bin."""
    fy, fx = calibration_curve(y, np.clip(p, 0, 1), n_bins=RELIABILITY_BINS, strategy="quantile")
    return pd.DataFrame({"predicted": fx, "observed": fy})


@dataclass
class EngagementResult(Results):
    """Out-of-time validation of the three scorers (plus any reference rows, e.g. the oracle)."""

    metrics: pd.DataFrame
    split: Split
    predictions: pd.DataFrame  # test rows: account_id, snapshot_date, label, p_<scorer>[, p_<reference>], score
    reliability: dict[str, pd.DataFrame]
    conversion: pd.DataFrame  # observed conversion per GBM score on the test period
    features: list[str]
    models: dict[str, CalibratedScorer] = field(repr=False, default_factory=dict)  # refitted on training rows
    params: EngagementParams | None = field(repr=False, default=None)
    seed: int = 0

    def metrics_table(self) -> pd.DataFrame:
        """Holdout metrics per scorer with a 95% bootstrap interval (by account) for ROC-AUC."""
        return self.metrics.copy()

    def summary(self) -> Summary:
        """Holdout ROC-AUC with its interval and the other metrics per scorer, the split, conversion per score."""
        m = self.metrics
        table = m[["roc_auc", "auc_ci_low", "auc_ci_high", "pr_auc", "top_decile_lift", "brier"]].round(4)
        s = Summary("Engagement score: out-of-time validation")
        s.add_table(table, "Test-period metrics (ROC-AUC with a 95% bootstrap interval by account)")
        s.add_table(self.split.describe(), "Time split")
        s.add_table(self.conversion.round(4), "Observed conversion by score (test period)")
        s.add_note(f"{int(m['test_rows'].iloc[0]):,} test rows, base rate {float(m['base_rate'].iloc[0]):.2%}.")
        return s

    def auc(self, name: str) -> float:
        return float(self.metrics.loc[name, "roc_auc"])

    def with_reference(self, name: str, probability: Any) -> EngagementResult:
        """A copy with one more row of metrics for reference probabilities of the test rows (in the
        order of ``predictions``), e.g. a ceiling known only on synthetic data."""
        p = self.params or EngagementParams()
        preds = self.predictions.copy()
        at = preds.columns.get_loc("score") if "score" in preds.columns else len(preds.columns)
        preds.insert(int(at), f"p_{name}", np.asarray(probability, dtype=float))
        row = _metric_rows({name: preds[f"p_{name}"]}, preds, p.n_bootstrap, self.seed)
        metrics = pd.concat([self.metrics, row])
        metrics.index.name = "scorer"
        rel = {**self.reliability, name: reliability(preds["label"], preds[f"p_{name}"])}
        return replace(self, metrics=metrics, predictions=preds, reliability=rel)


def _metric_rows(probs: dict[str, Any], preds: pd.DataFrame, n_bootstrap: int, seed: int) -> pd.DataFrame:
    """Metrics of each probability column with its bootstrap interval, base rate and number of test rows."""
    metrics = pd.DataFrame({k: holdout_metrics(preds["label"], v) for k, v in probs.items()}).T
    ci = {k: bootstrap_auc(preds["label"], v, preds["account_id"], n_bootstrap, seed) for k, v in probs.items()}
    metrics["auc_ci_low"] = [ci[k][0] for k in metrics.index]
    metrics["auc_ci_high"] = [ci[k][1] for k in metrics.index]
    metrics["base_rate"] = float(preds["label"].mean())
    metrics["test_rows"] = len(preds)
    metrics.index.name = "scorer"
    return metrics


def _split_parts(panel: pd.DataFrame, params: EngagementParams) -> tuple[pd.DataFrame, Split, dict[str, pd.DataFrame]]:
    """The eligible labelled rows, their time split and the rows of each period (both outcomes in each)."""
    lab = panel[panel["eligible"] & panel["label_observed"]].reset_index(drop=True)
    if lab.empty or lab["label"].nunique() < 2:
        raise ABMDataError(
            "engagement panel: no eligible labelled rows with both outcomes; cannot validate",
            file="opportunities",
            column="created_date",
            reason="no labels",
        )
    split = time_split(lab["snapshot_date"], params)
    parts = {k: lab[lab["snapshot_date"].isin(getattr(split, k))] for k in SPLIT_PARTS}
    for k, d in parts.items():
        if d["label"].nunique() < 2:
            raise ABMDataError(
                f"engagement panel: the {k} period has only one outcome "
                f"({int(d['label'].sum())} opportunities in {len(d)} rows); lengthen the history or "
                f"horizon",
                file="opportunities",
                column="created_date",
                reason="one-class period",
            )
    return lab, split, parts


def fit_engagement(panel: pd.DataFrame, params: EngagementParams | None = None, seed: int = 0) -> EngagementResult:
    """Time-split validation of points, logistic and GBM scorers on the eligible labelled panel.

    Each scorer is a :class:`~abm_lab.engagement.scorers.CalibratedScorer`: calibrated on the last
    training slice, refitted on all training snapshots; metrics are on the later test snapshots.
    Model fitting runs with ``params.n_threads`` BLAS / OpenMP threads.
    """
    p = params or EngagementParams()
    with limit_threads(p.n_threads):
        lab, split, parts = _split_parts(panel, p)
        feats = feature_columns(lab)
        train = pd.concat([parts["fit"], parts["calib"]])
        calib = np.r_[np.zeros(len(parts["fit"]), bool), np.ones(len(parts["calib"]), bool)]
        y_train = np.concatenate([np.asarray(parts["fit"]["label"]), np.asarray(parts["calib"]["label"])])
        test = parts["test"]
        preds = test[["account_id", "snapshot_date", "label"]].reset_index(drop=True)
        models: dict[str, CalibratedScorer] = {}
        for name, est in make_scorers(p, seed).items():
            cal = CalibratedScorer(est, p.calibration).fit(scorer_inputs(name, train, feats), y_train, calib=calib)
            models[name] = cal
            preds[f"p_{name}"] = cal.predict_proba(scorer_inputs(name, test, feats))[:, 1]
        probs = {k: preds[f"p_{k}"] for k in models}
        metrics = _metric_rows(probs, preds, p.n_bootstrap, seed)
        rel = {k: reliability(preds["label"], v) for k, v in probs.items()}
    preds["score"] = to_score(preds["p_gbm"], p.score_cutoffs)
    return EngagementResult(
        metrics=metrics,
        split=split,
        predictions=preds,
        reliability=rel,
        conversion=conversion_by_score(preds["score"], preds["label"]),
        features=feats,
        models=models,
        params=p,
        seed=seed,
    )
