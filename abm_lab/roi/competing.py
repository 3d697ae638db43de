"""Won and lost as competing outcomes of a deal: Aalen–Johansen cumulative incidence (CIF).

A deal ends won or lost; a lost deal can never be won. A Kaplan–Meier curve on "won" that treats lost deals
as censored pretends they could still be won later, so ``1 − KM`` overstates P(won by t) – by a lot where
many deals are lost fast. The Aalen–Johansen estimator gives each outcome's cumulative incidence
``F_k(t) = Σ_{t_j ≤ t} S(t_j−) d_kj / n_j`` (``S`` = Kaplan–Meier of "still open", ``n_j`` at risk, ``d_kj``
ended with outcome k at ``t_j``); open deals are right-censored at ``as_of``. Ties (integer days) need no jitter.

* :func:`aalen_johansen` – CIF of every outcome with Greenwood-type (delta-method) variance and log–log intervals.
* :func:`km_ignoring_competing` – ``1 − KM`` with competing outcomes censored (what it would overstate).
* :func:`deal_outcomes` – CIF of won and lost per group (:class:`CompetingResult`): at the horizons, the time by
  which a share of the eventually-won deals are won, and the Kaplan–Meier overstatement.
* :func:`pipeline_velocity_of` – pipeline velocity with all four factors from ONE stated population of
  opportunities (closed in the window, or created in it with won / lost / open counted as above).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config.roi import RoiParams
from ..errors import ABMDataError
from ..results import Results, Summary
from .segments import Window, in_window, parse_window
from .velocity import close_durations, pipeline_velocity

#: Two-sided 95% normal quantile of the CIF intervals.
Z95 = 1.959964
_DEFAULTS = RoiParams()
#: Days at which the CIF of won and lost is reported (default of ``roi.velocity_horizons``).
HORIZONS = tuple(_DEFAULTS.velocity_horizons)
#: Shares of the eventually-won deals: the day by which this share of them are won (``roi.velocity_win_shares``).
WIN_SHARES = tuple(_DEFAULTS.velocity_win_shares)
#: Outcomes of a closed deal, in the order of the CIF columns.
OUTCOMES = ("won", "lost")
#: Population of the pipeline velocity's four factors (default of ``roi.velocity_population``).
PIPELINE_POPULATION = _DEFAULTS.velocity_population
#: The populations :func:`pipeline_velocity_of` knows.
POPULATIONS = ("closed", "created")


def aalen_johansen(days: np.ndarray, outcome: np.ndarray, causes: Sequence[str] = OUTCOMES) -> pd.DataFrame:
    """Aalen–Johansen CIF of each cause at each distinct event time.

    ``outcome`` holds a cause name or anything else (e.g. "open") for censored items. Columns: ``days``,
    ``at_risk``, ``survival`` (still without any outcome), and per cause ``cif_<c>``, ``var_<c>``, ``low_<c>``,
    ``high_<c>`` (95% log–log interval; the Greenwood-type variance of Collett, *Modelling Survival Data in
    Medical Research*, 3rd ed., p. 411). The first row is day 0 with every CIF 0.
    """
    t = np.asarray(days, dtype=float)
    o = np.asarray(outcome, dtype=object)
    if len(t) and (not np.isfinite(t).all() or (t < 0).any()):
        raise ABMDataError("durations: days must be finite and ≥ 0", column="days", reason="bad duration")
    is_event = np.isin(o, list(causes))
    times = np.unique(t[is_event])
    n = len(t) - np.searchsorted(np.sort(t), times, side="left")  # at risk just before each event time
    pos = np.searchsorted(times, t)  # index of each item's time among the event times (where it is one)
    d = {c: np.bincount(pos[is_event & (o == c)], minlength=len(times)).astype(float) for c in causes}
    d_all = sum(d.values(), np.zeros(len(times)))
    n_safe = np.where(n > 0, n, 1).astype(float)
    surv = np.cumprod(1.0 - d_all / n_safe)
    lag = np.r_[1.0, surv[:-1]]
    cols: dict[str, np.ndarray] = {"days": np.r_[0.0, times], "at_risk": np.r_[len(t), n], "survival": np.r_[1.0, surv]}
    # Greenwood part of the overall survival: d / (n (n − d)), 0 where everyone at risk ends (then F(t) − F(t_j) = 0)
    gw = np.where(n > d_all, d_all / (n_safe * np.maximum(n - d_all, 1)), 0.0)
    mask = np.tri(len(times), dtype=bool)  # [row t, col j]: t_j ≤ t
    for c in causes:
        cif = np.cumsum(lag * d[c] / n_safe)
        diff = np.where(mask, cif[:, None] - cif[None, :], 0.0)  # F(t) − F(t_j)
        first = (diff**2 * gw[None, :]).sum(axis=1)
        second = np.cumsum(lag**2 * d[c] * (n - d[c]) / n_safe**3)
        third = (diff * (lag * d[c] / n_safe**2)[None, :]).sum(axis=1)
        var = np.maximum(first + second - 2 * third, 0.0)
        lo, hi = _loglog(cif, var)
        cols |= {f"cif_{c}": np.r_[0.0, cif], f"var_{c}": np.r_[0.0, var]}
        cols |= {f"low_{c}": np.r_[0.0, lo], f"high_{c}": np.r_[0.0, hi]}
    out = pd.DataFrame(cols)
    return out


def _loglog(f: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95% interval of a probability on the log(−log F) scale (stays inside (0, 1)); F = 0 gives [0, 0]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (f > 0) & (f < 1)
        g = np.log(-np.log(np.where(ok, f, 0.5)))
        se = np.sqrt(var) / (np.where(ok, f, 0.5) * np.abs(np.log(np.where(ok, f, 0.5))))
        lo = np.where(ok, np.exp(-np.exp(g + Z95 * se)), f)
        hi = np.where(ok, np.exp(-np.exp(g - Z95 * se)), f)
    return lo, hi


def at(curve: pd.DataFrame, column: str, day: float) -> float:
    """Value of a step curve (``days`` ascending, right-continuous) at ``day``."""
    i = int(np.searchsorted(curve["days"].to_numpy(float), day, side="right")) - 1
    return float(curve[column].iloc[max(i, 0)])


def km_ignoring_competing(days: np.ndarray, outcome: np.ndarray, cause: str = "won") -> pd.DataFrame:
    """``1 − KM`` of ``cause`` with every other outcome treated as censored (columns ``days``, ``km_<cause>``).

    Biased upwards under competing outcomes: a lost deal leaves the risk set as if it could still be won."""
    t = np.asarray(days, dtype=float)
    ev = np.asarray(outcome, dtype=object) == cause
    times = np.unique(t[ev])
    n = len(t) - np.searchsorted(np.sort(t), times, side="left")
    dk = np.bincount(np.searchsorted(times, t[ev]), minlength=len(times)).astype(float)
    s = np.cumprod(1.0 - dk / np.where(n > 0, n, 1))
    return pd.DataFrame({"days": np.r_[0.0, times], f"km_{cause}": np.r_[0.0, 1.0 - s]})


def time_to_share(curve: pd.DataFrame, cause: str, share: float) -> float:
    """First day the CIF of ``cause`` reaches ``share`` of its last value (NaN without any event)."""
    cif = curve[f"cif_{cause}"].to_numpy(float)
    top = cif[-1] if len(cif) else 0.0
    if top <= 0:
        return np.nan
    i = int(np.argmax(cif >= share * top - 1e-12))
    return float(curve["days"].iloc[i])


@dataclass
class CompetingResult(Results):
    """CIF of won and lost per group, at horizons, with the days to a share of eventual wins."""

    what: str
    clock: str  # plain sentence: which clock the days count on
    table: pd.DataFrame  # (group, day) -> n, cif_won, won_low, won_high, cif_lost, lost_low, lost_high, km_won, ...
    time_to_win: pd.DataFrame  # group -> won_by_end, days_<share>, last_day
    curves: dict[str, pd.DataFrame] = field(default_factory=dict)  # group -> aalen_johansen() curve
    data: pd.DataFrame | None = None

    def cif(self, day: float, group: str = "all", cause: str = "won") -> float:
        """CIF of ``cause`` at ``day`` in ``group``."""
        return at(self.curves[group], f"cif_{cause}", day)

    def summary(self) -> Summary:
        s = Summary(f"{self.what}: won and lost as competing outcomes (Aalen–Johansen)")
        s.add_table(self.table.round(3), "Cumulative incidence by day (95% interval); km_won = 1 − KM, lost censored")
        s.add_table(
            self.time_to_win.round({"won_by_end": 3} | {c: 0 for c in self.time_to_win.columns if c != "won_by_end"}),
            "Days by which a share of the eventually-won deals are won (won_by_end = CIF of won at last_day)",
        )
        s.add_note(self.clock)
        s.add_note(
            "km_won treats lost deals as if they could still be won: it overstates P(won by day) by "
            "km_overstates; the Aalen–Johansen CIF does not."
        )
        s.add_note(
            "'Eventually won' = won by the longest follow-up (last_day); deals still open then may still be won."
        )
        return s


#: Prefix / suffix of the per-outcome columns of :attr:`CompetingResult.table`: cif_won, won_low, won_high, ...
_CIF_COLS = (("cif_", ""), ("", "_low"), ("", "_high"))


def deal_outcomes(
    durations: pd.DataFrame,
    group: str | None = None,
    horizons: Sequence[float] = HORIZONS,
    shares: Sequence[float] = WIN_SHARES,
    what: str = "Opportunity to close",
) -> CompetingResult:
    """CIF of won and lost from :func:`abm_lab.roi.velocity.close_durations` (columns ``days``, ``outcome``).

    Per group (``"all"`` first, then each level of ``group``): the CIF of each outcome at ``horizons`` with 95%
    intervals, ``1 − KM`` on won with lost censored and its overstatement, and the day by which each of
    ``shares`` of the eventually-won deals are won.
    """
    if "outcome" not in durations.columns:
        raise ABMDataError(
            "durations: no 'outcome' column (won / lost / open); build it with close_durations",
            column="outcome",
            reason="missing column",
        )
    d = durations.loc[durations["days"].notna()].copy()
    d["days"] = d["days"].astype(float).clip(lower=0.0)
    groups: dict[str, pd.DataFrame] = {"all": d}
    if group is not None:
        groups |= {str(k): v for k, v in d.groupby(d[group].astype("string").fillna("unknown"), sort=True)}
    rows, ttw, curves = [], [], {}
    for g, dd in groups.items():
        if not len(dd):
            continue
        t, o = dd["days"].to_numpy(float), dd["outcome"].astype(str).to_numpy(object)
        curve = aalen_johansen(t, o)
        km = km_ignoring_competing(t, o)
        curves[g] = curve
        for h in horizons:
            r: dict[str, object] = {"group": g, "day": h, "n": len(dd), "at_risk": int((t >= h).sum())}
            for c in OUTCOMES:
                r |= {f"cif_{c}": at(curve, f"cif_{c}", h), f"{c}_low": at(curve, f"low_{c}", h)}
                r[f"{c}_high"] = at(curve, f"high_{c}", h)
            km_won = at(km, "km_won", h)
            r |= {"km_won": km_won, "km_overstates": km_won - at(curve, "cif_won", h)}
            rows.append(r)
        tw = {"group": g, "won_by_end": float(curve["cif_won"].iloc[-1]), "last_day": float(t.max())}
        tw |= {f"days_{round(100 * q)}pct": time_to_share(curve, "won", q) for q in shares}
        ttw.append(tw)
    cols = ["group", "day", "n", "at_risk"] + [f"{p}{c}{q}" for c in OUTCOMES for p, q in _CIF_COLS]
    table = pd.DataFrame(rows, columns=[*cols, "km_won", "km_overstates"]).set_index(["group", "day"])
    ttw_cols = ["group", "won_by_end", "last_day"] + [f"days_{round(100 * q)}pct" for q in shares]
    time_to_win = pd.DataFrame(ttw, columns=ttw_cols).set_index("group")
    return CompetingResult(what, str(durations.attrs.get("clock", "")), table, time_to_win, curves, d)


@dataclass
class PipelineVelocity(Results):
    """Pipeline velocity (USD per day) and its four factors, all from one population of opportunities."""

    population: str  # "closed" or "created"
    statement: str  # the sentence naming the population (shown on the page)
    factors: pd.DataFrame  # group -> opportunities, won, win_rate, avg_deal_size, cycle_days, usd_per_day

    def value(self, group: str = "all") -> float:
        """USD per day of ``group`` (``"all"`` = every opportunity of the population)."""
        return float(self.factors.loc[group, "usd_per_day"]) if group in self.factors.index else np.nan

    def summary(self) -> Summary:
        s = Summary(f"Pipeline velocity ({self.population} in the window)")
        s.add_table(self.factors.round(3), "opportunities × win rate × average won deal size / median cycle days")
        return s.add_note(self.statement)


def pipeline_velocity_of(
    opportunities: pd.DataFrame,
    window: Window,
    as_of: object,
    population: str = PIPELINE_POPULATION,
    segments: pd.DataFrame | None = None,
    group: str | None = None,
) -> PipelineVelocity:
    """Opportunities × win rate × average won deal size / median cycle days, from one population.

    ``population="closed"``: the opportunities closed in ``window`` (with a created date) – count, won / closed,
    mean won amount and median created → close days of those same deals. ``population="created"``: the
    opportunities created in ``window`` – count, Aalen–Johansen P(won) by ``as_of`` (open deals censored, lost
    deals a competing outcome), mean won amount of those won so far, and the Kaplan–Meier median days to close.
    Mixing populations (opportunities created, win rate of deals closed, cycle of all deals) gives a number
    that describes no set of deals. ``group`` names a column of ``segments`` (e.g. ``abm``) for rows per level.
    """
    if population not in POPULATIONS:
        raise ABMDataError(
            f"pipeline velocity: population must be one of {POPULATIONS}, not {population!r}",
            reason="bad population",
        )
    w0, w1 = parse_window(window)
    d = close_durations(opportunities, as_of, segments=segments)
    if population == "closed":
        d = d.loc[d["event"] & in_window(d["close_date"], w0, w1)]
        what = f"the {len(d):,} opportunities closed (won or lost) between {w0.date()} and {w1.date()}"
        how = "win rate = won / closed; cycle = median days from creation to close of these same deals"
    else:
        d = d.loc[in_window(d["created_date"], w0, w1)]
        n_open = int((d["outcome"] == "open").sum())
        what = f"the {len(d):,} opportunities created between {w0.date()} and {w1.date()}"
        how = (
            f"win rate = Aalen–Johansen P(won) by {pd.Timestamp(as_of).date()} ({n_open:,} still open, censored; "
            "lost deals a competing outcome); cycle = Kaplan–Meier median days to close"
        )
    statement = (
        f"All four factors come from one population: {what}; {how}; deal size = mean amount of the won ones. "
        "Opportunities without a created date are left out."
    )
    groups: dict[str, pd.DataFrame] = {"all": d}
    if group is not None and group in d.columns:
        groups |= {str(k): v for k, v in d.groupby(d[group].astype("string").fillna("unknown"), sort=True)}
    rows = [{"group": g, **_factors(dd, population)} for g, dd in groups.items()]
    return PipelineVelocity(population, statement, pd.DataFrame(rows).set_index("group"))


def _factors(d: pd.DataFrame, population: str) -> dict[str, float]:
    n = len(d)
    won = d.loc[d["won"]]
    size = float(won["amount"].astype(float).mean()) if len(won) else np.nan
    if population == "closed":
        win_rate = len(won) / n if n else np.nan
        cycle = float(d["days"].median()) if n else np.nan
    elif n:
        curve = aalen_johansen(d["days"].to_numpy(float), d["outcome"].astype(str).to_numpy(object))
        win_rate = float(curve["cif_won"].iloc[-1])
        below = curve.loc[curve["survival"] <= 0.5, "days"]
        cycle = float(below.iloc[0]) if len(below) else np.nan
    else:
        win_rate, cycle = np.nan, np.nan
    out = {"opportunities": float(n), "won": float(len(won)), "win_rate": win_rate, "avg_deal_size": size}
    return out | {"cycle_days": cycle, "usd_per_day": pipeline_velocity(n, win_rate, size, cycle)}
