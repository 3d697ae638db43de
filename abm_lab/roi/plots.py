"""Figures and formatted tables of notebook 05 (program ROI): funnel, velocity, attribution, lift, ROI.

Figures: ``plot_*`` draw on a given (or new) axis; ``*_figure`` build the notebook's whole figure with its
source line. Tables: ``*_table`` return formatted frames (text cells), ``*_styler`` pandas Stylers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import style
from ..report.formatting import NO_VALUE, format_text_table, labelled, leadership_table
from ..style import fmt_int, fmt_money, fmt_pct
from .attribution import MODEL_LABELS, AttributionResult
from .competing import CompetingResult, PipelineVelocity
from .kpis import MONEY_COLUMNS
from .velocity import AbmComparison, VelocityResult

#: Formats of the funnel columns (kinds of :func:`abm_lab.style.format_table`).
FUNNEL_FORMATS = {
    "pipeline": "money",
    "revenue": "money",
    "engaged_to_mqa": "pct",
    "mqa_to_opp": "pct",
    "opp_to_won": "pct",
    "penetration": "pct",
}
FUNNEL_RATES = ["engaged_to_mqa", "mqa_to_opp", "opp_to_won", "penetration"]
#: Stages of the funnel bars and their labels.
FUNNEL_STAGES = {"engaged": "Engaged", "mqa": "MQA", "with_opp": "Opportunity", "won": "Won"}
#: Figure sizes (inches) of the notebook's figures; the funnel uses the style's default size.
VELOCITY_FIGSIZE = (11, 4.2)
CREDITS_FIGSIZE = (8, 5)
#: Attribution models shown in the credit bars.
CREDIT_MODELS = ("first_touch", "last_touch", "w_shaped", "markov", "shapley")


# --------------------------------------------------------------------------- funnel
def plot_funnel(f: pd.DataFrame, ax: Any = None, title: str = "Account funnel") -> Any:
    """Grouped bars: accounts reaching each stage (engaged, MQA, opportunity, won) per segment."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots()[1]
    stages, labels = list(FUNNEL_STAGES), list(FUNNEL_STAGES.values())
    x = np.arange(len(stages))
    width = 0.8 / max(len(f), 1)
    for i, (seg, r) in enumerate(f.iterrows()):
        ax.bar(x + i * width - 0.4 + width / 2, [r[s] for s in stages], width, label=str(seg))
    ax.set_xticks(x, labels)
    ax.set_ylabel("accounts (count)")
    ax.set_title(title)
    ax.legend()
    return ax


def funnel_figure(f: pd.DataFrame, title: str = "Account funnel") -> Any:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    plot_funnel(f, ax, title=title)
    style.source_line(fig)
    return fig


def funnel_styler(f: pd.DataFrame, currency: str = "$") -> Any:
    """The funnel with rates as percentages and money in ``currency`` (leadership labels, a rate without
    accounts to divide by as "—")."""
    return leadership_table(f, {c: "{:.1%}" for c in FUNNEL_RATES}, money=MONEY_COLUMNS, currency=currency)


def funnel_table(funnels: pd.DataFrame | Mapping[str, pd.DataFrame], currency: str = "$") -> pd.DataFrame:
    """Funnel(s) as formatted text with leadership labels, money in ``currency``; a mapping (e.g.
    ``{"tier": ..., "grade": ...}``) is stacked by its keys."""
    f = pd.concat(funnels) if isinstance(funnels, Mapping) else funnels
    return labelled(format_text_table(f, FUNNEL_FORMATS, currency))


# --------------------------------------------------------------------------- deals
#: What the win-rate cell says for a segment without won or lost deals (never "nan%").
NO_CLOSED_DEALS = "no closed deals"


def deals_styler(deals: pd.DataFrame | Mapping[str, pd.DataFrame], cycle_digits: int = 0, currency: str = "$") -> Any:
    """Deal KPIs (:func:`abm_lab.roi.kpis.deal_kpis`) formatted, money in ``currency``; a mapping is stacked by
    its keys."""
    d = pd.concat(deals) if isinstance(deals, Mapping) else deals
    return leadership_table(
        d,
        {
            "win_rate": "{:.1%}",
            "avg_cycle_days": f"{{:.{cycle_digits}f}}",
            "median_cycle_days": "{:.0f}",
        },
        missing={"win_rate": NO_CLOSED_DEALS},
        money=MONEY_COLUMNS,
        currency=currency,
    )


# --------------------------------------------------------------------------- velocity
def plot_km(v: VelocityResult, ax: Any = None, title: str | None = None, xlabel: str = "days since start") -> Any:
    """Kaplan–Meier curves: share of items not yet reached (e.g. deals still open) vs days."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots()[1]
    for g, c in v.curves.items():
        med = v.medians.loc[g, "median_days"]
        ax.step(c["days"], c["survival"], where="post", label=f"{g} (median {med:.0f} d)" if np.isfinite(med) else g)
    if not v.curves:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.axhline(0.5, color="#999999", lw=0.8, ls=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share not yet reached")
    ax.set_ylim(0, 1.02)
    ax.set_title(title or v.what)
    if v.curves:
        ax.legend()
    return ax


def velocity_figure(v_close: VelocityResult, v_open: VelocityResult) -> Any:
    """Side by side: opportunity → close (deals still open) and first touch → opportunity (accounts)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=VELOCITY_FIGSIZE)
    plot_km(v_close, axes[0], "Opportunity → close", "days since the opportunity was created")
    plot_km(v_open, axes[1], "First touch → opportunity", "days since the account's first touch")
    axes[0].set_ylabel("share of deals still open")
    axes[1].set_ylabel("share of accounts without an opportunity")
    style.source_line(fig)
    return fig


def velocity_table(
    v_close: VelocityResult, v_open: VelocityResult, what: Literal["medians", "cox"] = "medians"
) -> pd.DataFrame:
    """Both velocities stacked: Kaplan–Meier medians (days, rounded) or Cox hazard ratios, with intervals."""
    if what == "medians":
        t = pd.concat({"opportunity → close": v_close.medians, "first touch → opportunity": v_open.medians}).round(0)
    else:
        t = pd.concat({"opportunity → close": v_close.cox, "first touch → opportunity": v_open.cox}).round(3)
    return labelled(t.astype(object).where(t.notna(), NO_VALUE))


#: Line style of each outcome's cumulative incidence curve.
CIF_LINES = {"won": "-", "lost": "--"}


def plot_cif(
    res: CompetingResult, ax: Any = None, groups: Sequence[str] | None = None, title: str | None = None
) -> Any:
    """Cumulative incidence of won (solid) and lost (dashed) per group vs days since the opportunity was created,
    and 1 − Kaplan–Meier on won with lost deals censored (dotted grey, all deals): the gap between the grey line
    and the solid "all" line is what treating lost deals as censored would overstate."""
    import matplotlib.pyplot as plt

    from .competing import km_ignoring_competing

    ax = ax or plt.subplots()[1]
    shown = [g for g in (groups or list(res.curves)) if g in res.curves]
    for i, g in enumerate(shown):
        c, colour = res.curves[g], f"C{i}"
        for cause, ls in CIF_LINES.items():
            ax.step(c["days"], c[f"cif_{cause}"], where="post", ls=ls, color=colour, label=f"{g}: {cause}")
    if "all" in res.curves and res.data is not None and len(res.data):
        d = res.data
        km = km_ignoring_competing(d["days"].to_numpy(float), d["outcome"].astype(str).to_numpy(object))
        ax.step(
            km["days"], km["km_won"], where="post", ls=":", color="#999999", label="all: won, 1 − KM (lost censored)"
        )
    if not shown:
        ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xlabel("days since the opportunity was created")
    ax.set_ylabel("share of deals (cumulative)")
    ax.set_ylim(0, 1.02)
    ax.set_title(title or f"{res.what}: won and lost (Aalen–Johansen)")
    if shown:
        ax.legend(fontsize="small")
    return ax


def competing_figure(res: CompetingResult, groups: Sequence[str] | None = None) -> Any:
    """:func:`plot_cif` as the notebook's figure with its source line."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=CREDITS_FIGSIZE)
    plot_cif(res, ax, groups)
    style.source_line(fig)
    return fig


def competing_table(res: CompetingResult) -> pd.DataFrame:
    """CIF of won and lost at each horizon per group as text ("31.2% (25.0–38.1%)"), with 1 − KM on won
    (lost censored) and how much it overstates."""

    def ci(est: Any, lo: Any, hi: Any) -> str:
        return f"{fmt_pct(est)} ({fmt_pct(lo)}–{fmt_pct(hi)})"

    t = res.table
    out = pd.DataFrame(index=t.index)
    out["deals"] = t["n"].map(fmt_int)
    out["still open"] = t["at_risk"].map(fmt_int)
    out["won by day (95% CI)"] = [ci(*r) for r in t[["cif_won", "won_low", "won_high"]].to_numpy()]
    out["lost by day (95% CI)"] = [ci(*r) for r in t[["cif_lost", "lost_low", "lost_high"]].to_numpy()]
    out["won, 1 − KM (lost censored)"] = t["km_won"].map(fmt_pct)
    out["KM overstates by"] = t["km_overstates"].map(fmt_pct)
    return out


def abm_comparison_table(comparisons: Mapping[str, AbmComparison]) -> pd.DataFrame:
    """ABM vs non-ABM hazard ratios (> 1 = faster) per clock, raw and (when fit is known) fit-adjusted, with the
    reading the page must give: "fit-adjusted" or "descriptive"."""
    frames = {}
    for name, c in comparisons.items():
        t = c.table.copy()
        t["reading"] = ["descriptive" if i == "raw" else "fit-adjusted" for i in t.index]
        t["method"] = ["ABM indicator only" if i == "raw" else c.method for i in t.index]
        frames[name] = t
    t = pd.concat(frames)
    for col in ("hazard_ratio", "ci_low", "ci_high", "p_value"):
        t[col] = t[col].astype(float).round(3)
    for col in ("n", "events"):
        t[col] = t[col].map(fmt_int)
    return labelled(t.astype(object).where(t.notna(), NO_VALUE))


def pipeline_velocity_table(pv: PipelineVelocity, currency: str = "$") -> pd.DataFrame:
    """The pipeline velocity's four factors and its value per group, formatted (money, %, days)."""
    f = pv.factors
    return pd.DataFrame(
        {
            "opportunities": f["opportunities"].map(fmt_int),
            "win rate": f["win_rate"].map(fmt_pct),
            "avg won deal size": f["avg_deal_size"].map(lambda v: fmt_money(v, currency)),
            "median cycle (days)": f["cycle_days"].map(lambda v: style.fmt_num(v, 1)),
            "velocity per day": f["usd_per_day"].map(lambda v: fmt_money(v, currency)),
        },
        index=f.index,
    )


# --------------------------------------------------------------------------- attribution
def plot_credits(
    res: AttributionResult,
    models: Sequence[str] = CREDIT_MODELS,
    kind: Literal["conversions", "value"] = "conversions",
    ax: Any = None,
    top: int = 10,
) -> Any:
    """Horizontal grouped bars: share of credit per channel (or program) under several models."""
    import matplotlib.pyplot as plt

    t = res.table(kind, share=True)
    order = t.mean(axis=1).sort_values(ascending=True).index[-top:]
    t = t.loc[order, [m for m in models if m in t.columns]]
    ax = ax or plt.subplots(figsize=(8, 0.45 * len(order) + 1.5))[1]
    y = np.arange(len(order))
    h = 0.8 / max(t.shape[1], 1)
    for i, m in enumerate(t.columns):
        ax.barh(y + i * h - 0.4 + h / 2, t[m] * 100, h, label=MODEL_LABELS.get(m, m))
    ax.set_yticks(y, order)
    what = "conversions" if kind == "conversions" else res.value_label
    ax.set_xlabel(f"share of {what} credited (%)")
    ax.set_title(f"Credit by {res.dimension.replace('_id', '')} and model")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def credits_figure(res: AttributionResult | None) -> Any:
    """Credits by channel of the attribution models (None without attribution: nothing drawn)."""
    import matplotlib.pyplot as plt

    if res is None:
        return None
    fig, ax = plt.subplots(figsize=CREDITS_FIGSIZE)
    plot_credits(res, ax=ax)
    style.source_line(fig)
    return fig


# --------------------------------------------------------------------------- KPIs and ROI as text
def tiles_table(tiles: pd.DataFrame, currency: str = "$") -> pd.DataFrame:
    """KPI tiles as formatted text (for the leadership summary): KPI, actual, target, attainment, status.

    A KPI without a target reads "no target set" in the Target column and "–" as attainment."""
    from .kpis import NO_TARGET

    def f(kind: str, v: Any) -> str:
        return {"int": fmt_int, "money": lambda x: fmt_money(x, currency), "pct": fmt_pct}[kind](v)

    no_target = tiles["status"].eq(NO_TARGET).to_numpy(bool)
    return pd.DataFrame(
        {
            "KPI": tiles["label"],
            "Actual": [f(k, a) for k, a in zip(tiles["kind"], tiles["actual"], strict=False)],
            "Target": [
                NO_TARGET if nt else f(k, t)
                for k, t, nt in zip(tiles["kind"], tiles["target"], no_target, strict=False)
            ],
            "Attainment": [fmt_pct(a, 0) for a in tiles["attainment"]],
            "Status": tiles["status"],
        }
    ).set_index("KPI")


#: What the attribution views show when no touchpoint has an account.
NO_ATTRIBUTION = "No touchpoints with accounts: attribution skipped."


def attribution_tables(att: Any, view: str, currency: str = "$") -> list[Any]:
    """Notebook 05's attribution tables: ``"channel_value"`` (pipeline credit per channel in ``currency`` and the
    Markov removal effects) or ``"programme"`` (credit per programme in ``currency`` and the won-revenue view);
    the skip message without attribution."""
    if att is None:
        return [NO_ATTRIBUTION]
    if view == "channel_value":
        return [
            leadership_table(att.channel.table("value"), money=True, currency=currency),
            leadership_table(att.channel.markov.removal_effects, digits=4),
        ]
    if view == "programme":
        return [
            leadership_table(att.program.table("value"), money=True, currency=currency),
            leadership_table(att.won.table("value", share=True)),
        ]
    raise ValueError(f"unknown attribution view {view!r}")


#: Money columns of the CAC table (:class:`abm_lab.roi.economics.CacResult`).
CAC_MONEY = ("cost", "cac", "cac_low", "cac_high", "cost_lagged", "cac_lagged", "cac_lagged_low", "cac_lagged_high")


def cac_table(acq: Any, currency: str = "$") -> Any:
    """The customer acquisition cost by tier for the page (money formatted, human labels, no row numbers)."""
    from ..report.formatting import leadership_table

    formats = {c: "money" for c in CAC_MONEY if c in acq.table.columns}
    formats |= {c: "{:.1f}" for c in ("new_customers_low", "new_customers_high") if c in acq.table.columns}
    return leadership_table(acq.table, formats, currency=currency)
