"""What is known about each target account, and the action the quarterly review recommends.

:func:`target_knowledge` measures, per account: contacts mapped (notebook 03's matching) against
``roi.buying_committee_size``, contacts with a known persona, the ``mapping.committee`` seats filled and the ones
missing, the last touch and the touches in the last ``grading.review.trim_after_quarters`` quarters, and the
share of ``grading.review.firmographic_columns`` filled in. :func:`programme_quarters` counts the quarters since an
account's first treated programme enrolment (and flags hold-out accounts). :func:`recommend_actions` turns these
into ``trim`` / ``fill gaps`` / ``keep`` / ``remove`` (rules in :mod:`abm_lab.grading.review`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ABMDataError

if TYPE_CHECKING:
    from ..config import Params

__all__ = ["target_knowledge", "programme_quarters", "recommend_actions", "by_id", "ids_of", "need", "SEP"]

_UNKNOWN_FUNCTION = "other"
SEP = "; "


def need(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ABMDataError(f"{what} lacks column(s) {missing}", file=what, column=missing[0], reason="missing column")


def by_id(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` indexed by its account_id (as text), first row per account."""
    return df.assign(account_id=ids_of(df["account_id"])).drop_duplicates("account_id").set_index("account_id")


def ids_of(s: pd.Series) -> pd.Series:
    return s.astype("string").astype(object)


def _quarters_back(as_of: pd.Timestamp, n: int) -> pd.Timestamp:
    """The day ``n`` calendar quarters before ``as_of`` (touches after it are 'in the last n quarters')."""
    return as_of - pd.DateOffset(months=3 * n)


def target_knowledge(
    account_ids: Sequence[str],
    accounts: pd.DataFrame,
    contacts_mapped: pd.DataFrame | None,
    touchpoints: pd.DataFrame | None,
    params: Params,
) -> pd.DataFrame:
    """How much is known about each account (index: ``account_ids``): committee, personas, touches, firmographics.

    ``contacts_mapped``: contact_id, status, account_id, persona_function, persona_seniority (notebook 03's
    ``contacts_mapped``; matched rows count). ``touchpoints``: account_id, timestamp (mapped touchpoints).
    """
    from ..mapping.personas import committee_flags

    rp, as_of = params.grading.review, pd.Timestamp(params.run.as_of).normalize()
    ids = pd.Index([str(a) for a in account_ids], name="account_id")
    out = pd.DataFrame(index=ids)
    seats = [r.name for r in params.mapping.committee]
    cm = contacts_mapped if contacts_mapped is not None else pd.DataFrame(columns=["status", "account_id"])
    need(cm, ["status", "account_id"], "contacts_mapped")
    cm = cm[(cm["status"] == "matched").to_numpy(bool) & cm["account_id"].notna().to_numpy(bool)].reset_index(drop=True)
    for c in ("persona_function", "persona_seniority"):
        if c not in cm.columns:
            cm[c] = pd.Series(pd.NA, index=cm.index, dtype="string")
    aid = ids_of(cm["account_id"])
    out["contacts_mapped"] = aid.value_counts().reindex(ids, fill_value=0).astype(int)
    size = params.roi.buying_committee_size
    out["committee_size"] = size
    out["committee_coverage"] = np.minimum(out["contacts_mapped"] / size, 1.0)
    fn = cm["persona_function"].astype("string")
    known = (fn.notna() & (fn != _UNKNOWN_FUNCTION)).to_numpy(bool)
    out["contacts_with_persona"] = aid[known].value_counts().reindex(ids, fill_value=0).astype(int)
    flags = committee_flags(cm, params.mapping.committee)
    filled = pd.DataFrame({s: flags[f"role_{s}"].to_numpy(bool) for s in seats}, index=aid.to_numpy())
    filled = filled.groupby(level=0).any().reindex(ids, fill_value=False) if len(seats) else filled
    out["seats_known"] = filled.sum(axis=1).astype(int) if len(seats) else 0
    out["seat_coverage"] = out["seats_known"] / len(seats) if seats else np.nan
    out["missing_personas"] = (
        [SEP.join(s for s in seats if not row[s]) for _, row in filled.iterrows()] if seats else ""
    )

    tp = touchpoints if touchpoints is not None else pd.DataFrame(columns=["account_id", "timestamp"])
    need(tp, ["account_id", "timestamp"], "touchpoints")
    tp = tp[tp["account_id"].notna().to_numpy(bool)]
    ts = pd.to_datetime(tp["timestamp"])
    day = (ts.dt.tz_localize(None) if getattr(ts.dt, "tz", None) is not None else ts).dt.normalize()
    keep = (day <= as_of).to_numpy(bool)
    tp_ids, day = ids_of(tp["account_id"])[keep], day[keep]
    last = day.groupby(tp_ids.to_numpy()).max().reindex(ids)
    out["last_touch"] = last.dt.date
    out["days_since_last_touch"] = (as_of - last).dt.days.astype("Int64")
    recent = (day > _quarters_back(as_of, rp.trim_after_quarters)).to_numpy(bool)
    out["recent_touches"] = tp_ids[recent].value_counts().reindex(ids, fill_value=0).astype(int)

    acc = by_id(accounts).reindex(ids)
    have = pd.DataFrame(index=ids)
    for c in rp.firmographic_columns:
        if c in acc.columns:
            v = acc[c]
            have[c] = (v.notna() & (v.astype("string").str.strip() != "")).fillna(False).to_numpy(bool)
        else:
            have[c] = False
    out["firmographic_completeness"] = have.mean(axis=1)
    out["missing_firmographics"] = [SEP.join(c for c in have.columns if not row[c]) for _, row in have.iterrows()]
    return out


def programme_quarters(ids: pd.Index, programs: pd.DataFrame | None, as_of: pd.Timestamp) -> pd.DataFrame:
    """Quarters since each account's first treated enrolment (0: none) and whether it is only in a control arm."""
    out = pd.DataFrame({"quarters_in_programme": 0, "holdout": False}, index=ids)
    if programs is None or not len(programs) or not {"account_id", "start_date"} <= set(programs.columns):
        return out
    pr = programs[pd.to_datetime(programs["start_date"]).dt.normalize() <= as_of]
    arm = pr["arm"].astype("string") if "arm" in pr.columns else pd.Series(pd.NA, index=pr.index, dtype="string")
    control = (arm == "control").fillna(False).to_numpy(bool)
    pid = ids_of(pr["account_id"]).to_numpy()
    first = pd.to_datetime(pr["start_date"])[~control].groupby(pid[~control]).min().reindex(ids)
    q_now = as_of.to_period("Q").ordinal
    q = first.dropna().dt.to_period("Q").map(lambda p: q_now - p.ordinal + 1)
    out.loc[q.index, "quarters_in_programme"] = q.astype(int).to_numpy()
    in_control = pd.Index(pid[control]).unique()
    out["holdout"] = ids.isin(in_control) & (out["quarters_in_programme"] == 0).to_numpy(bool)
    return out


def recommend_actions(table: pd.DataFrame, params: Params) -> pd.DataFrame:
    """``table`` with ``action`` and ``action_detail`` (see the module docstring for the rules, in this order)."""
    rp = params.grading.review
    budget = params.grading.budget_per_account
    t = table.copy()
    paid_list = t["tier"].map(lambda x: budget.get(str(x), 0.0) > 0 if pd.notna(x) else False).astype(bool)
    spend_q = np.maximum(np.where(paid_list, t["quarters_on_list"].fillna(0), 0), t["quarters_in_programme"])
    action, detail = [], []
    for i, r in enumerate(t.itertuples(index=False)):
        if r.status == "left":
            action.append("remove")
            detail.append(f"{r.reason}: take it off the target audiences and sequences")
            continue
        if not r.holdout and spend_q[i] >= rp.trim_after_quarters and r.recent_touches < rp.trim_min_touches:
            seen = (
                "never touched"
                if pd.isna(r.days_since_last_touch)
                else f"last touch {r.days_since_last_touch} days ago"
            )
            action.append("trim")
            detail.append(
                f"{r.recent_touches} touches in the last {rp.trim_after_quarters} quarters despite "
                f"{int(spend_q[i])} quarters of spend ({seen})"
            )
            continue
        gaps = []
        if r.committee_coverage < rp.min_committee_coverage:
            gaps.append(f"contacts {r.contacts_mapped} of {r.committee_size}")
        if pd.notna(r.seat_coverage) and r.seat_coverage < rp.min_seat_share and r.missing_personas:
            gaps.append("find " + r.missing_personas.replace(SEP, ", "))
        if r.firmographic_completeness < rp.min_firmographic_completeness:
            gaps.append("firmographics: " + r.missing_firmographics.replace(SEP, ", "))
        action.append("fill gaps" if gaps else "keep")
        detail.append(SEP.join(gaps))
    t["action"], t["action_detail"] = action, detail
    return t
