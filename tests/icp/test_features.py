"""ICP features: bands, text cleaning and technographic flags."""

from __future__ import annotations

import numpy as np
import pandas as pd

from abm_lab import icp
from abm_lab.config.icp import IcpParams


def _accounts(**cols):
    n = len(next(iter(cols.values())))
    base = {"account_id": [f"a{i}" for i in range(n)]}
    base.update(cols)
    return pd.DataFrame(base)


def test_features_bands_and_flags():
    acc = _accounts(
        industry=["Software", None, " Retail "],
        employees=pd.array([49, 200, None], dtype="Int64"),
        annual_revenue=[5e6, 1e9, np.nan],
        region=["NA", "EMEA", ""],
        founded_year=pd.array([1979, 2010, 2000], dtype="Int64"),
        tech_crm=pd.array([True, None, False], dtype="boolean"),
    )
    f = icp.account_features(acc, IcpParams())
    assert list(f.index) == ["a0", "a1", "a2"]
    assert f["industry"].tolist() == ["Software", "unknown", "Retail"]
    assert f["employee_band"].tolist() == ["<50", "200–999", "unknown"]
    assert f["revenue_band"].tolist() == ["<$10M", "$1B+", "unknown"]
    assert f["region"].tolist() == ["NA", "EMEA", "unknown"]
    assert f["founded_band"].tolist() == ["before 1980", "2010 or later", "2000–2009"]
    assert f["tech_crm"].tolist() == [1.0, 0.0, 0.0]


def test_value_labels_and_segment_words():
    f = pd.DataFrame({"industry": ["Software"], "tech_crm": [1.0], "tech_erp": [0.0]})
    lab = icp.value_labels(f)
    assert lab.loc[0, "tech_crm"] == "yes" and lab.loc[0, "tech_erp"] == "no" and lab.loc[0, "industry"] == "Software"
    assert icp.segment_label("tech_crm", "yes") == "uses CRM"
    assert icp.segment_label("employee_band", "200–999") == "200–999 employees"
    assert icp.tech_label("tech_marketing_automation") == "marketing automation"
