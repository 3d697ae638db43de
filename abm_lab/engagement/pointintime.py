"""Point-in-time knowledge for the engagement panel: when a person, and a touch's account link, became knowable.

A panel row at snapshot ``s`` may only use what a CRM/marketing-automation database held just before ``s``
(midnight; everything up to the previous day). Besides the touch time itself (``timestamp < s``) that means:

* **People.** A person counts (as a known contact, a key persona, a person on file) only once their record
  exists: ``known_from < s`` with ``known_from`` = ``contacts.created_date`` (for Salesforce converted leads the
  earlier of lead and contact, :mod:`abm_lab.data.presets.salesforce`). A person without a creation date is
  known from their first touch (the earliest evidence of the record). A touch at ``t`` of a person created at
  ``c >= s`` is *not* a known-person touch at ``s``: a CRM links activity to a person only once the person
  exists, even if it later back-fills the history.
* **Account links.** A touch linked to its account by its own data (the source's account, the visitor's
  reverse-IP domain) is knowable at touch time. A touch linked only *through its contact*
  (``link_method == "contact"``; touches with a contact and no method are treated so) is knowable from
  ``max(t, linked_from)``, where ``linked_from`` is the person's account-link date (column
  ``account_linked_date`` when the data has one) else ``known_from``. Approximation: without a link date the
  link is assumed knowable when the person was created; a lead matched to its account by e-mail domain is, a
  CRM link made at conversion may be later (see :func:`conversion_leak_check`).

:func:`conversion_leak_check` is the guard against the classic CRM leak: people whose records appear exactly
when an opportunity opens (leads converted to contacts at opportunity creation, contacts added to the deal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.engagement import EngagementParams

#: Link methods whose account is known only through the touch's contact (notebook 03's ``match_method``).
CONTACT_LINK_METHODS = ("contact",)
#: Optional persona column with the date a person's account link was made (else ``known_from`` is used).
LINK_DATE_COLUMN = "account_linked_date"
#: Lead-conversion guard: a person created within this many days after an opportunity of their account opens
#: counts as "appearing with the opportunity" (module constant until ``engagement.conversion_window_days``).
CONVERSION_WINDOW_DAYS = EngagementParams().conversion_window_days
#: ... and the check warns when that share is this many times what creation dates independent of
#: opportunities would give (``engagement.conversion_leak_ratio``).
CONVERSION_LEAK_RATIO = EngagementParams().conversion_leak_ratio
#: Random re-assignments of creation dates for the expected share.
CONVERSION_PERMUTATIONS = 20


def person_dates(personas: pd.DataFrame | None, touchpoints: pd.DataFrame) -> pd.DataFrame:
    """``contact_id, known_from, linked_from`` per person: creation date (else first touch) and account-link date
    (``account_linked_date`` when given, never before ``known_from``). People only seen in touches are included."""
    ts = pd.to_datetime(touchpoints["timestamp"])
    first = ts.groupby(touchpoints["contact_id"].astype("string")).min()
    first = first[first.index.notna()]
    ids = pd.Index(first.index, dtype="string")
    created = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    linked = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    if personas is not None and len(personas):
        pe = personas.drop_duplicates("contact_id")
        pe.index = pd.Index(pe["contact_id"].astype("string"))
        ids = ids.union(pe.index)
        created = created.reindex(ids)
        linked = linked.reindex(ids)
        if "created_date" in pe.columns:
            created = pd.to_datetime(pe["created_date"]).astype("datetime64[ns]").reindex(ids)
        if LINK_DATE_COLUMN in pe.columns:
            linked = pd.to_datetime(pe[LINK_DATE_COLUMN]).astype("datetime64[ns]").reindex(ids)
    known = created.fillna(first.astype("datetime64[ns]").reindex(ids))
    link = pd.concat([known, linked], axis=1).max(axis=1)
    return pd.DataFrame({"contact_id": ids, "known_from": known.to_numpy(), "linked_from": link.to_numpy()})


def touch_dates(touchpoints: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """``person_from`` (when the touch's person was known; NaT without a person) and ``link_from`` (when its
    account link was knowable) per touch, in ``touchpoints``' order (see the module doc)."""
    ts = pd.to_datetime(touchpoints["timestamp"]).astype("datetime64[ns]")
    cid = touchpoints["contact_id"].astype("string")
    pos = pd.Index(people["contact_id"].astype("string")).get_indexer(cid)

    def lookup(col: str) -> pd.Series:
        vals = np.append(people[col].to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
        return pd.Series(vals[pos], index=touchpoints.index, dtype="datetime64[ns]")

    person_from = lookup("known_from")
    person_from = person_from.where(cid.isna() | person_from.notna(), ts)  # a person seen only here: known at t
    if "link_method" in touchpoints.columns:
        by_contact = touchpoints["link_method"].astype("string").isin(list(CONTACT_LINK_METHODS)).fillna(False)
    else:
        by_contact = cid.notna()
    link = lookup("linked_from").fillna(person_from)
    link_from = ts.where(~by_contact.to_numpy(dtype=bool), pd.concat([ts, link], axis=1).max(axis=1))
    return pd.DataFrame({"person_from": person_from.to_numpy(), "link_from": link_from.to_numpy()})


@dataclass
class ConversionCheck:
    """Share of people created within ``window_days`` after an opportunity of their account opened."""

    people: int
    share: float
    expected_share: float
    window_days: int
    ratio_limit: float

    @property
    def ratio(self) -> float:
        """Observed over expected share (NaN when nothing is expected)."""
        return self.share / self.expected_share if self.expected_share > 0 else float("nan")

    @property
    def warn(self) -> bool:
        """True when people appear with opportunities far more often than chance (the classic CRM leak)."""
        return self.people > 0 and self.share > 0 and (self.expected_share == 0 or self.ratio > self.ratio_limit)

    @property
    def note(self) -> str:
        """One sentence for the notebook."""
        base = (
            f"{self.share:.1%} of {self.people:,} people were created within {self.window_days} days after an "
            f"opportunity of their account opened (expected {self.expected_share:.1%} if creation dates did not "
            "depend on opportunities)"
        )
        if self.warn:
            return (
                base + ": people appear when deals open (leads converted or contacts added at opportunity creation); "
                "the panel counts each person only from their creation date, so they cannot leak into earlier "
                "snapshots, but person-based features are weak predictors here."
            )
        return base + "."


def _share_after_opp(acc: np.ndarray, created: np.ndarray, opps: pd.DataFrame, days: int) -> float:
    p = pd.DataFrame({"account_id": acc, "created": created, "i": np.arange(len(acc))})
    m = p.merge(opps, on="account_id", how="inner")
    lag = (m["created"] - m["opp_created"]).dt.days
    hit = m.loc[(lag >= 0) & (lag <= days), "i"].unique()
    return len(hit) / len(acc) if len(acc) else float("nan")


def conversion_leak_check(
    personas: pd.DataFrame,
    opportunities: pd.DataFrame,
    window_days: int = CONVERSION_WINDOW_DAYS,
    ratio_limit: float = CONVERSION_LEAK_RATIO,
    seed: int = 0,
) -> ConversionCheck:
    """How often people are created within ``window_days`` after an opportunity of their account opened,
    against the share when creation dates are shuffled among people (independent of opportunities).

    ``personas``: contact_id, account_id, created_date; ``opportunities``: account_id, created_date.
    People without account or date are left out."""
    pe = personas.dropna(subset=[c for c in ("account_id", "created_date") if c in personas.columns])
    if not {"account_id", "created_date"} <= set(pe.columns) or pe.empty:
        return ConversionCheck(0, float("nan"), float("nan"), window_days, ratio_limit)
    pe = pe.drop_duplicates("contact_id")
    acc = pe["account_id"].astype("string").to_numpy(dtype=object)
    created = pd.to_datetime(pe["created_date"]).astype("datetime64[ns]").to_numpy()
    op = opportunities.dropna(subset=["account_id", "created_date"])
    opps = pd.DataFrame(
        {
            "account_id": op["account_id"].astype("string").to_numpy(dtype=object),
            "opp_created": pd.to_datetime(op["created_date"]).astype("datetime64[ns]").to_numpy(),
        }
    ).drop_duplicates()
    share = _share_after_opp(acc, created, opps, window_days)
    rng = np.random.default_rng(seed)
    expected = float(
        np.mean(
            [_share_after_opp(acc, rng.permutation(created), opps, window_days) for _ in range(CONVERSION_PERMUTATIONS)]
        )
    )
    return ConversionCheck(len(pe), share, expected, window_days, ratio_limit)
