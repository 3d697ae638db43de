"""A synthetic B2B world with known truth, vectorised and deterministic by seed.

What is true (saved in ``truth/``) and what is observed (the canonical tables):

* **Fit** (:mod:`.accounts`): a logistic fit function of industry, size, region and technographics
  (``FIT_COEFS``); current customers are drawn from it.
* **People** (:mod:`.people`): every contact/lead has a true account and persona; what is observed is
  noisy: company-name variants, typos, legal suffixes, subsidiaries, free-mail addresses, sub-domains,
  messy titles, missing fields. Anonymous web visits (:mod:`.touches`) carry a reverse-IP company domain.
* **Intent** (:mod:`.intent`): a latent weekly buying intent per account (AR(1) plus buying-cycle bursts)
  drives touchpoints (more bottom-of-funnel at high intent) and the weekly hazard of an opportunity
  being created (saved as the oracle ``p_opp_week``).
* **Program** (:mod:`.programs`, :mod:`.opportunities`): target accounts are chosen by fit plus judgement
  noise (confounded), the program starts at ``program_start`` and has a known lift on opportunity
  creation, win probability and deal size. Both potential outcomes are simulated with common random
  numbers, so the true effect on the targets is known exactly (:mod:`.truth`).

:func:`generate_world` runs the steps in a fixed order on one random generator: the order of the draws
is part of the world (the same seed gives the same world), so a step must not draw more, less or earlier.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..config.core import DemoParams
from .accounts import draw_fit, make_accounts
from .common import Calendar
from .intent import latent_intent
from .opportunities import opportunity_tables, simulate_outcomes
from .people import make_people
from .programs import choose_targets, program_tables
from .touches import make_touchpoints
from .truth import truth_accounts, truth_weekly, world_meta


@dataclass
class World:
    """The observed canonical ``tables``, the ``truth`` tables and the ``meta`` of ``truth.json``."""

    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    meta: dict[str, Any] = field(default_factory=dict)


def generate_world(demo: DemoParams | None = None, as_of: dt.date | str = "2026-12-31") -> World:
    """Generate the synthetic world. Deterministic for the same params (sizes, seed, dates)."""
    demo = demo or DemoParams()
    rng = np.random.default_rng(demo.seed)
    cal = Calendar.from_params(demo, as_of)

    # each step draws from rng in turn: their order is part of the world (do not reorder)
    accounts = make_accounts(rng, demo.n_accounts, cal.start)
    acc = accounts.table
    fit = draw_fit(rng, acc, demo.customer_rate)
    acc["is_customer"] = fit.is_customer
    fit_std = fit.std
    targets = choose_targets(rng, fit.logit, fit.is_customer, demo.target_share)
    intent = latent_intent(rng, fit_std, cal.n_weeks)
    outcomes = simulate_outcomes(
        rng, acc["employees"].to_numpy(), fit_std, intent, targets.is_target, fit.is_customer, cal, demo.lift
    )
    opp, stage_history = opportunity_tables(rng, acc, outcomes, cal)
    people = make_people(rng, accounts, demo.n_contacts, cal)
    touches = make_touchpoints(rng, acc, intent, targets.is_target, people, cal, demo.n_touchpoints)
    # no more draws below
    account_ids = acc["account_id"].to_numpy()
    programs, costs = program_tables(account_ids, targets, cal, demo.cost_per_target_account)

    sizes = {
        "accounts": len(acc),
        "contacts": len(people.contacts),
        "touchpoints": len(touches.table),
        "opportunities": len(opp),
    }
    tables = {
        "accounts": acc,
        "contacts": people.contacts,
        "opportunities": opp,
        "stage_history": stage_history,
        "touchpoints": touches.table,
        "programs": programs,
        "costs": costs,
    }
    truth = {
        "accounts": truth_accounts(acc["account_id"], fit, targets, outcomes, cal),
        "contacts": people.truth,
        "touchpoints": touches.truth,
        "weekly": truth_weekly(account_ids, intent, fit, targets, outcomes, cal),
    }
    return World(tables=tables, truth=truth, meta=world_meta(demo, cal, fit, targets, sizes))
