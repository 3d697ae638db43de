"""The ROI what-if widget builds and reacts in a plain Python process (no kernel)."""

from __future__ import annotations

import ipywidgets

from abm_lab.roi import explorer as E


def test_roi_what_if_widget_reacts():
    w = E.roi_what_if(100_000, 50_000, 0.7, interval=(20_000, 180_000))
    assert isinstance(w, ipywidgets.VBox)
    margin, cost, out = w.children
    assert "ROI 40%" in out.value and "95% CI -72% to 152%" in out.value  # (0.7 × 100k − 50k) / 50k
    margin.value = 0.9
    assert "ROI 80%" in out.value
    cost.value = 100_000
    assert "ROI -10%" in out.value and "break-even margin 100%" in out.value


def test_roi_explorer_starts_from_a_lift_result(lifted):
    _, res, _ = lifted
    r = res.roi
    out = E.roi_explorer(res).children[-1]
    assert f"ROI {r['roi'] * 100:.0f}%" in out.value
