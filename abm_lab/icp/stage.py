"""Notebook 01 as one call: discover the ICP of a run and write its artefacts through the run context."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .discover import IcpResult, discover
from .rules import save_icp

if TYPE_CHECKING:
    from ..pipeline import RunContext

__all__ = ["run"]


def run(ctx: RunContext) -> IcpResult:
    """Discover the ICP on the run's accounts and opportunities; write ``fit_scores.parquet`` and ``icp.yaml``.

    The headline figures (``summary_icp.json``) are left to the notebook, which adds the checks against the
    synthetic world's truth (:mod:`abm_lab.validation.icp`) before saving them with ``ctx.save_summary``.
    """
    res = discover(ctx.tables["accounts"], ctx.tables["opportunities"], ctx.params.icp, seed=ctx.params.run.seed)
    res.fit_scores.to_parquet(ctx.path("fit_scores"), index=False)
    save_icp(res.rules, ctx.path("icp_rules"))
    return res
