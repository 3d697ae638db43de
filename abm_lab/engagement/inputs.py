"""What the engagement stage reads: touches with their account (and how it was linked), personas, fit grades,
and the snapshot dates.

Every upstream artefact is read through the run's :class:`~abm_lab.pipeline.RunContext`: notebook 03's
``touchpoints_mapped`` and ``contacts_mapped``, notebook 02's ``account_grades``. A missing one is an
:class:`~abm_lab.errors.ABMArtefactError` naming the notebook that writes it; the stage never falls back to
the synthetic world's truth (checks against truth live in :mod:`abm_lab.validation.engagement`).

Point in time (:mod:`~abm_lab.engagement.pointintime`): each touch carries ``link_method`` (``source_account``,
or notebook 03's ``match_method``: ``contact`` / ``reverse_ip_domain``) so the panel knows which links exist only
through a person; personas carry the person's ``created_date`` (and ``account_linked_date`` when the contacts
table has one). The fit score is notebook 01's out-of-fold lookalike score on static firmographics, so it is the
same at every snapshot; the grade is a cut of it and is kept for display, never as a feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..artefacts import artefact
from ..config.engagement import EngagementParams
from ..data.cache import release_table
from ..errors import ABMDataError
from ..mapping.resolve import lookup_by_touch, resolve_touch_accounts
from .pointintime import LINK_DATE_COLUMN

if TYPE_CHECKING:
    from ..pipeline.context import RunContext


def _notebook(name: str) -> str:
    """``notebook NN`` of the stage that writes artefact ``name``."""
    return f"notebook {artefact(name).producer.split('_', 1)[0]}"


#: Where each input came from, as the notebook words it.
SOURCE_TOUCHPOINTS = f"lead-to-account mapping ({_notebook('touchpoints_mapped')})"
SOURCE_PERSONAS = f"{artefact('contacts_mapped').file} ({_notebook('contacts_mapped')})"
SOURCE_FIT = f"{artefact('account_grades').file} ({_notebook('account_grades')})"
GRADE_COLUMNS = ("account_id", "fit_score", "grade")
PERSONA_COLUMNS = ("contact_id", "account_id", "persona_function", "is_key_persona")
#: Dated contact columns carried to the personas (when present): creation, and the account link if exported.
PERSON_DATE_COLUMNS = ("created_date", LINK_DATE_COLUMN)
SOURCE_LINK = "source_account"


def mapped_personas(contacts_mapped: pd.DataFrame, contacts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Personas from notebook 03's ``contacts_mapped.parquet`` (matched contacts only)."""
    cm = contacts_mapped
    if "status" in cm.columns:
        cm = cm[cm["status"] == "matched"]
    cols = [c for c in PERSONA_COLUMNS if c in cm.columns]
    out = cm[cols].copy()
    if "is_key_persona" not in out.columns:
        out["is_key_persona"] = False
    dated = [c for c in PERSON_DATE_COLUMNS if contacts is not None and c in contacts.columns]
    if contacts is not None and dated:
        out = out.merge(contacts[["contact_id", *dated]], on="contact_id", how="left")
    return out


def link_methods(touchpoints: pd.DataFrame, mapped: pd.DataFrame | None) -> pd.Series:
    """How each touch got its account, in the precedence of :func:`~abm_lab.mapping.resolve.resolve_touch_accounts`:
    ``source_account`` when the source links it, else the mapping's ``match_method`` (``<NA>`` when unlinked)."""
    out = pd.Series(pd.NA, index=touchpoints.index, dtype="string")
    if mapped is not None and {"touchpoint_id", "match_method", "account_id"} <= set(mapped.columns):
        linked = mapped[["touchpoint_id"]].assign(
            method=mapped["match_method"].astype("string").mask(mapped["account_id"].isna().to_numpy())
        )
        out = lookup_by_touch(touchpoints, linked, "method")
    if "account_id" in touchpoints.columns:
        src = touchpoints["account_id"].astype("string")
        out = out.mask((src.str.len() > 0).fillna(False).to_numpy(dtype=bool), SOURCE_LINK)
    return out


@dataclass
class Inputs:
    """What the engagement notebook reads, and from where (for the report)."""

    touchpoints: pd.DataFrame
    personas: pd.DataFrame | None
    grades: pd.DataFrame | None  # account_id, fit_score, grade
    sources: dict[str, str]

    @property
    def fit(self) -> pd.DataFrame | None:
        """``account_id, fit_score`` for the panel (None without a fit score)."""
        if self.grades is None or "fit_score" not in self.grades:
            return None
        return self.grades[["account_id", "fit_score"]]


def load_inputs(ctx: RunContext) -> Inputs:
    """The stage's inputs from a run: source touchpoints with their account (source link first, then
    notebook 03's mapping, :func:`abm_lab.mapping.resolve.resolve_touch_accounts`), the matched
    personas of notebook 03 and the fit grades of notebook 02.

    Raises :class:`~abm_lab.errors.ABMArtefactError` (naming the producing notebook) when one of
    ``touchpoints_mapped``, ``contacts_mapped`` or ``account_grades`` is missing.
    """
    mapped = ctx.load("touchpoints_mapped")
    contacts_mapped = ctx.load("contacts_mapped")
    grades = ctx.load("account_grades")
    tables = ctx.tables
    touchpoints = resolve_touch_accounts(tables["touchpoints"], mapped)
    touchpoints["link_method"] = link_methods(tables["touchpoints"], mapped).to_numpy()
    del mapped
    release_table(tables, "touchpoints")  # the stage reads the resolved copy from here on
    personas = mapped_personas(contacts_mapped, tables["contacts"])
    grades = grades[[c for c in GRADE_COLUMNS if c in grades.columns]]
    sources = {"touchpoints": SOURCE_TOUCHPOINTS, "personas": SOURCE_PERSONAS, "fit": SOURCE_FIT}
    return Inputs(touchpoints, personas, grades, sources)


def snapshot_dates(start: Any, end: Any, freq: str = "monthly") -> pd.DatetimeIndex:
    """Snapshot dates (midnight) from ``start`` to ``end`` inclusive: Mondays or 1st of month."""
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if freq == "weekly":
        first = start + pd.Timedelta(days=(7 - start.weekday()) % 7)
        return pd.date_range(first, end, freq="7D")
    if freq == "monthly":
        first = start if start.day == 1 else (start + pd.offsets.MonthBegin(1))
        return pd.date_range(first, end, freq="MS")
    raise ValueError(f"snapshot frequency must be 'weekly' or 'monthly', got {freq!r}")


def default_snapshots(touchpoints: pd.DataFrame, as_of: Any, params: EngagementParams) -> pd.DatetimeIndex:
    """Regular snapshots from first touch + ``min_history_days`` to ``as_of``, plus the scoring
    snapshot ``as_of + 1 day`` (so that everything up to and including ``as_of`` counts)."""
    if touchpoints.empty:
        raise ABMDataError(
            "touchpoints: no rows, cannot build an engagement panel",
            file="touchpoints",
            column="timestamp",
            reason="empty table",
        )
    t0 = pd.Timestamp(touchpoints["timestamp"].min()).normalize() + pd.Timedelta(days=params.min_history_days)
    end = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)
    snaps = snapshot_dates(t0, end, params.snapshot_freq)
    return pd.DatetimeIndex(sorted(set(snaps) | {end}))
