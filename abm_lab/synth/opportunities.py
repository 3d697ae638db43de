"""Opportunities: both potential outcomes (with and without the program) from common random numbers.

Each week an account without an open opportunity creates one with a hazard that rises with intent and fit
(customers: none, new business only). The program multiplies the hazard on its targets after it starts and
raises win probability and deal size. Both arms use the same uniforms, cycle lengths and deal-size noise,
so the true effect on the targets is known exactly; what is observed is the treated arm for targets and the
untreated arm for everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.core import LiftTruth
from .common import Calendar, ids, pick, sigmoid

#: weekly hazard of an opportunity: sigmoid(H0 + H_INTENT * intent + H_FIT * fit_std), capped when lifted
H0, H_INTENT, H_FIT = -6.5, 1.4, 0.9
HAZARD_CAP = 0.95
CYCLE_GAMMA = (3.0, 26.0)  # sales cycle in days ~ Gamma(shape, scale)
BUSY_WEEKS_AFTER_CLOSE = 2  # no new opportunity until this many weeks after the cycle ends
CLOSE_LAG_DAYS = 7  # close date = created date + cycle + this
WIN_LOGIT = (-0.5, 0.5, 0.25)  # P(win) = sigmoid(a + b * fit_std + c * intent) (+ the program's lift)
WIN_CLIP = (0.01, 0.99)
#: deal size = DEAL_SIZE_AT_500 x (employees / 500) ^ DEAL_SIZE_ELASTICITY x log-normal noise, rounded to 10
DEAL_SIZE_AT_500 = 24_000
DEAL_SIZE_ELASTICITY = 0.35
DEAL_SIZE_NOISE_SD = 0.5
OPEN_STAGES = ["prospecting", "discovery", "solution", "proposal", "negotiation"]
PRODUCTS = {"Platform": 0.6, "Analytics Add-on": 0.25, "Enterprise Suite": 0.15}


@dataclass
class Arm:
    """One potential outcome, accounts x weeks: opportunity created, oracle hazard, won if created, amount."""

    created: np.ndarray
    oracle: np.ndarray  # the hazard faced that week (0 while an opportunity is open or for customers)
    won: np.ndarray
    amount: np.ndarray


@dataclass
class Outcomes:
    """Both arms, the observed one, and what the truth tables need."""

    untreated: Arm
    treated: Arm
    observed: Arm
    haz_base: np.ndarray  # hazard without the program (before customers are zeroed)
    haz_lifted: np.ndarray  # hazard with the program (capped), for every account and week
    cycle_days: np.ndarray


def simulate_outcomes(
    rng: np.random.Generator,
    employees: np.ndarray,
    fit_std: np.ndarray,
    intent: np.ndarray,
    is_target: np.ndarray,
    is_customer: np.ndarray,
    cal: Calendar,
    lift: LiftTruth,
) -> Outcomes:
    """Simulate both arms with common random numbers; the observed arm is the treated one for the targets."""
    n, n_weeks = intent.shape
    # sales qualify good-fit accounts: fit raises the opportunity hazard directly, beyond intent
    haz_base = sigmoid(H0 + H_INTENT * intent + H_FIT * fit_std[:, None])
    u_create = rng.random((n, n_weeks))
    cycle_days = rng.gamma(*CYCLE_GAMMA, (n, n_weeks))
    u_win = rng.random((n, n_weeks))
    amt_noise = rng.normal(0, DEAL_SIZE_NOISE_SD, (n, n_weeks))
    win_base = sigmoid(WIN_LOGIT[0] + WIN_LOGIT[1] * fit_std[:, None] + WIN_LOGIT[2] * intent)
    size_at_employees = np.exp(np.log(DEAL_SIZE_AT_500) + DEAL_SIZE_ELASTICITY * np.log(employees / 500.0))
    size_base = size_at_employees[:, None] * np.exp(amt_noise)
    haz_lifted = np.minimum(haz_base * (1 + lift.opp_rate), HAZARD_CAP)
    arms = []
    for arm in (0, 1):
        treat = (is_target[:, None] & cal.post[None, :]) if arm == 1 else np.zeros((n, n_weeks), bool)
        haz = np.where(treat, haz_lifted, haz_base)
        haz = np.where(is_customer[:, None], 0.0, haz)
        busy_until = np.full(n, -1.0)
        created = np.zeros((n, n_weeks), bool)
        oracle = np.zeros((n, n_weeks), np.float32)
        for t in range(n_weeks):
            free = busy_until < t
            oracle[:, t] = np.where(free, haz[:, t], 0.0)
            c = free & (u_create[:, t] < haz[:, t])
            created[:, t] = c
            busy_until[c] = t + cycle_days[c, t] / 7.0 + BUSY_WEEKS_AFTER_CLOSE
        p_win = np.clip(win_base + np.where(treat, lift.win_rate, 0.0), *WIN_CLIP)
        amount = size_base * np.where(treat, 1 + lift.deal_size, 1.0)
        arms.append(Arm(created=created, oracle=oracle, won=u_win < p_win, amount=np.round(amount, -1)))
    untreated, treated = arms
    tg = is_target[:, None]
    observed = Arm(
        **{k: np.where(tg, getattr(treated, k), getattr(untreated, k)) for k in ("created", "oracle", "won", "amount")}
    )
    return Outcomes(
        untreated=untreated,
        treated=treated,
        observed=observed,
        haz_base=haz_base,
        haz_lifted=haz_lifted,
        cycle_days=cycle_days,
    )


def opportunity_tables(
    rng: np.random.Generator, acc: pd.DataFrame, out: Outcomes, cal: Calendar
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The observed ``opportunities`` and their ``stage_history`` as of ``cal.as_of``."""
    as_of = cal.as_of
    ai, wi = np.nonzero(out.observed.created)
    n_opp = len(ai)
    created_date = cal.weeks[wi] + pd.to_timedelta(rng.integers(0, 7, n_opp), unit="D")
    close_date = created_date + pd.to_timedelta(np.round(out.cycle_days[ai, wi]).astype(int) + CLOSE_LAG_DAYS, unit="D")
    is_open = close_date > as_of
    won = out.observed.won[ai, wi]
    stage = np.where(is_open, "", np.where(won, "closed_won", "closed_lost")).astype(object)
    elapsed = (as_of - created_date).days.to_numpy() / np.maximum((close_date - created_date).days.to_numpy(), 1)
    open_idx = np.clip((elapsed * len(OPEN_STAGES)).astype(int), 0, len(OPEN_STAGES) - 1)
    stage = np.where(is_open, np.array(OPEN_STAGES, dtype=object)[open_idx], stage)
    opp = pd.DataFrame(
        {
            "opportunity_id": ids("O", n_opp, 6),
            "account_id": acc["account_id"].to_numpy()[ai],
            "created_date": created_date,
            "stage": stage,
            "close_date": pd.Series(close_date).where(~is_open).to_numpy(),
            "amount": out.observed.amount[ai, wi],
            "product": pick(rng, list(PRODUCTS), list(PRODUCTS.values()), n_opp),
            "owner": acc["owner"].to_numpy()[ai],
        }
    )
    # closed-lost deals reached 1-4 open stages first; won deals all five; open ones up to the current stage
    n_reached = np.where(is_open, open_idx + 1, np.where(won, 6, rng.integers(1, 5, n_opp) + 1))
    history = stage_history(opp["opportunity_id"].to_numpy(), n_reached, is_open, created_date, close_date, as_of)
    return opp, history


def stage_history(
    opportunity_id: np.ndarray,
    n_reached: np.ndarray,
    is_open: np.ndarray,
    created_date: pd.DatetimeIndex,
    close_date: pd.DatetimeIndex,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """Evenly spaced stage entries up to the stage reached (``n_reached`` entries, the last a closed one if closed)."""
    end_or_asof = pd.DatetimeIndex(np.where(is_open, as_of.to_datetime64(), close_date.values))
    span = np.maximum((end_or_asof - created_date).days.to_numpy(), 1)
    n_open = len(OPEN_STAGES)
    hist = []
    for k in range(n_open + 1):
        m = n_reached > k
        if not m.any():
            continue
        if k < n_open:
            st = np.full(int(m.sum()), OPEN_STAGES[k], dtype=object)
            is_last_closed = (~is_open[m]) & (n_reached[m] == k + 1)
            st = np.where(is_last_closed, "closed_lost", st)
            when = created_date[m] + pd.to_timedelta((span[m] * k / n_open).astype(int), unit="D")
            when = pd.DatetimeIndex(np.where(is_last_closed, close_date.values[m], when.values))
        else:
            st = np.full(int(m.sum()), "closed_won", dtype=object)
            when = close_date[m]
        hist.append(pd.DataFrame({"opportunity_id": opportunity_id[m], "stage": st, "entered_date": when}))
    out = pd.concat(hist, ignore_index=True).sort_values(["opportunity_id", "entered_date"], kind="stable")
    return out.reset_index(drop=True)
