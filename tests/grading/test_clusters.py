"""ABM-lite clusters described in words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from abm_lab import grading


def _feats() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "industry": ["Software"] * 8 + ["Retail"] * 2,
            "employee_band": ["200–999"] * 10,
            "revenue_band": ["unknown"] * 10,
            "region": ["NA"] * 6 + ["EMEA"] * 4,
            "founded_band": ["2010 or later"] * 10,
            "tech_crm": [1.0] * 9 + [0.0],
        },
        index=[f"a{i}" for i in range(10)],
    )


def test_cluster_description_in_words():
    d = grading.describe_clusters(_feats(), np.zeros(10, int), share=0.5)
    assert d[0] == "Software, 200–999 employees, NA, uses CRM"


def test_clusters_numbered_by_size():
    labels, desc = grading.cluster_accounts(_feats(), n_clusters=2, seed=0)
    assert len(labels) == 10 and set(labels) == {0, 1} and set(desc) == {0, 1}
    assert (labels == 0).sum() >= (labels == 1).sum()  # 0 = the largest cluster
