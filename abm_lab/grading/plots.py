"""Figures, tables and the executive summary of notebook 02 (built from a :class:`GradingResult`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config.grading import TIER_NAMES
from .exports import LINKEDIN_MIN_ROWS
from .tiers import TIER_LABEL
from .workflow import GradingResult

__all__ = [
    "executive_summary",
    "format_rates",
    "format_plan",
    "format_clusters",
    "format_value_by_grade",
    "tier_grade_table",
    "plot_grade_rates",
    "exports_table",
]

_ERR = "#555555"
_BAR_WIDTH = 0.38


def executive_summary(gr: GradingResult, currency: str = "USD") -> str:
    """3–5 sentences of Markdown with the key numbers of notebook 02, built from the results."""
    from ..style import fmt_money

    s = gr.headline(currency)
    r = gr.rates.set_index("grade")
    tiers = s["tiers"]
    tg = ", ".join(gr.params.target_grades)
    out = [
        f"**{s['target_accounts']:,} target accounts** (grades {tg}"
        f"{', customers excluded' if gr.params.exclude_customers else ''}) out of {s['accounts']:,}, "
        f"graded on the {s['score_source']}."
    ]
    graded = r[r["accounts"] > 0]
    best, worst = graded.index[0], graded.index[-1]
    if graded["non_customers"].sum() == 0:
        out.append(
            "Every account is already a customer, so neither the customer rate nor the opportunity rate can "
            "validate the grades: they only rank accounts by resemblance to the profile."
        )
    else:
        out.append(
            f"Grade {best}: {r.loc[best, 'customer_rate']:.0%} of accounts are already customers against "
            f"{r.loc[worst, 'customer_rate']:.0%} in grade {worst}, and {r.loc[best, 'opportunity_rate']:.0%} of "
            f"grade-{best} prospects had an opportunity before the programme started against "
            f"{r.loc[worst, 'opportunity_rate']:.0%} in "
            f"{worst} (customer rate falls at every grade: {'yes' if s['monotone_customer_rate'] else 'no'})."
        )
    out.append(
        f"Tiers: {tiers['strategic']} strategic 1:1, {tiers['abm_lite']} ABM-lite 1:few in "
        f"{gr.clusters['cluster'].nunique()} clusters, {tiers['programmatic']} programmatic 1:many, for a "
        f"budget of {fmt_money(s['budget_per_quarter'])} per quarter ({currency})."
    )
    li = f"LinkedIn company list: {s['linkedin_rows']:,} companies"
    li += f", below LinkedIn's minimum of {LINKEDIN_MIN_ROWS}." if s["linkedin_below_minimum"] else "."
    out.append(
        "Exports for CRM import (`target_accounts.csv`) and LinkedIn Matched Audiences are in the run folder. " + li
    )
    out += [n for n in gr.notes if not n.startswith("The LinkedIn company list")]
    return " ".join(out)


def format_rates(rates: pd.DataFrame) -> pd.DataFrame:
    """Grade table for display (rates as percentages with 95% intervals)."""

    def pct(a: pd.Series, lo: pd.Series, hi: pd.Series) -> list[str]:
        return [("–" if x != x else f"{x:.1%} ({lo_:.1%}–{hi_:.1%})") for x, lo_, hi_ in zip(a, lo, hi, strict=False)]

    return pd.DataFrame(
        {
            "grade": rates["grade"],
            "fit score": [
                ("–" if a != a else f"{a:.0f}–{b:.0f}")
                for a, b in zip(rates["min_score"], rates["max_score"], strict=False)
            ],
            "accounts": rates["accounts"],
            "customers": rates["customers"],
            "customer rate (95% CI)": pct(rates["customer_rate"], rates["customer_rate_lo"], rates["customer_rate_hi"]),
            "prospects": rates["non_customers"],
            "with opportunity": rates["with_opportunity"],
            "opportunity rate (95% CI)": pct(
                rates["opportunity_rate"], rates["opportunity_rate_lo"], rates["opportunity_rate_hi"]
            ),
            "targets": rates["targets"],
        }
    )


def format_plan(plan: pd.DataFrame) -> pd.DataFrame:
    """Orchestration plan with money formatted."""
    from ..style import fmt_money

    out = plan.copy()
    for c in out.columns:
        if c.startswith("budget"):
            out[c] = [("" if x != x else fmt_money(x)) for x in out[c]]
    return out


def format_clusters(clusters: pd.DataFrame) -> pd.DataFrame:
    """ABM-lite clusters for display: mean score rounded, combined potential value as money."""
    from ..style import fmt_money

    return clusters.assign(
        mean_score=clusters["mean_score"].round(1), potential_value=clusters["potential_value"].map(fmt_money)
    )


def format_value_by_grade(value_by_grade: pd.DataFrame) -> pd.DataFrame:
    """Won revenue per account by grade (Maven CRM check) with money formatted."""
    from ..style import fmt_money

    return value_by_grade.assign(won_revenue_per_account=value_by_grade["won_revenue_per_account"].map(fmt_money))


def tier_grade_table(grades: pd.DataFrame) -> pd.DataFrame:
    """Target accounts by tier (rows) and grade (columns)."""
    t = grades[grades["is_target"]]
    if t.empty:
        return pd.DataFrame({"accounts": [0]}, index=pd.Index(["Total"], name="tier"))
    ct = pd.crosstab(t["tier"].map(TIER_LABEL), t["grade"], margins=True, margins_name="Total")
    order = [TIER_LABEL[x] for x in TIER_NAMES if TIER_LABEL[x] in ct.index] + ["Total"]
    return ct.loc[order]


def plot_grade_rates(rates: pd.DataFrame) -> Any:
    """Customer rate and prospects' opportunity rate per grade, with 95% intervals."""
    import matplotlib.pyplot as plt

    from ..style import PALETTE

    fig, ax = plt.subplots()
    x = np.arange(len(rates))
    w = _BAR_WIDTH
    for i, (col, lab) in enumerate(
        [
            ("customer_rate", "Customer rate (all accounts)"),
            ("opportunity_rate", "Opportunity rate before the programme (prospects then)"),
        ]
    ):
        v = rates[col].to_numpy(float) * 100
        err = np.vstack([v - rates[f"{col}_lo"].to_numpy(float) * 100, rates[f"{col}_hi"].to_numpy(float) * 100 - v])
        err = np.nan_to_num(np.clip(err, 0, None))
        ax.bar(x + (i - 0.5) * w, v, w, yerr=err, label=lab, color=PALETTE[i], capsize=2, ecolor=_ERR)
    ax.set_xticks(x)
    ax.set_xticklabels(rates["grade"])
    ax.set_xlabel("Grade (A = best fit)")
    ax.set_ylabel("Share of accounts in grade (%)")
    ax.set_title("Customer and opportunity rate by grade")
    ax.legend()
    return fig


def exports_table(paths: Mapping[str, Path]) -> pd.DataFrame:
    """Rows and columns of each export file (names only, no folders)."""
    rows = []
    for pth in paths.values():
        df = pd.read_parquet(pth) if str(pth).endswith(".parquet") else pd.read_csv(pth, nrows=None)
        rows.append({"file": Path(pth).name, "rows": len(df), "columns": ", ".join(df.columns)})
    return pd.DataFrame(rows)


def grade_checks_text(headline: Mapping[str, Any]) -> str:
    """The grade sanity checks as Markdown sentences: accounts per grade and whether the customer rate and the
    prospects' opportunity rate fall from the best grade to the worst (from :meth:`GradingResult.headline`)."""
    counts = headline["grade_counts"]
    grades = list(counts)
    span = f"{grades[0]} to {grades[-1]}" if grades else "best to worst"
    per = " · ".join(f"{g}: {int(n):,}" for g, n in counts.items())

    def falls(ok: bool | None) -> str:
        if ok is None:
            return "cannot be checked (no opportunity predates the programme)"
        return f"falls from grade {span}" if ok else f"does **not** fall steadily from grade {span}"

    return (
        f"**Accounts per grade:** {per}.\n\n"
        f"The customer rate {falls(headline['monotone_customer_rate'])}; the prospects' opportunity rate before "
        f"the programme {falls(headline['monotone_opportunity_rate'])}."
    )
