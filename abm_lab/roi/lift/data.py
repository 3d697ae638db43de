"""Analysis frames of the lift estimators: eligible accounts, the account × period panel, and deals.

Treated = accounts in the ``programs`` table; post period = [program start, as_of]; pre period = the same
length before the start (or ``roi.lift.pre_period_days``). Covariates are pre-program only (firmographics,
technographics, pre-period opportunities and touches), standardised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ...compute import Engine, open_engine
from ...config.compute import ComputeParams
from ...config.roi import LiftParams
from ...errors import ABMDataError
from ..funnel_dates import by_account, register_touches
from ..sql import touch_count_sql
from .weighting import add_category_indicators


@dataclass
class LiftData:
    """Analysis frames: one row per eligible account, per account × period, per deal."""

    accounts: pd.DataFrame  # account_id, treated, X columns, post outcomes, pre outcomes
    panel: pd.DataFrame  # account_id, period (int), post (bool), treated, opps, pipeline, won_revenue, days
    deals: pd.DataFrame  # opportunity_id, account_id, treated, post, won (closed only), amount
    covariates: list[str]
    program_start: pd.Timestamp
    as_of: pd.Timestamp
    pre_start: pd.Timestamp
    excluded: dict[str, int] = field(default_factory=dict)

    @property
    def n_treated(self) -> int:
        return int(self.accounts["treated"].sum())


def _covariates(acc: pd.DataFrame) -> pd.DataFrame:
    """Pre-program firmographic / technographic design (standardised later)."""
    X = pd.DataFrame(index=acc.index)
    emp = pd.to_numeric(acc.get("employees"), errors="coerce").astype(float)
    if emp.notna().any():
        le = np.log1p(emp.fillna(emp.median()))
        X["log_employees"] = le
        X["log_employees_sq"] = (le - le.mean()) ** 2
        X["employees_missing"] = emp.isna().astype(float)
    rev = pd.to_numeric(acc.get("annual_revenue"), errors="coerce").astype(float)
    if rev.notna().any():
        X["log_revenue"] = np.log1p(rev.fillna(rev.median()))
    return add_category_indicators(X, acc)


def touch_counts(
    touchpoints: pd.DataFrame,
    ranges: Sequence[tuple[pd.Timestamp, pd.Timestamp]],
    *,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
) -> pd.DataFrame:
    """Touches per account (index: account_id as str, accounts with any touch) in each ``[lo, hi)`` of ``ranges``
    (columns ``n_0``, ``n_1``, … int), counted on ``engine`` or one made from ``compute``
    (:func:`abm_lab.roi.sql.touch_count_sql`; DuckDB by default)."""
    with open_engine(engine, compute) as eng:
        register_touches(eng, touchpoints[["account_id", "timestamp"]])
        r = by_account(eng.sql(touch_count_sql(ranges)))
    out = pd.DataFrame({f"n_{i}": r[f"n_{i}"].to_numpy(np.int64) for i in range(len(ranges))}, index=r.index)
    out.index = out.index.astype(str)
    return out.sort_index(kind="stable")


def prepare(
    tables: dict[str, pd.DataFrame],
    touchpoints: pd.DataFrame | None = None,
    *,
    as_of: Any,
    program_start: Any = None,
    params: LiftParams | None = None,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
) -> LiftData:
    """Build the analysis frames from canonical tables.

    Treated = accounts in the ``programs`` table. Program start = ``program_start`` or the
    earliest ``programs.start_date``. Post period = [start, as_of]; pre period = the same
    length before the start (or ``pre_period_days``), not before the first opportunity.
    Eligible accounts: all except customers that won no deal after the start (existing
    customers have no new-business opportunities); excluded counts are kept.
    ``touchpoints`` (with account_id resolved) adds pre-period engagement as a covariate, counted on ``engine``
    or one made from ``compute`` (:func:`touch_counts`).
    """
    p = params or LiftParams()
    as_of = pd.Timestamp(as_of).normalize()
    prog = tables.get("programs")
    if prog is None or prog.empty:
        raise ABMDataError(
            "programs: no ABM program members; lift needs the programs table",
            file="programs",
            column="account_id",
            reason="empty",
        )
    start = pd.Timestamp(program_start) if program_start is not None else pd.Timestamp(prog["start_date"].min())
    if start >= as_of:
        raise ABMDataError(
            f"programs: program start {start.date()} is not before as_of {as_of.date()}",
            file="programs",
            column="start_date",
            reason="no post period",
        )
    post_days = (as_of - start).days + 1
    pre_days = p.pre_period_days or post_days
    opps = tables["opportunities"]
    o = opps.loc[opps["account_id"].notna() & opps["created_date"].notna()].copy()
    first = o["created_date"].min()
    pre_start = (
        max(start - pd.Timedelta(days=pre_days), first.normalize())
        if pd.notna(first)
        else start - pd.Timedelta(days=pre_days)
    )
    acc = tables["accounts"].copy()
    treated_ids = set(prog.loc[prog["start_date"] <= as_of, "account_id"].dropna())
    acc["treated"] = acc["account_id"].isin(treated_ids).to_numpy(bool)
    won_post = set(o.loc[o["is_won"].astype(bool) & (o["close_date"] >= start), "account_id"])
    cust = acc["is_customer"].fillna(False).astype(bool).to_numpy()
    old_customer = cust & ~acc["account_id"].isin(won_post).to_numpy(bool) & ~acc["treated"].to_numpy(bool)
    excluded = {"existing_customers": int(old_customer.sum()), "accounts_in": len(acc)}
    acc = acc.loc[~old_customer].reset_index(drop=True)
    X = _covariates(acc)
    aid = acc["account_id"]

    def per_acc(mask: pd.Series, col: str | None = None) -> np.ndarray:
        d = o.loc[mask]
        s = d.groupby("account_id").size() if col is None else d.groupby("account_id")[col].sum()
        return aid.map(s).fillna(0).astype(float).to_numpy()

    cd, cl = o["created_date"], o["close_date"]
    is_pre = (cd >= pre_start) & (cd < start)
    is_post = (cd >= start) & (cd <= as_of)
    won = o["is_won"].astype(bool)
    acc["opps_pre"] = per_acc(is_pre)
    acc["opp_rate"] = per_acc(is_post)
    acc["pipeline"] = per_acc(is_post, "amount")
    acc["pipeline_pre"] = per_acc(is_pre, "amount")
    o["_won_amt"] = np.where(won, o["amount"].astype(float).fillna(0.0), 0.0)
    acc["won_revenue"] = per_acc(is_post & won & (cl <= as_of), "_won_amt")
    X["opps_pre"] = acc["opps_pre"]
    X["any_opp_pre"] = (acc["opps_pre"] > 0).astype(float)
    if touchpoints is not None and p.engagement_covariate and len(touchpoints):
        cnt = touch_counts(touchpoints, [(pre_start, start)], engine=engine, compute=compute)["n_0"]
        n_tp = aid.astype(str).map(cnt).fillna(0).astype(float)
        X["log_touches_pre"] = np.log1p(n_tp).to_numpy()
    X = X.loc[:, X.std(ddof=0) > 0]
    X = (X - X.mean()) / X.std(ddof=0)
    X.columns = [f"x_{i}" for i in range(X.shape[1])]
    covs = list(X.columns)
    acc = pd.concat([acc, X], axis=1)

    # account x period panel: the pre and post periods are each cut into near-equal periods of
    # about panel_days; outcomes are per panel_days (rates), so periods of unequal length compare
    pdays = p.panel_days
    pre_len_days = (start - pre_start).days
    n_post = max(1, int(round(post_days / pdays)))
    n_pre = max(1, int(round(pre_len_days / pdays)))
    post_len, pre_len = post_days / n_post, pre_len_days / n_pre
    day = (o["created_date"] - start).dt.days.to_numpy(float)
    per = np.where(
        day >= 0, np.minimum(np.floor(day / post_len), n_post - 1), -np.minimum(np.ceil(-day / pre_len), n_pre)
    )
    o["_period"] = per.astype(int)
    periods = np.arange(-n_pre, n_post)
    in_panel = (cd >= pre_start) & (cd <= as_of)
    op = o.loc[in_panel]
    g_opps = op.groupby(["account_id", "_period"]).size()
    g_pipe = op.groupby(["account_id", "_period"])["amount"].sum()
    wr = o.loc[in_panel & won & (cl <= as_of)]
    g_won = wr.groupby(["account_id", "_period"])["_won_amt"].sum()
    idx = pd.MultiIndex.from_product([aid.to_numpy(), periods], names=["account_id", "_period"])
    panel = pd.DataFrame(index=idx).reset_index()
    panel["post"] = panel["_period"] >= 0
    panel["days"] = np.where(panel["post"], post_len, pre_len)
    for col, g in (("opp_rate", g_opps), ("pipeline", g_pipe), ("won_revenue", g_won)):
        panel[f"{col}_count"] = g.reindex(idx).fillna(0).to_numpy(float)
        panel[col] = panel[f"{col}_count"] * pdays / panel["days"]  # per panel_days
    panel["treated"] = panel["account_id"].map(dict(zip(aid, acc["treated"], strict=False))).to_numpy(bool)
    panel = panel.rename(columns={"_period": "period"})
    panel.attrs.update({"panel_days": pdays, "post_days": post_days, "pre_days": pre_len_days})

    # deals: opportunities of eligible accounts created in the pre or post period
    dl = o.loc[(is_pre | is_post) & o["account_id"].isin(set(aid))].copy()
    dl["treated"] = dl["account_id"].isin(treated_ids).to_numpy(bool)
    dl["post"] = is_post.loc[dl.index].to_numpy(bool)
    dl["closed"] = (dl["is_closed"].astype(bool) & (dl["close_date"] <= as_of)).to_numpy(bool)
    dl["won"] = dl["is_won"].astype(bool).astype(float)
    dl["amount"] = dl["amount"].astype(float)
    deals = dl[["opportunity_id", "account_id", "treated", "post", "closed", "won", "amount"]].reset_index(drop=True)
    deals = deals.merge(acc[["account_id"] + covs], on="account_id", how="left")
    return LiftData(acc, panel, deals, covs, start, as_of, pre_start, excluded)
