"""The ROI what-if widget of notebook 05: change spend, cost per account, margin and lift method; read ROI.

The response of incremental revenue to spend cannot be estimated from one programme, so it is a stated
assumption, shown on the widget: **spend buys target accounts at a cost per target account-period, and each
account-period treated keeps the lift per account-period that the chosen method estimated.** With spend s, a
fixed cost F (``roi.what_if_fixed_cost``; 0 by default) and cost per account-period c::

    accounts treated  n(s) = max(s − F, 0) / c
    incremental revenue  R(s) = lift × n(s)      (its interval: the lift's interval × n(s))
    ROI(s) = (margin × R(s) − s) / s

At the actual spend this is the lift report's ROI (c = cost / treated account-periods). With F = 0 the ROI is the
same at every spend (per-account ROI = margin × lift / c − 1), so there is no break-even spend: the programme pays
back while c stays below the break-even cost per account-period, margin × lift (with the lift's interval). With
F > 0 the break-even spend is s* = margin × lift × F / (margin × lift − c), when margin × lift > c.

The pure functions (:func:`response`, :func:`break_even`, :func:`parse_margin`, :func:`lift_choices`) are
testable without widgets; :func:`roi_what_if` and :func:`roi_explorer` build the ipywidgets control.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..config.roi import LiftParams, RoiParams
from ..errors import ABMParamsError
from ..style import fmt_money, fmt_pct
from .lift.report import PROJECTED, LiftReport

__all__ = [
    "Lift",
    "Response",
    "BreakEven",
    "lift_choices",
    "response",
    "break_even",
    "parse_margin",
    "assumption_text",
    "roi_what_if",
    "roi_explorer",
]

#: The spend slider runs up to this multiple of the actual spend, in this many steps.
COST_SPAN, COST_STEPS = 3, 300
#: Short names of the lift methods a :class:`LiftReport` holds.
METHOD_NAMES = {
    "experiment": "Randomised holdout (regression-adjusted)",
    "experiment_dm": "Randomised holdout (difference in means)",
    "experiment_poisson": "Randomised holdout (Poisson)",
    "imputation": "Imputation difference-in-differences",
    "poisson": "Poisson imputation",
    "ra_ipw": "Regression adjustment + propensity weights",
}
#: Panel periods of about this many days are called quarters.
_QUARTER_DAYS = range(89, 93)
_WIDE = {"description_width": "initial"}


@dataclass(frozen=True)
class Lift:
    """One method's incremental revenue per treated target account-period, with its interval."""

    method: str
    label: str
    per_account: float
    low: float
    high: float


@dataclass(frozen=True)
class Response:
    """The what-if at one spend: accounts treated, incremental revenue and ROI with their intervals."""

    spend: float
    accounts: float
    revenue: float
    revenue_low: float
    revenue_high: float
    gross_profit: float
    roi: float
    roi_low: float
    roi_high: float


@dataclass(frozen=True)
class BreakEven:
    """Break-even cost per account-period (margin × lift) and break-even spend (None: none), with intervals."""

    cost_per_account: float
    cost_low: float
    cost_high: float
    spend: float | None
    spend_low: float | None
    spend_high: float | None


def lift_choices(report: LiftReport, realised: bool = True) -> dict[str, Lift]:
    """The lift per treated account-period of every method the report holds for won revenue (``realised``) or
    won revenue plus the expected value of open pipeline (projected); the report's headline method first."""
    outcome = "won_revenue" if realised else PROJECTED
    e = report.effects.loc[report.effects["outcome"] == outcome]
    e = e.assign(_h=e["method"] != report.headline_method).sort_values("_h", kind="stable")
    return {
        str(r.method): Lift(
            str(r.method),
            METHOD_NAMES.get(str(r.method), str(r.method)),
            float(r.estimate),
            float(r.ci_low),
            float(r.ci_high),
        )
        for r in e.itertuples()
        if math.isfinite(float(r.estimate))
    }


def response(spend: float, cost_per_account: float, lift: Lift, margin: float, fixed_cost: float = 0.0) -> Response:
    """Accounts treated, incremental revenue and ROI at ``spend`` under the stated assumption (module doc)."""
    if not cost_per_account > 0:
        raise ABMParamsError(
            f"cost per target account must be positive, got {cost_per_account}", column="cost per account"
        )
    n = max(spend - fixed_cost, 0.0) / cost_per_account
    rev = [lift.per_account * n, lift.low * n, lift.high * n]
    roi = [(margin * r - spend) / spend if spend > 0 else math.nan for r in rev]
    return Response(spend, n, rev[0], rev[1], rev[2], margin * rev[0], roi[0], roi[1], roi[2])


def _spend_at(lift: float, cost_per_account: float, margin: float, fixed_cost: float) -> float | None:
    """Spend where ROI = 0 for this lift: margin × lift × (s − F) / c = s; None when there is none."""
    gain = margin * lift
    if fixed_cost <= 0 or gain <= cost_per_account:
        return None
    return gain * fixed_cost / (gain - cost_per_account)


def break_even(lift: Lift, cost_per_account: float, margin: float, fixed_cost: float = 0.0) -> BreakEven:
    """Break-even cost per account-period and break-even spend, each with the interval of the lift.

    A larger lift breaks even at a lower spend, so the spend interval runs from the lift's high bound to its
    low bound; ``spend_high`` None means no break-even when the lift is at its low bound."""
    m = margin
    return BreakEven(
        m * lift.per_account,
        m * lift.low,
        m * lift.high,
        _spend_at(lift.per_account, cost_per_account, m, fixed_cost),
        _spend_at(lift.high, cost_per_account, m, fixed_cost),
        _spend_at(lift.low, cost_per_account, m, fixed_cost),
    )


def parse_margin(text: str | float) -> float:
    """Gross margin as a share from what a person types: ``35``, ``35%``, ``35 %`` and ``0.35`` all give 0.35.

    A number above 1 (or with ``%``) is a percentage, one at most 1 a share (so ``1`` is 100%). Anything else,
    or a margin outside (0%, 100%], raises :class:`~abm_lab.errors.ABMParamsError` saying what to type."""
    raw = str(text).strip()
    s = raw.replace(" ", "")
    pct = s.endswith("%")
    s = s.removesuffix("%")
    hint = "type a percentage such as 35, 35% or 0.35"
    try:
        x = float(s)
    except ValueError:
        raise ABMParamsError(
            f"gross margin: cannot read {raw!r} as a number; {hint}", column="gross margin", reason="not a number"
        ) from None
    if not math.isfinite(x):
        raise ABMParamsError(f"gross margin: {raw!r} is not a number; {hint}", column="gross margin")
    share = x / 100 if pct or x > 1 else x
    if not 0 < share <= 1:
        raise ABMParamsError(
            f"gross margin {raw!r} reads as {share * 100:g}%: it must be above 0% and at most 100%; {hint}",
            column="gross margin",
            reason="out of range",
        )
    return share


def _code(currency: str) -> str:
    """The currency code of a money prefix ('$' is USD)."""
    c = currency.strip()
    return "USD" if c in ("$", "") else c


def assumption_text(cost_per_account: float, fixed_cost: float, currency: str = "$", unit: str = "account") -> str:
    """The response assumption in plain words, with the figures in use."""
    fixed = f"after a fixed {fmt_money(fixed_cost, currency)} " if fixed_cost > 0 else ""
    return (
        f"spend {fixed}buys target {unit}s at {fmt_money(cost_per_account, currency)} each, and every {unit} "
        f"treated keeps the lift per {unit} the method estimated: halve the spend and half as many {unit}s are "
        "treated, for half the incremental revenue"
    )


def _unit(report: LiftReport) -> str:
    days = int(report.diagnostics.get("periods", {}).get("panel_days", 0) or 0)
    return "account-quarter" if days in _QUARTER_DAYS else (f"account-period of {days} days" if days else "account")


def roi_what_if(
    lifts: Mapping[str, Lift] | Lift,
    cost_per_account: float,
    accounts: float,
    gross_margin: float,
    currency: str = "$",
    level: float | None = None,
    fixed_cost: float | None = None,
    unit: str = "account",
) -> Any:
    """ROI what-if widget: lift method, gross margin (a text box: ``35``, ``35%`` or ``0.35``), spend, cost per
    target ``unit`` and fixed cost update the accounts treated, incremental revenue, ROI and break-even (with
    intervals), under the assumption stated on it (module doc).

    ``lifts``: lift per treated ``unit`` by method (:func:`lift_choices`; the first is shown first);
    ``accounts``: units treated at the actual spend (which starts the spend slider at ``accounts × cost +
    fixed``). ``level`` defaults to ``roi.lift.ci_level``, ``fixed_cost`` to ``roi.what_if_fixed_cost``.
    Returns an ``ipywidgets.VBox`` with ``.method``, ``.margin``, ``.spend``, ``.cost_per_account``,
    ``.fixed_cost``, ``.message``, ``.out`` and ``.state`` ((Response, BreakEven), None while the input is bad).
    """
    import ipywidgets as widgets

    choices = {lifts.method: lifts} if isinstance(lifts, Lift) else dict(lifts)
    level = LiftParams().ci_level if level is None else level
    fixed0 = RoiParams().what_if_fixed_cost if fixed_cost is None else fixed_cost
    code, pct = _code(currency), f"{int(round(level * 100))}% CI"
    wide = widgets.Layout(width="95%")
    method = widgets.Dropdown(
        options=[(v.label, k) for k, v in choices.items()], description="Lift method", style=_WIDE, layout=wide
    )
    margin = widgets.Text(
        value=f"{gross_margin * 100:g}%",
        description="Gross margin (35, 35% or 0.35)",
        continuous_update=False,
        style=_WIDE,
        layout=widgets.Layout(width="60%"),
    )
    actual = accounts * cost_per_account + fixed0
    top = max(actual * COST_SPAN, 1.0)
    step = max(top / COST_STEPS, 1.0)
    spend = widgets.FloatSlider(
        value=float(actual),
        min=step,
        max=top,
        step=step,
        description=f"Programme spend ({code})",
        readout_format=",.0f",
        continuous_update=False,
        style=_WIDE,
        layout=wide,
    )
    cpa = widgets.BoundedFloatText(
        value=float(cost_per_account),
        min=0.01,
        max=1e12,
        description=f"Cost per target {unit} ({code})",
        style=_WIDE,
        layout=widgets.Layout(width="60%"),
    )
    fixed = widgets.BoundedFloatText(
        value=float(fixed0), min=0.0, max=1e12, description=f"Fixed cost ({code})", style=_WIDE
    )
    message, out = widgets.HTML(), widgets.HTML()

    def money(x: float | None) -> str:
        return "none" if x is None else fmt_money(x, currency)

    def update(*_: Any) -> None:
        try:
            m = parse_margin(margin.value)
        except ABMParamsError as exc:  # clear the read-out: never figures from a margin the person did not mean
            box.state = None
            message.value = f"<b>{html.escape(str(exc), quote=False)}</b>"
            out.value = ""
            return
        lift, c, f = choices[method.value], cpa.value, fixed.value
        r = response(spend.value, c, lift, m, f)
        be = break_even(lift, c, m, f)
        box.state = (r, be)
        message.value = f"Gross margin read as {fmt_pct(m, 1)}."
        txt = f"<b>ROI {fmt_pct(r.roi, 0)}</b> ({pct} {fmt_pct(r.roi_low, 0)} to {fmt_pct(r.roi_high, 0)})"
        txt += (
            f"<br>{fmt_money(r.spend, currency)} spend treats {r.accounts:,.0f} target {unit}s; incremental revenue "
            f"{fmt_money(r.revenue, currency)} ({pct} {fmt_money(r.revenue_low, currency)} to "
            f"{fmt_money(r.revenue_high, currency)}) = {fmt_money(lift.per_account, currency)} per {unit} × "
            f"{r.accounts:,.0f}; gross profit {fmt_money(r.gross_profit, currency)}."
        )
        cost_be = (
            f"break-even cost per {unit} {fmt_money(be.cost_per_account, currency)} ({pct} "
            f"{fmt_money(be.cost_low, currency)} to {fmt_money(be.cost_high, currency)}; margin × lift per {unit})"
        )
        if be.spend is not None:
            hi = "not reached" if be.spend_high is None else money(be.spend_high)
            txt += f"<br>Break-even spend {money(be.spend)} ({pct} {money(be.spend_low)} to {hi}); {cost_be}."
        elif f > 0:
            txt += f"<br>Break-even spend: none, the programme does not pay back at any spend; {cost_be}."
        else:
            txt += (
                "<br>Break-even spend: none, under this assumption every spend gives the same ROI; it pays back "
                f"while the cost per {unit} stays below the {cost_be}."
            )
        txt += f"<br><i>Assumption: {html.escape(assumption_text(c, f, currency, unit))}.</i>"
        out.value = txt

    box = widgets.VBox([method, margin, message, spend, widgets.HBox([cpa, fixed]), out])
    box.method, box.margin, box.spend, box.cost_per_account, box.fixed_cost = method, margin, spend, cpa, fixed
    box.message, box.out, box.state = message, out, None
    for w in (method, margin, spend, cpa, fixed):
        w.observe(update, names="value")
    update()
    from ..report.widgets import with_fallback

    return with_fallback(box, "ROI what-if")


def roi_explorer(
    report: LiftReport | None, currency: str = "$", realised: bool = True, fixed_cost: float | None = None
) -> Any:
    """:func:`roi_what_if` started from the lift report: every method's lift per treated account-period, the
    cost per account-period (cost / treated account-periods) and the margin, so that at the actual spend it
    shows the report's realised ROI (won revenue) or, with ``realised=False``, the projected one (adding the
    open incremental pipeline). ``fixed_cost`` (default ``roi.what_if_fixed_cost``) is taken off the cost before
    it is divided. Without a programme (``report`` None) a note instead of the widget."""
    import ipywidgets as widgets

    if report is None:
        return widgets.HTML("No ABM programme: nothing to explore.")
    r = report.roi
    n = float(r["n_treated_cells"])
    f = RoiParams().what_if_fixed_cost if fixed_cost is None else fixed_cost
    if not 0 <= f < r["cost"]:
        raise ABMParamsError(
            f"roi.what_if_fixed_cost {fmt_money(f, currency)} must be at least 0 and below the programme cost "
            f"{fmt_money(r['cost'], currency)}",
            column="roi.what_if_fixed_cost",
            reason="out of range",
        )
    return roi_what_if(
        lift_choices(report, realised),
        (r["cost"] - f) / n,
        n,
        r["gross_margin"],
        currency,
        report.level,
        f,
        _unit(report),
    )
