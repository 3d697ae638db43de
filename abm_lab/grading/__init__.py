"""Account grading A–F, target list, tiers, orchestration plan and exports (notebook 02).

* **Grades** (:mod:`.grades`): the fit score (0–100, from notebook 01's ``fit_scores.parquet``, or the
  share of ``icp.yaml`` rule conditions met when ``grading.score_source: rules``) is cut into grades A–F at
  ``grading.cutoffs`` (score thresholds, or percentiles of the score with ``cutoff_mode: quantile``).
  Grade A is the best fit.
* **Target list**: grades in ``grading.target_grades`` (A–C by default), current customers left out unless
  ``exclude_customers: false``.
* **Tiers** (:mod:`.tiers`, :mod:`.clusters`): strategic 1:1 = top ``strategic_n`` targets by fit
  probability x potential value (``value_column``, annual revenue by default); ABM-lite 1:few = the next
  ``abm_lite_n``, grouped by KMeans into ``n_clusters`` clusters of similar accounts, each described in
  words; programmatic 1:many = the rest of the target list.
* **Orchestration plan** (:mod:`.plan`): per tier the plays and budget from params, with account counts.
* **Exports** (:mod:`.exports`): ``target_accounts.csv`` (CRM import) and ``linkedin_company_list.csv`` in
  the column layout of LinkedIn Campaign Manager's Matched Audiences *company list* CSV template (sources
  and the date the template was checked are in :mod:`abm_lab.grading.exports`).

:func:`grade_accounts` (:mod:`.workflow`) runs it all, :func:`run` (:mod:`.stage`) runs it for a notebook
from notebook 01's artefacts, :mod:`.plots` draws the figures and :mod:`.explorer` holds the cut-off widget.
The Maven CRM real-data check is :mod:`abm_lab.validation.maven`.
"""

from ..config.grading import GRADES, TIER_NAMES
from . import review
from .clusters import cluster_accounts, describe_clusters
from .explorer import grade_cutoff_explorer
from .exports import (
    EXPORTS,
    LINKEDIN_COLUMNS,
    LINKEDIN_MIN_ROWS,
    LINKEDIN_TEMPLATE_CHECKED,
    TARGET_COLUMNS,
    linkedin_company_list,
    target_accounts_export,
)
from .grades import assign_grades, grade_rates, grade_thresholds, monotone_decreasing
from .plan import budget_column, orchestration_plan
from .plots import (
    executive_summary,
    exports_table,
    format_clusters,
    format_plan,
    format_rates,
    format_value_by_grade,
    plot_grade_rates,
    tier_grade_table,
)
from .stage import load_scores, run
from .tiers import TIER_LABEL, assign_tiers, potential_value
from .workflow import ACCOUNT_GRADES_COLUMNS, GradingResult, grade_accounts, scores_for

__all__ = [
    "review",
    "GRADES",
    "TIER_NAMES",
    "TIER_LABEL",
    "assign_grades",
    "grade_thresholds",
    "grade_rates",
    "monotone_decreasing",
    "potential_value",
    "assign_tiers",
    "describe_clusters",
    "cluster_accounts",
    "orchestration_plan",
    "budget_column",
    "TARGET_COLUMNS",
    "LINKEDIN_COLUMNS",
    "LINKEDIN_MIN_ROWS",
    "LINKEDIN_TEMPLATE_CHECKED",
    "EXPORTS",
    "target_accounts_export",
    "linkedin_company_list",
    "ACCOUNT_GRADES_COLUMNS",
    "GradingResult",
    "scores_for",
    "grade_accounts",
    "load_scores",
    "run",
    "grade_cutoff_explorer",
    "executive_summary",
    "format_rates",
    "format_plan",
    "format_clusters",
    "format_value_by_grade",
    "tier_grade_table",
    "plot_grade_rates",
    "exports_table",
]
