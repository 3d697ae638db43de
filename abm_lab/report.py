"""Leadership HTML: one page per executed notebook, a run index with KPI tiles, and a list of runs.

Every page is a single self-contained file (images embedded as data URIs, CSS inline,
no scripts, nothing fetched from the internet), so it can be e-mailed or put on a share.

* :func:`render_notebook_html` turns an executed notebook into a report page: no code,
  no prompts, no stderr / warnings / tracebacks, interactive widgets replaced by a note;
  header with run name and navigation; ends with method notes and the run manifest.
* :func:`build_run_index` writes ``<run_dir>/index.html``: headline KPI tiles against the
  targets in params (``report.targets``, falling back to ``roi.targets``), an executive
  summary generated from the numbers, links to the pages, and the change since the
  previous run when one is given.
* :func:`build_reports_index` writes ``<reports_dir>/index.html`` listing every run.

Headline figures come from ``<run_dir>/artefacts/summary_<section>.json`` (written by the
notebooks with ``RunContext.save_summary``). Missing files or keys show '–', never fail.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import yaml

from . import style

RESOURCES = Path(__file__).parent / "resources"
CSS_FILE = RESOURCES / "report.css"
MANIFEST_FILE = "manifest.json"
ARTEFACTS = "artefacts"

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

esc = html.escape


# --------------------------------------------------------------------------- KPIs


@dataclass(frozen=True)
class KpiSpec:
    key: str  # target key in params (report.targets / roi.targets)
    label: str
    section: str  # summary_<section>.json
    field: str  # key in that summary
    kind: str  # money | pct | int | num
    unit: str  # shown under the label
    digits: int = 1  # decimals for pct / num
    phrase: str = ""  # in running text (defaults to the label in lower case)
    alt: tuple[str, ...] = ()  # other key names accepted in the summary (first found wins)

    @property
    def text(self) -> str:
        return self.phrase or self.label.lower()


HEADLINE = [
    KpiSpec(
        "target_accounts", "Target accounts", "grading", "target_accounts", "int", "on the new target list (grades A–C)"
    ),
    KpiSpec(
        "engaged_accounts",
        "Engaged accounts",
        "roi",
        "engaged_accounts",
        "int",
        "accounts with engagement in the window",
    ),
    KpiSpec("mqas", "MQAs", "roi", "mqas", "int", "marketing-qualified accounts", phrase="MQAs"),
    KpiSpec("pipeline", "Pipeline created", "roi", "pipeline", "money", "opportunity value created in the window"),
    KpiSpec("win_rate", "Win rate", "roi", "win_rate", "pct", "won / closed deals in the window"),
    KpiSpec("roi", "Program ROI", "roi", "roi", "pct", "(gross profit − cost) / cost", 0, "program ROI"),
]
SECONDARY = [
    KpiSpec("match_rate", "Lead-to-account match rate", "mapping", "match_rate", "pct", "people mapped to an account"),
    KpiSpec(
        "holdout_auc_gbm",
        "Engagement model AUC",
        "engagement",
        "holdout_auc_gbm",
        "num",
        "hold-out ranking quality (0.5 = chance)",
        2,
        "engagement model AUC",
        ("auc_gbm",),
    ),
]


@dataclass
class Kpi:
    spec: KpiSpec
    value: float | None
    target: float | None = None
    prev: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None

    @property
    def ratio(self) -> float | None:
        """Value as a share of target (None when not meaningful, e.g. a negative value or target)."""
        if self.value is None or self.target is None or self.target <= 0 or self.value < 0:
            return None
        return self.value / self.target

    def status(self, on_track_share: float = 0.9) -> str:
        """'good' (at or above target), 'warn' (within on_track_share), 'bad', or 'none'."""
        if self.value is None or self.target is None:
            return "none"
        if self.value >= self.target:
            return "good"
        r = self.ratio
        return "warn" if r is not None and r >= on_track_share else "bad"


def _num(x: Any) -> float | None:
    """A finite float, or None for anything missing / non-numeric."""
    if x is None or isinstance(x, bool):
        return None
    if isinstance(x, dict):
        for k in ("value", "estimate", "est"):
            if k in x:
                return _num(x[k])
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def load_summaries(run_dir: str | Path | None) -> dict[str, dict]:
    """All ``artefacts/summary_<section>.json`` of a run as {section: dict}; unreadable files are skipped."""
    out: dict[str, dict] = {}
    if run_dir is None:
        return out
    folder = Path(run_dir) / ARTEFACTS
    if not folder.is_dir():
        return out
    for p in sorted(folder.glob("summary_*.json")):
        try:
            d = json.loads(p.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(d, dict):
            out[p.stem[len("summary_") :]] = d
    return out


def _params_dict(manifest: dict | None) -> dict:
    p = (manifest or {}).get("params") or {}
    if hasattr(p, "model_dump"):
        return p.model_dump(mode="json")
    if isinstance(p, str):
        try:
            p = yaml.safe_load(p) or {}
        except yaml.YAMLError:
            return {}
    return p if isinstance(p, dict) else {}


def _get(d: Any, *path: str) -> Any:
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _report_params(params: dict) -> dict:
    """The report section with defaults filled in (tolerant of params from other versions)."""
    from .config.report import ReportParams

    out = ReportParams().model_dump(mode="json")
    raw = _get(params, "report") or {}
    for k, v in raw.items() if isinstance(raw, dict) else []:
        if k == "targets" and isinstance(v, dict):
            out["targets"].update(v)
        else:
            out[k] = v
    return out


def resolve_targets(params: dict) -> dict[str, float | None]:
    """KPI targets: ``report.targets.<k>``, else ``roi.targets.<k>`` (params, then the defaults)."""
    try:
        from .config.roi import RoiParams

        roi_defaults = RoiParams().model_dump(mode="json").get("targets", {})
    except Exception:  # the roi section may not define targets
        roi_defaults = {}
    rep = _report_params(params)["targets"]
    roi_raw = _get(params, "roi", "targets") or {}
    out: dict[str, float | None] = {}
    for spec in HEADLINE + SECONDARY:
        v = _num(rep.get(spec.key))
        if v is None:
            v = _num(roi_raw.get(spec.key)) if isinstance(roi_raw, dict) else None
        if v is None:
            v = _num(roi_defaults.get(spec.key))
        out[spec.key] = v
    return out


def _summary_value(summaries: dict[str, dict], spec: KpiSpec) -> float | None:
    sec = summaries.get(spec.section)
    if not isinstance(sec, dict):
        return None
    for key in (spec.field, *spec.alt):
        if key in sec:
            return _num(sec[key])
    return None


def headline_kpis(
    summaries: dict[str, dict],
    targets: dict[str, float | None] | None = None,
    previous: dict[str, dict] | None = None,
    specs: Iterable[KpiSpec] = HEADLINE,
) -> list[Kpi]:
    """KPI values (with target, previous value and ROI interval) from run summaries."""
    targets = targets or {}
    out = []
    for s in specs:
        k = Kpi(s, _summary_value(summaries, s), _num(targets.get(s.key)), _summary_value(previous or {}, s))
        if s.key == "roi":  # interval keys: roi_ci_low / roi_ci_high (contract) or roi_low / roi_high (notebook 05)
            roi = summaries.get("roi") if isinstance(summaries.get("roi"), dict) else {}
            k.ci_low = _num(roi.get("roi_ci_low", roi.get("roi_low")))
            k.ci_high = _num(roi.get("roi_ci_high", roi.get("roi_high")))
        out.append(k)
    return out


def fmt_kpi(x: float | None, kind: str, currency: str = "$", digits: int = 1) -> str:
    """Format a KPI value: money ('$4.35M'), pct (share in, '31.0%' out), int ('1,234') or num ('0.81')."""
    if kind == "money":
        return style.fmt_money(x, currency)
    if kind == "pct":
        return style.fmt_pct(x, digits)
    if kind == "num":
        return style.fmt_num(x, digits)
    return style.fmt(x, kind)


def fmt_delta(
    now: float | None, prev: float | None, kind: str, currency: str = "$", digits: int = 1
) -> tuple[str, str]:
    """('▲ +12 (+5.0%)', 'up') style change from prev to now; ('', 'none') when either is missing."""
    if now is None or prev is None:
        return "", "none"
    d = now - prev
    if abs(d) < 1e-12:
        return "● no change", "flat"
    arrow, cls, sign = ("▲", "up", "+") if d > 0 else ("▼", "down", "−")
    rel = f" ({sign}{abs(d) / abs(prev) * 100:.1f}%)" if prev and kind in ("int", "money") else ""
    if kind == "pct":
        body = f"{sign}{abs(d) * 100:.{digits}f} pts"
    elif kind == "money":
        body = f"{sign}{style.fmt_money(abs(d), currency)}"
    elif kind == "int":
        body = f"{sign}{abs(d):,.0f}"
    else:
        body = f"{sign}{abs(d):.2f}"
    return f"{arrow} {body}{rel}", cls


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹"}


def currency_symbol(params: dict) -> str:
    """``report.currency_symbol``, else the symbol of ``run.currency`` (USD → '$'), else the code plus a space."""
    sym = _get(params, "report", "currency_symbol")
    if sym:
        return str(sym)
    code = str(_get(params, "run", "currency") or "USD").upper()
    return _SYMBOLS.get(code, code + " ")


def on_track_share(params: dict) -> float:
    """Share of target from which a tile is amber: ``report.on_track_share``, else ``roi.tile_at_risk``, else 0.8."""
    for v in (_get(params, "report", "on_track_share"), _get(params, "roi", "tile_at_risk")):
        v = _num(v)
        if v is not None and 0 < v < 1:
            return v
    try:
        from .config.roi import RoiParams

        v = _num(getattr(RoiParams(), "tile_at_risk", None))
    except Exception:
        v = None
    return v if v is not None and 0 < v < 1 else 0.8


def _ci_level(params: dict) -> float:
    v = _num(_get(params, "roi", "lift", "ci_level"))
    return v if v is not None and 0 < v < 1 else 0.95


def executive_summary(
    kpis: list[Kpi],
    run: str,
    params: dict,
    prev_label: str | None = None,
    currency: str = "$",
    on_track_share: float = 0.9,
) -> list[str]:
    """Three to five sentences with the key numbers (generated, skipping what is missing)."""
    by = {k.spec.key: k for k in kpis}
    f = lambda key: fmt_kpi(by[key].value, by[key].spec.kind, currency, by[key].spec.digits) if key in by else "–"  # noqa: E731
    t = lambda key: fmt_kpi(by[key].target, by[key].spec.kind, currency, by[key].spec.digits) if key in by else "–"  # noqa: E731
    have = lambda key: key in by and by[key].value is not None  # noqa: E731
    out: list[str] = []
    win = _window_text(params)
    rated = [k for k in kpis if k.status(on_track_share) != "none"]
    good = [k for k in rated if k.status(on_track_share) == "good"]
    opener = f"Run {run}" + (f" covers {win}" if win else "")
    if rated:
        opener += f"; {len(good)} of {len(rated)} headline KPIs are at or above target"
    out.append(opener + ".")
    if have("target_accounts") or have("engaged_accounts"):
        parts = []
        if have("target_accounts"):
            parts.append(f"the new target account list has {f('target_accounts')} accounts")
        if have("engaged_accounts"):
            s = f"{f('engaged_accounts')} accounts engaged"
            if have("mqas"):
                s += f" and {f('mqas')} became marketing-qualified (MQAs)"
            parts.append(s)
        out.append(_cap("; ".join(parts)) + ".")
    if have("pipeline") or have("win_rate"):
        parts = []
        if have("pipeline"):
            p = by["pipeline"]
            s = f"pipeline created was {f('pipeline')}"
            if p.ratio is not None:
                s += f" ({p.ratio * 100:.0f}% of the {t('pipeline')} target)"
            parts.append(s)
        if have("win_rate"):
            parts.append(
                f"the win rate was {f('win_rate')}"
                + (f" against a target of {t('win_rate')}" if by["win_rate"].target is not None else "")
            )
        out.append(_cap(" and ".join(parts)) + ".")
    if have("roi"):
        r = by["roi"]
        s = f"Program ROI is {f('roi')}"
        if r.ci_low is not None and r.ci_high is not None:
            lvl = _ci_level(params)
            s += f" ({lvl * 100:.0f}% CI {fmt_kpi(r.ci_low, 'pct', digits=0)} to {fmt_kpi(r.ci_high, 'pct', digits=0)})"
            if r.ci_low > 0:
                s += ": the whole interval is above zero, so the program very likely returned more than it cost"
            elif r.ci_high < 0:
                s += ": the whole interval is below zero, so the program has not yet paid back its cost"
            else:
                s += ": the interval includes zero, so a positive return is not yet established"
        out.append(s + ".")
    missing = [k.spec.text for k in kpis if k.value is None]
    if missing:
        out.append(
            f"Not available in this run: {', '.join(missing)} (shown as '–'; the notebook that computes "
            f"{'it' if len(missing) == 1 else 'them'} did not run or saved no summary)."
        )
    if prev_label:
        moves = []
        for key in ("pipeline", "mqas", "roi"):
            k = by.get(key)
            if k is not None and k.value is not None and k.prev is not None:
                d, cls = fmt_delta(k.value, k.prev, k.spec.kind, currency, k.spec.digits)
                verb = {"up": "rose", "down": "fell", "flat": "was unchanged"}[cls]
                moves.append(f"{k.spec.text} {verb}" + (f" by {d[2:].lstrip('+−')}" if cls != "flat" else ""))
        if moves:
            out.append(
                f"Since {prev_label}, " + ", ".join(moves[:-1]) + (" and " if len(moves) > 1 else "") + moves[-1] + "."
            )
    return out[:5]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _date(x: Any) -> dt.date | None:
    if isinstance(x, dt.date):
        return x
    try:
        return dt.date.fromisoformat(str(x)[:10])
    except (TypeError, ValueError):
        return None


def _fmt_date(x: Any) -> str:
    d = _date(x)
    return f"{d.day} {d:%b %Y}" if d else ("–" if x in (None, "") else str(x))


def _window_text(params: dict) -> str:
    ws, we = _date(_get(params, "run", "window_start")), _date(_get(params, "run", "window_end"))
    return f"{_fmt_date(ws)} to {_fmt_date(we)}" if ws and we else ""


def _fmt_ts(x: Any) -> str:
    if not x:
        return "–"
    try:
        t = dt.datetime.fromisoformat(str(x).replace("Z", "+00:00"))
    except ValueError:
        return str(x)
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC)
        return f"{t:%Y-%m-%d %H:%M} UTC"
    return f"{t:%Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------- page shell


def _css() -> str:
    return CSS_FILE.read_text(encoding="utf-8")


def _page(
    title: str,
    body: str,
    *,
    brand: str,
    run: str | None = None,
    nav: list[tuple[str, str]] | None = None,
    page_class: str = "",
) -> str:
    links = "".join(f'<a href="{esc(h)}">{esc(t)}</a>' for t, h in (nav or []))
    run_badge = f'<span class="run-badge">Run {esc(run)}</span>' if run else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="abm_lab.report">
<title>{esc(title)}{" · " + esc(run) if run else ""}</title>
<style>
{_css()}
</style>
</head>
<body class="{esc(page_class)}">
<header class="topbar">
  <div class="brand"><span class="logo">ABM</span><span class="brand-text">{esc(brand)}</span>{run_badge}</div>
  <nav class="topnav">{links}</nav>
</header>
<main class="container">
{body}
</main>
<footer class="footer">Generated by ABM Lab on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC{" · run " + esc(run) if run else ""}. Self-contained page: no external resources.</footer>
</body>
</html>
"""


def _table(rows: list[tuple[str, str]], head: tuple[str, str] | None = None, cls: str = "kv") -> str:
    h = f"<thead><tr><th>{esc(head[0])}</th><th>{esc(head[1])}</th></tr></thead>" if head else ""
    b = "".join(f"<tr><td>{esc(str(a))}</td><td>{esc(str(v))}</td></tr>" for a, v in rows)
    return f'<table class="{cls}">{h}<tbody>{b}</tbody></table>'


def manifest_html(manifest: dict, open_: bool = False) -> str:
    """The run manifest as HTML: run facts, params (YAML), data hashes, package versions, timings."""
    m = manifest or {}
    params = _params_dict(m)
    timings = m.get("timings") or {}
    total = sum(v for v in (_num(x) for x in timings.values()) if v is not None) if isinstance(timings, dict) else None
    facts = [
        ("Run", m.get("run", "–")),
        ("Git commit", m.get("git_commit") or "–"),
        ("Started", _fmt_ts(m.get("started"))),
        ("Finished", _fmt_ts(m.get("finished"))),
        ("Data source", _get(params, "data", "source") or "–"),
        ("As of", _fmt_date(_get(params, "run", "as_of"))),
        ("Reporting window", _window_text(params) or "–"),
    ]
    if total:
        facts.append(("Notebook run time", f"{total:.1f} s"))
    inputs = m.get("inputs") or {}
    inputs_rows = [(k, v) for k, v in sorted(inputs.items())] if isinstance(inputs, dict) else []
    pk = m.get("packages") or {}
    pk_rows = [(k, v) for k, v in sorted(pk.items())] if isinstance(pk, dict) else []
    tm_rows = (
        [(k, f"{_num(v):.1f} s" if _num(v) is not None else str(v)) for k, v in timings.items()]
        if isinstance(timings, dict)
        else []
    )
    pyaml = (
        yaml.safe_dump(params, sort_keys=False, allow_unicode=True, default_flow_style=False) if params else "(none)"
    )
    op = " open" if open_ else ""
    parts = [
        '<section class="manifest" id="run-manifest"><h2>Run manifest</h2>',
        '<p class="muted">Everything needed to reproduce these numbers: the parameters, the exact input '
        "files (SHA-256), the package versions and the code version.</p>",
        _table(facts),
        f'<details{op}><summary>Parameters (YAML)</summary><pre class="yaml">{esc(pyaml)}</pre></details>',
        f"<details{op}><summary>Input data ({len(inputs_rows)} files, SHA-256)</summary>"
        f"{_table(inputs_rows, ('File', 'SHA-256'), 'kv hashes')}</details>",
        f"<details{op}><summary>Package versions ({len(pk_rows)})</summary>{_table(pk_rows, ('Package', 'Version'))}</details>",
    ]
    if tm_rows:
        parts.append(
            f"<details{op}><summary>Notebook timings</summary>{_table(tm_rows, ('Notebook', 'Run time'))}</details>"
        )
    parts.append("</section>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- notebook pages


def _clean_text(text: str) -> str:
    if "Traceback (most recent call last)" in text:
        return ""
    lines = [ln for ln in text.replace("\r\n", "\n").split("\n") if not _NOISE_LINE_RE.search(ln)]
    lines = [ln.rsplit("\r", 1)[-1] for ln in lines]
    return "\n".join(lines)


_CURRENCY_DOLLAR_RE = re.compile(r"(?<![\\$])\$(?=-?\d)")


def escape_currency(markdown: str) -> str:
    """'$4.35M' -> '\\$4.35M' so Markdown renderers do not read amounts as LaTeX math."""
    return _CURRENCY_DOLLAR_RE.sub(r"\\$", markdown)


def _clean_output(out: dict) -> dict | None:
    """A leadership-safe copy of one output, or None to drop it."""
    ot = out.get("output_type")
    if ot == "error":
        return None
    if ot == "stream":
        if out.get("name") != "stdout":
            return None
        text = _clean_text(
            "".join(out.get("text", "")) if isinstance(out.get("text"), list) else str(out.get("text", ""))
        )
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
            txt = data.get("text/plain", "")
            txt = "".join(txt) if isinstance(txt, list) else str(txt)
            if not txt.strip() or _REPR_RE.match(txt):
                return None
        o = copy.deepcopy(out)
        if "text/markdown" in data:
            md = data["text/markdown"]
            data["text/markdown"] = escape_currency("".join(md) if isinstance(md, list) else str(md))
        o["data"] = data
        if ot == "execute_result":  # no Out[n] semantics in a report
            o["output_type"] = "display_data"
            o.pop("execution_count", None)
        return o
    return None


def _md_text(out: dict) -> str:
    md = out.get("data", {}).get("text/markdown", "") if out.get("output_type") != "stream" else ""
    return "".join(md) if isinstance(md, list) else str(md)


def prepare_notebook(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, bool]:
    """Leadership copy of an executed notebook; returns (notebook, has_method_notes)."""
    nb = copy.deepcopy(nb)
    cells = []
    in_summary = False
    has_method = False
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        if tags & HIDE_TAGS:
            continue
        if cell.cell_type == "markdown":
            src = cell.source if isinstance(cell.source, str) else "".join(cell.source)
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
    return _align_tables(body)


_NUMERIC_RE = re.compile(r"^[−\-+]?[$€£¥]?[−\-+]?\d[\d,.\s]*(%|pts|[KMB]|×|x| s)?$|^[–—-]$|^$")


def _align_tables(body: str) -> str:
    """Right-align numeric columns of output tables (class 'num'), text columns stay left."""
    if "<table" not in body:
        return body
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "html.parser")
    for table in soup.find_all("table"):
        table.attrs.pop("border", None)
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
                    c["class"] = (c.get("class") or []) + ["num"]
    return str(soup)


def _generic_method_notes(executed_ipynb: Path, params: dict) -> str:
    win = _window_text(params)
    src = _get(params, "data", "source")
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
    params = _params_dict(manifest)
    rp = _report_params(params)
    run = str((manifest or {}).get("run") or _get(params, "run", "name") or out_html.parent.name)
    win = _window_text(params)
    meta = " · ".join(
        x
        for x in [
            f"Reporting window {win}" if win else "",
            f"as of {_fmt_date(_get(params, 'run', 'as_of'))}" if _get(params, "run", "as_of") else "",
            f"generated {_fmt_ts((manifest or {}).get('finished') or (manifest or {}).get('started'))}"
            if (manifest or {}).get("finished") or (manifest or {}).get("started")
            else "",
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
    page = _page(
        title,
        "\n".join(parts),
        brand=rp["title"],
        run=run,
        nav=[("Run overview", "index.html"), ("All runs", "../index.html")],
        page_class="report-page",
    )
    out_html.parent.mkdir(parents=True, exist_ok=True)
    out_html.write_text(page, encoding="utf-8")
    return out_html


# --------------------------------------------------------------------------- run index


def _read_manifest(run_dir: Path) -> dict:
    try:
        d = json.loads((Path(run_dir) / MANIFEST_FILE).read_text())
        return d if isinstance(d, dict) else {}
    except (OSError, ValueError):
        return {}


def _tile(
    k: Kpi, currency: str, on_track_share: float, prev_label: str | None, level: float, compact: bool = False
) -> str:
    s = k.spec
    st = k.status(on_track_share)
    value = fmt_kpi(k.value, s.kind, currency, s.digits)
    lines = [
        f'<div class="tile status-{st}" data-kpi="{esc(s.key)}">',
        f'<div class="tile-label">{esc(s.label)}</div>',
        f'<div class="tile-value">{esc(value)}</div>',
    ]
    if s.key == "roi" and (k.ci_low is not None or k.ci_high is not None) and not compact:
        lines.append(
            f'<div class="tile-ci">{level * 100:.0f}% CI {esc(fmt_kpi(k.ci_low, "pct", digits=s.digits))} to '
            f"{esc(fmt_kpi(k.ci_high, 'pct', digits=s.digits))}</div>"
        )
    elif not compact:
        lines.append(f'<div class="tile-unit">{esc(s.unit)}</div>')
    if k.target is not None:
        r = k.ratio
        width = 0 if k.value is None else (min(max(r, 0), 1) * 100 if r is not None else (100 if st == "good" else 0))
        lines.append(f'<div class="tile-bar" title="share of target"><span style="width:{width:.0f}%"></span></div>')
        tgt = f"Target {fmt_kpi(k.target, s.kind, currency, s.digits)}"
        if r is not None and k.value is not None:
            tgt += f" ({r * 100:.0f}%)" if compact else f" · {r * 100:.0f}% of target"
        lines.append(f'<div class="tile-target">{esc(tgt)}</div>')
    elif not compact and s in HEADLINE:
        lines.append('<div class="tile-target muted">No target set</div>')
    if prev_label is not None and not compact:
        d, cls = fmt_delta(k.value, k.prev, s.kind, currency, s.digits)
        txt = f"{d} vs {prev_label}" if d else f"No comparable figure in {prev_label}"
        lines.append(f'<div class="tile-delta {cls}">{esc(txt)}</div>')
    lines.append("</div>")
    return "\n".join(lines)


def build_run_index(run_dir: Path, manifest: dict, pages: list[dict], previous_run_dir: Path | None) -> Path:
    """Write ``run_dir/index.html``: KPI tiles vs targets, executive summary, report links, change since the previous run."""
    run_dir = Path(run_dir)
    manifest = manifest or {}
    params = _params_dict(manifest)
    rp = _report_params(params)
    currency, share = currency_symbol(params), on_track_share(params)
    run = str(manifest.get("run") or _get(params, "run", "name") or run_dir.name)
    summaries = load_summaries(run_dir)
    prev_summ, prev_label = {}, None
    if previous_run_dir is not None and Path(previous_run_dir).resolve() != run_dir.resolve():
        prev_summ = load_summaries(previous_run_dir)
        if prev_summ:
            prev_label = str(_read_manifest(Path(previous_run_dir)).get("run") or Path(previous_run_dir).name)
    targets = resolve_targets(params)
    kpis = headline_kpis(summaries, targets, prev_summ)
    extra = [k for k in headline_kpis(summaries, targets, prev_summ, SECONDARY) if k.value is not None]
    level = _ci_level(params)
    sentences = executive_summary(kpis, run, params, prev_label, currency, share)

    win = _window_text(params)
    sub = " · ".join(
        x
        for x in [
            f"Reporting window {win}" if win else "",
            f"as of {_fmt_date(_get(params, 'run', 'as_of'))}" if _get(params, "run", "as_of") else "",
            f"compared with {prev_label}" if prev_label else "no earlier run to compare with",
        ]
        if x
    )
    tiles = "\n".join(_tile(k, currency, share, prev_label, level) for k in kpis)
    legend = (
        '<div class="legend"><span class="dot good"></span>at or above target'
        f'<span class="dot warn"></span>at risk (≥ {share * 100:.0f}% of target)'
        '<span class="dot bad"></span>behind<span class="dot none"></span>no target / no data</div>'
    )
    body = [
        f'<section class="hero"><h1>{esc(rp["title"])} <span class="hero-run">{esc(run)}</span></h1>'
        f'<p class="hero-sub">{esc(sub)}</p></section>',
        '<section class="card exec-summary" id="executive-summary"><h2>Executive summary</h2>'
        f"<p>{esc(' '.join(sentences))}</p></section>",
        f'<section class="kpis" id="kpis"><div class="section-head"><h2>Headline KPIs</h2>{legend}</div>'
        f'<div class="tiles">{tiles}</div></section>',
    ]
    if prev_label:
        body.append(_comparison_html(kpis + extra, run, prev_label, currency))
    if extra:
        body.append(
            '<section class="kpis secondary"><h2>Data and model quality</h2><div class="tiles small">'
            + "\n".join(_tile(k, currency, share, prev_label, level) for k in extra)
            + "</div></section>"
        )
    cards = []
    for i, p in enumerate(pages or [], 1):
        if not isinstance(p, dict) or not p.get("href"):
            continue
        if not p.get("summary"):
            p = {**p, "summary": page_summary(run_dir / str(p["href"]))}
        m = re.match(r"(\d+)[_\-\s]", Path(str(p["href"])).name)
        num = m.group(1) if m else f"{i:02d}"  # the notebook's own number when the file has one
        cards.append(
            f'<a class="page-card" href="{esc(str(p["href"]))}"><span class="page-num">{esc(num)}</span>'
            f'<span class="page-title">{esc(str(p.get("title") or p["href"]))}</span>'
            f'<span class="page-summary">{esc(str(p.get("summary") or ""))}</span>'
            '<span class="page-open">Open report →</span></a>'
        )
    body.append(
        f'<section class="pages" id="reports"><h2>Reports</h2><div class="page-grid">{"".join(cards) or "<p class=muted>No report pages in this run.</p>"}</div></section>'
    )
    body.append(manifest_html(manifest))
    page = _page(
        f"{rp['title']} – overview",
        "\n".join(body),
        brand=rp["title"],
        run=run,
        nav=[("Overview", "index.html"), ("All runs", "../index.html")],
        page_class="index-page",
    )
    out = run_dir / "index.html"
    run_dir.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def _comparison_html(kpis: list[Kpi], run: str, prev_label: str, currency: str) -> str:
    rows = []
    for k in kpis:
        d, cls = fmt_delta(k.value, k.prev, k.spec.kind, currency, k.spec.digits)
        f = lambda v: fmt_kpi(v, k.spec.kind, currency, k.spec.digits)  # noqa: E731
        rows.append(
            f'<tr><td>{esc(k.spec.label)}</td><td class="num">{esc(f(k.prev))}</td>'
            f'<td class="num"><b>{esc(f(k.value))}</b></td><td class="num delta {cls}">{esc(d or "–")}</td>'
            f'<td class="num">{esc(f(k.target))}</td></tr>'
        )
    return (
        '<section class="card comparison" id="comparison"><h2>Change since ' + esc(prev_label) + "</h2>"
        f'<table class="compare"><thead><tr><th>KPI</th><th class="num">{esc(prev_label)}</th>'
        f'<th class="num">{esc(run)}</th><th class="num">Change</th><th class="num">Target</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _trend_html(trend: list[tuple[str, list[Kpi], str]]) -> str:
    """Headline KPIs across runs (oldest to newest) with the change over the last step."""
    head = "".join(f'<th class="num">{esc(r)}</th>' for r, _, _ in trend)
    rows = []
    for j, spec in enumerate(HEADLINE):
        cells = "".join(
            f'<td class="num">{esc(fmt_kpi(k[j].value, spec.kind, cur, spec.digits))}</td>' for _, k, cur in trend
        )
        d, cls = fmt_delta(trend[-1][1][j].value, trend[-2][1][j].value, spec.kind, trend[-1][2], spec.digits)
        rows.append(f'<tr><td>{esc(spec.label)}</td>{cells}<td class="num delta {cls}">{esc(d or "–")}</td></tr>')
    return (
        '<section class="card comparison" id="trend"><h2>Headline KPIs across runs</h2>'
        f'<table class="compare"><thead><tr><th>KPI</th>{head}<th class="num">Latest change</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def page_summary(page_html: Path, max_chars: int = 200) -> str:
    """First sentence of a rendered page's executive summary ('' when there is none)."""
    try:
        text = Path(page_html).read_text(encoding="utf-8")
    except OSError:
        return ""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for cell in soup.select(".celltag_exec-summary.code_cell"):
        t = " ".join(cell.get_text(" ", strip=True).split())
        if t:
            first = ""
            for sent in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", t):  # first sentence, or two if the first is a lead-in
                first = f"{first} {sent}".strip()
                if len(first) >= 60:
                    break
            return first if len(first) <= max_chars else first[: max_chars - 1].rsplit(" ", 1)[0] + "…"
    return ""


# --------------------------------------------------------------------------- all runs


def list_runs(reports_dir: Path) -> list[Path]:
    """Run folders (with index.html and manifest.json), newest reporting window first, then newest finish."""
    reports_dir = Path(reports_dir)
    runs = (
        [
            d
            for d in reports_dir.iterdir()
            if d.is_dir() and (d / "index.html").exists() and (d / MANIFEST_FILE).exists()
        ]
        if reports_dir.is_dir()
        else []
    )

    def key(d: Path):
        m = _read_manifest(d)
        p = _params_dict(m)
        we = _date(_get(p, "run", "window_end")) or dt.date.min
        return (we, str(m.get("finished") or m.get("started") or ""), d.stat().st_mtime)

    return sorted(runs, key=key, reverse=True)


def find_previous_run(reports_dir: Path, manifest: dict) -> Path | None:
    """The latest run in ``reports_dir`` whose reporting window ends before this run's window starts."""
    params = _params_dict(manifest)
    ws = _date(_get(params, "run", "window_start"))
    name = str((manifest or {}).get("run") or _get(params, "run", "name") or "")
    if ws is None or not Path(reports_dir).is_dir():
        return None
    best, best_key = None, None
    for d in Path(reports_dir).iterdir():
        if not d.is_dir() or d.name == name or not (d / ARTEFACTS).is_dir():
            continue
        m = _read_manifest(d)
        we = _date(_get(_params_dict(m), "run", "window_end"))
        if we is None or we >= ws:
            continue
        k = (we, str(m.get("finished") or ""))
        if best_key is None or k > best_key:
            best, best_key = d, k
    return best


def build_reports_index(reports_dir: Path) -> Path:
    """Write ``reports_dir/index.html`` listing all runs (newest first) with their headline tiles."""
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    runs = list_runs(reports_dir)
    rows = []
    title = "ABM program report"
    trend: list[tuple[str, list[Kpi], str]] = []  # (run, kpis, currency), newest first
    for i, d in enumerate(runs):
        m = _read_manifest(d)
        params = _params_dict(m)
        rp = _report_params(params)
        if i == 0:
            title = rp["title"]
        currency, share = currency_symbol(params), on_track_share(params)
        kpis = headline_kpis(load_summaries(d), resolve_targets(params))
        run = str(m.get("run") or d.name)
        trend.append((run, kpis, currency))
        win = _window_text(params)
        tiles = "".join(_tile(k, currency, share, None, _ci_level(params), compact=True) for k in kpis)
        rows.append(
            f'<section class="card run-card"><div class="run-head"><a class="run-name" href="{esc(d.name)}/index.html">'
            f'{esc(run)}</a><span class="muted">{esc(("Reporting window " + win) if win else "")}'
            f" · finished {esc(_fmt_ts(m.get('finished')))} · commit {esc(str(m.get('git_commit') or '–')[:10])}</span>"
            f'<a class="run-open" href="{esc(d.name)}/index.html">Open run →</a></div>'
            f'<div class="tiles compact">{tiles}</div></section>'
        )
    body = [
        f'<section class="hero"><h1>{esc(title)}: all runs</h1>'
        f'<p class="hero-sub">{len(runs)} run{"s" if len(runs) != 1 else ""}, newest reporting window first.</p></section>',
        "\n".join(rows)
        if rows
        else '<section class="card"><p>No runs yet: run <code>abm-lab run params/demo.yaml</code>.</p></section>',
    ]
    if len(trend) >= 2:
        body.insert(1, _trend_html(trend[:8][::-1]))
    out = reports_dir / "index.html"
    out.write_text(_page(f"{title} – all runs", "\n".join(body), brand=title, page_class="runs-page"), encoding="utf-8")
    return out


# --------------------------------------------------------------------------- example run (tests, previews)


def example_run(
    run_dir: Path,
    run: str = "example",
    summaries: dict[str, dict] | None = None,
    window: tuple[str, str] = ("2026-07-01", "2026-09-30"),
    previous_run_dir: Path | None = None,
) -> Path:
    """Build a small fake run (one executed-looking notebook, summaries, manifest, pages) without a kernel.

    For tests and previews of the look; returns ``run_dir/index.html``.
    """
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run_dir = Path(run_dir)
    (run_dir / ARTEFACTS).mkdir(parents=True, exist_ok=True)
    summaries = (
        summaries
        if summaries is not None
        else {
            "grading": {"target_accounts": 342},
            "mapping": {"match_rate": 0.912},
            "engagement": {"holdout_auc_gbm": 0.81},
            "roi": {
                "engaged_accounts": 287,
                "mqas": 131,
                "pipeline": 4_350_000,
                "win_rate": 0.31,
                "roi": 1.42,
                "roi_ci_low": 0.35,
                "roi_ci_high": 2.6,
            },
        }
    )
    for sec, vals in summaries.items():
        (run_dir / ARTEFACTS / f"summary_{sec}.json").write_text(json.dumps(vals))
    style.apply()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(["A", "B", "C", "D"], [42, 96, 180, 240], color=[style.GRADE_COLORS[g] for g in "ABCD"])
    style.titles(ax, "Accounts by grade", "Grade", "Accounts (count)")
    style.source_line(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    png = base64.b64encode(buf.getvalue()).decode()
    nbv = nbformat.v4
    cells = [
        nbv.new_markdown_cell("# Example report\nWhat this page shows and why it matters."),
        nbv.new_code_cell('params_path = "params/demo.yaml"\nrun_dir = None', metadata={"tags": ["parameters"]}),
        nbv.new_markdown_cell("## Executive summary"),
        nbv.new_code_cell(
            "display(Markdown(summary))",
            outputs=[
                nbv.new_output(
                    "display_data",
                    data={
                        "text/markdown": "The program reached **342** target accounts; pipeline is $4.35M.",
                        "text/plain": "<IPython.core.display.Markdown object>",
                    },
                )
            ],
        ),
        nbv.new_markdown_cell("## Accounts by grade\nCaption: how many accounts fall in each grade."),
        nbv.new_code_cell(
            "fig",
            outputs=[
                nbv.new_output("stream", name="stderr", text="UserWarning: this must not reach a report\n"),
                nbv.new_output(
                    "display_data", data={"image/png": png, "text/plain": "<Figure size 700x320 with 1 Axes>"}
                ),
                nbv.new_output(
                    "execute_result", data={"text/plain": "Text(0.5, 1.0, 'Accounts by grade')"}, execution_count=3
                ),
            ],
        ),
        nbv.new_code_cell(
            "table",
            outputs=[
                nbv.new_output(
                    "execute_result",
                    execution_count=4,
                    data={
                        "text/html": '<table class="dataframe"><thead><tr><th>grade</th><th>accounts</th><th>share</th></tr></thead>'
                        "<tbody><tr><td>A</td><td>42</td><td>7.4%</td></tr><tr><td>B</td><td>96</td><td>16.8%</td></tr>"
                        "</tbody></table>",
                        "text/plain": "grade accounts",
                    },
                )
            ],
        ),
        nbv.new_code_cell(
            "# NBVAL_CHECK_OUTPUT\nprint(x)",
            outputs=[nbv.new_output("stream", name="stdout", text="target accounts: 342\n")],
        ),
        nbv.new_code_cell(
            "explorer",
            outputs=[
                nbv.new_output(
                    "display_data",
                    data={
                        WIDGET_MIME: {"model_id": "abc", "version_major": 2, "version_minor": 0},
                        "text/plain": "VBox(children=(...))",
                    },
                )
            ],
        ),
        nbv.new_code_cell(
            "1/0",
            outputs=[
                nbv.new_output(
                    "error",
                    ename="ZeroDivisionError",
                    evalue="division by zero",
                    traceback=["Traceback (most recent call last)", "ZeroDivisionError"],
                )
            ],
        ),
        nbv.new_markdown_cell("## Method notes\nGrades come from calibrated fit scores; see the package docs."),
    ]
    nb = nbv.new_notebook(
        cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    nb_path = run_dir / "01_example.ipynb"
    nbformat.write(nb, nb_path)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    manifest = {
        "run": run,
        "params": {
            "run": {"name": run, "as_of": window[1], "window_start": window[0], "window_end": window[1]},
            "data": {"source": "demo", "path": "data/demo"},
            "report": {
                "targets": {
                    "target_accounts": 350,
                    "engaged_accounts": 300,
                    "mqas": 120,
                    "pipeline": 4_000_000,
                    "win_rate": 0.30,
                    "roi": 1.0,
                }
            },
        },
        "inputs": {"data/demo/accounts.parquet": "0" * 64},
        "packages": {"abm-lab": "0.1.0"},
        "git_commit": "0000000000000000000000000000000000000000",
        "timings": {"01_example": 1.2},
        "started": now.isoformat(),
        "finished": now.isoformat(),
    }
    (run_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))
    render_notebook_html(nb_path, run_dir / "01_example.html", "Example report", manifest)
    pages = [
        {"title": "Example report", "href": "01_example.html", "summary": "Accounts by grade, with a method note."}
    ]
    return build_run_index(run_dir, manifest, pages, previous_run_dir)


# --------------------------------------------------------------------------- personal-data scan

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_DATA_URI_RE = re.compile(r"data:[\w/+.\-]+;base64,[A-Za-z0-9+/=\s]+")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# Surnames that are also ordinary English or business words: seen alone they are not evidence of a person.
COMMON_WORDS = frozenset(
    """
abbott adams allen atlas austin baker banks barber bates beacon bell berry bishop black blake bloom bond booth bowman
bradley brand brewer bridge bright brook brooks brown bryant buck bush butler byrd cannon carpenter carter case cash
castle chambers chance chandler chase cherry church clark clay clear cliff coach cole coleman collins cook cooper copper
craft crane crest cross curtis dale davis dawn day dean delta diamond drake duke dunn eagle early east echo ellis
england evans falcon fall farmer faulkner ferry field fields finch fisher fleming fletcher flores ford forest foster fox
frank franklin freeman frost fuller gardner garner gates gibson gilbert glass golden goodman gordon graham grant granite
graves gray green griffin grove guard hall hamilton hammer hardy harper harris hart harvey hawk hayes heart henry
hicks high hill hills holland holmes holt hope horizon house howard hudson hughes hunt hunter ingram irons island jackson
james jordan joseph judge keen king knight lake lamb lane law lawrence lee little long love lucas major mann marsh
marshall martin mason masters may meadows mercer merchant miles miller mills monroe moon moore morgan morris moss murphy
nash nelson newman newton nichols noble norman north norton nova oakley oliver orion page palmer park parker parsons
patton payne pearl penny perry person phillips pierce pike pine pioneer pitts pope porter potter powell power powers
price prime prince quick rain ramsey randall ray read reed reeves rhodes rice rich richards rider rivers robin rock
rogers rose ross rowe rush russell sage salmon sanders savage sawyer scott sharp shaw shepherd short silver simmons
simpson singer slater small smith snow spencer spring stanley star steel steele sterling stevens stewart stone storm
strong summers summit sutton swan swift taylor temple thomas thompson titan todd tower townsend tucker turner vale
vaughan wade walker wall wallace walsh walters ward warner warren washington waters watson watts weaver webb webster
wells west wheeler white whitney wilde wilkins williams willis willow wilson winter winters wise wolf wood woods worth
wright wyatt york young
""".split()
)


def _plain_text(html_text: str) -> str:
    """Text of a page for scanning: without CSS, embedded images and markup (attribute values kept)."""
    t = re.sub(r"<style\b.*?</style>", " ", html_text, flags=re.S | re.I)
    t = _DATA_URI_RE.sub(" ", t)
    attrs = re.findall(r"\b(?:alt|title|aria-label)\s*=\s*\"([^\"]*)\"", t)
    t = re.sub(r"<[^>]+>", " ", t)
    return html.unescape(t + " \n " + " \n ".join(attrs))


@dataclass
class PiiScanner:
    """Finds personal data in rendered pages.

    Rule (documented in the tests and the README):

    * any e-mail address pattern (``local@domain.tld``) is a finding;
    * a contact's full name, ``First Last`` or ``Last, First`` as whole words, case-sensitive as stored
      (and its ASCII transliteration, e.g. Müller → Muller), is a finding;
    * a contact's last name on its own is a finding only when it is distinctive: at least 5 letters,
      not an ordinary English / business word (:data:`COMMON_WORDS`), and not a word of any company
      name, domain, job title, industry or country in the data (so 'Stone Capital' or 'Marketing' never
      count). First names alone are not checked: too many are ordinary words (Mark, Grace, Will).
    """

    full_names: frozenset
    last_names: frozenset

    @classmethod
    def from_tables(cls, contacts, accounts=None, min_last_len: int = 5) -> PiiScanner:
        from unidecode import unidecode

        def col(df, c):
            return (
                [str(v).strip() for v in df[c].tolist() if v is not None and str(v).strip() and str(v) != "nan"]
                if df is not None and c in df.columns
                else []
            )

        vocab: set[str] = set()
        for df, cols in (
            (contacts, ("company_name", "website", "job_title", "country")),
            (accounts, ("name", "domain", "website", "industry", "country", "alt_domains")),
        ):
            for c in cols:
                for v in set(col(df, c)):
                    vocab.update(w.lower() for w in _WORD_RE.findall(v))
                    vocab.update(w.lower() for w in _WORD_RE.findall(unidecode(v)))
        full, last = set(), set()
        if contacts is not None and {"first_name", "last_name"} <= set(contacts.columns):
            pairs = contacts[["first_name", "last_name"]].dropna().astype(str).drop_duplicates()
            for f, ln in zip(pairs["first_name"].str.strip(), pairs["last_name"].str.strip(), strict=False):
                if not f or not ln:
                    continue
                for ff, ll in {(f, ln), (unidecode(f), unidecode(ln))}:
                    full.add(f"{ff} {ll}")
                    full.add(f"{ll}, {ff}")
        for ln in set(col(contacts, "last_name")):
            for v in {ln, unidecode(ln)}:
                if len(v) >= min_last_len and v.isalpha() and v.lower() not in COMMON_WORDS and v.lower() not in vocab:
                    last.add(v)
        return cls(frozenset(full), frozenset(last))

    def scan_text(self, html_text: str) -> list[str]:
        """Findings in one page (empty list = clean)."""
        text = _plain_text(html_text)
        found = [f"e-mail address {m}" for m in sorted(set(EMAIL_RE.findall(text)))]
        words = [m.group(0) for m in _WORD_RE.finditer(text)]
        for i in range(len(words) - 1):  # adjacent words, whatever separates them (space, comma, cell border)
            for cand in (f"{words[i]} {words[i + 1]}", f"{words[i]}, {words[i + 1]}"):
                if cand in self.full_names:
                    found.append(f"full name {cand!r}")
        found += [f"last name {w!r}" for w in sorted(set(words) & self.last_names)]
        return sorted(set(found))

    def scan_files(self, paths: Iterable[Path]) -> dict[str, list[str]]:
        """{file: findings} for the files with findings."""
        out = {}
        for p in paths:
            f = self.scan_text(Path(p).read_text(encoding="utf-8", errors="replace"))
            if f:
                out[str(p)] = f
        return out
