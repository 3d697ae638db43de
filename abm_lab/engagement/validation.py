"""Out-of-time validation of the three scorers: time split, holdout metrics, bootstrap intervals.

:func:`fit_engagement` trains on earlier snapshots and, after an embargo, calibrates on the latest matured
period (the test snapshots), where it measures ROC-AUC, PR-AUC and top-decile lift out of time, and Brier,
the reliability table, calibration-in-the-large and slope on account-cross-fitted probabilities. Reference probabilities
(e.g. the synthetic world's oracle, :mod:`abm_lab.validation.engagement`) are added as extra rows with
:meth:`EngagementResult.with_reference`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from ..calibration import ScoreCalibrator
from ..config.engagement import EngagementParams
from ..errors import ABMDataError
from ..results import Results, Summary
from ..utils import limit_threads
from .panel import feature_columns
from .reasons import engaged_reference
from .scorers import CalibratedScorer, conversion_by_score, make_scorers, scorer_inputs, to_score

#: Share of the highest scores whose conversion the lift compares with the base rate.
TOP_SHARE = 0.1
#: Percentiles of the bootstrap interval (95%).
CI_PERCENTILES = (2.5, 97.5)
#: Bins (quantiles of the predicted probability) of the reliability table, and the interval level: params defaults.
RELIABILITY_BINS = EngagementParams.model_fields["reliability_bins"].default
CI_LEVEL = EngagementParams.model_fields["ci_level"].default
SPLIT_PARTS = ("train", "test")


@dataclass
class Split:
    """Snapshot dates of the training period (the model is fitted on it) and of the latest matured period
    (the test period: the map is calibrated on it, the metrics measured on it), with the embargo between."""

    train: list[pd.Timestamp]
    test: list[pd.Timestamp]

    def describe(self) -> pd.DataFrame:
        def rng(d: list[pd.Timestamp]) -> tuple[str, int]:
            return (f"{min(d).date()} to {max(d).date()}", len(d)) if d else ("-", 0)

        return pd.DataFrame(
            [("train (fit the model)", *rng(self.train)), ("test (calibrate, measure)", *rng(self.test))],
            columns=["part", "snapshots", "n_snapshots"],
        )


def embargo_days(params: EngagementParams) -> pd.Timedelta:
    """The embargo between a fit slice and the slice calibrated on: the label horizon (0 without ``embargo``)."""
    return pd.Timedelta(days=params.horizon_days if params.embargo else 0)


def time_split(snapshots: Any, params: EngagementParams) -> Split:
    """The latest ``test_share`` of labelled snapshots are the latest matured period (test: calibrate and
    measure); the model is fitted on the snapshots before them, less the embargo: a training snapshot whose
    label window reaches into the test period is dropped, so no opportunity labels both a fit row and a
    calibration row."""
    s = sorted(pd.DatetimeIndex(snapshots).unique())
    if len(s) < 4:
        raise ABMDataError(
            f"engagement panel: only {len(s)} labelled snapshot(s); need at least 4 for a "
            f"time-based split (more history, weekly snapshots or a shorter horizon)",
            file="touchpoints",
            column="snapshot_date",
            reason="too few snapshots",
        )
    n_test = max(1, int(round(params.test_share * len(s))))
    test = s[-n_test:]
    train = [d for d in s[:-n_test] if d + embargo_days(params) <= test[0]]
    if len(train) < 2:
        train = s[:-n_test]
    return Split(train=train, test=test)


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


def _z(level: float) -> float:
    return float(norm.ppf(0.5 + level / 2))


def reliability(y: Any, p: Any, bins: int = RELIABILITY_BINS, level: float = CI_LEVEL) -> pd.DataFrame:
    """Reliability table: per quantile bin of the predicted probability, the mean predicted probability, the
    observed share, the rows and a Wilson interval (``level``) of the observed share."""
    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), 0, 1)
    edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)))
    b = np.clip(np.searchsorted(edges[1:-1], p, side="right"), 0, max(len(edges) - 2, 0))
    df = (
        pd.DataFrame({"bin": b, "p": p, "y": y})
        .groupby("bin")
        .agg(predicted=("p", "mean"), observed=("y", "mean"), n=("y", "size"))
    )
    z = _z(level)
    n, ph = df["n"].to_numpy(float), df["observed"].to_numpy(float)
    centre = (ph + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(ph * (1 - ph) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    df["ci_low"], df["ci_high"] = centre - half, centre + half
    return df.reset_index()


def calibration_in_the_large(y: Any, p: Any, groups: Any, level: float = CI_LEVEL) -> tuple[float, float, float]:
    """Observed rate minus mean predicted probability, with a normal interval from the cluster-robust (by
    ``groups``, e.g. accounts seen at several snapshots) standard error of the mean residual."""
    r = np.asarray(y, dtype=float) - np.asarray(p, dtype=float)
    n = len(r)
    g = pd.Series(r).groupby(pd.factorize(pd.Series(groups))[0])
    dev = g.sum().to_numpy() - g.size().to_numpy() * r.mean()
    G = len(dev)
    se = float(np.sqrt(G / max(G - 1, 1) * np.sum(dev**2)) / n)
    m, z = float(r.mean()), _z(level)
    return m, m - z * se, m + z * se


def calibration_slope(y: Any, p: Any, groups: Any, level: float = CI_LEVEL) -> tuple[float, float, float]:
    """Logistic recalibration slope: ``b`` in ``logit P(y) = a + b logit(p)`` (1 = well spread, < 1 = too
    extreme, > 1 = too timid), with a cluster-robust (by ``groups``) Wald interval; NaN when the scores
    separate the outcomes perfectly or are constant."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    pp = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    X = sm.add_constant(np.log(pp / (1 - pp)), has_constant="add")
    codes = pd.factorize(pd.Series(groups))[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            fit = sm.GLM(np.asarray(y, dtype=float), X, family=sm.families.Binomial()).fit(
                cov_type="cluster", cov_kwds={"groups": codes}
            )
        except (PerfectSeparationWarning, np.linalg.LinAlgError, ValueError):
            return float("nan"), float("nan"), float("nan")  # separated or constant scores: no slope to estimate
    lo, hi = fit.conf_int(alpha=1 - level)[1]
    return float(fit.params[1]), float(lo), float(hi)


def calibration_table(preds: pd.DataFrame, names: list[str], groups: Any, level: float = CI_LEVEL) -> pd.DataFrame:
    """Per probability column ``p_<name>`` of ``preds``: mean predicted, observed, calibration-in-the-large and
    slope with their intervals (rows = names)."""
    rows = {}
    for k in names:
        y, p = preds["label"], preds[f"p_{k}"]
        c, s = calibration_in_the_large(y, p, groups, level), calibration_slope(y, p, groups, level)
        rows[k] = {
            "mean_predicted": float(np.mean(p)),
            "observed": float(np.mean(y)),
            "in_the_large": c[0],
            "in_the_large_low": c[1],
            "in_the_large_high": c[2],
            "slope": s[0],
            "slope_low": s[1],
            "slope_high": s[2],
        }
    out = pd.DataFrame(rows).T
    out.index.name = "scorer"
    return out


@dataclass
class EngagementResult(Results):
    """Out-of-time validation of the three scorers (plus any reference rows, e.g. the oracle)."""

    metrics: pd.DataFrame
    split: Split
    predictions: pd.DataFrame  # test rows: account_id, snapshot_date, label, p_<scorer>[, p_<reference>], score
    reliability: dict[str, pd.DataFrame]  # reliability table per scorer on the test period
    calibration: pd.DataFrame  # calibration-in-the-large and slope (with intervals) per scorer, test period
    conversion: pd.DataFrame  # observed conversion per GBM score on the test period
    features: list[str]
    models: dict[str, CalibratedScorer] = field(repr=False, default_factory=dict)  # the validated scorers
    reference: pd.DataFrame | None = field(repr=False, default=None)  # engaged-class medians (reasons)
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
        s.add_table(self.calibration.round(4), "Calibration on the test period (in-the-large = observed - predicted)")
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
        rel = {
            **self.reliability,
            name: reliability(preds["label"], preds[f"p_{name}"], p.reliability_bins, p.ci_level),
        }
        cal = pd.concat([self.calibration, calibration_table(preds, [name], preds["account_id"], p.ci_level)])
        return replace(self, metrics=metrics, predictions=preds, reliability=rel, calibration=cal)


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


def crossfit_probability(
    decision: Any, y: Any, groups: Any, method: str = "sigmoid", n_folds: int = 5, seed: int = 0
) -> np.ndarray:
    """Out-of-fold calibrated probabilities of a fixed model's ``decision`` scores: the rows are split into
    ``n_folds`` folds of whole ``groups`` (accounts) and each fold is mapped by a calibrator learned on the
    other folds. What the deployed map (learned on all rows) would give rows it did not see: the honest
    basis of the calibration check on the period the map is learned on."""
    z = np.asarray(decision, dtype=float)
    y = np.asarray(y, dtype=int)
    codes, uniq = pd.factorize(pd.Series(groups))
    fold_of = np.random.default_rng(seed).permutation(len(uniq)) % max(2, int(n_folds))
    fold = fold_of[codes]
    out = np.full(len(z), np.nan)
    for k in np.unique(fold):
        tr = fold != k
        if len(np.unique(y[tr])) < 2:
            out[~tr] = y[tr].mean()
            continue
        out[~tr] = ScoreCalibrator(method=method, input="decision").fit(z[tr], y[tr]).predict(z[~tr])  # type: ignore[arg-type]
    return out


def fit_engagement(panel: pd.DataFrame, params: EngagementParams | None = None, seed: int = 0) -> EngagementResult:
    """Time-split validation of points, logistic and GBM scorers on the eligible labelled panel.

    Each scorer is a :class:`~abm_lab.engagement.scorers.CalibratedScorer` in its prefit form: the model is
    fitted on the training snapshots, its calibration map on its own scores over the latest matured period
    (the test period, after the embargo). These validated objects (``models``) are what
    :func:`~abm_lab.engagement.scoring.score_accounts` deploys. Ranking metrics (ROC-AUC, PR-AUC, lift) are
    out of time; the calibration metrics (Brier, reliability, in-the-large, slope; :func:`calibration_table`)
    use probabilities cross-fitted by account (:func:`crossfit_probability`), since the map is learned on
    that period. Model fitting runs with ``params.n_threads`` BLAS / OpenMP threads.
    """
    p = params or EngagementParams()
    with limit_threads(p.n_threads):
        lab, split, parts = _split_parts(panel, p)
        feats = feature_columns(lab)
        train, test = parts["train"], parts["test"]
        rows = pd.concat([train, test], ignore_index=True)
        y = rows["label"].to_numpy()
        calib = np.r_[np.zeros(len(train), bool), np.ones(len(test), bool)]
        preds = test[["account_id", "snapshot_date", "label"]].reset_index(drop=True)
        models: dict[str, CalibratedScorer] = {}
        deployed: dict[str, np.ndarray] = {}
        for name, est in make_scorers(p, seed).items():
            cal = CalibratedScorer(est, p.calibration).fit(scorer_inputs(name, rows, feats), y, calib=calib)
            models[name] = cal
            Xt = scorer_inputs(name, test, feats)
            deployed[name] = cal.predict_proba(Xt)[:, 1]
            raw = cal.members_[0][0].decision_function(Xt)
            preds[f"p_{name}"] = crossfit_probability(
                raw, preds["label"], preds["account_id"], p.calibration, p.calib_folds, seed
            )
        metrics = _metric_rows(deployed, preds, p.n_bootstrap, seed)
        probs = {k: preds[f"p_{k}"] for k in models}
        metrics["brier"] = [float(brier_score_loss(preds["label"], np.clip(probs[k], 0, 1))) for k in metrics.index]
        rel = {k: reliability(preds["label"], v, p.reliability_bins, p.ci_level) for k, v in probs.items()}
        calib_tab = calibration_table(preds, list(probs), preds["account_id"], p.ci_level)
    preds["score"] = to_score(preds["p_gbm"], p.score_cutoffs)
    return EngagementResult(
        metrics=metrics,
        split=split,
        predictions=preds,
        reliability=rel,
        calibration=calib_tab,
        conversion=conversion_by_score(preds["score"], preds["label"]),
        features=feats,
        models=models,
        reference=engaged_reference(train, feats),
        params=p,
        seed=seed,
    )
