"""One look for every chart and table: matplotlib style, palette, number formatting.

Call :func:`apply` once per notebook. Formatting helpers return strings for tables
(currency, percentages, thousands) so leadership reports read the same everywhere.
"""
from __future__ import annotations

import math

import matplotlib as mpl

PALETTE = ["#1f4e79", "#e07b39", "#3a9e6f", "#b33a3a", "#7b5ea7", "#8c8c8c", "#d4a72c", "#2a9fd6"]
GRADE_COLORS = {"A": "#1f4e79", "B": "#2f6fa8", "C": "#5b9bd5", "D": "#a6a6a6", "E": "#c9c9c9", "F": "#e0e0e0"}
SOURCE_NOTE = "Source: ABM Lab run"


def apply() -> None:
    """Set the ABM Lab matplotlib style (fonts, palette, grid, sizes)."""
    mpl.rcParams.update({
        "figure.figsize": (8, 4.2), "figure.dpi": 100, "savefig.dpi": 100, "savefig.bbox": "tight",
        "font.family": "DejaVu Sans", "font.size": 10, "axes.titlesize": 12, "axes.titleweight": "bold",
        "axes.titlelocation": "left", "axes.labelsize": 10, "axes.spines.top": False, "axes.spines.right": False,
        "axes.grid": True, "grid.alpha": 0.25, "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "legend.frameon": False,
    })


def source_line(fig, text: str = SOURCE_NOTE) -> None:
    """Add a small grey source line under a figure."""
    fig.text(0.01, -0.02, text, fontsize=8, color="#666666", ha="left", va="top")


def _ok(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def fmt_money(x, currency: str = "$", digits: int = 0) -> str:
    """1234567 -> '$1.23M'; 12345 -> '$12,345'."""
    if not _ok(x):
        return "–"
    a = abs(x)
    sign = "-" if x < 0 else ""
    if a >= 1e9:
        return f"{sign}{currency}{a/1e9:.2f}B"
    if a >= 1e6:
        return f"{sign}{currency}{a/1e6:.2f}M"
    return f"{sign}{currency}{a:,.{digits}f}"


def fmt_pct(x, digits: int = 1) -> str:
    """0.1234 -> '12.3%'."""
    return "–" if not _ok(x) else f"{x*100:.{digits}f}%"


def fmt_int(x) -> str:
    """12345 -> '12,345'."""
    return "–" if not _ok(x) else f"{int(round(x)):,}"


def fmt_ci(est, lo, hi, kind: str = "pct", digits: int = 1) -> str:
    """Estimate with a 95% interval, e.g. '+12.3% (95% CI 4.1% to 20.5%)'."""
    f = {"pct": lambda v: fmt_pct(v, digits), "money": fmt_money, "num": lambda v: f"{v:,.{digits}f}"}[kind]
    return f"{f(est)} (95% CI {f(lo)} to {f(hi)})"
