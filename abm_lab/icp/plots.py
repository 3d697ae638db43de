"""Figures, tables and the executive summary of notebook 01 (built from an :class:`IcpResult`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .discover import IcpResult
from .features import ATTR_LABEL, segment_label
from .models import MODEL_NAME
from .segments import LiftTables

__all__ = ["executive_summary", "plot_lift", "plot_shap_summary", "format_cv_table", "format_importance"]

_BAR = "#1f4e79"  # bars, and accounts without the feature
_HAS = "#e07b39"  # accounts with the feature
_ERR = "#555555"
_NO_LIFT = "#b33a3a"
_ZERO = "#666666"
#: Column names of the importance table as shown in the notebook.
IMPORTANCE_LABEL = {"logit": "logistic regression (sd of log-odds term)", "gbm": "gradient boosting (mean |SHAP|)"}


def executive_summary(res: IcpResult, check: Mapping[str, float] | None = None) -> str:
    """3–5 sentences of Markdown with the key numbers of notebook 01, built from the results.

    ``check``: the truth check of the synthetic world (:func:`abm_lab.validation.icp.truth_check`), if any.
    """
    r = res.rules.stats
    s = [f"**{int(res.y.sum()):,} {res.target_name}s** among {len(res.y):,} accounts (base rate {res.y.mean():.1%})."]
    top = res.lifts.top(3)
    if len(top):
        segs = "; ".join(f"{segment_label(t.attribute, t.value)} ×{t.lift:.1f}" for t in top.itertuples())
        s.append(f"The segments most over-represented among {res.target_name}s (lift, trusted sample sizes): {segs}.")
    if res.has_model and res.cv_table is not None and res.chosen is not None:
        cv = res.cv_table.set_index("model")
        other = [k for k in cv.index if k != res.chosen][0]
        s.append(
            f"A lookalike model scores every account out-of-fold: the {MODEL_NAME[res.chosen]} was chosen "
            f"(cross-validated AUC {cv.loc[res.chosen, 'cv_auc']:.2f}; "
            f"{MODEL_NAME[other]} "
            f"{cv.loc[other, 'cv_auc']:.2f})."
        )
    else:
        why = (
            f"only {int(res.y.sum())} customers, fewer than the {res.params.min_customers} needed"
            if res.target_name == "customer"
            else "there are no non-customers to learn from"
        )
        s.append(f"No lookalike model was fitted ({why}); the fit score is the share of ICP rule conditions met.")
    s.append(
        f"Readable ICP: **{res.rules.describe()}** — covers {r.get('coverage', 0):.0%} of accounts; on held-out "
        f"folds its precision is {r.get('precision', 0):.0%} (×{r.get('lift', float('nan')):.1f} the base rate) "
        f"and recall {r.get('recall', 0):.0%}; saved as the editable `icp.yaml`."
    )
    if check:
        s.append(
            f"Against the synthetic world's true fit, the fit score's rank correlation is "
            f"{check['spearman']:.2f} and its AUC for current customers {check['auc_customers']:.2f} "
            f"(the true fit itself reaches {check['auc_customers_oracle']:.2f})."
        )
    return " ".join(s)


def _bar_label(attr: str, value: str) -> str:
    if attr.startswith("tech_"):
        txt = segment_label(attr, value)
        return txt[:1].upper() + txt[1:]
    return f"{ATTR_LABEL.get(attr, attr)}: {value}"


def plot_lift(lifts: LiftTables, k: int = 12, trusted_only: bool = True) -> Any:
    """Horizontal bar chart of the ``k`` highest-lift segments with their intervals."""
    import matplotlib.pyplot as plt

    t = lifts.top(k, trusted_only).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(t) + 1.2))
    labels = [_bar_label(a, v).replace("$", r"\$") for a, v in zip(t["attribute"], t["value"], strict=False)]
    err = np.vstack([t["lift"] - t["lift_lo"], t["lift_hi"] - t["lift"]]).astype(float)
    err = np.nan_to_num(np.clip(err, 0, None))
    ax.barh(labels, t["lift"], xerr=err, color=_BAR, alpha=0.85, ecolor=_ERR, capsize=2)
    ax.axvline(1.0, color=_NO_LIFT, lw=1, ls="--")
    ax.set_xlabel(
        f"Lift ({lifts.target_name} rate in segment ÷ overall rate; {lifts.level:.0%} interval incl. the "
        "overall rate's uncertainty)"
    )
    ax.set_title(f"Segments most over-represented among {lifts.target_name}s")
    return fig


def plot_shap_summary(sv: np.ndarray, D: pd.DataFrame, k: int = 12, random_state: int = 0) -> Any:
    """SHAP summary (beeswarm-style): one row per top-``k`` feature by mean |SHAP|, each dot
    an account, coloured by whether the account has the feature (1) or not (0)."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    imp = np.abs(sv).mean(axis=0)
    top = np.argsort(-imp)[:k][::-1]
    rng = np.random.default_rng(random_state)
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(top) + 1.3))
    for row, j in enumerate(top):
        x = sv[:, j]
        v = D.iloc[:, j].to_numpy(float)
        yj = row + rng.uniform(-0.3, 0.3, len(x))
        ax.scatter(x, yj, c=np.where(v > 0.5, _HAS, _BAR), s=5, alpha=0.5, linewidths=0)
    ax.set_yticks(range(len(top)))
    ax.set_yticklabels([D.columns[j] for j in top])
    ax.axvline(0, color=_ZERO, lw=0.8)
    ax.set_xlabel("SHAP value (change in log-odds of being customer-like)")
    ax.set_title("What drives fit: gradient-boosted model")
    ax.legend(
        handles=[
            Line2D([], [], marker="o", ls="", color=_HAS, label="has feature (1)"),
            Line2D([], [], marker="o", ls="", color=_BAR, label="does not (0)"),
        ],
        loc="lower right",
        fontsize=8,
    )
    return fig


def format_cv_table(cv: pd.DataFrame) -> pd.DataFrame:
    """Cross-validation table for display."""
    return pd.DataFrame(
        {
            "model": cv["model"].map(MODEL_NAME),
            "CV AUC (mean ± sd over folds)": [
                f"{a:.3f} ± {b:.3f}" for a, b in zip(cv["cv_auc"], cv["cv_auc_sd"], strict=False)
            ],
            "pooled out-of-fold AUC": cv["pooled_auc"].round(3),
            "Brier score (calibrated)": cv["brier"].round(3),
            "folds": cv["folds"],
        }
    )


def feature_label(name: str) -> str:
    """A model feature in words: ``tech_crm`` → 'uses CRM', ``industry=Software`` → 'Industry: Software',
    ``employee_band=200–999`` → '200–999 employees' (other names with spaces for underscores)."""
    attr, sep, value = str(name).partition("=")
    if attr.startswith("tech_") and not sep:
        return segment_label(attr, "yes")
    if sep and attr in ("industry", "region"):
        return f"{ATTR_LABEL[attr]}: {value}"
    if sep:
        return segment_label(attr, value)
    return str(name).replace("_", " ")


def format_importance(importance: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """The ``k`` most important features in both models, rounded, with readable column and feature names."""
    out = importance.head(k).round(3).rename(columns=IMPORTANCE_LABEL)
    out.index = pd.Index([feature_label(x) for x in out.index], name="feature")
    return out


def labels_text(result: IcpResult, min_customers: int) -> str:
    """What the ICP is learned from, as Markdown: accounts, positives, the minimum for a model, whether one was
    fitted, and the result's notes as bullets (instead of a debug print)."""
    n, pos = len(result.y), int(result.y.sum())
    fitted = (
        "a lookalike model was fitted"
        if result.has_model
        else "no lookalike model was fitted (the profile comes from the lift tables)"
    )
    lines = [
        f"**{n:,} accounts, {pos:,} {result.target_name}s**; a model needs at least {min_customers:,} "
        f"{result.target_name}s: {fitted}."
    ]
    if result.notes:
        lines.append("\n".join(f"- {note}" for note in result.notes))
    return "\n\n".join(lines)


def rule_stats_text(rules: Any) -> str:
    """The readable ICP rule's figures as Markdown: coverage, then precision / recall / lift on held-out folds
    (what a new account can expect) beside the in-sample figures (optimistic: the rule was chosen on them)."""
    st = rules.stats

    def pct(k: str) -> str:
        v = st.get(k)
        return "—" if v is None or v != v else f"{v:.1%}"

    def num(k: str) -> str:
        v = st.get(k)
        return "—" if v is None or v != v else f"{v:.2f}"

    folds = st.get("cv_folds") or 0
    held = f"held out ({folds}-fold)" if folds else "held out (too few accounts to hold any out)"
    return (
        f"**ICP rule:** {rules.describe()} · coverage {pct('coverage')} of accounts\n\n"
        f"- {held}: precision {pct('precision')}, recall {pct('recall')}, lift {num('lift')}\n"
        f"- in sample (optimistic): precision {pct('precision_in_sample')}, recall {pct('recall_in_sample')}, "
        f"lift {num('lift_in_sample')}"
    )
