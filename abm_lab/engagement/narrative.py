"""The words of notebook 04: the executive summary and the closing note, with the measured figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .explain import shap_additivity_gap
from .matrix import QUADRANTS
from .plots import SCORER_NAMES

if TYPE_CHECKING:
    from ..validation.leadscoring import LeadScoringResult
    from .stage import EngagementRun


def _lower_first(t: str) -> str:
    return t[:1].lower() + t[1:] if t[:2] != t[:2].upper() else t


def executive_summary(run: EngagementRun) -> str:
    """3-5 sentences with the key numbers (who to call, why, how good the score is)."""
    sc = run.scored.scores
    m = run.result.metrics
    p = run.params
    top = sc.sort_values(["score", "probability"], ascending=False).head(3)
    n5, n4 = int((sc["score"] == 5).sum()), int((sc["score"] == 4).sum())
    names = "; ".join(
        f"**{r['name'] if pd.notna(r['name']) else r['account_id']}** "
        f"({r['probability']:.0%}: {_lower_first(str(r['reason_1']).split(' (')[0].split('; ')[0])})"
        for _, r in top.iterrows()
    )
    base = float(m["base_rate"].iloc[0])
    s5 = run.result.conversion.set_index("score")
    txt = [
        f"With data up to {run.as_of.date()} we scored **{len(sc):,} accounts** that are not customers and have "
        f"no open opportunity: **{n5} score 5** and **{n4} score 4** (probability of a new opportunity within "
        f"{p.horizon_days} days of at least {p.score_cutoffs[3]:.0%} and {p.score_cutoffs[2]:.0%}).",
        f"Call first: {names}.",
    ]
    hi = s5.loc[s5.index >= p.high_engagement_min_score]
    if hi["accounts"].sum() > 0:
        conv_hi = hi["opportunities"].sum() / hi["accounts"].sum()
        txt.append(
            f"Out of time (test period, {int(m['test_rows'].iloc[0]):,} account-months), accounts scored "
            f"{p.high_engagement_min_score}+ opened an opportunity {conv_hi:.0%} of the time against "
            f"{base:.0%} overall."
        )
    line = (
        f"The gradient-boosted model reaches ROC-AUC **{m.loc['gbm', 'roc_auc']:.3f}** against "
        f"{m.loc['points', 'roc_auc']:.3f} for the marketing-automation points rule and "
        f"{m.loc['logistic', 'roc_auc']:.3f} for logistic regression"
    )
    if "oracle" in m.index:
        line += (
            f"; the oracle that knows each account's true (future) buying intent reaches "
            f"{m.loc['oracle', 'roc_auc']:.3f}"
        )
    txt.append(line + ".")
    if "quadrant" in sc and sc["quadrant"].notna().any():
        q = sc["quadrant"].value_counts()
        txt.append(
            f"{int(q.get(QUADRANTS[(True, False)], 0))} good-fit accounts are not engaged yet "
            f"(marketing outreach); {int(q.get(QUADRANTS[(False, True)], 0))} engaged accounts with a weaker "
            f"fit need a review."
        )
    return " ".join(txt)


def closing_note(run: EngagementRun, lead: LeadScoringResult | None = None) -> str:
    """Measured figures for the closing note (markdown)."""
    m = run.result.metrics
    aucs = ", ".join(f"{SCORER_NAMES[k].split(' (')[0].lower()} {m.loc[k, 'roc_auc']:.3f}" for k in m.index)
    lines = [
        f"- Holdout ROC-AUC ({aucs}); "
        f"test base rate {float(m['base_rate'].iloc[0]):.1%} over {int(m['test_rows'].iloc[0]):,} account-snapshots.",
        f"- GBM minus points: {m.loc['gbm', 'roc_auc'] - m.loc['points', 'roc_auc']:+.3f} AUC.",
    ]
    if "oracle" in m.index:
        lines.append(
            f"- Oracle minus GBM: {m.loc['oracle', 'roc_auc'] - m.loc['gbm', 'roc_auc']:.3f} AUC. The oracle "
            f"knows the intent of the coming {run.params.horizon_days} days, which no activity data can; "
            f"knowing today's true intent exactly (nowcast) gives {m.loc['nowcast', 'roc_auc']:.3f}, "
            f"{m.loc['nowcast', 'roc_auc'] - m.loc['gbm', 'roc_auc']:.3f} above the GBM."
        )
    if "gbm" in run.result.calibration.index:
        c = run.result.calibration.loc["gbm"]
        lvl = run.params.ci_level
        lines.append(
            f"- Calibration of the deployed scorer on the latest matured period (cross-fitted by account): mean "
            f"predicted {c['mean_predicted']:.1%} vs observed {c['observed']:.1%}; in-the-large "
            f"{c['in_the_large']:+.2%} ({lvl:.0%} interval {c['in_the_large_low']:+.2%} to "
            f"{c['in_the_large_high']:+.2%}); slope {c['slope']:.2f} ({c['slope_low']:.2f} to {c['slope_high']:.2f})."
        )
    g = (
        shap_additivity_gap(run.scored.model, run.scored.X, run.scored.shap)
        if run.scored.shap is not None
        else float("nan")
    )
    lines.append(
        f"- SHAP additivity: largest gap between SHAP sum + base value and the log-odds of the displayed "
        f"probability {g:.1e}."
    )
    if lead is not None:
        lines.append(
            f"- X Education leads (real data, {lead.n_test:,}-lead stratified holdout): ROC-AUC "
            f"{lead.auc('gbm'):.3f} (GBM) and {lead.auc('logistic'):.3f} (logistic regression), without the "
            f"sales-assigned columns; published peers without them report 0.85-0.91."
        )
    return "\n".join(lines)
