"""Point-in-time features: people, account links and fit knowable at each snapshot, and the lead-conversion guard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab import engagement as E
from abm_lab.config.engagement import EngagementParams
from abm_lab.engagement import pointintime as PIT

AS_OF = "2026-06-30"
EARLY, LATE = pd.Timestamp("2026-03-01"), pd.Timestamp("2026-06-01")
ACCOUNTS = pd.DataFrame({"account_id": ["A1", "A2"], "created_date": pd.Timestamp("2025-01-01"), "is_customer": False})
NO_OPPS = pd.DataFrame(
    {
        "account_id": pd.Series([], dtype="string"),
        "created_date": pd.Series([], dtype="datetime64[ns]"),
        "close_date": pd.Series([], dtype="datetime64[ns]"),
        "stage": pd.Series([], dtype="string"),
    }
)


def _touches(rows):
    df = pd.DataFrame(rows, columns=["touchpoint_id", "timestamp", "account_id", "contact_id", "link_method"])
    return df.assign(timestamp=pd.to_datetime(df["timestamp"]), channel="web", activity_type="web_visit")


def _panel(tp, personas, opps=NO_OPPS, fit=None):
    p = EngagementParams()
    out = E.build_panel(tp, ACCOUNTS, opps, [EARLY, LATE], AS_OF, p, personas=personas, fit=fit)
    return out.set_index(["account_id", "snapshot_date"])


def test_a_person_counts_only_once_their_record_exists():
    """C1 (a key persona) touches A1 in February but is created in April: at 1 March the touches are not known-person
    touches (a CRM links them only once the person exists); the anonymous visit still counts via its domain."""
    tp = _touches(
        [
            ("T1", "2026-02-10", "A1", "C1", "contact"),
            ("T2", "2026-02-20", "A1", "C1", "contact"),
            ("T3", "2026-02-15", "A1", None, "reverse_ip_domain"),
        ]
    )
    pers = pd.DataFrame(
        {
            "contact_id": ["C1"],
            "account_id": ["A1"],
            "is_key_persona": [True],
            "created_date": [pd.Timestamp("2026-04-01")],
        }
    )
    panel = _panel(tp, pers)
    early, late = panel.loc[("A1", EARLY)], panel.loc[("A1", LATE)]
    assert early["contacts_30d"] == 0 and early["key_personas_30d"] == 0 and early["contacts_on_file"] == 0
    assert early["touches_30d"] == 1 and early["anon_visits_30d"] == 1
    # the person is on file and their history is back-filled once they exist
    assert late["contacts_on_file"] == 1 and late["key_personas_on_file"] == 1
    wide = E.build_panel(tp, ACCOUNTS, NO_OPPS, [pd.Timestamp("2026-04-02")], AS_OF, EngagementParams(), personas=pers)
    assert wide["contacts_90d"].iloc[0] == 1 and wide["touches_90d"].iloc[0] == 3


def test_a_link_made_later_is_not_known_earlier():
    """C2 exists since January but its account link is made in April (``account_linked_date``): its touch, linked
    only through C2, is unknown at 1 March. C3 (created in April) touches an account the source itself names: the
    touch counts at once, but not as a known person. C4 has no link date: its creation date stands in for it."""
    tp = _touches(
        [
            ("T1", "2026-02-10", "A1", "C2", "contact"),
            ("T2", "2026-02-11", "A2", "C3", "source_account"),
            ("T3", "2026-02-12", "A2", "C4", "contact"),
        ]
    )
    pers = pd.DataFrame(
        {
            "contact_id": ["C2", "C3", "C4"],
            "account_id": ["A1", "A2", "A2"],
            "is_key_persona": [False, True, False],
            "created_date": pd.to_datetime(["2026-01-05", "2026-04-01", "2026-04-01"]),
            "account_linked_date": pd.to_datetime(["2026-04-01", None, None]),
        }
    )
    panel = _panel(tp, pers)
    a1, a2 = panel.loc[("A1", EARLY)], panel.loc[("A2", EARLY)]
    assert a1["touches_30d"] == 0 and a1["contacts_on_file"] == 0  # linked to A1 only in April
    assert a2["touches_30d"] == 1 and a2["contacts_30d"] == 0 and a2["key_personas_30d"] == 0
    late = E.build_panel(tp, ACCOUNTS, NO_OPPS, [pd.Timestamp("2026-04-02")], AS_OF, EngagementParams(), personas=pers)
    assert late.set_index("account_id")["touches_90d"].to_dict() == {"A1": 1, "A2": 2}


def test_recency_uses_only_linked_touches():
    tp = _touches([("T1", "2026-02-27", "A1", "C1", "contact"), ("T2", "2026-01-10", "A1", None, "reverse_ip_domain")])
    pers = pd.DataFrame(
        {
            "contact_id": ["C1"],
            "account_id": ["A1"],
            "is_key_persona": [False],
            "created_date": [pd.Timestamp("2026-05-01")],
        }
    )
    # the last knowable touch is T2 (10 Jan), not C1's touch of 27 Feb linked only in May
    assert _panel(tp, pers).loc[("A1", EARLY), "days_since_last_touch"] == (EARLY - pd.Timestamp("2026-01-10")).days - 1


def test_grade_tier_and_target_are_never_features():
    """The fit score is a function of static firmographics; grade is a cut of it, tier / target / customer flags
    hold the programme's and the CRM's state at as_of: none of them may be a feature, even if merged on."""
    tp = _touches([("T1", "2026-02-10", "A1", None, "reverse_ip_domain")])
    fit = pd.DataFrame({"account_id": ["A1", "A2"], "fit_score": [80.0, 20.0], "grade": ["A", "E"], "tier": [1, 3]})
    panel = _panel(tp, None, fit=fit).reset_index()
    assert "fit_score" in E.feature_columns(panel) and "grade" not in panel.columns
    merged = panel.merge(
        fit.assign(is_target=[True, False], is_customer=False).drop(columns="fit_score"), on="account_id"
    )
    feats = E.feature_columns(merged)
    assert not {"grade", "tier", "is_target", "is_customer"} & set(feats)


def test_person_dates_fall_back_to_the_first_touch():
    tp = _touches([("T1", "2026-02-10", "A1", "C9", "contact"), ("T2", "2026-01-10", "A1", "C9", "contact")])
    people = PIT.person_dates(pd.DataFrame({"contact_id": ["C9", "C8"], "is_key_persona": [True, False]}), tp)
    d = people.set_index("contact_id")
    assert d.loc["C9", "known_from"] == pd.Timestamp("2026-01-10") and pd.isna(d.loc["C8", "known_from"])


def _conversion_world(seed: int, leaky: bool):
    rng = np.random.default_rng(seed)
    n_acc, n_people = 200, 2000
    acc = np.array([f"A{i}" for i in range(n_acc)])
    start = pd.Timestamp("2025-01-01")
    opp_acc = rng.choice(acc, 150, replace=False)
    opp_day = rng.integers(0, 700, len(opp_acc))
    opps = pd.DataFrame({"account_id": opp_acc, "created_date": start + pd.to_timedelta(opp_day, unit="D")})
    p_acc = rng.choice(acc, n_people)
    days = rng.integers(0, 730, n_people)
    if leaky:  # a third of the people of accounts with an opportunity appear 0-3 days after it opens
        pos = {a: d for a, d in zip(opp_acc, opp_day, strict=True)}
        conv = np.array([a in pos for a in p_acc]) & (rng.random(n_people) < 1 / 3)
        days[conv] = [pos[a] + rng.integers(0, 4) for a in p_acc[conv]]
    pers = pd.DataFrame(
        {
            "contact_id": [f"C{i}" for i in range(n_people)],
            "account_id": p_acc,
            "created_date": start + pd.to_timedelta(days, unit="D"),
        }
    )
    return pers, opps


@pytest.mark.parametrize("seed", range(5))
def test_conversion_leak_check_warns_only_on_people_appearing_with_deals(seed):
    pers, opps = _conversion_world(seed, leaky=True)
    check = PIT.conversion_leak_check(pers, opps, seed=seed)
    assert check.warn and check.ratio > PIT.CONVERSION_LEAK_RATIO and "appear when deals open" in check.note
    clean = PIT.conversion_leak_check(*_conversion_world(seed, leaky=False), seed=seed)
    assert not clean.warn and abs(clean.share - clean.expected_share) < 0.01


def test_people_converted_at_opportunity_creation_do_not_count_before_their_date():
    """C1 becomes a contact two days after A1's opportunity opens (1 March): at the snapshot of 1 March its
    February touches, linked only through it, are not known; they do not announce the opportunity."""
    tp = _touches([("T1", "2026-02-20", "A1", "C1", "contact"), ("T2", "2026-02-25", "A1", "C1", "contact")])
    pers = pd.DataFrame(
        {
            "contact_id": ["C1"],
            "account_id": ["A1"],
            "is_key_persona": [True],
            "created_date": [pd.Timestamp("2026-03-03")],
        }
    )
    opps = pd.DataFrame(
        {"account_id": ["A1"], "created_date": [pd.Timestamp("2026-03-01")], "close_date": [pd.NaT], "stage": ["open"]}
    )
    row = _panel(tp, pers, opps).loc[("A1", EARLY)]
    assert row["label"] == 1 and row["touches_30d"] == 0 and row["key_personas_30d"] == 0
    assert PIT.conversion_leak_check(pers, opps).share == 1.0
