"""Readable ICP rules: quality, icp.yaml round trip, edits and clear errors."""

from __future__ import annotations

import pytest

from abm_lab import icp
from abm_lab.config.icp import IcpParams
from abm_lab.errors import ABMDataError


def test_rules_readable_and_better_than_base(result):
    r = result.rules
    assert 1 <= len(r.conditions) <= IcpParams().rule_max_conditions
    assert r.stats["precision"] > 2 * r.stats["base_rate"]
    assert r.stats["recall"] >= IcpParams().rule_min_recall
    txt = r.describe()
    assert "Software" in txt  # the strongest true industry driver
    assert r.table()["precision"].is_monotonic_increasing


def test_icp_yaml_roundtrip_and_edit(result, world, tmp_path):
    acc = world.tables["accounts"]
    path = icp.save_icp(result.rules, tmp_path / "icp.yaml")
    loaded = icp.load_icp(path)
    assert loaded.conditions == result.rules.conditions
    applied = icp.apply_icp(acc, path)
    assert len(applied) == len(acc) and applied.index.is_unique
    assert applied["matches"].mean() == pytest.approx(result.rules.stats["coverage"])
    # a marketer edits the file: keep only 'uses CRM'
    d = {"conditions": [{"attribute": "tech_crm", "in": [True]}]}
    ed = icp.apply_icp(acc, d)
    assert ed["matches"].sum() == int(acc["tech_crm"].astype(bool).sum())
    bad = tmp_path / "bad.yaml"
    bad.write_text("conditions:\n  - attribute: colour\n    in: [blue]\n")
    with pytest.raises(ABMDataError, match="unknown attribute 'colour'"):
        icp.load_icp(bad)
    with pytest.raises(ABMDataError, match="not found"):
        icp.load_icp(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("conditions: [\n")
    with pytest.raises(ABMDataError, match="not valid YAML"):
        icp.load_icp(broken)


def test_merged_bands_read_as_ranges():
    r = icp.IcpRules([("employee_band", ["200–999", "1,000–4,999"])], bands={"employees": [50, 200, 1000, 5000]})
    assert r.describe() == "200–4,999 employees"
    assert icp.IcpRules([]).describe().startswith("all accounts")
