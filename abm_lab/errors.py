"""The one project exception, and helpers to build readable messages from failing rows."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


class ABMDataError(ValueError):
    """Raised when input data or params are invalid.

    The message always names the file (or table), the column and the first failing
    rows with the reason, so that it can be printed to an analyst without a traceback.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        rows: Iterable[int] | None = None,
        reason: str | None = None,
    ):
        super().__init__(message)
        self.file = file
        self.column = column
        self.rows = list(rows) if rows is not None else []
        self.reason = reason


class ABMParamsError(ABMDataError):
    """Invalid params file (wrong type, unknown key, values out of order, ...)."""


class ABMRunError(RuntimeError):
    """A notebook of a run failed; message names the notebook and the cell."""


def format_rows(
    df: pd.DataFrame, mask: pd.Series, columns: list[str], limit: int = 5, row_offset: int = 2
) -> tuple[list[int], str]:
    """Return (row numbers, text) for the first ``limit`` rows where ``mask`` is true.

    Row numbers are file line numbers (header is line 1, so data row i is line i+2)
    when ``row_offset`` is 2, which is how an analyst finds them in a spreadsheet.
    """
    idx = [int(i) for i in mask[mask.fillna(False).astype(bool)].index[:limit]]
    positions = [df.index.get_loc(i) for i in idx]
    lines = []
    for pos in positions:
        vals = ", ".join(f"{c}={df.iloc[pos][c]!r}" for c in columns if c in df.columns)
        lines.append(f"    line {pos + row_offset}: {vals}")
    return [p + row_offset for p in positions], "\n".join(lines)


class ABMArtefactError(ABMRunError):
    """An artefact a stage needs is missing or malformed; the message names the file and the stage that writes it."""

    def __init__(self, message: str, *, artefact: str | None = None, file: str | None = None):
        super().__init__(message)
        self.artefact = artefact
        self.file = file
