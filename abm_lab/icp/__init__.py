"""Ideal customer profile (ICP): who looks like our customers? (notebook 01)

Three views, from the most transparent to the most powerful:

1. **Segment lift tables** (:func:`lift_tables`, :mod:`.segments`): per attribute value (industry, employee
   band, revenue band, region, founded band, each ``tech_*`` flag), the customer rate in the segment divided
   by the overall customer rate, with Wilson confidence intervals. Segments with fewer than
   ``icp.min_segment_size`` accounts are flagged, not trusted.
2. **Lookalike model** (:class:`LookalikeModel`, :mod:`.models`): a scikit-learn classifier of customers
   against every other account (positive–unlabelled), scored out-of-fold and calibrated; a logistic
   regression beside a gradient-boosted model.
3. **Readable ICP** (:func:`learn_rules`, :mod:`.rules`): one rule a marketer can read ("Software or
   Financial Services, 200–4,999 employees, uses CRM") with coverage and precision, saved as an editable
   ``icp.yaml`` (:func:`save_icp`, :func:`load_icp`) that notebook 02 can apply instead of the model
   (:func:`apply_icp`).

**Fit score 0–100** (:func:`fit_score`) = percentile rank of the calibrated out-of-fold probability among all
accounts: 90 means "scores above 90% of the account universe". :func:`discover` (:mod:`.discover`) runs the
whole analysis, :func:`run` (:mod:`.stage`) runs it for a notebook and writes the artefacts, :mod:`.plots`
draws the figures. Checks against the synthetic world's truth live in :mod:`abm_lab.validation.icp`.
"""

from .discover import IcpResult, discover, fit_lookalike_models, icp_target
from .features import (
    ATTR_LABEL,
    CATEGORICAL,
    UNKNOWN,
    account_features,
    band_labels,
    band_order,
    bands_of,
    segment_label,
    tech_columns,
    tech_label,
    value_labels,
)
from .models import MODEL_NAME, LookalikeModel, choose_model, compare_models, fit_score
from .plots import executive_summary, format_cv_table, format_importance, plot_lift, plot_shap_summary
from .rules import IcpRules, apply_icp, held_out_rule_stats, learn_rules, load_icp, save_icp
from .segments import LiftTables, attribute_label, fdr_drivers, lift_interval, lift_tables, wilson_interval
from .stage import run

__all__ = [
    "fdr_drivers",
    "held_out_rule_stats",
    "lift_interval",
    "ATTR_LABEL",
    "CATEGORICAL",
    "UNKNOWN",
    "MODEL_NAME",
    "account_features",
    "band_labels",
    "band_order",
    "bands_of",
    "segment_label",
    "tech_columns",
    "tech_label",
    "value_labels",
    "wilson_interval",
    "attribute_label",
    "LiftTables",
    "lift_tables",
    "LookalikeModel",
    "compare_models",
    "choose_model",
    "fit_score",
    "IcpRules",
    "learn_rules",
    "apply_icp",
    "save_icp",
    "load_icp",
    "IcpResult",
    "icp_target",
    "fit_lookalike_models",
    "discover",
    "run",
    "executive_summary",
    "plot_lift",
    "plot_shap_summary",
    "format_cv_table",
    "format_importance",
]
