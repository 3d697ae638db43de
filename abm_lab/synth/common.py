"""Helpers shared by the generator's steps: the world's calendar, random picks, ids, the logistic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config.core import DemoParams

#: Weeks per quarter (the world runs in whole weeks, ``n_quarters * 13`` of them).
WEEKS_PER_QUARTER = 13


@dataclass(frozen=True)
class Calendar:
    """The weeks the world spans: ``n_weeks`` weeks from ``start`` to ``as_of`` (inclusive), and the program start."""

    as_of: pd.Timestamp
    start: pd.Timestamp
    weeks: pd.DatetimeIndex
    n_weeks: int
    program_start: pd.Timestamp
    post: np.ndarray  # bool per week: on or after the program start

    @classmethod
    def from_params(cls, demo: DemoParams, as_of: dt.date | str) -> Calendar:
        as_of_ts = pd.Timestamp(as_of).normalize()
        n_weeks = demo.n_quarters * WEEKS_PER_QUARTER
        end = as_of_ts + pd.Timedelta(days=1)
        start = end - pd.Timedelta(weeks=n_weeks)
        weeks = start + pd.to_timedelta(np.arange(n_weeks) * 7, unit="D")
        program_start = pd.Timestamp(demo.program_start)
        return cls(
            as_of=as_of_ts,
            start=start,
            weeks=weeks,
            n_weeks=n_weeks,
            program_start=program_start,
            post=np.asarray(weeks >= program_start),
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
