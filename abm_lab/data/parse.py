"""Reading CSV exports and parsing their values without silently changing what they mean.

* :func:`read_csv` reads every record with the :mod:`csv` module (quotes honoured, strict), checks that each has
  the header's number of fields and keeps each row's physical line in the file (correct after quoted newlines), so
  that no row can vanish into a stray quote and every message points at the file's own line.
* :func:`parse_numbers` reads numbers with the decimal and thousands separators of ``data.decimal`` /
  ``data.thousands``; a thousands separator is otherwise accepted only where it cannot be a decimal one.
* :func:`parse_dates` refuses ambiguous day/month dates (``05/01/2026``) and columns mixing formats unless
  ``data.date_format`` is given, and converts offsets to ``data.timezone`` (naive times are taken as in it).
  Numbers that can only be Unix epoch timestamps (9 or more integer digits, or a fraction) are read in
  ``data.epoch_unit`` (``s`` / ``ms``, UTC instants converted to ``data.timezone``) and refused without it:
  :func:`epoch_to_datetime`.

Parsers return the values and a mask of rows they refused with a reason; :mod:`abm_lab.data.validate` turns
those into :class:`~abm_lab.errors.ABMDataError` messages naming the rows.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ABMDataError
from .epoch import epoch_like, epoch_reason, epoch_to_datetime

#: Literal texts that stand for a missing value in some exports (compared case-insensitively). They are
#: reported, never silently taken as blank: an error in number/date columns, a warning in text columns.
NULL_TOKENS: tuple[str, ...] = ("nan", "null", "none", "n/a")


@dataclass(frozen=True)
class ParseOptions:
    """How values are read: from ``params.data`` (date_format, timezone, decimal, thousands, epoch_unit) and
    ``run.as_of``."""

    date_format: str | None
    timezone: str
    decimal: str
    thousands: str | None
    as_of: pd.Timestamp | None = None
    epoch_unit: str | None = None  # 's' / 'ms': unit of numeric (Unix epoch) timestamps; None = refuse them

    @classmethod
    def from_params(cls, params) -> ParseOptions:
        d = params.data
        as_of = pd.Timestamp(params.run.as_of) if getattr(params, "run", None) is not None else None
        return cls(d.date_format, d.timezone, d.decimal, d.thousands, as_of, getattr(d, "epoch_unit", None))

    @classmethod
    def default(cls) -> ParseOptions:
        from ..config.core import DataParams

        d = DataParams()
        return cls(d.date_format, d.timezone, d.decimal, d.thousands, None, d.epoch_unit)


@dataclass
class Lines:
    """Where each row of a (possibly combined) table came from: file of the row and its first physical line."""

    files: list[str]
    file_of: np.ndarray  # index into files, one per row
    line: np.ndarray  # physical line number (header line is 1), one per row

    @classmethod
    def simple(cls, file: str, lines: np.ndarray) -> Lines:
        return cls([file], np.zeros(len(lines), dtype=np.int64), np.asarray(lines, dtype=np.int64))

    @classmethod
    def concat(cls, parts: list[Lines]) -> Lines:
        files: list[str] = []
        file_of, line = [], []
        for p in parts:
            file_of.append(p.file_of + len(files))
            files.extend(p.files)
            line.append(p.line)
        return cls(files, np.concatenate(file_of) if file_of else np.zeros(0, np.int64), np.concatenate(line))

    def label(self, pos: int) -> str:
        """``line 7`` (single file) or ``Lead.csv line 7`` (combined table)."""
        if len(self.files) == 1:
            return f"line {int(self.line[pos])}"
        return f"{Path(self.files[int(self.file_of[pos])]).name} line {int(self.line[pos])}"


def _text(path: Path) -> tuple[bytes, str]:
    """The file's bytes (without a byte-order mark) and its text (UTF-8)."""
    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    raw = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    return raw, raw.decode("utf-8")


def _records_without_quotes(text: str | bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(first line, last line, fields) of every physical line, vectorised, when the text has no quote at all.

    Without quotes a record is exactly one line and its fields are its commas plus one; None when quotes or
    bare carriage returns make the csv module necessary."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if b'"' in raw or raw.count(b"\r") != raw.count(b"\r\n"):
        return None
    b = np.frombuffer(raw, dtype=np.uint8)
    if len(b) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    nl = np.flatnonzero(b == ord("\n"))
    if len(nl) == 0 or nl[-1] != len(b) - 1:
        nl = np.append(nl, len(b))  # last line without a newline
    commas = np.flatnonzero(b == ord(","))
    begin = np.concatenate([[0], nl[:-1] + 1])
    prev_byte = b[np.clip(nl - 1, 0, len(b) - 1)]
    length = nl - begin - ((prev_byte == ord("\r")) & (nl > begin))
    per_line = np.searchsorted(commas, nl) - np.searchsorted(commas, begin)
    size = np.where(length > 0, per_line + 1, 0).astype(np.int64)
    line = np.arange(1, len(nl) + 1, dtype=np.int64)
    return line, line, size


def _records(text: str, file: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first line, last line, fields) of every record, with the csv module (quotes honoured, strict)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    ends: list[int] = []  # physical line on which each record ends
    sizes: list[int] = []  # fields of each record
    try:
        for rec in reader:  # C parser; the loop only records where each record ends
            sizes.append(len(rec))
            ends.append(reader.line_num)
    except csv.Error as exc:
        # an unclosed quote runs to the end of the file: name the line where its record opened
        bad = (ends[-1] if ends else 0) + 1 if "end of data" in str(exc) else reader.line_num
        raise ABMDataError(
            f"{file}: malformed CSV at line {bad} ({exc}); a stray or unclosed quote would swallow rows.",
            file=file,
            rows=[bad],
            reason="bad quoting",
        ) from None
    end = np.asarray(ends, dtype=np.int64)
    start = np.concatenate([[1], end[:-1] + 1]).astype(np.int64) if len(end) else end
    return start, end, np.asarray(sizes, dtype=np.int64)


def _quoted_commas(record: str) -> list[int]:
    """Per physical line of a record: the most commas in one run of quoted text on that line."""
    out, run, best, inside = [], 0, 0, False
    for ch in record:
        if ch == '"':
            inside, run = not inside, 0
        elif ch == "\n":
            out.append(best)
            run = best = 0
        elif ch == "," and inside:
            run += 1
            best = max(best, run)
    out.append(best)
    return out


def _swallowed(text: str, start: np.ndarray, end: np.ndarray, n_fields: int, file: str) -> None:
    """Refuse a quoted value spanning lines that holds whole records (a stray quote swallowing rows).

    A value may legitimately span lines (an address, a note); quoted text on a continuation line with as many
    commas as a record has (header fields - 1) is taken as a swallowed record."""
    multi = np.flatnonzero(end > start)
    if len(multi) == 0 or n_fields < 2:
        return
    lines = io.StringIO(text, newline="").readlines()
    for i in multi:
        first, last = int(start[i]), int(end[i])
        counts = _quoted_commas("".join(lines[first - 1 : last]).replace("\r\n", "\n").replace("\r", "\n"))
        for k, n in enumerate(counts[1 : last - first + 1], start=first + 1):
            if n >= n_fields - 1:
                raise ABMDataError(
                    f"{file}: a quote opened on line {first} runs to line {last} and swallows line {k}, "
                    f"which looks like a record of its own ({n_fields - 1} commas). Fix the stray quote on "
                    f"line {first}.",
                    file=file,
                    rows=[first],
                    reason="bad quoting",
                )


def read_csv(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """All records of a CSV file as text columns (blank cells missing) and the physical line of each row.

    Raises :class:`ABMDataError` naming the file and the first bad physical line for a stray or unclosed quote,
    a record with a different number of fields than the header, or a duplicated column name. Fully blank lines
    are skipped (they hold no record); a header-only file is a table of 0 rows.
    """
    file = str(path)
    try:
        raw, text = _text(path)
    except (OSError, UnicodeDecodeError, EOFError, gzip.BadGzipFile) as exc:
        raise ABMDataError(
            f"{file}: could not be read ({type(exc).__name__}: {exc})", file=file, reason="unreadable file"
        ) from None
    fast = _records_without_quotes(raw)
    if fast is not None:
        start, end, size = fast
    else:
        start, end, size = _records(text, file)
    keep = size > 0  # fully blank lines hold no record
    start, end, size = start[keep], end[keep], size[keep]
    if len(size) == 0:
        return pd.DataFrame(), np.zeros(0, dtype=np.int64)
    n_fields = int(size[0])
    wrong = np.flatnonzero(size[1:] != n_fields)
    if len(wrong):
        i = int(wrong[0]) + 1
        first, last = int(start[i]), int(end[i])
        span = f"lines {first}-{last}" if last > first else f"line {first}"
        hint = " (a quote opened there swallows the following lines)" if last > first else ""
        raise ABMDataError(
            f"{file}: record at {span} has {int(size[i])} field(s), the header has {n_fields}{hint}. "
            f"Check quotes and delimiters from line {first} on.",
            file=file,
            rows=[first],
            reason="field count",
        )
    _swallowed(text, start, end, n_fields, file)
    try:
        df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, na_values=[""])
    except Exception as exc:
        raise ABMDataError(
            f"{file}: could not be read ({type(exc).__name__}: {exc})", file=file, reason="unreadable file"
        ) from None
    header = next((r for r in csv.reader(io.StringIO(text, newline="")) if r), [])  # stops at the first record
    seen: set[str] = set()
    for h in header:
        if h.strip() in seen:
            raise ABMDataError(
                f"{file}: column '{h.strip()}' appears more than once in the header (line {int(start[0])}); "
                "rename or drop one.",
                file=file,
                column=h.strip(),
                rows=[int(start[0])],
                reason="duplicate column",
            )
        seen.add(h.strip())
    if len(df) != len(size) - 1:  # a second, independent parse must find the same records
        raise ABMDataError(
            f"{file}: {len(size) - 1} records in the file but {len(df)} rows parsed; check quotes and blank "
            "lines inside records.",
            file=file,
            reason="row count",
        )
    return df, start[1:]


def _spellings(tokens: tuple[str, ...]) -> frozenset[str]:
    return frozenset("".join(p) for t in tokens for p in itertools.product(*({c.lower(), c.upper()} for c in t)))


_NULL_SPELLINGS = _spellings(NULL_TOKENS)


def null_tokens(s: pd.Series) -> pd.Series:
    """Rows holding a literal missing-value text (NaN, NULL, None, N/A, in any case; one hash look-up a row)."""
    if not (pd.api.types.is_string_dtype(s) or s.dtype == object):
        return pd.Series(False, index=s.index)
    return s.isin(_NULL_SPELLINGS).astype(bool)


def _num_pattern(decimal: str, thousands: str | None) -> re.Pattern[str]:
    d = re.escape(decimal)
    whole = rf"(?:[1-9]\d{{0,2}}(?:{re.escape(thousands)}\d{{3}})+|\d+)" if thousands else r"\d+"
    return re.compile(rf"^[+-]?(?:{whole}(?:{d}\d*)?|{d}\d+)(?:[eE][+-]?\d+)?$")


def parse_numbers(raw: pd.Series, opts: ParseOptions) -> tuple[pd.Series, pd.Series, str]:
    """Numbers from text with the configured separators: (values, refused-rows mask, reason of the refusal).

    With no ``data.thousands``, grouped values such as ``1,200,000`` are read only when the column gives no sign
    that the group separator is a decimal one (a value like ``3,5`` or ``1.200,50``); otherwise they are refused.
    """
    s = raw.astype("string").str.strip()
    s = s.mask(s == "")
    present = s.notna()
    thousands = opts.thousands
    if thousands is None:
        other = "," if opts.decimal == "." else "."
        grouped = s.str.fullmatch(_num_pattern(opts.decimal, other).pattern[1:-1]).fillna(False).astype(bool)
        # a grouped value is unambiguous with two separators (1,200,000) or a decimal part (1,200.50)
        seps = s.str.count(re.escape(other)).fillna(0)
        with_decimal = s.str.contains(re.escape(opts.decimal), regex=True).fillna(False).astype(bool)
        clear = grouped & ((seps >= 2) | ((seps >= 1) & with_decimal))
        if bool(clear.any()) and not bool((present & ~grouped).any()):
            thousands = other  # every value well grouped, some unambiguously: the separator is a thousands one
    ok = s.str.fullmatch(_num_pattern(opts.decimal, thousands).pattern[1:-1]).fillna(False).astype(bool)
    txt = s
    if thousands:
        txt = txt.str.replace(thousands, "", regex=False)
    if opts.decimal != ".":
        txt = txt.str.replace(opts.decimal, ".", regex=False)
    num = pd.to_numeric(txt.where(ok), errors="coerce").astype("float64")
    bad = (present & ~ok).astype(bool)
    sep = f"decimal '{opts.decimal}', thousands {repr(thousands) if thousands else 'none'}"
    return num, bad, f"not a number with {sep} (set data.decimal / data.thousands in params)"


_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$")
_YMD = re.compile(r"^\d{4}[/.]\d{1,2}[/.]\d{1,2}(?:[T ].*)?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*$")
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


def _localise(values: pd.Series, aware: pd.Series, opts: ParseOptions, fmt: str | None) -> pd.Series:
    """Parse ``values`` (all of one format); offsets are converted to ``opts.timezone``, naive taken as in it."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    naive = ~aware
    kw: dict = {"format": fmt} if fmt else {"format": "mixed"}
    if naive.any():
        out[naive] = pd.to_datetime(values[naive], errors="coerce", **kw).astype("datetime64[ns]")
    if aware.any():
        got = pd.to_datetime(values[aware], errors="coerce", utc=True, **kw)
        out[aware] = got.dt.tz_convert(opts.timezone).dt.tz_localize(None).astype("datetime64[ns]")
    return out


def parse_dates(raw: pd.Series, opts: ParseOptions) -> tuple[pd.Series, pd.Series, str]:
    """Dates/timestamps from text: (naive values in ``opts.timezone``, refused-rows mask, reason).

    ISO (``2026-01-05``, ``2026-01-05T10:00:00+0100``), year-first and unambiguous day/month values pass.
    Refused without ``data.date_format``: day/month values where both parts are at most 12 and no value of the
    column tells which comes first, columns with values proving both orders, and columns mixing formats.
    Numbers that can only be epoch timestamps (:mod:`abm_lab.data.epoch`) are read in ``opts.epoch_unit``
    (:func:`epoch_to_datetime`, then converted to ``opts.timezone``) and refused when it is not set.
    """
    s = raw.astype("string").str.strip()
    s = s.mask(s == "")
    present = s.notna().astype(bool)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    if not present.any():
        return out, pd.Series(False, index=s.index), ""
    if not opts.date_format:  # fast path: a column entirely in ISO 8601, one kind of offset (or none)
        try:
            fast = pd.to_datetime(s, format="ISO8601")
        except (ValueError, TypeError, OverflowError):
            fast = None
        if fast is not None and pd.api.types.is_datetime64_any_dtype(fast):
            if getattr(fast.dt, "tz", None) is not None:
                fast = fast.dt.tz_convert(opts.timezone).dt.tz_localize(None)
            return fast.astype("datetime64[ns]"), pd.Series(False, index=s.index), ""
    epoch = epoch_like(s)
    if epoch.any():
        if opts.epoch_unit is None:
            return out, epoch, epoch_reason(None)
        got, refused = epoch_to_datetime(raw.where(epoch), opts.epoch_unit)
        if refused.any():
            return out, refused, epoch_reason(opts.epoch_unit)
        out[epoch] = got[epoch].dt.tz_convert(opts.timezone).dt.tz_localize(None).astype("datetime64[ns]")
        rest = present & ~epoch
        if not rest.any():
            return out, pd.Series(False, index=s.index), ""
        r_out, r_bad, r_why = parse_dates(raw.where(rest), opts)  # the other values, as any date column
        out[rest] = r_out[rest]
        return out, r_bad & rest, r_why
    aware = s.str.contains(_OFFSET).fillna(False).astype(bool)
    iso = s.str.match(_ISO).fillna(False).astype(bool)
    if opts.date_format:
        out[iso] = _localise(s[iso], aware[iso], opts, "ISO8601")
        rest = present & ~iso
        if rest.any():
            out[rest] = _localise(s[rest], aware[rest], opts, opts.date_format)
        bad = present & out.isna()
        return out, bad, f"not a date in data.date_format '{opts.date_format}' (or ISO YYYY-MM-DD)"
    parts = s.str.extract(_DMY)
    dmy = parts[0].notna() & present
    ymd = s.str.match(_YMD).fillna(False).astype(bool) & ~iso
    other = present & ~iso & ~dmy & ~ymd
    if other.any():  # free-form values (month names, ...): those that are no date at all are refused first
        junk = other & pd.to_datetime(s.where(other), errors="coerce", format="mixed").isna()
        if junk.any():
            return out, junk, "not a date (YYYY-MM-DD)"
    families = [n for n, m in (("ISO", iso), ("day/month", dmy), ("year/month/day", ymd), ("other", other)) if m.any()]
    if len(families) > 1:
        bad = present & ~iso if iso.any() else present & ~(dmy if dmy.any() else ymd)
        return out, bad, f"mixes date formats ({', '.join(families)}); set data.date_format in params"
    if iso.any():
        out[iso] = _localise(s[iso], aware[iso], opts, "ISO8601")
        return out, present & out.isna(), "not a date (YYYY-MM-DD)"
    if ymd.any():
        out[ymd] = _localise(s[ymd], aware[ymd], opts, "mixed")
        return out, present & out.isna(), "not a date (YYYY/MM/DD)"
    if dmy.any():
        a = pd.to_numeric(parts[0], errors="coerce")
        b = pd.to_numeric(parts[1], errors="coerce")
        day_first, month_first = bool((a > 12).any()), bool((b > 12).any())
        if day_first and month_first:
            return out, dmy & ((a > 12) | (b > 12)), "has both day-first and month-first dates; set data.date_format"
        if not day_first and not month_first:
            amb = dmy & (a != b)
            if amb.any():
                return out, amb, "has ambiguous day/month dates (e.g. 05/01/2026); set data.date_format in params"
        sep = s[dmy].str.extract(r"^\d{1,2}([/.-])")[0].iloc[0]
        year = "%Y" if bool((parts[2].str.len() == 4).all()) else "%y"
        order = f"%d{sep}%m{sep}{year}" if day_first else f"%m{sep}%d{sep}{year}"
        has_time = s.str.contains(":").fillna(False).astype(bool)
        out[dmy] = _localise(s[dmy], aware[dmy], opts, None if has_time.any() else order)
        if has_time.any():  # with a time part: reparse with the detected order
            out[dmy] = pd.to_datetime(s[dmy], errors="coerce", format="mixed", dayfirst=day_first).astype(
                "datetime64[ns]"
            )
        return out, present & out.isna(), f"not a date in the detected format {order}"
    out[other] = _localise(s[other], aware[other], opts, None)
    return out, present & out.isna(), "not a date (YYYY-MM-DD)"
