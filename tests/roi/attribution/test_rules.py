"""Rule-based attribution weights by hand: Marketo Measure's position weights, time decay."""

from __future__ import annotations

import numpy as np
import pytest

from abm_lab.config.roi import AttributionParams
from abm_lab.roi import attribution as A
from abm_lab.roi.attribution.paths import _build


def _one_path(flags=None, ages=None):
    seq = [["a", "b", "c", "d", "e"]]
    return _build(
        seq,
        [1.0],
        [0.0],
        [100.0],
        ages=[np.asarray(ages, float)] if ages is not None else None,
        flags={k: [np.asarray(v, bool)] for k, v in flags.items()} if flags else None,
    )


def test_position_weights_marketo_defaults():
    flags = {"is_lead_creation": [0, 1, 0, 0, 0], "is_opp_creation": [0, 0, 0, 1, 0], "is_closed_won": [0, 0, 0, 0, 1]}
    pd1 = _one_path(flags)
    np.testing.assert_allclose(A.rule_weights(pd1, "u_shaped"), [0.5, 0.5, 0, 0, 0])
    np.testing.assert_allclose(A.rule_weights(pd1, "w_shaped"), [0.3, 0.3, 0.05, 0.3, 0.05])
    np.testing.assert_allclose(A.rule_weights(pd1, "full_path"), [0.225, 0.225, 0.1, 0.225, 0.225])
    np.testing.assert_allclose(A.rule_weights(pd1, "linear"), [0.2] * 5)
    # generic paths (no flags): FT = LC = first touch, OC = CW = last touch; a touch holding two milestones gets
    # one share; no other touch, so the vacant spread share is rescaled away
    two = _build([["a", "b"]], [1.0], [0.0], [1.0])
    np.testing.assert_allclose(A.rule_weights(two, "w_shaped"), [0.5, 0.5])
    np.testing.assert_allclose(A.rule_weights(two, "full_path"), [0.5, 0.5])
    np.testing.assert_allclose(A.rule_weights(two, "u_shaped"), [1.0, 0.0])


def test_a_touch_holding_two_milestones_is_credited_once():
    # OC and CW on the last touch (a deal closed with no touch after its creation): 22.5% once; the vacant 22.5%
    # is shared pro rata by the positions present (three milestones and the spread): 22.5/77.5 and 10/77.5
    flags = {"is_lead_creation": [0, 1, 0, 0, 0], "is_opp_creation": [0, 0, 0, 0, 1], "is_closed_won": [0, 0, 0, 0, 1]}
    w = A.rule_weights(_one_path(flags), "full_path")
    np.testing.assert_allclose(w, np.array([0.225, 0.225, 0.05, 0.05, 0.225]) / 0.775)
    # FT = LC (a form fill on the first visit), W-shaped: 30 / 30 / 10 of 70
    flags = {"is_lead_creation": [1, 0, 0, 0, 0], "is_opp_creation": [0, 0, 0, 0, 1], "is_closed_won": [0, 0, 0, 0, 1]}
    np.testing.assert_allclose(A.rule_weights(_one_path(flags), "w_shaped"), [3 / 7, 1 / 21, 1 / 21, 1 / 21, 3 / 7])
    # a milestone with no touch in the path (flags all off, e.g. before the look-back) leaves its share vacant
    flags = {k: [0] * 5 for k in ("is_first_touch", "is_lead_creation", "is_opp_creation", "is_closed_won")}
    flags["is_opp_creation"] = [0, 0, 0, 0, 1]
    np.testing.assert_allclose(
        A.rule_weights(_one_path(flags), "w_shaped"), np.array([0.025, 0.025, 0.025, 0.025, 0.3]) / 0.4
    )


def test_time_decay_half_life():
    p = AttributionParams(half_life_days=7)
    pd1 = _one_path(ages=[28, 21, 14, 7, 0.0])
    w = A.rule_weights(pd1, "time_decay", p)
    np.testing.assert_allclose(w[1:] / w[:-1], 2.0)
    assert w.sum() == pytest.approx(1.0)
