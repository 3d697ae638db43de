"""Every attribution model on one set of paths (:func:`attribute`) and their credits (:class:`AttributionResult`).

Every model's credits sum to the total conversions and the total value (checked). Credits are in
conversions (count) and in the value's unit (USD for account paths).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from ...config.roi import AttributionParams
from ...errors import ABMDataError
from ...results import Results, Summary
from .markov import MarkovResult, markov_model
from .paths import PathData
from .rules import RULE_MODELS, rule_based
from .shapley import shapley_values

#: Totals must match the credit sums to this relative tolerance after :func:`attribute`.
TOTALS_RTOL = 1e-6


@dataclass
class AttributionResult(Results):
    """Credits of every model per channel (or program), in conversions and in value."""

    credits: pd.DataFrame  # index channel; columns <model>_conversions / <model>_value
    markov: MarkovResult
    total_conversions: float
    total_value: float
    excluded: dict
    dimension: str = "channel"
    value_label: str = "value"

    @property
    def models(self) -> list[str]:
        return [c[: -len("_conversions")] for c in self.credits.columns if c.endswith("_conversions")]

    def table(self, kind: Literal["conversions", "value"] = "conversions", share: bool = False) -> pd.DataFrame:
        """Channels × models, in conversions (count) or value (USD); ``share`` = fraction of the total."""
        cols = [f"{m}_{kind}" for m in self.models]
        t = self.credits[cols].copy()
        t.columns = self.models
        if share:
            tot = self.total_conversions if kind == "conversions" else self.total_value
            t = t / tot if tot else t
        return t

    def check_totals(self, rtol: float = 1e-9) -> dict[str, float]:
        """Largest relative gap between any model's credit sum and the total (raises if > rtol)."""
        gaps = {}
        for m in self.models:
            for kind, tot in (("conversions", self.total_conversions), ("value", self.total_value)):
                s = float(self.credits[f"{m}_{kind}"].sum())
                gaps[f"{m}_{kind}"] = abs(s - tot) / max(abs(tot), 1e-12)
        worst = max(gaps.values()) if gaps else 0.0
        if worst > rtol:
            raise AssertionError(f"attribution credits do not sum to the total: {gaps}")
        return gaps

    def summary(self) -> Summary:
        """Share of conversions and of value credited to each channel by every model, and the Markov removal
        effects (attribution is a split of an observed total: no sampling interval)."""
        s = Summary(
            f"Attribution by {self.dimension}: {self.total_conversions:,.0f} conversions, "
            f"{self.value_label} {self.total_value:,.0f}"
        )
        s.add_table(self.table("conversions", share=True).round(3), "Share of conversions by model")
        s.add_table(self.table("value", share=True).round(3), f"Share of {self.value_label} by model")
        s.add_table(self.markov.removal_effects.round(4), "Markov removal effects")
        s.add_note(f"not attributed (no touch in look-back): {self.excluded.get('conversions', 0):,.0f} conversions")
        before = {
            label: self.excluded.get(f"{key}_before_lookback", 0.0)
            for key, label in MILESTONE_LABELS.items()
            if self.excluded.get(f"{key}_before_lookback", 0.0) > 0
        }
        if before:
            s.add_note(
                "milestone before the look-back (not credited; its position share goes to the touches credited): "
                + "; ".join(f"{k} {v:,.0f} of {self.total_conversions:,.0f} conversions" for k, v in before.items())
            )
        if self.excluded.get("customer_paths", 0):
            s.add_note(
                f"{self.excluded['customer_paths']:,} customer accounts without an opportunity: not counted as "
                "non-converting journeys"
            )
        return s


def attribute(
    pdata: PathData,
    params: AttributionParams | None = None,
    dimension: str = "channel",
    include_nulls: bool = True,
    value_label: str = "value",
) -> AttributionResult:
    """Run every model (rule-based, Markov, Shapley) on path data."""
    p = params or AttributionParams()
    if pdata.total_conversions <= 0:
        raise ABMDataError(
            "paths: no conversions to attribute (no opportunity with touches in the look-back)",
            file="paths",
            column="conversions",
            reason="no conversions",
        )
    rb = rule_based(pdata, RULE_MODELS, p)
    mk = markov_model(pdata, order=p.markov_order, include_nulls=include_nulls, collapse_repeats=p.collapse_repeats)
    sh = shapley_values(pdata, p.shapley_value, p.shapley_max_channels, p.shapley_prior_paths)
    idx = sorted(set(rb.index) | set(sh.index))
    credits = pd.concat([rb.reindex(idx), mk.credits.reindex(idx), sh.reindex(idx)], axis=1).fillna(0.0)
    res = AttributionResult(
        credits, mk, pdata.total_conversions, pdata.total_value, dict(pdata.excluded), dimension, value_label
    )
    res.check_totals(TOTALS_RTOL)
    return res


#: Milestones of the position models (keys of the ``*_before_lookback`` counts in ``excluded``).
MILESTONE_LABELS = {
    "first_touch": "first touch",
    "lead_creation": "lead creation",
    "opp_creation": "opportunity creation",
    "closed_won": "closed won",
}

#: Readable model names (figures, tables).
MODEL_LABELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "u_shaped": "U-shaped",
    "w_shaped": "W-shaped",
    "full_path": "Full path",
    "time_decay": "Time decay",
    "markov": "Markov (removal effect)",
    "shapley": "Shapley",
}
