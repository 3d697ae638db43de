"""Milestones on hand-made account journeys: one share per touch, lead creation from the person's creation date,
milestones searched over the whole journey while the look-back decides what is credited."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.config.roi import AttributionParams
from abm_lab.roi import attribution as A

D0 = pd.Timestamp("2026-01-01")
W = AttributionParams().weights  # Marketo Measure's default position weights (params)

# account A1's touches (day, hour, contact, channel, activity); one channel per touch, so credits read by position
TOUCHES = [
    (0, 10, "c1", "p0", "web_visit"),
    (3, 10, "c4", "p1", "web_visit"),  # c4 is created after the opportunity: no lead creation of this journey
    (4, 10, "c1", "p2", "content_download"),  # first lead-creation activity (the rule without contacts)
    (5, 8, "c2", "p3", "demo_request"),  # c2 created on day 5: a lead-creation activity that day is preferred
    (5, 15, "c2", "p4", "form_fill"),  # a second lead-creation activity that day: the first one created the lead
    (10, 10, "c1", "p5", "email_open"),  # c1 created on day 12: its last touch before is this one
    (22, 10, "c3", "p6", "ad_click"),  # c3 created long before any touch (list import): no lead-creation touch
    (30, 10, "c1", "p7", "email_click"),
    (50, 10, "c2", "p8", "pricing_page"),
]
CONTACTS = pd.DataFrame(
    {
        "contact_id": ["c1", "c2", "c3", "c4"],
        "created_date": [D0 + pd.Timedelta(days=d) for d in (12, 5, -100, 40)],
    }
)


def _touches(upto: int = 9) -> pd.DataFrame:
    rows = TOUCHES[:upto]
    return pd.DataFrame(
        {
            "touchpoint_id": [f"t{i}" for i in range(len(rows))],
            "timestamp": [D0 + pd.Timedelta(days=d, hours=h) for d, h, *_ in rows],
            "contact_id": pd.array([r[2] for r in rows], dtype="string"),
            "account_id": "A1",
            "channel": [r[3] for r in rows],
            "activity_type": [r[4] for r in rows],
        }
    )


def _opp(created: int, close: int | None = None, won: bool = False) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "opportunity_id": ["O1"],
            "account_id": ["A1"],
            "created_date": [D0 + pd.Timedelta(days=created)],
            "close_date": [D0 + pd.Timedelta(days=close) if close is not None else pd.NaT],
            "amount": [1000.0],
            "is_won": [won],
            "is_closed": [close is not None],
        }
    )


def _weights(pdata, model: str, params=None) -> dict[str, float]:
    w = A.rule_weights(pdata, model, params)
    return dict(zip(pdata.touches["channel"].astype(str), w, strict=True))


def test_pipeline_journey_last_touch_is_one_milestone_not_two():
    # pipeline journey p0..p6, opportunity created on day 25: FT p0, LC p2 (no contacts: first lead-creation
    # activity), OC = last touch p6; no closed-won touch yet. Full path: 22.5% each of three milestones, 10% over
    # the other four touches, rescaled to 1 (77.5%): never 45% to the last touch.
    pdata = A.account_paths(
        _touches(7), _opp(25), as_of=D0 + pd.Timedelta(days=60), accounts_with_touches_as_nulls=False
    )
    w = _weights(pdata, "full_path")
    m, spread = W.full_milestone, 1 - 4 * W.full_milestone
    tot = 3 * m + spread
    assert w == pytest.approx(
        {
            "p0": m / tot,
            "p1": spread / 4 / tot,
            "p2": m / tot,
            "p3": spread / 4 / tot,
            "p4": spread / 4 / tot,
            "p5": spread / 4 / tot,
            "p6": m / tot,
        }
    )
    assert w["p6"] == pytest.approx(0.225 / 0.775)
    assert pdata.touches["is_closed_won"].sum() == 0
    # W-shaped: the three milestones are distinct, the published 30/30/30 + 10 as is
    assert _weights(pdata, "w_shaped")["p6"] == pytest.approx(W.w_opp_creation)


def test_lead_creation_comes_from_the_persons_creation_date():
    pdata = A.account_paths(
        _touches(7), _opp(25), as_of=D0 + pd.Timedelta(days=60), contacts=CONTACTS, accounts_with_touches_as_nulls=False
    )
    t = pdata.touches
    # c2 (created day 5): its first lead-creation activity that day (p3), not the later form fill (p4); c1 (day 12):
    # last touch before = p5; journey LC = the earlier, p3. Not the first touch (p0), not the first lead-creation
    # activity (p2), not c4's touch (created after the opportunity), nothing of c3 (created before any touch).
    assert t.loc[t["is_lead_creation"], "channel"].astype(str).tolist() == ["p3"]
    assert t.loc[t["is_first_touch"], "channel"].astype(str).tolist() == ["p0"]
    w = _weights(pdata, "u_shaped")
    assert w["p0"] == pytest.approx(W.u_first) and w["p3"] == pytest.approx(W.u_lead_creation)
    # the person created first with no touch at or before its creation has none: one person only, c3
    only_c3 = A.account_paths(
        _touches(7).iloc[[6]],
        _opp(25),
        as_of=D0 + pd.Timedelta(days=60),
        contacts=CONTACTS,
        accounts_with_touches_as_nulls=False,
    )
    assert only_c3.touches["is_lead_creation"].sum() == 0


def test_milestones_are_searched_over_the_whole_journey():
    # look-back 20 days before the day-25 opportunity: p5 (day 10) and p6 (day 22) are credited. The first touch
    # (p0) and the lead creation (p2) happened earlier: not credited, their shares vacant. W-shaped: OC p6 30%,
    # spread p5 10%, rescaled -> 0.75 / 0.25 (today's code calls p5 the first touch and lead creation).
    p = AttributionParams(lookback_days=20)
    pdata = A.account_paths(
        _touches(7), _opp(25), as_of=D0 + pd.Timedelta(days=60), params=p, accounts_with_touches_as_nulls=False
    )
    t = pdata.touches
    assert t["channel"].astype(str).tolist() == ["p5", "p6"]
    w = _weights(pdata, "w_shaped", p)
    spread = 1 - W.w_first - W.w_lead_creation - W.w_opp_creation
    assert w["p6"] == pytest.approx(W.w_opp_creation / (W.w_opp_creation + spread))
    assert w == pytest.approx({"p5": 0.25, "p6": 0.75})
    assert not t["is_first_touch"].any() and not t["is_lead_creation"].any()
    # U-shaped: neither milestone credited and no spread share: split evenly
    assert _weights(pdata, "u_shaped", p) == pytest.approx({"p5": 0.5, "p6": 0.5})
    # the first-touch model stays the first credited touch
    assert _weights(pdata, "first_touch", p) == {"p5": 1.0, "p6": 0.0}


def test_won_deal_milestones_opportunity_creation_before_the_window():
    # won deal created day 25, closed day 60. Look-back 40: p6 (22), p7 (30), p8 (50) credited; OC = last touch on or
    # before day 25 = p6, CW = last touch = p8; FT, LC earlier. Full path: 22.5 / 10 / 22.5 of 55.
    opp = _opp(25, close=60, won=True)
    p = AttributionParams(lookback_days=40)
    pdata = A.account_paths(_touches(), opp, as_of=D0 + pd.Timedelta(days=90), variant="closed", params=p)
    m, spread = W.full_milestone, 1 - 4 * W.full_milestone
    assert _weights(pdata, "full_path", p) == pytest.approx(
        {"p6": m / (2 * m + spread), "p7": spread / (2 * m + spread), "p8": m / (2 * m + spread)}
    )
    # look-back 30: only p8 is credited; the OC touch (p6) is outside, so nothing is flagged OC
    p30 = AttributionParams(lookback_days=30)
    pd30 = A.account_paths(_touches(), opp, as_of=D0 + pd.Timedelta(days=90), variant="closed", params=p30)
    t = pd30.touches
    assert t["channel"].astype(str).tolist() == ["p8"]
    assert not t["is_opp_creation"].any() and t["is_closed_won"].all()
    # a lost deal has no closed-won touch
    lost = A.account_paths(_touches(), _opp(25, close=60), as_of=D0 + pd.Timedelta(days=90), variant="closed", params=p)
    assert not lost.touches["is_closed_won"].any() and lost.paths["nulls"].sum() == 1


def test_touch_flags_are_one_per_milestone_per_path(world):
    ds, tp = world
    opps = ds.tables["opportunities"]
    for variant in ("created", "closed"):
        pdata = A.account_paths(tp, opps, as_of="2026-12-31", variant=variant, contacts=ds.tables["contacts"])
        g = pdata.touches.groupby("path_id")
        for flag in ("is_first_touch", "is_lead_creation", "is_opp_creation", "is_closed_won"):
            assert (g[flag].sum() <= 1).all(), (variant, flag)
        conv = pdata.paths["conversions"].to_numpy() > 0
        if variant == "created":  # pipeline journeys end at opportunity creation: OC is the last touch, no CW
            last = pdata.touches["pos"] == pdata.touches["n"] - 1
            on_conv = conv[pdata.touches["path_id"].to_numpy()]
            assert (pdata.touches.loc[last & on_conv, "is_opp_creation"]).all()
            assert not pdata.touches["is_closed_won"].any()
        t = pdata.touches
        pid = t["path_id"].to_numpy()
        flagged = t[["is_first_touch", "is_lead_creation", "is_opp_creation", "is_closed_won"]].any(axis=1).to_numpy()
        for model in ("u_shaped", "w_shaped", "full_path"):
            w = A.rule_weights(pdata, model)
            np.testing.assert_allclose(np.bincount(pid, weights=w), 1.0)
        # equal milestone shares (the defaults): every milestone touch of a path gets the same weight, however
        # many milestones it holds (today's code doubles the touch that is both OC and CW)
        w = pd.Series(A.rule_weights(pdata, "full_path"))[flagged]
        spread = w.groupby(pid[flagged]).agg(lambda s: s.max() - s.min())
        assert spread.max() < 1e-12, variant
