"""Numbers, changes, money symbols and dates as the leadership pages show them (numbers via :mod:`abm_lab.style`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import style
from .load import get

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹"}


def fmt_kpi(x: float | None, kind: str, currency: str = "$", digits: int = 1) -> str:
    """Format a KPI value: money ('$4.35M'), pct (share in, '31.0%' out), int ('1,234') or num ('0.81')."""
    if kind == "money":
        return style.fmt_money(x, currency)
    if kind == "pct":
        return style.fmt_pct(x, digits)
    if kind == "num":
        return style.fmt_num(x, digits)
    return style.fmt(x, kind)


def fmt_delta(
    now: float | None, prev: float | None, kind: str, currency: str = "$", digits: int = 1
) -> tuple[str, str]:
    """('▲ +12 (+5.0%)', 'up') style change from prev to now; ('', 'none') when either is missing."""
    if now is None or prev is None:
        return "", "none"
    d = now - prev
    if abs(d) < 1e-12:
        return "● no change", "flat"
    arrow, cls, sign = ("▲", "up", "+") if d > 0 else ("▼", "down", "−")
    rel = f" ({sign}{abs(d) / abs(prev) * 100:.1f}%)" if prev and kind in ("int", "money") else ""
    if kind == "pct":
        body = f"{sign}{abs(d) * 100:.{digits}f} pts"
    elif kind == "money":
        body = f"{sign}{style.fmt_money(abs(d), currency)}"
    elif kind == "int":
        body = f"{sign}{abs(d):,.0f}"
    else:
        body = f"{sign}{abs(d):.2f}"
    return f"{arrow} {body}{rel}", cls


def currency_symbol(params: dict) -> str:
    """``report.currency_symbol``, else the symbol of ``run.currency`` (USD → '$'), else the code plus a space."""
    sym = get(params, "report", "currency_symbol")
    if sym:
        return str(sym)
    code = str(get(params, "run", "currency") or "USD").upper()
    return _SYMBOLS.get(code, code + " ")


def cap(s: str) -> str:
    """``s`` with its first letter in upper case."""
    return s[:1].upper() + s[1:]


def parse_date(x: Any) -> dt.date | None:
    """A date from a date or an ISO string (its first 10 characters), else None."""
    if isinstance(x, dt.date):
        return x
    try:
        return dt.date.fromisoformat(str(x)[:10])
    except (TypeError, ValueError):
        return None


def fmt_date(x: Any) -> str:
    """'1 Jul 2026' ('–' when missing, the text itself when not a date)."""
    d = parse_date(x)
    return f"{d.day} {d:%b %Y}" if d else ("–" if x in (None, "") else str(x))


def window_text(params: dict) -> str:
    """'1 Jul 2026 to 30 Sep 2026' for the run's reporting window ('' when not set)."""
    ws, we = parse_date(get(params, "run", "window_start")), parse_date(get(params, "run", "window_end"))
    return f"{fmt_date(ws)} to {fmt_date(we)}" if ws and we else ""


def fmt_ts(x: Any) -> str:
    """An ISO timestamp as '2026-09-30 18:00 UTC' ('–' when missing)."""
    if not x:
        return "–"
    try:
        t = dt.datetime.fromisoformat(str(x).replace("Z", "+00:00"))
    except ValueError:
        return str(x)
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC)
        return f"{t:%Y-%m-%d %H:%M} UTC"
    return f"{t:%Y-%m-%d %H:%M}"
