"""Randomised holdout experiments: design next quarter's target list with a control group, then measure.

* :mod:`.assign` — stratified random assignment (±1 account per stratum), deterministic by seed;
* :mod:`.power` — the power analysis from the team's own history (MDE by share and length);
* :mod:`.design` / :mod:`.prereg` / :mod:`.plots` / :mod:`.cli` — ``abm-lab design-holdout`` and its files;
* :mod:`.estimators` — difference in means, regression adjustment (CUPED / Lin), Poisson rate ratio;
* :mod:`.analysis` — the experiment's sample and effect rows; :mod:`.checks` — sample-ratio mismatch, balance,
  contamination; :mod:`.measure` — the experiment inside :func:`abm_lab.roi.lift.run_lift` (the headline).
"""

from . import views

__all__ = ["views"]
