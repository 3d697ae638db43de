"""Notebook pages (abm_lab.report.html): no code, errors, warnings or prompts; self-contained; tables aligned."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

from abm_lab import report, style
from abm_lab.report.css import FIGURE_MIN_PX, PHONE_PX
from abm_lab.report.html import align_tables, mark_tabular_text, size_figures


def _text(p: Path) -> str:
    return p.read_text(encoding="utf-8")


def _visible(html: str) -> str:
    """Page text without tags, styles and data URIs."""
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


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
    assert "kept" in h and 'class="dataframe sticky-first"' in h and "data:image/png;base64," in h
    assert "IntSlider" not in h and "Interactive explorer" in h and "<script" not in h


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


def test_table_alignment_with_row_groups():
    import pandas as pd

    df = pd.DataFrame(
        {"name": ["x", "y", "z"], "n": [1, 2, 3], "share": ["5.0%", "6.0%", "–"]},
        index=pd.MultiIndex.from_tuples([("tier", "a"), ("tier", "b"), ("grade", "A")]),
    )
    out = align_tables(df.to_html())
    rows = re.findall(r"<tr>(.*?)</tr>", out, re.S)
    for r in rows[1:]:  # every body row: name left, n and share right, whatever the row-group cell
        cells = re.findall(r"<t[dh]([^>]*)>([^<]*)</t[dh]>", r)
        assert [("num" in a) for a, _ in cells[-3:]] == [False, True, True], cells
    assert 'border="1"' not in out


def test_table_alignment_keeps_existing_classes():
    out = align_tables('<table><tbody><tr><td class="hi">x</td><td class="lo">12</td></tr></tbody></table>')
    assert '<td class="hi">x</td>' in out and '<td class="lo num">12</td>' in out


# --------------------------------------------------------------------------- responsive layout (issue 14.4)


def _png(width: int, height: int = 20) -> str:
    import base64
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def test_figures_carry_their_natural_width(runs):
    import base64
    import io

    from PIL import Image

    h = _text(runs / "2026Q3" / "01_example.html")
    tags = re.findall(r"<img\b[^>]*>", h)
    assert tags
    for tag in tags:
        data = re.search(r'src="data:image/png;base64,([^"]+)"', tag)
        assert data, tag[:80]
        width = Image.open(io.BytesIO(base64.b64decode(data.group(1)))).size[0]  # decoded independently
        assert f"--natural-width:{width}px" in tag


def test_size_figures_reads_the_png_header_and_keeps_other_images():
    src = _png(123)
    out = size_figures(f'<p>x</p><img alt="a" src="data:image/png;base64,{src}"/>')
    assert out.startswith('<p>x</p><img style="--natural-width:123px" alt="a"')
    # an explicit width (retina figures) wins; an existing style keeps its rules
    assert '--natural-width:300px;width: 50%"' in size_figures(
        f'<img width="300" style="width: 50%" src="data:image/png;base64,{src}">'
    )
    assert size_figures(size_figures(f'<img src="data:image/png;base64,{src}">')).count("--natural-width") == 1
    for other in ('<img src="data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD">', '<img src="x.png">'):
        assert size_figures(other) == other
    assert size_figures('<img src="data:image/png;base64,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA">').count("--natural") == 0


def test_tables_without_row_groups_keep_their_first_column_in_view():
    import pandas as pd

    flat = align_tables(pd.DataFrame({"grade": ["A", "B"], "n": [1, 2]}).to_html())
    assert re.search(r'<table class="[^"]*\bsticky-first\b', flat)
    grouped = pd.DataFrame({"n": [1, 2, 3]}, index=pd.MultiIndex.from_tuples([("t", "a"), ("t", "b"), ("g", "A")]))
    out = align_tables(grouped.to_html())
    assert "rowspan" in out and "sticky-first" not in out  # a spanning cell would slide under a sticky column


def test_printed_columns_scroll_and_prose_wraps():
    import pandas as pd

    printed = pd.DataFrame({"coverage_share": [0.661, 0.7], "engaged_share": [0.5, 0.4]}, index=["a", "b"])
    assert mark_tabular_text(f"<pre>{printed}\n</pre>").startswith('<pre class="tabular">')
    prose = "<pre>Programme cost $1.08M over the periods with treated targets; gross margin 70%.\n</pre>"
    assert mark_tabular_text(prose) == prose


def test_every_page_carries_the_responsive_layer(runs):
    pages = [runs / "2026Q3" / "01_example.html", runs / "2026Q3" / "index.html", runs / "index.html"]
    for p in pages:
        h = _text(p)
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in h, p.name
        assert f"@media (max-width: {PHONE_PX}px)" in h and f"{FIGURE_MIN_PX}px" in h, p.name
        assert "overflow-wrap: anywhere" in h, p.name
    for p in (runs / "2026Q3" / "index.html", runs / "index.html"):  # KPI comparison tables scroll in their box
        assert re.search(r'<div class="table-scroll"><table class="compare">', _text(p)), p


def test_same_inputs_give_the_same_page(runs, tmp_path):
    src = runs / "2026Q3" / "01_example.ipynb"
    m = json.loads((runs / "2026Q3" / "manifest.json").read_text())
    a = _text(report.render_notebook_html(src, tmp_path / "a" / "p.html", "Example report", m))
    b = _text(report.render_notebook_html(src, tmp_path / "b" / "p.html", "Example report", m))
    footer = re.compile(r'<footer class="footer">.*?</footer>', re.S)  # the generation time, by design
    assert footer.sub("", a) == footer.sub("", b)
