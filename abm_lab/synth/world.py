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
* **Program** (:mod:`.programs`, :mod:`.opportunities`): target accounts are chosen by fit, recent intent
  and judgement noise (confounded, and selected on a rise in intent), start in quarterly cohorts from
  ``program_start``, some leave early, and the programme has a known lift on opportunity creation (by
  tier, with optional anticipation and spillover), win probability and deal size. The untreated hazard
  has a common trend and seasonality. Both potential outcomes are simulated with common random numbers,
  so the true effect is known exactly (:mod:`.truth`, :mod:`.potential`). ``demo.scenario`` switches each
  of these off (:meth:`~abm_lab.config.core.ScenarioParams.simple`: all off).
* **Evolution** (:mod:`.evolution`): the accounts drawn are the accounts on the reference date
  (``REFERENCE_AS_OF``); each has a dated history (first win, headcount change, technology adopted, deletion)
  from its own random stream, and a world at an earlier ``as_of`` has the accounts table of that day.
* **Burn-in**: the simulation starts ``scenario.burn_in_weeks`` before the observed window, so accounts
  enter it with the open deals and intent they would have (no warm-up artefact).

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
from .evolution import REFERENCE_AS_OF, account_history, accounts_at
from .intent import latent_intent
from .intent_table import intent_table
from .opportunities import arm_deals, opportunity_tables, simulate_outcomes
from .people import make_people
from .potential import potential_opportunities
from .programs import choose_targets, program_tables, randomise_holdout, recent_intent, schedule
from .touches import make_touchpoints
from .truth import post_weeks, truth_accounts, truth_weekly, world_meta


@dataclass
class World:
    """The observed canonical ``tables``, the ``truth`` tables and the ``meta`` of ``truth.json``."""

    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    meta: dict[str, Any] = field(default_factory=dict)


def generate_world(demo: DemoParams | None = None, as_of: dt.date | str | pd.Timestamp = REFERENCE_AS_OF) -> World:
    """Generate the synthetic world. Deterministic for the same params (sizes, seed, dates).

    The accounts table is the one on ``as_of`` (:mod:`.evolution`): before the reference date the events since
    ``as_of`` (customers won, headcount changes, technology adopted, records deleted) are undone."""
    demo = demo or DemoParams()
    rng = np.random.default_rng(demo.seed)
    cal = Calendar.from_params(demo, as_of)

    # each step draws from rng in turn: their order is part of the world (do not reorder)
    sc = demo.scenario
    accounts = make_accounts(rng, demo.n_accounts, cal.sim_start)
    acc = accounts.table
    fit = draw_fit(rng, acc, demo.customer_rate)
    acc["is_customer"] = fit.is_customer
    fit_std = fit.std
    intent = latent_intent(rng, fit_std, cal.n_sim)  # over the burn-in and the observed weeks
    recent = recent_intent(intent, cal, sc)
    targets = choose_targets(rng, fit.logit, fit.is_customer, demo.target_share, recent, sc.selection_intent_weight)
    randomise_holdout(rng, targets, acc["account_id"].to_numpy(), demo.holdout_share, demo.holdout_exclude_tiers)
    sched = schedule(rng, targets, fit.is_customer, cal, sc)
    outcomes = simulate_outcomes(
        rng, acc["employees"].to_numpy(), fit_std, intent, fit.is_customer, sched, cal, demo.lift, sc
    )
    observed, untreated = arm_deals(outcomes.observed, outcomes, cal), arm_deals(outcomes.untreated, outcomes, cal)
    opp, stage_history = opportunity_tables(rng, acc, observed, cal)
    people = make_people(rng, accounts, demo.n_contacts, cal)
    touches = make_touchpoints(
        rng, acc, cal.observed(intent), cal.observed(sched.treated), people, cal, demo.n_touchpoints
    )
    # no more draws below
    account_ids = acc["account_id"].to_numpy()
    programs, costs = program_tables(account_ids, targets, sched, cal, demo.cost_per_target_account)
    post = post_weeks(cal, sched, sc.anticipation_weeks)

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
    if demo.intent_coverage > 0:  # its own random stream: no draw of the world above changes
        tables["intent"] = intent_table(demo.seed, acc, cal.observed(intent), cal, demo.intent_coverage)
    # the accounts' history: its own random stream, and the accounts on as_of (the drawn ones from the reference on)
    history = account_history(demo.seed, acc, cal.sim_start)
    tables["accounts"] = accounts_at(acc, history, cal.as_of)
    sizes["accounts"] = len(tables["accounts"])
    truth = {
        "accounts": truth_accounts(acc["account_id"], fit, targets, sched, outcomes, cal, recent, post),
        "contacts": people.truth,
        "touchpoints": touches.truth,
        "weekly": truth_weekly(account_ids, intent, fit, outcomes, cal),
        "opportunities_potential": potential_opportunities(account_ids, observed, untreated),
        "account_events": history.events,
    }
    return World(tables=tables, truth=truth, meta=world_meta(demo, cal, fit, targets, sched, post, sizes))
