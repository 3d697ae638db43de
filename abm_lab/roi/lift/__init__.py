"""Incremental lift of the ABM program on its target accounts (ATT), with honest 95% intervals.

* :mod:`.data` – :func:`prepare`: eligible accounts, the account × period panel and deals (:class:`LiftData`);
* :mod:`.estimators` – :func:`estimate_lift` runs ``naive`` (biased, labelled so), ``ra_ipw`` (regression
  adjustment + propensity weights) and ``did`` (:mod:`.did`, difference-in-differences);
* :mod:`.inference` – clustered / HC3 covariances and relative-effect intervals (:class:`Estimate`);
* :mod:`.results` – :class:`LiftResult` and the outcome / method names.

ROI follows from the effect on won revenue: :mod:`abm_lab.roi.economics`.
"""

from __future__ import annotations

from .data import LiftData, prepare
from .estimators import estimate_lift, propensity
from .inference import Estimate
from .results import METHODS, OUTCOMES, LiftResult

__all__ = ["METHODS", "OUTCOMES", "Estimate", "LiftData", "LiftResult", "estimate_lift", "prepare", "propensity"]
