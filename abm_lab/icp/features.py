"""Account features of the ICP: categorical bands and technographic flags, and their display labels.

Categorical (text): industry, employee_band (people), revenue_band (USD), region, founded_band (year);
missing values become ``'unknown'``. Every ``tech_*`` flag is a 0/1 float (missing = 0: not known to use it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..config.icp import IcpParams
from ..errors import ABMDataError

__all__ = [
    "CATEGORICAL",
    "UNKNOWN",
    "ATTR_LABEL",
    "band_labels",
    "tech_columns",
    "tech_label",
    "account_features",
    "value_labels",
    "band_order",
    "bands_of",
    "segment_label",
]

#: Categorical attributes built from the canonical accounts table (plus every ``tech_*`` flag).
CATEGORICAL: tuple[str, ...] = ("industry", "employee_band", "revenue_band", "region", "founded_band")
UNKNOWN = "unknown"
#: Display name of each categorical attribute.
ATTR_LABEL = {
    "industry": "Industry",
    "employee_band": "Employees",
    "revenue_band": "Annual revenue",
    "region": "Region",
    "founded_band": "Founded",
}
#: Words of a ``tech_*`` column shown upper-cased.
_ACRONYMS = ("crm", "erp", "bi", "dw", "cdp", "hr")


def _num_label(x: float, money: bool) -> str:
    if money:
        if x >= 1e9:
            return f"${x / 1e9:g}B"
        if x >= 1e6:
            return f"${x / 1e6:g}M"
        return f"${x:,.0f}"
    return f"{x:,.0f}"


def band_labels(edges: Sequence[float], kind: str) -> list[str]:
    """Labels of the bands defined by inner ``edges``: '<50', '50–199', …, '5,000+'.

    ``kind`` is 'employees' (people, whole numbers), 'revenue' (USD) or 'year'.
    """
    e = list(edges)
    money = kind == "revenue"
    if kind == "year":
        out = [f"before {int(e[0])}"]
        out += [f"{int(a)}–{int(b) - 1}" for a, b in zip(e, e[1:], strict=False)]
        return out + [f"{int(e[-1])} or later"]
    if money:
        out = [f"<{_num_label(e[0], True)}"]
        out += [f"{_num_label(a, True)}–{_num_label(b, True)}" for a, b in zip(e, e[1:], strict=False)]
        return out + [f"{_num_label(e[-1], True)}+"]
    out = [f"<{_num_label(e[0], False)}"]
    out += [f"{_num_label(a, False)}–{_num_label(b - 1, False)}" for a, b in zip(e, e[1:], strict=False)]
    return out + [f"{_num_label(e[-1], False)}+"]


def _band(values: pd.Series, edges: Sequence[float], kind: str) -> pd.Series:
    labels = band_labels(edges, kind)
    x = pd.to_numeric(values, errors="coerce").astype("float64")
    idx = np.searchsorted(np.asarray(edges, float), x.to_numpy(), side="right")
    out = pd.Series(np.asarray(labels, dtype=object)[np.minimum(idx, len(labels) - 1)], index=values.index)
    return out.where(x.notna().to_numpy(), UNKNOWN)


def tech_columns(accounts: pd.DataFrame) -> list[str]:
    """The ``tech_*`` (technographic) columns of an accounts table."""
    return [c for c in accounts.columns if c.startswith("tech_")]


def tech_label(col: str) -> str:
    """'tech_marketing_automation' -> 'marketing automation' (CRM/ERP/BI upper-cased)."""
    words = col.removeprefix("tech_").split("_")
    return " ".join(w.upper() if w in _ACRONYMS else w for w in words)


def bands_of(p: IcpParams) -> dict[str, list[float]]:
    """The band edges of the params, keyed as in ``icp.yaml`` (employees, revenue, founded)."""
    return {"employees": list(p.employee_bands), "revenue": list(p.revenue_bands), "founded": list(p.founded_bands)}


def account_features(
    accounts: pd.DataFrame, p: IcpParams | None = None, bands: dict[str, list[float]] | None = None
) -> pd.DataFrame:
    """Model features of every account, indexed by ``account_id``.

    Categorical (text): industry, employee_band (people), revenue_band (USD), region,
    founded_band (year); missing values become 'unknown'. Every ``tech_*`` flag is a
    0/1 float (missing = 0: not known to use it). One row per input account.
    """
    p = p or IcpParams()
    b = {"employees": p.employee_bands, "revenue": p.revenue_bands, "founded": p.founded_bands}
    b.update(bands or {})
    if "account_id" not in accounts.columns:
        raise ABMDataError(
            "accounts: column 'account_id' is missing", file="accounts", column="account_id", reason="missing column"
        )
    idx = pd.Index(accounts["account_id"].astype(str), name="account_id")
    out = pd.DataFrame(index=idx)

    def col(name: str) -> pd.Series:
        return accounts[name] if name in accounts.columns else pd.Series(pd.NA, index=accounts.index)

    def text(s: pd.Series) -> np.ndarray:
        s = s.astype("string").str.strip()
        return s.mask(s == "").fillna(UNKNOWN).astype(object).to_numpy()

    out["industry"] = text(col("industry"))
    out["employee_band"] = _band(col("employees"), b["employees"], "employees").to_numpy()
    out["revenue_band"] = _band(col("annual_revenue"), b["revenue"], "revenue").to_numpy()
    out["region"] = text(col("region"))
    out["founded_band"] = _band(col("founded_year"), b["founded"], "year").to_numpy()
    for c in tech_columns(accounts):
        out[c] = accounts[c].astype("boolean").fillna(False).astype(float).to_numpy()
    return out


def value_labels(features: pd.DataFrame) -> pd.DataFrame:
    """Features as display labels: categorical as is, tech flags as 'yes'/'no'."""
    out = features.copy()
    for c in out.columns:
        if c.startswith("tech_"):
            out[c] = np.where(out[c].to_numpy() > 0.5, "yes", "no")
    return out


def band_order(features: pd.DataFrame, attr: str, p: IcpParams) -> list[str]:
    """The values of a categorical attribute in reading order (bands low to high, others sorted)."""
    kinds = {
        "employee_band": (p.employee_bands, "employees"),
        "revenue_band": (p.revenue_bands, "revenue"),
        "founded_band": (p.founded_bands, "year"),
    }
    if attr in kinds:
        edges, kind = kinds[attr]
        return band_labels(edges, kind) + [UNKNOWN]
    return sorted(pd.unique(features[attr]).tolist())


def segment_label(attr: str, value: str) -> str:
    """A segment in words: 'uses CRM', '200–999 employees', 'revenue $10M–$50M', 'Software'."""
    if attr.startswith("tech_"):
        return f"uses {tech_label(attr)}" if value == "yes" else f"no {tech_label(attr)}"
    if attr == "employee_band":
        return f"{value} employees"
    if attr == "revenue_band":
        return f"revenue {value}"
    if attr == "founded_band":
        return f"founded {value}"
    return str(value)
