"""Account-based multi-touch attribution: rule-based, Markov chain and Shapley models.

Everything works on *path data*: one row per journey (a path of channels, or programs,
ordered in time) with its number of conversions, of non-converting journeys ("nulls")
and the conversion value. Two ways in:

* :func:`paths_from_frame` reads the generic aggregate format used by peers
  (``"a > b > c"`` path strings with conversions / nulls / value columns), so published
  examples and ChannelAttribution's demo data run through the same code;
* :func:`account_paths` builds account-level journeys from the canonical tables: the
  touches of *all contacts of an account* before an opportunity was created (variant
  ``"created"``; value = the opportunity amount, i.e. pipeline) or before it was closed
  (variant ``"closed"``; conversions = won deals, nulls = lost deals, value = revenue).

Models (:func:`attribute` runs them all and returns an :class:`AttributionResult`):

* rule-based: first touch, last touch, linear, U-shaped, W-shaped, full path (Marketo
  Measure default weights, in params), time decay (half-life in params);
* Markov chain removal effect, order 1 or higher, computed *analytically* on the
  absorbing chain (no simulation, so results are exact and repeatable);
* Shapley values over channels, exact (all coalitions) for up to ``shapley_max_channels``.

Every model's credits sum to the total conversions and the total value (checked).
Credits are in conversions (count) and in the value's unit (USD for account paths).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .config.roi import AttributionParams
from .errors import ABMDataError

START, CONV, NULL = "(start)", "(conversion)", "(null)"
NO_PROGRAM = "(no program)"
RULE_MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "full_path", "time_decay")


# --------------------------------------------------------------------------- path data
@dataclass
class PathData:
    """Journeys as touch-level arrays (one entry per touch) plus per-path totals.

    ``touches`` has columns path_id, pos (0-based), n (path length), channel, and
    optionally age_days (days before the conversion / end), is_lead_creation,
    is_opp_creation, is_closed_won (milestone flags for the position models).
    ``paths`` has one row per path: path_id, conversions, nulls, value.
    """

    touches: pd.DataFrame
    paths: pd.DataFrame
    excluded: dict = field(default_factory=dict)  # conversions / value without any touch

    @property
    def channels(self) -> list[str]:
        return sorted(map(str, self.codes()[1]))

    def codes(self) -> tuple[np.ndarray, list[str]]:
        """Integer code of each touch's channel and the channel names (codes index the names)."""
        ch = self.touches["channel"]
        if not isinstance(ch.dtype, pd.CategoricalDtype):
            ch = pd.Categorical(ch.to_numpy(object))
            self.touches["channel"] = ch
            ch = self.touches["channel"]
        cats = [str(c) for c in ch.cat.categories]
        return ch.cat.codes.to_numpy(np.int64), cats

    @property
    def total_conversions(self) -> float:
        return float(self.paths["conversions"].sum())

    @property
    def total_value(self) -> float:
        return float(self.paths["value"].sum())

    def sequences(self) -> list[list[str]]:
        """Channel sequence of each path, in path_id order."""
        t = self.touches.sort_values(["path_id", "pos"], kind="stable")
        codes, names = self.codes()
        codes = codes[t.index.to_numpy()] if not t.index.equals(self.touches.index) else codes
        pid = t["path_id"].to_numpy()
        cuts = np.flatnonzero(np.diff(pid)) + 1
        out = [[] for _ in range(len(self.paths))]
        for p_, seg in zip(np.r_[pid[:1], pid[cuts]] if len(pid) else [], np.split(codes, cuts) if len(pid) else [], strict=False):
            out[int(p_)] = [names[c] for c in seg]
        return out

    def to_frame(self, sep: str = " > ") -> pd.DataFrame:
        """Aggregate format: path string, conversions, nulls, value."""
        seqs = self.sequences()
        df = self.paths[["conversions", "nulls", "value"]].copy()
        df.insert(0, "path", [sep.join(s) for s in seqs])
        return df


def paths_from_frame(
    df: pd.DataFrame,
    path: str = "path",
    conversions: str = "total_conversions",
    nulls: str | None = "total_null",
    value: str | None = "total_conversion_value",
    sep: str = ">",
    file: str = "paths",
) -> PathData:
    """Generic aggregate path data (``"a > b > c"`` strings) → :class:`PathData`.

    ``nulls`` / ``value`` may be None (or absent columns): then 0 nulls and value = 0.
    Raises :class:`ABMDataError` for missing columns, blank paths or negative counts.
    """
    for c in (path, conversions):
        if c not in df.columns:
            raise ABMDataError(
                f"{file}: missing column '{c}' (columns: {list(df.columns)})",
                file=file,
                column=c,
                reason="missing column",
            )
    d = df.reset_index(drop=True)
    conv = pd.to_numeric(d[conversions], errors="coerce")
    nul = pd.to_numeric(d[nulls], errors="coerce") if nulls and nulls in d.columns else pd.Series(0.0, index=d.index)
    val = pd.to_numeric(d[value], errors="coerce") if value and value in d.columns else pd.Series(0.0, index=d.index)
    for name, s in ((conversions, conv), (nulls, nul), (value, val)):
        bad = s.isna() | (s < 0)
        if bad.any():
            rows = [int(i) + 2 for i in np.flatnonzero(bad.to_numpy())[:5]]
            raise ABMDataError(
                f"{file}: column '{name}' must be a non-negative number; bad at lines {rows}",
                file=file,
                column=name,
                rows=rows,
                reason="not a non-negative number",
            )
    seqs = [[c.strip() for c in str(p).split(sep) if c.strip()] for p in d[path].fillna("")]
    empty = np.array([len(s) == 0 for s in seqs])
    if empty.any():
        rows = [int(i) + 2 for i in np.flatnonzero(empty)[:5]]
        raise ABMDataError(
            f"{file}: column '{path}' is blank in {int(empty.sum())} row(s) (lines {rows})",
            file=file,
            column=path,
            rows=rows,
            reason="blank path",
        )
    return _build(seqs, conv.to_numpy(float), nul.to_numpy(float), val.to_numpy(float))


def _build(seqs: Sequence[Sequence[str]], conv, nul, val, ages=None, flags=None) -> PathData:
    lens = np.array([len(s) for s in seqs], dtype=int)
    pid = np.repeat(np.arange(len(seqs)), lens)
    pos = np.concatenate([np.arange(n) for n in lens]) if len(lens) else np.array([], int)
    t = pd.DataFrame(
        {
            "path_id": pid,
            "pos": pos,
            "n": np.repeat(lens, lens),
            "channel": pd.Categorical(np.array([c for s in seqs for c in s], dtype=object)),
        }
    )
    if ages is not None:
        t["age_days"] = np.concatenate(ages) if len(ages) else np.array([], float)
    if flags is not None:
        for k, v in flags.items():
            t[k] = np.concatenate(v) if len(v) else np.array([], bool)
    paths = pd.DataFrame(
        {
            "path_id": np.arange(len(seqs)),
            "conversions": np.asarray(conv, float),
            "nulls": np.asarray(nul, float),
            "value": np.asarray(val, float),
        }
    )
    return PathData(t, paths)


def account_paths(
    touchpoints: pd.DataFrame,
    opportunities: pd.DataFrame,
    *,
    as_of,
    variant: Literal["created", "closed"] = "created",
    dimension: str = "channel",
    params: AttributionParams | None = None,
    window: tuple | None = None,
    accounts_with_touches_as_nulls: bool = True,
) -> PathData:
    """Account-level journeys from canonical tables.

    ``touchpoints`` needs account_id (mapped), timestamp, ``dimension`` (channel or
    program_id; blank program → "(no program)"), activity_type and contact_id.
    Variant ``"created"``: one converting path per opportunity with an account and created
    date (value = amount = pipeline, USD); touches of the account in the ``lookback_days``
    before the creation day (inclusive). Accounts with touches but no opportunity ever give
    one null path (their touches in the lookback before ``as_of``).
    Variant ``"closed"``: won deals are conversions (value = amount, USD revenue), lost
    deals are nulls; touches in the lookback before the close day.
    ``window`` = (start, end) restricts opportunities to those created (closed) in it.
    Conversions without any touch are not attributed; they are counted in ``excluded``.
    """
    p = params or AttributionParams()
    as_of = pd.Timestamp(as_of).normalize()
    tp = touchpoints.loc[touchpoints["account_id"].notna()]
    if dimension not in tp.columns:
        raise ABMDataError(
            f"touchpoints: no column '{dimension}' to attribute by",
            file="touchpoints",
            column=dimension,
            reason="missing column",
        )
    opps = opportunities.loc[opportunities["account_id"].notna()]
    # integer codes for accounts and channels: joins and group-bys on ints, not strings
    acc_codes, acc_names = pd.factorize(
        pd.concat([tp["account_id"], opps["account_id"]], ignore_index=True).astype("string")
    )
    t_acc, o_acc = acc_codes[: len(tp)], acc_codes[len(tp) :]
    fill = NO_PROGRAM if dimension == "program_id" else "other"
    ch_codes, ch_names = pd.factorize(tp[dimension].astype("string").fillna(fill))
    t = pd.DataFrame(
        {
            "acc": t_acc,
            "timestamp": tp["timestamp"].to_numpy(),
            "order": np.arange(len(tp)),
            "ch": ch_codes,
            "_lc": tp["activity_type"].isin(set(p.lead_creation_activities)).to_numpy(bool)
            if "activity_type" in tp.columns
            else np.zeros(len(tp), bool),
            "_known": tp["contact_id"].notna().to_numpy(bool) if "contact_id" in tp.columns else np.ones(len(tp), bool),
        }
    )
    if variant == "created":
        sel = opps["created_date"].notna().to_numpy(bool)
        end = opps["created_date"].to_numpy()[sel]
        conv = np.ones(int(sel.sum()))
    elif variant == "closed":
        sel = (opps["is_closed"].astype(bool) & opps["close_date"].notna()).to_numpy(bool)
        end = opps["close_date"].to_numpy()[sel]
        conv = opps["is_won"].astype(bool).to_numpy(float)[sel]
    else:
        raise ValueError(f"variant must be 'created' or 'closed', got {variant!r}")
    c = pd.DataFrame(
        {
            "acc": o_acc[sel],
            "end": end,
            "created": opps["created_date"].to_numpy()[sel],
            "conv": conv,
            "value": opps["amount"].astype(float).fillna(0.0).to_numpy()[sel] * conv,
            "oid": opps["opportunity_id"].astype("string").to_numpy(object)[sel],
        }
    )
    if window is not None:
        w0, w1 = pd.Timestamp(window[0]), pd.Timestamp(window[1])
        c = c.loc[(c["end"] >= w0) & (c["end"] <= w1)]
    c = c.sort_values(["end", "oid"], kind="stable")
    if variant == "created" and accounts_with_touches_as_nulls:
        no_opp = np.setdiff1d(np.unique(t_acc), np.unique(o_acc))
        c = pd.concat(
            [c, pd.DataFrame({"acc": no_opp, "end": as_of, "created": pd.NaT, "conv": 0.0, "value": 0.0, "oid": ""})],
            ignore_index=True,
        )
    c = c.reset_index(drop=True)
    c["key"] = np.arange(len(c))
    c["end_excl"] = c["end"] + pd.Timedelta(days=1)
    j = c[["key", "acc", "end_excl", "created"]].merge(t, on="acc", how="inner")
    j = j.loc[(j["timestamp"] < j["end_excl"]) & (j["timestamp"] >= j["end_excl"] - pd.Timedelta(days=p.lookback_days))]
    j = j.sort_values(["key", "timestamp", "order"], kind="stable").reset_index(drop=True)
    has = np.zeros(len(c), bool)
    has[j["key"].unique()] = True
    miss = c.loc[~has]
    excluded = {
        "conversions": float(miss["conv"].sum()),
        "value": float(miss["value"].sum()),
        "nulls": float((1 - miss["conv"]).sum()),
        "paths": int(len(miss)),
    }
    kept = c.loc[has].reset_index(drop=True)
    new_id = np.full(len(c), -1)
    new_id[kept["key"].to_numpy()] = np.arange(len(kept))
    pid = new_id[j["key"].to_numpy()]
    pos = j.groupby("key", sort=False).cumcount().to_numpy()
    n = np.bincount(pid)[pid]
    touches = pd.DataFrame(
        {
            "path_id": pid,
            "pos": pos,
            "n": n,
            "channel": pd.Categorical.from_codes(j["ch"].to_numpy(), categories=list(map(str, ch_names))),
            "age_days": ((j["end_excl"] - j["timestamp"]).dt.total_seconds() / 86400.0).to_numpy(),
        }
    )
    big = np.iinfo(np.int64).max
    first_lc = _group_min(pid, np.where(j["_lc"].to_numpy(), pos, big))
    first_known = _group_min(pid, np.where(j["_known"].to_numpy(), pos, big))
    lc_idx = np.where(first_lc < big, first_lc, np.where(first_known < big, first_known, 0))
    touches["is_lead_creation"] = pos == lc_idx
    if variant == "closed":
        before = (j["timestamp"] < j["created"] + pd.Timedelta(days=1)).to_numpy(bool)
        last_before = -_group_min(pid, np.where(before, -pos, 1))
        touches["is_opp_creation"] = pos == np.maximum(last_before, 0)
    else:
        touches["is_opp_creation"] = pos == n - 1
    touches["is_closed_won"] = pos == n - 1
    paths = pd.DataFrame(
        {
            "path_id": np.arange(len(kept)),
            "conversions": kept["conv"].to_numpy(float),
            "nulls": 1.0 - kept["conv"].to_numpy(float),
            "value": kept["value"].to_numpy(float),
        }
    )
    return PathData(touches, paths, excluded)


def _group_min(pid: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per-touch minimum of ``x`` over its path (pid = 0..P−1)."""
    if len(pid) == 0:
        return x
    m = np.full(int(pid.max()) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(m, pid, x.astype(np.int64))
    return m[pid]


# --------------------------------------------------------------------------- rule-based
def rule_weights(pdata: PathData, model: str, params: AttributionParams | None = None) -> np.ndarray:
    """Credit share of each touch (touch order of ``pdata.touches``); sums to 1 per path.

    Position models use milestone flags when present (account paths); without them
    (generic path strings) the lead-creation touch is the first touch, and the
    opportunity-creation and closed-won touches are the last. Weights of milestones
    that fall on the same touch add up; the spread share goes evenly to the other
    touches, or, when there are none, back to the milestones in proportion.
    Time decay: weight ∝ 2^(−age / half_life); without ages, age = touches before the end.
    """
    p = params or AttributionParams()
    w = p.weights
    t = pdata.touches
    pos, n = t["pos"].to_numpy(), t["n"].to_numpy()
    first = pos == 0
    last = pos == n - 1
    if model == "first_touch":
        return first.astype(float)
    if model == "last_touch":
        return last.astype(float)
    if model == "linear":
        return 1.0 / n
    if model == "time_decay":
        age = t["age_days"].to_numpy(float) if "age_days" in t.columns else (n - 1 - pos).astype(float)
        raw = np.power(2.0, -age / p.half_life_days)
        return raw / _path_sum(t, raw)
    lc = t["is_lead_creation"].to_numpy(bool) if "is_lead_creation" in t.columns else first
    oc = t["is_opp_creation"].to_numpy(bool) if "is_opp_creation" in t.columns else last
    cw = t["is_closed_won"].to_numpy(bool) if "is_closed_won" in t.columns else last
    if model == "u_shaped":
        parts = [(first, w.u_first), (lc, w.u_lead_creation)]
    elif model == "w_shaped":
        parts = [(first, w.w_first), (lc, w.w_lead_creation), (oc, w.w_opp_creation)]
    elif model == "full_path":
        parts = [(m, w.full_milestone) for m in (first, lc, oc, cw)]
    else:
        raise ValueError(f"unknown rule-based model {model!r}; use one of {RULE_MODELS}")
    base = np.zeros(len(t))
    milestone = np.zeros(len(t), bool)
    for mask, share in parts:
        base += mask * share
        milestone |= mask
    spread_share = 1.0 - sum(s for _, s in parts)
    m_other = _path_sum(t, (~milestone).astype(float))
    out = base + np.where(~milestone & (m_other > 0), spread_share / np.maximum(m_other, 1), 0.0)
    # paths where every touch is a milestone: spread share goes back to milestones pro rata
    tot = _path_sum(t, out)
    return out / tot


def _path_sum(t: pd.DataFrame, x: np.ndarray) -> np.ndarray:
    pid = t["path_id"].to_numpy()
    s = np.bincount(pid, weights=x, minlength=int(pid.max()) + 1 if len(pid) else 0)
    return s[pid]


def rule_based(
    pdata: PathData, models: Iterable[str] = RULE_MODELS, params: AttributionParams | None = None
) -> pd.DataFrame:
    """Credits per channel for each rule-based model: columns ``<model>_conversions`` and ``<model>_value``."""
    t = pdata.touches
    conv = pdata.paths["conversions"].to_numpy()[t["path_id"].to_numpy()]
    val = pdata.paths["value"].to_numpy()[t["path_id"].to_numpy()]
    codes, names = pdata.codes()
    out = {}
    for m in models:
        w = rule_weights(pdata, m, params)
        out[f"{m}_conversions"] = np.bincount(codes, weights=w * conv, minlength=len(names))
        out[f"{m}_value"] = np.bincount(codes, weights=w * val, minlength=len(names))
    return pd.DataFrame(out, index=names).reindex(pdata.channels).fillna(0.0)


# --------------------------------------------------------------------------- Markov
@dataclass
class MarkovResult:
    """Absorbing Markov chain fitted to path data, with exact removal effects."""

    order: int
    states: list[str]
    transitions: pd.DataFrame  # from, to, count, probability
    p_conversion: float  # P(reach conversion from start)
    removal_effects: pd.DataFrame  # channel -> removal_effect_conv, removal_effect_value
    credits: pd.DataFrame  # channel -> markov_conversions, markov_value
    expected_value: float  # E[value] per journey from start

    def summary(self) -> str:
        lines = [
            f"Markov chain attribution (order {self.order}, exact absorbing-chain solution)",
            f"  states: {len(self.states)}   P(conversion) = {self.p_conversion:.6f}",
            self.removal_effects.join(self.credits).round(6).to_string(),
        ]
        return "\n".join(lines)


def _state_seqs(seqs: list[list[str]], order: int, collapse: bool) -> list[list[str]]:
    out = []
    for s in seqs:
        if collapse:
            s = [c for i, c in enumerate(s) if i == 0 or c != s[i - 1]]
        if order == 1:
            out.append(list(s))
        else:
            out.append([" > ".join(s[max(0, i - order + 1) : i + 1]) for i in range(len(s))])
    return out


def markov_model(
    pdata: PathData, order: int = 1, include_nulls: bool = True, collapse_repeats: bool = False
) -> MarkovResult:
    """Markov chain attribution by exact removal effects.

    Transient states are ``(start)`` and the channels (order 1) or the tuples of the last
    ``order`` channels; absorbing states are ``(conversion)`` and ``(null)``. Each path with
    c conversions and u nulls adds weight c + u to its internal transitions, c to
    last → conversion and u to last → null (``include_nulls=False``: nulls are ignored,
    as in ChannelAttribution without ``var_null``). P(conversion) solves (I − Q) x = r.
    Removing a channel sends every state containing it to ``(null)``; the removal effect is
    1 − P_removed / P. Value: each state's conversions carry the mean value of the
    conversions that ended there, so E[value] and the value removal effect are exact too.
    Credits = total × removal effect / Σ removal effects (conversions and value separately).
    """
    conv = pdata.paths["conversions"].to_numpy(float)
    nul = pdata.paths["nulls"].to_numpy(float) if include_nulls else np.zeros(len(conv))
    val = pdata.paths["value"].to_numpy(float)
    keep = (conv + nul) > 0
    if order == 1:  # vectorised: states are the channels
        t = pdata.touches
        codes, names = pdata.codes()
        pid, pos = t["path_id"].to_numpy(), t["pos"].to_numpy()
        o = np.lexsort((pos, pid))
        pid, codes = pid[o], codes[o]
        if collapse_repeats and len(pid):
            k2 = np.r_[True, (pid[1:] != pid[:-1]) | (codes[1:] != codes[:-1])]
            pid, codes = pid[k2], codes[k2]
        k3 = keep[pid]
        pid, codes = pid[k3], codes[k3]
        states = list(names)
        n = len(states) + 1
        st = codes + 1
        first = np.r_[True, pid[1:] != pid[:-1]] if len(pid) else np.zeros(0, bool)
        last = np.r_[pid[1:] != pid[:-1], True] if len(pid) else np.zeros(0, bool)
        rows = np.where(first, 0, np.r_[0, st[:-1]])
        cols = st
        wts = (conv + nul)[pid]
        to_conv = np.bincount(st[last], weights=conv[pid[last]], minlength=n).astype(float)
        to_null = np.bincount(st[last], weights=nul[pid[last]], minlength=n).astype(float)
        val_at = np.bincount(st[last], weights=val[pid[last]], minlength=n).astype(float)
        ch_in_state = {c: [i + 1] for i, c in enumerate(states)}
    else:
        seqs = _state_seqs(pdata.sequences(), order, collapse_repeats)
        states = sorted({st for s, k in zip(seqs, keep, strict=False) if k for st in s})
        idx = {s: i + 1 for i, s in enumerate(states)}  # 0 = start
        n = len(states) + 1
        rows, cols, wts = [], [], []
        to_conv = np.zeros(n)
        to_null = np.zeros(n)
        val_at = np.zeros(n)
        for s, c, u, v, k in zip(seqs, conv, nul, val, keep, strict=False):
            if not k:
                continue
            ids = [0] + [idx[x] for x in s]
            rows.extend(ids[:-1])
            cols.extend(ids[1:])
            wts.extend([c + u] * (len(ids) - 1))
            to_conv[ids[-1]] += c
            to_null[ids[-1]] += u
            val_at[ids[-1]] += v
        ch_in_state = {}
        for s_ in states:
            for c in set(s_.split(" > ")):
                ch_in_state.setdefault(c, []).append(idx[s_])
    counts = sp.coo_matrix((wts, (rows, cols)), shape=(n, n)).tocsr()
    counts.sum_duplicates()
    out_tot = np.asarray(counts.sum(axis=1)).ravel() + to_conv + to_null
    if out_tot[0] <= 0:
        raise ABMDataError(
            "paths: no journey with conversions or nulls to fit the Markov chain",
            file="paths",
            column="conversions",
            reason="empty",
        )
    inv = sp.diags(np.divide(1.0, out_tot, out=np.zeros(n), where=out_tot > 0))
    Q = (inv @ counts).tocsr()
    r_conv = to_conv / np.where(out_tot > 0, out_tot, 1)
    mean_val = np.divide(val_at, to_conv, out=np.zeros(n), where=to_conv > 0)
    r_val = r_conv * mean_val

    def solve(removed: np.ndarray | None) -> tuple[float, float]:
        if removed is None:
            Qm, rc, rv = Q, r_conv, r_val
        else:
            keep_m = sp.diags((~removed).astype(float))
            Qm = keep_m @ Q
            rc = r_conv * ~removed
            rv = r_val * ~removed
        A = (sp.identity(n, format="csc") - Qm).tocsc()
        lu = spla.splu(A)
        b = np.column_stack([rc, rv])
        x = lu.solve(b)
        return float(x[0, 0]), float(x[0, 1])

    p0, ev0 = solve(None)
    channels = pdata.channels
    re_c, re_v = {}, {}
    for ch in channels:
        removed = np.zeros(n, bool)
        removed[ch_in_state.get(ch, [])] = True
        pr, evr = solve(removed)
        re_c[ch] = 1.0 - pr / p0 if p0 > 0 else 0.0
        re_v[ch] = 1.0 - evr / ev0 if ev0 > 0 else 0.0
    re = pd.DataFrame({"removal_effect_conv": re_c, "removal_effect_value": re_v}).reindex(channels)
    tot_c = float(conv.sum())
    tot_v = float(val.sum())
    sc, sv = re["removal_effect_conv"].sum(), re["removal_effect_value"].sum()
    credits = pd.DataFrame(
        {
            "markov_conversions": tot_c * re["removal_effect_conv"] / sc if sc > 0 else 0.0,
            "markov_value": tot_v * re["removal_effect_value"] / sv if sv > 0 else 0.0,
        },
        index=channels,
    )
    labels = [START] + states
    Qc = counts.tocoo()
    tr = pd.DataFrame({"from": [labels[i] for i in Qc.row], "to": [labels[j] for j in Qc.col], "count": Qc.data})
    ends = pd.DataFrame(
        {"from": labels * 2, "to": [CONV] * n + [NULL] * n, "count": np.concatenate([to_conv, to_null])}
    )
    tr = pd.concat([tr, ends.loc[ends["count"] > 0]], ignore_index=True)
    tr["probability"] = tr["count"] / tr["from"].map(dict(zip(labels, out_tot, strict=False)))
    tr = tr.sort_values(["from", "to"]).reset_index(drop=True)
    return MarkovResult(order, states, tr, p0, re, credits, ev0)


# --------------------------------------------------------------------------- Shapley
def shapley_values(
    pdata: PathData,
    characteristic: Literal["conversions", "rate"] = "conversions",
    max_channels: int = 14,
    prior_paths: float = 30.0,
) -> pd.DataFrame:
    """Exact Shapley credits over channels (conversions and value).

    Each journey is reduced to its *set* of channels T. Let N(T), C(T), V(T) be the number
    of journeys (conversions + nulls), the conversions and the value of journeys with
    exactly set T, r(T) = C(T)/N(T) the coalition conversion rate, and X⊆(S) = Σ_{T⊆S} X(T).
    The characteristic function of a coalition S is

    * ``conversions`` (default; Zhao et al. 2018): v(S) = Σ_{T⊆S} N(T)·r(T) = C⊆(S), the
      conversions made by journeys that used only channels in S. Its Shapley value splits
      each journey's conversions equally over its distinct channels.
    * ``rate``: v(S) = N_total × r̃(S) with r̃(S) = (C⊆(S) + k·r̄)/(N⊆(S) + k), the conversion
      rate of journeys using only S shrunk to the overall rate r̄ with k = ``prior_paths``
      pseudo-journeys (v(∅) = 0). It rewards channels that raise the conversion rate rather
      than volume; credits can be negative.

    Value uses V in place of C. v(∅) = 0 and v(all channels) = total in both, so the credits
    sum to the total (efficiency). Channels beyond ``max_channels`` (the rarest) are pooled
    as "other" to keep the 2^m enumeration exact.
    """
    t = pdata.touches
    paths = pdata.paths
    codes, all_names = pdata.codes()
    pid = t["path_id"].to_numpy()
    pair = np.unique(pid.astype(np.int64) * len(all_names) + codes)  # distinct (path, channel)
    p_of, c_of = pair // len(all_names), pair % len(all_names)
    freq = pd.Series(np.bincount(c_of, minlength=len(all_names)), index=all_names)
    freq = freq.loc[sorted(all_names)].sort_values(ascending=False, kind="stable")
    keep = list(freq.index) if len(freq) <= max_channels else list(freq.index[: max_channels - 1])
    names = sorted(set(keep) | ({"other"} if len(freq) > max_channels else set()))
    m = len(names)
    bit = {c: 1 << i for i, c in enumerate(names)}
    code_bit = np.array([bit.get(c, bit.get("other", 0)) for c in all_names], dtype=np.int64)
    pb = pd.DataFrame({"p": p_of, "b": code_bit[c_of]}).drop_duplicates()
    masks = np.zeros(len(paths), dtype=np.int64)
    np.add.at(masks, pb["p"].to_numpy(), pb["b"].to_numpy())  # distinct powers of two: sum == bitwise or
    nulls = paths["nulls"].to_numpy(float)
    size = 1 << m
    N = np.bincount(masks, weights=paths["conversions"].to_numpy(float) + nulls, minlength=size)
    C = np.bincount(masks, weights=paths["conversions"].to_numpy(float), minlength=size)
    V = np.bincount(masks, weights=paths["value"].to_numpy(float), minlength=size)
    for arr in (N, C, V):  # subset sums (zeta transform): arr[S] = Σ_{T ⊆ S} arr[T]
        for i in range(m):
            b = 1 << i
            sel = (np.arange(size) & b) != 0
            arr[sel] += arr[np.arange(size)[sel] ^ b]
    n_tot = N[size - 1]
    if characteristic == "rate":
        c_tot, v_tot = C[size - 1], V[size - 1]
        rc = (
            (C + prior_paths * c_tot / n_tot) / (N + prior_paths)
            if prior_paths > 0
            else np.divide(C, N, out=np.zeros(size), where=N > 0)
        )
        rv = (
            (V + prior_paths * v_tot / n_tot) / (N + prior_paths)
            if prior_paths > 0
            else np.divide(V, N, out=np.zeros(size), where=N > 0)
        )
        vc, vv = n_tot * rc, n_tot * rv
        vc[0] = vv[0] = 0.0
    elif characteristic == "conversions":
        vc, vv = C, V
    else:
        raise ValueError(f"characteristic must be auto, rate or conversions, got {characteristic!r}")
    from math import factorial

    S = np.arange(size)
    pop = np.array([bin(s).count("1") for s in S])
    wsz = np.array([factorial(k) * factorial(m - k - 1) / factorial(m) if k < m else 0.0 for k in range(m + 1)])
    phi_c, phi_v = {}, {}
    for c in names:
        b = bit[c]
        without = S[(S & b) == 0]
        w = wsz[pop[without]]
        phi_c[c] = float(np.sum(w * (vc[without | b] - vc[without])))
        phi_v[c] = float(np.sum(w * (vv[without | b] - vv[without])))
    out = pd.DataFrame({"shapley_conversions": phi_c, "shapley_value": phi_v}).reindex(names)
    out.attrs["characteristic"] = characteristic
    return out


# --------------------------------------------------------------------------- all models
@dataclass
class AttributionResult:
    """Credits of every model per channel (or program), in conversions and in value."""

    credits: pd.DataFrame  # index channel; columns <model>_conversions / <model>_value
    markov: MarkovResult
    total_conversions: float
    total_value: float
    excluded: dict
    dimension: str = "channel"
    value_label: str = "value"

    @property
    def models(self) -> list[str]:
        return [c[: -len("_conversions")] for c in self.credits.columns if c.endswith("_conversions")]

    def table(self, kind: Literal["conversions", "value"] = "conversions", share: bool = False) -> pd.DataFrame:
        """Channels × models, in conversions (count) or value (USD); ``share`` = fraction of the total."""
        cols = [f"{m}_{kind}" for m in self.models]
        t = self.credits[cols].copy()
        t.columns = self.models
        if share:
            tot = self.total_conversions if kind == "conversions" else self.total_value
            t = t / tot if tot else t
        return t

    def check_totals(self, rtol: float = 1e-9) -> dict[str, float]:
        """Largest relative gap between any model's credit sum and the total (raises if > rtol)."""
        gaps = {}
        for m in self.models:
            for kind, tot in (("conversions", self.total_conversions), ("value", self.total_value)):
                s = float(self.credits[f"{m}_{kind}"].sum())
                gaps[f"{m}_{kind}"] = abs(s - tot) / max(abs(tot), 1e-12)
        worst = max(gaps.values()) if gaps else 0.0
        if worst > rtol:
            raise AssertionError(f"attribution credits do not sum to the total: {gaps}")
        return gaps

    def summary(self) -> str:
        lines = [
            f"Attribution by {self.dimension}: {self.total_conversions:,.0f} conversions, "
            f"{self.value_label} {self.total_value:,.0f}",
            f"  not attributed (no touch in look-back): {self.excluded.get('conversions', 0):,.0f} conversions",
            "Share of conversions by model:",
            self.table("conversions", share=True).round(3).to_string(),
        ]
        return "\n".join(lines)


def attribute(
    pdata: PathData,
    params: AttributionParams | None = None,
    dimension: str = "channel",
    include_nulls: bool = True,
    value_label: str = "value",
) -> AttributionResult:
    """Run every model (rule-based, Markov, Shapley) on path data."""
    p = params or AttributionParams()
    if pdata.total_conversions <= 0:
        raise ABMDataError(
            "paths: no conversions to attribute (no opportunity with touches in the look-back)",
            file="paths",
            column="conversions",
            reason="no conversions",
        )
    rb = rule_based(pdata, RULE_MODELS, p)
    mk = markov_model(pdata, order=p.markov_order, include_nulls=include_nulls, collapse_repeats=p.collapse_repeats)
    sh = shapley_values(pdata, p.shapley_value, p.shapley_max_channels, p.shapley_prior_paths)
    idx = sorted(set(rb.index) | set(sh.index))
    credits = pd.concat([rb.reindex(idx), mk.credits.reindex(idx), sh.reindex(idx)], axis=1).fillna(0.0)
    res = AttributionResult(
        credits, mk, pdata.total_conversions, pdata.total_value, dict(pdata.excluded), dimension, value_label
    )
    res.check_totals(1e-6)
    return res


# --------------------------------------------------------------------------- display helpers
MODEL_LABELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "u_shaped": "U-shaped",
    "w_shaped": "W-shaped",
    "full_path": "Full path",
    "time_decay": "Time decay",
    "markov": "Markov (removal effect)",
    "shapley": "Shapley",
}


def plot_credits(
    res: AttributionResult,
    models=("first_touch", "last_touch", "w_shaped", "markov", "shapley"),
    kind: Literal["conversions", "value"] = "conversions",
    ax=None,
    top: int = 10,
):
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
