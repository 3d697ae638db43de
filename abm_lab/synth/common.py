"""Helpers shared by the generator's steps: the world's calendar, random picks, ids, the logistic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config.core import DemoParams
from ..errors import ABMParamsError

#: Weeks per quarter (the world runs in whole weeks, ``n_quarters * 13`` of them).
WEEKS_PER_QUARTER = 13


#: Days per programme quarter (13 weeks): cohorts start, and exits happen, this far apart.
QUARTER_DAYS = 7 * WEEKS_PER_QUARTER


@dataclass(frozen=True)
class Calendar:
    """The weeks the world spans.

    Observed: ``n_weeks`` weeks from ``start`` to ``as_of`` (inclusive). Simulated: ``n_burn`` burn-in weeks
    before ``start`` (dropped, so that the first observed weeks are stationary) and then the observed ones;
    ``sim_weeks`` holds all ``n_sim`` week starts and observed week ``t`` is simulated week ``n_burn + t``.
    """

    as_of: pd.Timestamp
    start: pd.Timestamp
    weeks: pd.DatetimeIndex
    n_weeks: int
    program_start: pd.Timestamp
    n_burn: int
    sim_weeks: pd.DatetimeIndex

    @property
    def n_sim(self) -> int:
        return self.n_burn + self.n_weeks

    @property
    def sim_start(self) -> pd.Timestamp:
        return pd.Timestamp(self.sim_weeks[0])

    def observed(self, a: np.ndarray) -> np.ndarray:
        """The observed weeks of an accounts x simulated-weeks array (a view)."""
        return a[:, self.n_burn :]

    def week_index(self, dates: Any) -> np.ndarray:
        """Simulated week of each date: the first week starting on or after it (``n_sim`` if none)."""
        return np.searchsorted(self.sim_weeks.values, pd.DatetimeIndex(dates).values, side="left")

    @classmethod
    def from_params(cls, demo: DemoParams, as_of: dt.date | str) -> Calendar:
        as_of_ts = pd.Timestamp(as_of).normalize()
        n_weeks = demo.n_quarters * WEEKS_PER_QUARTER
        n_burn = demo.scenario.burn_in_weeks
        end = as_of_ts + pd.Timedelta(days=1)
        start = end - pd.Timedelta(weeks=n_weeks)
        sim_weeks = start + pd.to_timedelta((np.arange(n_burn + n_weeks) - n_burn) * 7, unit="D")
        program_start = pd.Timestamp(demo.program_start)
        last_start = program_start + pd.Timedelta(days=QUARTER_DAYS * (demo.scenario.stagger_quarters - 1))
        if not start <= program_start or not last_start < as_of_ts:
            raise ABMParamsError(
                f"demo.program_start ({program_start.date()}) and its last cohort's start ({last_start.date()}, "
                f"demo.scenario.stagger_quarters={demo.scenario.stagger_quarters}) must fall inside the observed "
                f"window {start.date()} .. {as_of_ts.date()}"
            )
        return cls(
            as_of=as_of_ts,
            start=start,
            weeks=sim_weeks[n_burn:],
            n_weeks=n_weeks,
            program_start=program_start,
            n_burn=n_burn,
            sim_weeks=sim_weeks,
        )


def sigmoid(x: Any) -> Any:
    """The logistic function, elementwise."""
    return 1.0 / (1.0 + np.exp(-x))


def pick(rng: np.random.Generator, options: Sequence[Any], p: Any, n: int) -> np.ndarray:
    """``n`` draws from ``options`` with weights ``p`` (normalised), as an object array."""
    p = np.asarray(p, float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p / p.sum())]


def ids(prefix: str, n: int, width: int) -> np.ndarray:
    """``n`` ids like ``A000001`` as an object array."""
    if n == 0:
        return np.empty(0, dtype=object)
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def arrow_ids(prefix: str, n: int, width: int) -> pd.Series:
    """``n`` string ids like ``T00000001`` built in Arrow (fast, no Python objects)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    nums = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), width=width, padding="0")
    out = pc.binary_join_element_wise(pa.scalar(prefix), nums, "")
    return pd.Series(pd.arrays.ArrowStringArray(out))


def arrow_nulls(n: int) -> pd.Series:
    """An all-null Arrow string column of length ``n``."""
    import pyarrow as pa

    return pd.Series(pd.arrays.ArrowStringArray(pa.nulls(n, pa.string())))


def arrow_str(a: Any) -> pd.Series:
    """A pandas ``string`` Series (Arrow-backed string ops: fast at 1M rows)."""
    return pd.Series(a, dtype="string")
