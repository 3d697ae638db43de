"""Rule-based attribution: first / last touch, linear, U- and W-shaped, full path and time decay.

Position models use Marketo Measure's (Bizible's) default weights (``roi.attribution.weights``); time decay
halves a touch's weight every ``roi.attribution.half_life_days`` before the conversion.
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
