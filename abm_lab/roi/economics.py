"""Programme economics: program cost, ROI with its interval, and the one call that gives lift and ROI.

ROI = (incremental gross profit − program cost) / program cost, with incremental gross profit = gross margin
(``roi.gross_margin``) × number of targets × effect on won revenue per account; its interval follows from the
effect's interval (ROI is linear in it). Program cost = the costs table pro rata up to ``as_of`` (or
``roi.program_cost``).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from ..config.roi import RoiParams
from ..errors import ABMDataError
from .lift import LiftResult, estimate_lift, prepare


def program_cost(
    costs: pd.DataFrame | None, as_of: Any, program_start: Any = None, override: float | None = None
) -> float:
    """Program spend (USD): ``override`` if set, else the costs table pro rata up to ``as_of``."""
    if override is not None:
        return float(override)
    if costs is None or costs.empty:
        raise ABMDataError(
            "costs: no program costs; set roi.program_cost in params or load a costs table",
            file="costs",
            column="amount",
            reason="no costs",
        )
    as_of = pd.Timestamp(as_of)
    c = costs.copy()
    if program_start is not None:
        c = c.loc[c["period_end"] >= pd.Timestamp(program_start)]
    span = (c["period_end"] - c["period_start"]).dt.days + 1
    covered = (c["period_end"].clip(upper=as_of) - c["period_start"]).dt.days + 1
    frac = (covered.clip(lower=0) / span).clip(upper=1.0)
    return float((c["amount"].astype(float) * frac).sum())


def program_roi(
    result: LiftResult, cost: float, gross_margin: float, method: Literal["did", "ra_ipw"] = "did"
) -> dict[str, Any]:
    """ROI = (gross margin × targets × effect on won revenue per account − cost) / cost, with its interval.

    Also stored as ``result.roi``; incremental revenue and pipeline (USD) with their intervals."""
    if cost <= 0:
        raise ABMDataError(
            "costs: program cost must be positive to compute ROI",
            file="costs",
            column="amount",
            reason="non-positive cost",
        )
    r = result.table.loc[("won_revenue", method)]
    n_t = int(r["n_treated"])
    inc = n_t * np.array([r["estimate"], r["ci_low"], r["ci_high"]])
    gp = gross_margin * inc
    rois = (gp - cost) / cost
    pipe = result.table.loc[("pipeline", method)] if ("pipeline", method) in result.table.index else None
    out = {
        "method": method,
        "cost": float(cost),
        "gross_margin": float(gross_margin),
        "n_targets": n_t,
        "incremental_revenue": float(inc[0]),
        "incremental_revenue_low": float(inc[1]),
        "incremental_revenue_high": float(inc[2]),
        "gross_profit": float(gp[0]),
        "roi": float(rois[0]),
        "roi_low": float(rois[1]),
        "roi_high": float(rois[2]),
    }
    if pipe is not None:
        out["incremental_pipeline"] = float(n_t * pipe["estimate"])
        out["incremental_pipeline_low"] = float(n_t * pipe["ci_low"])
        out["incremental_pipeline_high"] = float(n_t * pipe["ci_high"])
    result.roi = out
    return out


def program_lift(
    tables: dict[str, pd.DataFrame],
    touchpoints: pd.DataFrame | None,
    *,
    as_of: Any,
    params: RoiParams | None = None,
    program_start: Any = None,
) -> LiftResult:
    """Prepare, estimate every outcome with every method, and add ROI (one call for the notebook)."""
    p = params or RoiParams()
    data = prepare(tables, touchpoints, as_of=as_of, program_start=program_start, params=p.lift)
    res = estimate_lift(data, p.lift)
    cost = program_cost(tables.get("costs"), as_of, data.program_start, p.program_cost)
    program_roi(res, cost, p.gross_margin, p.lift.primary)
    return res
