"""new_quarter_params: next quarter's params file from the last one."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from abm_lab.config import load_params
from abm_lab.errors import ABMParamsError
from abm_lab.pipeline.quarters import new_quarter_params, parse_quarter, quarter_bounds

Q3 = """# ABM Lab: quarterly run on the demo world
run:
  name: 2026Q3   # one run per quarter
  as_of: 2026-09-30
  window_start: 2026-07-01
  window_end: 2026-09-30
data:
  source: demo
  path: data/demo
roi:
  gross_margin: 0.65
"""


@pytest.fixture()
def pdir(tmp_path):
    d = tmp_path / "params"
    d.mkdir()
    (d / "2026Q3.yaml").write_text(Q3)
    (d / "demo.yaml").write_text("run:\n  name: demo\n")
    return d


def test_creates_next_quarter_shifting_dates_and_keeping_the_rest(pdir):
    p = new_quarter_params("2026Q4", pdir)
    assert p == pdir / "2026Q4.yaml"
    text = p.read_text()
    raw = yaml.safe_load(text)
    assert raw["run"] == {
        "name": "2026Q4",
        "as_of": dt.date(2026, 12, 31),
        "window_start": dt.date(2026, 10, 1),
        "window_end": dt.date(2026, 12, 31),
    }
    assert raw["roi"] == {"gross_margin": 0.65} and raw["data"] == {"source": "demo", "path": "data/demo"}
    assert "# one run per quarter" in text and "from 2026Q3.yaml" in text  # comments kept, provenance noted
    params = load_params(p)  # a valid params file
    assert params.run.name == "2026Q4" and params.roi.gross_margin == 0.65


def test_year_rollover_and_latest_earlier_file_is_the_source(pdir):
    new_quarter_params("2026Q4", pdir)
    p = new_quarter_params("2027q1", pdir)  # lower case accepted
    raw = yaml.safe_load(p.read_text())
    assert raw["run"]["window_start"] == dt.date(2027, 1, 1) and raw["run"]["as_of"] == dt.date(2027, 3, 31)
    assert "from 2026Q4.yaml" in p.read_text() and p.read_text().count("# Created by") == 1


def test_refuses_to_overwrite(pdir):
    before = (pdir / "2026Q3.yaml").read_text()
    with pytest.raises(ABMParamsError, match="already exists"):
        new_quarter_params("2026Q3", pdir)
    assert (pdir / "2026Q3.yaml").read_text() == before


@pytest.mark.parametrize("bad", ["2026Q5", "2026Q0", "26Q1", "Q4 2026", "2026-10", "", "next"])
def test_malformed_quarter_is_a_clear_error(pdir, bad):
    with pytest.raises(ABMParamsError, match="YEARQn"):
        new_quarter_params(bad, pdir)


def test_no_quarter_file_to_start_from(tmp_path):
    with pytest.raises(ABMParamsError, match="no quarter params file"):
        new_quarter_params("2026Q4", tmp_path)


def test_quarter_named_data_path_moves_and_flow_style_run_block(tmp_path):
    (tmp_path / "2026Q2.yaml").write_text(
        "run: {name: acme_2026Q2, as_of: 2026-06-30}\ndata: {source: folder, path: exports/2026Q2}\n"
    )
    p = new_quarter_params("2026Q3", tmp_path)
    raw = yaml.safe_load(p.read_text())
    assert raw["run"]["name"] == "acme_2026Q3" and raw["run"]["window_end"] == dt.date(2026, 9, 30)
    assert p.read_text().count("run:") == 1  # no duplicate run block
    assert raw["data"]["path"] == "exports/2026Q3"
    assert load_params(p).run.as_of == dt.date(2026, 9, 30)


def test_quarter_helpers():
    assert parse_quarter(" 2026-Q2 ") == (2026, 2)
    assert quarter_bounds(2024, 1) == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert quarter_bounds(2026, 4) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
