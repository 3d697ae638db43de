"""The synthetic world as a Salesforce org re-exported with Data Export, plus its marketing-automation activity.

What a Salesforce org really holds, and so what this export has (and loses), docs/import.md (Salesforce):

* Account (18-character ids, ``+0000`` timestamps, ``Type`` Customer - Direct / Prospect, the technographic flags
  as custom checkbox fields ``Uses_…__c``, ``YearStarted``); no alternative domains (no standard field);
* people: a person with an account is a Contact, one without is a Lead; a Contact whose lead source is inbound
  (web form, event, webinar, content syndication) came in as a Lead and was converted: both a converted Lead row
  (``IsConverted``, ``ConvertedContactId``, created on the person's creation date) and the Contact (created when
  converted) are written. Contacts hold no typed company name or website (lost unless the lead had them);
* Opportunity with ``StageName`` labels, ``IsClosed`` / ``IsWon`` and a ``CloseDate`` on every deal (Salesforce
  requires one: on an open deal it is an expected date); the product is not on the Opportunity (lost);
  OpportunityFieldHistory rows for each stage change;
* a Campaign per canonical campaign (channel x quarter) and the programme campaign ``FY<yy> ABM Program`` with its
  targets as *account* members (Status ``Tier 1 - Strategic`` …, ``… (Holdout)`` for the control arm) and child
  campaigns per channel and cost period carrying ``ActualCost``. An account's exit from the programme is lost
  (a campaign member has no end date);
* CampaignMember rows for event, webinar and direct-mail touches: one member per person and campaign, created at
  the first touch (responded that day). A person's later touches in the same campaign are lost: Salesforce keeps
  one member and one first-response date;
* Event rows for sales meetings (Task rows for calls and e-mails);
* e-mail, web, content, display and paid-social activities are not in Salesforce: they are written as
  marketing-automation activity files (one per channel and activity), keyed by the person's e-mail address
  (activities of people without an e-mail are lost; a shared address goes to its earliest-created person).
  Programme touches carry the programme: members of its child campaigns, ``WhatId`` of its sales activities,
  ``Program`` in the activity files. Anonymous (reverse-IP) web visits are not written here (the web-visits
  exporter writes them).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from . import Export

#: The default Salesforce StageName picklist label of each canonical stage.
STAGE_LABELS = {
    "prospecting": "Prospecting",
    "discovery": "Qualification",
    "solution": "Value Proposition",
    "proposal": "Proposal/Price Quote",
    "negotiation": "Negotiation/Review",
    "closed_won": "Closed Won",
    "closed_lost": "Closed Lost",
}
PROBABILITY = {"prospecting": 10, "discovery": 20, "solution": 50, "proposal": 75, "negotiation": 90}
#: Campaign.Type of each channel (standard picklist values, "Social Media" / "Content" as common custom ones).
CAMPAIGN_TYPE = {
    "email": "Email",
    "web": "Website",
    "content": "Content",
    "display": "Banner Ads",
    "paid_social": "Social Media",
    "search": "Advertisement",
    "event": "Conference",
    "webinar": "Webinar",
    "direct_mail": "Direct Mail",
    "sales": "Telemarketing",
    "other": "Other",
}
CHANNEL_NAME = {
    "email": "Email Nurture",
    "web": "Website",
    "content": "Content",
    "display": "Display Ads",
    "paid_social": "Social Ads",
    "search": "Search Ads",
    "event": "Events",
    "webinar": "Webinars",
    "direct_mail": "Direct Mail",
    "sales": "Sales Outreach",
    "other": "Other",
}
MEMBER_CHANNELS = ("event", "webinar", "direct_mail")
MEMBER_STATUS = {"event": "Attended", "webinar": "Attended", "direct_mail": "Responded"}
MA_CHANNELS = ("email", "web", "content", "display", "paid_social", "search")
#: Marketing-automation activity names (Marketo style) of the canonical activity types.
MA_ACTIVITY = {
    "email_open": "Open Email",
    "email_click": "Click Email",
    "web_visit": "Visit Webpage",
    "pricing_page": "Visit Webpage",
    "demo_request": "Fill Out Form",
    "contact_sales": "Fill Out Form",
    "content_download": "Fill Out Form",
    "display_click": "Click Ad",
    "ad_click": "Click Ad",
}
LEAD_SOURCE = {
    "web_form": "Web",
    "event": "Trade Show",
    "webinar": "Webinar",
    "list_import": "Purchased List",
    "sales_prospecting": "Outbound",
    "content_syndication": "Content Syndication",
}
#: Lead sources of people who came in as a lead (and were converted into their contact).
INBOUND = ("web_form", "event", "webinar", "content_syndication")
TIER_STATUS = {
    "strategic": "Tier 1 - Strategic",
    "abm_lite": "Tier 2 - ABM Lite",
    "programmatic": "Tier 3 - Programmatic",
}
TECH_FIELDS = {
    "tech_crm": "Uses_CRM__c",
    "tech_marketing_automation": "Uses_Marketing_Automation__c",
    "tech_cloud_dw": "Uses_Cloud_DW__c",
    "tech_erp": "Uses_ERP__c",
    "tech_bi": "Uses_BI__c",
    "tech_competitor": "Uses_Competitor__c",
}
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class _Ids:
    """Deterministic 18-character Salesforce ids: key prefix, pod, a per-object counter from a seeded start."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.pod = "".join(self.rng.choice(list(_B62[10:]), 1)) + str(self.rng.integers(1, 10))
        self.next: dict[str, int] = {}

    def make(self, key: str, n: int) -> list[str]:
        """``n`` new ids of the object with key prefix ``key`` (unique: one counter per prefix)."""
        from ...data.presets.salesforce import sfid18

        if key not in self.next:
            self.next[key] = int(self.rng.integers(62**4, 62**5))
        start = self.next[key]
        self.next[key] += n
        out = []
        for i in range(n):
            v, digits = start + i, ""
            for _ in range(6):
                v, r = divmod(v, 62)
                digits = _B62[r] + digits
            out.append(str(sfid18(f"{key}{self.pod}0000{digits}")))
        return out


def _ts(s: pd.Series, rng: np.random.Generator | None = None) -> pd.Series:
    """Salesforce datetime text (``2026-03-04T17:22:10.000+0000``); dates get a working-hours time from ``rng``."""
    t = pd.to_datetime(s)
    if rng is not None:
        t = t + pd.to_timedelta(rng.integers(8 * 3600, 18 * 3600, len(t)), unit="s")
    return t.dt.strftime("%Y-%m-%dT%H:%M:%S.000+0000").where(t.notna(), "")


def _day(s: pd.Series) -> pd.Series:
    t = pd.to_datetime(s)
    return t.dt.strftime("%Y-%m-%d").where(t.notna(), "")


def _write(path: Path, df: pd.DataFrame) -> None:
    """A Data Export CSV: UTF-8, every field quoted, blanks empty, CRLF line ends."""
    df.to_csv(path, index=False, quoting=csv.QUOTE_ALL, lineterminator="\r\n", na_rep="")


def _txt(s: pd.Series) -> pd.Series:
    return s.astype("object").where(s.notna(), "")


def _bool(s: pd.Series) -> pd.Series:
    return s.fillna(False).astype(bool).map({True: "true", False: "false"})


def export_salesforce(tables: dict[str, pd.DataFrame], out: Path, *, as_of: date, seed: int = 0) -> Export:
    """Write the world's canonical ``tables`` as known on ``as_of`` as a Salesforce Data Export (plus
    marketing-automation activity files) in ``out``; returns the params ``data:`` block that loads them."""
    from ...data.asof import as_known_at
    from .salesforce_activity import write_activity

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t, _ = as_known_at({k: v for k, v in tables.items()}, as_of)
    rng = np.random.default_rng(seed)
    ids = _Ids(seed)
    acc, con, opp = t["accounts"], t["contacts"], t["opportunities"]
    acc_id = pd.Series(ids.make("001", len(acc)), index=acc["account_id"].astype(str))
    con_id = pd.Series(ids.make("003", len(con)), index=con["contact_id"].astype(str))
    lead_id = pd.Series(ids.make("00Q", len(con)), index=con["contact_id"].astype(str))
    opp_id = pd.Series(ids.make("006", len(opp)), index=opp["opportunity_id"].astype(str))
    owners = sorted(set(acc["owner"].dropna().astype(str)) | set(opp["owner"].dropna().astype(str)))
    user_id = pd.Series(ids.make("005", len(owners)), index=owners)

    a = pd.DataFrame(
        {
            "Id": acc_id.to_numpy(),
            "Name": _txt(acc["name"]),
            "Type": np.where(acc["is_customer"].fillna(False).astype(bool), "Customer - Direct", "Prospect"),
            "ParentId": _txt(acc["parent_account_id"].astype("object").map(acc_id)),
            "Website": _txt(acc["website"]),
            "Industry": _txt(acc["industry"]),
            "NumberOfEmployees": _txt(acc["employees"].astype("Int64").astype("object")),
            "AnnualRevenue": _txt(acc["annual_revenue"].round(0).astype("Int64").astype("object")),
            "BillingCountry": _txt(acc["country"]),
            "YearStarted": _txt(acc["founded_year"].astype("Int64").astype("object")),
            "OwnerId": _txt(acc["owner"].astype("object").map(user_id)),
            "CreatedDate": _ts(acc["created_date"], rng),
            "IsDeleted": "false",
        }
    )
    for col, field in TECH_FIELDS.items():
        if col in acc.columns:
            a[field] = _bool(acc[col])
    _write(out / "Account.csv", a)

    # people: contacts (with an account) and leads; inbound contacts also as their converted lead
    has_acc = con["account_id"].notna().to_numpy()
    inbound = has_acc & con["source"].isin(INBOUND).to_numpy()
    created = pd.to_datetime(con["created_date"])
    converted_on = created + pd.to_timedelta(rng.integers(1, 60, len(con)), unit="D")
    converted_on = converted_on.where(converted_on <= pd.Timestamp(as_of), created)
    c = con.loc[has_acc]
    contact_rows = pd.DataFrame(
        {
            "Id": con_id[c["contact_id"].astype(str)].to_numpy(),
            "AccountId": c["account_id"].astype(str).map(acc_id).to_numpy(),
            "FirstName": _txt(c["first_name"]).to_numpy(),
            "LastName": _txt(c["last_name"]).to_numpy(),
            "Email": _txt(c["email"]).to_numpy(),
            "Title": _txt(c["job_title"]).to_numpy(),
            "LeadSource": _txt(c["source"].map(LEAD_SOURCE)).to_numpy(),
            "MailingCountry": _txt(c["country"]).to_numpy(),
            "CreatedDate": _ts(converted_on.where(inbound, created)[has_acc], rng).to_numpy(),
        }
    )
    _write(out / "Contact.csv", contact_rows)
    is_lead = ~has_acc | inbound
    ld = con.loc[is_lead]
    conv = inbound[is_lead]
    lead_rows = pd.DataFrame(
        {
            "Id": lead_id[ld["contact_id"].astype(str)].to_numpy(),
            "FirstName": _txt(ld["first_name"]).to_numpy(),
            "LastName": _txt(ld["last_name"]).to_numpy(),
            "Email": _txt(ld["email"]).to_numpy(),
            "Title": _txt(ld["job_title"]).to_numpy(),
            "Company": ld["company_name"].astype("object").where(ld["company_name"].notna(), "[not provided]"),
            "Website": _txt(ld["website"]).to_numpy(),
            "Country": _txt(ld["country"]).to_numpy(),
            "LeadSource": _txt(ld["source"].map(LEAD_SOURCE)).to_numpy(),
            "Status": np.where(conv, "Closed - Converted", "Open - Not Contacted"),
            "IsConverted": np.where(conv, "true", "false"),
            "ConvertedDate": np.where(conv, _day(converted_on[is_lead]), ""),
            "ConvertedContactId": np.where(conv, con_id[ld["contact_id"].astype(str)].to_numpy(), ""),
            "ConvertedAccountId": np.where(conv, ld["account_id"].astype("object").map(acc_id).fillna(""), ""),
            "CreatedDate": _ts(created[is_lead], rng).to_numpy(),
        }
    )
    _write(out / "Lead.csv", lead_rows)
    # the Salesforce record that holds each person's activities (the contact once converted)
    who = pd.Series(np.where(has_acc, con_id.to_numpy(), lead_id.to_numpy()), index=con_id.index)

    _opportunities(t, out, rng, ids, opp_id, acc_id, user_id)
    # a converted lead's members keep its LeadId beside the ContactId Salesforce sets on conversion
    converted = pd.DataFrame(
        {"lead": lead_id.to_numpy()[inbound], "on": converted_on.to_numpy()[inbound]}, index=con_id.index[inbound]
    )
    files = write_activity(t, out, rng, ids, who, acc_id, as_of, converted)
    data = {
        "source": "folder",
        "path": str(out),
        "preset": "salesforce",
        "program": {"campaign": files.pop("_program_campaign")} if "_program_campaign" in files else None,
        "files": files,
        "column_map": {
            "accounts": {field: col for col, field in TECH_FIELDS.items() if col in acc.columns},
            "touchpoints": {
                "Activity Id": "touchpoint_id",
                "Activity Date": "timestamp",
                "Email Address": "email",
                "SFDC Id": "contact_id",
                "Campaign": "campaign_id",
                "Program": "program_id",
            },
        },
    }
    if data["program"] is None:
        del data["program"]
    return Export(out, data, {"accounts": acc_id, "contacts": who, "opportunities": opp_id})


def _opportunities(t, out: Path, rng, ids: _Ids, opp_id, acc_id, user_id) -> None:
    """Opportunity.csv (an expected CloseDate on open deals) and OpportunityFieldHistory.csv from stage_history."""
    opp = t["opportunities"]
    closed = opp["stage"].isin(["closed_won", "closed_lost"]).to_numpy()
    created = pd.to_datetime(opp["created_date"])
    expected = created + pd.to_timedelta(rng.integers(30, 180, len(opp)), unit="D")
    close = pd.to_datetime(opp["close_date"]).where(closed, expected)
    won = (opp["stage"] == "closed_won").to_numpy()
    first_won = opp.loc[won].groupby("account_id")["close_date"].min()
    existing = pd.to_datetime(opp["account_id"].map(first_won)) < created
    o = pd.DataFrame(
        {
            "Id": opp_id.to_numpy(),
            "AccountId": _txt(opp["account_id"].astype("object").map(acc_id)),
            "Name": "",
            "StageName": opp["stage"].map(STAGE_LABELS),
            "Amount": _txt(opp["amount"].round(2).astype("object")),
            "Probability": np.where(closed, np.where(won, 100, 0), opp["stage"].map(PROBABILITY).fillna(10)),
            "CloseDate": _day(close),
            "IsClosed": np.where(closed, "true", "false"),
            "IsWon": np.where(won, "true", "false"),
            "ForecastCategoryName": np.where(closed, np.where(won, "Closed", "Omitted"), "Pipeline"),
            "Type": np.where(existing.fillna(False), "Existing Business", "New Business"),
            "OwnerId": _txt(opp["owner"].astype("object").map(user_id)),
            "CreatedDate": _ts(created, rng),
        }
    )
    names = t["accounts"].set_index("account_id")["name"]
    o["Name"] = opp["account_id"].map(names).fillna("Deal").astype(str) + " - " + _txt(opp["product"]).astype(str)
    _write(out / "Opportunity.csv", o)
    h = t.get("stage_history")
    if h is None or not len(h):
        return
    h = h.loc[h["opportunity_id"].isin(opp["opportunity_id"])].sort_values(["opportunity_id", "entered_date"])
    prev = h.groupby("opportunity_id")["stage"].shift()
    ch = h.loc[prev.notna()]
    fh = pd.DataFrame(
        {
            "Id": ids.make("017", len(ch)),
            "OpportunityId": ch["opportunity_id"].astype(str).map(opp_id).to_numpy(),
            "CreatedDate": _ts(ch["entered_date"], rng).to_numpy(),
            "Field": "StageName",
            "DataType": "Text",
            "OldValue": prev[prev.notna()].map(STAGE_LABELS).to_numpy(),
            "NewValue": ch["stage"].map(STAGE_LABELS).to_numpy(),
        }
    )
    _write(out / "OpportunityFieldHistory.csv", fh)
