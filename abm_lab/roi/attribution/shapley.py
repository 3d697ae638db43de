"""Shapley-value attribution over channels: exact, on channel *sets* (rare channels pooled as "other").

Two characteristic functions (``roi.attribution.shapley_value``):

* ``conversions`` — Zhao, Mahboobi & Bagheri (2018), "Shapley value methods for attribution modeling in
  online advertising" (arXiv:1804.05327): v(S) = conversions of the journeys that used only channels in S.
  Its Shapley value is the equal split of each journey's conversions over its distinct channels, so
  non-converting journeys ("nulls") play no part: 100 times more nulls on a path change nothing.
* ``rate`` — the conversion rate of each channel coalition: the conversions of every journey set T are
  split over T's channels by the Shapley values of the game v(S) = conversion rate of journeys whose
  channel set is exactly S, for S ⊆ T (the per-journey split of DP6's ``MAM.attribution_shapley`` with
  ``values_col='conv_rate'``; the rate game of Shao & Li 2011 and Dalessandro et al. 2012). Nulls count:
  a channel whose journeys rarely convert earns less of the journeys it shares with others.

Why the earlier ``rate`` variant gave ChannelAttribution's rare channel ``mi`` 1,707 of 19,785 conversions
(against 2–4 under every other model): it valued a coalition at N_total × r̃(S), with r̃(S) the rate of the
journeys using only channels in S shrunk to the overall rate r̄ by k pseudo-journeys. A channel seen
alone on few or no journeys has r̃({i}) ≈ r̄, so v({i}) ≈ N_total·r̄ = *all* conversions, and the first step
∅ → {i} (weight 1/m in the Shapley average) gives every channel about total/m (19,785 / 12 ≈ 1,649) however
rarely it is used ({mi} is 8 journeys with 2 conversions: v({mi}) ≈ 88,387 × 0.229 ≈ 20,265). Without
shrinkage the unobserved coalitions are worth 0 and a handful of journeys is scaled to the whole population,
so credits swing by thousands with either sign. The root cause is that a coalition's worth did not depend on
how many journeys used it. Here a channel can only earn conversions of journeys it was on, and rates of rare
coalitions are credibility-weighted (see :func:`coalition_rates`).
"""

from __future__ import annotations

from functools import cache
from math import factorial
from typing import Literal

import numpy as np
import pandas as pd

from ...config.roi import AttributionParams
from .paths import PathData


def _coalitions(pdata: PathData, max_channels: int) -> tuple[list[str], np.ndarray]:
    """Channel names (rarest beyond ``max_channels`` pooled as "other") and each path's channel-set bitmask."""
    t = pdata.touches
    codes, all_names = pdata.codes()
    pid = t["path_id"].to_numpy()
    pair = np.unique(pid.astype(np.int64) * len(all_names) + codes)  # distinct (path, channel)
    p_of, c_of = pair // len(all_names), pair % len(all_names)
    freq = pd.Series(np.bincount(c_of, minlength=len(all_names)), index=all_names)
    freq = freq.loc[sorted(all_names)].sort_values(ascending=False, kind="stable")
    keep = list(freq.index) if len(freq) <= max_channels else list(freq.index[: max_channels - 1])
    names = sorted(set(keep) | ({"other"} if len(freq) > max_channels else set()))
    bit = {c: 1 << i for i, c in enumerate(names)}
    code_bit = np.array([bit.get(c, bit.get("other", 0)) for c in all_names], dtype=np.int64)
    pb = pd.DataFrame({"p": p_of, "b": code_bit[c_of]}).drop_duplicates()
    masks = np.zeros(len(pdata.paths), dtype=np.int64)
    np.add.at(masks, pb["p"].to_numpy(), pb["b"].to_numpy())  # distinct powers of two: sum == bitwise or
    return names, masks


def _zeta(arr: np.ndarray, m: int) -> np.ndarray:
    """Subset sums: out[S] = Σ_{T ⊆ S} arr[T]."""
    out = arr.astype(float).copy()
    size = 1 << m
    S = np.arange(size)
    for i in range(m):
        sel = (S & (1 << i)) != 0
        out[sel] += out[S[sel] ^ (1 << i)]
    return out


def coalition_rates(n: np.ndarray, x: np.ndarray, m: int, prior_paths: float) -> np.ndarray:
    """Credibility-weighted rate x/n of every channel set S (arrays indexed by bitmask, exact-set totals).

    r̂(S) = (x(S) + k·r₀(S)) / (n(S) + k), k = ``prior_paths``: a coalition seen on n journeys is trusted
    in proportion n / (n + k). The complement r₀(S) is the pooled rate of the journeys whose channel set is
    a *strict* subset of S (what the channels of S achieve without the full combination), or the overall rate
    when no such journey exists (single channels). A coalition no journey used (n = 0) is valued r₀(S), so an
    added channel with no evidence of its own changes the rate by nothing rather than by an extrapolation.
    r̂(∅) = 0 (no touch, no attributable conversion).
    """
    nz, xz = _zeta(n, m), _zeta(x, m)
    ns, xs = nz - n, xz - x
    overall = xz[-1] / nz[-1] if nz[-1] > 0 else 0.0
    r0 = np.divide(xs, ns, out=np.full(len(n), overall), where=ns > 0)
    den = n + prior_paths
    r = np.divide(x + prior_paths * r0, den, out=r0.copy(), where=den > 0)
    r[0] = 0.0
    return r


@cache
def _subgame(t: int) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Local subsets of a t-player game: for each player j, the subsets without j and their Shapley weights."""
    idx = np.arange(1 << t)
    pc = np.array([bin(s).count("1") for s in idx])
    wsz = np.array([factorial(s) * factorial(t - s - 1) / factorial(t) for s in range(t)])
    without = [idx[(idx >> j) & 1 == 0] for j in range(t)]
    return idx, without, [wsz[pc[w]] for w in without]


def _split_by_rate_game(mask: int, r: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Players (bit positions) of ``mask`` and their shares of its conversions under the rate game ``r``.

    Shapley values of v(S) = r[S] over the subsets of ``mask``; negative values (a channel whose presence
    lowers the rate) are set to 0 and the rest rescaled to sum to 1, so credits are conversions, never
    negative; when no channel raises the rate, the journey set's conversions are split equally."""
    bits = [j for j in range(int(mask).bit_length()) if (mask >> j) & 1]
    t = len(bits)
    idx, without, weights = _subgame(t)
    glob = np.zeros(len(idx), dtype=np.int64)
    for j, b in enumerate(bits):
        glob |= ((idx >> j) & 1) << b
    phi = np.array(
        [
            np.sum(w * (r[glob[s | (1 << j)]] - r[glob[s]]))
            for j, (s, w) in enumerate(zip(without, weights, strict=True))
        ]
    )
    pos = np.clip(phi, 0.0, None)
    tot = pos.sum()
    return bits, (pos / tot if tot > 0 else np.full(t, 1.0 / t))


def shapley_values(
    pdata: PathData,
    characteristic: Literal["conversions", "rate"] | None = None,
    max_channels: int | None = None,
    prior_paths: float | None = None,
) -> pd.DataFrame:
    """Exact Shapley credits over channels (conversions and value); defaults from ``roi.attribution``
    (``shapley_value``, ``shapley_max_channels``, ``shapley_prior_paths``).

    Each journey is reduced to its *set* of channels T; N(T), C(T), V(T) are the journeys (conversions +
    nulls), conversions and value of the journeys with exactly set T.

    * ``conversions``: v(S) = Σ_{T⊆S} C(T); the Shapley value gives each channel of T the share C(T)/|T|
      (Zhao et al. 2018). Nulls do not count.
    * ``rate``: for every T with conversions, C(T) is split over T's channels in proportion to their
      Shapley values in the game v(S) = r̂(S), S ⊆ T, with r̂ the credibility-weighted conversion rate of
      :func:`coalition_rates` (k = ``prior_paths``); value likewise with V/N (value per journey) and V(T).
      A channel earns only conversions of journeys it was on, never more than they made, never negative.

    Both are efficient: every model's credits sum to the total conversions and value. Channels beyond
    ``max_channels`` (the rarest) are pooled as "other" to keep the enumeration exact.
    """
    defaults = AttributionParams()
    characteristic = characteristic or defaults.shapley_value
    max_channels = defaults.shapley_max_channels if max_channels is None else max_channels
    prior_paths = defaults.shapley_prior_paths if prior_paths is None else prior_paths
    if characteristic not in ("conversions", "rate"):
        raise ValueError(f"characteristic must be 'rate' or 'conversions', got {characteristic!r}")
    names, masks = _coalitions(pdata, max_channels)
    m = len(names)
    size = 1 << m
    conv = pdata.paths["conversions"].to_numpy(float)
    val = pdata.paths["value"].to_numpy(float)
    C = np.bincount(masks, weights=conv, minlength=size)
    V = np.bincount(masks, weights=val, minlength=size)
    if characteristic == "conversions":
        phi_c, phi_v = _global_shapley(_zeta(C, m), m), _global_shapley(_zeta(V, m), m)
    else:
        N = np.bincount(masks, weights=conv + pdata.paths["nulls"].to_numpy(float), minlength=size)
        rc, rv = coalition_rates(N, C, m, prior_paths), coalition_rates(N, V, m, prior_paths)
        phi_c, phi_v = np.zeros(m), np.zeros(m)
        for T in np.flatnonzero((C > 0) | (V > 0)):
            bits, share = _split_by_rate_game(int(T), rc)
            phi_c[bits] += C[T] * share
            bits, share = _split_by_rate_game(int(T), rv)
            phi_v[bits] += V[T] * share
    out = pd.DataFrame({"shapley_conversions": phi_c, "shapley_value": phi_v}, index=names)
    out.attrs["characteristic"] = characteristic
    return out


def _global_shapley(v: np.ndarray, m: int) -> np.ndarray:
    """Exact Shapley values of the m-player game v (indexed by bitmask)."""
    S = np.arange(1 << m)
    pop = np.array([bin(s).count("1") for s in S])
    wsz = np.array([factorial(k) * factorial(m - k - 1) / factorial(m) if k < m else 0.0 for k in range(m + 1)])
    out = np.zeros(m)
    for i in range(m):
        without = S[(S & (1 << i)) == 0]
        out[i] = float(np.sum(wsz[pop[without]] * (v[without | (1 << i)] - v[without])))
    return out
