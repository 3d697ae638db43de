"""Suspicious patterns in a loaded dataset, in plain words with counts (``abm-lab validate`` prints them).

A dataset can pass every per-table check and still be loaded wrong: a CRM preset that sets every touch's
channel to ``other`` gives attribution 100% to "other"; converted Salesforce leads loaded beside their
contacts count the same person twice; Salesforce's *expected* ``CloseDate`` read on open deals makes them look
closed; without programmes or costs no ROI is estimated. :func:`diagnose` finds these patterns and says what
each means and how to fix it; it never changes the data and never stops a run (readiness does that:
:mod:`abm_lab.data.readiness`).

Thresholds (module constants: they describe when a pattern stops being normal CRM noise, not the user's
business, so they are not params):

* :data:`ONE_CHANNEL_SHARE` (0.95) — touches in one channel at or above this share are reported (100% said so);
* :data:`OTHER_CHANNEL_SHARE` (0.5) — touches in channel ``other`` (the channel was not recognised) at or above
  this share are reported even when other channels exist;
* :data:`DUPLICATE_EMAIL_SHARE` (0.01) — people sharing an e-mail address with another person, as a share of
  people with an e-mail, at or above this are reported (a few duplicates are ordinary CRM noise);
* :data:`UNLINKED_TOUCH_SHARE` (0.01) — touches with no person, account or visitor domain (they can never be
  tied to an account) at or above this share;
* :data:`UNPLACED_CONTACT_SHARE` (0.25) — people with neither an account nor a company name (the lead-to-account
  mapping has nothing to match on) at or above this share.

Open deals with a close date, customers derived from won deals, programmes or costs missing and costs rows of
programme ids that are not in ``programs`` are reported whenever they occur.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ..config import Params
    from .io import Dataset

ONE_CHANNEL_SHARE = 0.95
OTHER_CHANNEL_SHARE = 0.5
DUPLICATE_EMAIL_SHARE = 0.01
UNLINKED_TOUCH_SHARE = 0.01
UNPLACED_CONTACT_SHARE = 0.25
#: key of ``Dataset.derived`` (count of accounts) set by the loader when is_customer came from won deals
DERIVED_CUSTOMERS = "is_customer_from_won_deals"


def _table(ds: Dataset, name: str) -> pd.DataFrame:
    t = ds.tables.get(name)
    return t if t is not None else pd.DataFrame()


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` or an all-missing column (a table without it)."""
    return df[name] if name in df.columns else pd.Series(pd.NA, index=df.index, dtype="object")


def _blank(s: pd.Series) -> pd.Series:
    """Missing or blank text."""
    return s.isna() | s.astype("string").str.strip().eq("").fillna(True)


def _pct(x: float) -> str:
    return "100%" if x >= 1 else f"{x:.1%}" if x < 0.1 else f"{x:.0%}"


def channel_patterns(tp: pd.DataFrame) -> list[str]:
    """One channel holding (nearly) every touch, or most touches in ``other`` (channel not recognised)."""
    if tp.empty or "channel" not in tp.columns:
        return []
    share = tp["channel"].astype("string").fillna("(blank)").value_counts(normalize=True)
    top, top_share = str(share.index[0]), float(share.iloc[0])
    n = len(tp)
    if top_share >= ONE_CHANNEL_SHARE:
        msg = (
            f"touchpoints: {_pct(top_share)} of {n:,} touches are in one channel ('{top}'), so attribution and "
            "channel views will give it all the credit"
        )
        if top == "other":
            msg += "; the channel was probably not recognised (map it with data.value_map or a constant per file)"
        return [msg + "."]
    other = float(share.get("other", 0.0))
    if other >= OTHER_CHANNEL_SHARE:
        return [
            f"touchpoints: {_pct(other)} of {n:,} touches have channel 'other' (not recognised); map the source's "
            "channel values with data.value_map."
        ]
    return []


def duplicate_people(contacts: pd.DataFrame) -> list[str]:
    """People sharing an e-mail address (e.g. converted leads loaded beside their contacts)."""
    if contacts.empty or "email" not in contacts.columns:
        return []
    email = contacts["email"].astype("string").str.strip().str.lower()
    email = email[~_blank(email)]
    if email.empty:
        return []
    dup = email[email.duplicated(keep=False)]
    if dup.empty or len(dup) / len(email) < DUPLICATE_EMAIL_SHARE:
        return []
    n_addr, n_people = dup.nunique(), len(dup)
    rt = _col(contacts, "record_type").astype("string").loc[dup.index]
    mixed = dup.groupby(dup).apply(lambda g: rt.loc[g.index].nunique() > 1).sum()
    msg = (
        f"contacts: {n_addr:,} e-mail addresses are shared by {n_people:,} people "
        f"({_pct(n_people / len(email))} of people with an e-mail), so they are counted more than once"
    )
    if mixed:
        msg += f"; {int(mixed):,} of these addresses belong to both a contact and a lead (converted leads not merged?)"
    return [msg + "."]


def open_deals_with_close_dates(opps: pd.DataFrame, as_of: object) -> list[str]:
    """Open deals carrying a close date: usually the CRM's *expected* close date read as the actual one."""
    if opps.empty or "close_date" not in opps.columns:
        return []
    closed = (
        _col(opps, "is_closed").fillna(False).astype(bool)
        if "is_closed" in opps.columns
        else _col(opps, "stage").isin(["closed_won", "closed_lost"])
    )
    open_ = ~closed
    dated = open_ & opps["close_date"].notna()
    if not dated.any():
        return []
    cd = pd.to_datetime(opps.loc[dated, "close_date"])
    past = int((cd <= pd.Timestamp(as_of)).sum())
    return [
        f"opportunities: {int(dated.sum()):,} of {int(open_.sum()):,} open deals have a close date "
        f"({past:,} on or before {pd.Timestamp(as_of).date()}, {int(dated.sum()) - past:,} later); a close date "
        "should be blank while a deal is open — are expected close dates (e.g. Salesforce CloseDate) being read "
        "as close dates?"
    ]


def derived_customers(ds: Dataset) -> list[str]:
    """The customer flag came from won deals (the accounts table had no is_customer values)."""
    n = getattr(ds, "derived", {}).get(DERIVED_CUSTOMERS)
    if n is None:
        return []
    return [
        f"accounts: the accounts table has no customer flag (is_customer), so customers were derived from won "
        f"deals: {int(n):,} accounts with a won opportunity are customers. Map a customer field (e.g. Account "
        "Type, lifecycle stage) if customers without a won deal in the export exist."
    ]


def programme_patterns(ds: Dataset, params: Params) -> list[str]:
    """No programmes, no costs, or costs of programme ids not in ``programs`` (reported by id)."""
    from ..roi.economics import cost_notes

    prog, costs = _table(ds, "programs"), _table(ds, "costs")
    out = []
    if prog.empty:
        out.append(
            "programs: no ABM programme loaded (no target accounts with a start date), so no lift or ROI will be "
            "estimated; set data.program (docs/import.md) or load a programs table."
        )
    if costs.empty and params.roi.program_cost is None:
        out.append(
            "costs: no programme spend loaded and roi.program_cost is not set, so no ROI will be estimated; load "
            "a costs table (or data.ad_spend) or set roi.program_cost."
        )
    if not prog.empty and not costs.empty:
        ids = prog["program_id"].dropna().unique() if "program_id" in prog.columns else []
        out += cost_notes(costs, ids, known_ids=ids, currency=params.run.currency)
    return out


def unlinked_touches(tp: pd.DataFrame) -> list[str]:
    """Touches tied to no person, account or visitor domain: they can never count for an account."""
    if tp.empty:
        return []
    loose = _blank(_col(tp, "contact_id")) & _blank(_col(tp, "account_id")) & _blank(_col(tp, "visitor_domain"))
    n = int(loose.sum())
    if not n or n / len(tp) < UNLINKED_TOUCH_SHARE:
        return []
    return [
        f"touchpoints: {n:,} of {len(tp):,} touches ({_pct(n / len(tp))}) have no person, account or visitor "
        "domain, so they cannot be tied to any account (check the contact id / e-mail join)."
    ]


def unplaced_contacts(contacts: pd.DataFrame) -> list[str]:
    """People with neither an account nor a company name: the lead-to-account mapping has little to go on."""
    if contacts.empty:
        return []
    loose = _blank(_col(contacts, "account_id")) & _blank(_col(contacts, "company_name"))
    share = float(loose.mean())
    if share < UNPLACED_CONTACT_SHARE:
        return []
    return [
        f"contacts: {int(loose.sum()):,} of {len(contacts):,} people ({_pct(share)}) have neither an account nor a "
        "company name; they can be matched to an account only by e-mail domain or website."
    ]


def diagnose(ds: Dataset, params: Params) -> list[str]:
    """Every suspicious pattern in ``ds``, one plain sentence each with its counts (empty when none).

    The patterns and their thresholds are described in the module docstring. The dataset is not changed."""
    tp, contacts, opps = _table(ds, "touchpoints"), _table(ds, "contacts"), _table(ds, "opportunities")
    return [
        *channel_patterns(tp),
        *unlinked_touches(tp),
        *duplicate_people(contacts),
        *unplaced_contacts(contacts),
        *open_deals_with_close_dates(opps, params.run.as_of),
        *derived_customers(ds),
        *programme_patterns(ds, params),
    ]
