"""Incremental lift of the ABM programme on its target accounts (ATT), with honest 95% intervals, and ROI.

The one code path is :func:`run_lift` (:mod:`.report`) → :class:`LiftReport`:

* :mod:`.estimands` (with :mod:`.sample`) – what is estimated: the period grid, treated cells from each
  account's own start / end, controls from pre-programme status only, every outcome, and :func:`true_att`;
* :mod:`.imputation` – headline: imputation difference-in-differences (staggered adoption, heterogeneous
  effects), event study, pre-trend test, placebo starts;
* :mod:`.poisson` – multiplicative (Poisson) imputation for counts and revenue;
* :mod:`.deals` – deal-level imputation DiD for win rate and deal size;
* :mod:`.weighting` – ``ra_ipw`` (regression adjustment + propensity weights) with balance and overlap;
* :mod:`.analysis` – effect rows and diagnostics (plain-words verdicts).

ROI (realised and projected): :mod:`abm_lab.roi.economics`. The previous single-start API
(:func:`estimate_lift` / :class:`LiftResult` in :mod:`.data`, :mod:`.estimators`, :mod:`.did`,
:mod:`.inference`, :mod:`.results`) remains until notebook 05 moves to :func:`run_lift`.
"""

from __future__ import annotations

from . import estimands
from .analysis import HEADLINE
from .analysis import METHODS as LIFT_METHODS
from .data import LiftData, prepare
from .estimands import PeriodGrid, account_period_outcomes, control_status, deal_outcomes, treatment_cells, true_att
from .estimators import estimate_lift, propensity
from .inference import Estimate
from .report import OUTCOME_NAMES, LiftReport, run_lift
from .results import METHODS, OUTCOMES, LiftResult

__all__ = [
    "HEADLINE",
    "LIFT_METHODS",
    "METHODS",
    "OUTCOMES",
    "OUTCOME_NAMES",
    "Estimate",
    "LiftData",
    "LiftReport",
    "LiftResult",
    "PeriodGrid",
    "account_period_outcomes",
    "control_status",
    "deal_outcomes",
    "estimands",
    "estimate_lift",
    "prepare",
    "propensity",
    "run_lift",
    "treatment_cells",
    "true_att",
]
