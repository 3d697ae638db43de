"""Funnel and revenue KPIs, deal velocity (survival analysis) and KPI tiles vs targets.

Units: counts of accounts / opportunities, money in the run currency (USD), rates as
shares (0–1), durations in days. Segments: tier, grade, ABM vs not (membership in the
``programs`` table), quarter, or any account / opportunity column (sector, product,
owner, ...).

* :func:`account_frame` – one row per account with tier, grade, ABM flag.
* :func:`resolve_touch_accounts` – touchpoints with ``account_id`` filled from the
  lead-to-account mapping artefact (or the synthetic truth in tests).
* :func:`funnel` / :func:`funnel_by_quarter` – engaged → MQA → opportunity → won.
* :func:`deal_kpis` – opportunities, pipeline, win rate, revenue, deal size, cycle days.
* :func:`velocity` – Kaplan–Meier medians (open deals right-censored) and a Cox model.
* :func:`pipeline_velocity`, :func:`kpi_tiles`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .config.roi import KpiTargets, RoiParams
from .errors import ABMDataError

UNGRADED = "ungraded"
NO_TIER = "none"


# --------------------------------------------------------------------------- inputs
def account_frame(tables: dict[str, pd.DataFrame], grades: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per account: account_id, industry, is_customer, is_abm, tier, grade, abm ("ABM"/"non-ABM").

    Tier / grade come from the grading artefact (``account_grades.parquet``) when given,
    tier otherwise from the ``programs`` table; ABM membership always from ``programs``.
    """
    acc = tables["accounts"]
    out = pd.DataFrame(
        {
            "account_id": acc["account_id"].astype("string"),
            "industry": acc["industry"].astype("string").fillna("unknown"),
            "is_customer": acc["is_customer"].fillna(False).astype(bool),
        }
    )
    prog = tables.get("programs")
    members = pd.Index([]) if prog is None or prog.empty else pd.Index(prog["account_id"].dropna().unique())
    out["is_abm"] = out["account_id"].isin(members).to_numpy(bool)
    tier = pd.Series(NO_TIER, index=out.index, dtype="string")
    if prog is not None and not prog.empty and "tier" in prog.columns:
        pt = prog.dropna(subset=["tier"]).drop_duplicates("account_id").set_index("account_id")["tier"]
        tier = out["account_id"].map(pt).astype("string").fillna(NO_TIER)
    grade = pd.Series(UNGRADED, index=out.index, dtype="string")
    if grades is not None and len(grades):
        g = grades.drop_duplicates("account_id").set_index("account_id")
        if "tier" in g.columns:
            tier = out["account_id"].map(g["tier"]).astype("string").fillna(tier).fillna(NO_TIER)
        if "grade" in g.columns:
            grade = out["account_id"].map(g["grade"]).astype("string").fillna(UNGRADED)
    out["tier"] = tier.to_numpy()
    out["grade"] = grade.to_numpy()
    out["abm"] = np.where(out["is_abm"], "ABM", "non-ABM")
    return out


def resolve_touch_accounts(
    touchpoints: pd.DataFrame, mapped: pd.DataFrame | None = None, truth_touchpoints: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Touchpoints with ``account_id`` filled: source value, else the mapping artefact, else truth.

    ``mapped`` is ``touchpoints_mapped.parquet`` (touchpoint_id, account_id, ...); the
    truth fallback (``truth/touchpoints.parquet``: touchpoint_id, true_account_id) is for
    tests and the demo before mapping has run. No row is dropped.
    """
    tp = touchpoints.copy()
    acc = tp["account_id"].astype("string")
    for src, col in ((mapped, "account_id"), (truth_touchpoints, "true_account_id")):
        if src is not None and len(src) and col in src.columns:
            m = src.drop_duplicates("touchpoint_id").set_index("touchpoint_id")[col].astype("string")
            acc = acc.fillna(tp["touchpoint_id"].map(m).astype("string"))
    tp["account_id"] = acc.to_numpy()
    return tp


def _window(window) -> tuple[pd.Timestamp, pd.Timestamp]:
    w0, w1 = pd.Timestamp(window[0]).normalize(), pd.Timestamp(window[1]).normalize()
    if w1 < w0:
        raise ABMDataError(f"window end {w1.date()} is before its start {w0.date()}", reason="bad window")
    return w0, w1


def _in(s: pd.Series, w0: pd.Timestamp, w1: pd.Timestamp) -> pd.Series:
    """Dates (or timestamps) on a day in [w0, w1]."""
    return (s >= w0) & (s < w1 + pd.Timedelta(days=1))


# --------------------------------------------------------------------------- funnel
def account_funnel_flags(
    accounts: pd.DataFrame,
    touchpoints: pd.DataFrame,
    opportunities: pd.DataFrame,
    window,
    params: RoiParams | None = None,
) -> pd.DataFrame:
    """Per account, in the window: touches, engaged contacts, engaged, mqa, has_opp, won, pipeline, revenue.

    Engaged: ≥ ``engaged_min_touches`` touches in the window. MQA: in the
    ``mqa_lookback_days`` ending on the window's last day, ≥ ``mqa_min_touches`` touches
    from ≥ ``mqa_min_contacts`` distinct known contacts. Opportunity: one created in the
    window. Won: a deal won (closed) in the window. Pipeline / revenue in USD.
    """
    p = params or RoiParams()
    w0, w1 = _window(window)
    tp = touchpoints.loc[touchpoints["account_id"].notna()]
    win_tp = tp.loc[_in(tp["timestamp"], w0, w1)]
    lb0 = w1 - pd.Timedelta(days=p.mqa_lookback_days - 1)
    lb_tp = tp.loc[_in(tp["timestamp"], lb0, w1)]
    out = accounts[["account_id"]].copy()
    aid = out["account_id"]
    out["touches"] = aid.map(win_tp.groupby("account_id").size()).fillna(0).astype(int).to_numpy()
    out["engaged_contacts"] = (
        aid.map(win_tp.groupby("account_id")["contact_id"].nunique()).fillna(0).astype(int).to_numpy()
    )
    lb_t = aid.map(lb_tp.groupby("account_id").size()).fillna(0)
    lb_c = aid.map(lb_tp.groupby("account_id")["contact_id"].nunique()).fillna(0)
    out["engaged"] = (out["touches"] >= p.engaged_min_touches).to_numpy(bool)
    out["mqa"] = ((lb_t >= p.mqa_min_touches) & (lb_c >= p.mqa_min_contacts)).to_numpy(bool)
    o = opportunities.loc[opportunities["account_id"].notna()]
    created = o.loc[_in(o["created_date"], w0, w1)]
    won = o.loc[o["is_won"].astype(bool) & _in(o["close_date"], w0, w1)]
    out["opps"] = aid.map(created.groupby("account_id").size()).fillna(0).astype(int).to_numpy()
    out["has_opp"] = out["opps"] > 0
    out["pipeline"] = aid.map(created.groupby("account_id")["amount"].sum()).fillna(0.0).to_numpy(float)
    out["won"] = aid.isin(won["account_id"]).to_numpy(bool)
    out["revenue"] = aid.map(won.groupby("account_id")["amount"].sum()).fillna(0.0).to_numpy(float)
    out["penetration"] = np.minimum(out["engaged_contacts"] / p.buying_committee_size, 1.0)
    return out


def funnel(
    accounts: pd.DataFrame,
    touchpoints: pd.DataFrame,
    opportunities: pd.DataFrame,
    window,
    by: str | None = None,
    params: RoiParams | None = None,
) -> pd.DataFrame:
    """Account funnel per segment (``by`` = a column of ``accounts``, e.g. tier, grade, abm).

    Columns: accounts, engaged, mqa, with_opp, won (account counts), nested conversion
    rates engaged→MQA, MQA→opportunity, opportunity→won (shares: the next stage among
    accounts that reached the previous one), pipeline and revenue (USD), penetration
    (mean engaged contacts / buying committee over engaged accounts, 0–1).
    """
    f = account_funnel_flags(accounts, touchpoints, opportunities, window, params)
    f = f.merge(accounts, on="account_id", how="left")
    key = by if by else "_all"
    if not by:
        f["_all"] = "all accounts"
    rows = []
    for g, d in f.groupby(key, sort=True, dropna=False):
        e, m, o, w = d["engaged"], d["mqa"], d["has_opp"], d["won"]
        rows.append(
            {
                key if by else "segment": g,
                "accounts": len(d),
                "engaged": int(e.sum()),
                "mqa": int(m.sum()),
                "with_opp": int(o.sum()),
                "won": int(w.sum()),
                "engaged_to_mqa": _rate((e & m).sum(), e.sum()),
                "mqa_to_opp": _rate((m & o).sum(), m.sum()),
                "opp_to_won": _rate((o & w).sum(), o.sum()),
                "pipeline": float(d["pipeline"].sum()),
                "revenue": float(d["revenue"].sum()),
                "penetration": float(d.loc[e, "penetration"].mean()) if e.any() else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index(key if by else "segment")


def _rate(a, b) -> float:
    return float(a) / float(b) if b else np.nan


def quarters(window_or_range) -> list[pd.Period]:
    """Calendar quarters overlapping [start, end]."""
    w0, w1 = _window(window_or_range)
    return list(pd.period_range(w0, w1, freq="Q"))


def funnel_by_quarter(
    accounts, touchpoints, opportunities, start, end, by: str | None = None, params: RoiParams | None = None
) -> pd.DataFrame:
    """:func:`funnel` for each calendar quarter between ``start`` and ``end`` (rows: quarter[, segment])."""
    frames = []
    for q in quarters((start, end)):
        f = funnel(accounts, touchpoints, opportunities, (q.start_time, q.end_time.normalize()), by, params)
        f.insert(0, "quarter", str(q))
        frames.append(f.reset_index())
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- deals
def deal_kpis(
    opportunities: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    window=None,
    segments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Deal KPIs per segment.

    Created in the window: ``opps`` (count), ``pipeline`` (USD). Closed in the window:
    ``won``, ``lost``, ``win_rate`` = won / (won + lost), ``revenue`` (USD, won amount),
    ``avg_deal_size`` (USD, mean won amount), ``avg_cycle_days`` / ``median_cycle_days``
    (close − created, won deals, days; closed-only averages are biased low for the
    pipeline as a whole – see :func:`velocity`). ``window=None`` = all time.
    ``by`` may name opportunity columns, columns of ``segments`` (joined on account_id,
    e.g. industry, tier, abm) or ``"quarter"`` (quarter of creation for created metrics,
    of closing for closed ones).
    """
    o = opportunities.copy()
    if segments is not None:
        extra = [c for c in segments.columns if c not in o.columns or c == "account_id"]
        o = o.merge(segments[extra], on="account_id", how="left")
    keys = [by] if isinstance(by, str) else list(by or [])
    for k in keys:
        if k != "quarter" and k not in o.columns:
            raise ABMDataError(
                f"opportunities: no column '{k}' to group KPIs by",
                file="opportunities",
                column=k,
                reason="missing column",
            )
        if k != "quarter":
            o[k] = o[k].astype("string").fillna("unknown")
    if window is not None:
        w0, w1 = _window(window)
        c_mask = _in(o["created_date"], w0, w1)
        k_mask = o["is_closed"].astype(bool) & _in(o["close_date"], w0, w1)
    else:
        c_mask = o["created_date"].notna() | o["created_date"].isna()
        k_mask = o["is_closed"].astype(bool)
    cr = o.loc[c_mask].copy()
    cl = o.loc[k_mask].copy()
    if "quarter" in keys:
        cr["quarter"] = cr["created_date"].dt.to_period("Q").astype("string").fillna("no date")
        cl["quarter"] = cl["close_date"].dt.to_period("Q").astype("string").fillna("no date")
    cl["won_amt"] = np.where(cl["is_won"].astype(bool), cl["amount"].astype(float), np.nan)
    cl["cycle"] = np.where(cl["is_won"].astype(bool), (cl["close_date"] - cl["created_date"]).dt.days, np.nan)
    gkeys = keys or (lambda _: "all")
    a = cr.groupby(gkeys, dropna=False).agg(opps=("opportunity_id", "size"), pipeline=("amount", "sum"))
    b = cl.groupby(gkeys, dropna=False).agg(
        won=("is_won", "sum"),
        closed=("is_won", "size"),
        revenue=("won_amt", "sum"),
        avg_deal_size=("won_amt", "mean"),
        avg_cycle_days=("cycle", "mean"),
        median_cycle_days=("cycle", "median"),
    )
    out = a.join(b, how="outer")
    out["opps"] = out["opps"].fillna(0).astype(int)
    out["pipeline"] = out["pipeline"].fillna(0.0)
    out["won"] = out["won"].fillna(0).astype(int)
    out["lost"] = (out["closed"].fillna(0) - out["won"]).astype(int)
    out["win_rate"] = out["won"] / (out["won"] + out["lost"]).replace(0, np.nan)
    out["revenue"] = out["revenue"].fillna(0.0)
    out = out.drop(columns="closed")
    if not keys:
        out.index = pd.Index(["all"], name="segment")
    return out[
        [
            "opps",
            "pipeline",
            "won",
            "lost",
            "win_rate",
            "revenue",
            "avg_deal_size",
            "avg_cycle_days",
            "median_cycle_days",
        ]
    ]


# --------------------------------------------------------------------------- velocity
@dataclass
class VelocityResult:
    """Kaplan–Meier curves / medians per group and a Cox model (durations in days)."""

    what: str
    medians: pd.DataFrame  # group -> n, events, censored, median_days, ci_low, ci_high
    curves: dict[str, pd.DataFrame] = field(default_factory=dict)  # group -> days, survival
    cox: pd.DataFrame | None = None  # term -> hazard_ratio, ci_low, ci_high, p_value
    data: pd.DataFrame | None = None  # durations, event, group (and covariates)

    def median(self, group: str | None = None) -> float:
        g = group if group is not None else self.medians.index[0]
        return float(self.medians.loc[g, "median_days"])

    def summary(self) -> str:
        lines = [f"Velocity: {self.what} (Kaplan–Meier; open items right-censored)", self.medians.round(1).to_string()]
        if self.cox is not None and len(self.cox):
            lines += ["Cox proportional hazards (hazard ratio > 1 = faster):", self.cox.round(3).to_string()]
        return "\n".join(lines)


def _km(durations: np.ndarray, events: np.ndarray):
    from statsmodels.duration.survfunc import SurvfuncRight

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sf = SurvfuncRight(durations, events)
        med = float(sf.quantile(0.5)) if events.any() else np.nan
        try:
            lo, hi = sf.quantile_ci(0.5)
        except Exception:  # pragma: no cover - too few events for an interval
            lo, hi = np.nan, np.nan
    curve = pd.DataFrame({"days": np.r_[0.0, sf.surv_times], "survival": np.r_[1.0, sf.surv_prob]})
    fin = lambda v: float(v) if v is not None and np.isfinite(v) else np.nan  # noqa: E731
    return fin(med), fin(lo), fin(hi), curve


def velocity(
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
    if X.shape[1] == 0 or d["event"].sum() < 5:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
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
            "ci_low": np.exp(params - 1.959964 * bse),
            "ci_high": np.exp(params + 1.959964 * bse),
            "p_value": np.asarray(res.pvalues),
        },
        index=pd.Index(X.columns, name="term"),
    )


def close_durations(
    opportunities: pd.DataFrame, as_of, segments: pd.DataFrame | None = None, since=None
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
    accounts: pd.DataFrame, touchpoints: pd.DataFrame, opportunities: pd.DataFrame, as_of, since=None
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


def pseudonymise(values: pd.Series, prefix: str = "owner") -> pd.Series:
    """Replace names (e.g. sales reps) by stable labels "owner 01", … in sorted-name order (no personal data in reports)."""
    s = values.astype("string")
    names = sorted(s.dropna().unique())
    width = max(2, len(str(len(names))))
    return s.map({n: f"{prefix} {i + 1:0{width}d}" for i, n in enumerate(names)}).astype("string")


def pipeline_velocity(n_opps: float, win_rate: float, avg_deal_size: float, cycle_days: float) -> float:
    """Pipeline velocity (USD per day) = opportunities × win rate × deal size / sales-cycle days."""
    if not cycle_days or not np.isfinite(cycle_days) or cycle_days <= 0:
        return np.nan
    return float(n_opps) * float(win_rate) * float(avg_deal_size) / float(cycle_days)


# --------------------------------------------------------------------------- tiles
TILE_LABELS = {
    "engaged_accounts": "Engaged accounts",
    "mqas": "MQAs",
    "opportunities": "Opportunities created",
    "pipeline": "Pipeline created",
    "win_rate": "Win rate",
    "avg_deal_size": "Average deal size",
    "revenue": "Won revenue",
    "roi": "Program ROI",
}
TILE_KIND = {
    "engaged_accounts": "int",
    "mqas": "int",
    "opportunities": "int",
    "pipeline": "money",
    "win_rate": "pct",
    "avg_deal_size": "money",
    "revenue": "money",
    "roi": "pct",
}


def kpi_tiles(actuals: dict[str, float], targets: KpiTargets, at_risk: float = 0.8) -> pd.DataFrame:
    """KPI tiles: actual vs the target set at program outset.

    ``attainment`` = actual / target; status "on track" (≥ 1), "at risk" (≥ ``at_risk``),
    "behind" otherwise (for ROI: actual ≥ target, ≥ 0, below 0). Only KPIs present in
    both ``actuals`` and the targets are shown.
    """
    rows = []
    tgt = targets.model_dump()
    for k, label in TILE_LABELS.items():
        if k not in actuals or k not in tgt:
            continue
        a, t = actuals[k], tgt[k]
        if a is None or (isinstance(a, float) and not np.isfinite(a)):
            status, att = "no data", np.nan
        elif k == "roi":
            att = np.nan
            status = "on track" if a >= t else ("at risk" if a >= 0 else "behind")
        else:
            att = a / t if t else np.nan
            status = "on track" if att >= 1 else ("at risk" if att >= at_risk else "behind")
        rows.append(
            {
                "kpi": k,
                "label": label,
                "kind": TILE_KIND[k],
                "actual": a,
                "target": t,
                "attainment": att,
                "status": status,
            }
        )
    return pd.DataFrame(rows).set_index("kpi")


def window_kpis(flags: pd.DataFrame, deals: pd.DataFrame, has_touches: bool = True) -> dict[str, float]:
    """Headline actuals for the tiles from :func:`account_funnel_flags` and :func:`deal_kpis` (one row).

    Without touchpoints (``has_touches=False``) engagement KPIs are NaN ("no data"), not 0.
    """
    r = deals.iloc[0]
    na = np.nan
    return {
        "engaged_accounts": float(flags["engaged"].sum()) if has_touches else na,
        "mqas": float(flags["mqa"].sum()) if has_touches else na,
        "opportunities": float(r["opps"]),
        "pipeline": float(r["pipeline"]),
        "win_rate": float(r["win_rate"]),
        "avg_deal_size": float(r["avg_deal_size"]),
        "revenue": float(r["revenue"]),
    }


# --------------------------------------------------------------------------- display helpers
def tiles_table(tiles: pd.DataFrame, currency: str = "$") -> pd.DataFrame:
    """KPI tiles as formatted text (for the leadership summary): KPI, actual, target, attainment, status."""
    from .style import fmt_int, fmt_money, fmt_pct

    def f(kind, v):
        return {"int": fmt_int, "money": lambda x: fmt_money(x, currency), "pct": fmt_pct}[kind](v)

    return pd.DataFrame(
        {
            "KPI": tiles["label"],
            "Actual": [f(k, a) for k, a in zip(tiles["kind"], tiles["actual"], strict=False)],
            "Target": [f(k, t) for k, t in zip(tiles["kind"], tiles["target"], strict=False)],
            "Attainment": [fmt_pct(a, 0) for a in tiles["attainment"]],
            "Status": tiles["status"],
        }
    ).set_index("KPI")


def plot_funnel(f: pd.DataFrame, ax=None, title: str = "Account funnel"):
    """Grouped bars: accounts reaching each stage (engaged, MQA, opportunity, won) per segment."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots()[1]
    stages = ["engaged", "mqa", "with_opp", "won"]
    labels = ["Engaged", "MQA", "Opportunity", "Won"]
    x = np.arange(len(stages))
    width = 0.8 / max(len(f), 1)
    for i, (seg, r) in enumerate(f.iterrows()):
        ax.bar(x + i * width - 0.4 + width / 2, [r[s] for s in stages], width, label=str(seg))
    ax.set_xticks(x, labels)
    ax.set_ylabel("accounts (count)")
    ax.set_title(title)
    ax.legend()
    return ax


def plot_km(v: VelocityResult, ax=None, title: str | None = None, xlabel: str = "days since start"):
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


def roi_what_if(
    incremental_revenue: float,
    cost: float,
    gross_margin: float,
    interval: tuple[float, float] | None = None,
    currency: str = "$",
    level: float = 0.95,
):
    """ROI what-if widget: gross-margin and program-cost sliders update ROI (and its interval).

    ``incremental_revenue`` (USD) is the program's estimated incremental won revenue and
    ``interval`` its (low, high) bounds. ROI = (margin × revenue − cost) / cost. Returns an
    ``ipywidgets.VBox`` (sliders + HTML read-out) that works without a kernel for tests.
    """
    import ipywidgets as widgets

    from .style import fmt_money, fmt_pct

    margin = widgets.FloatSlider(
        value=round(gross_margin, 2),
        min=0.05,
        max=0.95,
        step=0.01,
        description="Gross margin",
        readout_format=".0%",
        continuous_update=False,
    )
    top = max(cost * 3, 1.0)
    spend = widgets.FloatSlider(
        value=float(cost),
        min=max(top / 300, 1.0),
        max=top,
        step=max(top / 300, 1.0),
        description="Program cost",
        readout_format=",.0f",
        continuous_update=False,
    )
    out = widgets.HTML()

    def _roi(rev, m, c):
        return (m * rev - c) / c

    def update(*_):
        m, c = margin.value, spend.value
        txt = f"<b>ROI {fmt_pct(_roi(incremental_revenue, m, c), 0)}</b>"
        if interval is not None:
            lo, hi = (_roi(interval[0], m, c), _roi(interval[1], m, c))
            txt += f" ({int(round(level * 100))}% CI {fmt_pct(lo, 0)} to {fmt_pct(hi, 0)})"
        be = c / incremental_revenue if incremental_revenue > 0 else np.nan
        txt += (
            f"<br>Incremental gross profit {fmt_money(m * incremental_revenue, currency)} on "
            f"{fmt_money(c, currency)} cost; break-even margin "
            f"{fmt_pct(be, 0) if np.isfinite(be) and be <= 1 else 'not reachable'}"
        )
        out.value = txt

    margin.observe(update, names="value")
    spend.observe(update, names="value")
    update()
    return widgets.VBox([margin, spend, out])


def run_inputs(ctx) -> dict:
    """Inputs of notebook 05 from a :class:`abm_lab.pipeline.RunContext`.

    Returns ``segments`` (:func:`account_frame`, with the grading artefact if present),
    ``touchpoints`` (account ids from ``touchpoints_mapped.parquet`` if present, else the
    synthetic truth, else as loaded), ``touch_source`` (which one) and flags
    ``has_program`` / ``has_touches``.
    """
    tables = ctx.tables
    grades = pd.read_parquet(ctx.path("account_grades.parquet")) if ctx.has("account_grades.parquet") else None
    mapped = pd.read_parquet(ctx.path("touchpoints_mapped.parquet")) if ctx.has("touchpoints_mapped.parquet") else None
    truth_tp = (ctx.truth or {}).get("touchpoints") if mapped is None else None
    tp = resolve_touch_accounts(tables["touchpoints"], mapped, truth_tp)
    source = (
        "lead-to-account mapping (notebook 03)"
        if mapped is not None
        else "synthetic truth (mapping artefact not found)"
        if truth_tp is not None
        else "source data"
    )
    prog = tables.get("programs")
    return {
        "segments": account_frame(tables, grades),
        "touchpoints": tp,
        "touch_source": source,
        "graded": grades is not None,
        "has_program": prog is not None and len(prog) > 0,
        "has_touches": bool(tp["account_id"].notna().any()),
    }


def json_safe(values: dict) -> dict:
    """NaN / inf → None and numpy scalars → Python numbers (summary JSON must parse in a browser)."""
    out = {}
    for k, v in values.items():
        if isinstance(v, (np.floating, float)):
            out[k] = float(v) if np.isfinite(v) else None
        elif isinstance(v, np.integer):
            out[k] = int(v)
        else:
            out[k] = v
    return out
