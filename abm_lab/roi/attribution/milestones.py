"""Milestone touches of account journeys (first touch, lead creation, opportunity creation, closed won).

The position models (U-shaped, W-shaped, full path; Marketo Measure's definitions) credit four milestones.
They are searched over the *whole journey* — every touch of the account before the conversion, however
old — while the look-back window only decides which touches are credited (:func:`.paths.account_paths`);
a milestone that falls before the window is not credited and its share is redistributed
(:func:`.rules.rule_weights`). Each milestone is one touch (or none):

* **first touch (FT)**: the account's first touch;
* **lead creation (LC)**: for every person of the account created on or before the conversion day
  (``contacts.created_date``), their touch at or just before their creation: the first lead-creation activity
  (form fill, demo request, …; ``lead_creation_activities``) of the day they were created, else their last
  touch before the end of that day; the journey's LC is the earliest of these. A person created before any
  touch of theirs (list import, sales-entered) has no LC touch; when no person has one, the journey has no
  LC milestone.
  Without ``contacts`` (or without any creation date): the first lead-creation activity, else the first
  touch of a known person, else none;
* **opportunity creation (OC)**: the last touch on or before the opportunity's created day (pipeline
  journeys end there, so it is their last touch);
* **closed won (CW)**: won deals only, the last touch on or before the close day. Pipeline journeys have
  none (the deal is not closed yet).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = pd.Timedelta(days=1)


def _first_per_key(df: pd.DataFrame, last: bool = False) -> pd.Series:
    """``order`` of the first (or last) row of each key (rows sorted by key, time, order)."""
    g = df.groupby("key", sort=False)["order"]
    return g.last() if last else g.first()


def milestone_orders(j: pd.DataFrame, variant: str, created_by_person: pd.Series | None) -> dict[str, pd.Series]:
    """Touch (``order``) of each milestone per journey key, from all of a journey's touches ``j``.

    ``j`` has key, timestamp, order, person (code, −1 = anonymous), _lc (lead-creation activity), _known,
    end_excl (the day after the conversion), created (opportunity created date; NaT for null journeys) and
    conv, sorted by key, timestamp, order.
    ``created_by_person``: each person code's creation day (None: no contact creation dates).
    Returns is_first_touch / is_lead_creation / is_opp_creation / is_closed_won → Series key → order.
    """
    out = {"is_first_touch": _first_per_key(j)}
    out["is_lead_creation"] = _lead_creation(j, created_by_person)
    opp = j.loc[j["created"].notna()]
    oc = opp.loc[opp["timestamp"] < opp["created"] + DAY]
    out["is_opp_creation"] = _first_per_key(oc, last=True)
    won = j.loc[(j["conv"] > 0) & (variant == "closed")]
    out["is_closed_won"] = _first_per_key(won, last=True)
    return out


def _lead_creation(j: pd.DataFrame, created_by_person: pd.Series | None) -> pd.Series:
    if created_by_person is None or created_by_person.notna().sum() == 0:
        lc = _first_per_key(j.loc[j["_lc"]])
        known = _first_per_key(j.loc[j["_known"]])
        return lc.combine_first(known)
    pc = pd.Series(created_by_person.to_numpy(), index=created_by_person.index)
    made = pd.to_datetime(pc.reindex(j["person"].to_numpy()).to_numpy())
    jj = j.assign(_made=made)
    cand = jj.loc[jj["_made"].notna() & (jj["timestamp"] < jj["_made"] + DAY) & (jj["_made"] < jj["end_excl"])]
    pref = ((cand["timestamp"] >= cand["_made"]) & cand["_lc"]).to_numpy(bool)
    ts = cand["timestamp"].to_numpy("datetime64[ns]").astype(np.int64)
    # per person, the last row after sorting: the *first* lead-creation activity of the creation day if any
    # (the one that created the lead), else the latest touch before the end of that day
    cand = cand.assign(_pref=pref, _rank=np.where(pref, -ts, ts), _ord=np.where(pref, -cand["order"], cand["order"]))
    per_person = cand.sort_values(["key", "person", "_pref", "_rank", "_ord"], kind="stable")
    per_person = per_person.groupby(["key", "person"], sort=False).tail(1)
    per_person = per_person.sort_values(["key", "timestamp", "order"], kind="stable")
    return _first_per_key(per_person)


def flag_touches(j: pd.DataFrame, orders: dict[str, pd.Series]) -> dict[str, np.ndarray]:
    """Boolean flag per touch of ``j`` (key, order) for each milestone."""
    keys, order = j["key"].to_numpy(), j["order"].to_numpy()
    flags = {}
    for name, s in orders.items():
        target = pd.Series(s.to_numpy(np.int64), index=s.index).reindex(keys).to_numpy()
        flags[name] = np.asarray(target == order, bool) & ~pd.isna(target)
    return flags
