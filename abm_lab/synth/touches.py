"""Touchpoints: marketing and sales activity, driven by intent, more bottom-of-funnel at high intent.

Each account-week gets a Poisson number of touches (rate rising with intent and with the number of
known people; the program adds ABM touches on its targets). A touch is made by one of the account's
people, or is an anonymous web visit carrying the account's domain (reverse IP).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .common import Calendar, arrow_ids, arrow_nulls, sigmoid
from .people import People
from .programs import PROGRAM_ID

#: activity -> (channel, funnel stage)
ACTIVITIES = {
    "email_open": ("email", "tofu"),
    "web_visit": ("web", "tofu"),
    "ad_click": ("paid_social", "tofu"),
    "display_click": ("display", "tofu"),
    "email_click": ("email", "mofu"),
    "content_download": ("content", "mofu"),
    "webinar_attend": ("webinar", "mofu"),
    "event_attend": ("event", "mofu"),
    "direct_mail_response": ("direct_mail", "mofu"),
    "pricing_page": ("web", "bofu"),
    "demo_request": ("web", "bofu"),
    "contact_sales": ("web", "bofu"),
    "sales_meeting": ("sales", "bofu"),
}
FUNNEL = ("tofu", "mofu", "bofu")
#: organic touches: funnel stage -> (activities, weights)
ORGANIC_MIX = {
    "tofu": (["email_open", "web_visit", "ad_click", "display_click"], [0.4, 0.4, 0.12, 0.08]),
    "mofu": (["email_click", "content_download", "webinar_attend", "event_attend"], [0.35, 0.35, 0.2, 0.1]),
    "bofu": (["pricing_page", "demo_request", "contact_sales", "sales_meeting"], [0.5, 0.2, 0.15, 0.15]),
}
#: the program's own touches: (activities, weights)
ABM_MIX = (
    ["ad_click", "display_click", "email_open", "email_click", "event_attend", "direct_mail_response", "sales_meeting"],
    [0.3, 0.2, 0.2, 0.1, 0.08, 0.07, 0.05],
)
TOUCH_SLOPE = 1.2  # touch rate ~ exp(TOUCH_SLOPE * intent) x (0.5 + sqrt(people at the account))
PROGRAM_TOUCH_MULT = 1.5  # targets after the program start get this many times the touches (the extra are ABM)
BOFU_LOGIT = (-3.0, 1.2)  # P(bottom of funnel) = sigmoid(a + b * intent)
MOFU_SHARE = 0.3  # P(middle of funnel) on top of that; the rest is top of funnel
ANON_WEB_SHARE = 0.3  # web visits by a known person that are seen only as an anonymous visit


@dataclass
class Touches:
    """The touchpoints table (sorted by timestamp) and its truth (the true account of each touch)."""

    table: pd.DataFrame
    truth: pd.DataFrame


def _activity_codes(
    rng: np.random.Generator, funnel_code: np.ndarray, abm_touch: np.ndarray, acts: list[str]
) -> np.ndarray:
    """Activity of each touch: the organic mix of its funnel stage, or the ABM mix for program touches."""
    act_code = np.empty(len(funnel_code), np.int16)
    for f_code, f in enumerate(FUNNEL):
        opts, p = ORGANIC_MIX[f]
        m = funnel_code == f_code
        act_code[m] = np.array([acts.index(o) for o in opts])[
            rng.choice(len(opts), int(m.sum()), p=np.array(p) / sum(p))
        ]
    opts, p = ABM_MIX
    act_code[abm_touch] = np.array([acts.index(o) for o in opts])[
        rng.choice(len(opts), int(abm_touch.sum()), p=np.array(p) / sum(p))
    ]
    return act_code


def make_touchpoints(
    rng: np.random.Generator,
    acc: pd.DataFrame,
    intent: np.ndarray,
    treated: np.ndarray,
    people: People,
    cal: Calendar,
    n_touchpoints: int,
) -> Touches:
    """About ``n_touchpoints`` touches over accounts x observed weeks, each by a person or anonymous.

    ``intent`` and ``treated`` (in the programme that week) are accounts x observed weeks.
    """
    n = len(acc)
    nc = len(people.contact_ids)
    weeks = cal.weeks
    has_c = np.bincount(people.account_index, minlength=n)
    c_start = np.concatenate([[0], np.cumsum(has_c)[:-1]])
    treat_obs = treated
    lam = np.exp(TOUCH_SLOPE * intent) * (0.5 + np.sqrt(has_c))[:, None] * np.where(treat_obs, PROGRAM_TOUCH_MULT, 1.0)
    lam = lam * (n_touchpoints / lam.sum())
    counts = rng.poisson(lam)
    ta, tw = np.nonzero(counts)
    reps = counts[ta, tw]
    ta = np.repeat(ta, reps)
    tw = np.repeat(tw, reps)
    nt = len(ta)
    ts = weeks[tw] + pd.to_timedelta(rng.integers(0, 7 * 86400, nt), unit="s")
    it = intent[ta, tw]
    abm_touch = treat_obs[ta, tw] & (rng.random(nt) < (PROGRAM_TOUCH_MULT - 1) / PROGRAM_TOUCH_MULT)
    p_bofu = sigmoid(BOFU_LOGIT[0] + BOFU_LOGIT[1] * it)
    uf = rng.random(nt)
    funnel_code = np.where(uf < p_bofu, 2, np.where(uf < p_bofu + MOFU_SHARE, 1, 0))
    acts = list(ACTIVITIES)
    act_code = _activity_codes(rng, funnel_code, abm_touch, acts)
    no_contact = has_c[ta] == 0
    web_like = np.isin(act_code, [acts.index("web_visit"), acts.index("pricing_page")])
    anon = no_contact | (web_like & (rng.random(nt) < ANON_WEB_SHARE))
    act_code[no_contact & ~web_like] = acts.index("web_visit")
    channels = sorted({v[0] for v in ACTIVITIES.values()})
    chan_of_act = np.array([channels.index(ACTIVITIES[a][0]) for a in acts])
    fun_of_act = np.array([FUNNEL.index(ACTIVITIES[a][1]) for a in acts])
    cidx = c_start[ta] + np.floor(rng.random(nt) * np.maximum(has_c[ta], 1)).astype(np.int64)
    cidx = np.minimum(cidx, nc - 1)
    quarters = pd.PeriodIndex(weeks, freq="Q").astype(str)
    q_code = pd.factorize(quarters)[0][tw]
    q_levels = list(pd.unique(quarters))
    camp_levels = [f"CMP-{c}-{q}" for c in channels for q in q_levels]
    camp_code = chan_of_act[act_code] * len(q_levels) + q_code
    order = np.argsort(ts.values, kind="stable")
    cid_code = np.where(anon, -1, cidx)[order]
    # categorical columns built from codes: 10M touchpoints without 10M Python strings
    tp = pd.DataFrame(
        {
            "touchpoint_id": arrow_ids("T", nt, 8),
            "timestamp": ts.values[order],
            "contact_id": pd.Categorical.from_codes(cid_code, categories=people.contact_ids.astype(str)),
            "visitor_domain": pd.Categorical.from_codes(
                np.where(anon, ta, -1)[order], categories=acc["domain"].to_numpy().astype(str)
            ),
            "account_id": arrow_nulls(nt),
            "channel": pd.Categorical.from_codes(chan_of_act[act_code][order], categories=channels),
            "activity_type": pd.Categorical.from_codes(act_code[order], categories=acts),
            "funnel_stage": pd.Categorical.from_codes(fun_of_act[act_code][order], categories=list(FUNNEL)),
            "campaign_id": pd.Categorical.from_codes(camp_code[order], categories=camp_levels),
            "program_id": pd.Categorical.from_codes(np.where(abm_touch, 0, -1)[order], categories=[PROGRAM_ID]),
        }
    )
    truth = pd.DataFrame(
        {
            "touchpoint_id": tp["touchpoint_id"],
            "true_account_id": pd.Categorical.from_codes(
                ta[order], categories=acc["account_id"].to_numpy().astype(str)
            ),
        }
    )
    return Touches(table=tp, truth=truth)
