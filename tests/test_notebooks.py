"""The committed notebooks follow the conventions: thin, no blanket warning filters, checked outputs kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from abm_lab.pipeline.devtools import MAX_NOTEBOOK_CODE_LINES, notebook_problems

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_six_notebooks():
    assert [p.stem[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin_and_clean(path):
    assert notebook_problems(path) == []


def test_the_checker_finds_a_fat_notebook(tmp_path):
    import json

    nb = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": "\n".join(["x = 1"] * 61)},
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "source": "import warnings; warnings.filterwarnings('ignore')",
            },
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": "# NBVAL_CHECK_OUTPUT\nprint(1)"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    p = tmp_path / "99_fat.ipynb"
    p.write_text(json.dumps(nb))
    problems = notebook_problems(p)
    assert len(problems) == 3
    assert str(MAX_NOTEBOOK_CODE_LINES) in problems[0]
