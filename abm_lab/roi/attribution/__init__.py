"""Account-based multi-touch attribution: rule-based, Markov chain and Shapley models.

Everything works on *path data* (:mod:`.paths`): one row per journey (a path of channels, or programs,
ordered in time) with its number of conversions, of non-converting journeys ("nulls") and the conversion
value. Models (:func:`attribute` runs them all and returns an :class:`AttributionResult`):

* rule-based (:mod:`.rules`): first touch, last touch, linear, U-shaped, W-shaped, full path (Marketo
  Measure default weights, in params; a touch is credited once however many milestones it holds, milestones
  found over the whole journey by :mod:`.milestones`), time decay (half-life in params);
* Markov chain removal effect (:mod:`.markov`), order 1 or higher, computed *analytically* on the
  absorbing chain (no simulation, so results are exact and repeatable);
* Shapley values over channels (:mod:`.shapley`), exact (all coalitions) for up to ``shapley_max_channels``:
  the count game of Zhao et al. (2018) or the conversion-rate game by channel coalition, in which
  non-converting journeys count and rare coalitions are credibility-weighted.

Every model's credits sum to the total conversions and the total value (checked).
"""

from __future__ import annotations

from .markov import MarkovResult, markov_model
from .milestones import milestone_orders
from .paths import CONV, NO_PROGRAM, NULL, START, PathData, account_paths, paths_from_frame
from .results import MILESTONE_LABELS, MODEL_LABELS, AttributionResult, attribute
from .rules import RULE_MODELS, rule_based, rule_weights
from .shapley import coalition_rates, shapley_values

__all__ = [
    "CONV",
    "MILESTONE_LABELS",
    "MODEL_LABELS",
    "NO_PROGRAM",
    "NULL",
    "RULE_MODELS",
    "START",
    "AttributionResult",
    "MarkovResult",
    "PathData",
    "account_paths",
    "attribute",
    "coalition_rates",
    "markov_model",
    "milestone_orders",
    "paths_from_frame",
    "rule_based",
    "rule_weights",
    "shapley_values",
]
