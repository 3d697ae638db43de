"""The all-runs index and the previous run (abm_lab.report.runs_index)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from abm_lab import report


def _text(p: Path) -> str:
    return p.read_text(encoding="utf-8")


def test_reports_index_lists_runs_newest_first(runs, tmp_path):
    h = _text(runs / "index.html")
    order = re.findall(r'class="run-name" href="([^"]+)"', h)
    assert order == ["2026Q3/index.html", "2026Q2/index.html"]
    assert h.count('data-kpi="pipeline"') == 2 and "$3.90M" in h and "$4.35M" in h
    trend = re.search(r'id="trend">.*?</table>', h, re.S).group(0)  # oldest to newest, with the latest change
    assert trend.index("2026Q2") < trend.index("2026Q3") and "▲ +$450,000 (+11.5%)" in trend
    # folders without a manifest are not runs
    (runs / "stray").mkdir(exist_ok=True)
    (runs / "stray" / "index.html").write_text("x")
    assert [p.name for p in report.list_runs(runs)] == ["2026Q3", "2026Q2"]
    assert _text(report.build_reports_index(tmp_path / "none")).count("No runs yet") == 1


def test_find_previous_run(runs, tmp_path):
    m = json.loads((runs / "2026Q3" / "manifest.json").read_text())
    assert report.find_previous_run(runs, m) == runs / "2026Q2"
    m2 = json.loads((runs / "2026Q2" / "manifest.json").read_text())
    assert report.find_previous_run(runs, m2) is None


def test_reports_index_names_an_invalid_summary(tmp_path, example_run):
    example_run(tmp_path / "q3", run="q3")
    (tmp_path / "q3" / "artefacts" / "summary_roi.json").write_text(json.dumps({"roi_ci_low": 0.1}))
    h = _text(report.build_reports_index(tmp_path))
    tiles = dict(re.findall(r'data-kpi="(\w+)">.*?<div class="tile-value">([^<]*)</div>', h, re.S))
    assert tiles["pipeline"] == "–" and tiles["target_accounts"] == "342"
    assert "summary_roi.json" in re.search(r'class="muted summary-problems">([^<]*)<', h).group(1)
