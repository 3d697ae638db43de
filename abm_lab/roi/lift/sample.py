"""The sample of the lift: the period grid, who is treated when, and who was a customer at the start.

Definitions (re-exported by :mod:`.estimands`, which documents every estimand):

* :class:`PeriodGrid`: periods of ``roi.lift.panel_days`` days ending on ``as_of`` (period 0 ends on ``as_of``);
* :func:`treatment_cells`: treated / partial / exited per account × period from each account's own
  ``start_date`` / ``end_date`` in ``programs``;
* :func:`pre_programme_customers` and :func:`control_status`: status as of the programme's first start only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...config.roi import LiftParams, RoiParams
from ...errors import ABMDataError


def _lift_params(params: Any) -> LiftParams:
    if isinstance(params, RoiParams):
        return params.lift
    if isinstance(params, LiftParams):
        return params
    if params is None:
        return LiftParams()
    raise TypeError(f"expected RoiParams or LiftParams, got {type(params).__name__}")


@dataclass(frozen=True)
class PeriodGrid:
    """``n_periods`` periods of ``days`` days, the last ending on ``as_of``; labels −(n−1) … 0."""

    as_of: pd.Timestamp
    days: int
    n_periods: int

    @classmethod
    def from_params(cls, as_of: Any, params: Any = None, first_date: Any = None) -> PeriodGrid:
        """Every complete period between ``first_date`` (or ``roi.lift.history_start`` when set) and ``as_of``,
        at most ``roi.lift.max_periods``."""
        p = _lift_params(params)
        as_of_ts = pd.Timestamp(as_of).normalize()
        if p.history_start is not None:
            first_date = pd.Timestamp(p.history_start)
        if first_date is None or pd.isna(first_date):
            raise ABMDataError(
                "opportunities: no created dates; the lift panel needs history before as_of",
                file="opportunities",
                column="created_date",
                reason="empty",
            )
        span = (as_of_ts - pd.Timestamp(first_date).normalize()).days + 1
        n = span // p.panel_days
        if p.max_periods is not None:
            n = min(n, p.max_periods)
        if n < 2:
            raise ABMDataError(
                f"opportunities: history from {pd.Timestamp(first_date).date()} to {as_of_ts.date()} holds fewer "
                f"than two periods of {p.panel_days} days",
                file="opportunities",
                column="created_date",
                reason="too little history",
            )
        return cls(as_of_ts, int(p.panel_days), int(n))

    @property
    def periods(self) -> np.ndarray:
        return np.arange(-(self.n_periods - 1), 1)

    def start(self, period: Any) -> Any:
        """First day of ``period`` (scalar or array)."""
        k = -np.asarray(period)
        return self.as_of - pd.to_timedelta((k + 1) * self.days - 1, unit="D")

    def end(self, period: Any) -> Any:
        """Last day of ``period``."""
        return self.as_of - pd.to_timedelta(-np.asarray(period) * self.days, unit="D")

    @property
    def first_day(self) -> pd.Timestamp:
        return pd.Timestamp(self.start(self.periods[0]))

    def period_of(self, dates: Any) -> np.ndarray:
        """Period label of each date (float; NaN outside the grid or missing)."""
        d = pd.to_datetime(pd.Series(dates)).dt.normalize()
        k = np.floor((self.as_of - d).dt.days.to_numpy(float) / self.days)
        ok = (k >= 0) & (k < self.n_periods)
        return np.where(ok, -k, np.nan)

    def table(self) -> pd.DataFrame:
        per = self.periods
        return pd.DataFrame({"period": per, "start": self.start(per), "end": self.end(per)})


def _account_ids(accounts: Any) -> np.ndarray:
    if isinstance(accounts, pd.DataFrame):
        return accounts["account_id"].astype(str).to_numpy(object)
    return pd.Index(accounts).astype(str).to_numpy(object)


def history_start(opportunities: pd.DataFrame) -> pd.Timestamp:
    """First day both flows are observed: the later of the first created and the first close date (open deals
    carried into a CRM keep older created dates, but nothing closed before the history began is on record)."""
    created = pd.to_datetime(opportunities["created_date"]).min()
    closed = pd.to_datetime(opportunities["close_date"]).min() if "close_date" in opportunities.columns else pd.NaT
    return created if pd.isna(closed) else max(created, closed)


def first_start(programs: pd.DataFrame) -> pd.Timestamp:
    """The programme's first start date (earliest ``programs.start_date``)."""
    if programs is None or programs.empty or programs["start_date"].isna().all():
        raise ABMDataError(
            "programs: no ABM programme members; lift needs the programs table",
            file="programs",
            column="start_date",
            reason="empty",
        )
    return pd.Timestamp(programs["start_date"].min()).normalize()


def treatment_cells(accounts: Any, programs: pd.DataFrame, grid: PeriodGrid, partial_days: int = 0) -> pd.DataFrame:
    """One row per account × period: ``treated``, ``cohort`` (first treated period, NA if never in the grid),
    ``exited`` (after an exit), ``partial`` (in the programme for part of the period), ``target`` (in programs).

    Treated = one ``programs`` row covers the period (start ≤ its first day, end blank or ≥ its last day), up to
    ``partial_days`` days missing at either end (``roi.lift.partial_days``); in for at most ``partial_days`` days
    counts as not in. Rows of one account are combined (any row)."""
    ids = _account_ids(accounts)
    per = grid.periods
    tol = np.timedelta64(int(partial_days), "D")
    ps = grid.start(per).to_numpy("datetime64[ns]")
    pe = grid.end(per).to_numpy("datetime64[ns]")
    prog = programs.loc[programs["account_id"].notna() & programs["start_date"].notna()]
    s = pd.to_datetime(prog["start_date"]).dt.normalize().to_numpy("datetime64[ns]")[:, None]
    e_raw = pd.to_datetime(prog["end_date"]) if "end_date" in prog.columns else pd.Series(pd.NaT, index=prog.index)
    e_na = e_raw.isna().to_numpy()[:, None]
    e = e_raw.dt.normalize().fillna(pd.Timestamp.max.normalize()).to_numpy("datetime64[ns]")[:, None]
    covers = (s <= ps[None, :] + tol) & (e_na | (e >= pe[None, :] - tol))
    overlaps = (s <= pe[None, :] - tol) & (e_na | (e >= ps[None, :] + tol))
    left = (s <= ps[None, :] + tol) & ~e_na & (e < ps[None, :] + tol)
    pid = prog["account_id"].astype(str).to_numpy(object)

    def per_account(m: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(m, index=pid, columns=per).groupby(level=0).any()

    cov, ovl, lft = per_account(covers), per_account(overlaps), per_account(left)
    idx = pd.Index(ids, name="account_id")
    treated = cov.reindex(idx, fill_value=False).to_numpy(bool)
    partial = ovl.reindex(idx, fill_value=False).to_numpy(bool) & ~treated
    exited = lft.reindex(idx, fill_value=False).to_numpy(bool) & ~treated & ~partial
    any_t = treated.any(axis=1)
    cohort = np.where(any_t, per[np.argmax(treated, axis=1)], np.nan)
    n_p = len(per)
    out = pd.DataFrame(
        {
            "account_id": np.repeat(ids, n_p),
            "period": np.tile(per, len(ids)),
            "treated": treated.ravel(),
            "cohort": pd.array(np.repeat(cohort, n_p), dtype="Int64"),
            "exited": exited.ravel(),
            "partial": partial.ravel(),
            "target": np.repeat(pd.Index(ids).isin(set(pid)), n_p),
        }
    )
    return out


def pre_programme_customers(accounts: pd.DataFrame, opportunities: pd.DataFrame, first_start: Any) -> pd.Series:
    """Customers at the programme's first start (bool per account_id): accounts flagged ``is_customer`` whose
    first won deal on record (if any) closed before ``first_start`` — a customer already then, or from before the
    data began. A flagged account whose first win came after the start was a prospect at the start.

    Won deals alone never make a customer here: excluding every account with a win before the start would
    zero the pre-programme won revenue of the whole sample and bias every trend comparison. Without an
    ``is_customer`` column (it is derived from won deals on load), this is "won a deal before the start"."""
    start = pd.Timestamp(first_start)
    ids = _account_ids(accounts)
    o = _clean_opps(opportunities, pd.Timestamp.max.normalize())
    won = o.loc[o["is_won"]]
    first_win = won.groupby("account_id")["close"].min()
    idx = pd.Index(ids, name="account_id")
    if isinstance(accounts, pd.DataFrame) and "is_customer" in accounts.columns:
        flagged = accounts["is_customer"].fillna(False).astype(bool).to_numpy()
    else:
        flagged = idx.isin(set(first_win.index))
    fw = pd.to_datetime(pd.Series(idx, index=idx).map(first_win))
    cust = flagged & (fw.isna() | (fw < start)).to_numpy(bool)
    return pd.Series(cust, index=idx, name="customer_at_start")


def control_status(
    accounts: pd.DataFrame,
    opportunities: pd.DataFrame,
    first_start: Any,
    programs: pd.DataFrame | None = None,
) -> pd.Series:
    """Eligible never-treated controls (bool per account_id): not a customer at ``first_start`` and, when
    ``programs`` is given, not in it. Uses only status as of the first start, never later outcomes."""
    cust = pre_programme_customers(accounts, opportunities, first_start)
    ok = ~cust.to_numpy(bool)
    if programs is not None:
        ok &= ~cust.index.isin(set(programs["account_id"].dropna().astype(str)))
    return pd.Series(ok, index=cust.index, name="control")


def _clean_opps(opportunities: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    o = opportunities.loc[opportunities["account_id"].notna() & opportunities["created_date"].notna()]
    o = o.loc[pd.to_datetime(o["created_date"]).dt.normalize() <= as_of]
    stage = o["stage"].astype("string") if "stage" in o.columns else pd.Series(pd.NA, index=o.index, dtype="string")
    is_won = o["is_won"] if "is_won" in o.columns else stage.eq("closed_won")
    is_closed = o["is_closed"] if "is_closed" in o.columns else stage.isin(["closed_won", "closed_lost"])
    out = pd.DataFrame(
        {
            "opportunity_id": o["opportunity_id"].to_numpy(),
            "account_id": o["account_id"].astype(str).to_numpy(object),
            "created": pd.to_datetime(o["created_date"]).dt.normalize().to_numpy(),
            "close": pd.to_datetime(o["close_date"]).dt.normalize().to_numpy(),
            "amount": pd.to_numeric(o["amount"], errors="coerce").fillna(0.0).astype(float).to_numpy(),
            "is_won": is_won.fillna(False).astype(bool).to_numpy(),
            "is_closed": is_closed.fillna(False).astype(bool).to_numpy(),
        }
    )
    # closed after as_of = still open at as_of (nothing after as_of is known)
    late = out["close"].notna() & (out["close"] > as_of)
    out.loc[late, ["is_won", "is_closed"]] = False
    out.loc[late, "close"] = pd.NaT
    out.loc[~out["is_closed"], "close"] = pd.NaT
    out.loc[~out["is_closed"], "is_won"] = False
    return out
