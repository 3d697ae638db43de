"""Suspicious patterns in loaded data (abm_lab.data.diagnose): each found on a dataset crafted to show it, with
its counts, and none on the clean small demo world."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config import Params
from abm_lab.data import diagnose as D
from abm_lab.data.io import Dataset

PARAMS = Params()


def _with(ds: Dataset, **tables: pd.DataFrame) -> Dataset:
    """A copy of ``ds`` with some tables replaced (the session fixture is never changed)."""
    return Dataset(tables={**ds.tables, **tables}, files=dict(ds.files))


def _only(found: list[str], table: str) -> list[str]:
    return [m for m in found if m.startswith(table + ":")]


def test_clean_demo_world_raises_nothing(small_dataset):
    assert D.diagnose(small_dataset, PARAMS) == []


def test_every_touch_in_other_is_reported_as_100_percent(small_dataset):
    tp = small_dataset.tables["touchpoints"].assign(channel="other")
    found = D.diagnose(_with(small_dataset, touchpoints=tp), PARAMS)
    (msg,) = _only(found, "touchpoints")
    assert f"100% of {len(tp):,} touches" in msg and "'other'" in msg and "not recognised" in msg


def test_near_single_channel_and_mostly_other(small_dataset):
    tp = small_dataset.tables["touchpoints"].copy()
    n = len(tp)
    k = int(n * 0.97)
    tp["channel"] = ["email"] * k + ["web"] * (n - k)
    (msg,) = D.channel_patterns(tp)
    assert "97% of" in msg and "'email'" in msg and "not recognised" not in msg
    tp["channel"] = ["other"] * (n // 2 + 1) + ["web"] * (n - n // 2 - 1)
    (msg,) = D.channel_patterns(tp)
    assert "channel 'other'" in msg and "50%" in msg
    tp["channel"] = ["other"] * (n // 2 - 100) + ["web"] * (n - n // 2 + 100)
    assert D.channel_patterns(tp) == []


def test_people_duplicated_by_email_counts_addresses_and_people(small_dataset):
    c = small_dataset.tables["contacts"]
    with_mail = c.loc[c["email"].notna()]
    copies = with_mail.head(300).assign(
        contact_id=lambda d: "DUP" + d["contact_id"].astype(str),
        record_type="lead",
        email=lambda d: "  " + d["email"].str.upper(),  # same address, other case and spaces
    )
    both = pd.concat([c, copies], ignore_index=True)
    email = both["email"].dropna().str.strip().str.lower()
    n_addr = int(email[email.duplicated(keep=False)].nunique())
    n_people = int(email.duplicated(keep=False).sum())
    assert n_addr >= 300  # the 300 copies plus the world's own few duplicates
    (msg,) = _only(D.diagnose(_with(small_dataset, contacts=both), PARAMS), "contacts")
    assert f"{n_addr:,} e-mail addresses are shared by {n_people:,} people" in msg
    assert "both a contact and a lead" in msg


def test_few_duplicates_are_noise_not_reported(small_dataset):
    c = small_dataset.tables["contacts"]
    copies = c.loc[c["email"].notna()].head(5).assign(contact_id=lambda d: "DUP" + d["contact_id"].astype(str))
    assert D.duplicate_people(pd.concat([c, copies], ignore_index=True)) == []


def test_open_deals_with_close_dates(small_dataset):
    o = small_dataset.tables["opportunities"].copy()
    open_ = ~o["is_closed"].astype(bool)
    n_open = int(open_.sum())
    assert n_open >= 4
    idx = o.index[open_]
    o.loc[idx[:3], "close_date"] = pd.Timestamp("2026-06-30")  # before as_of
    o.loc[idx[3:], "close_date"] = pd.Timestamp("2027-03-31")  # expected dates after as_of
    (msg,) = _only(D.diagnose(_with(small_dataset, opportunities=o), PARAMS), "opportunities")
    assert (
        f"{n_open:,} of {n_open:,} open deals have a close date (3 on or before 2026-12-31, {n_open - 3:,} later)"
        in msg
    )
    assert "expected close dates" in msg


def test_customers_derived_from_won_deals_are_said_with_their_count(small_dataset):
    ds = _with(small_dataset)
    assert D.derived_customers(ds) == []
    ds.derived = {D.DERIVED_CUSTOMERS: 57}  # type: ignore[attr-defined]  # set by the loader when it derives
    (msg,) = _only(D.diagnose(ds, PARAMS), "accounts")
    assert "derived from won deals: 57 accounts" in msg


def test_no_programmes_and_no_costs_mean_no_roi(small_dataset):
    progs, costs = small_dataset.tables["programs"], small_dataset.tables["costs"]
    found = D.diagnose(_with(small_dataset, programs=progs.iloc[:0], costs=costs.iloc[:0]), PARAMS)
    assert len(_only(found, "programs")) == 1 and "no lift or ROI" in _only(found, "programs")[0]
    assert len(_only(found, "costs")) == 1 and "no ROI will be estimated" in _only(found, "costs")[0]
    # a cost set in params is a denominator: only the missing programme is reported
    fixed = PARAMS.model_copy(update={"roi": PARAMS.roi.model_copy(update={"program_cost": 1e5})})
    found = D.diagnose(_with(small_dataset, costs=costs.iloc[:0]), fixed)
    assert found == []


def test_costs_of_unknown_programme_ids_are_reported(small_dataset):
    costs = small_dataset.tables["costs"]
    extra = costs.head(4).assign(program_id="FY26 Webinar series", amount=1000.0)
    found = D.diagnose(_with(small_dataset, costs=pd.concat([costs, extra], ignore_index=True)), PARAMS)
    (msg,) = _only(found, "costs")
    assert "4 rows (4,000 USD)" in msg and "unknown programme ids (FY26 Webinar series)" in msg


def test_touches_linked_to_nothing(small_dataset):
    tp = small_dataset.tables["touchpoints"].copy()
    n = len(tp) // 10
    tp.loc[tp.index[:n], ["contact_id", "account_id", "visitor_domain"]] = pd.NA
    (msg,) = _only(D.diagnose(_with(small_dataset, touchpoints=tp), PARAMS), "touchpoints")
    assert f"{n:,} of {len(tp):,} touches" in msg and "no person, account or visitor domain" in msg


def test_contacts_without_account_or_company(small_dataset):
    c = small_dataset.tables["contacts"].copy()
    base = int((c["account_id"].isna() & c["company_name"].isna()).sum())
    c.loc[c.index[: len(c) // 2], ["account_id", "company_name"]] = pd.NA
    n = int((c["account_id"].isna() & c["company_name"].isna()).sum())
    assert n > base
    (msg,) = _only(D.diagnose(_with(small_dataset, contacts=c), PARAMS), "contacts")
    assert f"{n:,} of {len(c):,} people" in msg and "neither an account nor a company name" in msg


@pytest.mark.parametrize("table", ["touchpoints", "contacts", "opportunities", "programs", "costs"])
def test_missing_or_empty_tables_do_not_crash(small_dataset, table):
    tables = {k: v for k, v in small_dataset.tables.items() if k != table}
    found = D.diagnose(Dataset(tables=tables), PARAMS)
    assert all(isinstance(m, str) for m in found)
