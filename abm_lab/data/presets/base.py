"""The contract between an export reader (a preset) and the loader, and the helpers readers share.

A *reader* preset (Salesforce, HubSpot) reads a whole export folder, joins its objects and returns canonical
tables as :class:`RawTable` (rows already under canonical column names, values still text where the source had
text: :func:`abm_lab.data.validate.validate_table` coerces and checks them afterwards, naming the source file
and line of each bad row through :attr:`RawTable.lines`). It records in an :class:`ImportReport` what it read,
what it did not use (files, columns) and what it did ("3,608 converted leads merged into their contact").

Headers are matched case-insensitively (:meth:`Source.col`); every column a reader takes is marked as used so
that the report can list the rest as ignored without each reader keeping its own list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ABMDataError
from ..parse import Lines

#: File suffixes a folder export may use, in the order they are looked for.
SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet", ".tsv", ".txt")


@dataclass
class RawTable:
    """One canonical table as a reader built it, before validation.

    ``df`` has canonical column names (extra columns are dropped by validation, except ``tech_*`` flags);
    ``lines`` says, per row, which file and physical line it came from (None for Parquet sources);
    ``paths`` are the files it was built from (hashed into the manifest)."""

    df: pd.DataFrame
    paths: list[Path]
    lines: Lines | None = None
    #: rows of the source files not in ``df``, by reason (e.g. {"non-engagement e-mail events": 1200}), so that
    #: every input row is accounted for (Dataset.accounting)
    set_aside: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return " + ".join(str(p) for p in self.paths)

    def __post_init__(self) -> None:
        if self.lines is not None and len(self.lines.line) != len(self.df):
            raise ValueError(f"RawTable {self.label}: {len(self.lines.line)} line numbers for {len(self.df)} rows")

    @classmethod
    def concat(cls, parts: list[RawTable]) -> RawTable:
        """Rows of several tables one after the other (lines kept when every part has them)."""
        parts = [p for p in parts if p is not None]
        df = pd.concat([p.df for p in parts], ignore_index=True) if len(parts) > 1 else parts[0].df
        lines = (
            Lines.concat([p.lines for p in parts if p.lines is not None])
            if all(p.lines is not None for p in parts)
            else None
        )
        paths = list(dict.fromkeys(q for p in parts for q in p.paths))
        aside: dict[str, int] = {}
        for p in parts:
            for k, v in p.set_aside.items():
                aside[k] = aside.get(k, 0) + v
        return cls(df.reset_index(drop=True), paths, lines, aside)

    def subset(self, keep: pd.Series | np.ndarray, reason: str | None = None) -> RawTable:
        """The rows under ``keep`` (lines kept in step); the others counted under ``reason`` in set_aside."""
        keep = np.asarray(keep, dtype=bool)
        lines = None
        if self.lines is not None:
            lines = Lines(self.lines.files, self.lines.file_of[keep], self.lines.line[keep])
        aside = dict(self.set_aside)
        if reason is not None and (~keep).any():
            aside[reason] = aside.get(reason, 0) + int((~keep).sum())
        return RawTable(self.df[keep].reset_index(drop=True), self.paths, lines, aside)


@dataclass
class ImportReport:
    """What a load read and did not use, and what it did on the way (printed by ``abm-lab validate``)."""

    preset: str
    used: dict[str, list[str]] = field(default_factory=dict)  # file -> canonical tables it fed
    ignored_files: list[str] = field(default_factory=list)  # files in the folder no table was read from
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)  # file -> source columns not used
    notes: list[str] = field(default_factory=list)  # what was done: merges, derivations, defaults taken
    warnings: list[str] = field(default_factory=list)  # suspicious patterns worth a look
    #: ids a reader merged away, per canonical table: {"contacts": {converted lead id: its contact id}}; files
    #: added through data.files that still use the old id (e.g. marketing activity synced before the
    #: conversion) are pointed at the surviving record. Not saved (the mapping is the export's own).
    aliases: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def use(self, path: Path | str, table: str) -> None:
        tables = self.used.setdefault(str(path), [])
        if table not in tables:
            tables.append(table)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def to_dict(self) -> dict:
        return {
            "preset": self.preset,
            "used": self.used,
            "ignored_files": self.ignored_files,
            "ignored_columns": self.ignored_columns,
            "notes": self.notes,
            "warnings": self.warnings,
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> ImportReport:
        return cls(
            preset=d.get("preset", "canonical"),
            used={k: list(v) for k, v in d.get("used", {}).items()},
            ignored_files=list(d.get("ignored_files", [])),
            ignored_columns={k: list(v) for k, v in d.get("ignored_columns", {}).items()},
            notes=list(d.get("notes", [])),
            warnings=list(d.get("warnings", [])),
        )

    def lines(self) -> list[str]:
        """Human lines for ``abm-lab validate``: ignored files and columns, notes, warnings."""
        out = []
        if self.ignored_files:
            names = ", ".join(Path(f).name for f in self.ignored_files)
            out.append(f"ignored file(s), no table read from them: {names}")
        for f, cols in self.ignored_columns.items():
            if cols:
                shown = ", ".join(cols[:12]) + (f" and {len(cols) - 12} more" if len(cols) > 12 else "")
                out.append(f"ignored column(s) of {Path(f).name}: {shown} (map them in data.column_map to use them)")
        out += [f"note: {n}" for n in self.notes]
        out += [f"warning: {w}" for w in self.warnings]
        return out


class Source:
    """One export file: its raw text columns, each row's line, and which columns a reader used.

    :meth:`col` finds a column by any of several names, case-insensitively and ignoring surrounding blanks."""

    def __init__(self, path: Path, df: pd.DataFrame, lines: np.ndarray | None):
        self.path = path
        self.df = df
        self.row_lines = lines
        self._by_key = {_key(c): c for c in df.columns}
        self.used: set[str] = set()

    def __len__(self) -> int:
        return len(self.df)

    @property
    def name(self) -> str:
        return self.path.name

    def column(self, *names: str) -> str | None:
        """The file's own spelling of the first of ``names`` it has (and marks it used), else None."""
        for n in names:
            c = self._by_key.get(_key(n))
            if c is not None:
                self.used.add(c)
                return c
        return None

    def has(self, *names: str) -> bool:
        return any(_key(n) in self._by_key for n in names)

    def col(self, *names: str, default: object = pd.NA) -> pd.Series:
        """The first of ``names`` the file has, else a column of ``default``."""
        c = self.column(*names)
        if c is None:
            return pd.Series(default, index=self.df.index, dtype="object" if default is pd.NA else None)
        return self.df[c]

    def require(self, *names: str, preset: str, what: str = "") -> None:
        """A clear error naming the file when a column the preset needs is missing."""
        missing = [n for n in names if not self.has(n)]
        if missing:
            raise ABMDataError(
                f"{self.path} ({preset} preset): missing column {', '.join(repr(m) for m in missing)}"
                + (f"; {what}" if what else "; the preset needs it"),
                file=str(self.path),
                column=missing[0],
                reason="missing column",
            )

    def lines(self, mask: pd.Series | np.ndarray | None = None) -> Lines | None:
        """Line numbers of the rows (or of the rows under ``mask``, in order)."""
        if self.row_lines is None:
            return None
        ln = self.row_lines if mask is None else self.row_lines[np.asarray(mask, dtype=bool)]
        return Lines.simple(str(self.path), ln)

    def table(self, df: pd.DataFrame, mask: pd.Series | np.ndarray | None = None) -> RawTable:
        """A :class:`RawTable` of ``df`` (built from this file's rows, or its rows under ``mask``, in order)."""
        return RawTable(df.reset_index(drop=True), [self.path], self.lines(mask))

    def unused(self) -> list[str]:
        return [c for c in self.df.columns if c not in self.used]


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", str(name).strip().lower())


class SourceFolder:
    """The files of an export folder, looked up case-insensitively; tracks what was read for the report."""

    def __init__(self, folder: Path, report: ImportReport):
        self.folder = Path(folder)
        self.report = report
        self.sources: dict[Path, Source] = {}
        self._files = {p.name.lower(): p for p in sorted(self.folder.iterdir()) if p.is_file()}

    def find(self, *stems: str) -> Path | None:
        """The file ``<stem><suffix>`` for the first stem found (any case, suffixes in :data:`SUFFIXES`)."""
        for stem in stems:
            for suf in SUFFIXES:
                p = self._files.get(f"{stem}{suf}".lower())
                if p is not None:
                    return p
        return None

    def glob(self, pattern: str) -> list[Path]:
        """Files whose lower-cased name matches the regular expression ``pattern`` (sorted by name)."""
        rx = re.compile(pattern)
        return [p for name, p in sorted(self._files.items()) if rx.fullmatch(name)]

    def read(self, path: Path, table: str | None = None) -> Source:
        """Read ``path`` (once) as a :class:`Source`; ``table`` records which canonical table it feeds."""
        from ..io import read_source

        if path not in self.sources:
            df, lines = read_source(path)
            self.sources[path] = Source(path, df, lines)
        if table is not None:
            self.report.use(path, table)
        return self.sources[path]

    def open(self, *stems: str, table: str | None = None) -> Source | None:
        """:meth:`find` then :meth:`read`; None when no such file."""
        p = self.find(*stems)
        return None if p is None else self.read(p, table)

    def finish(self, skip: Iterable[str] = ()) -> None:
        """Record files never read and the unused columns of every file read."""
        skip_l = {s.lower() for s in skip}
        for name, p in self._files.items():
            if p not in self.sources and not name.startswith(".") and name not in skip_l and _data_file(name):
                self.report.ignored_files.append(str(p))
        for p, src in self.sources.items():
            if src.unused():
                self.report.ignored_columns[str(p)] = src.unused()


def _data_file(name: str) -> bool:
    return any(name.endswith(s) for s in SUFFIXES)


#: How tier labels read (case-insensitive regular expressions, first match wins).
TIER_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"\b(tier|t)\s*-?\s*1\b|strategic|\b1\s*:\s*1\b|one[- ]to[- ]one", "strategic"),
    (r"\b(tier|t)\s*-?\s*2\b|abm[ _-]?lite|\b1\s*:\s*few\b|one[- ]to[- ]few", "abm_lite"),
    (r"\b(tier|t)\s*-?\s*3\b|programmatic|\b1\s*:\s*many\b|one[- ]to[- ]many", "programmatic"),
)


def recognise_tiers(labels: pd.Series, overrides: Mapping[str, str] | None = None) -> pd.Series:
    """Canonical tier of each label: ``overrides`` first (exact, case-insensitive), then :data:`TIER_PATTERNS`.

    Labels recognised by neither stay as they are (validation then names the file, column and rows); blanks
    stay blank."""
    over = {str(k).strip().lower(): v for k, v in (overrides or {}).items()}

    def one(v: object) -> object:
        if not isinstance(v, str) or not v.strip():
            return pd.NA
        k = v.strip().lower()
        if k in over:
            return over[k]
        for rx, tier in TIER_PATTERNS:
            if re.search(rx, k):
                return tier
        return v

    return labels.map(one).astype("object")


def map_values(values: pd.Series, default: Mapping[str, str], override: Mapping[str, str] | None = None) -> pd.Series:
    """Recode labels with the preset's map updated by the user's ``data.value_map`` (exact, then
    case-insensitive); values in neither are kept, so that validation names them."""
    m = {**default, **(override or {})}
    lower = {str(k).strip().lower(): v for k, v in m.items()}

    def one(v: object) -> object:
        if not isinstance(v, str):
            return v
        if v in m:
            return m[v]
        return lower.get(v.strip().lower(), v)

    return values.map(one).astype("object")


def truthy(values: pd.Series) -> pd.Series:
    """CRM booleans (true/false, 1/0, yes/no, checked) as a nullable boolean; anything else missing."""
    t = values.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[t.isin(["true", "1", "yes", "y", "checked", "t"]).fillna(False)] = True
    out[t.isin(["false", "0", "no", "n", "unchecked", "f"]).fillna(False)] = False
    return out


def first_present(*cols: pd.Series) -> pd.Series:
    """Row-wise first non-blank value of several columns."""
    out = cols[0].astype("object")
    for c in cols[1:]:
        blank = out.isna() | (out.astype("string").str.strip() == "").fillna(True)
        out = out.where(~blank, c.astype("object"))
    return out


Reader = Callable[[Path, Any, ImportReport], dict[str, RawTable]]
"""``reader(folder, params, report) -> {table: RawTable}``: a preset that reads a whole export folder."""
