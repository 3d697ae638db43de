"""Exports: account_grades.parquet, target_accounts.csv and the LinkedIn company list."""

from __future__ import annotations

import pandas as pd

from abm_lab import grading


def test_exports_columns_and_every_account_once(result, tmp_path):
    paths = result.save(tmp_path)
    assert result.paths == paths and [p.name for p in paths.values()] == [
        "account_grades.parquet",
        "target_accounts.csv",
        "linkedin_company_list.csv",
    ]
    ag = pd.read_parquet(paths["account_grades"])
    assert list(ag.columns[:7]) == ["account_id", "fit_score", "grade", "is_target", "tier", "cluster", "cluster_label"]
    assert len(ag) == 2000 and ag["account_id"].is_unique
    ta = pd.read_csv(paths["target_accounts"], dtype={"account_id": str})
    assert list(ta.columns) == grading.TARGET_COLUMNS
    assert ta["account_id"].is_unique
    assert set(ta["account_id"]) == set(ag.loc[ag["is_target"], "account_id"])
    assert ta["tier"].iloc[0] == "strategic" and ta["owner"].notna().all()
    li = pd.read_csv(paths["linkedin_company_list"], keep_default_na=False)
    assert list(li.columns) == grading.LINKEDIN_COLUMNS
    assert len(li) == len(ta) and li["companyname"].is_unique and (li["companyname"] != "").all()
    assert (li["companyemaildomain"] != "").all()
    assert not li.apply(lambda c: c.astype(str).str.contains("@")).any().any()  # no e-mail addresses
