"""The JupyterLab widgets build and react to a value change, in a plain Python process (no kernel).

Widgets: grade cut-offs (``abm_lab.grading.grade_cutoff_explorer``), account explorer
(``abm_lab.engagement.account_explorer``), ROI what-if (``abm_lab.roi.roi_what_if``).
"""

from __future__ import annotations

import importlib
import re

import ipywidgets
import numpy as np
import pandas as pd
import pytest


def _widget(module: str, name: str):
    """The widget factory; a renamed or missing widget fails the test (it must never skip)."""
    mod = importlib.import_module(module)
    if not hasattr(mod, name):
        pytest.fail(f"{module}.{name} does not exist: a widget was renamed or removed; update the notebook and tests")
    return getattr(mod, name)


def _html_texts(w) -> str:
    """All HTML/Label values inside a widget tree (what a person reads)."""
    out = []
    stack = [w]
    while stack:
        x = stack.pop()
        if isinstance(x, (ipywidgets.HTML, ipywidgets.HTMLMath, ipywidgets.Label)):
            out.append(str(x.value))
        stack.extend(getattr(x, "children", ()) or ())
    return "\n".join(out)


def _controls(w, kind) -> list:
    out, stack = [], [w]
    while stack:
        x = stack.pop(0)
        if isinstance(x, kind):
            out.append(x)
        stack.extend(getattr(x, "children", ()) or ())
    return out


# ----------------------------------------------------------------------------- grade cut-offs


@pytest.fixture()
def grades():
    rng = np.random.default_rng(3)
    s = rng.uniform(0, 100, 400)
    return pd.DataFrame(
        {"fit_score": s, "is_customer": rng.random(400) < s / 150, "has_opportunity": rng.random(400) < s / 300}
    )


def test_grade_cutoff_explorer_updates_table(grades):
    explorer = _widget("abm_lab.grading", "grade_cutoff_explorer")
    from abm_lab.grading import assign_grades

    box = explorer(grades)
    assert isinstance(box, ipywidgets.VBox)
    sliders = _controls(box, ipywidgets.FloatSlider) or _controls(box, ipywidgets.IntSlider)
    assert len(sliders) == 5, "one slider per cut-off A–E"
    cut = {s.description.split()[0]: s for s in sliders}
    before = _html_texts(box)

    def a_count(html: str) -> int:  # Table 1 layout: grade, fit-score range, accounts, ...
        m = re.search(r"<tr><td>A</td><td>[^<]*</td><td>(\d+)</td>", html)
        assert m, html[:300]
        return int(m.group(1))

    cur = {k: s.value for k, s in cut.items()}
    assert a_count(before) == int((assign_grades(grades["fit_score"], cur) == "A").sum())
    new_a = max(cur["B"] + 5, cur["A"] - 10)
    cut["A"].value = new_a  # a person drags the A slider down
    after = _html_texts(box)
    cur["A"] = new_a
    expected = int((assign_grades(grades["fit_score"], cur) == "A").sum())
    assert after != before and a_count(after) == expected > a_count(before)  # lower bar: more A accounts
    assert "grading:" in after and "cutoffs:" in after  # the YAML block to paste
    _assert_fallback(box, "Grade cut-off explorer")


def test_grade_cutoff_explorer_rejects_out_of_order_cutoffs(grades):
    explorer = _widget("abm_lab.grading", "grade_cutoff_explorer")
    box = explorer(grades)
    cut = {s.description.split()[0]: s for s in _controls(box, ipywidgets.FloatSlider)}
    assert re.search(r"<table.*</table>", _html_texts(box), re.S)
    cut["B"].value = cut["A"].value + 1  # B above A: not allowed
    text = _html_texts(box)
    assert "must fall" in text.lower() or "order" in text.lower()
    assert not re.search(r"<table.*</table>", text, re.S)  # the stale table is cleared, never left beside the sliders


def test_account_explorer_switches_account():
    explorer = _widget("abm_lab.engagement", "account_explorer")
    shap = pytest.importorskip("shap")
    feats = ["touches_30d", "bofu_touches_90d", "fit_score"]
    n = 4
    scores = pd.DataFrame(
        {
            "account_id": [f"A{i}" for i in range(n)],
            "name": ["Apex Labs", "Birch Data", "Cedar Bank", "Delta Freight"],
            "score": [5, 4, 2, 1],
            "probability": [0.42, 0.21, 0.06, 0.01],
            "grade": ["A", "B", "C", "F"],
            "snapshot_date": pd.Timestamp("2026-09-01"),
            "reason_1": ["Many recent touches", "Pricing page visits", "Good fit", "Little activity"],
            "reason_2": [None] * n,
            "reason_3": [None] * n,
        }
    )
    rng = np.random.default_rng(0)
    X = rng.random((n, len(feats)))
    expl = shap.Explanation(
        values=rng.normal(size=(n, len(feats))), base_values=np.full(n, -2.0), data=X, feature_names=feats
    )
    ts = pd.Timestamp("2026-08-01") + pd.to_timedelta(rng.integers(0, 30, 40), unit="D")
    tp = pd.DataFrame(
        {
            "account_id": rng.choice(scores["account_id"], 40),
            "timestamp": ts,
            "channel": rng.choice(["web", "email"], 40),
            "funnel_stage": rng.choice(["tofu", "bofu"], 40),
        }
    )
    import matplotlib

    matplotlib.use("Agg")
    box = explorer(scores, expl, tp, end="2026-09-01")
    assert isinstance(box, ipywidgets.VBox)
    dd = _controls(box, ipywidgets.Dropdown)[0]
    assert dd.value == "A0"  # best-scored account first
    assert "Apex Labs" in _html_texts(box) and "Many recent touches" in _html_texts(box)
    dd.value = "A2"
    text = _html_texts(box)
    assert "Cedar Bank" in text and "Good fit" in text and "Apex Labs" not in text
    _assert_fallback(box, "Account explorer")


def _assert_fallback(box, title: str) -> None:
    """Saved without a live kernel, the explorer reads "Run the notebook to activate this explorer" (text and
    HTML), not ``VBox(children=(…``, and still carries its widget view."""
    from IPython.core.formatters import DisplayFormatter

    from abm_lab.report.widgets import FALLBACK_TEXT

    data, _ = DisplayFormatter().format(box)
    assert FALLBACK_TEXT in data["text/plain"] and "VBox(" not in data["text/plain"]
    assert FALLBACK_TEXT in data["text/html"] and title in data["text/html"]
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == box.model_id


# ----------------------------------------------------------------------------- ROI what-if


def test_roi_what_if_reacts():
    what_if = _widget("abm_lab.roi", "roi_what_if")
    from abm_lab.roi.explorer import Lift

    # lift $10,000 per treated account (95% CI $5,000 to $15,000), $2,000 per account, 100 accounts, margin 70%:
    # ROI = 0.7 × 10,000 / 2,000 − 1 = 250% (CI 75% to 425%) at any spend: spend buys accounts
    box = what_if(Lift("imputation", "Imputation DiD", 10_000, 5_000, 15_000), 2_000, 100, 0.70)
    assert isinstance(box, ipywidgets.VBox)
    sliders = {s.description: s for s in _controls(box, ipywidgets.FloatSlider)}
    assert "Programme spend (USD)" in sliders
    text = _html_texts(box)
    assert "ROI 250%" in text and "75%" in text and "425%" in text
    sliders["Programme spend (USD)"].value = 400_000  # double the spend: twice the accounts, same ROI
    text = _html_texts(box)
    assert "ROI 250%" in text and "treats 200 target accounts" in text
    margin = _controls(box, ipywidgets.Text)[0]
    margin.value = "40%"  # (0.4 × 10,000 − 2,000) / 2,000
    assert "ROI 100%" in _html_texts(box)
    _assert_fallback(box, "ROI what-if")
