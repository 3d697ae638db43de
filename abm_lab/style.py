"""One look for every chart and table: matplotlib style, palette, number formatting.

Call :func:`apply` once per notebook. Use :func:`titles` for a chart's title, subtitle
and axis labels (always with units), :func:`source_line` for the grey source note, and
the ``fmt_*`` helpers (or :func:`format_table`) for numbers in tables, so leadership
reports read the same everywhere. The HTML reports use the same palette
(``abm_lab/resources/report.css``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import matplotlib as mpl
from matplotlib.rcsetup import cycler

PALETTE = ["#1f4e79", "#e07b39", "#3a9e6f", "#b33a3a", "#7b5ea7", "#8c8c8c", "#d4a72c", "#2a9fd6"]
GRADE_COLORS = {"A": "#1f4e79", "B": "#2f6fa8", "C": "#5b9bd5", "D": "#a6a6a6", "E": "#c9c9c9", "F": "#e0e0e0"}
TEXT_COLOR = "#1d2733"
MUTED_COLOR = "#5f6b7a"
SOURCE_NOTE = "Source: ABM Lab run"
FONT_FAMILY = ["DejaVu Sans", "Liberation Sans", "Arial", "sans-serif"]


def apply() -> None:
    """Set the ABM Lab matplotlib style (fonts, palette, grid, sizes)."""
    mpl.rcParams.update(
        {
            "figure.figsize": (8, 4.2),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "savefig.bbox": "tight",
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "font.family": "sans-serif",
            "font.sans-serif": FONT_FAMILY,
            "font.size": 10,
            "text.color": TEXT_COLOR,
            "axes.labelcolor": TEXT_COLOR,
            "xtick.color": MUTED_COLOR,
            "ytick.color": MUTED_COLOR,
            "axes.edgecolor": "#b8c0cc",
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.titlepad": 10,
            "axes.labelsize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.25,
            "axes.axisbelow": True,
            "axes.prop_cycle": cycler(color=PALETTE),
            "legend.frameon": False,
        }
    )


def titles(
    ax: Any, title: str, xlabel: str | None = None, ylabel: str | None = None, subtitle: str | None = None
) -> None:
    """Set a chart's bold title, optional grey subtitle and axis labels.

    Put the unit in brackets, e.g. 'Pipeline (USD)'."""
    ax.set_title(title + ("\n" if subtitle else ""), loc="left")
    if subtitle:
        ax.text(0, 1.02, subtitle, transform=ax.transAxes, fontsize=9, color=MUTED_COLOR, ha="left", va="bottom")
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)


def source_line(fig: Any, text: str = SOURCE_NOTE) -> None:
    """Add a small grey source line under a figure."""
    fig.text(0.01, -0.02, text, fontsize=8, color="#666666", ha="left", va="top")


def _ok(x: Any) -> bool:
    if x is None or isinstance(x, bool):
        return x is not None
    try:
        return not math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def fmt_money(x: Any, currency: str = "$", digits: int = 0) -> str:
    """1234567 -> '$1.23M'; 12345 -> '$12,345' (missing -> '–')."""
    if not _ok(x):
        return "–"
    x = float(x)
    a = abs(x)
    sign = "-" if x < 0 else ""
    if a >= 1e9:
        return f"{sign}{currency}{a / 1e9:.2f}B"
    if a >= 1e6:
        return f"{sign}{currency}{a / 1e6:.2f}M"
    return f"{sign}{currency}{a:,.{digits}f}"


def fmt_pct(x: Any, digits: int = 1) -> str:
    """0.1234 -> '12.3%' (a share in, a percentage out; missing -> '–')."""
    return "–" if not _ok(x) else f"{float(x) * 100:.{digits}f}%"


def fmt_int(x: Any) -> str:
    """12345 -> '12,345' (missing -> '–')."""
    return "–" if not _ok(x) else f"{int(round(float(x))):,}"


def fmt_num(x: Any, digits: int = 2) -> str:
    """0.8123 -> '0.81' (missing -> '–')."""
    return "–" if not _ok(x) else f"{float(x):,.{digits}f}"


def fmt_ci(est: Any, lo: Any, hi: Any, kind: str = "pct", digits: int = 1, level: float = 0.95) -> str:
    """Estimate with an interval, e.g. '+12.3% (95% CI 4.1% to 20.5%)'."""
    f: Callable[[Any], str] = {
        "pct": lambda v: fmt_pct(v, digits),
        "money": fmt_money,
        "num": lambda v: fmt_num(v, digits),
    }[kind]
    return f"{f(est)} ({level * 100:.0f}% CI {f(lo)} to {f(hi)})"


_FORMATTERS: dict[str, Callable[[Any], str]] = {"money": fmt_money, "pct": fmt_pct, "int": fmt_int, "num": fmt_num}


def fmt(x: Any, kind: str) -> str:
    """Format one value by kind: 'money', 'pct', 'int' or 'num'."""
    if kind not in _FORMATTERS:
        raise ValueError(f"unknown number format {kind!r}; use one of {sorted(_FORMATTERS)}")
    return _FORMATTERS[kind](x)


def format_table(df: Any, formats: Mapping[str, str]) -> Any:
    """Copy of ``df`` with the named columns formatted as text ({column: 'money'|'pct'|'int'|'num'})."""
    out = df.copy()
    for col, kind in formats.items():
        if col in out.columns:
            out[col] = [fmt(v, kind) for v in out[col].tolist()]
    return out


def md(text: str) -> Any:
    """IPython Markdown with currency '$' escaped (so '$4.35M … $3.90M' is not rendered as LaTeX math in JupyterLab)."""
    import re

    from IPython.display import Markdown

    return Markdown(re.sub(r"(?<![\\$])\$(?=-?\d)", r"\\$", text))
