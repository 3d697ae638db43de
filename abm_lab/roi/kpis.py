"""Funnel and revenue KPIs of a reporting window, and the KPI tiles against the targets set at program outset.

Units: counts of accounts / opportunities, money in the run currency (``run.currency``; :data:`MONEY_COLUMNS`
are its columns, which tables show with the currency symbol), rates as shares (0–1), durations
in days. Segments: tier, grade, ABM vs not (membership in the ``programs`` table), quarter, or any account /
opportunity column (sector, product, owner, ...); see :func:`abm_lab.roi.segments.account_frame`.

* :func:`account_funnel_flags` / :func:`funnel` / :func:`funnel_by_quarter` – engaged → MQA → opportunity → won,
  each stage counted after the previous one (stage dates per account), a win tied to the window's opportunity.
* :func:`deal_kpis` – opportunities, pipeline, win rate, revenue, deal size, cycle days.
* :func:`window_kpis`, :func:`kpi_tiles`, :class:`KpiResults` – headline actuals against their targets.
* :func:`pseudonymise` – stable labels instead of sales reps' names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..compute import Engine, open_engine
from ..config.compute import ComputeParams
from ..config.roi import KpiTargets, RoiParams
from ..errors import ABMDataError
from ..results import Results, Summary
from .funnel_dates import mqa_spells_on, register_touches, window_touch_stats_on
from .segments import Window, in_window, parse_window, quarters

#: Columns of :func:`funnel` and :func:`deal_kpis` frames in the run currency: tables format them as money with
#: the run's currency symbol (:func:`abm_lab.report.formatting.leadership_table`'s ``money``), never as bare numbers.
MONEY_COLUMNS = ("pipeline", "revenue", "avg_deal_size")


#: Touch-level funnel state already computed, per (window start, end, engaged and MQA rule): for one touch table.
TouchCache = dict[tuple[Any, ...], tuple[pd.DataFrame, pd.DataFrame]]


def window_touch_state(
    touchpoints: pd.DataFrame,
    window: tuple[pd.Timestamp, pd.Timestamp],
    p: RoiParams,
    *,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
    cache: TouchCache | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The touch-level part of :func:`account_funnel_flags` for a parsed window: per account, touches, contacts
    and n-th touch day in the window (:func:`~abm_lab.roi.funnel_dates.window_touch_stats`) and the MQA runs
    (:func:`~abm_lab.roi.funnel_dates.mqa_spells`), both on one engine. ``cache`` (one per touch table, e.g.
    the notebook's inputs) keeps them, so segments and views of the same window read the touches once."""
    w0, w1 = window
    key = (w0, w1, p.engaged_min_touches, p.mqa_lookback_days, p.mqa_min_touches, p.mqa_min_contacts)
    if cache is not None and key in cache:
        return cache[key]
    with open_engine(engine, compute) as eng:
        register_touches(eng, touchpoints)
        stats = window_touch_stats_on(eng, p.engaged_min_touches, w0, w1 + pd.Timedelta(days=1))
        mqa = mqa_spells_on(eng, w0, w1, p)
    if cache is not None:
        cache[key] = (stats, mqa)
    return stats, mqa


# --------------------------------------------------------------------------- funnel
def account_funnel_flags(
    accounts: pd.DataFrame,
    touchpoints: pd.DataFrame,
    opportunities: pd.DataFrame,
    window: Window,
    params: RoiParams | None = None,
    as_of: object = None,
    *,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
    cache: TouchCache | None = None,
) -> pd.DataFrame:
    """Per account, in the window: each funnel stage, the day it was reached, and whether it followed the last.

    * ``touches`` / ``engaged_contacts`` in the window; **engaged**: ≥ ``roi.engaged_min_touches`` touches in
      the window, ``engaged_date`` the day of that touch.
    * **mqa**: the MQA rule (≥ ``roi.mqa_min_touches`` touches from ≥ ``roi.mqa_min_contacts`` distinct known
      contacts in the ``roi.mqa_lookback_days`` ending on a day) holds on the window's last day.
      ``mqa_date``: the day the account became an MQA – the first day of its first unbroken run of MQA days
      that reaches into the window (the window's first day for a carried one). ``mqa_carried`` (any account):
      already an MQA on the window's first day, a run of MQA days begun before the window.
    * ``mqa_from_engaged``: became an MQA in the window on or after its engaged date (never a carried MQA:
      it was an MQA before it was engaged in this window).
    * **has_opp** / ``opps`` / ``pipeline`` (run currency): opportunities created in the window; ``opp_date`` the first.
      ``opp_from_mqa``: an MQA with an opportunity created in the window on or after its MQA date; an
      opportunity created before the MQA date did not come from the MQA stage.
    * **won** / ``revenue`` (run currency): an opportunity created in the window (one counted in ``has_opp``) was won,
      by ``as_of`` (None: as the opportunities table stands), and the amount of those won. A deal won in the
      window that was created before it is not this window's win (:func:`deal_kpis` counts deals closed in the
      window, the revenue tile).
    * ``penetration``: engaged contacts / ``roi.buying_committee_size`` (at most 1).

    The touch-level work (window counts, n-th touch, MQA runs) runs on ``engine`` or one made from ``compute``
    (DuckDB by default; :func:`window_touch_state`), once per window and rule when ``cache`` is given.
    """
    p = params or RoiParams()
    w0, w1 = parse_window(window)
    stats, mqa = window_touch_state(touchpoints, (w0, w1), p, engine=engine, compute=compute, cache=cache)
    out = accounts[["account_id"]].copy()
    aid = out["account_id"]
    ids = aid.to_numpy(dtype=object)
    st = stats.reindex(ids)
    out["touches"] = st["touches"].fillna(0).astype(int).to_numpy()
    out["engaged_contacts"] = st["contacts"].fillna(0).astype(int).to_numpy()
    out["engaged"] = (out["touches"] >= p.engaged_min_touches).to_numpy(bool)
    nth = st["nth_day"]
    out["engaged_date"] = nth.where(out["engaged"].to_numpy(bool)).to_numpy()
    out["mqa"] = mqa["mqa"].reindex(ids, fill_value=False).to_numpy(bool)
    first_run = mqa["since"].reindex(ids).astype(float)  # days from w0; -1: began before the window
    out["mqa_carried"] = (first_run < 0).to_numpy(bool)
    since = first_run.where(out["mqa"].to_numpy(bool))
    out["mqa_date"] = (w0 + pd.to_timedelta(since.clip(lower=0), unit="D")).to_numpy()
    eng_day = (nth - w0).dt.days.where(out["engaged"].to_numpy(bool))
    out["mqa_from_engaged"] = (since >= eng_day).to_numpy(bool)
    o = opportunities.loc[opportunities["account_id"].notna()]
    created = o.loc[in_window(o["created_date"], w0, w1)]
    out["opps"] = aid.map(created.groupby("account_id").size()).fillna(0).astype(int).to_numpy()
    out["has_opp"] = out["opps"] > 0
    out["opp_date"] = created.groupby("account_id")["created_date"].min().reindex(ids).to_numpy()
    c_day = (created["created_date"].dt.normalize() - w0).dt.days.to_numpy(float)
    m_day = mqa["since"].where(mqa["mqa"]).reindex(created["account_id"].to_numpy(dtype=object)).to_numpy(float)
    after = c_day >= m_day  # created on or after the MQA date (NaN: no MQA, never after)
    out["opp_from_mqa"] = (out["mqa"] & aid.isin(created.loc[after, "account_id"])).to_numpy(bool)
    out["pipeline"] = aid.map(created.groupby("account_id")["amount"].sum()).fillna(0.0).to_numpy(float)
    won = created.loc[created["is_won"].astype(bool).to_numpy(bool)]
    if as_of is not None:
        won = won.loc[(won["close_date"] < pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)).to_numpy(bool)]
    out["won"] = aid.isin(won["account_id"]).to_numpy(bool)
    out["revenue"] = aid.map(won.groupby("account_id")["amount"].sum()).fillna(0.0).to_numpy(float)
    out["penetration"] = np.minimum(out["engaged_contacts"] / p.buying_committee_size, 1.0)
    return out


def funnel(
    accounts: pd.DataFrame,
    touchpoints: pd.DataFrame,
    opportunities: pd.DataFrame,
    window: Window,
    by: str | None = None,
    params: RoiParams | None = None,
    as_of: object = None,
    *,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
    cache: TouchCache | None = None,
) -> pd.DataFrame:
    """Account funnel per segment (``by`` = a column of ``accounts``, e.g. tier, grade, abm), stages in order.

    Account counts (:func:`account_funnel_flags`): accounts, engaged, mqa, with_opp, won (an opportunity of
    the window won); mqa_carried (already MQAs when the window opened), mqa_from_engaged, opp_from_mqa,
    opp_not_from_mqa (with_opp − opp_from_mqa: non-MQAs, and MQAs whose opportunities all predate their MQA
    date). Rates (shares), each stage reached after the previous one: engaged→MQA = mqa_from_engaged / engaged
    accounts not already MQAs, MQA→opportunity = opp_from_mqa / mqa, opportunity→won = won / with_opp.
    Pipeline, revenue (run currency) of the window's opportunities (revenue: those won); penetration = mean engaged
    contacts / buying committee over engaged accounts (0–1).
    """
    f = account_funnel_flags(
        accounts, touchpoints, opportunities, window, params, as_of=as_of, engine=engine, compute=compute, cache=cache
    )
    f = f.merge(accounts, on="account_id", how="left")
    key = by if by else "_all"
    if not by:
        f["_all"] = "all accounts"
    rows = []
    for g, d in f.groupby(key, sort=True, dropna=False):
        e, m, o, w = d["engaged"], d["mqa"], d["has_opp"], d["won"]
        rows.append(
            {
                key if by else "segment": g,
                "accounts": len(d),
                "engaged": int(e.sum()),
                "mqa": int(m.sum()),
                "with_opp": int(o.sum()),
                "won": int(w.sum()),
                "mqa_carried": int((m & d["mqa_carried"]).sum()),
                "mqa_from_engaged": int(d["mqa_from_engaged"].sum()),
                "opp_from_mqa": int(d["opp_from_mqa"].sum()),
                "opp_not_from_mqa": int((o & ~d["opp_from_mqa"]).sum()),
                "engaged_to_mqa": _rate(d["mqa_from_engaged"].sum(), (e & ~d["mqa_carried"]).sum()),
                "mqa_to_opp": _rate(d["opp_from_mqa"].sum(), m.sum()),
                "opp_to_won": _rate((o & w).sum(), o.sum()),
                "pipeline": float(d["pipeline"].sum()),
                "revenue": float(d["revenue"].sum()),
                "penetration": float(d.loc[e, "penetration"].mean()) if e.any() else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index(key if by else "segment")


def _rate(a: float, b: float) -> float:
    return float(a) / float(b) if b else np.nan


def funnel_by_quarter(
    accounts: pd.DataFrame,
    touchpoints: pd.DataFrame,
    opportunities: pd.DataFrame,
    start: object,
    end: object,
    by: str | None = None,
    params: RoiParams | None = None,
    as_of: object = None,
    *,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
    cache: TouchCache | None = None,
) -> pd.DataFrame:
    """:func:`funnel` for each calendar quarter between ``start`` and ``end`` (rows: quarter[, segment])."""
    frames = []
    for q in quarters((start, end)):
        win = (q.start_time, q.end_time.normalize())
        f = funnel(
            accounts, touchpoints, opportunities, win, by, params, as_of, engine=engine, compute=compute, cache=cache
        )
        f.insert(0, "quarter", str(q))
        frames.append(f.reset_index())
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- deals
def deal_kpis(
    opportunities: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    window: Window | None = None,
    segments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Deal KPIs per segment.

    Created in the window: ``opps`` (count), ``pipeline`` (run currency). Closed in the window:
    ``won``, ``lost``, ``win_rate`` = won / (won + lost), ``revenue`` (run currency, won amount),
    ``avg_deal_size`` (run currency, mean won amount), ``avg_cycle_days`` / ``median_cycle_days``
    (close − created, won deals, days; closed-only averages are biased low for the
    pipeline as a whole – see :func:`abm_lab.roi.velocity.estimate_velocity`). ``window=None`` = all time.
    ``by`` may name opportunity columns, columns of ``segments`` (joined on account_id,
    e.g. industry, tier, abm) or ``"quarter"`` (quarter of creation for created metrics,
    of closing for closed ones).
    """
    o = opportunities.copy()
    if segments is not None:
        extra = [c for c in segments.columns if c not in o.columns or c == "account_id"]
        o = o.merge(segments[extra], on="account_id", how="left")
    keys = [by] if isinstance(by, str) else list(by or [])
    for k in keys:
        if k != "quarter" and k not in o.columns:
            raise ABMDataError(
                f"opportunities: no column '{k}' to group KPIs by",
                file="opportunities",
                column=k,
                reason="missing column",
            )
        if k != "quarter":
            o[k] = o[k].astype("string").fillna("unknown")
    if window is not None:
        w0, w1 = parse_window(window)
        c_mask = in_window(o["created_date"], w0, w1)
        k_mask = o["is_closed"].astype(bool) & in_window(o["close_date"], w0, w1)
    else:
        c_mask = o["created_date"].notna() | o["created_date"].isna()
        k_mask = o["is_closed"].astype(bool)
    cr = o.loc[c_mask].copy()
    cl = o.loc[k_mask].copy()
    if "quarter" in keys:
        cr["quarter"] = cr["created_date"].dt.to_period("Q").astype("string").fillna("no date")
        cl["quarter"] = cl["close_date"].dt.to_period("Q").astype("string").fillna("no date")
    cl["won_amt"] = np.where(cl["is_won"].astype(bool), cl["amount"].astype(float), np.nan)
    cl["cycle"] = np.where(cl["is_won"].astype(bool), (cl["close_date"] - cl["created_date"]).dt.days, np.nan)
    gkeys = keys or (lambda _: "all")
    a = cr.groupby(gkeys, dropna=False).agg(opps=("opportunity_id", "size"), pipeline=("amount", "sum"))
    b = cl.groupby(gkeys, dropna=False).agg(
        won=("is_won", "sum"),
        closed=("is_won", "size"),
        revenue=("won_amt", "sum"),
        avg_deal_size=("won_amt", "mean"),
        avg_cycle_days=("cycle", "mean"),
        median_cycle_days=("cycle", "median"),
    )
    out = a.join(b, how="outer")
    out["opps"] = out["opps"].fillna(0).astype(int)
    out["pipeline"] = out["pipeline"].fillna(0.0)
    out["won"] = out["won"].fillna(0).astype(int)
    out["lost"] = (out["closed"].fillna(0) - out["won"]).astype(int)
    out["win_rate"] = out["won"] / (out["won"] + out["lost"]).replace(0, np.nan)
    out["revenue"] = out["revenue"].fillna(0.0)
    out = out.drop(columns="closed")
    if not keys:
        out.index = pd.Index(["all"], name="segment")
    return out[
        [
            "opps",
            "pipeline",
            "won",
            "lost",
            "win_rate",
            "revenue",
            "avg_deal_size",
            "avg_cycle_days",
            "median_cycle_days",
        ]
    ]


def pseudonymise(values: pd.Series, prefix: str = "owner") -> pd.Series:
    """Replace names (e.g. sales reps) by stable labels "owner 01", … in sorted-name order.

    No personal data in reports; the same name always gets the same label within one table."""
    s = values.astype("string")
    names = sorted(s.dropna().unique())
    width = max(2, len(str(len(names))))
    return s.map({n: f"{prefix} {i + 1:0{width}d}" for i, n in enumerate(names)}).astype("string")


# --------------------------------------------------------------------------- tiles
TILE_LABELS = {
    "engaged_accounts": "Engaged accounts",
    "mqas": "MQAs",
    "opportunities": "Opportunities created",
    "pipeline": "Pipeline created",
    "win_rate": "Win rate",
    "avg_deal_size": "Average deal size",
    "revenue": "Won revenue",
    "roi": "Program ROI",
}
TILE_KIND = {
    "engaged_accounts": "int",
    "mqas": "int",
    "opportunities": "int",
    "pipeline": "money",
    "win_rate": "pct",
    "avg_deal_size": "money",
    "revenue": "money",
    "roi": "pct",
}


#: Status of a tile whose KPI has no target in ``roi.targets``.
NO_TARGET = "no target set"


def kpi_tiles(actuals: dict[str, float], targets: KpiTargets, at_risk: float | None = None) -> pd.DataFrame:
    """KPI tiles: actual vs the target set at program outset.

    ``attainment`` = actual / target; status "on track" (≥ 1), "at risk" (≥ ``at_risk``, default
    ``roi.tile_at_risk``), "behind" otherwise (for ROI: actual ≥ target, ≥ 0, below 0). A KPI without a target
    (None, the default of ``roi.targets``) keeps its actual with status :data:`NO_TARGET` and no attainment, never
    a share of a missing target. Only KPIs present in both ``actuals`` and the targets are shown.
    """
    at_risk = RoiParams().tile_at_risk if at_risk is None else at_risk
    rows = []
    tgt = targets.model_dump()
    for k, label in TILE_LABELS.items():
        if k not in actuals or k not in tgt:
            continue
        a, t = actuals[k], tgt[k]
        if a is None or (isinstance(a, float) and not np.isfinite(a)):
            status, att = "no data", np.nan
        elif t is None:
            status, att, t = NO_TARGET, np.nan, np.nan
        elif k == "roi":
            att = np.nan
            status = "on track" if a >= t else ("at risk" if a >= 0 else "behind")
        else:
            att = a / t if t else np.nan
            status = "on track" if att >= 1 else ("at risk" if att >= at_risk else "behind")
        rows.append(
            {
                "kpi": k,
                "label": label,
                "kind": TILE_KIND[k],
                "actual": a,
                "target": t,
                "attainment": att,
                "status": status,
            }
        )
    return pd.DataFrame(rows).set_index("kpi")


def window_kpis(flags: pd.DataFrame, deals: pd.DataFrame, has_touches: bool = True) -> dict[str, float]:
    """Headline actuals for the tiles from :func:`account_funnel_flags` and :func:`deal_kpis` (one row).

    Without touchpoints (``has_touches=False``) engagement KPIs are NaN ("no data"), not 0.
    """
    r = deals.iloc[0]
    na = np.nan
    return {
        "engaged_accounts": float(flags["engaged"].sum()) if has_touches else na,
        "mqas": float(flags["mqa"].sum()) if has_touches else na,
        "opportunities": float(r["opps"]),
        "pipeline": float(r["pipeline"]),
        "win_rate": float(r["win_rate"]),
        "avg_deal_size": float(r["avg_deal_size"]),
        "revenue": float(r["revenue"]),
    }


@dataclass
class KpiResults(Results):
    """Headline KPIs of one reporting window against their targets (units as in :func:`window_kpis`)."""

    window: tuple[pd.Timestamp, pd.Timestamp]
    flags: pd.DataFrame  # per account: :func:`account_funnel_flags`
    deals: pd.DataFrame  # one row: :func:`deal_kpis` over the window
    actuals: dict[str, float]
    tiles: pd.DataFrame  # :func:`kpi_tiles`

    def summary(self) -> Summary:
        w0, w1 = self.window
        s = Summary(f"KPIs {w0.date()} to {w1.date()} against targets")
        s.add_table(self.tiles[["label", "actual", "target", "attainment", "status"]], "KPI tiles")
        s.add_note("attainment = actual / target; ROI is rated against its target, 0 and below")
        return s


def window_results(
    segments: pd.DataFrame,
    touchpoints: pd.DataFrame,
    opportunities: pd.DataFrame,
    window: Window,
    params: RoiParams | None = None,
    has_touches: bool = True,
    roi: float | None = None,
    *,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
    cache: TouchCache | None = None,
) -> KpiResults:
    """Funnel flags, deal KPIs, actuals and tiles of one window (``roi``: the program ROI, when estimated); the
    touch-level work on ``engine`` or one made from ``compute`` (:func:`account_funnel_flags`)."""
    p = params or RoiParams()
    flags = account_funnel_flags(
        segments, touchpoints, opportunities, window, p, engine=engine, compute=compute, cache=cache
    )
    deals = deal_kpis(opportunities, window=window)
    actuals = window_kpis(flags, deals, has_touches)
    if roi is not None:
        actuals["roi"] = roi
    return KpiResults(parse_window(window), flags, deals, actuals, kpi_tiles(actuals, p.targets, p.tile_at_risk))
