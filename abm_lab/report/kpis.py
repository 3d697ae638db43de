"""Headline KPIs of a run: what each tile shows, its value from the typed summaries, its target and status, its tile.

Each :class:`KpiSpec` names the summary section and the field of that section's model
(:mod:`abm_lab.artefacts.summaries`) it reads; there is exactly one name per figure.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from ..config.roi import RoiParams
from .formatting import fmt_delta, fmt_kpi
from .load import RunSummaries, get, num, report_params

esc = html.escape


@dataclass(frozen=True)
class KpiSpec:
    key: str  # target key in params (report.targets / roi.targets)
    label: str
    section: str  # summary_<section>.json
    field: str  # field of that section's summary model
    kind: str  # money | pct | int | num
    unit: str  # shown under the label
    digits: int = 1  # decimals for pct / num
    phrase: str = ""  # in running text (defaults to the label in lower case)
    ci_fields: tuple[str, str] | None = None  # fields of the interval (low, high) in the same summary

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
    KpiSpec(
        "roi",
        "Program ROI",
        "roi",
        "roi",
        "pct",
        "(gross profit − cost) / cost",
        0,
        "program ROI",
        ci_fields=("roi_low", "roi_high"),
    ),
]
SECONDARY = [
    KpiSpec("match_rate", "Lead-to-account match rate", "mapping", "match_rate", "pct", "people mapped to an account"),
    KpiSpec(
        "auc_gbm",
        "Engagement model AUC",
        "engagement",
        "auc_gbm",
        "num",
        "hold-out ranking quality (0.5 = chance)",
        2,
        "engagement model AUC",
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


def resolve_targets(params: dict) -> dict[str, float | None]:
    """KPI targets: ``report.targets.<k>``, else ``roi.targets.<k>`` (params, then the defaults).

    ``roi.targets`` default to None (no target set): a run on the user's data shows its actuals with "No target
    set" rather than a share of the demo world's targets (those are in ``params/demo.yaml``)."""
    roi_defaults = RoiParams().targets.model_dump(mode="json")
    rep = report_params(params)["targets"]
    roi_raw = get(params, "roi", "targets") or {}
    out: dict[str, float | None] = {}
    for spec in HEADLINE + SECONDARY:
        v = num(rep.get(spec.key))
        if v is None:
            v = num(roi_raw.get(spec.key)) if isinstance(roi_raw, dict) else None
        if v is None:
            v = num(roi_defaults.get(spec.key))
        out[spec.key] = v
    return out


def headline_kpis(
    summaries: RunSummaries,
    targets: dict[str, float | None] | None = None,
    previous: RunSummaries | None = None,
    specs: Iterable[KpiSpec] = HEADLINE,
) -> list[Kpi]:
    """KPI values (with target, previous value and interval) from a run's typed summaries."""
    targets = targets or {}
    prev = previous if previous is not None else RunSummaries()
    out = []
    for s in specs:
        k = Kpi(s, summaries.value(s.section, s.field), num(targets.get(s.key)), prev.value(s.section, s.field))
        if s.ci_fields is not None:
            k.ci_low = summaries.value(s.section, s.ci_fields[0])
            k.ci_high = summaries.value(s.section, s.ci_fields[1])
        out.append(k)
    return out


def _share(v: float | None) -> float | None:
    return v if v is not None and 0 < v < 1 else None


def on_track_share(params: dict) -> float:
    """Share of target from which a tile is amber: ``report.on_track_share``, else ``roi.tile_at_risk`` (params,
    then its default)."""
    for v in (get(params, "report", "on_track_share"), get(params, "roi", "tile_at_risk")):
        share = _share(num(v))
        if share is not None:
            return share
    return RoiParams().tile_at_risk


def ci_level(params: dict) -> float:
    """Confidence level of the ROI interval: ``roi.lift.ci_level`` (params, then its default)."""
    v = _share(num(get(params, "roi", "lift", "ci_level")))
    return v if v is not None else RoiParams().lift.ci_level


def tile(
    k: Kpi, currency: str, on_track_share: float, prev_label: str | None, level: float, compact: bool = False
) -> str:
    """One KPI tile: value, interval or unit, bar and text against target, change since the previous run."""
    s = k.spec
    st = k.status(on_track_share)
    value = fmt_kpi(k.value, s.kind, currency, s.digits)
    lines = [
        f'<div class="tile status-{st}" data-kpi="{esc(s.key)}">',
        f'<div class="tile-label">{esc(s.label)}</div>',
        f'<div class="tile-value">{esc(value)}</div>',
    ]
    if s.ci_fields is not None and (k.ci_low is not None or k.ci_high is not None) and not compact:
        lines.append(
            f'<div class="tile-ci">{level * 100:.0f}% CI {esc(fmt_kpi(k.ci_low, s.kind, digits=s.digits))} to '
            f"{esc(fmt_kpi(k.ci_high, s.kind, digits=s.digits))}</div>"
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
