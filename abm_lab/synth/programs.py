"""The ABM program: which accounts it targets (fit, recent intent, judgement), when each starts and leaves, the costs.

Targets are chosen the way sales teams choose them: on fit plus judgement noise and, when
``scenario.selection_intent_weight`` > 0, on the account's recent intent (the last quarters before its cohort
starts), so the targets' intent and opportunity rate rise before the programme and regress after it. With
``scenario.stagger_quarters`` > 1 the targets start in quarterly cohorts, each chosen at its start from the
accounts not yet chosen; ``scenario.exit_share`` of them leave at the end of a later programme quarter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.core import LiftTruth, ScenarioParams
from .common import QUARTER_DAYS, WEEKS_PER_QUARTER, Calendar

PROGRAM_ID = "ABM-2026"
JUDGEMENT_SD = 0.7  # targets are the best accounts by fit logit (+ recent intent) plus this much judgement noise
STRATEGIC_SHARE = 0.05  # of the targets, the best by judged fit (at least one)
ABM_LITE_SHARE = 0.30  # the next ones; the rest are programmatic
TIERS = ("strategic", "abm_lite", "programmatic")
#: program cost per quarter by channel, as a share of cost_per_target_account x number of active targets
COST_CHANNELS = {"paid_social": 0.3, "display": 0.15, "email": 0.05, "event": 0.2, "direct_mail": 0.1, "sales": 0.2}


@dataclass
class Targets:
    """The program's target accounts (row indices sorted by judged score, best first), tiers and cohorts."""

    chosen: np.ndarray
    is_target: np.ndarray
    tier: np.ndarray  # None for accounts that are not targets
    cohort: np.ndarray  # start cohort 0, 1, ... of each target; -1 for accounts that are not targets
    score: np.ndarray  # judged score when chosen (fit logit + noise + intent weight x recent intent); NaN if not
    arm: np.ndarray | None = None  # "treatment" / "control" per account (None for non-targets) when randomised

    @property
    def n(self) -> int:
        return len(self.chosen)

    @property
    def in_programme(self) -> np.ndarray:
        """Targets that get the programme: all of them, or the treatment arm of a randomised holdout."""
        return self.is_target if self.arm is None else self.is_target & (self.arm == "treatment")


def randomise_holdout(
    rng: np.random.Generator,
    targets: Targets,
    account_ids: np.ndarray,
    share: float | None,
    exclude_tiers: list[str] | tuple[str, ...] = (),
) -> None:
    """With ``share`` set, hold out that share of the targets as a control group, stratified by tier × start
    cohort (:func:`abm_lab.experiment.assign.assign_arms`), never in ``exclude_tiers``; draws nothing when
    ``share`` is None."""
    if share is None:
        return
    from ..experiment.assign import assign_arms

    c = np.flatnonzero(targets.is_target)
    strata = pd.Series(targets.tier[c]).astype(str) + "|" + pd.Series(targets.cohort[c]).astype(str)
    arm = np.full(len(targets.is_target), None, dtype=object)
    randomised = ~pd.Series(targets.tier[c]).isin(list(exclude_tiers)).to_numpy(bool)
    arm[c] = assign_arms(account_ids[c], strata.to_numpy(), share, rng, randomised)
    targets.arm = arm


@dataclass
class Schedule:
    """When each account is in the programme (simulated weeks ``start_week <= t < end_week``) and the effect size.

    ``treated`` (accounts x simulated weeks) marks the weeks in the programme; ``effect`` is the multiple of
    ``lift.opp_rate`` acting on the opportunity hazard that week (tier multiplier while treated, a share of it
    in the anticipation weeks, the spillover on non-targets; 0 elsewhere).
    """

    start_week: np.ndarray  # n_sim for accounts never treated
    end_week: np.ndarray  # n_sim for accounts that do not leave
    start_date: pd.DatetimeIndex  # NaT for accounts that are not targets
    end_date: pd.DatetimeIndex  # NaT unless the account leaves before as_of
    cohort_dates: list[pd.Timestamp]
    tier_effect: np.ndarray  # the account's multiplier of the opp-rate lift (0 for non-targets)
    treated: np.ndarray
    effect: np.ndarray

    @property
    def has_effect(self) -> np.ndarray:
        return self.effect != 0


def cohort_dates(cal: Calendar, scenario: ScenarioParams) -> list[pd.Timestamp]:
    """Start date of each cohort: the program start and every 91 days after it."""
    return [cal.program_start + pd.Timedelta(days=QUARTER_DAYS * c) for c in range(scenario.stagger_quarters)]


def recent_intent(intent: np.ndarray, cal: Calendar, scenario: ScenarioParams) -> np.ndarray:
    """Per cohort (rows) and account: mean intent over the ``selection_window_quarters`` before the cohort starts,
    standardised across accounts (what the sales team sees of an account's recent interest)."""
    starts = cal.week_index(cohort_dates(cal, scenario))
    window = scenario.selection_window_quarters * WEEKS_PER_QUARTER
    out = np.empty((len(starts), intent.shape[0]))
    for c, s in enumerate(starts):
        m = intent[:, max(0, s - window) : max(1, s)].mean(axis=1, dtype=np.float64)
        out[c] = (m - m.mean()) / (m.std() or 1.0)
    return out


def choose_targets(
    rng: np.random.Generator,
    fit_logit: np.ndarray,
    is_customer: np.ndarray,
    target_share: float,
    recent: np.ndarray | None = None,
    intent_weight: float = 0.0,
) -> Targets:
    """The top ``target_share`` of non-customers by judged score, in cohorts, tiered strategic/abm_lite/programmatic.

    Judged score = fit logit + judgement noise (+ ``intent_weight`` x the cohort's row of ``recent``). With
    ``recent`` of k rows the targets come in k cohorts of (nearly) equal size, cohort c chosen on row c from
    the accounts not chosen before. Tiers by judged score over all targets.
    """
    n = len(fit_logit)
    judged = fit_logit + rng.normal(0, JUDGEMENT_SD, n)
    remaining = ~np.asarray(is_customer, bool)
    n_target = max(1, int(round(target_share * remaining.sum())))
    rows = np.zeros((1, n)) if recent is None else recent
    sizes = np.full(len(rows), n_target // len(rows))
    sizes[: n_target % len(rows)] += 1
    cohort = np.full(n, -1)
    score = np.full(n, np.nan)
    for c, size in enumerate(sizes):
        sc = judged + intent_weight * rows[c]
        cand = np.flatnonzero(remaining)
        picked = cand[np.argsort(-sc[cand], kind="stable")[:size]]
        cohort[picked], score[picked] = c, sc[picked]
        remaining[picked] = False
    members = np.flatnonzero(cohort >= 0)
    chosen = members[np.argsort(-score[members], kind="stable")]
    is_target = cohort >= 0
    tier = np.full(n, None, dtype=object)
    n_strat = max(1, int(round(STRATEGIC_SHARE * len(chosen))))
    n_lite = int(round(ABM_LITE_SHARE * len(chosen)))
    tier[chosen[:n_strat]] = "strategic"
    tier[chosen[n_strat : n_strat + n_lite]] = "abm_lite"
    tier[chosen[n_strat + n_lite :]] = "programmatic"
    return Targets(chosen=chosen, is_target=is_target, tier=tier, cohort=cohort, score=score)


def schedule(
    rng: np.random.Generator, targets: Targets, is_customer: np.ndarray, cal: Calendar, scenario: ScenarioParams
) -> Schedule:
    """Each target's start (its cohort's date), exit (``exit_share`` leave at a later programme quarter's end)
    and the weekly effect multiplier (tier, anticipation, spillover)."""
    n, n_sim = len(targets.is_target), cal.n_sim
    u_exit, u_when = rng.random(n), rng.random(n)  # drawn whatever the switches: the same world otherwise
    tg = targets.in_programme  # a held-out control target is never treated (its start date is its cohort's)
    dates = cohort_dates(cal, scenario)
    start_week = np.full(n, n_sim)
    start_week[tg] = cal.week_index(dates)[targets.cohort[tg]]
    n_q = np.maximum((n_sim - 1 - start_week) // WEEKS_PER_QUARTER, 0)  # quarters that can end before as_of
    leaves = tg & (n_q >= 1) & (u_exit < scenario.exit_share)
    end_week = np.full(n, n_sim)
    end_week[leaves] = (start_week + WEEKS_PER_QUARTER * (1 + np.floor(u_when * n_q)).astype(int))[leaves]
    start_date = np.full(n, np.datetime64("NaT"), "datetime64[ns]")
    every = targets.is_target
    start_date[every] = np.array([d.to_datetime64() for d in dates], "datetime64[ns]")[targets.cohort[every]]
    end_date = np.full(n, np.datetime64("NaT"), "datetime64[ns]")
    end_date[leaves] = (cal.sim_weeks[end_week[leaves]] - pd.Timedelta(days=1)).values

    t = np.arange(n_sim)
    treated = (t[None, :] >= start_week[:, None]) & (t[None, :] < end_week[:, None])
    mult = pd.Series(targets.tier).where(tg).map(scenario.tier_effect).fillna(0.0).to_numpy(float)
    effect = treated * mult[:, None].astype(np.float32)
    if scenario.anticipation_weeks > 0:
        early = (t[None, :] >= start_week[:, None] - scenario.anticipation_weeks) & (t[None, :] < start_week[:, None])
        effect += early * np.float32(scenario.anticipation_share) * mult[:, None].astype(np.float32)
    if scenario.spillover_share > 0:
        reach = treated[tg].mean(axis=0) if tg.any() else np.zeros(n_sim)
        bystander = ~tg & ~np.asarray(is_customer, bool)
        effect[bystander] = (scenario.spillover_share * reach).astype(np.float32)
    return Schedule(
        start_week=start_week,
        end_week=end_week,
        start_date=pd.DatetimeIndex(start_date),
        end_date=pd.DatetimeIndex(end_date),
        cohort_dates=dates,
        tier_effect=mult,
        treated=treated,
        effect=effect.astype(np.float32),
    )


def hazard_lift(lift: LiftTruth, effect: np.ndarray) -> np.ndarray:
    """Multiplier of the opportunity hazard: 1 + opp-rate lift x effect (never below 0)."""
    return np.maximum(1.0 + lift.opp_rate * effect, 0.0)


def program_tables(
    account_ids: np.ndarray, targets: Targets, sched: Schedule, cal: Calendar, cost_per_target_account: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``programs`` table (one row per target, its own start and end; ``arm`` when randomised) and ``costs``
    per quarter and channel (held-out control targets cost nothing).

    A quarter's cost is ``cost_per_target_account`` x the target-quarters active in it (weeks in the
    programme / 13, so staggered starts and exits pay for the weeks they are in) x the channel's share.
    """
    c = targets.chosen
    programs = pd.DataFrame(
        {
            "program_id": PROGRAM_ID,
            "account_id": account_ids[c],
            "tier": targets.tier[c],
            "start_date": sched.start_date[c],
            "end_date": sched.end_date[c],
        }
    )
    if targets.arm is not None:
        programs["arm"] = targets.arm[c]
    active_weeks = sched.treated[c].sum(axis=0)  # targets in the programme, per simulated week
    cost_rows = []
    for q in pd.period_range(cal.program_start, cal.as_of, freq="Q"):
        qs = max(q.start_time.normalize(), cal.program_start)
        qe = min(q.end_time.normalize(), cal.as_of)
        in_q = (cal.sim_weeks >= qs) & (cal.sim_weeks <= qe)
        target_quarters = active_weeks[in_q].sum() / WEEKS_PER_QUARTER
        for ch, share in COST_CHANNELS.items():
            cost_rows.append(
                {
                    "program_id": PROGRAM_ID,
                    "channel": ch,
                    "period_start": qs,
                    "period_end": qe,
                    "amount": round(cost_per_target_account * target_quarters * share, 2),
                }
            )
    return programs, pd.DataFrame(cost_rows)
