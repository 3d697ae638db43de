"""ICP checks against the synthetic world's truth (notebook 01 on the demo world, and the ICP tests).

* :func:`truth_check`: does the fit score rank accounts like the true fit probability?
* :func:`driver_recovery` / :func:`driver_table`: where does the model rank the true fit drivers?
* :func:`truth_headline`: the ``truth_*`` figures of ``summary_icp.json``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import roc_auc_score

from ..config.icp import IcpParams
from ..icp.discover import IcpResult
from ..icp.features import band_labels

__all__ = ["truth_check", "truth_headline", "driver_recovery", "driver_table", "TOP_SHARE", "HEADLINE_DIGITS"]

#: Share of accounts with the highest true fit that count as the true top (``auc_true_top``).
TOP_SHARE = 0.2
#: Decimals of the truth figures in ``summary_icp.json``.
HEADLINE_DIGITS = 4


def _truth_attribute(truth_feature: str) -> str:
    """Attribute of a true fit feature: 'industry=Software' -> 'industry', 'employees 200-5,000' -> 'employee_band'."""
    if truth_feature.startswith("employees"):
        return "employee_band"
    if truth_feature.startswith("revenue"):
        return "revenue_band"
    if truth_feature.startswith("founded"):
        return "founded_band"
    return truth_feature.split("=", 1)[0]


def _truth_matches(truth_feature: str, feature_names: Sequence[str], p: IcpParams) -> list[str]:
    """Model features that express a true fit feature ('industry=Software', 'employees 200-5,000', 'tech_crm')."""
    if truth_feature in feature_names:
        return [truth_feature]
    attr = _truth_attribute(truth_feature)
    if attr in feature_names:  # attribute-level importance
        return [attr]
    if truth_feature.startswith("employees "):
        rng = truth_feature.split(" ", 1)[1].replace(",", "")
        lo, hi = (float(x) for x in rng.split("-"))
        edges = [0.0] + list(p.employee_bands) + [math.inf]
        labels = band_labels(p.employee_bands, "employees")
        hit = [f"employee_band={lab}" for lab, a, b in zip(labels, edges, edges[1:], strict=False) if a < hi and b > lo]
        return [h for h in hit if h in feature_names]
    return []


def driver_recovery(
    importance: pd.Series, truth_meta: dict, k: int = 5, top_true: int = 3, p: IcpParams | None = None
) -> pd.DataFrame:
    """Where each true fit driver ranks among the model's drivers (synthetic world only).

    ``importance``: model importance per one-hot feature or per attribute (see
    :meth:`abm_lab.icp.LookalikeModel.feature_importance`). Returns one row per true driver (in true
    order): true_rank, driver, true_coef, model_feature, model_rank (best rank of a
    matching feature or attribute), in_top_k, top_true (among the ``top_true`` first).
    """
    p = p or IcpParams()
    ranked = list(importance.sort_values(ascending=False).index)
    rows = []
    for i, f in enumerate(truth_meta["fit_drivers"], start=1):
        m = _truth_matches(f, ranked, p)
        r = min((ranked.index(x) + 1 for x in m), default=None)
        rows.append(
            {
                "true_rank": i,
                "driver": f,
                "true_coef": truth_meta["fit_coefficients"].get(f),
                "model_feature": ranked[r - 1] if r else None,
                "model_rank": r,
                "in_top_k": bool(r is not None and r <= k),
                "top_true": i <= top_true,
            }
        )
    return pd.DataFrame(rows)


def truth_check(
    fit_scores: pd.DataFrame, truth_accounts: pd.DataFrame, top_share: float = TOP_SHARE
) -> dict[str, float]:
    """Fit score against the synthetic world's true fit (oracle).

    * ``spearman``: rank correlation of fit_score with the true fit probability;
    * ``auc_customers`` / ``auc_customers_oracle``: AUC for current customers of the fit
      score (out-of-fold) and of the true fit probability (the ceiling any model can reach);
    * ``auc_true_top``: AUC of the fit score for the true top ``top_share`` accounts by fit.
    """
    m = fit_scores.merge(
        truth_accounts[["account_id", "fit_prob", "is_customer"]],
        on="account_id",
        suffixes=("", "_true"),
        validate="one_to_one",
    )
    true_p = m["fit_prob_true"].to_numpy(float)
    cust = m["is_customer"].astype(bool).to_numpy()
    top = true_p >= np.quantile(true_p, 1 - top_share)
    return {
        "spearman": float(stats.spearmanr(m["fit_score"], true_p).statistic),
        "auc_customers": float(roc_auc_score(cust, m["fit_score"])),
        "auc_customers_oracle": float(roc_auc_score(cust, true_p)),
        "auc_true_top": float(roc_auc_score(top, m["fit_score"])),
        "accounts": int(len(m)),
    }


def truth_headline(check: Mapping[str, float] | None) -> dict[str, Any]:
    """The ``truth_*`` figures of ``summary_icp.json`` from :func:`truth_check` (empty on real data)."""
    if not check:
        return {}
    return {f"truth_{k}": round(v, HEADLINE_DIGITS) for k, v in check.items()}


#: Columns of the driver table notebook 01 shows.
DRIVER_TABLE_COLUMNS = ["true_rank", "driver", "true_coef", "model_feature", "model_rank"]


def driver_table(result: IcpResult, truth_meta: dict) -> pd.DataFrame:
    """The true fit drivers in true order and where the chosen model ranks their attribute (notebook 01)."""
    p = result.params
    imp = result.chosen_model.feature_importance(result.features, p.shap_sample, by="attribute")
    return driver_recovery(imp, truth_meta, p=p)[DRIVER_TABLE_COLUMNS]
