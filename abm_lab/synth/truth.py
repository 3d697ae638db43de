"""The saved truth: per account (fit, targets, schedule, potential outcomes), per account-week (intent, oracle
hazard), per opportunity and arm (:mod:`.potential`), and the meta of ``truth.json``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..config.core import DemoParams
from .accounts import FIT_COEFS, Fit
from .common import WEEKS_PER_QUARTER, Calendar
from .opportunities import Outcomes
from .programs import PROGRAM_ID, Schedule, Targets

TRUTH_VERSION = 3

NOTES = (
    "Opportunities are new business only: customers have no opportunity hazard. "
    "Potential outcomes use common random numbers: arm 'observed' is the programme as run (targets treated "
    "from their own start_date to their end_date, spillover if any), arm 'no_programme' has nobody treated. "
    "*_treated/_untreated in truth/accounts are realised counts under each arm from the first start "
    "(post_start, minus the anticipation weeks) to as_of; truth/opportunities_potential holds every deal "
    "under both arms. The simulation ran burn_in_weeks before the observed window (start); deals still open "
    "at the start are in the tables (created before it), earlier ones are not."
)


def post_weeks(cal: Calendar, sched: Schedule, anticipation_weeks: int) -> np.ndarray:
    """Observed weeks from the first programme effect on (the first start minus the anticipation weeks)."""
    first = int(cal.week_index([cal.program_start])[0]) - anticipation_weeks - cal.n_burn
    return np.arange(cal.n_weeks) >= first


def _all_treated(is_target: np.ndarray) -> np.ndarray:
    arm = np.full(len(is_target), None, dtype=object)
    arm[np.asarray(is_target, bool)] = "treatment"
    return arm


def truth_accounts(
    account_ids: Any,
    fit: Fit,
    targets: Targets,
    sched: Schedule,
    out: Outcomes,
    cal: Calendar,
    recent: np.ndarray,
    post: np.ndarray,
) -> pd.DataFrame:
    """Per account: fit, customer and target flags, tier, schedule, expected and realised outcomes after the start.

    ``*_treated`` = the programme as run (arm ``observed``), ``*_untreated`` = no programme, over the ``post``
    weeks. ``recent_intent``: standardised mean latent intent over the selection window before the first start.
    """

    def post_sum(arr: np.ndarray) -> np.ndarray:
        return (cal.observed(arr) * post[None, :]).sum(axis=1)

    cust = fit.is_customer[:, None]
    t, u = out.observed, out.untreated
    return pd.DataFrame(
        {
            "account_id": account_ids,
            "fit_logit": fit.logit,
            "fit_prob": fit.prob,
            "is_customer": fit.is_customer,
            "is_target": targets.is_target,
            "tier": targets.tier,
            "arm": targets.arm if targets.arm is not None else _all_treated(targets.is_target),
            "cohort": targets.cohort,
            "start_date": sched.start_date,
            "end_date": sched.end_date,
            "tier_effect": sched.tier_effect,
            "selection_score": targets.score,
            "recent_intent": recent[0],
            "exp_opps_post_treated": post_sum(np.where(cust, 0, out.haz_obs)),
            "exp_opps_post_untreated": post_sum(np.where(cust, 0, out.haz_base)),
            "opps_post_treated": post_sum(t.created).astype(int),
            "opps_post_untreated": post_sum(u.created).astype(int),
            "won_post_treated": post_sum(t.created & t.won).astype(int),
            "pipeline_post_treated": post_sum(t.created * t.amount),
            "pipeline_post_untreated": post_sum(u.created * u.amount),
            "won_post_untreated": post_sum(u.created & u.won).astype(int),
        }
    )


def truth_weekly(account_ids: np.ndarray, intent: np.ndarray, fit: Fit, out: Outcomes, cal: Calendar) -> pd.DataFrame:
    """Per account and observed week: latent intent, the oracle hazard faced (``p_opp_week``) and the hazard if free."""
    n = len(account_ids)
    free = np.where(fit.is_customer[:, None], 0.0, cal.observed(out.haz_obs))
    return pd.DataFrame(
        {
            "account_id": pd.Categorical.from_codes(
                np.repeat(np.arange(n), cal.n_weeks), categories=account_ids.astype(str)
            ),
            "week_start": np.tile(cal.weeks.values, n),
            "intent": cal.observed(intent).ravel(),
            "p_opp_week": cal.observed(out.observed.oracle).astype(np.float32).ravel(),
            "p_opp_week_free": free.astype(np.float32).ravel(),
        }
    )


def _quarter_counts(dates: pd.DatetimeIndex) -> dict[str, int]:
    d = pd.Series(dates).dropna()
    return {str(k): int(v) for k, v in d.dt.to_period("Q").value_counts().sort_index().items()}


def _holdout(targets: Targets, share: float | None) -> dict[str, Any]:
    arm = targets.arm if targets.arm is not None else np.array([])
    return {
        "share": share,
        "strata": "tier x start cohort",
        "treatment": int((arm == "treatment").sum()),
        "control": int((arm == "control").sum()),
    }


def world_meta(
    demo: DemoParams,
    cal: Calendar,
    fit: Fit,
    targets: Targets,
    sched: Schedule,
    post: np.ndarray,
    sizes: dict[str, int],
) -> dict[str, Any]:
    """``truth.json``: the true fit function, the lift, the scenario switches, dates, starts and exits, sizes, seed."""
    c = targets.chosen
    return {
        "truth_version": TRUTH_VERSION,
        "seed": demo.seed,
        "as_of": str(cal.as_of.date()),
        "start": str(cal.start.date()),
        "program_start": str(cal.program_start.date()),
        "post_start": str(cal.weeks[int(np.argmax(post))].date()) if post.any() else None,
        "program_id": PROGRAM_ID,
        "fit_coefficients": FIT_COEFS,
        "fit_intercept": fit.intercept,
        "fit_drivers": fit.drivers,
        "fit_importance": fit.importance,
        "lift": demo.lift.model_dump(),
        "scenario": demo.scenario.model_dump(mode="json"),
        "burn_in_weeks": cal.n_burn,
        "weeks_per_quarter": WEEKS_PER_QUARTER,
        "program_starts": _quarter_counts(sched.start_date[c]),
        "program_exits": _quarter_counts(sched.end_date[c]),
        "sizes": {**sizes, "weeks": cal.n_weeks, "targets": int(targets.n)},
        **({"holdout": _holdout(targets, demo.holdout_share)} if targets.arm is not None else {}),
        "notes": NOTES,
    }
