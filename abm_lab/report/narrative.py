"""Running text generated from the numbers: the run's executive summary and each page card's one-line summary."""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from .formatting import cap, fmt_delta, fmt_kpi, window_text
from .kpis import Kpi, ci_level

#: Changes since the previous run named in the executive summary (KPI keys, in this order).
MOVES = ("pipeline", "mqas", "roi")
#: At most this many sentences in the executive summary.
MAX_SENTENCES = 5
#: A page card's summary is the first sentence of the page's executive summary, or the first two when the first is
#: shorter than this (a lead-in), cut to at most ``max_chars`` characters.
LEAD_IN_CHARS = 60
SUMMARY_MAX_CHARS = 200


def executive_summary(
    kpis: list[Kpi],
    run: str,
    params: dict,
    prev_label: str | None = None,
    currency: str = "$",
    on_track_share: float = 0.9,
    invalid_sections: Collection[str] = (),
) -> list[str]:
    """Three to five sentences with the key numbers (generated, skipping what is missing).

    ``invalid_sections`` are the summary sections whose file did not validate (their figures are missing)."""
    by = {k.spec.key: k for k in kpis}

    def f(key: str) -> str:
        return fmt_kpi(by[key].value, by[key].spec.kind, currency, by[key].spec.digits) if key in by else "–"

    def t(key: str) -> str:
        return fmt_kpi(by[key].target, by[key].spec.kind, currency, by[key].spec.digits) if key in by else "–"

    def have(key: str) -> bool:
        return key in by and by[key].value is not None

    out: list[str] = []
    win = window_text(params)
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
        out.append(cap("; ".join(parts)) + ".")
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
        out.append(cap(" and ".join(parts)) + ".")
    if have("roi"):
        out.append(_roi_sentence(by["roi"], f("roi"), params) + ".")
    missing = [k for k in kpis if k.value is None]
    if missing:
        why = "did not run or saved no summary"
        if any(k.spec.section in invalid_sections for k in missing):
            why = "did not run, saved no summary or saved one that does not match its summary model"
        out.append(
            f"Not available in this run: {', '.join(k.spec.text for k in missing)} (shown as '–'; the notebook that "
            f"computes {'it' if len(missing) == 1 else 'them'} {why})."
        )
    if prev_label:
        moves = []
        for key in MOVES:
            k = by.get(key)
            if k is not None and k.value is not None and k.prev is not None:
                d, cls = fmt_delta(k.value, k.prev, k.spec.kind, currency, k.spec.digits)
                verb = {"up": "rose", "down": "fell", "flat": "was unchanged"}[cls]
                moves.append(f"{k.spec.text} {verb}" + (f" by {d[2:].lstrip('+−')}" if cls != "flat" else ""))
        if moves:
            out.append(
                f"Since {prev_label}, " + ", ".join(moves[:-1]) + (" and " if len(moves) > 1 else "") + moves[-1] + "."
            )
    return out[:MAX_SENTENCES]


def _roi_sentence(r: Kpi, value: str, params: dict) -> str:
    s = f"Program ROI is {value}"
    if r.ci_low is not None and r.ci_high is not None:
        lvl = ci_level(params)
        s += f" ({lvl * 100:.0f}% CI {fmt_kpi(r.ci_low, 'pct', digits=0)} to {fmt_kpi(r.ci_high, 'pct', digits=0)})"
        if r.ci_low > 0:
            s += ": the whole interval is above zero, so the program very likely returned more than it cost"
        elif r.ci_high < 0:
            s += ": the whole interval is below zero, so the program has not yet paid back its cost"
        else:
            s += ": the interval includes zero, so a positive return is not yet established"
    return s


def page_summary(page_html: Path, max_chars: int = SUMMARY_MAX_CHARS) -> str:
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
                if len(first) >= LEAD_IN_CHARS:
                    break
            return first if len(first) <= max_chars else first[: max_chars - 1].rsplit(" ", 1)[0] + "…"
    return ""
