"""The all-runs index (``<reports_dir>/index.html``) and finding the run a new run is compared with."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from .formatting import currency_symbol, fmt_delta, fmt_kpi, fmt_ts, parse_date, window_text
from .kpis import HEADLINE, Kpi, ci_level, headline_kpis, on_track_share, resolve_targets, tile
from .load import ARTEFACTS, MANIFEST_FILE, get, load_summaries, params_dict, read_manifest, report_params
from .page import page

#: The trend table shows at most this many runs (the newest).
TREND_RUNS = 8

esc = html.escape


def list_runs(reports_dir: Path) -> list[Path]:
    """Run folders (with index.html and manifest.json), newest reporting window first, then newest finish."""
    reports_dir = Path(reports_dir)
    runs = (
        [
            d
            for d in reports_dir.iterdir()
            if d.is_dir()
            and not d.name.startswith(".")  # a previous run set aside while --force rebuilds it
            and (d / "index.html").exists()
            and (d / MANIFEST_FILE).exists()
        ]
        if reports_dir.is_dir()
        else []
    )

    def key(d: Path) -> tuple[dt.date, str, float]:
        m = read_manifest(d)
        p = params_dict(m)
        we = parse_date(get(p, "run", "window_end")) or dt.date.min
        return (we, str(m.get("finished") or m.get("started") or ""), d.stat().st_mtime)

    return sorted(runs, key=key, reverse=True)


def find_previous_run(reports_dir: Path, manifest: dict) -> Path | None:
    """The latest run in ``reports_dir`` whose reporting window ends before this run's window starts."""
    params = params_dict(manifest)
    ws = parse_date(get(params, "run", "window_start"))
    name = str((manifest or {}).get("run") or get(params, "run", "name") or "")
    if ws is None or not Path(reports_dir).is_dir():
        return None
    best: Path | None = None
    best_key: tuple[dt.date, str] | None = None
    for d in Path(reports_dir).iterdir():
        if not d.is_dir() or d.name == name or d.name.startswith(".") or not (d / ARTEFACTS).is_dir():
            continue
        m = read_manifest(d)
        we = parse_date(get(params_dict(m), "run", "window_end"))
        if we is None or we >= ws:
            continue
        k = (we, str(m.get("finished") or ""))
        if best_key is None or k > best_key:
            best, best_key = d, k
    return best


def trend_html(trend: list[tuple[str, list[Kpi], str]]) -> str:
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
        f'<div class="table-scroll"><table class="compare"><thead><tr><th>KPI</th>{head}'
        f'<th class="num">Latest change</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>'
    )


def build_reports_index(reports_dir: Path) -> Path:
    """Write ``reports_dir/index.html`` listing all runs (newest first) with their headline tiles."""
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    runs = list_runs(reports_dir)
    rows = []
    title = report_params({})["title"]  # the default, shown when there are no runs
    trend: list[tuple[str, list[Kpi], str]] = []  # (run, kpis, currency), newest first
    for i, d in enumerate(runs):
        m = read_manifest(d)
        params = params_dict(m)
        rp = report_params(params)
        if i == 0:
            title = rp["title"]
        currency, share = currency_symbol(params), on_track_share(params)
        summaries = load_summaries(d)
        kpis = headline_kpis(summaries, resolve_targets(params))
        run = str(m.get("run") or d.name)
        trend.append((run, kpis, currency))
        win = window_text(params)
        tiles = "".join(tile(k, currency, share, None, ci_level(params), compact=True) for k in kpis)
        note = (
            '<p class="muted summary-problems">Not read (does not match its summary model, figures shown as '
            f"'–'): {esc(', '.join(summaries.invalid))}</p>"
            if summaries.invalid
            else ""
        )
        rows.append(
            f'<section class="card run-card"><div class="run-head"><a class="run-name" href="{esc(d.name)}/index.html">'
            f'{esc(run)}</a><span class="muted">{esc(("Reporting window " + win) if win else "")}'
            f" · finished {esc(fmt_ts(m.get('finished')))} · commit {esc(str(m.get('git_commit') or '–')[:10])}</span>"
            f'<a class="run-open" href="{esc(d.name)}/index.html">Open run →</a></div>'
            f'<div class="tiles compact">{tiles}</div>{note}</section>'
        )
    body = [
        f'<section class="hero"><h1>{esc(title)}: all runs</h1>'
        f'<p class="hero-sub">{len(runs)} run{"s" if len(runs) != 1 else ""}, newest reporting window first.</p>'
        "</section>",
        "\n".join(rows)
        if rows
        else '<section class="card"><p>No runs yet: run <code>abm-lab run params/demo.yaml</code>.</p></section>',
    ]
    if len(trend) >= 2:
        body.insert(1, trend_html(trend[:TREND_RUNS][::-1]))
    out = reports_dir / "index.html"
    text = page(f"{title} – all runs", "\n".join(body), brand=title, page_class="runs-page")
    out.write_text(text, encoding="utf-8")
    return out
