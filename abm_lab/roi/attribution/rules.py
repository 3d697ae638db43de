"""Rule-based attribution: first / last touch, linear, U- and W-shaped, full path and time decay.

Position models use Marketo Measure's (Bizible's) default weights (``roi.attribution.weights``), a touch
credited once however many milestones it holds (:func:`rule_weights`); time decay halves a touch's weight
every ``roi.attribution.half_life_days`` before the conversion.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ...config.roi import AttributionParams
from .paths import PathData

RULE_MODELS = ("first_touch", "last_touch", "linear", "u_shaped", "w_shaped", "full_path", "time_decay")


def rule_weights(pdata: PathData, model: str, params: AttributionParams | None = None) -> np.ndarray:
    """Credit share of each touch (touch order of ``pdata.touches``); sums to 1 per path.

    Position models follow Marketo Measure's milestone weights (U-shaped: first touch FT and lead creation
    LC; W-shaped: FT, LC and opportunity creation OC; full path: FT, LC, OC and closed won CW; the spread
    share goes evenly to the other touches). Milestones come from the flags ``is_first_touch``,
    ``is_lead_creation``, ``is_opp_creation``, ``is_closed_won`` (account paths, found over the whole
    journey, see :func:`.paths.account_paths`); without them (generic path strings) FT and LC are the first
    touch and OC and CW the last.

    A touch is credited once: a touch holding several milestones gets the share of one (the largest), never
    their sum, so the last touch of a pipeline journey (OC) gets 22.5% in full path, not 45%. Shares of
    positions with no touch in the path — milestones on the same touch, a milestone outside the look-back,
    a closed-won touch on a journey that ends at opportunity creation, or the spread share when there are no
    other touches — are vacant, and the shares of the positions present are rescaled to sum to 1 (the
    published weights among what the path holds: full path FT / LC / OC distinct + others on a pipeline
    journey = 22.5 / 22.5 / 22.5 / 10 of 77.5). A path with no position present (all shares 0) is split
    evenly. Time decay: weight ∝ 2^(−age / half_life); without ages, age = touches before the end.
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

    def flag(col: str, default: np.ndarray) -> np.ndarray:
        return t[col].to_numpy(bool) if col in t.columns else default

    ft = flag("is_first_touch", first)
    lc = flag("is_lead_creation", first)
    oc = flag("is_opp_creation", last)
    cw = flag("is_closed_won", last)
    if model == "u_shaped":
        parts = [(ft, w.u_first), (lc, w.u_lead_creation)]
    elif model == "w_shaped":
        parts = [(ft, w.w_first), (lc, w.w_lead_creation), (oc, w.w_opp_creation)]
    elif model == "full_path":
        parts = [(m, w.full_milestone) for m in (ft, lc, oc, cw)]
    else:
        raise ValueError(f"unknown rule-based model {model!r}; use one of {RULE_MODELS}")
    base = np.zeros(len(t))
    milestone = np.zeros(len(t), bool)
    for mask, share in parts:
        base = np.where(mask, np.maximum(base, share), base)  # one milestone share per touch, never a sum
        milestone |= mask
    spread_share = 1.0 - sum(s for _, s in parts)
    n_other = _path_sum(t, (~milestone).astype(float))
    out = base + np.where(~milestone, spread_share / np.maximum(n_other, 1), 0.0)
    tot = _path_sum(t, out)
    return np.where(tot > 0, out / np.where(tot > 0, tot, 1.0), 1.0 / n)


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
