"""A run's index page (abm_lab.report.run_index): KPI tiles, targets, change since the previous run, notes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from abm_lab import report

TILE_RE = r'data-kpi="(\w+)">.*?<div class="tile-value">([^<]*)</div>'


def _text(p: Path) -> str:
    return p.read_text(encoding="utf-8")


def _visible(html: str) -> str:
    """Page text without tags, styles and data URIs."""
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_index_tiles_targets_and_change_since_previous(runs):
    h = _text(runs / "2026Q3" / "index.html")
    tiles = dict(re.findall(TILE_RE, h, re.S))
    assert tiles == {
        "match_rate": "91.2%",
        "auc_gbm": "0.81",  # field auc_gbm of EngagementSummary
        "target_accounts": "342",
        "engaged_accounts": "287",
        "mqas": "131",
        "pipeline": "$4.35M",
        "win_rate": "31.0%",
        "roi": "142%",
    }
    assert "95% CI 35% to 260%" in h  # ROI with its interval (roi_low / roi_high)
    assert "Target 350 · 98% of target" in h  # report.targets from params
    assert "Target $4.00M · 109% of target" in h  # (fallback to roi.targets: test_targets_report_overrides_roi)
    assert "▲ +42 (+14.0%) vs 2026Q2" in h and "▼ −9 (−6.4%) vs 2026Q2" in h and "▲ +3.0 pts vs 2026Q2" in h
    assert 'class="tile status-warn" data-kpi="target_accounts"' in h  # 98% of target: amber
    assert 'class="tile status-good" data-kpi="pipeline"' in h
    assert 'href="01_example.html"' in h and "Accounts by grade, with a method note." in h
    assert "Lead-to-account match rate" in h and "91.2%" in h and "0.81" in h  # quality tiles
    assert 'id="summary-problems"' not in h  # every summary validates: no note


def test_index_without_previous_and_with_missing_summaries(tmp_path):
    run = tmp_path / "r"
    (run / "artefacts").mkdir(parents=True)
    (run / "artefacts" / "summary_roi.json").write_text('{"pipeline": null, "roi": 0.5}')
    out = report.build_run_index(run, {"run": "r"}, [{"title": "x"}, {"title": "P", "href": "p.html"}], None)
    h = _text(out)
    tiles = dict(re.findall(TILE_RE, h, re.S))
    assert tiles["mqas"] == "–" and tiles["pipeline"] == "–" and tiles["target_accounts"] == "–"
    assert tiles["roi"] == "50%" and "vs " not in _visible(h) and 'href="p.html"' in h
    assert 'id="summary-problems"' not in h  # missing figures are not a problem of the file
    # previous run folder without summaries: no comparison and no crash
    empty = tmp_path / "empty"
    empty.mkdir()
    h2 = _text(report.build_run_index(run, {"run": "r"}, [], empty))
    assert "no earlier run to compare with" in h2


def test_index_with_invalid_summaries_shows_a_note_and_does_not_crash(tmp_path, write_summary_file):
    run = tmp_path / "r"
    write_summary_file(run, "mapping", {"match_rate": 0.9})
    (run / "artefacts" / "summary_roi.json").write_text('{"mqas": "n/a", "pipeline": 1000000, "roi": 0.5}')
    (run / "artefacts" / "summary_grading.json").write_text("{not json")
    h = _text(report.build_run_index(run, {"run": "r"}, [{"title": "P", "href": "p.html"}], None))
    tiles = dict(re.findall(TILE_RE, h, re.S))
    # a file that does not validate is not read at all: every figure of it shows '–', nothing is guessed
    assert tiles["roi"] == "–" and tiles["pipeline"] == "–" and tiles["mqas"] == "–"
    assert tiles["target_accounts"] == "–" and tiles["match_rate"] == "90.0%"
    note = re.search(r'<section class="card summary-problems" id="summary-problems">(.*?)</section>', h, re.S)
    assert note is not None, "no note naming the invalid summary files"
    v = _visible(note.group(1))
    assert "summary_roi.json" in v and "RoiSummary" in v and "mqas" in v
    assert "summary_grading.json" in v and "not valid JSON" in v and "summary_mapping.json" not in v
    assert h.index('id="summary-problems"') < h.index('id="kpis"')  # visible before the tiles
    assert "does not match its summary model" in _visible(h)  # the executive summary says why figures are missing


def test_old_alias_keys_are_not_read(tmp_path):
    run = tmp_path / "old"
    (run / "artefacts").mkdir(parents=True)
    (run / "artefacts" / "summary_roi.json").write_text(json.dumps({"roi": 0.5, "roi_ci_low": 0.1, "roi_ci_high": 1}))
    (run / "artefacts" / "summary_engagement.json").write_text(json.dumps({"holdout_auc_gbm": 0.81}))
    h = _text(report.build_run_index(run, {"run": "old"}, [], None))
    tiles = dict(re.findall(TILE_RE, h, re.S))
    assert tiles["roi"] == "–" and "auc_gbm" not in tiles and "holdout_auc_gbm" not in tiles
    v = _visible(re.search(r'id="summary-problems">(.*?)</section>', h, re.S).group(1))
    assert "summary_roi.json" in v and "roi_ci_low" in v and "summary_engagement.json" in v


def test_invalid_summary_of_the_previous_run_is_named(runs, tmp_path):
    prev = tmp_path / "2026Q2"
    shutil.copytree(runs / "2026Q2", prev)
    (prev / "artefacts" / "summary_grading.json").write_text(json.dumps({"target_accounts": "many"}))
    run = tmp_path / "2026Q3"
    shutil.copytree(runs / "2026Q3", run)
    m = json.loads((run / "manifest.json").read_text())
    h = _text(report.build_run_index(run, m, [], prev))
    assert "compared with 2026Q2" in h and "No comparable figure in 2026Q2" in h  # roi still compared
    assert "<li><code>summary_grading.json</code> of run 2026Q2: does not match GradingSummary" in h


def test_page_cards_fall_back_to_the_pages_executive_summary(runs, tmp_path):
    run = tmp_path / "copy"
    shutil.copytree(runs / "2026Q3", run)
    h = _text(
        report.build_run_index(
            run, {"run": "c"}, [{"title": "Example", "href": "01_example.html", "summary": ""}], None
        )
    )
    assert '<span class="page-summary">The program reached 342 target accounts; pipeline is $4.35M.</span>' in h


def test_negative_roi_tile(tmp_path, write_summary_file):
    run = tmp_path / "neg"
    write_summary_file(run, "roi", {"roi": -0.29, "roi_low": -0.87, "roi_high": 0.3})
    h = _text(report.build_run_index(run, {"run": "neg", "params": {"report": {"targets": {"roi": 0.5}}}}, [], None))
    tile = re.search(r'data-kpi="roi">(.*?)</div>\s*</div>', h, re.S).group(0)
    assert "-29%" in tile and "95% CI -87% to 30%" in tile and "% of target" not in tile and "width:0%" in tile
    assert 'class="tile status-bad" data-kpi="roi"' in h
    assert "the interval includes zero" in h
