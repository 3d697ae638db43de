"""What the lift estimators return: :class:`LiftResult`, one row per outcome and method with its intervals.

Outcomes and units: ``opp_rate`` (new opportunities per account in the post period), ``pipeline`` (USD
created per account), ``won_revenue`` (USD won per account, deals closed by ``as_of``), ``win_rate`` (share
of closed deals won; effect in absolute points) and ``deal_size`` (USD per won deal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ...results import Results, Summary
from .data import LiftData

#: Outcome → (readable name, unit, whether its headline effect is "relative" or "absolute").
OUTCOMES = {
    "opp_rate": ("Opportunity rate", "opportunities per account", "relative"),
    "pipeline": ("Pipeline per account", "USD per account", "relative"),
    "won_revenue": ("Won revenue per account", "USD per account", "relative"),
    "win_rate": ("Win rate", "share of closed deals", "absolute"),
    "deal_size": ("Deal size", "USD per won deal", "relative"),
}
#: Estimator → readable name.
METHODS = {
    "naive": "Naive (targets vs all others) — biased",
    "ra_ipw": "Regression adjustment + propensity weights",
    "did": "Difference-in-differences (account FE, clustered SE)",
}


@dataclass
class LiftResult(Results):
    """Effects of the program on the targets, per outcome and method, with intervals and ROI.

    ``table``: one row per (outcome, method) with estimate, se, ci_low / ci_high (absolute effect per target
    account), relative, rel_low / rel_high (relative to the targets' counterfactual), p_value, the targets'
    observed and counterfactual means and the counts. ``roi``: :func:`abm_lab.roi.economics.program_roi`.
    """

    table: pd.DataFrame
    roi: dict[str, Any]
    level: float
    data: LiftData | None = None

    def get(self, outcome: str, method: str) -> pd.Series:
        return self.table.loc[(outcome, method)]

    def summary(self) -> Summary:
        """Effects with their intervals (statsmodels style), and ROI with its interval when computed."""
        pct = int(round(self.level * 100))
        lo, hi = (1 - self.level) / 2, 1 - (1 - self.level) / 2
        t = self.table
        est = pd.DataFrame(
            {
                "effect": t["estimate"],
                "std err": t["se"],
                "P>|z|": t["p_value"],
                f"[{lo:.3f}": t["ci_low"],
                f"{hi:.3f}]": t["ci_high"],
                "relative": t["relative"],
                f"rel [{lo:.3f}": t["rel_low"],
                f"rel {hi:.3f}]": t["rel_high"],
                "n_treated": t["n_treated"],
                "n_control": t["n_control"],
            },
            index=t.index,
        )
        s = Summary(f"ABM program lift on targets (ATT), {pct}% intervals")
        s.add_table(est, "Effect per target account (win rate: absolute share; others: outcome unit)")
        if self.roi:
            r = self.roi
            roi = pd.DataFrame(
                {
                    "estimate": [r["roi"], r["incremental_revenue"]],
                    f"[{lo:.3f}": [r["roi_low"], r["incremental_revenue_low"]],
                    f"{hi:.3f}]": [r["roi_high"], r["incremental_revenue_high"]],
                },
                index=pd.Index(["roi", "incremental_revenue"], name=f"ROI ({r['method']})"),
            )
            s.add_table(roi, "ROI and incremental won revenue (USD)")
            s.add_note(f"cost {r['cost']:,.0f}; incremental gross profit {r['gross_profit']:,.0f}")
        s.add_note("naive comparison is biased (targets were selected by fit)")
        return s
