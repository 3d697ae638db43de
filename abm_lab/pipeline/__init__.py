"""Running a quarter: the notebook context, the runner (order derived from the artefact registry), manifest,
quarters and the command line."""

from .context import RunContext, find_root

__all__ = ["RunContext", "find_root"]
