"""Deal velocity by survival analysis: open deals (and accounts without an opportunity yet) are right-censored.

* :func:`close_durations` – opportunity → close, days (open deals censored at ``as_of``).
* :func:`opp_durations` – an account's first touch → its first opportunity, days.
* :func:`estimate_velocity` – Kaplan–Meier medians per group with 95% intervals and a Cox model
  (:class:`VelocityResult`).
* :func:`pipeline_velocity` / :func:`window_pipeline_velocity` – opportunities × win rate × deal size / cycle
  days (USD per day).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..results import Results, Summary

#: Two-sided 95% normal quantile of the Cox hazard-ratio intervals.
Z95 = 1.959964
#: Fewer events than this: no Cox model (too little to estimate hazard ratios).
MIN_COX_EVENTS = 5
#: Numerical warnings statsmodels raises on degenerate survival curves (log of 0 in the interval arithmetic).
_NUMERIC = "(divide by zero|invalid value|overflow) encountered"


@dataclass
class VelocityResult(Results):
    """Kaplan–Meier curves / medians per group and a Cox model (durations in days)."""

    what: str
    medians: pd.DataFrame  # group -> n, events, censored, median_days, ci_low, ci_high
    curves: dict[str, pd.DataFrame] = field(default_factory=dict)  # group -> days, survival
    cox: pd.DataFrame | None = None  # term -> hazard_ratio, ci_low, ci_high, p_value
    data: pd.DataFrame | None = None  # durations, event, group (and covariates)

    def median(self, group: str | None = None) -> float:
        g = group if group is not None else self.medians.index[0]
        return float(self.medians.loc[g, "median_days"])

    def summary(self) -> Summary:
        """Medians with their 95% intervals per group and, when fitted, the Cox hazard ratios with theirs."""
        s = Summary(f"Velocity: {self.what} (Kaplan–Meier; open items right-censored)")
        s.add_table(self.medians.round(1), "Median days (95% interval: ci_low, ci_high)")
        if self.cox is not None and len(self.cox):
            s.add_table(self.cox.round(3), "Cox proportional hazards (hazard ratio > 1 = faster)")
        return s


def _km(durations: np.ndarray, events: np.ndarray) -> tuple[float, float, float, pd.DataFrame]:
    from statsmodels.duration.survfunc import SurvfuncRight

    with warnings.catch_warnings():
        # open-ended intervals (survival never below 0.5) take log(0) inside statsmodels: the bound is NaN
        warnings.filterwarnings("ignore", category=RuntimeWarning, message=_NUMERIC)
        sf = SurvfuncRight(durations, events)
        med = float(sf.quantile(0.5)) if events.any() else np.nan
        try:
            lo, hi = sf.quantile_ci(0.5)
        except Exception:  # pragma: no cover - too few events for an interval
            lo, hi = np.nan, np.nan
    curve = pd.DataFrame({"days": np.r_[0.0, sf.surv_times], "survival": np.r_[1.0, sf.surv_prob]})
    return _finite(med), _finite(lo), _finite(hi), curve


def _finite(v: Any) -> float:
    return float(v) if v is not None and np.isfinite(v) else np.nan


def estimate_velocity(
    durations: pd.DataFrame, group: str | None = None, covariates: Sequence[str] = (), what: str = "days"
) -> VelocityResult:
    """Kaplan–Meier medians per group and a Cox PH model.

    ``durations`` has columns ``days`` (≥ 0) and ``event`` (bool; False = censored), plus
    ``group`` and numeric / bool ``covariates``. The Cox model uses the covariates and,
    when ``group`` is given, indicator columns for its levels (first level = reference).
    """
    d = durations.loc[durations["days"].notna()].copy()
    d["days"] = d["days"].astype(float).clip(lower=0.0)
    d["event"] = d["event"].astype(bool)
    if group is not None:
        d[group] = d[group].astype("string").fillna("unknown")
    groups = {"all": d} if group is None else {str(k): v for k, v in d.groupby(group, sort=True)}
    rows, curves = [], {}
    for g, dd in groups.items():
        if len(dd) == 0:
            continue
        med, lo, hi, curve = _km(dd["days"].to_numpy(), dd["event"].to_numpy())
        curves[g] = curve
        rows.append(
            {
                "group": g,
                "n": len(dd),
                "events": int(dd["event"].sum()),
                "censored": int((~dd["event"]).sum()),
                "median_days": med,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    cols = ["n", "events", "censored", "median_days", "ci_low", "ci_high"]
    medians = pd.DataFrame(rows, columns=["group", *cols]).set_index("group")
    cox = _cox(d, group, covariates) if len(d) else None
    return VelocityResult(what, medians, curves, cox, d)


def _cox(d: pd.DataFrame, group: str | None, covariates: Sequence[str]) -> pd.DataFrame | None:
    from statsmodels.duration.hazard_regression import PHReg

    X = pd.DataFrame(index=d.index)
    for c in covariates:
        X[c] = d[c].astype(float)
    if group is not None:
        levels = sorted(d[group].astype(str).unique())
        for lv in levels[1:]:
            X[f"{group}={lv}"] = (d[group].astype(str) == lv).astype(float)
    X = X.loc[:, X.std() > 0] if len(X.columns) else X
    if X.shape[1] == 0 or d["event"].sum() < MIN_COX_EVENTS:
        return None
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    with warnings.catch_warnings():
        # near-separated designs: the optimiser's numerical warnings; the hazard ratio's interval shows it
        warnings.filterwarnings("ignore", category=RuntimeWarning, message=_NUMERIC)
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        warnings.filterwarnings("ignore", category=HessianInversionWarning)
        try:
            res = PHReg(
                d["days"].to_numpy(float), X.to_numpy(float), status=d["event"].to_numpy(int), ties="breslow"
            ).fit()
        except Exception:  # pragma: no cover - singular design
            return None
    params, bse = np.asarray(res.params), np.asarray(res.bse)
    return pd.DataFrame(
        {
            "hazard_ratio": np.exp(params),
            "ci_low": np.exp(params - Z95 * bse),
            "ci_high": np.exp(params + Z95 * bse),
            "p_value": np.asarray(res.pvalues),
        },
        index=pd.Index(X.columns, name="term"),
    )


def close_durations(
    opportunities: pd.DataFrame, as_of: object, segments: pd.DataFrame | None = None, since: object = None
) -> pd.DataFrame:
    """Opportunity → close: days from creation to close (event) or to ``as_of`` (open, censored).

    Opportunities without a created date are left out (counted in ``attrs['no_date']``);
    ``since`` keeps those created on or after a date.
    """
    as_of = pd.Timestamp(as_of)
    o = opportunities.copy()
    if segments is not None:
        extra = [c for c in segments.columns if c not in o.columns or c == "account_id"]
        o = o.merge(segments[extra], on="account_id", how="left")
    no_date = int(o["created_date"].isna().sum())
    o = o.loc[o["created_date"].notna()]
    if since is not None:
        o = o.loc[o["created_date"] >= pd.Timestamp(since)]
    closed = o["is_closed"].astype(bool) & o["close_date"].notna()
    end = o["close_date"].where(closed, as_of)
    o["days"] = (end - o["created_date"]).dt.days.astype(float)
    o["event"] = closed.to_numpy(bool)
    o["log_amount"] = np.log1p(o["amount"].astype(float).fillna(0.0))
    o.attrs["no_date"] = no_date
    return o


def opp_durations(
    accounts: pd.DataFrame,
    touchpoints: pd.DataFrame,
    opportunities: pd.DataFrame,
    as_of: object,
    since: object = None,
) -> pd.DataFrame:
    """First touch → opportunity: per account with touches, days from its first touch (on or after
    ``since``) to its first opportunity created after that touch (event), else to ``as_of`` (censored).
    """
    as_of = pd.Timestamp(as_of)
    tp = touchpoints.loc[touchpoints["account_id"].notna()]
    if since is not None:
        tp = tp.loc[tp["timestamp"] >= pd.Timestamp(since)]
    first = tp.groupby("account_id")["timestamp"].min().dt.normalize().rename("first_touch")
    o = opportunities.loc[
        opportunities["account_id"].notna() & opportunities["created_date"].notna(), ["account_id", "created_date"]
    ]
    m = o.merge(first, left_on="account_id", right_index=True)
    m = m.loc[m["created_date"] >= m["first_touch"]]
    first_opp = m.groupby("account_id")["created_date"].min()
    d = first.to_frame().reset_index()
    d["first_opp"] = d["account_id"].map(first_opp)
    d["event"] = d["first_opp"].notna().to_numpy(bool)
    d["days"] = (d["first_opp"].fillna(as_of) - d["first_touch"]).dt.days.astype(float)
    return d.merge(accounts, on="account_id", how="left")


def pipeline_velocity(n_opps: float, win_rate: float, avg_deal_size: float, cycle_days: float) -> float:
    """Pipeline velocity (USD per day) = opportunities × win rate × deal size / sales-cycle days."""
    if not cycle_days or not np.isfinite(cycle_days) or cycle_days <= 0:
        return np.nan
    return float(n_opps) * float(win_rate) * float(avg_deal_size) / float(cycle_days)


def window_pipeline_velocity(actuals: dict[str, float], close: VelocityResult, group: str = "ABM") -> float:
    """:func:`pipeline_velocity` of a window's actuals (opportunities, win rate, deal size) over the median
    opportunity → close days of ``group`` (all deals when the group is absent)."""
    cycle = close.median(group) if group in close.medians.index else close.median()
    return pipeline_velocity(actuals["opportunities"], actuals["win_rate"], actuals["avg_deal_size"], cycle)
