"""Opportunities: both potential outcomes (the programme as run, and no programme) from common random numbers.

Each week an account without an open opportunity creates one with a hazard that rises with intent and fit
(customers: none, new business only), moves with a common trend and the season (``demo.scenario``), and
is multiplied on the programme's targets while they are in it (tier, anticipation, spillover: see
:class:`~abm_lab.synth.programs.Schedule`); deals created while treated win more often and are larger. Both
arms use the same uniforms, cycle lengths, deal-size noise and creation days, so the true effect is known
exactly. The simulation starts ``scenario.burn_in_weeks`` before the observed window; deals still open when
the window starts are carried into the tables, earlier ones are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.core import LiftTruth, ScenarioParams
from .common import Calendar, ids, pick, sigmoid
from .programs import Schedule, hazard_lift

#: weekly hazard of an opportunity: sigmoid(H0 + H_INTENT * intent + H_FIT * fit_std + trend + season), capped
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
WEEKS_PER_YEAR = 52.0


@dataclass
class Arm:
    """One potential outcome, accounts x simulated weeks: opportunity created, oracle hazard, won, amount."""

    created: np.ndarray
    oracle: np.ndarray  # the hazard faced that week (0 while an opportunity is open or for customers)
    won: np.ndarray
    amount: np.ndarray


@dataclass
class Outcomes:
    """Both arms (``observed`` = the programme as run, ``untreated`` = no programme) and the shared draws."""

    untreated: Arm
    observed: Arm
    haz_base: np.ndarray  # hazard without the programme (before customers are zeroed)
    haz_obs: np.ndarray  # hazard with the programme as run (capped)
    cycle_days: np.ndarray  # simulated weeks x accounts (the loop's layout)
    day: np.ndarray  # day of the week an opportunity created that week is dated (0..6)


def hazard_offset(cal: Calendar, scenario: ScenarioParams) -> np.ndarray:
    """Logit offset of the untreated hazard per simulated week: trend (centred on the observed window) + season."""
    t = np.arange(cal.n_sim) - (cal.n_burn + (cal.n_weeks - 1) / 2)
    season = np.asarray(scenario.seasonality, float)
    season = season - season.mean()
    return scenario.trend_per_year * t / WEEKS_PER_YEAR + season[cal.sim_weeks.quarter.to_numpy() - 1]


def _run_arm(haz_t: np.ndarray, u_create_t: np.ndarray, cycle_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Week by week (arrays in weeks x accounts layout): created flags and the oracle hazard."""
    n_sim, n = haz_t.shape
    busy_until = np.full(n, -1.0)
    created = np.zeros((n_sim, n), bool)
    oracle = np.zeros((n_sim, n), np.float32)
    for t in range(n_sim):
        free = busy_until < t
        h = haz_t[t]
        oracle[t] = np.where(free, h, 0.0)
        c = free & (u_create_t[t] < h)
        created[t] = c
        busy_until[c] = t + cycle_t[t, c] / 7.0 + BUSY_WEEKS_AFTER_CLOSE
    return created.T, oracle.T


def simulate_outcomes(
    rng: np.random.Generator,
    employees: np.ndarray,
    fit_std: np.ndarray,
    intent: np.ndarray,
    is_customer: np.ndarray,
    sched: Schedule,
    cal: Calendar,
    lift: LiftTruth,
    scenario: ScenarioParams,
) -> Outcomes:
    """Simulate both arms over the simulated weeks with common random numbers."""
    n, n_sim = intent.shape
    # sales qualify good-fit accounts: fit raises the opportunity hazard directly, beyond intent
    offset = hazard_offset(cal, scenario)
    haz_base = sigmoid(H0 + H_INTENT * intent + H_FIT * fit_std[:, None] + offset[None, :])
    u_create_t = rng.random((n_sim, n))
    cycle_t = rng.gamma(*CYCLE_GAMMA, (n_sim, n))
    u_win = rng.random((n, n_sim))
    amt_noise = rng.normal(0, DEAL_SIZE_NOISE_SD, (n, n_sim))
    day = rng.integers(0, 7, (n, n_sim), dtype=np.int8)
    win_base = sigmoid(WIN_LOGIT[0] + WIN_LOGIT[1] * fit_std[:, None] + WIN_LOGIT[2] * intent)
    size_at_employees = np.exp(np.log(DEAL_SIZE_AT_500) + DEAL_SIZE_ELASTICITY * np.log(employees / 500.0))
    size_base = size_at_employees[:, None] * np.exp(amt_noise)
    has_effect = sched.has_effect
    haz_obs = np.where(has_effect, np.minimum(haz_base * hazard_lift(lift, sched.effect), HAZARD_CAP), haz_base)
    cust = np.asarray(is_customer, bool)[:, None]
    arms = []
    for haz, treat in ((haz_base, None), (haz_obs, sched.treated)):
        created, oracle = _run_arm(np.where(cust, 0.0, haz).T.copy(), u_create_t, cycle_t)
        p_win = np.clip(win_base if treat is None else win_base + np.where(treat, lift.win_rate, 0.0), *WIN_CLIP)
        amount = size_base if treat is None else size_base * np.where(treat, 1 + lift.deal_size, 1.0)
        arms.append(Arm(created=created, oracle=oracle, won=u_win < p_win, amount=np.round(amount, -1)))
    untreated, observed = arms
    return Outcomes(
        untreated=untreated,
        observed=observed,
        haz_base=haz_base,
        haz_obs=haz_obs,
        cycle_days=cycle_t,
        day=day,
    )


@dataclass
class Deals:
    """The deals of one arm in the tables: account row and simulated week of creation, dates, outcome, amount.

    Row order is by account, then week; ``cell`` numbers the (account, week) of each deal (the same cell in
    both arms is the same deal under the other potential outcome).
    """

    account: np.ndarray
    week: np.ndarray
    cell: np.ndarray
    created_date: pd.DatetimeIndex
    close_date: pd.DatetimeIndex  # eventual close (may be after as_of)
    won: np.ndarray
    amount: np.ndarray

    def __len__(self) -> int:
        return len(self.account)


def arm_deals(arm: Arm, out: Outcomes, cal: Calendar) -> Deals:
    """The deals an arm creates that the tables hold: created in the observed window, or open when it starts."""
    ai, wi = np.nonzero(arm.created)
    created = cal.sim_weeks[wi] + pd.to_timedelta(out.day[ai, wi].astype(np.int64), unit="D")
    cycle = np.round(out.cycle_days[wi, ai]).astype(np.int64) + CLOSE_LAG_DAYS
    close = created + pd.to_timedelta(cycle, unit="D")
    keep = (wi >= cal.n_burn) | np.asarray(close >= cal.start)
    ai, wi = ai[keep], wi[keep]
    return Deals(
        account=ai,
        week=wi,
        cell=ai.astype(np.int64) * cal.n_sim + wi,
        created_date=created[keep],
        close_date=close[keep],
        won=arm.won[ai, wi],
        amount=arm.amount[ai, wi],
    )


def open_stage(created_date: pd.Series, close_date: pd.Series, as_of: pd.Timestamp) -> np.ndarray:
    """Index into ``OPEN_STAGES`` of a deal open at ``as_of``: how far it is through its (eventual) cycle."""
    created = pd.DatetimeIndex(created_date)
    close = pd.DatetimeIndex(close_date)
    elapsed = (as_of - created).days.to_numpy() / np.maximum((close - created).days.to_numpy(), 1)
    return np.clip((elapsed * len(OPEN_STAGES)).astype(int), 0, len(OPEN_STAGES) - 1)


def observed_stage(
    created_date: pd.Series, close_date: pd.Series, won: np.ndarray, as_of: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage at ``as_of`` (an open stage, ``closed_won`` or ``closed_lost``), whether open, and the open stage index."""
    is_open = np.asarray(pd.DatetimeIndex(close_date) > as_of)
    open_idx = open_stage(created_date, close_date, as_of)
    stage = np.where(is_open, np.array(OPEN_STAGES, dtype=object)[open_idx], np.where(won, "closed_won", "closed_lost"))
    return stage.astype(object), is_open, open_idx


def opportunity_tables(
    rng: np.random.Generator, acc: pd.DataFrame, deals: Deals, cal: Calendar
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The observed ``opportunities`` (ids ``O000001``... in the deals' order) and their ``stage_history``."""
    as_of = cal.as_of
    n_opp = len(deals)
    created_date, close_date, won = deals.created_date, deals.close_date, deals.won
    stage, is_open, open_idx = observed_stage(created_date, close_date, won, as_of)
    opp = pd.DataFrame(
        {
            "opportunity_id": ids("O", n_opp, 6),
            "account_id": acc["account_id"].to_numpy()[deals.account],
            "created_date": created_date,
            "stage": stage,
            "close_date": pd.Series(close_date).where(~is_open).to_numpy(),
            "amount": deals.amount,
            "product": pick(rng, list(PRODUCTS), list(PRODUCTS.values()), n_opp),
            "owner": acc["owner"].to_numpy()[deals.account],
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
