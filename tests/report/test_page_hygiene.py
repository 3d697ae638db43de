"""Leadership pages read like a report (issue 13, item 7): human labels, no row numbers, no ``nan%``, no debug
prints — the table helper (abm_lab.report.formatting.leadership_table), the defect scanner (page_defects) on
crafted HTML, and every rendered page of the last demo run (reports/demo, skipped when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm_lab.report import formatting as F

ROOT = Path(__file__).resolve().parents[2]
#: Folder of rendered pages to check: ABM_LAB_PAGES (any run folder) or the committed demo run.
PAGES = Path(os.environ.get("ABM_LAB_PAGES", ROOT / "reports" / "demo"))


def test_labels_are_one_mapping_and_fall_back_to_spaces():
    assert F.label("engaged_to_mqa") == "engaged → MQA" and F.label("with_opp") == "with opportunity"
    assert F.label("some_new_column") == "some new column"  # unlisted snake_case: spaces
    assert F.label("Pipeline") == "Pipeline" and F.label(3) == 3
    assert all(isinstance(v, str) and "_" not in v for v in F.LABELS.values())


def test_leadership_table_hides_row_numbers_and_says_missing():
    df = pd.DataFrame(
        {"win_rate": [np.nan, 0.5], "opps": [0, 4], "avg_deal_size": [np.nan, 30_000.0], "score": [0.12345, 2.5]}
    )
    h = F.leadership_table(df, {"win_rate": "pct", "avg_deal_size": "money"}, missing={"win_rate": "no closed deals"})
    html = h.to_html()
    assert "no closed deals" in html and "50.0%" in html and "$30,000" in html and F.NO_VALUE in html
    assert "nan" not in html.lower().replace("nbsp", "") and "0.123" in html
    assert "win rate" in html and "win_rate" not in html and "average deal size" in html
    assert F.page_defects(html) == []
    # a named index is kept, with its labels (row labels only when listed)
    seg = pd.DataFrame({"accounts": [3, 4]}, index=pd.Index(["abm_lite", "A000123_x"], name="tier"))
    html = F.leadership_table(seg).to_html()
    assert "ABM-lite" in html and "A000123_x" in html and ">tier<" in html


def test_page_defects_finds_each_defect():
    raw = pd.DataFrame({"engaged_to_mqa": [0.5, np.nan], "with_opp": [3, 4]})
    found = F.page_defects(raw.to_html())
    assert "raw column name 'engaged_to_mqa'" in found and "raw column name 'with_opp'" in found
    assert any("row numbers 0–1" in f for f in found) and "missing figure shown as 'NaN'" in found
    styler = raw.style.format({"engaged_to_mqa": "{:.1%}"}).to_html()
    assert "missing figure shown as 'nan%'" in F.page_defects(styler)
    tiers = pd.DataFrame({"accounts": [1, 2]}, index=pd.Index(["abm_lite", "strategic"], name="tier"))
    assert F.page_defects(tiers.to_html()) == ["raw row label 'abm_lite'"]
    prints = "<pre>accounts per grade: {'A': 161, 'B': 240}\ncustomer rate falls A to F: True\n</pre>"
    found = F.page_defects(prints)
    assert any("dict" in f for f in found) and "debug print of a flag: 'customer rate falls A to F: True'" in found
    # the run manifest (params as YAML) and embedded images are not the page's text
    ok = (
        '<section class="manifest" id="run-manifest"><pre>{\'a\': 1} flag: True</pre></section>'
        '<img src="data:image/png;base64,NaNa==">'
    )
    assert F.page_defects(ok) == []


def _pages() -> list[Path]:
    return sorted(PAGES.glob("[0-9][0-9]_*.html")) if PAGES.is_dir() else []


@pytest.mark.parametrize("page", _pages() or [None], ids=lambda p: p.stem if p else "no-pages")
def test_rendered_pages_read_like_a_report(page):
    if page is None:
        pytest.skip(f"no rendered pages in {PAGES} (run `make notebooks` or set ABM_LAB_PAGES to a run folder)")
    assert F.page_defects(page.read_text(encoding="utf-8")) == []
