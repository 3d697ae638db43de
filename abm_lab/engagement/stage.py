"""Notebook 04 as one call: inputs -> panel (DuckDB) -> out-of-time validation -> today's scores -> artefacts.

:func:`run_engagement` reads the run's upstream artefacts through the :class:`~abm_lab.pipeline.RunContext`
and returns an :class:`EngagementRun`; :meth:`EngagementRun.save` writes ``engagement_scores.csv`` and
``summary_engagement.json`` (:class:`~abm_lab.artefacts.summaries.EngagementSummary`). On the synthetic demo
world the oracle and nowcast ceilings (:mod:`abm_lab.validation.engagement`) are added to the validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..artefacts.summaries import EngagementSummary
from ..config.engagement import EngagementParams
from ..data.cache import give_back_memory
from ..results import Results, Summary
from .inputs import Inputs, default_snapshots, load_inputs
from .panel import build_panel, panel_accounting
from .pointintime import ConversionCheck, conversion_leak_check
from .scoring import ScoredAccounts, export_scores, score_accounts
from .validation import EngagementResult, fit_engagement

if TYPE_CHECKING:
    from pathlib import Path

    from ..pipeline.context import RunContext
    from ..validation.leadscoring import LeadScoringResult

#: Decimals of the headline figures in ``summary_engagement.json``.
SUMMARY_DECIMALS = 4


@dataclass
class EngagementRun(Results):
    """Everything notebook 04 shows: inputs, panel, validation, scores at the as-of date."""

    inputs: Inputs
    panel: pd.DataFrame
    accounting: pd.DataFrame
    result: EngagementResult
    scored: ScoredAccounts
    params: EngagementParams
    conversion: ConversionCheck | None = None  # the lead-conversion check (people appearing with deals)

    @property
    def as_of(self) -> pd.Timestamp:
        """Last day of data used for today's scores (the scoring snapshot is the day after)."""
        return self.scored.snapshot_date - pd.Timedelta(days=1)

    def save(self, ctx: RunContext, lead: LeadScoringResult | None = None) -> pd.DataFrame:
        """Write ``engagement_scores.csv`` and ``summary_engagement.json``; returns the export."""
        out = export_scores(self.scored, ctx.path("engagement_scores"), self.params)
        self.save_summary(ctx, lead)
        return out

    def save_summary(self, ctx: RunContext, lead: LeadScoringResult | None = None) -> Path:
        """(Re)write ``summary_engagement.json``, with the X Education AUCs when ``lead`` is given."""
        return ctx.save_summary("engagement", self.summary_values(lead))

    def summary_values(self, lead: LeadScoringResult | None = None) -> EngagementSummary:
        """The typed headline figures the report reads."""
        sc = self.scored.scores
        m = self.result.metrics
        d = SUMMARY_DECIMALS
        vals: dict[str, Any] = {
            "accounts_scored": int(len(sc)),
            "score_5": int((sc["score"] == 5).sum()),
            "score_4": int((sc["score"] == 4).sum()),
            "as_of": str(self.as_of.date()),
            "horizon_days": self.params.horizon_days,
            "test_rows": int(m["test_rows"].iloc[0]),
            "test_base_rate": round(float(m["base_rate"].iloc[0]), d),
        }
        for k in m.index:
            vals[f"auc_{k}"] = round(float(m.loc[k, "roc_auc"]), d)
        if lead is not None:
            vals["x_education_auc_gbm"] = round(lead.auc("gbm"), d)
            vals["x_education_auc_logistic"] = round(lead.auc("logistic"), d)
        return EngagementSummary(**vals)

    def summary(self) -> Summary:
        """Headline figures, the validation metrics (with intervals) and today's scores."""
        head = pd.Series(self.summary_values().model_dump(exclude_none=True), name="value").to_frame()
        s = Summary(f"Account engagement score at {self.as_of.date()}")
        s.add_table(head, "Headline figures")
        for part in (self.result.summary(), self.scored.summary()):
            for title, table in zip(part.table_titles, part.tables, strict=True):
                s.add_table(table, title)
            for note in part.notes:
                s.add_note(note)
        if self.conversion is not None and self.conversion.warn:
            s.add_note(self.conversion.note)
        return s


def run_engagement(ctx: RunContext, seed: int | None = None) -> EngagementRun:
    """Inputs -> panel (DuckDB) -> out-of-time validation -> scores at the latest snapshot.

    Raises :class:`~abm_lab.errors.ABMArtefactError` when an upstream artefact (notebooks 02, 03) is
    missing. On the synthetic world the oracle and nowcast rows are added to the validation.
    """
    from ..validation.engagement import add_truth_ceilings

    p = ctx.params.engagement
    seed = ctx.params.run.seed if seed is None else seed
    as_of = ctx.params.run.as_of
    inp = load_inputs(ctx)
    tables = ctx.tables
    snaps = default_snapshots(inp.touchpoints, as_of, p)
    panel = build_panel(
        inp.touchpoints,
        tables["accounts"],
        tables["opportunities"],
        snaps,
        as_of,
        p,
        personas=inp.personas,
        fit=inp.fit,
        programs=tables.get("programs"),
        compute=ctx.params.compute,
    )
    give_back_memory()  # the query's Arrow buffers: the other notebook running beside this one can use them
    result = fit_engagement(panel, p, seed=seed)
    if ctx.truth is not None and "weekly" in ctx.truth:
        result = add_truth_ceilings(result, ctx.truth["weekly"])
    scored = score_accounts(panel, result, tables["accounts"], inp.grades, p, seed=seed)
    conversion = (  # people appearing exactly when deals open (the lead-conversion leak): counted, warned
        conversion_leak_check(
            inp.personas, tables["opportunities"], p.conversion_window_days, p.conversion_leak_ratio, seed=seed
        )
        if inp.personas is not None
        else None
    )
    accounting = panel_accounting(panel, inp.touchpoints, conversion)
    return EngagementRun(inp, panel, accounting, result, scored, p, conversion)
