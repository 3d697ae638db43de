"""Leadership HTML: notebook pages, run index with KPI tiles and comparison, list of runs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from abm_lab import report, style

PREV = {
    "grading": {"target_accounts": 300},
    "roi": {
        "engaged_accounts": 250,
        "mqas": 140,
        "pipeline": 3_900_000,
        "win_rate": 0.28,
        "roi": 0.9,
        "roi_ci_low": -0.2,
        "roi_ci_high": 1.9,
    },
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    report.example_run(root / "2026Q2", run="2026Q2", window=("2026-04-01", "2026-06-30"), summaries=PREV)
    report.example_run(root / "2026Q3", run="2026Q3", previous_run_dir=root / "2026Q2")
    report.build_reports_index(root)
    return root


def _text(p: Path) -> str:
    return p.read_text(encoding="utf-8")


def _visible(html: str) -> str:
    """Page text without tags, styles and data URIs."""
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


# ------------------------------------------------------------------ notebook pages


def test_page_has_no_code_errors_warnings_or_prompts(runs):
    h = _text(runs / "2026Q3" / "01_example.html")
    v = _visible(h)
    for bad in (
        "params_path",
        "display(Markdown",
        "1/0",
        "print(x)",
        "NBVAL_CHECK_OUTPUT",  # code
        "Traceback",
        "ZeroDivisionError",
        "UserWarning",
        "must not reach",  # errors / stderr
        "In [",
        "Out[",
        "Text(0.5",
        "<Figure size",
        "VBox(",
        "IPython.core.display",
    ):  # prompts / reprs
        assert bad not in h, bad
    assert "target accounts: 342" in v  # printed (stdout) results stay
    assert "Interactive explorer" in v  # widgets become a note, not a dead control


def test_page_is_self_contained(runs):
    h = _text(runs / "2026Q3" / "01_example.html")
    assert "<script" not in h.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", h, re.I), "external resource referenced"
    assert not re.search(r"@import|url\(\s*['\"]?https?:", h, re.I)
    imgs = re.findall(r"<img[^>]*src=\"([^\"]+)\"", h)
    assert imgs and all(s.startswith("data:image/png;base64,") for s in imgs)


def test_page_header_nav_method_notes_and_manifest(runs):
    h = _text(runs / "2026Q3" / "01_example.html")
    v = _visible(h)
    assert 'href="index.html"' in h and "Run 2026Q3" in v and '<h1 class="page-title">Example report</h1>' in h
    assert v.count("Method notes") == 1  # the notebook's own section, not a second generic one
    assert v.index("Method notes") < v.index("Run manifest")  # ends with notes, then the manifest
    m = json.loads((runs / "2026Q3" / "manifest.json").read_text())
    assert m["git_commit"] in h and "0" * 64 in h and "abm-lab" in v  # commit, data hash, versions
    assert "window_start: &#x27;2026-07-01&#x27;" in h or "window_start: '2026-07-01'" in v  # params as YAML
    assert "celltag_exec-summary" in h  # the executive summary is marked for styling


def test_page_without_method_notes_gets_generic_notes(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# T\nSome text."),
            nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output("stream", name="stdout", text="42\n")]),
        ]
    )
    src = tmp_path / "nb.ipynb"
    nbformat.write(nb, src)
    out = report.render_notebook_html(src, tmp_path / "out" / "nb.html", "Plain page", {})  # empty manifest: no crash
    v = _visible(_text(out))
    assert v.count("Method notes") == 1 and "Run manifest" in v and "42" in v


def test_real_executed_notebook_is_cleaned(tmp_path):
    """Outputs as a kernel really produces them: matplotlib figure, warnings, DataFrame, repr noise."""
    from nbclient import NotebookClient

    code = (
        "import warnings, pandas as pd\nimport matplotlib.pyplot as plt\n"
        "from abm_lab import style\nstyle.apply()\nwarnings.warn('noisy warning text')\n"
        "fig, ax = plt.subplots()\nax.plot([1, 2, 3])\nax.set_title('T')"
    )
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("## Executive summary"),
            nbformat.v4.new_code_cell(code),
            nbformat.v4.new_code_cell("pd.DataFrame({'grade': ['A', 'B'], 'n': [1, 2]})"),
            nbformat.v4.new_code_cell("import sys; print('kept'); print('oops', file=sys.stderr)"),
            nbformat.v4.new_code_cell("import ipywidgets as w; w.IntSlider(3)"),
        ]
    )
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    kinds = {o.output_type for c in nb.cells if c.cell_type == "code" for o in c.outputs}
    assert {"stream", "display_data", "execute_result"} <= kinds  # the fixture really has all of them
    assert any(report.WIDGET_MIME in o.get("data", {}) for o in nb.cells[-1].outputs)
    src = tmp_path / "real.ipynb"
    nbformat.write(nb, src)
    h = _text(report.render_notebook_html(src, tmp_path / "real.html", "Real", {"run": "r1"}))
    assert "noisy warning" not in h and "oops" not in h and "Text(0.5" not in h and "<Figure" not in h
    assert "kept" in h and 'class="dataframe"' in h and "data:image/png;base64," in h
    assert "IntSlider" not in h and "Interactive explorer" in h and "<script" not in h


# ------------------------------------------------------------------ run index


def test_index_tiles_targets_and_change_since_previous(runs):
    h = _text(runs / "2026Q3" / "index.html")
    tiles = dict(re.findall(r'data-kpi="(\w+)">.*?<div class="tile-value">([^<]*)</div>', h, re.S))
    assert tiles == {
        "match_rate": "91.2%",
        "holdout_auc_gbm": "0.81",
        "target_accounts": "342",
        "engaged_accounts": "287",
        "mqas": "131",
        "pipeline": "$4.35M",
        "win_rate": "31.0%",
        "roi": "142%",
    }
    assert "95% CI 35% to 260%" in h  # ROI with its interval
    assert "Target 350 · 98% of target" in h  # report.targets from params
    assert "Target $4.00M · 109% of target" in h  # (fallback to roi.targets: test_targets_report_overrides_roi)
    assert "▲ +42 (+14.0%) vs 2026Q2" in h and "▼ −9 (−6.4%) vs 2026Q2" in h and "▲ +3.0 pts vs 2026Q2" in h
    assert 'class="tile status-warn" data-kpi="target_accounts"' in h  # 98% of target: amber
    assert 'class="tile status-good" data-kpi="pipeline"' in h
    assert 'href="01_example.html"' in h and "Accounts by grade, with a method note." in h
    assert "Lead-to-account match rate" in h and "91.2%" in h and "0.81" in h  # quality tiles


def test_executive_summary_is_generated_from_numbers(runs):
    h = _text(runs / "2026Q3" / "index.html")
    para = re.search(r'id="executive-summary"><h2>Executive summary</h2><p>(.*?)</p>', h, re.S).group(1)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", para) if s]
    assert 3 <= len(sentences) <= 5
    for num in ("342", "287", "131", "$4.35M", "31.0%", "142%", "35%", "260%", "2026Q2"):
        assert num in para, num
    assert "4 of 6 headline KPIs" in para and "pipeline created rose by $450,000" in para and "program ROI rose" in para


def test_index_without_previous_and_with_missing_or_broken_summaries(tmp_path):
    run = tmp_path / "r"
    (run / "artefacts").mkdir(parents=True)
    (run / "artefacts" / "summary_roi.json").write_text('{"mqas": "n/a", "pipeline": null, "roi": 0.5}')
    (run / "artefacts" / "summary_grading.json").write_text("{not json")
    out = report.build_run_index(run, {"run": "r"}, [{"title": "x"}, {"title": "P", "href": "p.html"}], None)
    h = _text(out)
    tiles = dict(re.findall(r'data-kpi="(\w+)">.*?<div class="tile-value">([^<]*)</div>', h, re.S))
    assert tiles["mqas"] == "–" and tiles["pipeline"] == "–" and tiles["target_accounts"] == "–"
    assert tiles["roi"] == "50%" and "vs " not in _visible(h) and 'href="p.html"' in h
    # previous run folder without summaries: no comparison and no crash
    empty = tmp_path / "empty"
    empty.mkdir()
    h2 = _text(report.build_run_index(run, {"run": "r"}, [], empty))
    assert "no earlier run to compare with" in h2


def test_targets_report_overrides_roi():
    from abm_lab.config.report import ReportParams
    from abm_lab.config.roi import RoiParams

    params = {"report": {"targets": {"pipeline": 5e6}}, "roi": {"targets": {"mqas": 99, "pipeline": 1}}}
    t = report.resolve_targets(params)
    assert t["pipeline"] == 5e6 and t["mqas"] == 99 and t["target_accounts"] == ReportParams().targets.target_accounts
    assert report.resolve_targets({})["win_rate"] == RoiParams().targets.win_rate  # default: roi.targets


def test_delta_and_status_helpers():
    assert report.fmt_delta(110, 100, "int") == ("▲ +10 (+10.0%)", "up")
    assert report.fmt_delta(0.25, 0.30, "pct") == ("▼ −5.0 pts", "down")
    assert report.fmt_delta(None, 1, "int") == ("", "none")
    k = report.Kpi(report.HEADLINE[3], 3.7e6, 4e6)
    assert (
        k.status(0.9) == "warn"
        and k.status(0.95) == "bad"
        and report.Kpi(report.HEADLINE[3], None, 4e6).status() == "none"
    )


# ------------------------------------------------------------------ all runs


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


# ------------------------------------------------------------------ style


def test_style_formatting():
    assert style.fmt_money(1_234_567) == "$1.23M" and style.fmt_money(12_345) == "$12,345"
    assert style.fmt_pct(0.1234) == "12.3%" and style.fmt_int(12345.4) == "12,345"
    assert style.fmt_money(None) == style.fmt_pct(float("nan")) == style.fmt_int("x") == "–"
    assert style.fmt_ci(0.12, 0.04, 0.2) == "12.0% (95% CI 4.0% to 20.0%)"
    import pandas as pd

    t = style.format_table(pd.DataFrame({"a": [1e6], "b": [0.5], "c": ["x"]}), {"a": "money", "b": "pct"})
    assert t.iloc[0].tolist() == ["$1.00M", "50.0%", "x"]
    with pytest.raises(ValueError, match="unknown number format"):
        style.fmt(1, "euros")


def test_page_cards_fall_back_to_the_pages_executive_summary(runs, tmp_path):
    run = tmp_path / "copy"
    shutil.copytree(runs / "2026Q3", run)
    h = _text(
        report.build_run_index(
            run, {"run": "c"}, [{"title": "Example", "href": "01_example.html", "summary": ""}], None
        )
    )
    assert '<span class="page-summary">The program reached 342 target accounts; pipeline is $4.35M.</span>' in h


def test_currency_in_markdown_is_not_math(tmp_path):
    nbv = nbformat.v4
    nb = nbv.new_notebook(
        cells=[
            nbv.new_code_cell(
                "x",
                outputs=[
                    nbv.new_output(
                        "display_data",
                        data={"text/markdown": "Pipeline was **$4.35M** vs $3.90M.", "text/plain": "<Markdown>"},
                    )
                ],
            )
        ]
    )
    nbformat.write(nb, tmp_path / "m.ipynb")
    h = _text(report.render_notebook_html(tmp_path / "m.ipynb", tmp_path / "m.html", "M", {}))
    assert "<strong>$4.35M</strong> vs $3.90M." in h
    assert style.md("ROI $x$ costs $1.2M").data == "ROI $x$ costs \\$1.2M"


def test_executive_summary_marking():
    nbv = nbformat.v4
    md = lambda t: nbv.new_output("display_data", data={"text/markdown": t})  # noqa: E731
    nb = nbv.new_notebook(
        cells=[
            nbv.new_markdown_cell("## Executive summary"),
            nbv.new_code_cell("s", outputs=[md("Numbers.")]),
            nbv.new_markdown_cell("A caption after the summary."),
            nbv.new_code_cell("t", outputs=[md("table")]),
            nbv.new_code_cell("u", outputs=[md("## Executive summary\nGenerated heading and text.")]),
            nbv.new_markdown_cell("## 9 · Method notes\nHow."),
        ]
    )
    clean, has_method = report.prepare_notebook(nb)
    tagged = ["exec-summary" in c.metadata["tags"] for c in clean.cells]
    assert tagged == [True, True, False, False, True, False] and has_method


def test_on_track_share_from_report_then_roi():
    assert report.on_track_share({"report": {"on_track_share": 0.95}, "roi": {"tile_at_risk": 0.7}}) == 0.95
    assert report.on_track_share({"roi": {"tile_at_risk": 0.7}}) == 0.7
    assert 0 < report.on_track_share({}) < 1


def test_currency_symbol():
    assert report.currency_symbol({}) == "$" and report.currency_symbol({"run": {"currency": "EUR"}}) == "€"
    assert report.currency_symbol({"run": {"currency": "CHF"}}) == "CHF "
    assert report.currency_symbol({"report": {"currency_symbol": "US$"}, "run": {"currency": "EUR"}}) == "US$"


def test_summary_key_variants():
    k = report.headline_kpis({"engagement": {"auc_gbm": 0.68}}, specs=report.SECONDARY)[1]
    assert k.value == 0.68 and report.headline_kpis({}, specs=report.SECONDARY)[1].value is None


def test_roi_interval_key_variants():
    for lo, hi in (("roi_ci_low", "roi_ci_high"), ("roi_low", "roi_high")):
        k = report.headline_kpis({"roi": {"roi": 0.5, lo: 0.1, hi: 0.9}})[-1]
        assert (k.spec.key, k.value, k.ci_low, k.ci_high) == ("roi", 0.5, 0.1, 0.9)


def test_negative_roi_tile(tmp_path):
    run = tmp_path / "neg"
    (run / "artefacts").mkdir(parents=True)
    (run / "artefacts" / "summary_roi.json").write_text(json.dumps({"roi": -0.29, "roi_low": -0.87, "roi_high": 0.3}))
    h = _text(report.build_run_index(run, {"run": "neg", "params": {"report": {"targets": {"roi": 0.5}}}}, [], None))
    tile = re.search(r'data-kpi="roi">(.*?)</div>\s*</div>', h, re.S).group(0)
    assert "-29%" in tile and "95% CI -87% to 30%" in tile and "% of target" not in tile and "width:0%" in tile
    assert 'class="tile status-bad" data-kpi="roi"' in h
    assert "the interval includes zero" in h


def test_table_alignment_with_row_groups():
    import pandas as pd

    df = pd.DataFrame(
        {"name": ["x", "y", "z"], "n": [1, 2, 3], "share": ["5.0%", "6.0%", "–"]},
        index=pd.MultiIndex.from_tuples([("tier", "a"), ("tier", "b"), ("grade", "A")]),
    )
    out = report._align_tables(df.to_html())
    rows = re.findall(r"<tr>(.*?)</tr>", out, re.S)
    for r in rows[1:]:  # every body row: name left, n and share right, whatever the row-group cell
        cells = re.findall(r"<t[dh]([^>]*)>([^<]*)</t[dh]>", r)
        assert [("num" in a) for a, _ in cells[-3:]] == [False, True, True], cells
    assert 'border="1"' not in out
