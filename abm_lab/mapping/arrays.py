"""Column helpers shared by the mapping modules: strings as object / Arrow arrays, codes, positions.

The cascade works on whole columns at once; these helpers turn pandas columns (numpy-, pandas- or
Arrow-backed) into the few array shapes it needs, without copying Arrow-backed strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ABMDataError

__all__ = [
    "as_object",
    "arrow_strings",
    "encode",
    "positions",
    "isin",
    "casefold",
    "string_column",
    "object_column",
    "require_columns",
    "append_missing",
]


def as_object(s: Any) -> np.ndarray:
    """Object array of str / None (fast for pandas' Arrow-backed string columns)."""
    s = pd.Series(s) if not isinstance(s, pd.Series) else s
    if isinstance(s.dtype, pd.StringDtype) or str(s.dtype) == "str":
        return s.to_numpy(dtype=object, na_value=None)
    return s.astype("string").to_numpy(dtype=object, na_value=None)


def arrow_strings(values: Any) -> Any:
    """A pyarrow string array for a Series / array / list (zero-copy for Arrow-backed columns)."""
    import pyarrow as pa

    if isinstance(values, pd.Series):
        arr = values.array
        pa_arr = getattr(arr, "_pa_array", None)
        if pa_arr is not None and (pa.types.is_string(pa_arr.type) or pa.types.is_large_string(pa_arr.type)):
            return pa_arr.combine_chunks() if isinstance(pa_arr, pa.ChunkedArray) else pa_arr
        values = as_object(values)
    return pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)


def encode(arr: Any) -> tuple[np.ndarray, list]:
    """(codes with -1 for null, distinct values) of a pyarrow string array."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arr)
    if hasattr(enc, "combine_chunks"):
        enc = enc.combine_chunks()
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, enc.dictionary.to_pylist()


def append_missing(arr: np.ndarray) -> np.ndarray:
    """``arr`` with one trailing ``None``, so that a code of -1 (missing) indexes a missing value."""
    return np.append(arr, np.array([None], dtype=object))


def _as_series(values: Any) -> pd.Series:
    return values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object), dtype=object)


def positions(values: Any, keys: Any) -> np.ndarray:
    """Position of each value in ``keys`` (-1 when absent or blank), hashed in Arrow."""
    import pyarrow.compute as pc

    pos = pc.index_in(arrow_strings(_as_series(values)), value_set=arrow_strings(_as_series(keys)))
    return pc.fill_null(pos, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def isin(arr: np.ndarray, values: Iterable[str]) -> np.ndarray:
    """Boolean array: which elements of the object array ``arr`` are in ``values``."""
    return pd.Series(arr, dtype=object).isin(list(values)).to_numpy(dtype=bool)


def casefold(s: pd.Series) -> np.ndarray:
    """Stripped, case-folded strings as an object array ('' for blanks)."""
    return s.astype("string").str.strip().str.casefold().fillna("").to_numpy(dtype=object)


def string_column(df: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` as pandas strings (all <NA> when the column is absent)."""
    if name in df.columns:
        return df[name].astype("string")
    return pd.Series(pd.NA, index=df.index, dtype="string")


def object_column(df: pd.DataFrame, name: str) -> np.ndarray:
    """Column as an object array of str / None (all-None when the column is absent)."""
    if name in df.columns:
        return as_object(df[name])
    return np.full(len(df), None, dtype=object)


def require_columns(df: pd.DataFrame, cols: list[str], table: str) -> None:
    """Raise :class:`~abm_lab.errors.ABMDataError` naming the first of ``cols`` missing from ``df``."""
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ABMDataError(
            f"{table}: missing column(s) {missing} needed for lead-to-account mapping; found {list(df.columns)}",
            file=table,
            column=missing[0],
            reason="missing column",
        )
