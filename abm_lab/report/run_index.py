"""A run's ``index.html``: KPI tiles against targets, executive summary, change since the previous run, page cards.

Headline figures come from the run's typed ``artefacts/summary_<section>.json`` (:func:`load_summaries`).
A missing file or figure shows '–'; a file that does not match its summary model is not read (its figures show
'–') and is named in a note on the page. The index never fails because of a summary.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from .formatting import currency_symbol, fmt_date, fmt_delta, fmt_kpi, window_text
from .kpis import SECONDARY, Kpi, ci_level, headline_kpis, on_track_share, resolve_targets, tile
from .load import RunSummaries, get, load_summaries, params_dict, read_manifest, report_params
from .narrative import executive_summary, page_summary
from .page import manifest_html, page

esc = html.escape


def summary_problems_html(problems: list[tuple[str, str, str]]) -> str:
    """A note naming each summary file that was not read: (run, file name, reason); '' when there is none."""
    if not problems:
        return ""
    items = "".join(
        f"<li><code>{esc(name)}</code> of run {esc(run)}: {esc(reason)}</li>" for run, name, reason in problems
    )
    return (
        '<section class="card summary-problems" id="summary-problems"><h2>Summary files not read</h2>'
        "<p>These summary files do not match their model in <code>abm_lab.artefacts.summaries</code>, so their "
        "figures are shown as '–'. Re-run the notebook that writes each file.</p>"
        f"<ul>{items}</ul></section>"
    )


def _problems(run: str, summaries: RunSummaries) -> list[tuple[str, str, str]]:
    return [(run, name, reason) for name, reason in summaries.invalid.items()]


def comparison_html(kpis: list[Kpi], run: str, prev_label: str, currency: str) -> str:
    """Table of every KPI in the previous run and this one, with the change and the target."""
    rows = []
    for k in kpis:
        d, cls = fmt_delta(k.value, k.prev, k.spec.kind, currency, k.spec.digits)

        def f(v: float | None, k: Kpi = k) -> str:
            return fmt_kpi(v, k.spec.kind, currency, k.spec.digits)

        rows.append(
            f'<tr><td>{esc(k.spec.label)}</td><td class="num">{esc(f(k.prev))}</td>'
            f'<td class="num"><b>{esc(f(k.value))}</b></td><td class="num delta {cls}">{esc(d or "–")}</td>'
            f'<td class="num">{esc(f(k.target))}</td></tr>'
        )
    return (
        '<section class="card comparison" id="comparison"><h2>Change since ' + esc(prev_label) + "</h2>"
        f'<div class="table-scroll"><table class="compare"><thead><tr><th>KPI</th>'
        f'<th class="num">{esc(prev_label)}</th><th class="num">{esc(run)}</th><th class="num">Change</th>'
        f'<th class="num">Target</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>'
    )


def _page_cards(run_dir: Path, pages: list[dict]) -> str:
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
    grid = "".join(cards) or "<p class=muted>No report pages in this run.</p>"
    return f'<section class="pages" id="reports"><h2>Reports</h2><div class="page-grid">{grid}</div></section>'


def build_run_index(run_dir: Path, manifest: dict, pages: list[dict], previous_run_dir: Path | None) -> Path:
    """Write ``run_dir/index.html``: KPI tiles vs targets, executive summary, report links, change since the
    previous run (when ``previous_run_dir`` is given and has summaries)."""
    run_dir = Path(run_dir)
    manifest = manifest or {}
    params = params_dict(manifest)
    rp = report_params(params)
    currency, share = currency_symbol(params), on_track_share(params)
    run = str(manifest.get("run") or get(params, "run", "name") or run_dir.name)
    summaries = load_summaries(run_dir)
    problems = _problems(run, summaries)
    prev_summ, prev_label = RunSummaries(), None
    if previous_run_dir is not None and Path(previous_run_dir).resolve() != run_dir.resolve():
        prev_summ = load_summaries(previous_run_dir)
        prev_name = str(read_manifest(Path(previous_run_dir)).get("run") or Path(previous_run_dir).name)
        problems += _problems(prev_name, prev_summ)
        if prev_summ:
            prev_label = prev_name
    targets = resolve_targets(params)
    kpis = headline_kpis(summaries, targets, prev_summ)
    extra = [k for k in headline_kpis(summaries, targets, prev_summ, SECONDARY) if k.value is not None]
    level = ci_level(params)
    sentences = executive_summary(kpis, run, params, prev_label, currency, share, summaries.invalid_sections)

    win = window_text(params)
    sub = " · ".join(
        x
        for x in [
            f"Reporting window {win}" if win else "",
            f"as of {fmt_date(get(params, 'run', 'as_of'))}" if get(params, "run", "as_of") else "",
            f"compared with {prev_label}" if prev_label else "no earlier run to compare with",
        ]
        if x
    )
    tiles = "\n".join(tile(k, currency, share, prev_label, level) for k in kpis)
    legend = (
        '<div class="legend"><span class="dot good"></span>at or above target'
        f'<span class="dot warn"></span>at risk (≥ {share * 100:.0f}% of target)'
        '<span class="dot bad"></span>behind<span class="dot none"></span>no target / no data</div>'
    )
    body = [
        f'<section class="hero"><h1>{esc(rp["title"])} <span class="hero-run">{esc(run)}</span></h1>'
        f'<p class="hero-sub">{esc(sub)}</p></section>',
        summary_problems_html(problems),
        '<section class="card exec-summary" id="executive-summary"><h2>Executive summary</h2>'
        f"<p>{esc(' '.join(sentences))}</p></section>",
        f'<section class="kpis" id="kpis"><div class="section-head"><h2>Headline KPIs</h2>{legend}</div>'
        f'<div class="tiles">{tiles}</div></section>',
    ]
    if prev_label:
        body.append(comparison_html(kpis + extra, run, prev_label, currency))
    if extra:
        body.append(
            '<section class="kpis secondary"><h2>Data and model quality</h2><div class="tiles small">'
            + "\n".join(tile(k, currency, share, prev_label, level) for k in extra)
            + "</div></section>"
        )
    body.append(_page_cards(run_dir, pages))
    body.append(manifest_html(manifest))
    text = page(
        f"{rp['title']} – overview",
        "\n".join(x for x in body if x),
        brand=rp["title"],
        run=run,
        nav=[("Overview", "index.html"), ("All runs", "../index.html")],
        page_class="index-page",
    )
    out = run_dir / "index.html"
    run_dir.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
