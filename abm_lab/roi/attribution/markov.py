"""Markov chain attribution: exact removal effects on the absorbing chain (no simulation, so repeatable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ...errors import ABMDataError
from ...results import Results, Summary
from .paths import CONV, NULL, START, PathData


@dataclass
class MarkovResult(Results):
    """Absorbing Markov chain fitted to path data, with exact removal effects."""

    order: int
    states: list[str]
    transitions: pd.DataFrame  # from, to, count, probability
    p_conversion: float  # P(reach conversion from start)
    removal_effects: pd.DataFrame  # channel -> removal_effect_conv, removal_effect_value
    credits: pd.DataFrame  # channel -> markov_conversions, markov_value
    expected_value: float  # E[value] per journey from start

    def summary(self) -> Summary:
        s = Summary(f"Markov chain attribution (order {self.order}, exact absorbing-chain solution)")
        s.add_table(self.removal_effects.join(self.credits).round(6), "Removal effects and credits")
        s.add_note(f"states: {len(self.states)}; P(conversion) = {self.p_conversion:.6f}")
        return s


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
    rows: Any  # transition sources, targets and weights: arrays (order 1) or lists (higher orders)
    cols: Any
    wts: Any
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
