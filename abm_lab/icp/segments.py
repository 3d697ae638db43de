"""Segment lift tables: per attribute value, the customer rate in the segment over the overall rate, with Wilson
intervals.

Segments with fewer than ``icp.min_segment_size`` accounts are flagged ``small_sample``, not trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..config.icp import IcpParams
from ..results import Results, Summary
from .features import ATTR_LABEL, tech_label, value_labels

__all__ = ["wilson_interval", "attribute_label", "LiftTables", "lift_tables"]


def wilson_interval(k: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion k/n (arrays); NaN where n == 0."""
    k = np.asarray(k, float)
    n = np.asarray(n, float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        ph = k / n
        den = 1 + z**2 / n
        centre = (ph + z**2 / (2 * n)) / den
        half = z * np.sqrt(ph * (1 - ph) / n + z**2 / (4 * n**2)) / den
    return centre - half, centre + half


def attribute_label(attr: str) -> str:
    """Display name of an attribute: 'Industry', 'Uses CRM'."""
    return ATTR_LABEL.get(attr, f"Uses {tech_label(attr)}" if attr.startswith("tech_") else attr)


@dataclass
class LiftTables(Results):
    """Customer rate and lift per attribute value, with Wilson intervals.

    ``table`` columns: attribute, value, accounts, positives, rate, rate_lo, rate_hi,
    lift, lift_lo, lift_hi (lift = segment rate / overall rate; its interval is the
    rate interval divided by the overall rate), small_sample (accounts < min size).
    """

    table: pd.DataFrame
    base_rate: float
    n: int
    positives: int
    level: float
    min_segment_size: int
    target_name: str = "customer"

    def top(self, k: int = 10, trusted_only: bool = True) -> pd.DataFrame:
        t = self.table[~self.table["small_sample"]] if trusted_only else self.table
        return t.head(k)

    def attribute(self, name: str) -> pd.DataFrame:
        return self.table[self.table["attribute"] == name]

    def summary(self, k: int = 5) -> Summary:
        """The ``k`` highest-lift trusted segments, with the base rate and how many segments are flagged small."""
        small = int(self.table["small_sample"].sum())
        out = Summary(
            f"Lift tables: {self.positives:,} {self.target_name}s among {self.n:,} accounts "
            f"(base rate {self.base_rate:.1%})"
        )
        out.add_table(self.display_frame(self.top(k)), f"Highest-lift segments of trusted size (top {k})")
        out.add_note(
            f"{len(self.table)} segments, {small} flagged small (< {self.min_segment_size} accounts). "
            f"Intervals: Wilson {self.level:.0%}."
        )
        return out

    def display(self, k: int | None = None) -> pd.DataFrame:
        """A formatted copy for notebooks (percentages, lift with interval)."""
        return self.display_frame(self.table if k is None else self.table.head(k))

    def display_frame(self, t: pd.DataFrame) -> pd.DataFrame:
        """Rows of :attr:`table` formatted for reading."""
        out = pd.DataFrame(
            {
                "attribute": t["attribute"].map(attribute_label),
                "value": t["value"],
                "accounts": t["accounts"],
                f"{self.target_name}s": t["positives"],
                "rate": [f"{r:.1%}" for r in t["rate"]],
                "lift (95% CI)": [
                    f"{a:.2f} ({b:.2f}–{c:.2f})" for a, b, c in zip(t["lift"], t["lift_lo"], t["lift_hi"], strict=False)
                ],
                "small sample": np.where(t["small_sample"], "yes", ""),
            }
        )
        return out.reset_index(drop=True)


def lift_tables(
    features: pd.DataFrame, y: pd.Series | np.ndarray, p: IcpParams | None = None, target_name: str = "customer"
) -> LiftTables:
    """Lift of every attribute value (see :class:`LiftTables`), sorted by lift, highest first."""
    p = p or IcpParams()
    y = np.asarray(y, dtype=bool)
    if len(y) != len(features):
        raise ValueError("features and y must have the same number of rows")
    labels = value_labels(features)
    base = float(y.mean()) if len(y) else float("nan")
    rows = []
    for attr in labels.columns:
        g = pd.DataFrame({"v": labels[attr].to_numpy(), "y": y}).groupby("v", sort=False)["y"].agg(["size", "sum"])
        for v, r in g.iterrows():
            rows.append((attr, str(v), int(r["size"]), int(r["sum"])))
    t = pd.DataFrame(rows, columns=["attribute", "value", "accounts", "positives"])
    t["rate"] = t["positives"] / t["accounts"]
    lo, hi = wilson_interval(t["positives"].to_numpy(), t["accounts"].to_numpy(), p.ci_level)
    t["rate_lo"], t["rate_hi"] = lo, hi
    with np.errstate(divide="ignore", invalid="ignore"):
        t["lift"] = t["rate"] / base
        t["lift_lo"] = t["rate_lo"] / base
        t["lift_hi"] = t["rate_hi"] / base
    t["small_sample"] = t["accounts"] < p.min_segment_size
    t = t.sort_values(["lift", "accounts"], ascending=[False, False], kind="stable").reset_index(drop=True)
    return LiftTables(t, base, len(y), int(y.sum()), p.ci_level, p.min_segment_size, target_name)
