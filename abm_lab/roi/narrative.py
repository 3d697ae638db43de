"""The leadership paragraph of notebook 05: what ABM added (with intervals) and what it cost. Generated, not typed."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..style import fmt_money, fmt_pct
from .lift import LiftResult


def leadership_summary(result: LiftResult | None, actuals: dict[str, Any], currency: str = "$") -> str:
    """Markdown paragraph for leaders: what ABM added (with intervals) and what it cost. Generated, not typed."""
    if result is None:
        txt = "No ABM program in the `programs` table, so incremental lift and ROI are not estimated for this data. "
        if actuals:
            txt += (
                f"In the reporting window: {actuals.get('opportunities', 0):,.0f} opportunities created "
                f"({fmt_money(actuals.get('pipeline'), currency)} pipeline), win rate "
                f"{fmt_pct(actuals.get('win_rate'))}, average won deal "
                f"{fmt_money(actuals.get('avg_deal_size'), currency)}, "
                f"won revenue {fmt_money(actuals.get('revenue'), currency)}."
            )
        return txt
    r = result.roi
    t = result.table
    m = r.get("method", "did")
    pct = int(round(result.level * 100))
    opp = t.loc[("opp_rate", m)]
    win = t.loc[("win_rate", m)] if ("win_rate", m) in t.index else None
    naive = t.loc[("opp_rate", "naive")] if ("opp_rate", "naive") in t.index else None
    n_t = r["n_targets"]
    sig = "a clear" if opp["rel_low"] > 0 else ("no clear" if opp["rel_high"] > 0 else "a negative")
    parts = [
        f"**What ABM added.** Across {n_t:,} target accounts the program shows {sig} lift in new opportunities: "
        f"{fmt_pct(opp['relative'], 0)} ({pct}% CI {fmt_pct(opp['rel_low'], 0)} to {fmt_pct(opp['rel_high'], 0)}), "
        f"about {opp['estimate'] * n_t:,.0f} extra opportunities. Incremental pipeline "
        f"{fmt_money(r.get('incremental_pipeline', np.nan), currency)} ({pct}% CI "
        f"{fmt_money(r.get('incremental_pipeline_low', np.nan), currency)} to "
        f"{fmt_money(r.get('incremental_pipeline_high', np.nan), currency)}); incremental won revenue so far "
        f"{fmt_money(r['incremental_revenue'], currency)} ({fmt_money(r['incremental_revenue_low'], currency)} to "
        f"{fmt_money(r['incremental_revenue_high'], currency)})."
    ]
    if win is not None:
        parts.append(
            f"Win rate on target deals moved {win['estimate'] * 100:+.1f} points "
            f"({win['ci_low'] * 100:+.1f} to {win['ci_high'] * 100:+.1f})."
        )
    parts.append(
        f"**What it cost.** {fmt_money(r['cost'], currency)} of program spend; at a "
        f"{fmt_pct(r['gross_margin'], 0)} gross margin the ROI is {fmt_pct(r['roi'], 0)} ({pct}% CI "
        f"{fmt_pct(r['roi_low'], 0)} to {fmt_pct(r['roi_high'], 0)}), counting only revenue already won."
    )
    if naive is not None:
        parts.append(
            f"A naive targets-vs-rest comparison would claim {fmt_pct(naive['relative'], 0)} more "
            "opportunities; it is biased because targets were chosen for their fit."
        )
    if actuals and np.isfinite(actuals.get("engaged_accounts", np.nan)):
        parts.append(
            f"In the reporting window: {actuals.get('engaged_accounts', 0):,.0f} engaged accounts, "
            f"{actuals.get('mqas', 0):,.0f} MQAs, {fmt_money(actuals.get('pipeline'), currency)} pipeline "
            f"created, win rate {fmt_pct(actuals.get('win_rate'))}."
        )
    return " ".join(parts)
