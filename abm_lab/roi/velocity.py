"""Deal velocity by survival analysis: open deals (and accounts without an opportunity yet) are right-censored.

* :func:`close_durations` – opportunity → close, days (open deals censored at ``as_of``).
* :func:`opp_durations` – an account's first touch → its first opportunity, days.
* :func:`estimate_velocity` – Kaplan–Meier medians per group with 95% intervals and a Cox model
  (:class:`VelocityResult`); each result states its clock (what starts and stops it) in ``clock``.
* :func:`compare_abm` – ABM vs other accounts, adjusted for fit (fit-score covariate or strata by grade) or
  labelled descriptive (:class:`AbmComparison`: ``adjusted``, ``label``).
* :func:`pipeline_velocity_of` – opportunities × win rate × deal size / cycle days (USD per day), all four
  factors from one stated population of opportunities (:class:`PipelineVelocity`).
* Won and lost as competing outcomes (Aalen–Johansen): :mod:`abm_lab.roi.competing`.
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
    clock: str = ""  # plain sentence: what starts and what stops the clock (shown on the page)

    def median(self, group: str | None = None) -> float:
        g = group if group is not None else self.medians.index[0]
        return float(self.medians.loc[g, "median_days"])

    def summary(self) -> Summary:
        """Medians with their 95% intervals per group and, when fitted, the Cox hazard ratios with theirs."""
        s = Summary(f"Velocity: {self.what} (Kaplan–Meier; open items right-censored)")
        s.add_table(self.medians.round(1), "Median days (95% interval: ci_low, ci_high)")
        if self.cox is not None and len(self.cox):
            s.add_table(self.cox.round(3), "Cox proportional hazards (hazard ratio > 1 = faster)")
        if self.clock:
            s.add_note(self.clock)
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
    durations: pd.DataFrame,
    group: str | None = None,
    covariates: Sequence[str] = (),
    what: str = "days",
    clock: str | None = None,
) -> VelocityResult:
    """Kaplan–Meier medians per group and a Cox PH model.

    ``durations`` has columns ``days`` (≥ 0) and ``event`` (bool; False = censored), plus
    ``group`` and numeric / bool ``covariates``. The Cox model uses the covariates and,
    when ``group`` is given, indicator columns for its levels (first level = reference).
    ``clock`` (default: ``durations.attrs["clock"]``, set by :func:`close_durations` / :func:`opp_durations`)
    is the sentence saying what starts and stops the clock.
    """
    clock = str(durations.attrs.get("clock", "")) if clock is None else clock
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
    return VelocityResult(what, medians, curves, cox, d, clock)


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


@dataclass
class AbmComparison(Results):
    """ABM vs other accounts on one clock: the raw hazard ratio and, when fit is known, the fit-adjusted one.

    ``adjusted`` says whether the comparison is adjusted for fit; ``label`` is the sentence the page prints
    (what the difference may be read as). ``table`` rows ``raw`` / ``adjusted``: hazard_ratio of ABM vs
    non-ABM (> 1 = faster), ci_low, ci_high, p_value, n, events.
    """

    what: str
    clock: str
    adjusted: bool
    label: str
    method: str
    table: pd.DataFrame

    def hazard_ratio(self, which: str = "adjusted") -> float:
        row = which if which in self.table.index else "raw"
        return float(self.table.loc[row, "hazard_ratio"])

    def summary(self) -> Summary:
        s = Summary(f"ABM vs non-ABM: {self.what} ({'fit-adjusted' if self.adjusted else 'descriptive'})")
        s.add_table(self.table.round(3), "Hazard ratio of ABM vs non-ABM accounts (> 1 = faster; 95% interval)")
        s.add_note(self.label)
        if self.clock:
            s.add_note(self.clock)
        return s


def compare_abm(
    durations: pd.DataFrame,
    fit: str | None = "grade",
    event: str = "event",
    group: str = "abm",
    treated: str = "ABM",
    what: str = "days",
) -> AbmComparison:
    """ABM vs non-ABM hazard ratio, raw and adjusted for fit.

    ABM accounts are chosen for their fit, and high-fit accounts buy faster anyway, so the raw difference mixes
    the programme with fit. ``fit`` names a column of ``durations``: numeric (e.g. ``fit_score``) enters a Cox
    model as a covariate; categorical (e.g. ``grade``) stratifies the Cox model (ABM compared with non-ABM
    within each grade). Rows with a missing fit value are left out of the adjusted model. Without a usable fit
    column (absent, all missing, one value) the result is labelled descriptive (``adjusted=False``).
    ``event`` names the event column: ``"won"`` on :func:`close_durations` is the hazard of winning (lost and
    open deals leave the risk set; the cause-specific hazard of the competing-outcome view).
    """
    d = durations.loc[durations["days"].notna()].copy()
    d["days"] = d["days"].astype(float).clip(lower=0.0)
    d["_ev"] = d[event].fillna(False).astype(bool)
    d["_x"] = (d[group].astype("string") == treated).fillna(False).astype(float)
    clock = str(durations.attrs.get("clock", ""))
    cols = ["hazard_ratio", "ci_low", "ci_high", "p_value", "n", "events"]
    rows = {"raw": _abm_cox(d, None, None)}
    method, how = "none", ""
    if fit is not None and fit in d.columns and d[fit].notna().any():
        numeric = pd.api.types.is_numeric_dtype(d[fit]) and not pd.api.types.is_bool_dtype(d[fit])
        f = d.loc[d[fit].notna()]
        if f[fit].nunique() > 1:
            if numeric:
                rows["adjusted"] = _abm_cox(f, f[fit].astype(float).to_numpy(), None)
                method, how = f"cox + {fit}", f"a Cox model with the account's {fit} as covariate"
            else:
                rows["adjusted"] = _abm_cox(f, None, f[fit].astype(str).to_numpy())
                method, how = f"cox stratified by {fit}", f"a Cox model stratified by {fit} (like compared with like)"
    adjusted = "adjusted" in rows and np.isfinite(rows["adjusted"]["hazard_ratio"])
    if adjusted:
        label = (
            f"Fit-adjusted: ABM vs non-ABM compared with {how}. ABM accounts were chosen for fit; the adjusted "
            "hazard ratio removes the part of the difference that fit explains (not other selection)."
        )
    else:
        rows.pop("adjusted", None)
        label = (
            "Descriptive: ABM vs non-ABM is not adjusted for fit. ABM accounts were chosen for their fit, so this "
            "difference mixes the programme with fit and is not the programme's effect."
        )
    table = pd.DataFrame.from_dict(rows, orient="index")[cols]
    table.index.name = "comparison"
    return AbmComparison(what, clock, adjusted, label, method, table)


def _abm_cox(d: pd.DataFrame, covariate: np.ndarray | None, strata: np.ndarray | None) -> dict[str, float]:
    """Cox hazard ratio of the ``_x`` indicator (optionally with one covariate, or stratified)."""
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    out = {"hazard_ratio": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
    out |= {"n": float(len(d)), "events": float(d["_ev"].sum())}
    X = d[["_x"]].to_numpy(float)
    if covariate is not None:
        X = np.column_stack([X, covariate])
    if d["_ev"].sum() < MIN_COX_EVENTS or d["_x"].nunique() < 2:
        return out
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning, message=_NUMERIC)
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        warnings.filterwarnings("ignore", category=HessianInversionWarning)
        try:
            res = PHReg(
                d["days"].to_numpy(float), X, status=d["_ev"].to_numpy(int), strata=strata, ties="breslow"
            ).fit()
        except Exception:  # pragma: no cover - singular design
            return out
    b, se = float(np.asarray(res.params)[0]), float(np.asarray(res.bse)[0])
    if not (np.isfinite(b) and np.isfinite(se)):
        return out
    p = float(np.asarray(res.pvalues)[0])
    return out | {
        "hazard_ratio": np.exp(b),
        "ci_low": np.exp(b - Z95 * se),
        "ci_high": np.exp(b + Z95 * se),
        "p_value": p,
    }


def close_durations(
    opportunities: pd.DataFrame, as_of: object, segments: pd.DataFrame | None = None, since: object = None
) -> pd.DataFrame:
    """Opportunity → close: days from creation to close (event) or to ``as_of`` (open, censored).

    Adds ``days``, ``event`` (closed), ``outcome`` ("won" / "lost" / "open": the competing outcomes of
    :mod:`abm_lab.roi.competing`), ``won`` (bool) and ``log_amount``. Opportunities without a created date
    are left out (counted in ``attrs['no_date']``); ``since`` keeps those created on or after a date.
    ``attrs['clock']`` states the clock.
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
    won = closed.to_numpy(bool) & o["is_won"].fillna(False).astype(bool).to_numpy()
    o["won"] = won
    o["outcome"] = np.where(won, "won", np.where(closed.to_numpy(bool), "lost", "open"))
    o["log_amount"] = np.log1p(o["amount"].astype(float).fillna(0.0))
    o.attrs["no_date"] = no_date
    o.attrs["clock"] = close_clock(as_of, since)
    return o


def close_clock(as_of: object, since: object = None) -> str:
    """The sentence stating the opportunity → close clock."""
    cohort = f" (opportunities created on or after {pd.Timestamp(since).date()})" if since is not None else ""
    return (
        f"Clock: days from the opportunity's created date to its close date{cohort}; deals still open on "
        f"{pd.Timestamp(as_of).date()} are counted to that day and censored. Won and lost are competing outcomes."
    )


def open_clock(as_of: object, since: object = None) -> str:
    """The sentence stating the first touch → opportunity clock."""
    start = (
        f"the account's first touch on or after {pd.Timestamp(since).date()} (earlier touches do not start it)"
        if since is not None
        else "the account's first recorded touch"
    )
    return (
        f"Clock: days from {start} to the account's first opportunity created on or after that day; accounts "
        f"without one by {pd.Timestamp(as_of).date()} are counted to that day and censored."
    )


def opp_durations(
    accounts: pd.DataFrame,
    touchpoints: pd.DataFrame,
    opportunities: pd.DataFrame,
    as_of: object,
    since: object = None,
) -> pd.DataFrame:
    """First touch → opportunity: per account with touches, days from its first touch (on or after
    ``since``) to its first opportunity created after that touch (event), else to ``as_of`` (censored).
    ``attrs['clock']`` states the clock.
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
    out = d.merge(accounts, on="account_id", how="left")
    out.attrs["clock"] = open_clock(as_of, since)
    return out


def pipeline_velocity(n_opps: float, win_rate: float, avg_deal_size: float, cycle_days: float) -> float:
    """Pipeline velocity (USD per day) = opportunities × win rate × deal size / sales-cycle days."""
    if not cycle_days or not np.isfinite(cycle_days) or cycle_days <= 0:
        return np.nan
    return float(n_opps) * float(win_rate) * float(avg_deal_size) / float(cycle_days)


def window_pipeline_velocity(actuals: dict[str, float], close: VelocityResult, group: str = "ABM") -> float:
    """:func:`pipeline_velocity` of a window's actuals (opportunities, win rate, deal size) over the median
    opportunity → close days of ``group`` (all deals when the group is absent).

    Kept for old notebooks: it MIXES populations (opportunities created in the window, win rate and deal size of
    deals closed in it, cycle of every deal since ``since``); use :func:`abm_lab.roi.competing.pipeline_velocity_of`,
    whose four factors come from one stated population."""
    cycle = close.median(group) if group in close.medians.index else close.median()
    return pipeline_velocity(actuals["opportunities"], actuals["win_rate"], actuals["avg_deal_size"], cycle)
