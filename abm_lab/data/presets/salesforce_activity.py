"""Salesforce Campaign, CampaignMember, Task and Event -> touchpoints; the programme campaign -> programs and costs.

* A *person* member (ContactId / LeadId, or LeadOrContactId of a contact 003 or lead 00Q; a converted lead's
  member points at its contact) gives a touch when it was added (``CreatedDate``: a send, invite or registration)
  and, when it responded (``HasResponded``), a response at ``FirstRespondedDate``. A member added on the day it
  responded (attendees synced from a webinar tool, responses logged) is one touch, the response, at the member's
  ``CreatedDate`` time. Repeated responses of one person to one campaign are not in Salesforce (one member per
  person and campaign, one first response date).
* ``channel`` comes from ``Campaign.Type`` (:data:`CAMPAIGN_TYPES`; ``data.value_map.touchpoints.channel``
  overrides), ``activity_type`` is ``<channel>_<status verb>`` from the member ``Status`` (:data:`STATUS_VERBS`,
  e.g. an attended webinar is ``webinar_attend``, a clicked e-mail ``email_click``; a status label in
  ``data.value_map.touchpoints.activity_type`` is taken as given). A responder's earlier membership is
  ``<channel>_member``.
* Completed Tasks and Events are ``sales`` touches (:data:`SALES_TYPES` from ``TaskSubtype`` / ``Type``); the
  person is ``WhoId`` (003 contact, 00Q lead), the account ``AccountId`` or a ``WhatId`` account (001) or deal
  (006: its account); a ``WhatId`` campaign (701) is the touch's campaign.
* ``data.program.campaign`` names the programme's campaign: its *account* members (``Type`` Account, or an account
  id 001 in LeadOrContactId with no person) are the targets from the member's ``CreatedDate``; the tier is the
  member ``Status`` or the account's ``tier_field`` (:func:`~.base.recognise_tiers`); ``holdout`` / ``control``
  in the Status or ``arm_field`` is the control arm. Touches in it or its descendant campaigns carry the
  programme id; the ``ActualCost`` of the campaign and its descendants are the programme's costs by channel
  (``Campaign.Type``) over ``StartDate`` .. ``EndDate``. ``BudgetedCost`` is a plan and is not used.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ...config import Params
from ...errors import ABMDataError, ABMParamsError
from ..parse import ParseOptions
from .base import ImportReport, RawTable, Source, SourceFolder, first_present, map_values, truthy
from .salesforce import PRESET, apply_column_map, dates, ids, prefix, rows_table, text, value_override

#: ``Campaign.Type`` -> canonical channel (the standard picklist and common custom values).
CAMPAIGN_TYPES: dict[str, str] = {
    "Email": "email",
    "Webinar": "webinar",
    "Conference": "event",
    "Trade Show": "event",
    "Event": "event",
    "Seminar": "event",
    "Field Event": "event",
    "Advertisement": "display",
    "Banner Ads": "display",
    "Display": "display",
    "Direct Mail": "direct_mail",
    "Social": "paid_social",
    "Social Media": "paid_social",
    "Paid Social": "paid_social",
    "Content": "content",
    "Content Syndication": "content",
    "Search": "search",
    "Paid Search": "search",
    "Website": "web",
    "Web": "web",
    "Telemarketing": "sales",
    "Sales": "sales",
    "Public Relations": "other",
    "Partners": "other",
    "Referral Program": "other",
    "Other": "other",
}

#: Member ``Status`` -> verb of the activity type ``<channel>_<verb>``; other statuses are slugified.
STATUS_VERBS: dict[str, str] = {
    "Sent": "sent",
    "Received": "received",
    "Opened": "open",
    "Clicked": "click",
    "Responded": "response",
    "Registered": "register",
    "Attended": "attend",
    "No Show": "no_show",
    "Invited": "invite",
    "Planned": "planned",
    "Visited": "visit",
    "Downloaded": "download",
    "Replied": "reply",
}

#: Task ``TaskSubtype`` / ``Type`` and Event ``Type`` -> activity type of the sales touch.
SALES_TYPES: dict[str, str] = {
    "Call": "sales_call",
    "Email": "sales_email",
    "ListEmail": "sales_email",
    "List Email": "sales_email",
    "Meeting": "sales_meeting",
    "LinkedIn": "sales_social",
    "Cadence": "sales_task",
    "Task": "sales_task",
    "Other": "sales_task",
}

_CONTROL = re.compile(r"hold[\s_-]?out|control", re.IGNORECASE)
_TP_COLS = ["touchpoint_id", "timestamp", "contact_id", "account_id", "channel", "activity_type", "campaign_id"]


def _slug(v: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(v).strip().lower()).strip("_")


def _iso(ts: pd.Series) -> pd.Series:
    return ts.dt.strftime("%Y-%m-%dT%H:%M:%S").astype("object")


class _Campaigns:
    """Campaign.csv: channel, name and parent of each campaign id; the programme's campaign tree."""

    def __init__(self, src: Source | None, params: Params, report: ImportReport):
        self.src = src
        if src is None:
            self.df = pd.DataFrame(columns=["id", "name", "type", "parent", "channel"])
            return
        src.require("Id", "Name", preset=PRESET)
        self.df = pd.DataFrame(
            {
                "id": ids(src.col("Id")),
                "name": text(src.col("Name")),
                "type": text(src.col("Type")),
                "parent": ids(src.col("ParentId")),
            }
        )
        chan = map_values(self.df["type"], CAMPAIGN_TYPES, value_override(params, "touchpoints", "channel"))
        blank = chan.isna()
        if blank.any():
            report.note(f"{src.name}: {int(blank.sum()):,} campaign(s) without a Type: their touches are channel other")
        self.df["channel"] = chan.where(~blank, "other")
        for f in ("Status", "StartDate", "EndDate", "ActualCost", "BudgetedCost"):
            src.column(f)

    def channel(self, campaign: pd.Series) -> pd.Series:
        return campaign.map(self.df.set_index("id")["channel"]).astype("object")

    def tree(self, root: str) -> set[str]:
        """``root`` and every campaign below it (ParentId, recursively)."""
        children: dict[str, list[str]] = {}
        for c, p in zip(self.df["id"], self.df["parent"], strict=True):
            if isinstance(p, str):
                children.setdefault(p, []).append(c)
        out, todo = set(), [root]
        while todo:
            c = todo.pop()
            if c not in out:
                out.add(c)
                todo.extend(children.get(c, []))
        return out

    def find(self, name_or_id: str) -> str:
        """The id of the campaign named (case-insensitive) or with id ``name_or_id``; a clear error otherwise."""
        key = name_or_id.strip()
        hit = self.df.loc[
            (self.df["id"] == ids(pd.Series([key])).iloc[0]) | (self.df["name"].str.lower() == key.lower())
        ]
        where = self.src.path if self.src is not None else "Campaign.csv"
        if len(hit) == 1:
            return str(hit["id"].iloc[0])
        if len(hit) > 1:
            raise ABMParamsError(
                f"data.program.campaign {name_or_id!r}: {len(hit)} campaigns in {where} have this name "
                f"({', '.join(hit['id'])}); give the Id instead",
                file=str(where),
            )
        names = sorted(self.df["name"].dropna().unique())
        raise ABMParamsError(
            f"data.program.campaign {name_or_id!r} is not a campaign Name or Id in {where}; campaigns: "
            + (", ".join(repr(n) for n in names[:30]) + (f" and {len(names) - 30} more" if len(names) > 30 else "")),
            file=str(where),
        )


def _members(
    src: Source, camps: _Campaigns, params: Params, report: ImportReport, opts: ParseOptions, lead_map: dict[str, str]
) -> tuple[RawTable | None, pd.DataFrame]:
    """Person members -> touches; returns the touches and the account members (campaign, account, status, row)."""
    src.require("Id", "CampaignId", preset=PRESET)
    if not src.has("ContactId", "LeadId", "LeadOrContactId"):
        src.require("LeadOrContactId", preset=PRESET, what="campaign members need ContactId / LeadId")
    mid, camp = ids(src.col("Id")), ids(src.col("CampaignId"))
    contact, lead, either = ids(src.col("ContactId")), ids(src.col("LeadId")), ids(src.col("LeadOrContactId"))
    kind = text(src.col("Type")).str.lower()
    lead = lead.map(lambda v: lead_map.get(v, v) if isinstance(v, str) else v)
    either = either.map(lambda v: lead_map.get(v, v) if isinstance(v, str) else v)
    person_id = first_present(contact, lead, either.where(prefix(either, "003") | prefix(either, "00Q")))
    acct = first_present(either, ids(src.col("AccountId")))
    is_acct = ((kind == "account").fillna(False) | person_id.isna()) & prefix(acct, "001")
    person = person_id.notna() & ~is_acct
    accounts = pd.DataFrame(
        {"campaign": camp, "account_id": acct, "status": text(src.col("Status")), "created": src.col("CreatedDate")}
    ).loc[is_acct]
    other = ~person & ~is_acct
    if other.any():
        report.note(f"{src.name}: {int(other.sum()):,} member(s) with no contact, lead or account id not used")
    if not person.any():
        return None, accounts
    chan = camps.channel(camp)
    unknown = chan.isna() & person
    if unknown.any():
        report.warn(
            f"{src.name}: {int(unknown.sum()):,} member(s) of campaign(s) not in Campaign.csv (no Type): channel other"
        )
    chan = chan.where(chan.notna(), "other")
    status = text(src.col("Status"))
    over = value_override(params, "touchpoints", "activity_type")
    over_l = {str(k).strip().lower(): v for k, v in over.items()}
    verbs = {k.lower(): v for k, v in STATUS_VERBS.items()}

    def act(ch: object, st: object, fallback: str) -> str:
        if not isinstance(st, str):
            return f"{ch}_{fallback}"
        if st.strip().lower() in over_l:
            return over_l[st.strip().lower()]
        return f"{ch}_{verbs.get(st.strip().lower(), _slug(st))}"

    created = dates(src, src.col("CreatedDate"), "CreatedDate", opts)
    responded = truthy(src.col("HasResponded")).fillna(False).astype(bool) & person
    first = dates(src, src.col("FirstRespondedDate"), "FirstRespondedDate", opts).dt.normalize()
    same_day = first.isna() | (first == created.dt.normalize())
    resp_ts = created.where(same_day, first)
    member = person & (~responded | (created.dt.normalize() < first).fillna(False))
    n_missing = int((responded & first.isna()).sum())
    if n_missing:
        report.note(f"{src.name}: {n_missing:,} responder(s) without FirstRespondedDate: response at the member's date")
    rows = []
    for mask, ts, suffix, is_resp in ((member, created, "-m", False), (responded, resp_ts, "-r", True)):
        pos = np.flatnonzero(mask.to_numpy(dtype=bool))
        if not len(pos):
            continue
        st, ch = status.iloc[pos], chan.iloc[pos]
        types = [
            act(c, s, "response") if is_resp else (f"{c}_member" if r else act(c, s, "member"))
            for c, s, r in zip(ch, st, responded.iloc[pos], strict=True)
        ]
        df = pd.DataFrame(
            {
                "touchpoint_id": (mid.iloc[pos].astype(str) + suffix).to_numpy(),
                "timestamp": _iso(ts.iloc[pos]).to_numpy(),
                "contact_id": person_id.iloc[pos].to_numpy(),
                "account_id": pd.NA,
                "channel": ch.to_numpy(),
                "activity_type": types,
                "campaign_id": camp.iloc[pos].to_numpy(),
            }
        )
        rows.append(rows_table(src, apply_column_map(src, df, params, "touchpoints", pos), pos))
    for f in ("Status", "HasResponded", "FirstRespondedDate", "CreatedDate", "Type", "ContactId", "LeadId"):
        src.column(f)
    return RawTable.concat(rows), accounts


def _sales(
    src: Source,
    is_event: bool,
    params: Params,
    report: ImportReport,
    opts: ParseOptions,
    lead_map: dict[str, str],
    opp_account: dict[str, object],
) -> RawTable | None:
    """Completed Tasks / Events -> channel 'sales' touches (see the module docstring)."""
    src.require("Id", preset=PRESET)
    src.column("Id")
    src.column("Subject")
    keep = pd.Series(True, index=src.df.index)
    if not is_event and src.has("Status"):
        st = text(src.col("Status")).str.lower()
        closed = truthy(src.col("IsClosed")) if src.has("IsClosed") else pd.Series(pd.NA, index=src.df.index)
        keep = (st.isna() | (st == "completed") | closed.fillna(False).astype(bool)).astype(bool)
        if (~keep).any():
            report.note(f"{src.name}: {int((~keep).sum()):,} open task(s) (not Completed) not used: planned, not done")
    created = dates(src, src.col("CreatedDate"), "CreatedDate", opts)
    if is_event:
        when = dates(
            src, first_present(src.col("ActivityDateTime"), src.col("StartDateTime")), "ActivityDateTime", opts
        )
        day = dates(src, src.col("ActivityDate"), "ActivityDate", opts)
        label = text(src.col("Type"))
        default = "sales_meeting"
    else:
        when = dates(src, src.col("CompletedDateTime"), "CompletedDateTime", opts)
        day = dates(src, src.col("ActivityDate"), "ActivityDate", opts).dt.normalize()
        sub = text(src.col("TaskSubtype"))
        label = sub.where(sub.notna() & (sub.str.lower() != "task"), text(src.col("Type")))
        label = label.where(label.notna(), sub)
        default = "sales_task"
    day_ts = created.where(day.isna() | (day.dt.normalize() == created.dt.normalize()), day)
    ts = when.where(when.notna(), day_ts)
    ok = keep & ts.notna()
    if (keep & ts.isna()).any():
        report.note(f"{src.name}: {int((keep & ts.isna()).sum()):,} row(s) without any date not used")
    who, what = ids(src.col("WhoId")), ids(src.col("WhatId"))
    contact = who.where(prefix(who, "003") | prefix(who, "00Q"))
    contact = contact.map(lambda v: lead_map.get(v, v) if isinstance(v, str) else v)
    acct = ids(src.col("AccountId"))
    acct = first_present(acct, what.where(prefix(what, "001")), what.where(prefix(what, "006")).map(opp_account))
    types = map_values(label, SALES_TYPES, value_override(params, "touchpoints", "activity_type"))
    types = types.where(label.notna(), default)
    types = types.map(lambda v: v if re.fullmatch(r"[a-z0-9_]+", str(v)) else f"sales_{_slug(v)}")
    pos = np.flatnonzero(ok.to_numpy(dtype=bool))
    if not len(pos):
        return None
    df = pd.DataFrame(
        {
            "touchpoint_id": ids(src.col("Id")).iloc[pos].to_numpy(),
            "timestamp": _iso(ts.iloc[pos]).to_numpy(),
            "contact_id": contact.iloc[pos].to_numpy(),
            "account_id": acct.iloc[pos].to_numpy(),
            "channel": "sales",
            "activity_type": types.iloc[pos].to_numpy(),
            "campaign_id": what.where(prefix(what, "701")).iloc[pos].to_numpy(),
        }
    )
    return rows_table(src, apply_column_map(src, df, params, "touchpoints", pos), pos)


def read_activity(
    folder: SourceFolder,
    params: Params,
    report: ImportReport,
    opts: ParseOptions,
    lead_map: dict[str, str],
    opp_account: dict[str, object],
    account_src: Source,
) -> dict[str, RawTable]:
    """touchpoints (campaign members, tasks, events) and, with ``data.program``, programs and costs."""
    from .salesforce_program import program_tables, suggest_programmes

    camps = _Campaigns(folder.open("Campaign", table="touchpoints"), params, report)
    parts: list[RawTable] = []
    account_members = pd.DataFrame()
    msrc = folder.open("CampaignMember", table="touchpoints")
    if msrc is not None:
        tp, account_members = _members(msrc, camps, params, report, opts, lead_map)
        if tp is not None:
            parts.append(tp)
    for stem, is_event in (("Task", False), ("Event", True)):
        s = folder.open(stem, table="touchpoints")
        if s is not None:
            rt = _sales(s, is_event, params, report, opts, lead_map, opp_account)
            if rt is not None:
                parts.append(rt)
    out: dict[str, RawTable] = {}
    prog = params.data.program
    if prog is None:
        suggest_programmes(camps, account_members, report)
    else:
        if camps.src is None:
            raise ABMDataError(
                f"{folder.folder}: data.program.campaign is set but the export has no Campaign.csv",
                file=str(folder.folder / "Campaign.csv"),
                reason="missing table",
            )
        out.update(program_tables(prog, camps, account_members, msrc, account_src, report, opts))
        root = camps.find(str(prog.campaign))
        tree = camps.tree(root)
        pid = prog.id or str(camps.df.set_index("id").loc[root, "name"])
        for rt in parts:
            rt.df["program_id"] = rt.df["campaign_id"].map(lambda c: pid if c in tree else pd.NA).astype("object")
    if parts:
        out["touchpoints"] = RawTable.concat(parts)
    else:
        report.warn("no CampaignMember, Task or Event rows in the export: no touchpoints from Salesforce")
    return out
