"""Plain-words reasons: they follow the SHAP values, compare with the engaged class and never contradict it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from abm_lab import engagement as E
from abm_lab.config.engagement import EngagementParams


def test_reasons_follow_shap(scored, params, result):
    sc = scored.scores
    assert {"reason_1", "reason_2", "reason_3"} <= set(sc.columns)
    assert sc["reason_1"].notna().mean() > 0.95
    pick = E.reason_features(scored.shap.values, scored.X, params.n_reasons, result.reference)
    i = int(np.flatnonzero(pick[:, 0] >= 0)[0])
    j = int(pick[i, 0])
    col = scored.X.columns[j]
    ref = float(result.reference.loc[col, "reference"])
    assert sc.loc[i, "reason_1"] == E.reason_sentence(col, scored.X.iloc[i, j], scored.shap.values[i, j], params, ref)
    # the first reason is the largest |SHAP| among the admissible features
    sv = np.abs(scored.shap.values)
    for k in range(1, params.n_reasons):
        both = (pick[:, k] >= 0) & (pick[:, k - 1] >= 0)
        rows = np.flatnonzero(both)
        assert (sv[rows, pick[rows, k - 1]] >= sv[rows, pick[rows, k]]).all()


def test_every_reason_agrees_with_the_reference(scored, params, result):
    """Every reason's direction agrees with its value against the engaged class: "raises the score" only for a
    value on the engaged side of the median of accounts that opened an opportunity, "lowers" only for the other
    side; each reason names that reference. Today 174 of 1,632 demo reasons read like a positive signal
    lowering the score (and none names a reference)."""
    ref = result.reference
    pick = E.reason_features(scored.shap.values, scored.X, params.n_reasons, ref)
    vals = scored.X.to_numpy(float)
    n_checked = 0
    for k in range(params.n_reasons):
        col = scored.scores[f"reason_{k + 1}"].to_numpy()
        for i in range(len(col)):
            j = int(pick[i, k])
            if j < 0:
                assert col[i] is None or pd.isna(col[i])
                continue
            name = scored.X.columns[j]
            side = np.sign((vals[i, j] - ref.loc[name, "reference"]) * ref.loc[name, "orientation"])
            assert side != 0
            text = str(col[i])
            assert text.endswith("(raises the score)" if side > 0 else "(lowers the score)"), (text, side)
            assert np.sign(scored.shap.values[i, j]) == side
            assert E.REFERENCE_WHO in text
            n_checked += 1
    assert n_checked >= 0.9 * len(scored.scores) * params.n_reasons


def test_engaged_reference_on_hand_rows():
    rows = pd.DataFrame(
        {
            "label": [1, 1, 1, 0, 0, 0],
            "touches_90d": [5, 7, 9, 0, 1, 2],
            "days_since_last_touch": [3, 10, 20, 150, 180, 90],
            "in_abm_program": [1, 1, 1, 1, 1, 1],
        }
    )
    ref = E.engaged_reference(rows, ["touches_90d", "days_since_last_touch", "in_abm_program"])
    assert ref.loc["touches_90d", "reference"] == 7 and ref.loc["touches_90d", "orientation"] == 1
    assert ref.loc["days_since_last_touch", "reference"] == 10
    assert ref.loc["days_since_last_touch", "orientation"] == -1
    assert ref.loc["in_abm_program", "orientation"] == 0  # no difference: never a reason
    X = pd.DataFrame(
        {"touches_90d": [2.0, 8.0, 7.0], "days_since_last_touch": [120.0, 5.0, 60.0], "in_abm_program": 1.0}
    )
    # row 0: few touches (SHAP +0.3 only because the average account has fewer) is not a reason to raise
    shap = np.array([[0.3, -0.4, 0.1], [0.5, 0.2, 0.0], [-0.1, -0.2, 0.3]])
    pick = E.reason_features(shap, X, 3, ref)
    assert pick[0].tolist() == [1, -1, -1]  # only the long silence, which lowers
    assert pick[1].tolist() == [0, 1, -1]  # more touches and more recent than the engaged median both raise
    assert pick[2].tolist() == [1, -1, -1]  # touches at the median are no reason; 60 days > 10 lowers
    words = E.top_reasons(shap, X, 2, EngagementParams(), ref)
    assert words[0][0] == (
        "Last activity 120 days ago; accounts that opened an opportunity typically had their last activity 10 "
        "days before (lowers the score)"
    )
    assert words[1][0] is None


def test_reason_sentences():
    p = EngagementParams()
    assert E.reason_sentence("contacts_30d", 3, 0.4, p) == "3 people engaged in the last 30 days (raises the score)"
    assert E.reason_sentence("touches_90d", 2, -0.3, p, 7) == (
        "2 touches in the last 90 days; accounts that opened an opportunity typically had 7 (lowers the score)"
    )
    assert E.reason_sentence("contacts_30d", 1, 0.4, p).startswith("1 person engaged")
    assert (
        E.reason_sentence("bofu_30d", 4, 0.2, p)
        == "Visited pricing/demo/contact-sales pages 4 times in the last 30 days (raises the score)"
    )
    assert E.reason_sentence("days_since_last_touch", 45, -0.3, p) == "Last activity 45 days ago (lowers the score)"
    assert E.reason_sentence("days_since_last_touch", 180, -0.3, p).startswith("No activity for 180+ days")
    assert E.reason_sentence("fit_score", 35, -0.2, p, 61.6).endswith(
        "typically had a fit score of 62/100 (lowers the score)"
    )
    assert "lowers" in E.reason_sentence("touches_7d", 0, -0.1, p)


def test_no_activity_sentences_of_hand_raisers():
    p = EngagementParams()
    assert E.reason_sentence("pricing_page_30d", 0, -0.1, p) == (
        "No visit to the pricing page in the last 30 days (lowers the score)"
    )
    assert E.reason_sentence("demo_request_90d", 0, -0.1, p) == "No demo in the last 90 days (lowers the score)"
    assert E.reason_sentence("contact_sales_7d", 0, -0.1, p).startswith("No contact-sales request in the last 7 days")
    assert E.reason_sentence("demo_request_30d", 2, 0.1, p).startswith("Requested a demo 2 times")
