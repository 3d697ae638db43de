"""The artefact contract between stages: registry of files and typed summaries."""

from .registry import ARTEFACTS, SUMMARY_MODELS, Artefact, artefact, markdown_table, notebook_dependencies
from .summaries import EngagementSummary, GradingSummary, IcpSummary, MappingSummary, RoiSummary, Summary

__all__ = [
    "ARTEFACTS",
    "SUMMARY_MODELS",
    "Artefact",
    "artefact",
    "markdown_table",
    "notebook_dependencies",
    "Summary",
    "IcpSummary",
    "GradingSummary",
    "MappingSummary",
    "EngagementSummary",
    "RoiSummary",
]
