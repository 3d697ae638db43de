"""One base for results objects: ``results.summary()`` returns a :class:`Summary` (statsmodels' model).

A :class:`Summary` holds a title, tables (DataFrames, e.g. estimates with their intervals) and notes, and
shows itself as plain text (``as_text()``, also ``str()``), as HTML (``as_html()``, and ``_repr_html_`` so
JupyterLab renders it) or as the underlying frames (``tables``). Every stage's results object derives from
:class:`Results` and builds its summary in ``summary()``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class Summary:
    """Tables and notes describing one fitted result."""

    title: str
    tables: list[pd.DataFrame] = field(default_factory=list)
    table_titles: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_table(self, table: pd.DataFrame, title: str = "") -> Summary:
        self.tables.append(table)
        self.table_titles.append(title)
        return self

    def add_note(self, note: str) -> Summary:
        self.notes.append(note)
        return self

    @property
    def table(self) -> pd.DataFrame:
        """The first (main) table."""
        if not self.tables:
            raise ValueError(f"summary '{self.title}' has no table")
        return self.tables[0]

    def as_text(self) -> str:
        parts = [self.title, "=" * len(self.title)]
        for title, t in zip(self.table_titles, self.tables, strict=True):
            if title:
                parts += ["", title, "-" * len(title)]
            parts.append(t.to_string())
        if self.notes:
            parts += [""] + [f"Note: {n}" for n in self.notes]
        return "\n".join(parts)

    def as_html(self) -> str:
        parts = [f"<h4>{html.escape(self.title)}</h4>"]
        for title, t in zip(self.table_titles, self.tables, strict=True):
            if title:
                parts.append(f"<h5>{html.escape(title)}</h5>")
            parts.append(t.to_html())
        parts += [f"<p><em>Note:</em> {html.escape(n)}</p>" for n in self.notes]
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.as_html()

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()


class Results:
    """Base of every stage's results object: ``summary()`` returns a :class:`Summary`."""

    def summary(self, *args: Any, **kwargs: Any) -> Summary:
        raise NotImplementedError(f"{type(self).__name__}.summary() is not implemented")

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()
