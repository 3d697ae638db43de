"""Anonymous company-level web visits (reverse-IP tools) read as touchpoints (``data.files`` entries with
``format: web_visits``; docs/import.md, "Web visits").

Leadfeeder, Clearbit Reveal, 6sense and similar tools identify the *company* behind a visit from its IP address
and export one row per visit or page: the company's domain, when, optionally the page and a count of page
views. No person is known. Each row becomes touchpoints with

* ``visitor_domain``: the registered domain of the domain column (``Domain``, ``Company Domain``, ``Website``,
  ...), lower-case (``https://www.Acme.co.uk/`` -> ``acme.co.uk``); no ``contact_id``;
* ``timestamp``: the time column (``Visit Date``, ``Date``, ``Timestamp``, ``Visited At``, ...) as written
  (validation parses it with the ``data.*`` date options, ``epoch_unit`` included);
* ``channel`` ``web``; ``activity_type`` from the page URL's path: a path segment holding the word ``demo``
  (``/demo``, ``/request-a-demo``; not ``/demographics``) -> ``demo_request``, else one holding the word
  ``pricing`` (``/pricing``, ``/plans-and-pricing``, ``/pricing-calculator``) -> ``pricing_page``, else
  ``web_visit``. The tool sees the page, not whether a demo form was sent: a visit to the demo page counts as a
  request; a blog post whose slug holds the word counts too. ``funnel_stage`` ``bofu`` for those two, ``tofu``
  for ``web_visit``;
* a count column (``Page Views``, then ``Visits``, ``Sessions``) expanded into that many touches (one touch a
  page view, as the canonical model counts web activity); blank = 1, 0 = no touch (counted as set aside);
* ``touchpoint_id`` ``<file name without .csv>:<line>:<k>`` (k = 1..count): deterministic, unique in the file.

Columns of the file named like canonical touchpoints columns (``campaign_id``, ``program_id``, ...) are taken
as they are; ``columns`` of the file's entry fill what is still blank, before the URL rule and the defaults.
Rows without a usable domain cannot be attributed and are counted in the report, not read.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from ...config.core import FileSpec
from ...errors import ABMDataError
from ..parse import Lines, ParseOptions, parse_numbers
from .base import SUFFIXES, ImportReport, RawTable, Source

DOMAIN_COLUMNS = ("Domain", "Company Domain", "Company Website", "Website", "Company URL")
TIME_COLUMNS = ("Visit Date", "Date", "Timestamp", "Visited At", "Visit Time", "Visit Start", "Time")
URL_COLUMNS = ("Page URL", "Page", "URL", "Landing Page")
COUNT_COLUMNS = ("Page Views", "Pageviews", "Visits", "Sessions")
#: canonical touchpoints columns a visits file may carry under their own name
PASSTHROUGH = ("account_id", "campaign_id", "program_id", "funnel_stage", "channel", "activity_type")
#: activity of a page, from its URL path: (segment pattern, activity, funnel stage), first match wins
PAGE_RULES: tuple[tuple[str, str, str], ...] = (
    (r"(?:^|[-_.])demo(?:$|[-_.])", "demo_request", "bofu"),
    (r"(?:^|[-_.])pricing(?:$|[-_.])", "pricing_page", "bofu"),
)
DEFAULT_ACTIVITY = ("web_visit", "tofu")
CHANNEL = "web"


def page_activity(urls: pd.Series) -> pd.Series:
    """``activity_type`` of each page URL by :data:`PAGE_RULES` (blank URL -> blank)."""

    def one(u: object) -> object:
        if not isinstance(u, str) or not u.strip():
            return pd.NA
        v = u.strip().lower()
        if "://" not in v and not v.startswith("/"):
            v = "//" + v  # host/path without a scheme
        segments = [s for s in urlsplit(v).path.split("/") if s]
        for rx, activity, _ in PAGE_RULES:
            if any(re.search(rx, s) for s in segments):
                return activity
        return DEFAULT_ACTIVITY[0]

    codes, uniques = pd.factorize(urls.astype("object"), use_na_sentinel=True)
    mapped = np.array([one(u) for u in uniques] + [pd.NA], dtype=object)
    return pd.Series(mapped[codes], index=urls.index, dtype="object")


def _funnel(activity: pd.Series) -> pd.Series:
    stage = {a: f for _, a, f in PAGE_RULES} | {DEFAULT_ACTIVITY[0]: DEFAULT_ACTIVITY[1]}
    return activity.map(lambda a: stage.get(a, pd.NA) if isinstance(a, str) else pd.NA).astype("object")


def _counts(src: Source, col: str | None) -> np.ndarray:
    """Touches per row: the count column as whole numbers >= 0 (blank = 1)."""
    if col is None:
        return np.ones(len(src), dtype=np.int64)
    num, bad, why = parse_numbers(src.df[col], ParseOptions.default())
    bad = bad | (num.notna() & ((num < 0) | (num != np.floor(num.fillna(0)))))
    if bad.any():
        pos = np.flatnonzero(bad.to_numpy(dtype=bool))
        lines = [int(src.row_lines[p]) if src.row_lines is not None else int(p) + 2 for p in pos[:5]]
        shown = "\n".join(f"    line {ln}: {col}={src.df[col].iloc[p]!r}" for ln, p in zip(lines, pos, strict=False))
        raise ABMDataError(
            f"{src.path}: column '{col}' must be a whole number of page views (0 or more) in {len(pos)} row(s):\n"
            f"{shown}",
            file=str(src.path),
            column=col,
            rows=lines,
            reason="not a whole number",
        )
    return num.fillna(1).to_numpy(dtype=np.int64)


def read_web_visits(spec: FileSpec, path: Path, report: ImportReport) -> RawTable:
    """Touchpoints (anonymous, company-level) of one reverse-IP web-visits export (see the module docstring).

    Raises :class:`ABMDataError` naming the file for a missing domain or time column and naming column and lines
    for a bad page-view count; dates are checked by validation afterwards (file lines kept)."""
    from ...mapping.domains import registered_domains
    from ..io import read_source

    df, row_lines = read_source(Path(path))
    src = Source(Path(path), df.astype("object").where(df.notna(), pd.NA) if len(df) else df, row_lines)
    for names, what in ((DOMAIN_COLUMNS, "company domain"), (TIME_COLUMNS, "visit time")):
        if not src.has(*names):
            raise ABMDataError(
                f"{path} (web_visits file): no {what} column; expected one of {', '.join(names)}",
                file=str(path),
                column=names[0],
                reason="missing column",
            )
    dom_col, time_col = src.column(*DOMAIN_COLUMNS), src.column(*TIME_COLUMNS)
    assert dom_col is not None and time_col is not None
    url_col, count_col = src.column(*URL_COLUMNS), src.column(*COUNT_COLUMNS)
    domain = registered_domains(src.df[dom_col].astype("string").str.strip().str.lower())
    n = _counts(src, count_col)
    lines = row_lines if row_lines is not None else np.arange(1, len(src) + 1, dtype=np.int64)
    no_domain = domain.isna().to_numpy()
    aside: dict[str, int] = {}
    if no_domain.any():
        bad_lines = ", ".join(str(int(x)) for x in lines[no_domain][:5])
        report.note(
            f"{Path(path).name}: {int(no_domain.sum())} web-visit row(s) without a usable company domain "
            f"({dom_col}) not read (no account to attribute them to); lines {bad_lines}"
        )
        aside["web visits without a company domain"] = int(no_domain.sum())
    zero = (n == 0) & ~no_domain
    if zero.any():
        aside[f"web-visit rows with 0 {count_col}"] = int(zero.sum())
    n = np.where(no_domain, 0, n)
    rows = np.repeat(np.arange(len(src)), n)
    k = np.arange(len(rows)) - np.repeat(np.cumsum(n) - n, n) + 1  # 1..count within each row
    stem = Path(path).name
    for suf in sorted(SUFFIXES, key=len, reverse=True):  # visits.2026.csv.gz -> visits.2026
        if stem.lower().endswith(suf):
            stem = stem[: -len(suf)]
            break
    ids = [f"{stem}:{int(ln)}:{int(j)}" for ln, j in zip(lines[rows], k, strict=True)]
    out = pd.DataFrame(
        {
            "touchpoint_id": pd.Series(ids, dtype="string"),
            "timestamp": src.df[time_col].to_numpy(dtype=object)[rows],
            "visitor_domain": domain.to_numpy(dtype=object)[rows],
        }
    )
    for c in PASSTHROUGH:
        fc = src.column(c)
        out[c] = src.df[fc].to_numpy(dtype=object)[rows] if fc is not None else pd.NA
    for c, value in spec.columns.items():  # constants of the entry, where the file has no value
        out[c] = out[c].where(out[c].notna(), value) if c in out.columns else value
    out["channel"] = out["channel"].where(out["channel"].notna(), CHANNEL)
    if url_col is not None:
        out["activity_type"] = out["activity_type"].where(
            out["activity_type"].notna(), page_activity(src.df[url_col]).to_numpy(dtype=object)[rows]
        )
    out["activity_type"] = out["activity_type"].where(out["activity_type"].notna(), DEFAULT_ACTIVITY[0])
    out["funnel_stage"] = out["funnel_stage"].where(out["funnel_stage"].notna(), _funnel(out["activity_type"]))
    out["contact_id"] = pd.NA
    report.use(path, "touchpoints")
    expanded = f", {count_col} expanded into one touch each" if count_col is not None else ""
    report.note(
        f"{Path(path).name}: {len(out)} anonymous web touch(es) from {int((n > 0).sum())} row(s) of "
        f"{int(pd.Series(domain[~no_domain]).nunique())} company domain(s){expanded}"
    )
    if src.unused():
        report.ignored_columns[str(path)] = src.unused()
    origin = Lines.simple(str(path), lines[rows]) if row_lines is not None else None  # Parquet: no lines
    return RawTable(out, [Path(path)], origin, aside)
