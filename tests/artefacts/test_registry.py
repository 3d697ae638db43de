"""The artefact registry: every artefact named once, the notebook order derived from it, docs in step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from abm_lab.artefacts import ARTEFACTS, SUMMARY_MODELS, artefact, markdown_table, notebook_dependencies
from abm_lab.artefacts.registry import GRADING, ICP, MAPPING

ROOT = Path(__file__).resolve().parents[2]


def test_every_artefact_has_one_file_and_a_known_producer():
    files = [a.file for a in ARTEFACTS.values()]
    assert len(files) == len(set(files))
    notebooks = {p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    for a in ARTEFACTS.values():
        assert a.producer in notebooks, a
        assert set(a.consumers) <= notebooks, a
        assert a.producer not in a.consumers
        assert a.kind in ("parquet", "csv", "yaml", "json")


def test_dependencies_follow_the_consumers():
    deps = notebook_dependencies()
    assert deps[GRADING] == [ICP]
    # notebook 03 reads notebook 02's grades (tiers): the race the hand-kept table missed
    assert deps[MAPPING] == [GRADING]
    for nb, ups in deps.items():
        for up in ups:
            assert any(a.producer == up and nb in a.consumers for a in ARTEFACTS.values())


def test_dependencies_restricted_to_the_run():
    deps = notebook_dependencies([MAPPING, "04_engagement"])
    assert deps[MAPPING] == []
    assert deps["04_engagement"] == [MAPPING]
    assert GRADING not in deps


def test_dependency_graph_has_no_cycle():
    deps = notebook_dependencies()
    seen: dict[str, int] = {}

    def visit(nb: str) -> None:
        assert seen.get(nb) != 1, f"cycle through {nb}"
        if seen.get(nb) == 2:
            return
        seen[nb] = 1
        for d in deps.get(nb, []):
            visit(d)
        seen[nb] = 2

    for nb in deps:
        visit(nb)


def test_lookup_by_key_or_file_name_and_unknown_names_fail():
    assert artefact("fit_scores") is artefact("fit_scores.parquet")
    with pytest.raises(KeyError, match="no artefact named"):
        artefact("fit_score.parquet")


def test_each_summary_section_has_a_model():
    summaries = {a.file for a in ARTEFACTS.values() if a.file.startswith("summary_")}
    assert {f"summary_{s}.json" for s in SUMMARY_MODELS} == summaries


def test_architecture_doc_table_is_generated_from_the_registry():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    m = re.search(r"<!-- ARTEFACTS:START -->\n(.*?)\n<!-- ARTEFACTS:END -->", doc, re.S)
    assert m, "docs/architecture.md lacks the generated artefact table markers"
    assert m.group(1).strip() == markdown_table().strip(), (
        "docs/architecture.md is out of date: run `python -m abm_lab.pipeline.devtools docs`"
    )


def test_no_artefact_file_name_is_a_string_literal_outside_the_registry():
    """Stages name artefacts by registry key; file names live in the registry only."""
    pkg = ROOT / "abm_lab"
    offenders = []
    for a in ARTEFACTS.values():
        pat = re.compile(r"""["']""" + re.escape(a.file) + r"""["']""")
        for py in pkg.rglob("*.py"):
            if py.name == "registry.py":
                continue
            if pat.search(py.read_text()):
                offenders.append(f"{py.relative_to(ROOT)}: {a.file}")
        for nb in (ROOT / "notebooks").glob("*.ipynb"):
            if pat.search(nb.read_text()):
                offenders.append(f"{nb.relative_to(ROOT)}: {a.file}")
    assert not offenders, "artefact file names as string literals (use the registry key):\n" + "\n".join(offenders)
