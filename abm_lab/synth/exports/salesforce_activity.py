"""Campaigns, campaign members, events / tasks and marketing-automation activity files of the Salesforce
re-export (:mod:`.salesforce`; what is kept and lost is listed there)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .salesforce import (
    CAMPAIGN_TYPE,
    CHANNEL_NAME,
    MA_ACTIVITY,
    MA_CHANNELS,
    MEMBER_CHANNELS,
    MEMBER_STATUS,
    TIER_STATUS,
    _day,
    _Ids,
    _ts,
    _txt,
    _write,
)


def write_activity(
    t: dict[str, pd.DataFrame],
    out: Path,
    rng: np.random.Generator,
    ids: _Ids,
    who: pd.Series,
    acc_id: pd.Series,
    as_of: date,
    converted: pd.DataFrame,
) -> dict:
    """Campaign.csv, CampaignMember.csv, Event.csv / Task.csv and the activity files; returns data.files entries
    (and the programme campaign's name under ``_program_campaign``)."""
    tp = t["touchpoints"]
    tp = tp.loc[tp["contact_id"].notna()].copy()  # anonymous visits: written by the web-visits exporter
    tp["contact_id"] = tp["contact_id"].astype(str)
    tp = tp.loc[tp["contact_id"].isin(who.index)]
    for c in ("channel", "activity_type", "campaign_id", "program_id"):
        tp[c] = tp[c].astype("object")
    camp_rows: list[dict] = []
    camp_id: dict[tuple, str] = {}

    def campaign(key: tuple, name: str, channel: str, start, end, parent: str = "", cost: float | None = None) -> str:
        if key not in camp_id:
            camp_id[key] = ids.make("701", 1)[0]
            camp_rows.append(
                {
                    "Id": camp_id[key],
                    "Name": name,
                    "Type": CAMPAIGN_TYPE.get(channel, "Other"),
                    "ParentId": parent,
                    "Status": "Completed" if pd.Timestamp(end) < pd.Timestamp(as_of) else "In Progress",
                    "StartDate": _day(pd.Series([start])).iloc[0],
                    "EndDate": _day(pd.Series([end])).iloc[0],
                    "BudgetedCost": "" if cost is None else f"{cost:.2f}",
                    "ActualCost": "" if cost is None else f"{cost:.2f}",
                    "IsActive": "false" if pd.Timestamp(end) < pd.Timestamp(as_of) else "true",
                }
            )
        return camp_id[key]

    # the canonical campaigns (channel x quarter), named as a marketing team would
    q = pd.to_datetime(tp["timestamp"]).dt.to_period("Q")
    tp["_q"] = q.astype(str)
    for (cid, ch, qq), _ in tp.groupby(["campaign_id", "channel", "_q"], dropna=True, sort=True):
        if ch == "sales":
            continue
        p = pd.Period(qq, "Q")
        campaign(("c", cid), f"{p.year} Q{p.quarter} {CHANNEL_NAME.get(ch, ch)}", ch, p.start_time, p.end_time)
    files: dict = {}
    # the programme: its campaign, account members (targets) and cost-carrying child campaigns
    prog, costs = t.get("programs"), t.get("costs")
    members: list[pd.DataFrame] = []
    program_name = None
    if prog is not None and len(prog):
        pid = str(prog["program_id"].iloc[0])
        pr = prog.loc[prog["program_id"].astype(str) == pid]
        start = pd.to_datetime(pr["start_date"]).min()
        c = costs.loc[costs["program_id"].astype(str) == pid] if costs is not None else pd.DataFrame()
        end = pd.to_datetime(c["period_end"]).max() if len(c) else start + pd.offsets.YearEnd(0)
        program_name = f"FY{start.year % 100:02d} ABM Program"
        root = campaign(("p", pid), program_name, "other", start, end)
        for _, r in c.iterrows():
            p = pd.Period(pd.Timestamp(r["period_start"]), "Q")
            key = ("pc", r["channel"], str(p))
            name = f"{program_name} - {CHANNEL_NAME.get(r['channel'], r['channel'])} {p.year} Q{p.quarter}"
            if key in camp_id:  # a second cost row of one channel and quarter adds to its campaign
                row = next(x for x in camp_rows if x["Id"] == camp_id[key])
                row["ActualCost"] = row["BudgetedCost"] = f"{float(row['ActualCost']) + float(r['amount']):.2f}"
                continue
            campaign(key, name, r["channel"], r["period_start"], r["period_end"], root, float(r["amount"]))
        status = pr["tier"].map(TIER_STATUS).fillna("Target Account")
        arm = pr["arm"] if "arm" in pr.columns else pd.Series(pd.NA, index=pr.index, dtype="string")
        ctrl = arm.astype("string").eq("control").fillna(False).to_numpy()
        status = status.where(~ctrl, status + " (Holdout)")
        members.append(
            pd.DataFrame(
                {
                    "CampaignId": root,
                    "ContactId": "",
                    "LeadId": "",
                    "LeadOrContactId": pr["account_id"].astype(str).map(acc_id).to_numpy(),
                    "Type": "Account",
                    "Status": status.to_numpy(),
                    "HasResponded": "false",
                    "FirstRespondedDate": "",
                    "CreatedDate": _ts(pr["start_date"], rng).to_numpy(),
                }
            )
        )
        in_prog = tp["program_id"].astype("string").eq(pid).fillna(False).to_numpy()
        tp["_inprog"] = in_prog
        for (ch, qq), g in tp.loc[in_prog].groupby(["channel", "_q"], sort=True):
            p = pd.Period(qq, "Q")  # programme touches belong to its child campaign of their channel and quarter
            name = f"{program_name} - {CHANNEL_NAME.get(ch, ch)} {p.year} Q{p.quarter}"
            cid = campaign(("pc", ch, str(p)), name, ch, p.start_time, p.end_time, root)
            tp.loc[g.index, "_pc"] = cid
    if "_inprog" not in tp.columns:
        tp["_inprog"] = False
        tp["_pc"] = ""
    sf_campaign = tp["campaign_id"].map(lambda v: camp_id.get(("c", v), "")).where(~tp["_inprog"], tp["_pc"])
    # campaign members: event, webinar and direct-mail touches, one member per person and campaign
    m = tp.loc[tp["channel"].isin(MEMBER_CHANNELS)].assign(_camp=sf_campaign).sort_values("timestamp", kind="stable")
    m = m.drop_duplicates(["contact_id", "_camp"])
    person = m["contact_id"].map(who)
    is_contact = person.str.startswith("003").to_numpy()
    before = (pd.to_datetime(m["timestamp"]) < m["contact_id"].map(converted["on"])).fillna(False).to_numpy()
    was_lead = _txt(m["contact_id"].map(converted["lead"]).where(before)).to_numpy()
    members.append(
        pd.DataFrame(
            {
                "CampaignId": m["_camp"].to_numpy(),
                "ContactId": np.where(is_contact, person, ""),
                "LeadId": np.where(is_contact, was_lead, person),
                "LeadOrContactId": person.to_numpy(),
                "Type": np.where(is_contact, "Contact", "Lead"),
                "Status": m["channel"].map(MEMBER_STATUS).to_numpy(),
                "HasResponded": "true",
                "FirstRespondedDate": _day(m["timestamp"]).to_numpy(),
                "CreatedDate": _ts(m["timestamp"]).to_numpy(),
            }
        )
    )
    cm = pd.concat(members, ignore_index=True)
    cm.insert(0, "Id", ids.make("00v", len(cm)))
    _write(out / "CampaignMember.csv", cm)
    _write(out / "Campaign.csv", pd.DataFrame(camp_rows))
    _sales(tp.assign(_camp=sf_campaign), out, rng, ids, who, t, acc_id)
    names = {k[1]: r["Name"] for k, r in zip(camp_id, camp_rows, strict=True) if k[0] == "c"}
    tp["_camp_name"] = tp["campaign_id"].map(names)
    files["touchpoints"] = _marketing_activity(tp, out, t["contacts"], program_name, who)
    if program_name is not None:
        files["_program_campaign"] = program_name
    return files


def _sales(tp: pd.DataFrame, out: Path, rng, ids: _Ids, who: pd.Series, t: dict, acc_id: pd.Series) -> None:
    """Sales touches: meetings as Events, calls / e-mails as completed Tasks. Salesforce fills AccountId from the
    contact; a programme touch's WhatId is the programme's child campaign."""
    s = tp.loc[tp["channel"] == "sales"]
    acc_of = t["contacts"].set_index(t["contacts"]["contact_id"].astype(str))["account_id"]
    account = _txt(s["contact_id"].map(acc_of).astype("object").map(acc_id)).to_numpy()
    what = _txt(s["_camp"].where(s["_inprog"], "")).to_numpy()
    ts = pd.to_datetime(s["timestamp"])
    whoid = s["contact_id"].map(who).to_numpy()
    meet = (s["activity_type"] == "sales_meeting").to_numpy()
    n = int(meet.sum())
    ev = pd.DataFrame(
        {
            "Id": ids.make("00U", n),
            "WhoId": whoid[meet],
            "WhatId": what[meet],
            "AccountId": account[meet],
            "ActivityDateTime": _ts(ts[meet]).to_numpy(),
            "ActivityDate": _day(ts[meet]).to_numpy(),
            "DurationInMinutes": "30",
            "Subject": "Meeting",
            "Type": "Meeting",
            "EventSubtype": "Event",
            "CreatedDate": _ts(ts[meet] - pd.to_timedelta(rng.integers(1, 8, n), unit="D")).to_numpy(),
        }
    )
    _write(out / "Event.csv", ev)
    kind = s["activity_type"].astype(str).str.replace("sales_", "", regex=False).str.capitalize().to_numpy()[~meet]
    tk = pd.DataFrame(
        {
            "Id": ids.make("00T", int((~meet).sum())),
            "WhoId": whoid[~meet],
            "WhatId": what[~meet],
            "AccountId": account[~meet],
            "ActivityDate": _day(ts[~meet]).to_numpy(),
            "Subject": kind,
            "Type": kind,
            "TaskSubtype": np.where(np.isin(kind, ["Call", "Email"]), kind, "Task"),
            "Status": "Completed",
            "CreatedDate": _ts(ts[~meet]).to_numpy(),
        }
    )
    _write(out / "Task.csv", tk)


def _marketing_activity(
    tp: pd.DataFrame, out: Path, contacts: pd.DataFrame, program: str | None, who: pd.Series
) -> list[dict]:
    """One activity file per channel and activity (Marketo style); returns data.files entries.

    Each row carries the person's e-mail and the Salesforce id the marketing-automation person is synced to
    (Marketo's "SFDC Id": the Contact id, or the Lead id while unconverted), as an activity export joined to the
    person export gives it; people without an e-mail are synced too, so their activity keeps its person."""
    mail = contacts.set_index(contacts["contact_id"].astype(str))["email"]
    ma = tp.loc[tp["channel"].isin(MA_CHANNELS)].copy()
    ma["email"] = ma["contact_id"].map(mail)
    ma["sfdc_id"] = ma["contact_id"].map(who)
    specs, next_id = [], 500_000_000
    for (ch, act), g in ma.groupby(["channel", "activity_type"], sort=True):
        name = f"marketing_{ch}_{act}.csv"
        camp = g["_camp_name"].where(~g["_inprog"], program or "")
        df = pd.DataFrame(
            {
                "Activity Id": np.arange(next_id, next_id + len(g)),
                "Activity Date": pd.to_datetime(g["timestamp"]).dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
                "Activity Type": MA_ACTIVITY.get(act, act),
                "Email Address": g["email"].to_numpy(),
                "SFDC Id": g["sfdc_id"].to_numpy(),
                "Campaign": _txt(camp).to_numpy(),
                "Program": np.where(g["_inprog"], program or "", ""),
            }
        )
        next_id += len(g)
        _write(out / name, df)
        specs.append({"path": name, "columns": {"channel": str(ch), "activity_type": str(act)}})
    return specs
