"""Plain-words reasons: they follow the SHAP values and read as sentences."""

from __future__ import annotations

import numpy as np

from abm_lab import engagement as E
from abm_lab.config.engagement import EngagementParams


def test_reasons_follow_shap(scored, params):
    sc = scored.scores
    assert {"reason_1", "reason_2", "reason_3"} <= set(sc.columns)
    assert sc["reason_1"].notna().all()
    i = 0
    j = int(np.argmax(np.abs(scored.shap.values[i])))
    col = scored.X.columns[j]
    assert sc.loc[i, "reason_1"] == E.reason_sentence(col, scored.X.iloc[i, j], scored.shap.values[i, j], params)


def test_reason_sentences():
    p = EngagementParams()
    assert E.reason_sentence("contacts_30d", 3, 0.4, p) == "3 people engaged in the last 30 days (raises the score)"
    assert E.reason_sentence("contacts_30d", 1, 0.4, p).startswith("1 person engaged")
    assert (
        E.reason_sentence("bofu_30d", 4, 0.2, p)
        == "Visited pricing/demo/contact-sales pages 4 times in the last 30 days (raises the score)"
    )
    assert E.reason_sentence("days_since_last_touch", 45, -0.3, p) == "Last activity 45 days ago (lowers the score)"
    assert E.reason_sentence("days_since_last_touch", 180, -0.3, p).startswith("No activity for 180+ days")
    assert "lowers" in E.reason_sentence("touches_7d", 0, -0.1, p)


def test_no_activity_sentences_of_hand_raisers():
    p = EngagementParams()
    assert E.reason_sentence("pricing_page_30d", 0, -0.1, p) == (
        "No visit to the pricing page in the last 30 days (lowers the score)"
    )
    assert E.reason_sentence("demo_request_90d", 0, -0.1, p) == "No demo in the last 90 days (lowers the score)"
    assert E.reason_sentence("contact_sales_7d", 0, -0.1, p).startswith("No contact-sales request in the last 7 days")
    assert E.reason_sentence("demo_request_30d", 2, 0.1, p).startswith("Requested a demo 2 times")
