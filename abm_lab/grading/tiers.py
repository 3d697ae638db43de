"""Tiers of the target list: strategic 1:1, ABM-lite 1:few (clustered) and programmatic 1:many.

Targets are ranked by priority = fit probability x potential value (``grading.value_column``, annual
revenue by default): the first ``strategic_n`` are strategic, the next ``abm_lite_n`` ABM-lite, grouped
into ``n_clusters`` clusters of similar accounts (:mod:`.clusters`), the rest programmatic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config.grading import TIER_NAMES, GradingParams
from ..errors import ABMDataError
from ..icp.features import account_features
from .clusters import cluster_accounts

__all__ = ["TIER_NAMES", "TIER_LABEL", "potential_value", "assign_tiers"]

#: Display name of each tier.
TIER_LABEL = {"strategic": "Strategic (1:1)", "abm_lite": "ABM-lite (1:few)", "programmatic": "Programmatic (1:many)"}
#: Tier order on the target list (strategic first).
TIER_RANK = {t: i for i, t in enumerate(TIER_NAMES)}


def potential_value(accounts: pd.DataFrame, column: str) -> np.ndarray:
    """Potential value per account (``column``, missing values at the median, never negative)."""
    if column not in accounts.columns:
        raise ABMDataError(
            f"accounts: grading.value_column '{column}' is not a column of the accounts table "
            f"(columns: {list(accounts.columns)})",
            file="accounts",
            column=column,
            reason="missing column",
        )
    v = pd.to_numeric(accounts[column], errors="coerce").astype(float)
    med = float(v.median()) if v.notna().any() else 1.0
    return v.fillna(med).clip(lower=0).to_numpy()


def assign_tiers(
    grades: pd.DataFrame, accounts: pd.DataFrame, p: GradingParams, seed: int = 0, features: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Add tier, priority, cluster and cluster_label to ``grades`` (one row per account, same order).

    Targets are ranked by priority = fit_prob x potential value; the first
    ``strategic_n`` are strategic, the next ``abm_lite_n`` ABM-lite (clustered), the rest
    programmatic. Non-targets get tier 'none' and cluster -1.
    """
    out = grades.copy()
    acc = accounts.set_index(accounts["account_id"].astype(str)).loc[out["account_id"]]
    value = potential_value(acc.reset_index(drop=True), p.value_column)
    out["potential_value"] = value
    out["priority"] = out["fit_prob"].to_numpy(float) * value
    out["tier"] = "none"
    tgt = np.flatnonzero(out["is_target"].to_numpy(bool))
    order = tgt[np.lexsort((-out["fit_score"].to_numpy()[tgt], -out["priority"].to_numpy()[tgt]))]
    tier = out["tier"].to_numpy(dtype=object)
    tier[order[: p.strategic_n]] = "strategic"
    tier[order[p.strategic_n : p.strategic_n + p.abm_lite_n]] = "abm_lite"
    tier[order[p.strategic_n + p.abm_lite_n :]] = "programmatic"
    out["tier"] = tier
    out["cluster"] = -1
    out["cluster_label"] = ""
    out.loc[out["tier"] == "strategic", "cluster_label"] = "1:1 account plan"
    out.loc[out["tier"] == "programmatic", "cluster_label"] = "1:many"
    lite = np.flatnonzero(tier == "abm_lite")
    if len(lite):
        feats = features if features is not None else account_features(acc.reset_index(drop=True))
        feats = feats.loc[out["account_id"].to_numpy()[lite]]
        labels, desc = cluster_accounts(feats, p.n_clusters, seed, p.cluster_describe_share)
        out.loc[out.index[lite], "cluster"] = labels
        out.loc[out.index[lite], "cluster_label"] = [desc[x] for x in labels]
    out["cluster"] = out["cluster"].astype(int)
    return out
