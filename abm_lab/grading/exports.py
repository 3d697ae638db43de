"""Exports of the target list: ``target_accounts.csv`` (CRM import) and ``linkedin_company_list.csv``.

``target_accounts.csv``: account_id, name, domain, grade, tier, score, cluster, cluster_label, owner, one row
per target account, strategic first. ``linkedin_company_list.csv`` is in the column layout of LinkedIn
Campaign Manager's Matched Audiences *company list* CSV template.

LinkedIn template columns (looked up 2026-11-23): ``companyname`` (required),
``companywebsite``, ``companyemaildomain``, ``linkedincompanypageurl``, ``stocksymbol``,
``industry``, ``city``, ``state``, ``companycountry``, ``zipcode``. Sources: LinkedIn Help
(Campaign Manager, "Matched Audiences" list requirements: download the CSV template in
Campaign Manager, do not change or remove its headers, at least 300 rows for a
successful upload) and practitioner guides of 2025–2026 that list the template's headers
(company name required; website/domain and LinkedIn page URL raise the match rate). The
template itself is served inside Campaign Manager and could not be opened from here:
check the headers against a freshly downloaded template before uploading. Columns we
cannot fill from the CRM (page URL, stock symbol, city, state, zip) are left blank, which
the template allows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .tiers import TIER_RANK

__all__ = [
    "TARGET_COLUMNS",
    "LINKEDIN_COLUMNS",
    "LINKEDIN_TEMPLATE_CHECKED",
    "LINKEDIN_MIN_ROWS",
    "EXPORTS",
    "target_accounts_export",
    "linkedin_company_list",
]

TARGET_COLUMNS = ["account_id", "name", "domain", "grade", "tier", "score", "cluster", "cluster_label", "owner"]
LINKEDIN_COLUMNS = [
    "companyname",
    "companywebsite",
    "companyemaildomain",
    "linkedincompanypageurl",
    "stocksymbol",
    "industry",
    "city",
    "state",
    "companycountry",
    "zipcode",
]
LINKEDIN_TEMPLATE_CHECKED = "2026-11-23"
#: LinkedIn's minimum of companies for a matched audience.
LINKEDIN_MIN_ROWS = 300
#: The artefacts notebook 02 writes (registry names, :mod:`abm_lab.artefacts`).
EXPORTS = ("account_grades", "target_accounts", "linkedin_company_list")
#: Decimals of the score in the CRM export.
_SCORE_DIGITS = 1
_NO_OWNER = "unassigned"


def target_accounts_export(grades: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """CRM import file: one row per target account, best first (columns TARGET_COLUMNS)."""
    acc = accounts.set_index(accounts["account_id"].astype(str))
    t = grades[grades["is_target"].astype(bool)].copy()
    a = acc.loc[t["account_id"]]
    out = pd.DataFrame(
        {
            "account_id": t["account_id"].to_numpy(),
            "name": a["name"].to_numpy(),
            "domain": a["domain"].to_numpy() if "domain" in a else None,
            "grade": t["grade"].to_numpy(),
            "tier": t["tier"].to_numpy(),
            "score": t["fit_score"].round(_SCORE_DIGITS).to_numpy(),
            "cluster": t["cluster"].to_numpy(),
            "cluster_label": t["cluster_label"].to_numpy(),
            "owner": (a["owner"].astype("string").fillna(_NO_OWNER).to_numpy() if "owner" in a else _NO_OWNER),
        }
    )
    rank = out["tier"].map(TIER_RANK)
    return (
        out.assign(_r=rank)
        .sort_values(["_r", "score"], ascending=[True, False], kind="stable")
        .drop(columns="_r")
        .reset_index(drop=True)
    )


def linkedin_company_list(grades: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """LinkedIn Matched Audiences company list (columns LINKEDIN_COLUMNS), one row per target account."""
    acc = accounts.set_index(accounts["account_id"].astype(str))
    t = grades[grades["is_target"].astype(bool)]
    a = acc.loc[t["account_id"]]

    def col(name: str) -> np.ndarray:
        return a[name].astype("string").fillna("").to_numpy() if name in a.columns else np.full(len(a), "")

    domain = col("domain")
    website = np.where(domain != "", domain, col("website"))
    blank = np.full(len(a), "")
    return pd.DataFrame(
        {
            "companyname": col("name"),
            "companywebsite": website,
            "companyemaildomain": domain,
            "linkedincompanypageurl": blank,
            "stocksymbol": blank,
            "industry": col("industry"),
            "city": blank,
            "state": blank,
            "companycountry": col("country"),
            "zipcode": blank,
        },
        columns=LINKEDIN_COLUMNS,
    )
