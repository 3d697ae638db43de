"""The ROI what-if widget: move gross margin and program cost, read ROI and its interval."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config.roi import LiftParams
from ..style import fmt_money, fmt_pct
from .lift import LiftResult

#: Gross-margin slider range and step (shares).
MARGIN_RANGE = (0.05, 0.95, 0.01)
#: The cost slider runs up to this multiple of the actual cost, in this many steps.
COST_SPAN, COST_STEPS = 3, 300


def roi_what_if(
    incremental_revenue: float,
    cost: float,
    gross_margin: float,
    interval: tuple[float, float] | None = None,
    currency: str = "$",
    level: float | None = None,
) -> Any:
    """ROI what-if widget: gross-margin and program-cost sliders update ROI (and its interval).

    ``incremental_revenue`` (USD) is the program's estimated incremental won revenue and
    ``interval`` its (low, high) bounds. ROI = (margin × revenue − cost) / cost. Returns an
    ``ipywidgets.VBox`` (sliders + HTML read-out) that works without a kernel for tests. ``level`` (the
    interval's confidence level) defaults to ``roi.lift.ci_level``.
    """
    import ipywidgets as widgets

    level = LiftParams().ci_level if level is None else level
    lo_m, hi_m, step_m = MARGIN_RANGE
    margin = widgets.FloatSlider(
        value=round(gross_margin, 2),
        min=lo_m,
        max=hi_m,
        step=step_m,
        description="Gross margin",
        readout_format=".0%",
        continuous_update=False,
    )
    top = max(cost * COST_SPAN, 1.0)
    spend = widgets.FloatSlider(
        value=float(cost),
        min=max(top / COST_STEPS, 1.0),
        max=top,
        step=max(top / COST_STEPS, 1.0),
        description="Program cost",
        readout_format=",.0f",
        continuous_update=False,
    )
    out = widgets.HTML()

    def _roi(rev: float, m: float, c: float) -> float:
        return (m * rev - c) / c

    def update(*_: Any) -> None:
        m, c = margin.value, spend.value
        txt = f"<b>ROI {fmt_pct(_roi(incremental_revenue, m, c), 0)}</b>"
        if interval is not None:
            lo, hi = (_roi(interval[0], m, c), _roi(interval[1], m, c))
            txt += f" ({int(round(level * 100))}% CI {fmt_pct(lo, 0)} to {fmt_pct(hi, 0)})"
        be = c / incremental_revenue if incremental_revenue > 0 else np.nan
        txt += (
            f"<br>Incremental gross profit {fmt_money(m * incremental_revenue, currency)} on "
            f"{fmt_money(c, currency)} cost; break-even margin "
            f"{fmt_pct(be, 0) if np.isfinite(be) and be <= 1 else 'not reachable'}"
        )
        out.value = txt

    margin.observe(update, names="value")
    spend.observe(update, names="value")
    update()
    return widgets.VBox([margin, spend, out])


def roi_explorer(result: LiftResult, currency: str = "$") -> Any:
    """:func:`roi_what_if` started from a lift result's ROI (incremental revenue, its interval, cost, margin)."""
    r = result.roi
    return roi_what_if(
        r["incremental_revenue"],
        r["cost"],
        r["gross_margin"],
        (r["incremental_revenue_low"], r["incremental_revenue_high"]),
        currency,
        result.level,
    )
