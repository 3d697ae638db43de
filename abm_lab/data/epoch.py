"""Unix epoch timestamps in date and time columns (``data.epoch_unit``): which numbers are epochs, and reading them.

A number is an epoch only when it cannot be a date (``20260105`` and ``2026`` stay dates): see
:data:`EPOCH_MIN_DIGITS`. Values are read exactly (integer and fraction parts apart, no float rounding).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Nanoseconds per unit of a Unix epoch timestamp.
EPOCH_UNITS: dict[str, int] = {"s": 10**9, "ms": 10**6}
#: A number is taken as an epoch timestamp (not as a date like ``20260105`` or ``2026``) when its integer part has
#: at least this many digits or it has a fraction: 10**8 s is 1973-03-03, before any CRM export. In ms the same
#: instant is 10**11: smaller values would be in 1970-1973 and are refused as "seconds read as milliseconds".
EPOCH_MIN_DIGITS = 9
_EPOCH_MIN = {"s": 10**8, "ms": 10**11}
_NUMBER = r"[+-]?\d+(?:\.\d*)?"


def _number_parts(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """(is a plain number, integer part with its sign, fraction digits, has a decimal point) of a stripped
    string column; vectorised (pyarrow regular expressions)."""
    num = s.str.fullmatch(_NUMBER).fillna(False).astype(bool)
    body = s.where(num).str.lstrip("+")
    point = body.str.contains(".", regex=False).fillna(False).astype(bool)
    if not point.any():  # integers only (the usual epoch column): no splitting
        return num, body, pd.Series("", index=s.index, dtype="string"), point
    whole = body.str.replace(r"\..*$", "", regex=True)
    frac = body.str.replace(r"^[^.]*\.?", "", regex=True).fillna("")
    return num, whole, frac, point


def _to_int64(s: pd.Series) -> np.ndarray:
    """Digit strings (no blanks) as int64, exactly (an Arrow cast: fast and no float on the way)."""
    return s.astype("string[pyarrow]").astype("int64[pyarrow]").to_numpy(dtype=np.int64)


def epoch_like(s: pd.Series) -> pd.Series:
    """Rows of a (stripped, string) column holding a number that can only be a Unix epoch timestamp."""
    num, whole, _, point = _number_parts(s)
    if not num.any():
        return num
    digits = whole.str.lstrip("-").str.len().fillna(0)
    return (num & ((digits >= EPOCH_MIN_DIGITS) | point)).astype(bool)


def epoch_to_datetime(values: pd.Series, unit: str) -> tuple[pd.Series, pd.Series]:
    """Unix epoch timestamps (text or numbers, in ``unit`` 's' or 'ms') as UTC instants: (values, refused mask).

    The values are ``datetime64[ns, UTC]``. Integer and fractional parts are read separately, so that
    ``1767225600123`` ms is exactly ``2026-01-01 00:00:00.123`` (no float rounding). Refused: what is not a
    non-negative number, instants outside the datetime64[ns] range (e.g. milliseconds read as seconds), and in
    ``ms`` values before 10**11 (1973-03-03; seconds read as milliseconds). Blanks stay blank, not refused.
    """
    if unit not in EPOCH_UNITS:
        raise ValueError(f"epoch unit must be one of {sorted(EPOCH_UNITS)}, not {unit!r}")
    per = EPOCH_UNITS[unit]
    n = len(values)
    whole = np.zeros(n, dtype=np.int64)
    frac_ns = np.zeros(n, dtype=np.int64)
    if pd.api.types.is_integer_dtype(values):  # a numeric column (Parquet, DuckDB): no text round trip
        present = values.notna().to_numpy(dtype=bool)
        m = present.copy()
        whole[m] = values[m].to_numpy(dtype=np.int64)
    else:
        if pd.api.types.is_float_dtype(values):  # integral floats as integers ('1767225600.0' -> '1767225600')
            integral = values.notna() & (values == np.floor(values.fillna(0)))
            values = values.astype("object").where(~integral, values.where(integral).astype("Int64").astype("object"))
        s = values.astype("string").str.strip()
        s = s.mask(s == "")
        present = s.notna().to_numpy(dtype=bool)
        num, whole_txt, frac_txt, _ = _number_parts(s)
        width = len(str(per)) - 1  # digits of a fraction that are whole nanoseconds
        ok = num & ~whole_txt.str.startswith("-").fillna(True).astype(bool)
        ok &= (whole_txt.str.len().fillna(99) <= 18).astype(bool)  # fits int64 exactly
        m = ok.to_numpy(dtype=bool, copy=True)
        if m.any():
            whole[m] = _to_int64(whole_txt[m])
            f = frac_txt[m]
            if bool((f != "").any()):
                frac_ns[m] = _to_int64(f.str.slice(0, width).str.pad(width, side="right", fillchar="0"))
    limit = np.iinfo(np.int64).max // per - 1
    m &= (whole <= limit) & (whole >= _EPOCH_MIN[unit])
    ns = np.where(m, whole, 0) * per + np.where(m, frac_ns, 0)
    out = pd.Series(pd.to_datetime(ns, unit="ns", utc=True), index=values.index).astype("datetime64[ns, UTC]")
    out = out.where(m)
    return out, pd.Series(present & ~m, index=values.index)


def epoch_reason(unit: str | None) -> str:
    if unit is None:
        return (
            "numbers (Unix epoch timestamps?); set data.epoch_unit in params ('s' for seconds, 'ms' for "
            "milliseconds) to read them"
        )
    other = "ms" if unit == "s" else "s"
    return (
        f"numbers that are no plausible Unix epoch timestamp in data.epoch_unit '{unit}' (before 1973 or after "
        f"2262); if the column is in {'milliseconds' if other == 'ms' else 'seconds'}, set data.epoch_unit "
        f"to '{other}'"
    )
