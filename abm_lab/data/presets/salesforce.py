"""Salesforce reader preset (``data.preset: salesforce``): a Data Export / Data Loader folder onto the canonical model.

Objects read (file ``<Object>.csv``, any case; headers are field API names, matched case-insensitively):
Account, Contact, Lead, Opportunity, OpportunityHistory, OpportunityFieldHistory, Campaign, CampaignMember,
Task, Event. What each field becomes is documented in docs/import.md (section Salesforce) and below:

* ids are kept in their 18-character form (15-character ids are extended with Salesforce's checksum, so a
  report export with 15-character ids joins the Data Export's 18-character ones);
* ``Account.Type`` gives ``is_customer`` through :data:`ACCOUNT_TYPES` (``Customer…`` true);
* converted leads are merged into their contact (:func:`_people`), and the lead id is remembered so that
  campaign members and tasks of the lead point at the contact;
* ``StageName`` goes through :data:`STAGES` (the default picklist) and ``IsClosed`` / ``IsWon`` for custom closed
  stages; ``CloseDate`` of an open deal is an expected date and is not used;
* campaigns, members, tasks, events and the programme: :mod:`.salesforce_activity`.

``data.column_map[table]`` maps further (custom ``__c``) fields of the table's objects onto canonical columns;
``data.value_map[table][column]`` is merged over the defaults here. Everything not used is listed in the
:class:`~.base.ImportReport`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ...config import Params
from ...errors import ABMDataError
from ..parse import Lines, ParseOptions, parse_dates
from .base import ImportReport, RawTable, Source, SourceFolder, first_present, map_values, truthy
from .columns import region_of

PRESET = "salesforce"

#: Default Salesforce Opportunity ``StageName`` picklist -> canonical stage (``data.value_map.opportunities.stage``
#: adds or overrides labels).
STAGES: dict[str, str] = {
    "Prospecting": "prospecting",
    "Qualification": "discovery",
    "Needs Analysis": "discovery",
    "Value Proposition": "solution",
    "Id. Decision Makers": "solution",
    "Perception Analysis": "solution",
    "Proposal/Price Quote": "proposal",
    "Negotiation/Review": "negotiation",
    "Closed Won": "closed_won",
    "Closed Lost": "closed_lost",
}

#: Default ``Account.Type`` picklist -> is_customer: every label starting with "Customer" (``Customer - Direct``,
#: ``Customer - Channel``) is a customer; these are not. Other labels must be mapped in
#: ``data.value_map.accounts.is_customer`` (a label in neither is refused by validation, naming its rows).
NOT_CUSTOMER_TYPES: tuple[str, ...] = (
    "Prospect",
    "Partner",
    "Other",
    "Competitor",
    "Reseller",
    "Analyst",
    "Integrator",
    "Investor",
    "Press",
    "Channel Partner / Reseller",
    "Installation Partner",
    "Technology Partner",
    "Former Customer",
)

_ID = re.compile(r"^[a-zA-Z0-9]{15}$|^[a-zA-Z0-9]{18}$")
_CHECK = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def sfid18(value: object) -> object:
    """The 18-character form of a Salesforce id (15-character ids get their case checksum); others as they are."""
    if not isinstance(value, str):
        return pd.NA
    v = value.strip()
    if not v:
        return pd.NA
    if len(v) == 15 and _ID.match(v):
        suffix = ""
        for i in range(3):
            chunk = v[i * 5 : i * 5 + 5]
            suffix += _CHECK[sum(1 << j for j, c in enumerate(chunk) if "A" <= c <= "Z")]
        return v + suffix
    return v


def ids(s: pd.Series) -> pd.Series:
    """A column of Salesforce ids in their 18-character form (blank = missing)."""
    return s.map(sfid18).astype("object")


def prefix(s: pd.Series, key: str) -> pd.Series:
    """Rows whose id starts with the object key prefix ``key`` (001 account, 003 contact, 00Q lead, 006 deal, 701)."""
    return s.astype("string").str.startswith(key).fillna(False).astype(bool)


def text(s: pd.Series) -> pd.Series:
    out = s.astype("string").str.strip()
    return out.mask(out == "").astype("object")


def dates(src: Source, s: pd.Series, field: str, opts: ParseOptions) -> pd.Series:
    """Timestamps of a Salesforce date / datetime field (``2026-03-04T17:22:10.000+0000`` or ``2026-03-04``),
    in the analysis time zone; an unreadable value is an error naming the file, field and line.

    ``s`` is indexed like the file (its row positions; a subset keeps them), so that the line is the row's own."""
    out, bad, why = parse_dates(s.astype("object"), opts)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy(dtype=bool))[0])
        row = int(s.index[pos])
        line = int(src.row_lines[row]) if src.row_lines is not None else row + 2
        raise ABMDataError(
            f"{src.path}: field '{field}' must be a date; {int(bad.sum())} row(s) are {why} (first: line {line}, "
            f"{s.iloc[pos]!r})",
            file=str(src.path),
            column=field,
            rows=[line],
            reason="not a date",
        )
    return out


def rows_table(src: Source, df: pd.DataFrame, pos: np.ndarray | None = None) -> RawTable:
    """A :class:`RawTable` whose row i comes from the source row ``pos[i]`` (all rows in order by default)."""
    pos = np.arange(len(src)) if pos is None else np.asarray(pos, dtype=np.int64)
    lines = Lines.simple(str(src.path), src.row_lines[pos]) if src.row_lines is not None else None
    return RawTable(df.reset_index(drop=True), [src.path], lines)


def apply_column_map(
    src: Source, df: pd.DataFrame, params: Params, table: str, pos: np.ndarray | None = None
) -> pd.DataFrame:
    """``data.column_map[table]`` fields this object has, onto their canonical columns (over the defaults);
    row i of ``df`` is the file's row ``pos[i]`` (all rows in order by default)."""
    for field, canonical in params.data.column_map.get(table, {}).items():
        col = src.column(field)
        if col is not None:
            values = src.df[col].to_numpy()
            df[canonical] = values if pos is None else values[np.asarray(pos, dtype=np.int64)]
    return df


def apply_value_map(df: pd.DataFrame, params: Params, table: str, done: tuple[str, ...] = ()) -> pd.DataFrame:
    """``data.value_map[table]`` for the columns the reader did not recode itself (those in ``done``)."""
    for col, m in params.data.value_map.get(table, {}).items():
        if col in df.columns and col not in done:
            df[col] = map_values(df[col], {}, m)
    return df


def value_override(params: Params, table: str, column: str) -> dict[str, str]:
    return dict(params.data.value_map.get(table, {}).get(column, {}))


def require(folder: SourceFolder, stem: str, table: str) -> Source:
    src = folder.open(stem, table=table)
    if src is None:
        raise ABMDataError(
            f"{folder.folder}: no {stem}.csv in the Salesforce export (the {table} table is read from it); export "
            f"the {stem} object with Data Export or Data Loader",
            file=str(folder.folder / f"{stem}.csv"),
            reason="missing table",
        )
    return src


# ----------------------------------------------------------------------------------------------------- accounts
def customer_flag(types: pd.Series, override: dict[str, str]) -> pd.Series:
    """``Account.Type`` -> is_customer: the user's map, then Customer* true and :data:`NOT_CUSTOMER_TYPES` false."""
    over = {str(k).strip().lower(): v for k, v in override.items()}
    no = {t.lower() for t in NOT_CUSTOMER_TYPES}

    def one(v: object) -> object:
        if not isinstance(v, str) or not v.strip():
            return pd.NA
        k = v.strip().lower()
        if k in over:
            return over[k]
        if k.startswith("customer"):
            return "true"
        return "false" if k in no else v

    return types.map(one).astype("object")


def _accounts(folder: SourceFolder, params: Params, report: ImportReport) -> tuple[RawTable, Source]:
    src = require(folder, "Account", "accounts")
    src.require("Id", "Name", preset=PRESET)
    df = pd.DataFrame(
        {
            "account_id": ids(src.col("Id")),
            "name": src.col("Name"),
            "website": src.col("Website"),
            "parent_account_id": ids(src.col("ParentId")),
            "industry": src.col("Industry"),
            "employees": src.col("NumberOfEmployees"),
            "annual_revenue": src.col("AnnualRevenue"),
            "country": first_present(src.col("BillingCountry"), src.col("ShippingCountry")),
            "created_date": src.col("CreatedDate"),
            "owner": ids(src.col("OwnerId")),
            "founded_year": src.col("YearStarted"),
        }
    )
    if src.has("Type"):
        df["is_customer"] = customer_flag(src.col("Type"), value_override(params, "accounts", "is_customer"))
    else:
        report.note(
            f"{src.name}: no Type field, so customers are derived from won opportunities (export Account.Type, or "
            "map your customer field in data.column_map.accounts)"
        )
    df = apply_column_map(src, df, params, "accounts")
    df = apply_value_map(df, params, "accounts", done=("is_customer",))
    if "region" not in params.data.column_map.get("accounts", {}).values():
        df["region"] = df["country"].map(region_of).astype("object")
    return rows_table(src, df), src


# ------------------------------------------------------------------------------------------------------ people
_PERSON = ("email", "first_name", "last_name", "job_title", "company_name", "website", "country", "source")


def _people(
    folder: SourceFolder, params: Params, report: ImportReport, opts: ParseOptions
) -> tuple[RawTable, dict[str, str]]:
    """Contacts and leads as people; converted leads merged into their contact.

    Returns the people table and the map lead id -> contact id of the merged leads."""
    parts, lead_map = [], {}
    con = folder.open("Contact", table="contacts")
    lead = folder.open("Lead", table="contacts")
    if con is None and lead is None:
        raise ABMDataError(
            f"{folder.folder}: neither Contact.csv nor Lead.csv in the Salesforce export (people are read from them)",
            file=str(folder.folder / "Contact.csv"),
            reason="missing table",
        )
    cdf = None
    if con is not None:
        con.require("Id", preset=PRESET)
        cdf = pd.DataFrame(
            {
                "contact_id": ids(con.col("Id")),
                "record_type": "contact",
                "account_id": ids(con.col("AccountId")),
                "email": con.col("Email"),
                "first_name": con.col("FirstName"),
                "last_name": con.col("LastName"),
                "job_title": con.col("Title"),
                "company_name": pd.Series(pd.NA, index=con.df.index, dtype="object"),
                "website": pd.Series(pd.NA, index=con.df.index, dtype="object"),
                "country": first_present(con.col("MailingCountry"), con.col("OtherCountry")),
                "source": con.col("LeadSource"),
                "created_date": con.col("CreatedDate"),
            }
        )
        cdf = apply_column_map(con, cdf, params, "contacts")
    if lead is not None:
        lead.require("Id", preset=PRESET)
        ldf = pd.DataFrame(
            {
                "contact_id": ids(lead.col("Id")),
                "record_type": "lead",
                "account_id": pd.Series(pd.NA, index=lead.df.index, dtype="object"),
                "email": lead.col("Email"),
                "first_name": lead.col("FirstName"),
                "last_name": lead.col("LastName"),
                "job_title": lead.col("Title"),
                # "[not provided]" is what Web-to-Lead and imports write into the required Company field
                "company_name": lead.col("Company").mask(
                    lead.col("Company").astype("string").str.strip().str.lower().eq("[not provided]").fillna(False)
                ),
                "website": lead.col("Website"),
                "country": lead.col("Country"),
                "source": lead.col("LeadSource"),
                "created_date": lead.col("CreatedDate"),
            }
        )
        ldf = apply_column_map(lead, ldf, params, "contacts")
        converted = truthy(lead.col("IsConverted")).fillna(False).astype(bool)
        target = ids(lead.col("ConvertedContactId"))
        known = set(cdf["contact_id"].dropna()) if cdf is not None else set()
        merge = (converted & target.isin(known)).to_numpy()
        if merge.any() and cdf is not None:
            cdf = _merge_leads(cdf, ldf.loc[merge], target[merge], con, lead, opts)
            lead_map = dict(zip(ldf.loc[merge, "contact_id"], target[merge], strict=True))
            report.note(
                f"{lead.name}: {int(merge.sum()):,} converted lead(s) merged into their contact (ConvertedContactId): "
                "one person each, created on the earlier of the two dates"
            )
        orphan = converted.to_numpy() & ~merge
        if orphan.any():
            ldf.loc[orphan, "account_id"] = ids(lead.col("ConvertedAccountId"))[orphan]
            report.note(
                f"{lead.name}: {int(orphan.sum()):,} converted lead(s) whose contact is not in Contact.csv kept as "
                "leads, linked to their ConvertedAccountId"
            )
        lead.column("ConvertedDate")
        lead.column("ConvertedAccountId")
        keep = ~merge
        parts.append(rows_table(lead, ldf.loc[keep], np.flatnonzero(keep)))
    if cdf is not None and con is not None:
        parts.insert(0, rows_table(con, cdf))
    people = RawTable.concat(parts)
    people.df = apply_value_map(people.df, params, "contacts")
    return people, lead_map


def _merge_leads(
    cdf: pd.DataFrame,
    leads: pd.DataFrame,
    target: pd.Series,
    con: Source | None,
    lead: Source,
    opts: ParseOptions,
) -> pd.DataFrame:
    """Contacts with their converted leads' data: blanks filled from the lead, created on the earlier date."""
    cdf = cdf.copy()
    lrows = leads.assign(_to=target.to_numpy()).drop_duplicates("_to").set_index("_to")
    at = cdf["contact_id"].map(dict(zip(lrows.index, range(len(lrows)), strict=True)))
    has = at.notna().to_numpy()
    pos = at[has].astype(int).to_numpy()
    for c in _PERSON:
        cur = cdf.loc[has, c]
        blank = cur.isna() | (cur.astype("string").str.strip() == "").fillna(True)
        cdf.loc[has, c] = cur.where(~blank, lrows[c].to_numpy()[pos])
    assert con is not None
    c_dates = dates(con, cdf["created_date"], "CreatedDate", opts)
    l_all = dates(lead, leads["created_date"], "CreatedDate", opts)  # indexed by the lead file's rows
    l_dates = l_all.loc[leads.index[~target.duplicated().to_numpy()]].reset_index(drop=True)
    earlier = l_dates.to_numpy()[pos] < c_dates[has].to_numpy()
    earlier |= pd.isna(c_dates[has]).to_numpy() & ~pd.isna(l_dates.to_numpy()[pos])
    idx = np.flatnonzero(has)[earlier]
    cdf.loc[cdf.index[idx], "created_date"] = lrows["created_date"].to_numpy()[pos][earlier]
    return cdf


def read_salesforce(folder: Path, params: Params, report: ImportReport) -> dict[str, RawTable]:
    """Canonical tables of a Salesforce Data Export / Data Loader folder (see the module docstring).

    Returns accounts, contacts, opportunities, stage_history (when a history object is exported), touchpoints
    (from campaign members, tasks and events) and, with ``data.program``, programs and costs."""
    from .salesforce_activity import read_activity
    from .salesforce_deals import read_deals

    sf = SourceFolder(folder, report)
    opts = ParseOptions.from_params(params)
    accounts, account_src = _accounts(sf, params, report)
    people, lead_map = _people(sf, params, report, opts)
    report.aliases["contacts"] = dict(lead_map)  # activity files that still name the converted lead
    out = {"accounts": accounts, "contacts": people}
    out.update(read_deals(sf, params, report, opts))
    opp_account = dict(
        zip(out["opportunities"].df["opportunity_id"], out["opportunities"].df["account_id"], strict=True)
    )
    out.update(read_activity(sf, params, report, opts, lead_map, opp_account, account_src))
    sf.finish(skip=_named_files(params))
    return out


def _named_files(params: Params) -> list[str]:
    """File names given in data.files / data.ad_spend (read by the loader, not ignored)."""
    names = [Path(a.path).name for a in params.data.ad_spend]
    for v in params.data.files.values():
        for item in [v] if isinstance(v, str) else v:
            names.append(Path(item if isinstance(item, str) else item.path).name)
    return names
