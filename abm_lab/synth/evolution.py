"""How the accounts change over time: customers won, headcount changes, technology adopted, records deleted.

The generator draws the world as it stands on :data:`REFERENCE_AS_OF` (the generator's as-of date): that world
is the accounts as drawn. Each account also has a dated history of what happened to it in the last
:data:`EVOLUTION_QUARTERS` quarters before that date (and a customer's first win, however long ago), drawn from
its own random stream (:data:`EVOLUTION_STREAM`, keyed on ``demo.seed``) so no draw of the world changes. A
world generated at an earlier ``as_of`` is rewound: every event dated after ``as_of`` has not happened yet.

* **became customer**: a customer's first deal closed won on a date ``CUSTOMER_TENURE_YEARS`` (mean,
  exponential) before the reference date; before it the account is a prospect (``is_customer`` false).
* **headcount change**: a share :data:`HEADCOUNT_EVENT_SHARE` of accounts grew (or shrank) by a log-normal
  factor on a date in the window; before it ``employees`` and ``annual_revenue`` are the earlier ones.
* **adopted <tech>** / **dropped <tech>**: a share :data:`TECH_ADOPTION_SHARE` of the accounts using a
  technology (``vocab.TECH``) adopted it in the window, and a share :data:`TECH_DROP_SHARE` of those not using
  it dropped it; before the event the flag is the other way.
* **deleted**: :data:`DELETED_SHARE` x ``n_accounts`` more accounts were in the CRM and were deleted,
  disqualified or merged away on a date in the window; before it they are in the accounts table (ids after the
  reference world's, no contacts or deals of their own).

On or after the reference date every event has happened: the accounts table is the drawn one, untouched.
Everything else (intent, deals, people, touches, the programme) is simulated as before. ``truth/account_events``
lists every event with the column it changes and the value before and from its ``effective_date`` on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import vocab as V
from .accounts import EMPLOYEES_RANGE, make_accounts
from .common import QUARTER_DAYS

#: The generator's as-of date: the world drawn is the world on this day; earlier as-of dates rewind it.
REFERENCE_AS_OF = pd.Timestamp("2026-12-31")
#: Spawn key of the evolution's own random stream (``SeedSequence(demo.seed, spawn_key=(EVOLUTION_STREAM,))``).
EVOLUTION_STREAM = 15_005
#: Headcount changes, technology adoptions and deletions fall in this many quarters before the reference date.
EVOLUTION_QUARTERS = 4
#: Customers' tenure on the reference date (their first win that long before it): exponential, this mean.
CUSTOMER_TENURE_YEARS = 4.0
DAYS_PER_YEAR = 365.25
#: Share of accounts whose headcount changed in the window, and the log of the change factor ~ N(mean, sd).
HEADCOUNT_EVENT_SHARE = 0.15
HEADCOUNT_LOG_CHANGE = (0.15, 0.25)
#: Share of the accounts using a technology (``vocab.TECH``) on the reference date that adopted it in the window,
#: and share of those not using it that dropped it (replaced it, or the contract ended) in the window.
TECH_ADOPTION_SHARE = 0.1
TECH_DROP_SHARE = 0.05
#: Accounts deleted, disqualified or merged away in the window, as a share of ``n_accounts``.
DELETED_SHARE = 0.06
#: Events of ``truth/account_events``.
BECAME_CUSTOMER, HEADCOUNT_CHANGE, DELETED = "became customer", "headcount change", "deleted"
ADOPTED, DROPPED = "adopted {}", "dropped {}"
EVENT_COLUMNS = ["account_id", "event", "column", "effective_date", "before", "after"]


def evolution_rng(seed: int) -> np.random.Generator:
    """The evolution's own random generator, independent of the world's main stream."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(EVOLUTION_STREAM,)))


@dataclass
class History:
    """The accounts' dated events (``events``, :data:`EVENT_COLUMNS`) and the deleted accounts' rows (as drawn)."""

    events: pd.DataFrame
    deleted: pd.DataFrame


def _window_dates(rng: np.random.Generator, n: int) -> pd.DatetimeIndex:
    """``n`` dates uniform over the :data:`EVOLUTION_QUARTERS` quarters up to the reference date (inclusive)."""
    days = rng.integers(0, EVOLUTION_QUARTERS * QUARTER_DAYS, n)
    return pd.DatetimeIndex(REFERENCE_AS_OF - pd.to_timedelta(days, unit="D"))


def _events(account_id: np.ndarray, event: str, column: str, when, before, after) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": np.asarray(account_id, dtype=object),
            "event": event,
            "column": column,
            "effective_date": pd.DatetimeIndex(when).astype("datetime64[ns]"),
            "before": np.asarray(before, float),
            "after": np.asarray(after, float),
        },
        columns=EVENT_COLUMNS,
    )


def _deleted_accounts(rng: np.random.Generator, acc: pd.DataFrame, n: int, start: pd.Timestamp) -> pd.DataFrame:
    """``n`` accounts drawn as the others are, minus subsidiaries and any whose name or domain resembles an
    account of the world (so no person's company is ambiguous); ids continue the world's."""
    if n == 0:
        return acc.iloc[0:0].copy()
    extra = make_accounts(rng, n, start).table
    slug = acc["domain"].astype(str).str.split(".").str[0].str.lower()
    taken = set(acc["name"].astype(str).str.lower()) | set(slug)
    keep = (
        extra["parent_account_id"].isna()
        & ~extra["name"].astype(str).str.lower().isin(taken)
        & ~extra["domain"].astype(str).str.split(".").str[0].str.lower().isin(taken)
    )
    extra = extra.loc[keep].reset_index(drop=True)
    extra["is_customer"] = False  # prospects when they were deleted (a customer's record is kept)
    width = len(str(acc["account_id"].iloc[-1])) - 1 if len(acc) else 6
    first = len(acc) + 1
    nums = np.char.zfill(np.arange(first, first + len(extra)).astype(str), width)
    extra["account_id"] = np.char.add("A", nums).astype(object)
    return extra


def account_history(seed: int, acc: pd.DataFrame, start: pd.Timestamp) -> History:
    """Every account's dated events before the reference date, drawn from the evolution's own stream.

    ``acc`` is the accounts table as drawn (the reference world), ``start`` the first simulated week (the
    deleted accounts' CRM records were created before it, as the others'). The draws depend on the accounts
    and the seed only, not on as-of: every as-of date of a world sees the same history.
    """
    rng = evolution_rng(seed)
    n = len(acc)
    ids = acc["account_id"].to_numpy()
    out = []
    cust = np.flatnonzero(acc["is_customer"].to_numpy(bool))
    tenure = rng.exponential(CUSTOMER_TENURE_YEARS * DAYS_PER_YEAR, len(cust)).astype(np.int64)
    out.append(_events(ids[cust], BECAME_CUSTOMER, "is_customer", REFERENCE_AS_OF - pd.to_timedelta(tenure, "D"), 0, 1))

    grew = np.flatnonzero(rng.random(n) < HEADCOUNT_EVENT_SHARE)
    factor = np.exp(rng.normal(*HEADCOUNT_LOG_CHANGE, len(grew)))
    when = _window_dates(rng, len(grew))
    emp = acc["employees"].to_numpy()[grew]
    rev = acc["annual_revenue"].to_numpy()[grew]
    emp_before = np.clip(np.round(emp / factor), *EMPLOYEES_RANGE)
    out.append(_events(ids[grew], HEADCOUNT_CHANGE, "employees", when, emp_before, emp))
    out.append(_events(ids[grew], HEADCOUNT_CHANGE, "annual_revenue", when, np.round(rev / factor, -3), rev))

    for tech in V.TECH:
        uses = acc[tech].to_numpy(bool)
        for event, now, share in ((ADOPTED, 1, TECH_ADOPTION_SHARE), (DROPPED, 0, TECH_DROP_SHARE)):
            rows = np.flatnonzero(uses == bool(now))
            rows = rows[rng.random(len(rows)) < share]
            out.append(_events(ids[rows], event.format(tech), tech, _window_dates(rng, len(rows)), 1 - now, now))

    deleted = _deleted_accounts(rng, acc, int(round(DELETED_SHARE * n)), start)
    out.append(_events(deleted["account_id"], DELETED, "account_id", _window_dates(rng, len(deleted)), 1, 0))
    events = pd.concat(out, ignore_index=True)
    return History(
        events=events.sort_values(["effective_date", "account_id"], kind="stable", ignore_index=True), deleted=deleted
    )


def accounts_at(acc: pd.DataFrame, history: History, as_of: pd.Timestamp) -> pd.DataFrame:
    """The accounts table on ``as_of``: the drawn one with every event dated after ``as_of`` undone (the
    deleted accounts not yet deleted appended). On or after the last event the drawn table itself (unchanged)."""
    ev = history.events
    pending = ev.loc[ev["effective_date"] > as_of]
    if pending.empty:
        return acc
    out = acc.copy()
    row = pd.Series(np.arange(len(acc)), index=acc["account_id"].to_numpy())
    # the earliest pending event of an account and column holds the value before all of them
    first = pending.drop_duplicates(["account_id", "column"], keep="first")
    for column, g in first.loc[first["column"] != "account_id"].groupby("column", sort=False):
        idx = row.reindex(g["account_id"].to_numpy()).to_numpy()
        values = out[column].to_numpy().copy()
        values[idx] = g["before"].to_numpy().astype(values.dtype)
        out[column] = values
    gone = set(pending.loc[pending["column"] == "account_id", "account_id"])
    still = history.deleted.loc[history.deleted["account_id"].isin(gone)]
    if len(still):
        out = pd.concat([out, still], ignore_index=True)
        out = out.astype(acc.dtypes.to_dict())
    return out
