"""One leadership page per executed notebook: no code, no prompts, no stderr / warnings / tracebacks.

:func:`render_notebook_html` cleans a copy of the notebook (:func:`prepare_notebook`: hidden cells dropped,
outputs made leadership-safe, interactive widgets replaced by a note, the executive summary marked), converts
it with nbconvert, strips every script, right-aligns numeric table columns (:func:`align_tables`) and puts it
in the page shell with a header, method notes and the run manifest. Every page is a single self-contained file
(images embedded as data URIs, CSS inline, nothing fetched from the internet).
"""

from __future__ import annotations

import base64
import binascii
import copy
import html
import re
from pathlib import Path

import nbformat

from .formatting import fmt_date, fmt_ts, window_text
from .load import get, params_dict, report_params
from .page import manifest_html, page
from .stable import stable_ids

HIDE_TAGS = {"parameters", "injected-parameters", "remove-cell", "remove_cell", "report-hide", "hide"}
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
DROP_MIMES = {"application/javascript", "application/vnd.jupyter.widget-state+json", "text/x-python"}
WIDGET_NOTE = (
    '<div class="widget-note">Interactive explorer: open this notebook in JupyterLab '
    "(<code>jupyter lab notebooks/</code>) to use it.</div>"
)
_REPR_RE = re.compile(r"^\s*(\[?<[^>\n]*>\]?|\[?Text\(.*\)\]?|\(<.*>.*\)|<Figure size [^>]*>)\s*$", re.S)
_NOISE_LINE_RE = re.compile(r"(Warning\b|warnings\.warn|Traceback \(most recent call last\)|it/s\]|s/it\]|\|█)")
_NUM = r"(?:\d+\s*[·.):-]?\s*)?"  # optional section number, e.g. '7 · '
_EXEC_RE = re.compile(r"^\s*(#{1,6}\s*|\*\*)" + _NUM + r"(executive|leadership) summary", re.I)
_METHOD_RE = re.compile(r"^\s*#{1,3}\s*" + _NUM + r"method notes", re.I)
_HEADING_RE = re.compile(r"^\s*#{1,6}\s")
_EXT_SCRIPT_RE = re.compile(r"<script\b[^>]*\bsrc\s*=\s*['\"]?(?:https?:)?//[^>]*>\s*</script>", re.I | re.S)
_EXT_LINK_RE = re.compile(r"<link\b[^>]*\bhref\s*=\s*['\"]?(?:https?:)?//[^>]*>", re.I | re.S)
_SCRIPT_RE = re.compile(r"<script\b[^>]*>.*?</script>", re.I | re.S)
_CURRENCY_DOLLAR_RE = re.compile(r"(?<![\\$])\$(?=-?\d)")
_IMG_RE = re.compile(r"<img\b[^>]*>", re.I)
_PNG_SRC_RE = re.compile(r"""\bsrc\s*=\s*["']data:image/png;base64,([A-Za-z0-9+/]{32})""", re.I)
_WIDTH_ATTR_RE = re.compile(r"""\bwidth\s*=\s*["']?(\d+)""", re.I)
_STYLE_ATTR_RE = re.compile(r"""\bstyle\s*=\s*(["'])""", re.I)
_PRE_RE = re.compile(r"<pre>(.*?)</pre>", re.S)
_COLUMNS_RE = re.compile(r"\S {2,}\S")
_NUMERIC_RE = re.compile(r"^[−\-+]?[$€£¥]?[−\-+]?\d[\d,.\s]*(%|pts|[KMB]|×|x| s)?$|^[–—-]$|^$")

esc = html.escape


# --------------------------------------------------------------------------- output cleaning


def _clean_text(text: str) -> str:
    if "Traceback (most recent call last)" in text:
        return ""
    lines = [ln for ln in text.replace("\r\n", "\n").split("\n") if not _NOISE_LINE_RE.search(ln)]
    lines = [ln.rsplit("\r", 1)[-1] for ln in lines]
    return "\n".join(lines)


def escape_currency(markdown: str) -> str:
    """'$4.35M' -> '\\$4.35M' so Markdown renderers do not read amounts as LaTeX math."""
    return _CURRENCY_DOLLAR_RE.sub(r"\\$", markdown)


def _joined(x: object) -> str:
    return "".join(x) if isinstance(x, list) else str(x)


def _clean_output(out: dict) -> dict | None:
    """A leadership-safe copy of one output, or None to drop it."""
    ot = out.get("output_type")
    if ot == "error":
        return None
    if ot == "stream":
        if out.get("name") != "stdout":
            return None
        text = _clean_text(_joined(out.get("text", "")))
        if not text.strip():
            return None
        o = copy.deepcopy(out)
        o["text"] = text
        return o
    if ot in ("display_data", "execute_result"):
        data = dict(out.get("data", {}))
        if WIDGET_MIME in data:
            return nbformat.v4.new_output("display_data", data={"text/html": WIDGET_NOTE})
        for m in list(data):
            if m in DROP_MIMES or m == "application/vnd.jupyter.stderr":
                data.pop(m)
        rich = [m for m in data if m != "text/plain"]
        if not rich:
            txt = _joined(data.get("text/plain", ""))
            if not txt.strip() or _REPR_RE.match(txt):
                return None
        o = copy.deepcopy(out)
        if "text/markdown" in data:
            data["text/markdown"] = escape_currency(_joined(data["text/markdown"]))
        o["data"] = data
        if ot == "execute_result":  # no Out[n] semantics in a report
            o["output_type"] = "display_data"
            o.pop("execution_count", None)
        return o
    return None


def _md_text(out: dict) -> str:
    return _joined(out.get("data", {}).get("text/markdown", "")) if out.get("output_type") != "stream" else ""


def prepare_notebook(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, bool]:
    """Leadership copy of an executed notebook; returns (notebook, has_method_notes)."""
    nb = copy.deepcopy(nb)
    cells: list[nbformat.NotebookNode] = []
    in_summary = False
    has_method = False
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        if tags & HIDE_TAGS:
            continue
        if cell.cell_type == "markdown":
            src = _joined(cell.source)
            if not cells and re.match(r"^\s*#\s", src):  # the page header already shows the title
                src = src.lstrip().split("\n", 1)[1] if "\n" in src.lstrip() else ""
                cell.source = src
                if not src.strip():
                    continue
            if _EXEC_RE.match(src):
                in_summary = True
            elif _HEADING_RE.match(src):
                in_summary = False
            if _METHOD_RE.match(src):
                has_method = True
                tags.add("method-notes")
            cell.source = escape_currency(src)
        elif cell.cell_type == "code":
            cell.outputs = [o for o in (_clean_output(o) for o in cell.get("outputs", [])) if o is not None]
            cell.execution_count = None
            if not cell.outputs:
                continue
            if any(_EXEC_RE.match(_md_text(o)) for o in cell.outputs):  # summary heading inside the output
                in_summary = True
        else:  # raw cells are not for readers
            continue
        if in_summary:
            tags.add("exec-summary")
            if cell.cell_type == "code":  # the summary is the heading plus the first cell with output
                in_summary = False
        cell.metadata["tags"] = sorted(tags)
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb, has_method


# --------------------------------------------------------------------------- HTML body and tables


def _body_html(nb: nbformat.NotebookNode, resources_path: Path) -> str:
    from nbconvert import HTMLExporter

    exp = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        anchor_link_text="",
    )
    body, _ = exp.from_notebook_node(nb, resources={"metadata": {"path": str(resources_path), "name": "report"}})
    body = _EXT_SCRIPT_RE.sub("", body)
    body = _EXT_LINK_RE.sub("", body)
    body = _SCRIPT_RE.sub("", body)  # reports are static: no scripts at all
    return mark_tabular_text(size_figures(align_tables(body)))


def _png_width(tag: str) -> int | None:
    """Display width (px) of an embedded PNG: its ``width`` attribute, else the width in the PNG header."""
    w = _WIDTH_ATTR_RE.search(tag)
    if w:
        return int(w.group(1))
    m = _PNG_SRC_RE.search(tag)
    if not m:
        return None
    try:
        head = base64.b64decode(m.group(1))  # 24 bytes: signature, IHDR length and type, width
    except (binascii.Error, ValueError):
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big") or None


def size_figures(body: str) -> str:
    """Give every embedded PNG its natural width (``--natural-width``): the style sheet lets a figure shrink with
    the page down to that width or :data:`abm_lab.report.css.FIGURE_MIN_PX`, whichever is smaller, and scroll
    inside its box below it, so axis labels stay readable on a phone."""

    def sub(m: re.Match[str]) -> str:
        tag = m.group(0)
        w = _png_width(tag)
        if w is None or "--natural-width" in tag:
            return tag
        st = _STYLE_ATTR_RE.search(tag)
        if st:
            return f"{tag[: st.end()]}--natural-width:{w}px;{tag[st.end() :]}"
        return f'<img style="--natural-width:{w}px"{tag[4:]}'

    return _IMG_RE.sub(sub, body)


def mark_tabular_text(body: str) -> str:
    """Class ``tabular`` on printed output laid out in columns (a printed DataFrame or aligned figures): it keeps
    its columns and scrolls inside its box on a narrow screen instead of wrapping into a jumble."""

    def sub(m: re.Match[str]) -> str:
        lines = m.group(1).split("\n")
        return (
            f'<pre class="tabular">{m.group(1)}</pre>'
            if sum(bool(_COLUMNS_RE.search(ln)) for ln in lines) >= 2
            else m.group(0)
        )

    return _PRE_RE.sub(sub, body)


def align_tables(body: str) -> str:
    """Right-align numeric columns of output tables (class 'num'), text columns stay left; tables without row
    groups get class 'sticky-first' (their first column stays in view when the table scrolls sideways)."""
    if "<table" not in body:
        return body
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "html.parser")
    for table in soup.find_all("table"):
        table.attrs.pop("border", None)
        if table.find(["td", "th"], attrs={"rowspan": True}) is None:  # row groups would slide under a sticky column
            tcls: str | list[str] = table.get("class") or []
            table["class"] = " ".join([*(tcls.split() if isinstance(tcls, str) else tcls), "sticky-first"])
        thead = table.find("thead")
        hrows = thead.find_all("tr") if thead else []
        if len(hrows) == 2:  # pandas' separate index-name row: fold it into the header row
            names = [c.get_text(strip=True) for c in hrows[1].find_all(["th", "td"])]
            first = hrows[0].find(["th", "td"])
            if names and names[0] and not any(names[1:]) and first is not None and not first.get_text(strip=True):
                first.string = names[0]
                hrows[1].decompose()
        rows = table.find_all("tr")
        body_rows = [r for r in rows if r.find_parent("thead") is None]
        # columns counted from the right: row headers spanning several rows (MultiIndex) only shorten rows on the left
        ncol = max((len(r.find_all(["td", "th"], recursive=False)) for r in rows), default=0)
        numeric = []
        for j in range(ncol):  # j = position from the right
            vals = [
                c[-1 - j].get_text(strip=True)
                for c in (r.find_all(["td", "th"], recursive=False) for r in body_rows)
                if len(c) > j
            ]
            numeric.append(bool(vals) and any(v for v in vals) and all(_NUMERIC_RE.match(v) for v in vals))
        for r in rows:
            cells = r.find_all(["td", "th"], recursive=False)
            if any(c.get("colspan") for c in cells):
                continue
            for j, c in enumerate(reversed(cells)):
                if j < ncol and numeric[j]:
                    classes: str | list[str] = c.get("class") or []  # a list: 'class' is multi-valued for html.parser
                    c["class"] = " ".join([*(classes.split() if isinstance(classes, str) else classes), "num"])
    return str(soup)


# --------------------------------------------------------------------------- the page


def _generic_method_notes(executed_ipynb: Path, params: dict) -> str:
    win = window_text(params)
    src = get(params, "data", "source")
    return (
        '<section class="method-notes" id="method-notes"><h2>Method notes</h2>'
        f"<p>This page was produced by executing the notebook <code>{esc(executed_ipynb.name)}</code> "
        f"with the run parameters below{' for ' + esc(win) if win else ''}"
        f"{' on the ' + esc(str(src)) + ' data source' if src else ''}. "
        "All figures are computed by the tested <code>abm_lab</code> package; the run manifest lists the "
        "exact inputs (SHA-256), parameters and package versions needed to reproduce them.</p></section>"
    )


def render_notebook_html(executed_ipynb: Path, out_html: Path, title: str, manifest: dict) -> Path:
    """Render an executed notebook as a self-contained leadership page (no code, no errors, no scripts)."""
    executed_ipynb, out_html = Path(executed_ipynb), Path(out_html)
    nb = nbformat.read(executed_ipynb, as_version=4)
    clean, has_method = prepare_notebook(nb)
    body = _body_html(clean, executed_ipynb.parent)
    manifest = manifest or {}
    params = params_dict(manifest)
    rp = report_params(params)
    run = str(manifest.get("run") or get(params, "run", "name") or out_html.parent.name)
    win = window_text(params)
    stamp = manifest.get("finished") or manifest.get("started")
    meta = " · ".join(
        x
        for x in [
            f"Reporting window {win}" if win else "",
            f"as of {fmt_date(get(params, 'run', 'as_of'))}" if get(params, "run", "as_of") else "",
            f"generated {fmt_ts(stamp)}" if stamp else "",
        ]
        if x
    )
    parts = [
        f'<div class="page-head"><a class="back" href="index.html">← Run overview</a>'
        f'<h1 class="page-title">{esc(title)}</h1><p class="page-meta">{esc(meta)}</p></div>',
        f'<article class="report">{body}</article>',
    ]
    if not has_method:
        parts.append(_generic_method_notes(executed_ipynb, params))
    parts.append(manifest_html(manifest))
    text = page(
        title,
        "\n".join(parts),
        brand=rp["title"],
        run=run,
        nav=[("Run overview", "index.html"), ("All runs", "../index.html")],
        page_class="report-page",
    )
    out_html.parent.mkdir(parents=True, exist_ok=True)
    out_html.write_text(stable_ids(text), encoding="utf-8")
    return out_html
