"""Notebook 04's third-party intent section: coverage, the ROC-AUC with and without intent on the same split, and
the buying stage beside the 1–5 score (:mod:`.intent`, :mod:`.buying_stage`, :func:`abm_lab.mapping.intent.map_intent`).

Without an ``intent`` table the section says so and the buying stage uses engagement alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .buying_stage import BuyingStageThresholds, buying_stage, buying_stage_counts
from .intent import IntentAUC, IntentFeatureSettings, auc_with_and_without_intent, intent_features

if TYPE_CHECKING:
    from ..mapping.intent import IntentMapping
    from ..pipeline.context import RunContext
    from .stage import EngagementRun

#: What the page says when the data hold no intent table.
NO_INTENT = (
    "No third-party intent table in the data (`intent.csv`): the comparison is skipped and the buying stage uses "
    "engagement alone."
)


@dataclass
class IntentView:
    """The intent section of a run: ``mapping`` and ``auc`` (None without intent) and ``stages`` per scored account."""

    mapping: IntentMapping | None
    auc: IntentAUC | None
    stages: pd.Series

    def tables(self) -> list[Any]:
        """What the page shows: coverage, the AUC comparison and a sentence (or the no-intent sentence)."""
        from IPython.display import Markdown

        from ..report.formatting import leadership_table

        if self.mapping is None or self.auc is None:
            return [Markdown(NO_INTENT)]
        return [
            leadership_table(self.mapping.coverage, {"share": "pct"}),
            leadership_table(self.auc.table[["auc_without", "auc_with", "difference"]], digits=4),
            Markdown(f"{self.auc.coverage:.0%} of test rows are accounts the intent file covers."),
        ]

    def stage_table(self) -> Any:
        """Accounts and share per buying stage (unaware / aware / engaged / in-market)."""
        from ..report.formatting import leadership_table

        return leadership_table(buying_stage_counts(self.stages), {"share": "pct"})


def intent_view(ctx: RunContext, run: EngagementRun) -> IntentView:
    """The intent section of notebook 04 for a run (mapping by domain, refit with intent on the same split)."""
    from ..mapping.intent import map_intent

    p = ctx.params.engagement
    settings, thresholds = IntentFeatureSettings.from_params(p), BuyingStageThresholds.from_params(p)
    tables = ctx.tables
    if "intent" not in tables or not len(tables["intent"]):
        return IntentView(None, None, buying_stage(run.scored.scores, None, thresholds))
    mapping = map_intent(tables["intent"], tables["accounts"], ctx.params.mapping)
    auc = auc_with_and_without_intent(run.panel, mapping, p, settings, seed=ctx.params.run.seed, without=run.result)
    feats = intent_features(mapping, [run.scored.snapshot_date], settings)
    return IntentView(mapping, auc, buying_stage(run.scored.scores, feats, thresholds))
