"""Segment lift tables: per attribute value, the customer rate in the segment over the overall rate, with
intervals that carry the overall rate's uncertainty and false-discovery-rate control before a segment is a driver.

**Lift interval.** Lift = segment rate / overall rate, and the segment is part of the overall population, so
the overall rate is neither known nor independent of the segment's. :func:`lift_interval` is a log-scale (Katz
type) interval whose variance, by the delta method for accounts sampled independently, carries all three parts:
Var(log lift) = (1 − p_s)/k_s [segment] + (1 − p)/K [overall rate] − 2 (1 − p_s)/K [their covariance, the
segment's share of the overall], with k_s, K the positives in the segment and overall and p_s, p their rates.
A zero (or full) segment count takes half an account (k + ½ of n + 1) for the variance. Dividing the segment's
Wilson interval by the overall rate, as before, drops the last two terms: too wide for most segments, too narrow
for large high-rate ones (coverage measured in tests/icp/test_segments.py).

**Drivers.** Each segment's two-sided score test of "segment rate = rest rate" (lift = 1 exactly when the
segment and the rest of the universe have the same rate; segment and rest are disjoint, so independent
binomials) gives a p-value; over the segments of trusted size (``icp.min_segment_size``) they are corrected with
statsmodels ``multipletests`` (``icp.fdr_method``, Benjamini–Hochberg by default) into q-values. A segment is a
*driver* when its lift is above 1 and its q-value is at most ``icp.fdr_level``. Smaller segments are flagged
``small_sample``, not trusted, and never drivers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import test_proportions_2indep

from ..config.icp import IcpParams
from ..results import Results, Summary
from .features import ATTR_LABEL, tech_label

__all__ = ["wilson_interval", "lift_interval", "fdr_drivers", "attribute_label", "LiftTables", "lift_tables"]


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


def lift_interval(
    k: np.ndarray, n: np.ndarray, k_all: int, n_all: int, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interval of each segment's lift over the overall rate, and the p-value of "no lift" (see module doc).

    ``k``, ``n``: positives and accounts per segment; ``k_all``, ``n_all``: the same for the whole universe
    (each segment is part of it). Returns (lift_lo, lift_hi, p_value): the log-scale interval with the overall
    rate's variance and covariance, and the two-sided score test of segment rate = rest rate. A segment that is
    the whole universe has lift exactly 1 (interval [1, 1], p = 1); with no positives, or only positives,
    everything is NaN.
    """
    k = np.asarray(k, float)
    n = np.asarray(n, float)
    lo, hi, pv = (np.full(len(k), np.nan) for _ in range(3))
    if not 0 < k_all < n_all:
        return lo, hi, pv
    z = float(stats.norm.ppf(0.5 + level / 2))
    p_all = k_all / n_all
    with np.errstate(invalid="ignore", divide="ignore"):
        lift = (k / n) / p_all
        edge = (k == 0) | (k == n)
        ka = np.where(edge, k + 0.5, k)
        ps = ka / np.where(edge, n + 1.0, n)
        var = np.maximum((1 - ps) / ka - (1 + p_all - 2 * ps) / k_all, 0.0)
        centre = ps / p_all
        half = np.exp(z * np.sqrt(var))
        lo = np.where(k == 0, 0.0, np.minimum(centre / half, lift))
        hi = np.maximum(centre * half, lift)
    lo, hi = np.where(n > 0, lo, np.nan), np.where(n > 0, hi, np.nan)
    whole = n >= n_all
    lo[whole], hi[whole], pv[whole] = 1.0, 1.0, 1.0
    ok = ~whole & (n > 0)
    if ok.any():
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            pv[ok] = test_proportions_2indep(
                k[ok], n[ok], k_all - k[ok], n_all - n[ok], method="score", compare="ratio", value=1.0
            ).pvalue
    return lo, hi, pv


def fdr_drivers(
    p_value: np.ndarray, lift: np.ndarray, eligible: np.ndarray, level: float, method: str = "fdr_bh"
) -> tuple[np.ndarray, np.ndarray]:
    """q-values over the ``eligible`` segments with a p-value (NaN elsewhere) and the driver flag
    (eligible, lift > 1, q <= ``level``), via statsmodels ``multipletests``."""
    p_value = np.asarray(p_value, float)
    fam = np.asarray(eligible, bool) & np.isfinite(p_value)
    q = np.full(len(p_value), np.nan)
    if fam.any():
        q[fam] = multipletests(p_value[fam], alpha=level, method=method)[1]
    with np.errstate(invalid="ignore"):
        driver = fam & (np.asarray(lift, float) > 1) & (q <= level)
    return q, driver


def attribute_label(attr: str) -> str:
    """Display name of an attribute: 'Industry', 'Uses CRM'."""
    return ATTR_LABEL.get(attr, f"Uses {tech_label(attr)}" if attr.startswith("tech_") else attr)


@dataclass
class LiftTables(Results):
    """Customer rate and lift per attribute value, with intervals and false-discovery-rate control.

    ``table`` columns: attribute, value, accounts, positives, rate, rate_lo, rate_hi (Wilson), rest_rate (rate
    among the other accounts), lift (segment rate / overall rate), lift_lo, lift_hi (log-scale interval that
    carries the overall rate's uncertainty and its overlap with the segment), p_value (score test of segment rate =
    rest rate), q_value (``fdr_method`` over the trusted segments; NaN for small ones), driver (lift > 1 and
    q_value <= ``fdr_level``), small_sample (accounts < ``min_segment_size``).
    """

    table: pd.DataFrame
    base_rate: float
    n: int
    positives: int
    level: float
    min_segment_size: int
    target_name: str = "customer"
    fdr_level: float = 0.05
    fdr_method: str = "fdr_bh"

    def top(self, k: int = 10, trusted_only: bool = True, drivers_only: bool = False) -> pd.DataFrame:
        """The ``k`` highest-lift segments: of trusted size (``trusted_only``), or drivers only (``drivers_only``)."""
        t = self.table
        if drivers_only:
            t = t[t["driver"]]
        elif trusted_only:
            t = t[~t["small_sample"]]
        return t.head(k)

    def drivers(self) -> pd.DataFrame:
        """The segments called drivers (lift > 1 after false-discovery-rate control), highest lift first."""
        return self.table[self.table["driver"]]

    def attribute(self, name: str) -> pd.DataFrame:
        return self.table[self.table["attribute"] == name]

    def summary(self, k: int = 5) -> Summary:
        """The ``k`` highest-lift trusted segments, with the base rate, the drivers and the small-segment count."""
        small = int(self.table["small_sample"].sum())
        out = Summary(
            f"Lift tables: {self.positives:,} {self.target_name}s among {self.n:,} accounts "
            f"(base rate {self.base_rate:.1%})"
        )
        out.add_table(self.display_frame(self.top(k)), f"Highest-lift segments of trusted size (top {k})")
        out.add_note(
            f"{len(self.table)} segments, {small} flagged small (< {self.min_segment_size} accounts); "
            f"{int(self.table['driver'].sum())} driver(s) at a false discovery rate of {self.fdr_level:.0%} "
            f"({self.fdr_method} q-values over the {len(self.table) - small} trusted segments). "
            f"Intervals {self.level:.0%}: Wilson for the rate; for the lift, log scale with the overall rate's "
            f"uncertainty and its overlap with the segment."
        )
        return out

    def display(self, k: int | None = None) -> pd.DataFrame:
        """A formatted copy for notebooks (percentages, lift with interval, q-value, driver flag)."""
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
                f"lift ({self.level:.0%} CI)": [
                    f"{a:.2f} ({b:.2f}–{c:.2f})" for a, b, c in zip(t["lift"], t["lift_lo"], t["lift_hi"], strict=False)
                ],
                "q-value": ["" if q != q else ("<0.001" if q < 0.001 else f"{q:.3f}") for q in t["q_value"]],
                "driver": np.where(t["driver"], "yes", ""),
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
    n, pos = len(y), int(y.sum())
    base = float(y.mean()) if n else float("nan")
    attrs: list[str] = []
    values: list[str] = []
    counts, hits = [], []
    for attr in features.columns:
        col = features[attr].to_numpy()
        lab = np.where(col > 0.5, "yes", "no") if attr.startswith("tech_") else col  # as value_labels
        codes, uniq = pd.factorize(lab, use_na_sentinel=False)  # values in order of first appearance
        attrs += [attr] * len(uniq)
        values += [str(v) for v in uniq]
        counts.append(np.bincount(codes, minlength=len(uniq)))
        hits.append(np.bincount(codes, weights=y, minlength=len(uniq)))
    k = np.concatenate(hits).astype(int) if hits else np.zeros(0, int)
    m = np.concatenate(counts).astype(int) if counts else np.zeros(0, int)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = k / m
        rest_rate = (pos - k) / (n - m)
        lift = rate / base
    rate_lo, rate_hi = wilson_interval(k, m, p.ci_level)
    lift_lo, lift_hi, p_value = lift_interval(k, m, pos, n, p.ci_level)
    small = m < p.min_segment_size
    q_value, driver = fdr_drivers(p_value, lift, ~small, p.fdr_level, p.fdr_method)
    t = pd.DataFrame(
        {
            "attribute": pd.Series(attrs, dtype=object),
            "value": pd.Series(values, dtype=object),
            "accounts": m,
            "positives": k,
            "rate": rate,
            "rate_lo": rate_lo,
            "rate_hi": rate_hi,
            "rest_rate": rest_rate,
            "lift": lift,
            "lift_lo": lift_lo,
            "lift_hi": lift_hi,
            "p_value": p_value,
            "q_value": q_value,
            "driver": driver,
            "small_sample": small,
        }
    )
    t = t.sort_values(["lift", "accounts"], ascending=[False, False], kind="stable").reset_index(drop=True)
    return LiftTables(t, base, n, pos, p.ci_level, p.min_segment_size, target_name, p.fdr_level, p.fdr_method)
