"""The artefact contract: every file a stage writes into ``<run_dir>/artefacts/``, who writes it and who reads it.

One registry, :data:`ARTEFACTS`, names each artefact (file, producer notebook, consumer notebooks, columns, or
the pydantic model of a ``summary_*.json``). The runner derives the notebook order from it
(:func:`notebook_dependencies`), consumers load artefacts through :meth:`abm_lab.pipeline.RunContext.load`
(a missing upstream artefact is a clear :class:`~abm_lab.errors.ABMArtefactError`, never a silent fallback),
and ``docs/architecture.md``'s artefact table is generated from it (:func:`markdown_table`).
:data:`COMMAND_ARTEFACTS` names the files a command writes into the run folder (``abm-lab design-holdout``):
looked up by :func:`artefact` like the others, but never edges of the notebook order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from .summaries import (
    EngagementSummary,
    GradingSummary,
    IcpSummary,
    MappingSummary,
    RoiSummary,
)

Kind = Literal["parquet", "csv", "yaml", "json", "md", "png"]
KINDS: tuple[str, ...] = ("parquet", "csv", "yaml", "json", "md", "png")

#: Notebook stems, one per stage.
ICP = "01_icp_discovery"
GRADING = "02_account_grading"
MAPPING = "03_lead_to_account"
ENGAGEMENT = "04_engagement"
ROI = "05_program_roi"
#: Commands that write artefacts outside the notebook run (the runner never schedules them).
DESIGN = "design-holdout"


@dataclass(frozen=True)
class Artefact:
    """One artefact of a run."""

    name: str
    file: str
    producer: str
    consumers: tuple[str, ...] = ()
    description: str = ""
    columns: tuple[str, ...] = ()
    model: type[BaseModel] | None = field(default=None, compare=False)

    @property
    def kind(self) -> Kind:
        suffix = self.file.rsplit(".", 1)[-1]
        if suffix not in KINDS:
            raise ValueError(f"artefact {self.name}: unknown file type {suffix!r}")
        return suffix  # type: ignore[return-value]


_ALL: tuple[Artefact, ...] = (
    Artefact(
        "fit_scores",
        "fit_scores.parquet",
        ICP,
        (GRADING,),
        "calibrated P(customer-like) and 0–100 fit score per account",
        ("account_id", "fit_prob", "fit_score"),
    ),
    Artefact(
        "icp_rules",
        "icp.yaml",
        ICP,
        (GRADING,),
        "readable ICP rules (editable; notebook 02 can apply them instead of the model)",
    ),
    Artefact("summary_icp", "summary_icp.json", ICP, (GRADING,), "ICP headline figures", model=IcpSummary),
    Artefact(
        "account_grades",
        "account_grades.parquet",
        GRADING,
        (MAPPING, ENGAGEMENT, ROI),
        "grade A–F, target flag, tier, cluster and priority per account",
        (
            "account_id",
            "fit_score",
            "fit_prob",
            "grade",
            "is_target",
            "tier",
            "cluster",
            "cluster_label",
            "priority",
            "potential_value",
        ),
    ),
    Artefact("target_accounts", "target_accounts.csv", GRADING, (), "CRM export of the target account list"),
    Artefact("linkedin_company_list", "linkedin_company_list.csv", GRADING, (), "ad-audience export (LinkedIn)"),
    Artefact(
        "target_list_review",
        "target_list_review.csv",
        GRADING,
        (),
        "quarterly target-list review against the previous quarter's run: entries, exits, knowledge per "
        "target (committee coverage, personas, last touch, firmographics) and the action",
        ("account_id", "name", "status", "reason", "action"),
    ),
    Artefact("summary_grading", "summary_grading.json", GRADING, (), "grading headline figures", model=GradingSummary),
    Artefact(
        "contacts_mapped",
        "contacts_mapped.parquet",
        MAPPING,
        (ENGAGEMENT,),
        "each lead and contact with its account, method, confidence and persona",
        (
            "contact_id",
            "status",
            "account_id",
            "match_method",
            "match_confidence",
            "persona_function",
            "persona_seniority",
            "is_key_persona",
        ),
    ),
    Artefact(
        "touchpoints_mapped",
        "touchpoints_mapped.parquet",
        MAPPING,
        (ENGAGEMENT, ROI),
        "every touchpoint with its account filled where mapped",
        ("touchpoint_id", "account_id", "match_method", "status"),
    ),
    Artefact("review_ambiguous", "review_ambiguous.csv", MAPPING, (), "review queue: ambiguous matches"),
    Artefact("review_unmatched", "review_unmatched.csv", MAPPING, (), "review queue: unmatched people"),
    Artefact("match_rates", "match_rates.csv", MAPPING, (), "match rates by record, method and source"),
    Artefact(
        "committee_coverage",
        "committee_coverage.parquet",
        MAPPING,
        (),
        "key personas known and engaged per account",
        ("account_id",),
    ),
    Artefact("summary_mapping", "summary_mapping.json", MAPPING, (), "mapping headline figures", model=MappingSummary),
    Artefact(
        "engagement_scores",
        "engagement_scores.csv",
        ENGAGEMENT,
        (),
        "engagement probability, score 1–5 and three plain-words reasons per account",
        ("account_id", "probability", "score"),
    ),
    Artefact(
        "summary_engagement",
        "summary_engagement.json",
        ENGAGEMENT,
        (),
        "engagement headline figures",
        model=EngagementSummary,
    ),
    Artefact("summary_roi", "summary_roi.json", ROI, (), "programme ROI headline figures", model=RoiSummary),
)

#: Artefacts written by a command (``producer`` is the command), not by a notebook of the run.
_COMMANDS: tuple[Artefact, ...] = (
    Artefact(
        "holdout_assignment",
        "holdout_assignment.csv",
        DESIGN,
        (),
        "arm (treatment / control) of each next-quarter target account, its stratum and design variables",
        ("account_id", "stratum", "arm", "tier", "grade", "engagement_band", "randomised"),
    ),
    Artefact(
        "holdout_design",
        "holdout_design.json",
        DESIGN,
        (),
        "holdout design record: share, seed, strata, MDEs, cost of holding out, MDE curves, provenance",
    ),
    Artefact("holdout_preregistration", "holdout_preregistration.md", DESIGN, (), "pre-registration of the holdout"),
    Artefact("holdout_power", "holdout_power.png", DESIGN, (), "MDE by holdout share and experiment length (chart)"),
)

#: Artefacts of the notebook run (the runner's order derives from these).
ARTEFACTS: dict[str, Artefact] = {a.name: a for a in _ALL}
#: Artefacts of commands (``abm-lab design-holdout``).
COMMAND_ARTEFACTS: dict[str, Artefact] = {a.name: a for a in _COMMANDS}

#: Summary section name (``summary_<section>.json``) → its model.
SUMMARY_MODELS: dict[str, type[BaseModel]] = {
    a.file[len("summary_") : -len(".json")]: a.model for a in _ALL if a.model is not None
}


def artefact(name: str) -> Artefact:
    """The registered artefact ``name`` (a registry key such as ``"fit_scores"`` or its file name)."""
    if name in ARTEFACTS:
        return ARTEFACTS[name]
    if name in COMMAND_ARTEFACTS:
        return COMMAND_ARTEFACTS[name]
    for a in (*_ALL, *_COMMANDS):
        if a.file == name:
            return a
    raise KeyError(f"no artefact named {name!r} in the registry (abm_lab.artefacts.registry)")


def notebook_dependencies(notebooks: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Notebook → notebooks whose artefacts it reads, derived from the registry (sorted, no self-edges).
    Command artefacts are not edges: the runner does not run commands."""
    deps: dict[str, set[str]] = {}
    for a in _ALL:
        for c in a.consumers:
            if c != a.producer:
                deps.setdefault(c, set()).add(a.producer)
    names = set(notebooks) if notebooks is not None else None
    return {
        nb: sorted(d for d in ds if names is None or d in names)
        for nb, ds in sorted(deps.items())
        if names is None or nb in names
    }


def markdown_table() -> str:
    """The artefact table of ``docs/architecture.md``."""
    rows = ["| file | producer | consumers | content |", "|---|---|---|---|"]
    for a in (*_ALL, *_COMMANDS):
        content = a.description
        if a.columns:
            content += ": " + ", ".join(a.columns)
        if a.model is not None:
            content += f" (`{a.model.__name__}`)"
        rows.append(f"| `{a.file}` | {a.producer} | {', '.join(a.consumers) or '–'} | {content} |")
    return "\n".join(rows)
