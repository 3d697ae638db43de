"""Notebook 02 as one call: grade a run's accounts from notebook 01's artefacts and write the exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ABMArtefactError
from ..icp import IcpRules, load_icp
from .workflow import GradingResult, grade_accounts

if TYPE_CHECKING:
    import pandas as pd

    from ..pipeline import RunContext

__all__ = ["run", "load_scores"]


def load_scores(ctx: RunContext) -> tuple[pd.DataFrame | None, IcpRules | None]:
    """What notebook 01 left for grading: (fit scores, ICP rules), read through the run context.

    ``grading.score_source: model`` needs ``fit_scores.parquet``, ``rules`` needs ``icp.yaml``; a missing one
    is an :class:`~abm_lab.errors.ABMArtefactError` naming notebook 01 (never a silent fallback).
    """
    if ctx.params.grading.score_source == "rules":
        return None, load_icp(ctx.require("icp_rules"))
    try:
        return ctx.load("fit_scores"), None
    except ABMArtefactError as exc:
        raise ABMArtefactError(
            f"{exc}; or set grading.score_source: rules to grade on an icp.yaml", artefact=exc.artefact, file=exc.file
        ) from None


def run(ctx: RunContext) -> GradingResult:
    """Grade every account of the run, and write account_grades.parquet, target_accounts.csv and
    linkedin_company_list.csv (``result.paths``). The headline figures are left to the notebook
    (``ctx.save_summary("grading", result.headline(currency))``)."""
    fit_scores, rules = load_scores(ctx)
    icp_summary = ctx.load_summary("icp")
    result = grade_accounts(
        ctx.tables["accounts"],
        ctx.tables["opportunities"],
        fit_scores,
        ctx.params.grading,
        rules=rules,
        seed=ctx.params.run.seed,
        currency=ctx.params.run.currency,
        score_origin=getattr(icp_summary, "model", None),
        programs=ctx.tables.get("programs"),  # the opportunity-rate check counts pre-programme deals only
    )
    result.save(ctx)
    return result
