"""Predictive account engagement: panel, three scorers, score 1-5, SHAP reasons, explorer.

The question answered: *which accounts (not yet customers, no open deal) will open an opportunity in the
next H days?* One module per step:

* :mod:`~abm_lab.engagement.inputs` - the upstream artefacts (notebooks 02, 03) and the snapshot dates.
* :mod:`~abm_lab.engagement.panel` (+ :mod:`~abm_lab.engagement.sql`) - the account x snapshot panel in
  DuckDB; features use only touches before the snapshot, the label is an opportunity in the next H days.
* :mod:`~abm_lab.engagement.leakage` - the check that no feature reads the future.
* :mod:`~abm_lab.engagement.scorers` - points rule, logistic regression, gradient boosting, calibration,
  the 1-5 score.
* :mod:`~abm_lab.engagement.validation` - out-of-time split, holdout metrics, bootstrap intervals, calibration
  (reliability table, calibration-in-the-large and slope) of the deployed scorer on the latest matured period.
* :mod:`~abm_lab.engagement.scoring` - today's scores with SHAP (:mod:`~abm_lab.engagement.explain`) and
  plain-words reasons (:mod:`~abm_lab.engagement.reasons`); fit x engagement (:mod:`~abm_lab.engagement.matrix`).
* :mod:`~abm_lab.engagement.plots`, :mod:`~abm_lab.engagement.explorer`, :mod:`~abm_lab.engagement.narrative`
  - figures, the account explorer widget and the notebook's text.
* :mod:`~abm_lab.engagement.stage` - notebook 04 as one call (:func:`run_engagement`).

Checks against the synthetic truth (oracle, true personas) are in :mod:`abm_lab.validation.engagement`.
Units: days for windows and ages, probabilities in [0, 1], scores 1-5.
"""

from __future__ import annotations

from .buying_stage import BuyingStageThresholds, buying_stage, buying_stage_counts
from .explain import explain, import_shap, shap_additivity_gap, to_probability
from .explorer import account_explorer, search_accounts
from .inputs import Inputs, default_snapshots, load_inputs, mapped_personas, snapshot_dates
from .intent import IntentFeatureSettings, add_intent_features, auc_with_and_without_intent, intent_features
from .intent_view import IntentView, intent_view
from .leakage import LeakageError, check_no_leakage
from .matrix import GRADES, QUADRANTS, fit_engagement_matrix, quadrant, quadrant_counts
from .narrative import closing_note, executive_summary
from .panel import FLAG_COLS, ID_COLS, activity_types, build_panel, feature_columns, panel_accounting
from .plots import (
    SCORER_NAMES,
    format_calibration,
    format_metrics,
    plot_conversion,
    plot_metrics,
    plot_reliability,
    plot_reliability_diagram,
    plot_shap_bar,
    plot_shap_beeswarm,
    plot_timeline,
    plot_waterfall,
    top_accounts,
)
from .pointintime import ConversionCheck, conversion_leak_check
from .reasons import REFERENCE_WHO, engaged_reference, pretty_feature, reason_features, reason_sentence, top_reasons
from .scorers import (
    SCORERS,
    CalibratedScorer,
    PointsScorer,
    conversion_by_score,
    make_gbm,
    make_logistic,
    make_scorers,
    scorer_inputs,
    time_folds,
    to_score,
)
from .scoring import EXPORT_COLUMNS, ScoredAccounts, export_scores, refit_gbm, score_accounts
from .sql import panel_sql
from .stage import EngagementRun, run_engagement
from .validation import (
    EngagementResult,
    Split,
    bootstrap_auc,
    calibration_in_the_large,
    calibration_slope,
    calibration_table,
    crossfit_probability,
    embargo_days,
    fit_engagement,
    holdout_metrics,
    reliability,
    time_split,
    top_decile_lift,
)

__all__ = [
    "ConversionCheck",
    "conversion_leak_check",
    "BuyingStageThresholds",
    "IntentFeatureSettings",
    "IntentView",
    "add_intent_features",
    "auc_with_and_without_intent",
    "buying_stage",
    "buying_stage_counts",
    "intent_features",
    "intent_view",
    "REFERENCE_WHO",
    "embargo_days",
    "crossfit_probability",
    "calibration_table",
    "calibration_slope",
    "calibration_in_the_large",
    "time_folds",
    "reason_features",
    "engaged_reference",
    "plot_reliability_diagram",
    "format_calibration",
    "search_accounts",
    "to_probability",
    "CalibratedScorer",
    "EXPORT_COLUMNS",
    "EngagementResult",
    "EngagementRun",
    "FLAG_COLS",
    "GRADES",
    "ID_COLS",
    "Inputs",
    "LeakageError",
    "PointsScorer",
    "QUADRANTS",
    "SCORERS",
    "SCORER_NAMES",
    "ScoredAccounts",
    "Split",
    "account_explorer",
    "activity_types",
    "bootstrap_auc",
    "build_panel",
    "check_no_leakage",
    "closing_note",
    "conversion_by_score",
    "default_snapshots",
    "executive_summary",
    "explain",
    "export_scores",
    "feature_columns",
    "fit_engagement",
    "fit_engagement_matrix",
    "format_metrics",
    "holdout_metrics",
    "import_shap",
    "load_inputs",
    "make_gbm",
    "make_logistic",
    "make_scorers",
    "mapped_personas",
    "panel_accounting",
    "panel_sql",
    "plot_conversion",
    "plot_metrics",
    "plot_reliability",
    "plot_shap_bar",
    "plot_shap_beeswarm",
    "plot_timeline",
    "plot_waterfall",
    "pretty_feature",
    "quadrant",
    "quadrant_counts",
    "reason_sentence",
    "refit_gbm",
    "reliability",
    "run_engagement",
    "score_accounts",
    "scorer_inputs",
    "shap_additivity_gap",
    "snapshot_dates",
    "time_split",
    "to_score",
    "top_accounts",
    "top_decile_lift",
    "top_reasons",
]
