"""Presets: how known exports map onto the canonical model (:mod:`abm_lab.data.schema`); docs/import.md.

Two kinds:

* *column presets* (:mod:`.columns`: ``canonical``, ``maven_crm``): one file per table, columns renamed and
  values recoded;
* *reader presets* (``salesforce``: :mod:`.salesforce`, ``hubspot``: :mod:`.hubspot`): a whole export folder
  read object by object and joined (leads merged into contacts, campaign members into touches, stage history
  from field history, programme and costs from a campaign), following the contract in :mod:`.base`.
"""

from __future__ import annotations

from .base import ImportReport, RawTable, Reader, Source, SourceFolder, recognise_tiers
from .columns import (
    PRESETS,
    column_map,
    files,
    optional_tables,
    region_of,
    require_columns,
    transform,
    value_map,
)

__all__ = [
    "PRESETS",
    "ImportReport",
    "RawTable",
    "Reader",
    "Source",
    "SourceFolder",
    "column_map",
    "files",
    "optional_tables",
    "reader",
    "recognise_tiers",
    "region_of",
    "require_columns",
    "transform",
    "value_map",
]


def reader(preset: str) -> Reader | None:
    """The reader of a reader preset, None for a column preset."""
    if preset == "salesforce":
        from .salesforce import read_salesforce

        return read_salesforce
    if preset == "hubspot":
        from .hubspot import read_hubspot

        return read_hubspot
    return None
