"""Running text generated from the numbers (abm_lab.report.narrative)."""

from __future__ import annotations

import re
from pathlib import Path

from abm_lab import report
from abm_lab.report import RunSummaries


def _text(p: Path) -> str:
    return p.read_text(encoding="utf-8")


def test_executive_summary_is_generated_from_numbers(runs):
    h = _text(runs / "2026Q3" / "index.html")
    para = re.search(r'id="executive-summary"><h2>Executive summary</h2><p>(.*?)</p>', h, re.S).group(1)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", para) if s]
    assert 3 <= len(sentences) <= 5
    for num in ("342", "287", "131", "$4.35M", "31.0%", "142%", "35%", "260%", "2026Q2"):
        assert num in para, num
    assert "4 of 6 headline KPIs" in para and "pipeline created rose by $450,000" in para and "program ROI rose" in para


def test_missing_figures_are_named_and_why():
    kpis = report.headline_kpis(RunSummaries.from_dicts({"roi": {"roi": 0.2}}))
    text = " ".join(report.executive_summary(kpis, "r", {}))
    assert "Not available in this run: target accounts, engaged accounts, MQAs" in text
    assert "did not run or saved no summary" in text
    text2 = " ".join(report.executive_summary(kpis, "r", {}, invalid_sections={"grading"}))
    assert "saved one that does not match its summary model" in text2


def test_page_summary_of_a_rendered_page(runs, tmp_path):
    assert report.page_summary(runs / "2026Q3" / "01_example.html") == (
        "The program reached 342 target accounts; pipeline is $4.35M."
    )
    assert report.page_summary(tmp_path / "missing.html") == ""
