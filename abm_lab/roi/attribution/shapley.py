"""Shapley-value attribution over channels, exact over all coalitions (rare channels pooled as "other")."""

from __future__ import annotations

from math import factorial
from typing import Literal

import numpy as np
import pandas as pd

from ...config.roi import AttributionParams
from .paths import PathData


def shapley_values(
    pdata: PathData,
    characteristic: Literal["conversions", "rate"] | None = None,
    max_channels: int | None = None,
    prior_paths: float | None = None,
) -> pd.DataFrame:
    """Exact Shapley credits over channels (conversions and value); defaults from ``roi.attribution``
    (``shapley_value``, ``shapley_max_channels``, ``shapley_prior_paths``).

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
    defaults = AttributionParams()
    characteristic = characteristic or defaults.shapley_value
    max_channels = defaults.shapley_max_channels if max_channels is None else max_channels
    prior_paths = defaults.shapley_prior_paths if prior_paths is None else prior_paths
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
