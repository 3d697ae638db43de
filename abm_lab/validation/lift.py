"""Checks of the lift estimators against the synthetic world's known truth (notebook 05 and the simulation study).

* :func:`truth_effects` – the true effects on the targets, on the scale of :class:`abm_lab.roi.LiftResult`;
* :func:`demo_truth` – the same from a run (None on real data: there is no truth to compare with);
* :func:`truth_check` – estimate, interval and truth side by side, and whether the interval covers it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..roi.lift import LiftResult

if TYPE_CHECKING:
    from ..pipeline.context import RunContext

#: Outcomes and methods compared with the truth in notebook 05 (won revenue has no generator parameter).
CHECK_OUTCOMES = ("opp_rate", "pipeline", "win_rate", "deal_size")
CHECK_METHODS = ("ra_ipw", "did")


def truth_effects(truth_accounts: pd.DataFrame, meta: Mapping[str, Any]) -> dict[str, float]:
    """The synthetic world's true effects on the targets (same scale as :class:`~abm_lab.roi.LiftResult`).

    Opportunity rate and pipeline: realised potential outcomes under both arms (common random
    numbers), relative = Σ treated / Σ untreated − 1 over targets; win rate (absolute
    points) and deal size (relative) are the generator's lift parameters.
    """
    t = truth_accounts.loc[truth_accounts["is_target"].astype(bool)]
    out = {}
    a1, a0 = t["opps_post_treated"].sum(), t["opps_post_untreated"].sum()
    out["opp_rate"] = float(a1 / a0 - 1) if a0 > 0 else np.nan
    out["opp_rate_abs"] = float((a1 - a0) / len(t))
    if "pipeline_post_treated" in t.columns:
        p1, p0 = t["pipeline_post_treated"].sum(), t["pipeline_post_untreated"].sum()
        out["pipeline"] = float(p1 / p0 - 1) if p0 > 0 else np.nan
        out["pipeline_abs"] = float((p1 - p0) / len(t))
    lift = meta.get("lift", {})
    out["win_rate"] = float(lift.get("win_rate", np.nan))
    out["deal_size"] = float(lift.get("deal_size", np.nan))
    out["opp_rate_param"] = float(lift.get("opp_rate", np.nan))
    return out


def demo_truth(ctx: RunContext) -> dict[str, float] | None:
    """:func:`truth_effects` of the run's synthetic world; None for real data."""
    if not ctx.is_synthetic or ctx.truth is None:
        return None
    return truth_effects(ctx.truth["accounts"], ctx.data.truth_meta or {})


def truth_check(
    result: LiftResult,
    truth: Mapping[str, float],
    outcomes: Sequence[str] = CHECK_OUTCOMES,
    methods: Sequence[str] = CHECK_METHODS,
) -> pd.DataFrame:
    """Per (outcome, method): value, low, high (relative effect; win rate in absolute share), truth, covered."""
    chk = result.table.loc[[(o, m) for o in outcomes for m in methods]]
    chk = chk.assign(
        truth=[truth[o] for o, _ in chk.index],
        value=[r["estimate"] if o == "win_rate" else r["relative"] for (o, _), r in chk.iterrows()],
        low=[r["ci_low"] if o == "win_rate" else r["rel_low"] for (o, _), r in chk.iterrows()],
        high=[r["ci_high"] if o == "win_rate" else r["rel_high"] for (o, _), r in chk.iterrows()],
    )
    chk["covered"] = (chk["low"] <= chk["truth"]) & (chk["truth"] <= chk["high"])
    return chk[["value", "low", "high", "truth", "covered"]]
