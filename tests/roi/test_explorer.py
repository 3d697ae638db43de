"""The ROI what-if widget builds and reacts in a plain Python process (no kernel)."""

from __future__ import annotations

import ipywidgets

from abm_lab.roi import explorer as E


def test_roi_what_if_widget_reacts():
    # elasticity 0: incremental revenue held at its estimate whatever is spent (stated in the read-out)
    w = E.roi_what_if(100_000, 50_000, 0.7, interval=(20_000, 180_000), elasticity=0.0)
    assert isinstance(w, ipywidgets.VBox)
    margin, cost, resp, out = w.children
    assert "stays as estimated" in out.value
    assert "ROI 40%" in out.value and "95% CI -72% to 152%" in out.value  # (0.7 × 100k − 50k) / 50k
    margin.value = 0.9
    assert "ROI 80%" in out.value
    cost.value = 100_000
    assert "ROI -10%" in out.value and "break-even margin 100%" in out.value


def test_roi_explorer_starts_from_the_lift_report(reported):
    _, report, _ = reported
    r = report.roi
    out = E.roi_explorer(report).children[-1]
    # at the actual spend the widget shows the report's realised ROI, whatever the response assumption
    assert f"ROI {r['estimate'] * 100:.0f}%" in out.value
    proj = E.roi_explorer(report, realised=False).children[-1]
    assert f"ROI {r['projected'] * 100:.0f}%" in proj.value
    assert "No ABM programme" in E.roi_explorer(None).value


def test_proportional_response_keeps_roi_when_spend_changes():
    w = E.roi_what_if(100_000, 50_000, 0.7, interval=(20_000, 180_000), elasticity=1.0)
    margin, cost, resp, out = w.children
    assert "ROI 40%" in out.value and "in proportion to spend" in out.value
    cost.value = 10_000  # a fifth of the spend buys a fifth of the lift: ROI unchanged, never thousands of percent
    assert "ROI 40%" in out.value and "Incremental revenue $20,000" in out.value


def test_diminishing_returns_have_a_break_even_spend():
    # R(c) = 100k · (c / 50k)^0.5, margin 0.7: 0.7 · 100k · sqrt(c / 50k) = c  ⇒  c = 50k · (70k / 50k)^2 = 98k
    assert abs(E.break_even_spend(100_000, 50_000, 0.7, 0.5) - 98_000) < 1e-6
    assert E.break_even_spend(100_000, 50_000, 0.7, 1.0) is None
    w = E.roi_what_if(100_000, 50_000, 0.7, elasticity=0.5)
    margin, cost, resp, out = w.children
    assert "break-even spend $98,000" in out.value and "diminishing returns" in out.value
    cost.value = 98_000
    assert "ROI 0%" in out.value
    resp.value = 0.0
    assert "stays as estimated" in out.value
