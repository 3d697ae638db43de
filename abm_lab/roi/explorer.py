"""The ROI what-if widget: move gross margin, programme cost and the spend response, read ROI and its interval.

The response of incremental revenue to spend is an explicit, stated assumption (it cannot be estimated from one
programme): incremental revenue R(c) = R₀ · (c / c₀)^e at spend c, where R₀ is the estimated incremental revenue at
the actual cost c₀ and e the spend elasticity. e = 1: each extra dollar buys the same lift per dollar as observed
(coverage of more target accounts at the same lift per account; ROI does not change with spend); e = 0: revenue
is fixed whatever is spent (ROI falls as spend rises); 0 < e < 1: diminishing returns. The default e comes from
``roi.what_if_elasticity``; the read-out names the assumption and the break-even spend.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config.roi import LiftParams, RoiParams
from ..style import fmt_money, fmt_pct
from .lift.report import LiftReport

#: Gross-margin slider range and step (shares).
MARGIN_RANGE = (0.05, 0.95, 0.01)
#: The cost slider runs up to this multiple of the actual cost, in this many steps.
COST_SPAN, COST_STEPS = 3, 300


def response(revenue: float, cost: float, spend: float, elasticity: float) -> float:
    """Incremental revenue at ``spend`` under the stated response R(c) = R₀ · (c / c₀)^e."""
    if cost <= 0:
        return float("nan")
    return float(revenue * (spend / cost) ** elasticity)


def break_even_spend(revenue: float, cost: float, margin: float, elasticity: float) -> float | None:
    """Spend where margin × R(c) = c (ROI 0), or None when ROI does not cross zero as spend changes (e ≥ 1)."""
    if revenue <= 0 or cost <= 0 or elasticity >= 1:
        return None
    # margin · R₀ · (c / c₀)^e = c  ⇒  c = c₀ · (margin · R₀ / c₀)^(1 / (1 − e))
    return float(cost * (margin * revenue / cost) ** (1.0 / (1.0 - elasticity)))


def assumption_text(elasticity: float) -> str:
    """The response assumption in plain words."""
    if elasticity >= 1:
        return "incremental revenue grows in proportion to spend (same lift per dollar as observed)"
    if elasticity <= 0:
        return "incremental revenue stays as estimated whatever is spent"
    return f"diminishing returns: 10% more spend adds {(1.1**elasticity - 1):.1%} more incremental revenue"


def roi_what_if(
    incremental_revenue: float,
    cost: float,
    gross_margin: float,
    interval: tuple[float, float] | None = None,
    currency: str = "$",
    level: float | None = None,
    elasticity: float | None = None,
) -> Any:
    """ROI what-if widget: gross-margin and program-cost sliders update ROI (and its interval).

    ``incremental_revenue`` (USD) is the program's estimated incremental won revenue and
    ``interval`` its (low, high) bounds. ROI = (margin × revenue − cost) / cost. Returns an
    ``ipywidgets.VBox`` (sliders + HTML read-out) that works without a kernel for tests. ``level`` (the
    interval's confidence level) defaults to ``roi.lift.ci_level``, ``elasticity`` (the spend response, see
    the module docstring) to ``roi.what_if_elasticity``.
    """
    import ipywidgets as widgets

    level = LiftParams().ci_level if level is None else level
    e0 = RoiParams().what_if_elasticity if elasticity is None else elasticity
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
    resp = widgets.FloatSlider(
        value=float(e0),
        min=0.0,
        max=1.0,
        step=0.05,
        description="Spend response",
        readout_format=".2f",
        continuous_update=False,
        style={"description_width": "initial"},
    )
    out = widgets.HTML()

    def _roi(rev: float, m: float, c: float) -> float:
        return (m * rev - c) / c

    def update(*_: Any) -> None:
        m, c, e = margin.value, spend.value, resp.value
        rev = response(incremental_revenue, cost, c, e)
        txt = f"<b>ROI {fmt_pct(_roi(rev, m, c), 0)}</b>"
        if interval is not None:
            lo, hi = (_roi(response(v, cost, c, e), m, c) for v in interval)
            txt += f" ({int(round(level * 100))}% CI {fmt_pct(lo, 0)} to {fmt_pct(hi, 0)})"
        be = c / rev if rev > 0 else np.nan
        be_spend = break_even_spend(incremental_revenue, cost, m, e)
        txt += (
            f"<br>Incremental revenue {fmt_money(rev, currency)}, gross profit {fmt_money(m * rev, currency)} on "
            f"{fmt_money(c, currency)} cost; break-even margin "
            f"{fmt_pct(be, 0) if np.isfinite(be) and be <= 1 else 'not reachable'}"
        )
        if be_spend is not None:
            txt += f"; break-even spend {fmt_money(be_spend, currency)}"
        txt += f"<br><i>Assumption (spend response {e:.2f}): {assumption_text(e)}.</i>"
        out.value = txt

    for w in (margin, spend, resp):
        w.observe(update, names="value")
    update()
    return widgets.VBox([margin, spend, resp, out])


def roi_explorer(report: LiftReport | None, currency: str = "$", realised: bool = True) -> Any:
    """:func:`roi_what_if` started from the lift report's ROI: realised to date (won revenue) or, with
    ``realised=False``, projected (adding open incremental pipeline), with its interval, cost and margin.
    Without a programme (``report`` None) a note instead of the widget."""
    if report is None:
        import ipywidgets as widgets

        return widgets.HTML("No ABM programme: nothing to explore.")
    r = report.roi
    key = "incremental_revenue" if realised else "projected_revenue"
    return roi_what_if(
        r[key], r["cost"], r["gross_margin"], (r[key + "_low"], r[key + "_high"]), currency, report.level
    )
