"""The word lists shipped in ``abm_lab/resources/`` (free-mail domains, legal forms, noise words, ...)."""

from __future__ import annotations

from importlib import resources

__all__ = ["read_resource"]


def read_resource(name: str) -> list[str]:
    """Non-blank, non-comment lines of ``abm_lab/resources/<name>``, stripped."""
    text = resources.files("abm_lab").joinpath("resources", name).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out
