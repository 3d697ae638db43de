"""Property-based tests of the CSV reader and value parsers (:mod:`abm_lab.data.parse`, issue 16 classes 3, 4).

Truth is built by the test: random records written with the csv module (quotes, commas, embedded newlines),
numbers formatted with random separators, dates formatted day- or month-first."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abm_lab.data.parse import (
    ParseOptions,
    _records,
    _records_without_quotes,
    epoch_to_datetime,
    parse_dates,
    parse_numbers,
    read_csv,
)
from abm_lab.errors import ABMDataError

SETTINGS = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# cell text: letters, digits, commas, quotes and newlines (never a whole record, never blank)
cell = st.text(alphabet=st.sampled_from(list('ab Z9.,"\n')), min_size=1, max_size=8).filter(
    lambda v: v.strip() != "" and v.count(",") < 2
)
records = st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=12)


def write(tmp: Path, rows: list[list[str]], name: str = "t.csv") -> tuple[Path, list[int]]:
    """Write header + rows; return the path and the physical first line of each row."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["a", "b", "c"])
    starts, line = [], 2
    for r in rows:
        starts.append(line)
        before = buf.tell()
        w.writerow(r)
        line += buf.getvalue()[before:].count("\n")
    p = tmp / name
    p.write_text(buf.getvalue())
    return p, starts


@SETTINGS
@given(rows=records)
def test_quoted_content_reads_back_exactly_with_physical_lines(tmp_path, rows):
    """Class 3: every record comes back (values exact, none lost) and its line is the file's own."""
    p, starts = write(tmp_path, rows)
    df, lines = read_csv(p)
    assert df.values.tolist() == rows
    assert lines.tolist() == starts


@SETTINGS
@given(rows=records, at=st.integers(0, 11), extra=st.booleans())
def test_field_count_error_names_the_physical_line(tmp_path, rows, at, extra):
    """Class 3: a record with a field too many or too few is refused at its own first line."""
    at = min(at, len(rows) - 1)
    bad = [r[:] for r in rows]
    bad[at] = bad[at] + ["x"] if extra else bad[at][:2]
    p, starts = write(tmp_path, bad)
    with pytest.raises(ABMDataError) as e:
        read_csv(p)
    assert e.value.reason == "field count" and e.value.rows == [starts[at]]
    assert f"line {starts[at]}" in str(e.value) and str(p) in str(e.value)


@SETTINGS
@given(n=st.integers(1, 8), at=st.integers(0, 7), span=st.integers(1, 4))
def test_stray_quote_never_swallows_rows(tmp_path, n, at, span):
    """Class 3: a quote opened in one record and closed records later is refused at the opening line."""
    lines = ["id,ts,kind"] + [f"R{i},2026-01-0{1 + i % 9},web" for i in range(n + span + 1)]
    at = min(at, n)
    close = at + span + 1  # line index (0 = header) where the stray quote closes
    lines[at + 1] = lines[at + 1].replace(",web", ',"web')
    lines[close] = lines[close] + '"'
    p = tmp_path / "s.csv"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(ABMDataError) as e:
        read_csv(p)
    assert e.value.reason == "bad quoting" and e.value.rows == [at + 2]


@SETTINGS
@given(rows=st.lists(st.lists(st.text(alphabet="ab,9 ", max_size=5), min_size=3, max_size=3), max_size=20))
def test_fast_record_map_agrees_with_the_csv_module(rows):
    """Class 3: the vectorised map used for quote-free files gives the csv module's lines and field counts."""
    text = "a,b,c\n" + "".join(",".join(r) + "\n" for r in rows)
    fast = _records_without_quotes(text)
    assert fast is not None
    assert [x.tolist() for x in fast] == [x.tolist() for x in _records(text, "t.csv")]


def test_duplicate_header_is_refused(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("id,name,name\n1,a,b\n")
    with pytest.raises(ABMDataError) as e:
        read_csv(p)
    assert e.value.reason == "duplicate column" and e.value.column == "name"


def opts(**kw) -> ParseOptions:
    base = ParseOptions.default()
    return ParseOptions(
        kw.get("date_format", base.date_format),
        kw.get("timezone", base.timezone),
        kw.get("decimal", base.decimal),
        kw.get("thousands", base.thousands),
    )


def fmt_number(whole: int, frac: str, neg: bool, dec: str, th: str | None) -> str:
    digits = f"{whole:,}".replace(",", th) if th else str(whole)
    return ("-" if neg else "") + digits + (dec + frac if frac else "")


@SETTINGS
@given(
    vals=st.lists(
        st.tuples(st.integers(0, 10**12), st.text(alphabet="0123456789", max_size=4), st.booleans()),
        min_size=1,
        max_size=20,
    ),
    seps=st.sampled_from([(".", None), (",", None), (".", ","), (",", "."), (",", " "), (".", "'"), (".", " ")]),
)
def test_numbers_with_given_separators_parse_back_exactly(vals, seps):
    """Class 4: numbers formatted with data.decimal / data.thousands read back to exactly their value."""
    dec, th = seps
    text = pd.Series([fmt_number(w, f, n, dec, th) for w, f, n in vals], dtype=str)
    num, bad, _ = parse_numbers(text, opts(decimal=dec, thousands=th))
    want = [float(("-" if n else "") + str(w) + ("." + f if f else "")) for w, f, n in vals]
    assert not bad.any() and num.tolist() == want


@SETTINGS
@given(vals=st.lists(st.tuples(st.integers(0, 10**9), st.text(alphabet="0123456789", max_size=3)), min_size=1))
def test_numbers_never_change_meaning_without_separators(vals):
    """Class 4: with the defaults a European number is refused, never read as another value."""
    text = pd.Series([fmt_number(w, f, False, ",", ".") for w, f in vals], dtype=str)
    num, bad, _ = parse_numbers(text, opts())
    want = [float(str(w) + ("." + f if f else "")) for w, f in vals]
    for got, refused, truth, t in zip(num.tolist(), bad.tolist(), want, text, strict=True):
        # with a decimal comma: refused or right ('1,5' is never 15); without one the text is a valid
        # '.'-decimal number and means what data.decimal '.' says ('1.000' is 1.0)
        assert refused or got == (truth if "," in t else float(t)), (t, got)


def test_thousands_detected_only_when_unambiguous():
    got, bad, _ = parse_numbers(pd.Series(["1,200,000", "5", "2,500.75"], dtype=str), opts())
    assert not bad.any() and got.tolist() == [1_200_000.0, 5.0, 2500.75]
    for ambiguous in (["1,200", "5"], ["1.200,50"], ["1,5"], ["0,001", "1.000"]):
        assert parse_numbers(pd.Series(ambiguous, dtype=str), opts())[1].any(), ambiguous


dates = st.lists(st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31)), min_size=1, max_size=15)


@SETTINGS
@given(ds=dates, day_first=st.booleans(), sep=st.sampled_from("/.-"))
def test_day_month_dates_are_read_right_or_refused(ds, day_first, sep):
    """Class 4: without data.date_format a day/month column is read exactly or refused, never misread."""
    f = f"%d{sep}%m{sep}%Y" if day_first else f"%m{sep}%d{sep}%Y"
    text = pd.Series([d.strftime(f) for d in ds], dtype=str)
    out, bad, why = parse_dates(text, opts())
    if bad.any():
        assert "data.date_format" in why
    else:
        assert [t.date() for t in out] == ds
    got, bad, _ = parse_dates(text, opts(date_format=f))  # with the format given: always exact
    assert not bad.any() and [t.date() for t in got] == ds


def test_ambiguous_and_mixed_dates_are_refused():
    out, bad, why = parse_dates(pd.Series(["05/01/2026", "06/02/2026"], dtype=str), opts())
    assert bad.tolist() == [True, True] and "ambiguous" in why
    out, bad, why = parse_dates(pd.Series(["13/01/2026", "01/13/2026"], dtype=str), opts())
    assert bad.all() and "both" in why
    out, bad, why = parse_dates(pd.Series(["2026-01-05", "5 Jan 2026"], dtype=str), opts())
    assert bad.tolist() == [False, True] and "mixes" in why
    out, bad, _ = parse_dates(pd.Series(["13/01/2026", "05/01/2026"], dtype=str), opts())  # day-first proven
    assert not bad.any() and out.tolist() == [pd.Timestamp("2026-01-13"), pd.Timestamp("2026-01-05")]


@SETTINGS
@given(
    ts=st.lists(st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 1, 1)), min_size=1, max_size=10),
    minutes=st.integers(-12 * 60, 14 * 60),
)
def test_offsets_convert_to_the_timezone(ts, minutes):
    """Class 4: an ISO timestamp with an offset is the same instant in data.timezone (UTC and another zone)."""
    ts = [t.replace(microsecond=0) for t in ts]
    off = dt.timezone(dt.timedelta(minutes=minutes))
    text = pd.Series([t.replace(tzinfo=off).isoformat() for t in ts], dtype=str)
    for tz in ("UTC", "America/New_York"):
        out, bad, _ = parse_dates(text, opts(timezone=tz))
        want = [pd.Timestamp(t.replace(tzinfo=off)).tz_convert(tz).tz_localize(None) for t in ts]
        assert not bad.any() and out.tolist() == want


# ---- Unix epoch timestamps (issue 13: HubSpot-style epoch-ms exports) ----------------------------------------

EPOCH_START, EPOCH_END = pd.Timestamp("1973-03-04", tz="UTC"), pd.Timestamp("2200-01-01", tz="UTC")


def epoch_opts(unit: str | None, tz: str = "UTC") -> ParseOptions:
    return dataclasses.replace(ParseOptions.default(), epoch_unit=unit, timezone=tz)


@settings(max_examples=25, deadline=None, database=None)
@given(
    ms=st.lists(st.integers(int(EPOCH_START.value // 10**6), int(EPOCH_END.value // 10**6)), min_size=1, max_size=20),
    tz=st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]),
)
def test_epoch_seconds_and_milliseconds_read_to_exact_instants(ms, tz):
    """Truth: random instants; written as epoch ms, epoch s with a millisecond fraction, and whole epoch s, they
    read back exactly, converted to the time zone (naive, like offsets)."""
    truth = pd.Series(pd.to_datetime(ms, unit="ms", utc=True)).dt.tz_convert(tz).dt.tz_localize(None)
    truth = truth.astype("datetime64[ns]")
    got, bad, _ = parse_dates(pd.Series([str(v) for v in ms]), epoch_opts("ms", tz))
    assert not bad.any() and got.tolist() == truth.tolist()
    as_s = pd.Series([f"{v // 1000}.{v % 1000:03d}" for v in ms])
    got, bad, _ = parse_dates(as_s, epoch_opts("s", tz))
    assert not bad.any() and got.tolist() == truth.tolist()
    whole = pd.Series([v // 1000 for v in ms], dtype="int64")  # a numeric column (Parquet, DuckDB)
    got, bad, _ = parse_dates(whole, epoch_opts("s", tz))
    assert not bad.any() and got.tolist() == truth.dt.floor("s").tolist()


def test_epoch_known_instants_and_dst():
    got, bad, _ = parse_dates(pd.Series(["1767225600", "1782864000"]), epoch_opts("s", "Europe/Berlin"))
    # 2026-01-01T00:00Z is 01:00 in Berlin (CET); 2026-07-01T00:00Z is 02:00 (CEST)
    assert got.tolist() == [pd.Timestamp("2026-01-01 01:00"), pd.Timestamp("2026-07-01 02:00")] and not bad.any()
    vals, refused = epoch_to_datetime(pd.Series(["1767225600123", None, "x"]), "ms")
    assert vals.iloc[0] == pd.Timestamp("2026-01-01 00:00:00.123", tz="UTC")
    assert pd.isna(vals.iloc[1]) and refused.tolist() == [False, False, True]


def test_numbers_in_a_date_column_are_refused_without_epoch_unit():
    s = pd.Series(["2026-01-05", "1767225600123", "1767225600", ""])
    got, bad, why = parse_dates(s, epoch_opts(None))
    assert bad.tolist() == [False, True, True, False]
    assert "data.epoch_unit" in why and "'s'" in why and "'ms'" in why


def test_the_wrong_epoch_unit_is_refused_with_the_other_one_suggested():
    _, bad, why = parse_dates(pd.Series(["1767225600123"]), epoch_opts("s"))  # ms read as s: year 58000
    assert bad.all() and "set data.epoch_unit to 'ms'" in why
    _, bad, why = parse_dates(pd.Series(["1767225600"]), epoch_opts("ms"))  # s read as ms: January 1970
    assert bad.all() and "set data.epoch_unit to 's'" in why


def test_epoch_unit_keeps_compact_dates_and_mixes_with_iso():
    got, bad, _ = parse_dates(pd.Series(["20260105", "2026"]), epoch_opts("s"))  # YYYYMMDD / YYYY stay dates
    assert got.tolist() == [pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-01")] and not bad.any()
    got, bad, _ = parse_dates(pd.Series(["1767225600000", "2026-01-02T10:00:00+01:00"]), epoch_opts("ms"))
    assert got.tolist() == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-02 09:00")] and not bad.any()


def test_epoch_unit_comes_from_params():
    from abm_lab.config import Params

    p = Params.model_validate({"data": {"epoch_unit": "ms", "timezone": "Europe/Berlin"}})
    o = ParseOptions.from_params(p)
    assert o.epoch_unit == "ms" and o.timezone == "Europe/Berlin"
    assert ParseOptions.default().epoch_unit is None
