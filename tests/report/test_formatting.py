"""Numbers, changes, currency symbols and dates on the leadership pages (abm_lab.report.formatting)."""

from __future__ import annotations

import datetime as dt

from abm_lab import report
from abm_lab.report import formatting


def test_currency_symbol():
    assert report.currency_symbol({}) == "$" and report.currency_symbol({"run": {"currency": "EUR"}}) == "€"
    assert report.currency_symbol({"run": {"currency": "CHF"}}) == "CHF "
    assert report.currency_symbol({"report": {"currency_symbol": "US$"}, "run": {"currency": "EUR"}}) == "US$"


def test_fmt_kpi_kinds():
    assert report.fmt_kpi(4_350_000, "money") == "$4.35M" and report.fmt_kpi(0.31, "pct") == "31.0%"
    assert report.fmt_kpi(1234, "int") == "1,234" and report.fmt_kpi(0.8123, "num", digits=2) == "0.81"
    assert report.fmt_kpi(None, "pct") == "–"


def test_fmt_delta_money_and_no_change():
    assert report.fmt_delta(4_350_000, 3_900_000, "money") == ("▲ +$450,000 (+11.5%)", "up")
    assert report.fmt_delta(0.5, 0.5, "num") == ("● no change", "flat")


def test_dates_and_window():
    assert formatting.fmt_date("2026-07-01") == "1 Jul 2026" and formatting.fmt_date(None) == "–"
    assert formatting.parse_date(dt.date(2026, 1, 2)) == dt.date(2026, 1, 2) and formatting.parse_date("x") is None
    params = {"run": {"window_start": "2026-07-01", "window_end": "2026-09-30"}}
    assert formatting.window_text(params) == "1 Jul 2026 to 30 Sep 2026" and formatting.window_text({}) == ""
    assert formatting.fmt_ts("2026-09-30T18:00:00+00:00") == "2026-09-30 18:00 UTC" and formatting.fmt_ts(None) == "–"
