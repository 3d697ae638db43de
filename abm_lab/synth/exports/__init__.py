"""Re-exports of the synthetic world in the formats real tools produce (issue 13).

Each exporter writes the world's canonical tables as a tool really exports them — Salesforce Data Export CSVs,
HubSpot UI exports, a LinkedIn Campaign Manager report, a reverse-IP web-visits file — *with the information
that tool really loses* (no enrolment date in HubSpot, no contact on an anonymous visit, daily spend instead of
quarterly costs, ...). Nothing is added only so that a reader finds it. The round-trip tests load these files
through the presets with only the params documented in ``docs/import.md`` and compare the headline figures with
the canonical path.

:class:`Export` is what a whole-world exporter returns: where the files are, the ``data:`` params block that
loads them, and the map from canonical ids to the ids the tool would show (so that a test can line results up).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd


@dataclass
class Export:
    """The files of one re-export of the synthetic world and how to load them."""

    folder: Path  # where the files were written
    data: dict  # the params `data:` block that loads them: ONLY params documented in docs/import.md
    #: 'accounts' / 'contacts' / 'opportunities' -> Series indexed by canonical id, values the exported id
    ids: dict[str, pd.Series]


__all__ = ["Export"]
