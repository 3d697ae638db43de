"""The saved truth: per account (fit, targets, potential outcomes), per account-week (intent, oracle hazard), meta."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..config.core import DemoParams
from .accounts import FIT_COEFS, Fit
from .common import Calendar
from .opportunities import Outcomes
from .programs import PROGRAM_ID, Targets

TRUTH_VERSION = 2

NOTES = (
    "Opportunities are new business only: customers have no opportunity hazard. "
    "Potential outcomes use common random numbers; *_treated/_untreated are realised counts "
    "after program start under each arm."
)


def truth_accounts(account_ids: Any, fit: Fit, targets: Targets, out: Outcomes, cal: Calendar) -> pd.DataFrame:
    """Per account: true fit, customer and target flags, tier, expected and realised outcomes after the start."""

    def post_sum(arr: np.ndarray) -> np.ndarray:
        return (arr * cal.post[None, :]).sum(axis=1)

    cust = fit.is_customer[:, None]
    t, u = out.treated, out.untreated
    return pd.DataFrame(
        {
            "account_id": account_ids,
            "fit_logit": fit.logit,
            "fit_prob": fit.prob,
            "is_customer": fit.is_customer,
            "is_target": targets.is_target,
            "tier": targets.tier,
            "exp_opps_post_treated": post_sum(np.where(cust, 0, out.haz_lifted)),
            "exp_opps_post_untreated": post_sum(np.where(cust, 0, out.haz_base)),
            "opps_post_treated": post_sum(t.created).astype(int),
            "opps_post_untreated": post_sum(u.created).astype(int),
            "won_post_treated": post_sum(t.created & t.won).astype(int),
            "pipeline_post_treated": post_sum(t.created * t.amount),
            "pipeline_post_untreated": post_sum(u.created * u.amount),
            "won_post_untreated": post_sum(u.created & u.won).astype(int),
        }
    )


def truth_weekly(
    account_ids: np.ndarray, intent: np.ndarray, fit: Fit, targets: Targets, out: Outcomes, cal: Calendar
) -> pd.DataFrame:
    """Per account and week: latent intent, the oracle hazard faced (``p_opp_week``) and the hazard if free."""
    n = len(account_ids)
    lifted = targets.is_target[:, None] & cal.post[None, :]
    return pd.DataFrame(
        {
            "account_id": pd.Categorical.from_codes(
                np.repeat(np.arange(n), cal.n_weeks), categories=account_ids.astype(str)
            ),
            "week_start": np.tile(cal.weeks.values, n),
            "intent": intent.ravel(),
            "p_opp_week": out.observed.oracle.astype(np.float32).ravel(),
            "p_opp_week_free": np.where(fit.is_customer[:, None], 0.0, np.where(lifted, out.haz_lifted, out.haz_base))
            .astype(np.float32)
            .ravel(),
        }
    )


def world_meta(demo: DemoParams, cal: Calendar, fit: Fit, targets: Targets, sizes: dict[str, int]) -> dict[str, Any]:
    """``truth.json``: the true fit function, the lift, dates, sizes and seed."""
    return {
        "truth_version": TRUTH_VERSION,
        "seed": demo.seed,
        "as_of": str(cal.as_of.date()),
        "start": str(cal.start.date()),
        "program_start": str(cal.program_start.date()),
        "program_id": PROGRAM_ID,
        "fit_coefficients": FIT_COEFS,
        "fit_intercept": fit.intercept,
        "fit_drivers": fit.drivers,
        "fit_importance": fit.importance,
        "lift": demo.lift.model_dump(),
        "sizes": {**sizes, "weeks": cal.n_weeks, "targets": int(targets.n)},
        "notes": NOTES,
    }
