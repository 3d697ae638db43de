"""Programme economics: program cost, ROI with its interval, and the one call that gives lift and ROI.

Staggered lift (:func:`abm_lab.roi.lift.run_lift`): :func:`lift_cost` (the programme's spend over the periods
that hold treated cells, ABM programme rows only) and :func:`roi_two_ways` — realised and projected ROI.

ROI = (incremental gross profit − program cost) / program cost, with incremental gross profit = gross margin
(``roi.gross_margin``) × number of targets × effect on won revenue per account; its interval follows from the
effect's interval (ROI is linear in it). Program cost = the programme's rows of the costs table pro rata up to
``as_of`` (or ``roi.program_cost``): rows of other programme ids (non-ABM campaigns, another programme) never count,
and :func:`cost_notes` says in words how many rows and how much spend were left out, and which ids are unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..config.compute import ComputeParams
from ..config.roi import RoiParams
from ..errors import ABMDataError
from ..results import Results, Summary
from .lift.data import prepare
from .lift.estimators import estimate_lift
from .lift.results import LiftResult
from .segments import NO_TIER, in_window, parse_window


def programme_rows(costs: pd.DataFrame | None, program_ids: Any) -> pd.DataFrame | None:
    """The rows of ``costs`` that belong to the programmes ``program_ids`` (None = every row).

    A costs table exported from a CRM or an ad platform often holds other campaigns' spend too; only the
    evaluated programme's rows are its cost."""
    if costs is None or program_ids is None or "program_id" not in costs.columns:
        return costs
    ids = {str(x) for x in pd.Series(program_ids, dtype=object).dropna()}
    return costs.loc[costs["program_id"].astype("string").isin(ids).fillna(False).to_numpy(bool)]


def cost_notes(costs: pd.DataFrame | None, program_ids: Any, known_ids: Any = None, currency: str = "USD") -> list[str]:
    """Plain-words notes on the costs rows that are not the evaluated programme's (so not in its cost).

    ``program_ids``: the programme(s) evaluated; ``known_ids``: every programme id of the ``programs`` table
    (default ``program_ids``). Rows of a known programme that is not evaluated are counted separately from rows
    whose programme id is not in ``programs`` at all (unknown programme ids, e.g. non-ABM campaigns or a typo)."""
    if costs is None or costs.empty or "program_id" not in costs.columns:
        return []
    ids = {str(x) for x in pd.Series(program_ids, dtype=object).dropna()}
    known = ids | {str(x) for x in pd.Series(known_ids if known_ids is not None else [], dtype=object).dropna()}
    pid = costs["program_id"].astype("string")
    amount = costs["amount"].astype(float) if "amount" in costs.columns else pd.Series(0.0, index=costs.index)
    notes = []
    other = pid.notna() & ~pid.isin(ids) & pid.isin(known)
    if other.any():
        names = sorted(pid[other].unique())
        notes.append(
            f"costs: {int(other.sum()):,} rows ({amount[other].sum():,.0f} {currency}) belong to other programmes "
            f"({', '.join(names)}) and are not counted in the cost of {', '.join(sorted(ids)) or '?'}."
        )
    unknown = pid.isna() | ~pid.isin(known)
    if unknown.any():
        names = sorted(pid[unknown].dropna().unique())
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        blank = int(pid[unknown].isna().sum())
        what = f"unknown programme ids ({shown})" if names else ""
        if blank:
            what += (" and " if what else "") + f"{blank:,} rows without a programme id"
        notes.append(
            f"costs: {int(unknown.sum()):,} rows ({amount[unknown].sum():,.0f} {currency}) have {what}, not in the "
            "programs table: not counted in any programme cost (check data.program or the costs' program_id)."
        )
    return notes


def program_cost(
    costs: pd.DataFrame | None,
    as_of: Any,
    program_start: Any = None,
    override: float | None = None,
    program_ids: Any = None,
) -> float:
    """Program spend (USD): ``override`` if set, else the costs table pro rata up to ``as_of``.

    ``program_ids``: only these programmes' rows count (:func:`programme_rows`; None = every row, for a costs
    table that holds one programme only)."""
    if override is not None:
        return float(override)
    if costs is None or costs.empty:
        raise ABMDataError(
            "costs: no program costs; set roi.program_cost in params or load a costs table",
            file="costs",
            column="amount",
            reason="no costs",
        )
    c = programme_rows(costs, program_ids)
    if c is None or c.empty:
        ids = sorted({str(x) for x in pd.Series(program_ids, dtype=object).dropna()})
        raise ABMDataError(
            f"costs: no rows for programme {', '.join(ids) or '?'} (the costs table has programme ids "
            f"{', '.join(sorted(costs['program_id'].dropna().astype(str).unique())[:5]) or 'none'}); set "
            "roi.program_cost in params or load that programme's costs",
            file="costs",
            column="program_id",
            reason="no costs",
        )
    as_of = pd.Timestamp(as_of)
    c = c.copy()
    if program_start is not None:
        c = c.loc[c["period_end"] >= pd.Timestamp(program_start)]
    span = (c["period_end"] - c["period_start"]).dt.days + 1
    covered = (c["period_end"].clip(upper=as_of) - c["period_start"]).dt.days + 1
    frac = (covered.clip(lower=0) / span).clip(upper=1.0)
    return float((c["amount"].astype(float) * frac).sum())


def lift_cost(
    costs: pd.DataFrame | None,
    program_ids: Any,
    periods: pd.DataFrame,
    override: float | None = None,
) -> float:
    """Spend of the programmes ``program_ids`` over ``periods`` (rows with start / end, inclusive days): each
    costs row counts pro rata by the days it shares with those periods. ``override`` (``roi.program_cost``) wins."""
    if override is not None:
        return float(override)
    ids = {str(x) for x in pd.Series(program_ids, dtype=object).dropna()}
    c = programme_rows(costs, program_ids) if costs is not None and len(costs) else None
    if c is None or c.empty:
        raise ABMDataError(
            f"costs: no rows for programme {', '.join(sorted(ids)) or '?'}; set roi.program_cost in params or load "
            "a costs table",
            file="costs",
            column="program_id",
            reason="no costs",
        )
    ps = pd.to_datetime(c["period_start"]).dt.normalize().to_numpy("datetime64[D]")
    pe = pd.to_datetime(c["period_end"]).dt.normalize().to_numpy("datetime64[D]")
    span = (pe - ps).astype(int) + 1
    shared = np.zeros(len(c))
    for s0, e0 in zip(pd.to_datetime(periods["start"]), pd.to_datetime(periods["end"]), strict=True):
        lo = np.maximum(ps, np.datetime64(s0.date(), "D"))
        hi = np.minimum(pe, np.datetime64(e0.date(), "D"))
        shared += np.maximum((hi - lo).astype(int) + 1, 0)
    frac = np.clip(shared / np.maximum(span, 1), 0.0, 1.0)
    return float((c["amount"].astype(float).to_numpy() * frac).sum())


def roi_two_ways(
    realised: tuple[float, float, float],
    projected: tuple[float, float, float],
    cost: float,
    gross_margin: float,
) -> dict[str, Any]:
    """Realised and projected ROI with intervals from incremental revenue totals (estimate, low, high).

    ROI = (gross margin × incremental revenue − cost) / cost, linear in the revenue, so its interval is the
    revenue interval mapped through it. ``realised`` = Σ over treated cells of the effect on won revenue
    (closed by as_of); ``projected`` = that plus the effect on the expected value of open pipeline."""
    if not cost > 0:
        raise ABMDataError(
            "costs: program cost must be positive to compute ROI",
            file="costs",
            column="amount",
            reason="non-positive cost",
        )

    def roi(x: float) -> float:
        return (gross_margin * x - cost) / cost

    r, q = [roi(x) for x in realised], [roi(x) for x in projected]
    return {
        "estimate": r[0],
        "ci_low": r[1],
        "ci_high": r[2],
        "projected": q[0],
        "projected_low": q[1],
        "projected_high": q[2],
        "cost": float(cost),
        "gross_margin": float(gross_margin),
        "incremental_revenue": float(realised[0]),
        "incremental_revenue_low": float(realised[1]),
        "incremental_revenue_high": float(realised[2]),
        "projected_revenue": float(projected[0]),
        "projected_revenue_low": float(projected[1]),
        "projected_revenue_high": float(projected[2]),
    }


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
    compute: ComputeParams | None = None,
) -> LiftResult:
    """Prepare, estimate every outcome with every method, and add ROI (one call for the notebook); ``compute``:
    the engine of the touch-level work of :func:`.lift.data.prepare`."""
    p = params or RoiParams()
    data = prepare(tables, touchpoints, as_of=as_of, program_start=program_start, params=p.lift, compute=compute)
    res = estimate_lift(data, p.lift)
    progs = tables.get("programs")
    ids = progs["program_id"].dropna().unique() if progs is not None and "program_id" in progs.columns else None
    cost = program_cost(tables.get("costs"), as_of, data.program_start, p.program_cost, program_ids=ids)
    program_roi(res, cost, p.gross_margin, p.lift.primary)
    return res


# --------------------------------------------------------------------------- customer acquisition cost
#: Row of :func:`cac`'s table that sums every tier.
ALL_TIERS = "all tiers"
#: How a tier's cost was found (``cost_basis`` column of :func:`cac`).
COST_BY_TIER = "costs by tier"
COST_ALLOCATED = "allocated by share of targets"


@dataclass
class CacResult(Results):
    """Marketing customer acquisition cost of one window, per programme tier and in total (:func:`cac`)."""

    table: pd.DataFrame  # index: tier (+ ALL_TIERS); see :func:`cac`
    window: tuple[pd.Timestamp, pd.Timestamp]
    level: float
    lag_days: int | None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> Summary:
        w0, w1 = self.window
        s = Summary(f"Customer acquisition cost {w0.date()} to {w1.date()}")
        s.add_table(self.table, f"CAC by tier ({self.level:.0%} interval on the count of new customers)")
        for n in self.notes:
            s.add_note(n)
        return s


def poisson_interval(k: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of a Poisson mean from observed counts ``k`` (lower 0 at k = 0)."""
    from scipy.stats import chi2

    k = np.asarray(k, float)
    a = 1 - level
    low = np.where(k > 0, chi2.ppf(a / 2, 2 * k) / 2, 0.0)
    return low, chi2.ppf(1 - a / 2, 2 * k + 2) / 2


def cac(
    programs: pd.DataFrame | None,
    opportunities: pd.DataFrame,
    costs: pd.DataFrame | None,
    window: Any,
    *,
    as_of: Any = None,
    program_ids: Any = None,
    lag_days: int | None = None,
    level: float = 0.95,
    cost_override: float | None = None,
    currency: str = "USD",
) -> CacResult:
    """Marketing CAC = programme cost of the window / new customers won in the window, per tier and in total.

    * **Targets**: accounts of the ``programs`` table (programmes ``program_ids``; None = all), holdout controls
      (``arm == "control"``) left out; an account's tier and start are those of its earliest enrolment.
    * **New customer**: a target whose *first* won deal in the opportunities table closed in the window (by
      ``as_of``), on or after its programme start; repeat wins of existing customers and wins before enrolment
      are not acquisitions. Interval: exact Poisson interval on that count at ``level``; CAC's interval is the
      cost divided by it (cost taken as known).
    * **Cost**: the programme's costs rows pro rata over the window's days (:func:`lift_cost`; ``cost_override``
      = ``roi.program_cost`` instead, a total). Costs rows carry no tier in the canonical schema: a tier's cost is
      the rows with that ``tier`` when the costs have such a column, otherwise the rest allocated by the tier's
      share of the targets (``cost_basis`` says which; an allocation, not a measured cost).
    * **Timing**: cost is spent now, deals close later – this window's wins were mostly bought by earlier spend.
      ``lag_days``: also the CAC on the cost of the window shifted back by that many days (columns ``*_lagged``).

    Columns: targets, new_customers (+ _low / _high), cost (USD), cac, cac_low, cac_high (USD per new customer;
    NaN without a new customer), [cost_lagged, cac_lagged, cac_lagged_low, cac_lagged_high], cost_basis.
    """
    w0, w1 = parse_window(window)
    if programs is None or programs.empty:
        raise ABMDataError(
            "programs: no programme targets, so no customer acquisition cost",
            file="programs",
            column="account_id",
            reason="no programmes",
        )
    pr = programme_rows(programs, program_ids)
    pr = programs if pr is None else pr
    if "arm" in pr.columns:
        pr = pr.loc[pr["arm"].astype("string").ne("control").fillna(True).to_numpy(bool)]
    pr = pr.dropna(subset=["account_id"]).sort_values("start_date", kind="stable")
    tgt = pr.drop_duplicates("account_id").set_index("account_id")
    tier = tgt["tier"].astype("string").fillna(NO_TIER) if "tier" in tgt.columns else pd.Series(NO_TIER, tgt.index)
    ids = pr["program_id"].dropna().unique() if program_ids is None else program_ids
    won = opportunities.loc[
        opportunities["is_won"].astype(bool).to_numpy(bool) & opportunities["close_date"].notna().to_numpy(bool)
    ]
    if as_of is not None:
        won = won.loc[(won["close_date"] < pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)).to_numpy(bool)]
    first_won = won.groupby("account_id")["close_date"].min().reindex(tgt.index)
    new = in_window(first_won, w0, w1) & (first_won >= pd.to_datetime(tgt["start_date"]))
    per = pd.DataFrame({"targets": tier.value_counts(), "new_customers": new.groupby(tier).sum()}).fillna(0)
    per = per.astype(int).sort_index()
    per.loc[ALL_TIERS] = per.sum()
    per["new_customers_low"], per["new_customers_high"] = poisson_interval(per["new_customers"].to_numpy(), level)

    def tier_costs(lo: pd.Timestamp, hi: pd.Timestamp) -> tuple[pd.Series, pd.Series]:
        span = pd.DataFrame({"start": [lo], "end": [hi]})
        rows = programme_rows(costs, ids)
        total = lift_cost(costs, ids, span, cost_override)
        direct = pd.Series(0.0, index=per.index)
        has_tier = pd.Series(False, index=per.index)
        if cost_override is None and rows is not None and "tier" in rows.columns:
            for t, part in rows.dropna(subset=["tier"]).groupby(rows["tier"].dropna().astype(str)):
                if t in direct.index:
                    direct[t], has_tier[t] = lift_cost(part, ids, span), True
        alloc = per["targets"].where(~has_tier, 0).drop(ALL_TIERS).astype(float)
        out = direct.copy()
        if alloc.sum() > 0:  # the rest of the cost by share of the targets of tiers without their own rows
            out[alloc.index] += (total - direct.drop(ALL_TIERS).sum()) * alloc / alloc.sum()
        out[ALL_TIERS] = total
        return out, has_tier

    def ratio(cost: pd.Series, k: pd.Series) -> pd.Series:
        return (cost / k.where(k > 0)).astype(float)

    per["cost"], has_tier = tier_costs(w0, w1)
    per["cac"] = ratio(per["cost"], per["new_customers"])
    per["cac_low"] = ratio(per["cost"], per["new_customers_high"])
    per["cac_high"] = ratio(per["cost"], per["new_customers_low"])
    if lag_days:
        lag = pd.Timedelta(days=int(lag_days))
        per["cost_lagged"], _ = tier_costs(w0 - lag, w1 - lag)
        per["cac_lagged"] = ratio(per["cost_lagged"], per["new_customers"])
        per["cac_lagged_low"] = ratio(per["cost_lagged"], per["new_customers_high"])
        per["cac_lagged_high"] = ratio(per["cost_lagged"], per["new_customers_low"])
    per["cost_basis"] = np.where(has_tier, COST_BY_TIER, COST_ALLOCATED)
    per.loc[ALL_TIERS, "cost_basis"] = "override (roi.program_cost)" if cost_override is not None else "costs"
    per.index.name = "tier"
    n_ctrl = int(programs["arm"].astype("string").eq("control").fillna(False).sum()) if "arm" in programs else 0
    notes = [
        f"CAC = programme cost / new customers ({currency}). Timing: the cost is this window's spend and the new "
        "customers are this window's first wins, which mostly come from spend months earlier (deals close after "
        "a sales cycle) – read it as spend per acquisition at today's pace, not the cost of these customers"
        + (f"; the lagged columns use the spend of the window {lag_days} days earlier." if lag_days else "."),
        f"New customer: a programme target whose first won deal closed in the window on or after its programme "
        f"start ({int(per.loc[ALL_TIERS, 'new_customers'])} of {int(per.loc[ALL_TIERS, 'targets'])} targets); "
        f"holdout controls ({n_ctrl} rows) are not targets. Interval: exact Poisson on the count.",
    ]
    if not has_tier.any():
        notes.append(
            "The costs carry no tier: a tier's cost is the programme cost allocated by its share of target "
            "accounts – an allocation, not a measured cost (a strategic account costs more than a programmatic one)."
        )
    if cost_override is not None:
        notes.append("Cost is roi.program_cost (the programme's total), not the window's spend.")
    return CacResult(per, (w0, w1), level, lag_days, notes)
