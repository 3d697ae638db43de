"""Plain-words reasons: each account's strongest SHAP drivers as sentences a sales rep can read.

:func:`reason_sentence` words one feature value with the direction of its effect and, given the engaged
class's median (:func:`engaged_reference`), compares with it ("2 touches in the last 90 days; accounts that
opened an opportunity typically had 7 (lowers the score)"); :func:`top_reasons` picks per row the ``n``
largest |SHAP| among the features whose direction agrees with that comparison (:func:`reason_features`);
:func:`pretty_feature` is the short label used on plots.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from ..config.engagement import EngagementParams
from ..data.schema import FUNNEL_STAGES

_WINDOW = re.compile(r"^(?P<stem>.+)_(?P<w>\d+)d$")
_BOFU_WORDS = {
    "pricing_page": "Visited the pricing page",
    "demo_request": "Requested a demo",
    "contact_sales": "Contacted sales",
}
_BOFU_NONE = {
    "pricing_page": "No visit to the pricing page",
    "demo_request": "No demo",
    "contact_sales": "No contact-sales request",
}


def pretty_feature(col: str) -> str:
    """Short readable label of a panel feature (for plots)."""
    m = _WINDOW.match(col)
    if col == "days_since_last_touch":
        return "Days since last touch"
    if col == "trend_ratio":
        return "Activity trend (recent vs prior)"
    if col == "fit_score":
        return "Fit score (0-100)"
    if col == "contacts_known":
        return "People engaged (lookback)"
    if col == "in_abm_program":
        return "In ABM program"
    if col == "contacts_on_file":
        return "People on file"
    if col == "key_personas_on_file":
        return "Key personas on file"
    if not m:
        return col
    stem, w = m["stem"], m["w"]
    lab = {
        "touches": "Touches",
        "contacts": "People engaged",
        "anon_visits": "Anonymous visits",
        "bofu": "Pricing/demo/sales actions",
        "key_personas": "Key personas engaged",
        "stage_tofu": "Top-funnel touches",
        "stage_mofu": "Mid-funnel touches",
        "stage_bofu": "Bottom-funnel touches",
        "program_touches": "ABM program touches",
        "bofu_share": "Share of touches at decision stage",
        "touches_per_person": "Touches per person on file",
    }.get(stem)
    if lab is None and stem.startswith("ch_"):
        lab = f"{stem[3:].replace('_', ' ').capitalize()} touches"
    if lab is None and stem in _BOFU_WORDS:
        lab = {
            "pricing_page": "Pricing page visits",
            "demo_request": "Demo requests",
            "contact_sales": "Contact-sales requests",
        }[stem]
    return f"{lab or stem.replace('_', ' ')}, {w} d"


def _n(v: float, one: str, many: str) -> str:
    k = int(round(v))
    return f"{k} {one if k == 1 else many}"


def reason_sentence(
    col: str,
    value: float,
    contribution: float,
    params: EngagementParams | None = None,
    reference: float | None = None,
) -> str:
    """One plain sentence for a feature value, with the direction of its effect.

    E.g. ('contacts_30d', 3, +0.4) -> "3 people engaged in the last 30 days (raises the score)"; with the
    engaged-class ``reference`` (:func:`engaged_reference`) the sentence compares with it:
    ('touches_90d', 2, -0.3, reference=7) -> "2 touches in the last 90 days; accounts that opened an
    opportunity typically had 7 (lowers the score)".
    """
    p = params or EngagementParams()
    eff = "raises the score" if contribution >= 0 else "lowers the score"
    txt = _describe(col, value, p)
    if reference is not None and not (isinstance(reference, float) and math.isnan(reference)):
        txt = f"{txt}; {REFERENCE_WHO} typically had {_ref_text(col, float(reference), p)}"
    return f"{txt} ({eff})"


#: Who the reference of a reason describes: the engaged class (see :func:`engaged_reference`).
REFERENCE_WHO = "accounts that opened an opportunity"


def _num(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 0.05 else f"{v:.1f}"


def _ref_text(col: str, r: float, p: EngagementParams) -> str:
    """The reference value in the feature's own units (``7``, ``12 days since their last activity``, ...)."""
    m = _WINDOW.match(col)
    if col == "days_since_last_touch":
        return f"their last activity {_num(r)} days before"
    if col == "trend_ratio":
        return f"{r:.1f}x the pace of the prior {p.trend_prior_days} days"
    if col == "fit_score":
        return f"a fit score of {r:.0f}/100"
    if col == "in_abm_program":
        return "an ABM program" if r >= 0.5 else "no ABM program"
    if m and m["stem"] == "bofu_share":
        return f"{r:.0%}"
    if m and m["stem"] == "touches_per_person":
        return f"{r:.1f}"
    return _num(r)


def _describe(col: str, value: float, p: EngagementParams) -> str:
    """The feature value in plain words (no direction)."""
    v = 0.0 if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    m = _WINDOW.match(col)
    if col == "days_since_last_touch":
        txt = (
            f"No activity for {p.recency_cap_days}+ days"
            if v >= p.recency_cap_days
            else "Active in the last day"
            if v < 1
            else f"Last activity {_n(v, 'day', 'days')} ago"
        )
    elif col == "trend_ratio":
        txt = (
            f"Activity {v:.1f}x the pace of the prior {p.trend_prior_days} days"
            if v >= 1
            else f"Activity slowed to {v:.1f}x the pace of the prior {p.trend_prior_days} days"
        )
    elif col == "fit_score":
        txt = (
            "Fit score unknown"
            if math.isnan(float(value if value is not None else np.nan))
            else f"Fit score {v:.0f}/100"
        )
    elif col == "contacts_known":
        txt = f"{_n(v, 'person', 'people')} engaged in the last {p.lookback_days} days"
    elif col == "in_abm_program":
        txt = "In the ABM program" if v >= 0.5 else "Not in the ABM program"
    elif col == "contacts_on_file":
        txt = f"{_n(v, 'person', 'people')} on file" if v else "Nobody on file"
    elif col == "key_personas_on_file":
        txt = f"{_n(v, 'key decision-maker', 'key decision-makers')} on file" if v else "No key decision-maker on file"
    elif m:
        stem, w = m["stem"], m["w"]
        when = f"in the last {w} days"
        if stem == "touches":
            txt = f"{_n(v, 'touch', 'touches')} {when}" if v else f"No touches {when}"
        elif stem == "contacts":
            txt = f"{_n(v, 'person', 'people')} engaged {when}" if v else f"Nobody engaged {when}"
        elif stem == "key_personas":
            txt = (
                f"{_n(v, 'key decision-maker', 'key decision-makers')} engaged {when}"
                if v
                else f"No key decision-maker engaged {when}"
            )
        elif stem == "anon_visits":
            txt = (
                f"{_n(v, 'anonymous website visit', 'anonymous website visits')} {when}"
                if v
                else f"No anonymous website visits {when}"
            )
        elif stem == "bofu":
            txt = (
                f"Visited pricing/demo/contact-sales pages {_n(v, 'time', 'times')} {when}"
                if v
                else f"No pricing, demo or contact-sales activity {when}"
            )
        elif stem in _BOFU_WORDS:
            txt = f"{_BOFU_WORDS[stem]} {_n(v, 'time', 'times')} {when}" if v else f"{_BOFU_NONE[stem]} {when}"
        elif stem.startswith("stage_") and stem[6:] in FUNNEL_STAGES:
            name = {
                "tofu": "awareness (top-funnel)",
                "mofu": "consideration (mid-funnel)",
                "bofu": "decision-stage (bottom-funnel)",
            }[stem[6:]]
            txt = f"{_n(v, name + ' touch', name + ' touches')} {when}" if v else f"No {name} touches {when}"
        elif stem == "bofu_share":
            txt = f"{v:.0%} of touches {when} were at the decision stage"
        elif stem == "touches_per_person":
            txt = f"{v:.1f} touches per person on file {when}"
        elif stem == "program_touches":
            txt = (
                f"{_n(v, 'ABM program touch', 'ABM program touches')} {when}" if v else f"No ABM program touches {when}"
            )
        elif stem.startswith("ch_"):
            ch = stem[3:].replace("_", " ")
            txt = f"{_n(v, ch + ' touch', ch + ' touches')} {when}" if v else f"No {ch} touches {when}"
        else:
            txt = f"{pretty_feature(col)}: {v:g}"
    else:
        txt = f"{pretty_feature(col)}: {v:g}"
    return txt


def engaged_reference(rows: pd.DataFrame, features: list[str], label: str = "label") -> pd.DataFrame:
    """Per feature: ``reference`` = its median among the engaged class (rows whose ``label`` is 1: the account
    opened an opportunity within the horizon), ``orientation`` = +1 when the engaged class has the higher mean,
    -1 when lower, 0 when equal (such a feature cannot be a reason)."""
    y = rows[label].to_numpy() == 1
    X = rows[features].astype(float)
    diff = X[y].mean() - X[~y].mean()
    return pd.DataFrame({"reference": X[y].median(), "orientation": np.sign(diff.fillna(0)).astype(int)})


def reason_features(
    shap_values: np.ndarray, X: pd.DataFrame, n: int = 3, reference: pd.DataFrame | None = None
) -> np.ndarray:
    """Column positions of each row's ``n`` reasons (-1 = none), largest |SHAP| first.

    With ``reference`` a feature is a reason only when its SHAP sign agrees with where its value lies against
    the engaged class: above the reference on a feature the engaged class has more of (or below on one it has
    less of, such as days since the last touch) raises the score, the opposite lowers it; a value at the
    reference, or a missing value, is no reason. So no positive signal is ever said to lower the score.
    """
    sv = np.asarray(shap_values, dtype=float)
    ok = np.ones(sv.shape, dtype=bool)
    if reference is not None:
        ref = reference.reindex(list(X.columns))
        side = np.sign(
            (X.to_numpy(dtype=float) - ref["reference"].to_numpy(float)) * ref["orientation"].to_numpy(float)
        )
        ok = (side != 0) & (side == np.sign(sv)) & ~np.isnan(side)
    key = np.where(ok, -np.abs(sv), np.inf)
    order = np.argsort(key, axis=1, kind="stable")[:, :n]
    return np.where(np.take_along_axis(ok, order, axis=1), order, -1)


def top_reasons(
    shap_values: np.ndarray,
    X: pd.DataFrame,
    n: int = 3,
    params: EngagementParams | None = None,
    reference: pd.DataFrame | None = None,
) -> list[list[str | None]]:
    """For each row, its ``n`` reasons (:func:`reason_features`) as sentences; one list per rank.

    With ``reference`` each sentence compares the value with the engaged class's median (None when a row
    has fewer than ``n`` admissible reasons)."""
    sv = np.asarray(shap_values)
    pick = reason_features(sv, X, n, reference)
    cols = list(X.columns)
    vals = X.to_numpy(dtype=float)
    refs = reference["reference"].reindex(cols).to_numpy(float) if reference is not None else None
    out: list[list[str | None]] = [[None] * len(X) for _ in range(n)]
    for i in range(len(X)):
        for k in range(pick.shape[1]):
            j = int(pick[i, k])
            if j >= 0:
                r = float(refs[j]) if refs is not None else None
                out[k][i] = reason_sentence(cols[j], vals[i, j], sv[i, j], params, r)
    return out
