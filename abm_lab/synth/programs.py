"""The ABM program: which accounts it targets (confounded by fit), in which tier, and what it costs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .common import Calendar

PROGRAM_ID = "ABM-2026"
JUDGEMENT_SD = 0.7  # targets are the best accounts by fit logit plus this much judgement noise
STRATEGIC_SHARE = 0.05  # of the targets, the best by judged fit (at least one)
ABM_LITE_SHARE = 0.30  # the next ones; the rest are programmatic
#: program cost per quarter by channel, as a share of cost_per_target_account x number of targets
COST_CHANNELS = {"paid_social": 0.3, "display": 0.15, "email": 0.05, "event": 0.2, "direct_mail": 0.1, "sales": 0.2}


@dataclass
class Targets:
    """The program's target accounts (row indices sorted by judged fit, best first) and their tiers."""

    chosen: np.ndarray
    is_target: np.ndarray
    tier: np.ndarray  # None for accounts that are not targets

    @property
    def n(self) -> int:
        return len(self.chosen)


def choose_targets(
    rng: np.random.Generator, fit_logit: np.ndarray, is_customer: np.ndarray, target_share: float
) -> Targets:
    """The top ``target_share`` of non-customers by fit plus judgement noise, tiered strategic/abm_lite/programmatic."""
    n = len(fit_logit)
    judged = fit_logit + rng.normal(0, JUDGEMENT_SD, n)
    cand = np.flatnonzero(~is_customer)
    n_target = max(1, int(round(target_share * len(cand))))
    chosen = cand[np.argsort(-judged[cand], kind="stable")[:n_target]]
    is_target = np.zeros(n, bool)
    is_target[chosen] = True
    tier = np.full(n, None, dtype=object)
    n_strat = max(1, int(round(STRATEGIC_SHARE * n_target)))
    n_lite = int(round(ABM_LITE_SHARE * n_target))
    tier[chosen[:n_strat]] = "strategic"
    tier[chosen[n_strat : n_strat + n_lite]] = "abm_lite"
    tier[chosen[n_strat + n_lite :]] = "programmatic"
    return Targets(chosen=chosen, is_target=is_target, tier=tier)


def program_tables(
    account_ids: np.ndarray, targets: Targets, cal: Calendar, cost_per_target_account: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``programs`` table (one row per target) and ``costs`` (per quarter and channel since the start)."""
    programs = pd.DataFrame(
        {
            "program_id": PROGRAM_ID,
            "account_id": account_ids[targets.chosen],
            "tier": targets.tier[targets.chosen],
            "start_date": cal.program_start,
            "end_date": pd.NaT,
        }
    )
    cost_rows = []
    for qs in pd.date_range(cal.program_start, cal.as_of, freq="QS"):
        qe = min(qs + pd.offsets.QuarterEnd(0), cal.as_of)
        for ch, share in COST_CHANNELS.items():
            cost_rows.append(
                {
                    "program_id": PROGRAM_ID,
                    "channel": ch,
                    "period_start": qs,
                    "period_end": qe,
                    "amount": round(cost_per_target_account * targets.n * share, 2),
                }
            )
    return programs, pd.DataFrame(cost_rows)
