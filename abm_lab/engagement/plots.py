"""Figures and tables of notebook 04: validation, calibration, conversion by score, SHAP, touch timeline.

Every function returns a matplotlib figure (or a DataFrame for tables); nothing is shown or saved here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .explain import import_shap, quiet_shap
from .scoring import ScoredAccounts
from .validation import EngagementResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Long names of scorers and reference rows (tables, text).
SCORER_NAMES = {
    "points": "Points (rules, time decay)",
    "logistic": "Logistic regression",
    "gbm": "Gradient boosting",
    "oracle": "Oracle (true future hazard; ceiling)",
    "nowcast": "Nowcast (true hazard today)",
}
#: Short names on the accuracy plot.
PLOT_NAMES = {
    "points": "Points (rules)",
    "logistic": "Logistic regression",
    "gbm": "Gradient boosting",
    "oracle": "Oracle (true future hazard)",
    "nowcast": "Nowcast (true hazard today)",
}
REFERENCE_ROWS = ("oracle", "nowcast")
BLUE, GREY, ORANGE = "#1f4e79", "#8c8c8c", "#e07b39"


def plot_metrics(result: EngagementResult) -> Figure:
    """Holdout ROC-AUC per scorer with bootstrap intervals (oracle = ceiling)."""
    import matplotlib.pyplot as plt

    m = result.metrics
    fig, ax = plt.subplots(figsize=(7, 3))
    names = list(m.index)
    y = np.arange(len(names))
    ax.barh(y, m["roc_auc"], color=[GREY if n in REFERENCE_ROWS else BLUE for n in names])
    err = np.vstack([m["roc_auc"] - m["auc_ci_low"], m["auc_ci_high"] - m["roc_auc"]])
    ax.errorbar(m["roc_auc"], y, xerr=np.nan_to_num(err), fmt="none", color="black", capsize=3)
    ax.set_yticks(y, [PLOT_NAMES.get(n, n) for n in names])
    ax.set_xlim(0.5, 1)
    ax.set_xlabel("ROC-AUC on the test period (0.5 = random, 1 = perfect)")
    ax.set_title("Out-of-time accuracy of the three scorers")
    for yi, v, hi in zip(y, m["roc_auc"], m["auc_ci_high"], strict=False):
        ax.text((hi if pd.notna(hi) else v) + 0.008, float(yi), f"{v:.3f}", va="center", fontsize=9)
    return fig


def plot_reliability(result: EngagementResult) -> Figure:
    """Reliability (calibration) curve per scorer on the test period (account-cross-fitted probabilities)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    hi = 0.0
    for k, d in result.reliability.items():
        ax.plot(d["predicted"], d["observed"], marker="o", label=k)
        hi = max(hi, d["predicted"].max(), d["observed"].max())
    ax.plot([0, hi], [0, hi], ls="--", color=GREY, label="perfect calibration")
    ax.set_xlabel("Predicted probability of an opportunity (decile mean)")
    ax.set_ylabel("Observed share with an opportunity")
    ax.set_title("Calibration on the test period")
    ax.legend()
    return fig


def plot_reliability_diagram(result: EngagementResult, name: str = "gbm") -> Figure:
    """Reliability diagram of one scorer (default: the deployed GBM) on the latest matured period: observed
    share per bin with its interval against the mean predicted probability, the bin sizes below, and
    calibration-in-the-large and slope (with intervals) in the title."""
    import matplotlib.pyplot as plt

    d = result.reliability[name]
    c = result.calibration.loc[name]
    fig, (ax, axn) = plt.subplots(
        2, 1, figsize=(5.8, 5.2), sharex=True, gridspec_kw={"height_ratios": [3.2, 1], "hspace": 0.08}
    )
    hi = float(max(d["predicted"].max(), d["ci_high"].max())) * 1.05
    ax.plot([0, hi], [0, hi], ls="--", color=GREY, label="perfect calibration")
    err = np.vstack([d["observed"] - d["ci_low"], d["ci_high"] - d["observed"]])
    ax.errorbar(d["predicted"], d["observed"], yerr=err, fmt="o", color=BLUE, capsize=3, label="observed (interval)")
    ax.set_xlim(0, hi)
    ax.set_ylim(0, hi)
    ax.set_ylabel("Observed share with an opportunity")
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.legend(loc="upper left", fontsize=8)
    lvl = result.params.ci_level if result.params else 0.95
    ax.set_title(
        f"{PLOT_NAMES.get(name, name)}: in-the-large {c['in_the_large']:+.1%} "
        f"[{c['in_the_large_low']:+.1%}, {c['in_the_large_high']:+.1%}]\n"
        f"slope {c['slope']:.2f} [{c['slope_low']:.2f}, {c['slope_high']:.2f}] ({lvl:.0%} intervals; "
        f"mean predicted {c['mean_predicted']:.1%}, observed {c['observed']:.1%})",
        fontsize=9,
    )
    gaps = np.diff(np.sort(d["predicted"].to_numpy(float)))
    width = max(0.6 * float(gaps.min()) if len(gaps) else hi / 20, hi / 300)
    axn.bar(d["predicted"], d["n"], width=width, color=GREY)
    axn.set_ylabel("rows")
    axn.set_xlabel("Predicted probability (bin mean)")
    return fig


def plot_conversion(result: EngagementResult) -> Figure:
    """Observed conversion per score 1-5 (test period)."""
    import matplotlib.pyplot as plt

    c = result.conversion
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.bar(c["score"].astype(str), c["conversion"].fillna(0), color=BLUE)
    for x, (v, n) in enumerate(zip(c["conversion"], c["accounts"], strict=False)):
        ax.text(
            x, (0 if pd.isna(v) else v), f"{0 if pd.isna(v) else v:.1%}\n(n={n})", ha="center", va="bottom", fontsize=8
        )
    ax.set_xlabel("Engagement score (1 = cold, 5 = hot)")
    ax.set_ylabel(f"Opportunity within {result.params.horizon_days if result.params else ''} days")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_title("Observed conversion by score (test period)")
    return fig


def _shap_plot(kind: str, explanation: Any, max_display: int = 12, **kw: Any) -> Figure:
    import matplotlib.pyplot as plt

    shap = import_shap()
    with quiet_shap():
        plt.figure()
        if kind == "bar":
            shap.plots.bar(explanation, max_display=max_display, show=False)
        elif kind == "beeswarm":
            shap.plots.beeswarm(explanation, max_display=max_display, show=False, **kw)
        else:
            shap.plots.waterfall(explanation, max_display=max_display, show=False)
    fig = plt.gcf()
    return fig


def plot_shap_bar(explanation: Any, max_display: int = 12) -> Figure:
    """Mean |SHAP| per feature (log-odds units of the displayed probability): what drives scores overall."""
    fig = _shap_plot("bar", explanation, max_display)
    fig.axes[0].set_xlabel("Mean |SHAP value| (effect on the log-odds of the probability shown)")
    return fig


def plot_shap_beeswarm(explanation: Any, max_display: int = 12, jitter_seed: int = 0) -> Figure:
    """One dot per account and feature: direction and size of each feature's effect.

    shap jitters overlapping dots with NumPy's global random state; it is seeded here (and restored after) so
    the same data draw the same figure, run after run."""
    import numpy as np

    state = np.random.get_state()
    np.random.seed(jitter_seed)
    try:
        fig = _shap_plot("beeswarm", explanation, max_display, plot_size=(8, 5))
    finally:
        np.random.set_state(state)
    fig.axes[0].set_xlabel("SHAP value (effect on the log-odds of the probability shown)")
    return fig


def plot_waterfall(
    scored: ScoredAccounts, account_id: str, max_display: int = 10, scale: str = "probability"
) -> Figure:
    """Waterfall of one account's displayed probability, feature by feature.

    ``scale="probability"`` (default): the pushes add up from the base value to the probability shown for the
    account (:func:`~abm_lab.engagement.explain.to_probability`); ``"log-odds"``: they add up to its log-odds,
    and the axis label states the map ``probability = 1 / (1 + exp(-log-odds))``."""
    i = scored.row(account_id)
    if scale == "probability" and scored.shap_probability is not None:
        fig = _shap_plot("waterfall", scored.shap_probability[i], max_display)
        fig.axes[0].set_title(
            f"Probability of an opportunity: base {scored.shap_probability.base_values[i]:.1%} + pushes = "
            f"{scored.scores['probability'].iloc[i]:.1%} shown",
            fontsize=10,
        )
        return fig
    fig = _shap_plot("waterfall", scored.shap[i], max_display)
    fig.axes[0].set_title(
        f"Log-odds z of an opportunity; probability = 1 / (1 + exp(-z)) = {scored.scores['probability'].iloc[i]:.1%}",
        fontsize=10,
    )
    return fig


def plot_timeline(touchpoints: pd.DataFrame, account_id: str, end: Any, days: int = 180, ax: Any = None) -> Figure:
    """Touches of one account over the last ``days`` before ``end``, by channel (dots)."""
    import matplotlib.pyplot as plt

    end = pd.Timestamp(end)
    t = touchpoints[(touchpoints["account_id"] == account_id)]
    ts = pd.to_datetime(t["timestamp"])
    t = t[(ts < end) & (ts >= end - pd.Timedelta(days=days))]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 2.6))
    chans = sorted(t["channel"].dropna().astype(str).unique())
    for i, ch in enumerate(chans):
        d = t[t["channel"] == ch]
        bofu = d["funnel_stage"] == "bofu" if "funnel_stage" in d else np.zeros(len(d), bool)
        ax.scatter(
            pd.to_datetime(d["timestamp"]),
            np.full(len(d), i),
            s=np.where(bofu, 40, 12),
            color=np.where(bofu, ORANGE, BLUE),
            alpha=0.8,
        )
    ax.set_yticks(range(len(chans)), chans)
    ax.set_xlim(end - pd.Timedelta(days=days), end)
    ax.set_xlabel("Date (orange = bottom-funnel touch)")
    ax.set_title(f"Touches in the last {days} days")
    return ax.figure


def format_calibration(result: EngagementResult) -> pd.DataFrame:
    """Calibration on the latest matured period per scorer, readable: mean predicted, observed,
    in-the-large and slope with their intervals (for the notebook)."""
    c = result.calibration
    out = pd.DataFrame(
        {
            "mean predicted": c["mean_predicted"].map(lambda v: f"{v:.2%}"),
            "observed": c["observed"].map(lambda v: f"{v:.2%}"),
            "in-the-large (obs - pred)": [
                f"{v:+.2%} [{lo:+.2%}, {hi:+.2%}]"
                for v, lo, hi in zip(c["in_the_large"], c["in_the_large_low"], c["in_the_large_high"], strict=True)
            ],
            "slope": [
                f"{v:.2f} [{lo:.2f}, {hi:.2f}]"
                for v, lo, hi in zip(c["slope"], c["slope_low"], c["slope_high"], strict=True)
            ],
        }
    )
    out.index = [SCORER_NAMES.get(k, k) for k in c.index]
    return out


def format_metrics(result: EngagementResult) -> pd.DataFrame:
    """Holdout metrics, rounded, with readable scorer names (for the notebook)."""
    m = result.metrics
    out = pd.DataFrame(
        {
            "ROC-AUC": m["roc_auc"].round(3),
            "95% CI": [
                f"{lo:.3f}-{hi:.3f}" if pd.notna(lo) else "-"
                for lo, hi in zip(m["auc_ci_low"], m["auc_ci_high"], strict=False)
            ],
            "PR-AUC": m["pr_auc"].round(3),
            "top-decile lift": m["top_decile_lift"].round(2),
            "Brier": m["brier"].round(4),
        }
    )
    out.index = [SCORER_NAMES.get(k, k) for k in m.index]
    return out


def top_accounts(scored: ScoredAccounts, n: int = 10) -> pd.DataFrame:
    """The ``n`` accounts most likely to open an opportunity, with their first two reasons."""
    sc = scored.scores.sort_values(["score", "probability"], ascending=False).head(n)
    cols = [c for c in ("account_id", "name", "grade", "score", "probability", "reason_1", "reason_2") if c in sc]
    out = sc[cols].copy()
    out["probability"] = out["probability"].map(lambda v: f"{v:.0%}")
    return out.reset_index(drop=True)
