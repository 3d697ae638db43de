"""ABM-lite clusters: KMeans groups of similar target accounts, each described in words.

A 1:few play is built around industry, size, region and technographics, so the clusters are formed on those
attributes (one-hot) and described by the values most of their accounts share.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning

from ..icp.features import UNKNOWN, tech_label, value_labels
from ..utils import limit_threads

__all__ = ["describe_clusters", "cluster_accounts", "CLUSTER_ATTRIBUTES"]

#: Attributes a cluster description names (in this order).
CLUSTER_ATTRIBUTES = ("industry", "employee_band", "region")
#: Attributes left out of the clustering (not what a 1:few play is built around).
_NOT_CLUSTERED = ["founded_band", "revenue_band"]
#: KMeans restarts.
_N_INIT = 10
#: Two values describe a cluster together when they hold ``share`` plus this of it.
_PAIR_EXTRA_SHARE = 0.25
#: A technographic trait describes a cluster when at least this share uses it ...
_TECH_USES_SHARE = 0.7
#: ... or at most this share uses it, in a cluster of at least ``_TECH_MIN_ACCOUNTS`` accounts.
_TECH_NONE_SHARE = 0.05
_TECH_MIN_ACCOUNTS = 10


def describe_clusters(
    features: pd.DataFrame, labels: np.ndarray, share: float = 0.5, max_tech: int = 2
) -> dict[int, str]:
    """A description in words of each cluster: attribute values held by at least ``share`` of it
    (and up to ``max_tech`` technographic traits held by >= 70% or <= 5%), e.g.
    'Software, 200–999 employees, NA, uses CRM'."""
    lab = value_labels(features)
    out = {}
    for c in sorted(pd.unique(labels)):
        d = lab[labels == c]
        parts = []
        for attr in CLUSTER_ATTRIBUTES:
            if attr not in d:
                continue
            vc = d[attr].value_counts(normalize=True)
            top = [v for v, s in vc.items() if v != UNKNOWN][:2]
            if top and vc[top[0]] >= share:
                txt = top[0]
            elif len(top) == 2 and vc[top[0]] + vc[top[1]] >= share + _PAIR_EXTRA_SHARE:
                txt = f"{top[0]} or {top[1]}"
            else:
                continue
            parts.append(
                txt + (" employees" if attr == "employee_band" else " revenue" if attr == "revenue_band" else "")
            )
        tech = {t: float((d[t] == "yes").mean()) for t in d.columns if t.startswith("tech_")}
        uses = sorted([t for t, sh in tech.items() if sh >= max(share, _TECH_USES_SHARE)], key=lambda t: -tech[t])
        nots = sorted(
            [t for t, sh in tech.items() if sh <= _TECH_NONE_SHARE and len(d) >= _TECH_MIN_ACCOUNTS],
            key=lambda t: tech[t],
        )
        parts += [f"uses {tech_label(t)}" for t in uses[:max_tech]]
        parts += [f"no {tech_label(t)}" for t in nots[: max(0, max_tech - len(uses[:max_tech]))]]
        out[int(c)] = ", ".join(parts) if parts else "mixed profile"
    return out


def cluster_accounts(
    features: pd.DataFrame, n_clusters: int, seed: int = 0, describe_share: float = 0.5
) -> tuple[np.ndarray, dict[int, str]]:
    """KMeans clusters of the accounts in ``features`` (one row each): (labels, description per cluster).

    Clusters are numbered by size (0 = largest) so labels are stable and readable; at most one cluster
    per account.
    """
    # cluster on what a 1:few play is built around: industry, size, region, technographics
    X = pd.get_dummies(value_labels(features).drop(columns=_NOT_CLUSTERED, errors="ignore"), dtype=float)
    k = int(min(n_clusters, len(features)))
    with limit_threads(1), warnings.catch_warnings():
        # fewer distinct accounts than clusters: KMeans says so and returns fewer clusters
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        km = KMeans(n_clusters=k, n_init=_N_INIT, random_state=seed).fit(X.to_numpy())
    sizes = pd.Series(km.labels_).value_counts()
    remap = {old: new for new, old in enumerate(sizes.index)}
    labels = np.array([remap[x] for x in km.labels_])
    return labels, describe_clusters(features, labels, describe_share)
