"""Figures and formatted tables of notebook 03 (lead-to-account mapping and buying committees).

Figures return the matplotlib ``Figure`` (with the grey source line); tables return a DataFrame of
formatted text ready to display; ``*_text`` functions return the plain-text blocks the notebook prints.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import style
from ..config.mapping import CommitteeRole
from .contacts import STATUSES, MappingResult
from .touchpoints import touchpoint_match_rates

__all__ = [
    "status_counts_text",
    "method_table",
    "review_share_by_source",
    "review_queue_text",
    "accuracy_table",
    "touchpoint_accuracy_text",
    "touchpoint_rates_table",
    "persona_table",
    "persona_accuracy_text",
    "committee_chart",
    "committee_text",
    "persona_involvement_chart",
    "involvement_text",
]

_SENIORITY_ORDER = ("c_level", "vp", "director", "manager", "ic", "(no title)")


def status_counts_text(result: MappingResult) -> str:
    """Rows in total and per status (count and share)."""
    c = result.counts()
    n = sum(c.values())
    lines = [f"contacts and leads: {n:,}"]
    lines += [f"  {s:<10} {c[s]:>8,}  {style.fmt_pct(c[s] / n)}" for s in STATUSES]
    return "\n".join(lines)


def method_table(result: MappingResult) -> pd.DataFrame:
    """Matched rows per cascade step: rows, share of all rows, mean confidence."""
    mt = result.method_table()
    return pd.DataFrame(
        {
            "rows": mt["n"].map(style.fmt_int),
            "share of all rows": mt["share_of_rows"].map(style.fmt_pct),
            "mean confidence": mt["mean_confidence"].round(3),
        }
    )


def review_share_by_source(result: MappingResult) -> Figure:
    """Horizontal stacked bars: share of each lead source's rows left ambiguous or unmatched."""
    t = result.table
    by_src = pd.crosstab(t["source"].fillna("(blank)"), t["status"].astype(str), normalize="index")
    colors = {"ambiguous": style.PALETTE[1], "unmatched": style.PALETTE[5]}
    fig, ax = plt.subplots(figsize=(8, 3.6))
    left = pd.Series(0.0, index=by_src.index)
    for s in ["ambiguous", "unmatched"]:
        v = by_src[s] if s in by_src.columns else pd.Series(0.0, index=by_src.index)
        ax.barh(by_src.index, v * 100, left=left * 100, label=s, color=colors[s])
        left += v
    for y, v in enumerate(left):
        ax.text(v * 100, y, f" {v * 100:.1f}%", va="center", fontsize=9)
    ax.set_xlim(0, max(1.0, left.max() * 100 * 1.25))
    ax.set_xlabel("Share of the source's contacts not placed on an account (%)")
    ax.set_ylabel("Lead source")
    ax.set_title("Contacts left for review, by lead source")
    ax.legend(loc="best")
    style.source_line(fig)
    return fig


def review_queue_text(result: MappingResult) -> str:
    """Counts of the two review queues: unmatched rows by reason, ambiguous rows by step."""
    um = result.unmatched
    amb = result.ambiguous
    median = amb["n_candidates"].median() if len(amb) else 0
    lines = [f"unmatched: {len(um):,}", result.unmatched_reasons().rename("rows").to_string()]
    lines.append(f"\nambiguous: {len(amb):,}; candidates per row (median): {median:.0f}")
    by_step = result.table.loc[result.table["status"] == "ambiguous", "match_method"].value_counts()
    lines += [f"  at step {step}: {k:,}" for step, k in by_step.items()]
    return "\n".join(lines)


def accuracy_table(accuracy: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall per cascade step (``abm_lab.validation.mapping.evaluate_mapping``), formatted."""
    a = accuracy

    def pct2(v: float) -> str:
        return style.fmt_pct(v, 2)

    return pd.DataFrame(
        {
            "matched": a["matched"].map(style.fmt_int),
            "correct": a["correct"].map(style.fmt_int),
            "precision": a["precision"].map(pct2),
            "recall, all leads (share by step)": a["recall"].map(pct2),
            "recall, identifiable leads": a["recall_identifiable"].map(pct2),
        }
    )


def touchpoint_accuracy_text(tp_accuracy: pd.DataFrame) -> str:
    """Overall precision and recall of touchpoint accounts (``evaluate_touchpoints``)."""
    p = style.fmt_pct(tp_accuracy.loc["all", "precision"], 2)
    r = style.fmt_pct(tp_accuracy.loc["all", "recall"], 2)
    return f"touchpoints: precision {p} recall {r}"


def touchpoint_rates_table(touchpoints_mapped: pd.DataFrame) -> pd.DataFrame:
    """Touchpoints by kind (known contact / anonymous visit), status and method: rows and share, formatted."""
    tr = touchpoint_match_rates(touchpoints_mapped)
    tr = tr[tr["source"] != "all"]
    return tr.assign(rows=tr["n"].map(style.fmt_int), share=tr["share"].map(style.fmt_pct))[
        ["source", "status", "match_method", "rows", "share"]
    ].reset_index(drop=True)


def persona_table(contacts_mapped: pd.DataFrame) -> pd.DataFrame:
    """Matched contacts by persona function (rows) and seniority (columns, top first)."""
    m = contacts_mapped[contacts_mapped["status"] == "matched"]
    tab = pd.crosstab(m["persona_function"].fillna("(no title)"), m["persona_seniority"].fillna("(no title)"))
    return tab[[s for s in _SENIORITY_ORDER if s in tab.columns]]


def persona_accuracy_text(persona_accuracy: pd.DataFrame) -> str:
    """The title parser against truth (``abm_lab.validation.mapping.evaluate_personas``)."""
    ev = persona_accuracy
    return (
        f"title parser vs truth: function {style.fmt_pct(ev['function_accuracy'].iloc[0])}, "
        f"seniority {style.fmt_pct(ev['seniority_accuracy'].iloc[0])} "
        "(the demo gives titles like 'Partner' or 'Chief of Staff' a random seniority, which no parser can recover)"
    )


def committee_chart(coverage: pd.DataFrame, committee: Sequence[CommitteeRole]) -> Figure:
    """Grouped bars per committee seat: share of accounts with the seat known and engaged in the window."""
    seats = [r.name for r in committee]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    share_known = [coverage[f"known_{s}"].mean() * 100 for s in seats]
    share_eng = [coverage[f"engaged_{s}"].mean() * 100 for s in seats]
    x = range(len(seats))
    ax.bar([i - 0.2 for i in x], share_known, width=0.4, label="known (mapped contact fills the seat)")
    ax.bar([i + 0.2 for i in x], share_eng, width=0.4, label="engaged in the window")
    ax.set_xticks(list(x))
    ax.set_xticklabels([s.replace("_", " ") for s in seats])
    ax.set_ylabel("Accounts (%)")
    ax.set_xlabel("Buying-committee seat")
    ax.set_ylim(0, 100)
    ax.set_title("Share of accounts with each committee seat known and engaged")
    ax.legend()
    style.source_line(fig)
    return fig


def committee_text(coverage: pd.DataFrame, n_seats: int, by_tier: pd.DataFrame | None = None) -> str:
    """Accounts by number of committee seats known, and (with ``by_tier``) mean coverage per ABM tier."""
    from ..report.formatting import labelled

    dist = coverage["roles_known"].value_counts().sort_index().rename_axis("seats known")
    lines = [f"accounts by number of committee seats known (of {n_seats}):", dist.rename("accounts").to_string()]
    if by_tier is not None:
        lines += [
            "\nmean coverage and engaged share by ABM tier (from notebook 02):",
            labelled(by_tier.round(3)).to_string(),
        ]
    return "\n".join(lines)


def persona_involvement_chart(involvement: pd.DataFrame, ax: plt.Axes | None = None) -> Figure:
    """Grouped bars: share of won vs lost deals with each committee seat involved (returns the figure)."""
    inv = involvement
    piv = inv.pivot(index="seat", columns="outcome", values="share")
    piv = piv.reindex(list(inv["seat"].drop_duplicates()))
    if ax is None:
        fig, ax = plt.subplots()
    else:
        root = ax.get_figure(root=True)
        if root is None:
            raise ValueError("persona_involvement_chart: the axes given belong to no figure")
        fig = root
    x = np.arange(len(piv))
    w = 0.38
    n_deals = inv.drop_duplicates("outcome").set_index("outcome")["deals"]
    for i, outcome in enumerate(["won", "lost"]):
        if outcome in piv.columns:
            ax.bar(
                x + (i - 0.5) * w,
                piv[outcome].to_numpy() * 100,
                width=w,
                label=f"{outcome} deals (n={int(n_deals.get(outcome, 0)):,})",
            )
    ax.set_xticks(x)
    ax.set_xticklabels([s.replace("_", "\n") for s in piv.index], rotation=0)
    ax.set_ylabel("Deals with the seat involved (%)")
    ax.set_xlabel("Buying-committee seat")
    ax.set_ylim(0, 100)
    ax.legend()
    ax.set_title("Persona involvement before close: won vs lost deals")
    style.source_line(fig)
    return fig


def involvement_table(involvement: pd.DataFrame) -> pd.DataFrame:
    """Share (%) of won and lost deals with each committee seat involved: one row per seat (seat names with
    spaces), columns "won deals (%)" and "lost deals (%)" — the table of the leadership page."""
    inv = involvement.pivot(index="seat", columns="outcome", values="share").reindex(involvement["seat"].unique())
    inv = inv[[c for c in ("won", "lost") if c in inv.columns]]
    out = (inv * 100).rename(columns=lambda c: f"{c} deals (%)")
    out.index = pd.Index([str(s).replace("_", " ") for s in out.index], name="committee seat")
    out.columns.name = None
    return out


def involvement_text(involvement: pd.DataFrame) -> str:
    """Share (%) of won and lost deals with each seat involved, one line per seat."""
    inv = involvement.pivot(index="seat", columns="outcome", values="share").reindex(involvement["seat"].unique())
    return (inv * 100).round(1).rename(columns=lambda c: f"{c} deals (%)").to_string()
