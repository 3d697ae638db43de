"""The ROI what-if: revenue follows spend under the stated per-account assumption, break-even with its interval,
the margin box, the method switch, and the widget driven in a plain Python process (no kernel)."""

from __future__ import annotations

import math
import re

import ipywidgets
import pandas as pd
import pytest

from abm_lab.errors import ABMParamsError
from abm_lab.roi import explorer as E
from abm_lab.roi.lift.report import LiftReport

# lift $2,000 per treated account-quarter (95% CI $500 to $3,500), $1,000 per account-quarter, margin 70%
LIFT = E.Lift("imputation", "Imputation difference-in-differences", 2000.0, 500.0, 3500.0)
COST, N, MARGIN = 1000.0, 100.0, 0.7


def _report() -> LiftReport:
    """A hand-made lift report: two methods for won revenue, one for the projected outcome."""
    eff = pd.DataFrame(
        {
            "outcome": ["won_revenue", "won_revenue", "won_plus_open", "pipeline"],
            "method": ["ra_ipw", "imputation", "imputation", "imputation"],
            "estimate": [3000.0, 2000.0, 2500.0, 9000.0],
            "ci_low": [1000.0, 500.0, 1000.0, 1.0],
            "ci_high": [5000.0, 3500.0, 4000.0, 2.0],
        }
    )
    roi = {"cost": COST * N, "n_treated_cells": N, "gross_margin": MARGIN, "estimate": 0.4}
    return LiftReport(eff, eff.iloc[:0], roi, {"periods": {"panel_days": 91}}, "imputation", 0.95)


def _roi(out: str) -> str:
    m = re.search(r"ROI (-?[\d,]+%)", out)
    assert m, out
    return m.group(1)


def test_halving_spend_halves_accounts_and_incremental_revenue():
    full = E.response(100_000, COST, LIFT, MARGIN)
    half = E.response(50_000, COST, LIFT, MARGIN)
    assert full.accounts == 100 and half.accounts == 50
    assert full.revenue == 200_000 and half.revenue == 100_000 and half.revenue_low == 25_000
    per_account = MARGIN * LIFT.per_account / COST - 1  # 40%: the ROI of one account
    for r in (full, half, E.response(1.0, COST, LIFT, MARGIN)):  # even at a dollar of spend
        assert math.isfinite(r.roi) and r.roi == pytest.approx(per_account)
        assert r.roi_low == pytest.approx(MARGIN * 500 / COST - 1) and r.roi_high == pytest.approx(MARGIN * 3.5 - 1)
    # a fixed cost buys no accounts: below it nothing is treated and ROI is -100%
    fx = E.response(15_000, COST, LIFT, MARGIN, fixed_cost=20_000)
    assert fx.accounts == 0 and fx.roi == -1
    with pytest.raises(ABMParamsError, match="positive"):
        E.response(1000, 0.0, LIFT, MARGIN)


def test_widget_revenue_moves_with_spend_and_minimum_spend_is_finite():
    w = E.roi_what_if({LIFT.method: LIFT}, COST, N, MARGIN, "$")
    assert "ROI 40%" in w.out.value and "95% CI -65% to 145%" in w.out.value
    assert "treats 100 target accounts" in w.out.value and "$200,000" in w.out.value
    assert "halve the spend and half as many" in w.out.value  # the assumption is stated on the widget
    w.spend.value = 50_000
    r, _ = w.state
    assert r.accounts == 50 and r.revenue == 100_000 and "ROI 40%" in w.out.value
    w.spend.value = w.spend.min  # dragged to the minimum: never thousands of percent
    assert _roi(w.out.value) == "40%" and w.state[0].revenue == pytest.approx(LIFT.per_account * w.spend.min / COST)
    w.cost_per_account.value = 2000.0  # dearer accounts: fewer treated, ROI at 0.7 × 2000 / 2000 − 1
    assert _roi(w.out.value) == "-30%"


def test_break_even_hand_computed():
    be = E.break_even(LIFT, COST, MARGIN)  # no fixed cost: ROI is the same at every spend
    assert be.spend is None and be.spend_low is None and be.spend_high is None
    assert (be.cost_per_account, be.cost_low, be.cost_high) == pytest.approx((1400, 350, 2450))
    # fixed $20,000: 0.7 × 2000 × (s − 20k) / 1000 = s  ⇒  s = 1400 × 20k / 400 = 70,000
    be = E.break_even(LIFT, COST, MARGIN, fixed_cost=20_000)
    assert be.spend == pytest.approx(70_000)
    assert E.response(70_000, COST, LIFT, MARGIN, 20_000).roi == pytest.approx(0, abs=1e-12)
    assert be.spend_low == pytest.approx(2450 * 20_000 / 1450)  # at the lift's high bound
    assert be.spend_high is None  # at the low bound 0.7 × 500 < 1000: never pays back
    w = E.roi_what_if(LIFT, COST, N, MARGIN, fixed_cost=20_000)
    assert "Break-even spend $70,000 (95% CI $33,793 to not reached)" in w.out.value
    w0 = E.roi_what_if(LIFT, COST, N, MARGIN)
    assert "Break-even spend: none" in w0.out.value and "break-even cost per account $1,400" in w0.out.value


@pytest.mark.parametrize(
    "text, share",
    [
        ("35", 0.35),
        ("35%", 0.35),
        ("35 %", 0.35),
        ("0.35", 0.35),
        (" 70% ", 0.70),
        ("100", 1.0),
        ("1", 1.0),
        ("0.5%", 0.005),
        ("62.5", 0.625),
        (35, 0.35),
        (0.35, 0.35),
    ],
)
def test_parse_margin_reads_percentages_and_shares(text, share):
    assert E.parse_margin(text) == pytest.approx(share)


@pytest.mark.parametrize(
    "text, why",
    [("", "cannot read"), ("abc", "cannot read"), ("35%%", "cannot read"), ("nan", "not a number"),
     ("inf", "not a number"), ("0", "above 0%"), ("-5", "above 0%"), ("150", "at most 100%"), ("1e3", "at most")],
)  # fmt: skip
def test_parse_margin_refuses_bad_text_with_a_clear_message(text, why):
    with pytest.raises(ABMParamsError, match=why) as exc:
        E.parse_margin(text)
    assert "35, 35% or 0.35" in str(exc.value)


def test_margin_box_accepts_35_and_clears_on_bad_text():
    w = E.roi_what_if(LIFT, COST, N, MARGIN)
    w.margin.value = "35"
    assert "read as 35.0%" in w.message.value and _roi(w.out.value) == "-30%"  # 0.35 × 2000 / 1000 − 1
    w.margin.value = "35%"
    assert _roi(w.out.value) == "-30%"
    w.margin.value = "seventy"
    assert "cannot read 'seventy'" in w.message.value and w.out.value == "" and w.state is None
    w.margin.value = "0.7"
    assert _roi(w.out.value) == "40%"


def test_method_switch_uses_that_methods_lift():
    rep = _report()
    choices = E.lift_choices(rep)
    assert list(choices) == ["imputation", "ra_ipw"]  # the headline first
    assert [c.method for c in E.lift_choices(rep, realised=False).values()] == ["imputation"]
    w = E.roi_explorer(rep, "$")
    assert "ROI 40%" in w.out.value and "account-quarters" in w.out.value  # the report's ROI at the actual spend
    w.method.value = "ra_ipw"
    r, be = w.state
    assert r.revenue == 3000 * N and _roi(w.out.value) == "110%"  # 0.7 × 3000 / 1000 − 1
    assert "95% CI -30% to 250%" in w.out.value and be.cost_per_account == pytest.approx(2100)
    proj = E.roi_explorer(rep, realised=False)
    assert _roi(proj.out.value) == "75%"  # 0.7 × 2500 / 1000 − 1


def test_labels_fit_and_money_shows_its_currency():
    w = E.roi_explorer(_report(), "EUR ")
    controls = [w.method, w.margin, w.spend, w.cost_per_account, w.fixed_cost]
    assert all(c.style.description_width == "initial" for c in controls)
    assert w.spend.description == "Programme spend (EUR)" and "(EUR)" in w.cost_per_account.description
    assert w.spend.layout.width and "EUR 100,000 spend" in w.out.value
    assert "(USD)" in E.roi_explorer(_report(), "$").spend.description


def test_fixed_cost_keeps_the_reports_roi_at_the_actual_spend():
    w = E.roi_explorer(_report(), fixed_cost=20_000)
    assert w.cost_per_account.value == pytest.approx(800) and w.spend.value == pytest.approx(100_000)
    assert _roi(w.out.value) == "40%"  # (0.7 × 2000 × 100 − 100k) / 100k: the same at the actual spend
    with pytest.raises(ABMParamsError, match="below the programme cost"):
        E.roi_explorer(_report(), fixed_cost=200_000)
    assert isinstance(E.roi_explorer(None), ipywidgets.HTML) and "No ABM programme" in E.roi_explorer(None).value


def test_roi_explorer_starts_from_the_lift_report(reported):
    _, report, _ = reported
    r = report.roi
    w = E.roi_explorer(report)
    assert f"ROI {r['estimate'] * 100:.0f}%" in w.out.value  # at the actual spend: the report's realised ROI
    assert w.state[0].revenue == pytest.approx(r["incremental_revenue"], rel=1e-9)
    assert f"ROI {r['projected'] * 100:.0f}%" in E.roi_explorer(report, realised=False).out.value
    won = report.effects.loc[report.effects["outcome"] == "won_revenue"]
    assert set(E.lift_choices(report)) == set(won["method"])
    other = next(m for m in won["method"] if m != report.headline_method)
    w.method.value = other
    est = float(won.loc[won["method"] == other, "estimate"].iloc[0])
    expected = (r["gross_margin"] * est * r["n_treated_cells"] - r["cost"]) / r["cost"]
    assert w.state[0].roi == pytest.approx(expected) and _roi(w.out.value) == f"{expected * 100:.0f}%"
