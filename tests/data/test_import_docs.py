"""docs/import.md is true: every params block it shows is valid params, and every preset it names exists."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from abm_lab.config import parse_params
from abm_lab.config.core import DataParams

DOC = Path(__file__).resolve().parents[2] / "docs" / "import.md"


def _blocks() -> list[dict]:
    out = []
    for text in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S):
        y = yaml.safe_load(text)
        if isinstance(y, dict) and ({"data", "run"} & set(y)):
            out.append(y)
    return out


def test_every_params_block_in_the_import_guide_is_valid_params():
    blocks = _blocks()
    assert len(blocks) >= 4  # Salesforce, HubSpot, several files, epoch, ...
    for b in blocks:
        parse_params(b)  # unknown keys or wrong types raise ABMParamsError


def test_every_preset_is_documented():
    text = DOC.read_text()
    presets = DataParams.model_fields["preset"].annotation.__args__  # type: ignore[union-attr]
    for p in presets:
        assert f"`{p}`" in text, p
    for field in ("files", "column_map", "value_map", "program", "ad_spend", "epoch_unit"):
        assert f"`{field}" in text, field
