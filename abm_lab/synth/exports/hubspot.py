"""The synthetic world as a HubSpot portal exports it (round trip of issue 13; reader: ``preset: hubspot``).

What HubSpot holds, in the layout it exports it (docs/import.md, "HubSpot"):

* CRM UI exports of companies, contacts (two parts) and deals: numeric Record IDs increasing with the creation
  date, property *labels* as headers, date-times as ``2026-03-04 17:22`` in the portal's time zone (UTC here);
  companies carry Lifecycle Stage and HubSpot's ABM properties ``Target Account`` and ``Ideal Customer Profile
  Tier`` (labels ``Tier 1``..``Tier 3``), a custom ``ABM Holdout Group`` property for the randomised holdout and
  custom ``Uses …`` checkboxes for the technographics; deals have the default Sales Pipeline's stage labels and
  ``Date entered``/``Date exited`` columns;
* marketing and sales activity (:mod:`.hubspot_activity`): email events (Email Events API: ``created`` in epoch
  milliseconds, SENT and DELIVERED events besides the opens and clicks), form submissions (content downloads,
  demo requests, contact-sales forms), page views (``Occurred At`` ISO 8601 UTC; paid-social and display ad
  clicks as page views of the ads' landing pages with UTM parameters), marketing event participations
  (webinars, events) and the CRM Meetings export (sales meetings).

What it loses, as the real tool does: people are de-duplicated by e-mail (HubSpot's unique key), a contact
without an e-mail receives no e-mail and submits no form, the programme has no enrolment or exit date (one
``start_date`` in params), touches carry no programme id, deals have no product, lead sources become HubSpot's
Original Source classes, form conversion and meeting times keep minutes only, a stage entered twice keeps its
last entry. Direct mail is offline, not in HubSpot: not written (its cost comes from a costs spreadsheet, ad spend
from the LinkedIn export); anonymous reverse-IP visits are written by the web-visits exporter.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from ...data.presets.hubspot import DEAL_STAGES
from . import Export
from .hubspot_activity import _text, write_activity

PIPELINE = "Sales Pipeline"
#: canonical stage -> the default Sales Pipeline's label
STAGE_LABEL = {v: k for k, v in DEAL_STAGES.items() if not k.islower()}
TIER_LABEL = {"strategic": "Tier 1", "abm_lite": "Tier 2", "programmatic": "Tier 3"}
#: canonical lead source -> HubSpot's Original Source (an analytics classification, coarser than a lead source)
ORIGINAL_SOURCE = {
    "web_form": "Organic Search",
    "webinar": "Other Campaigns",
    "event": "Offline Sources",
    "list_import": "Offline Sources",
    "sales_prospecting": "Offline Sources",
    "content_syndication": "Referrals",
}
TECH_LABEL = {
    "tech_crm": "Uses CRM",
    "tech_marketing_automation": "Uses Marketing Automation",
    "tech_cloud_dw": "Uses Cloud Data Warehouse",
    "tech_erp": "Uses ERP",
    "tech_bi": "Uses BI Tool",
    "tech_competitor": "Uses Competitor Product",
}
HOLDOUT_PROPERTY = "ABM Holdout Group"


def export_hubspot(tables: dict[str, pd.DataFrame], out: Path, *, as_of: dt.date, seed: int = 0) -> Export:
    """Write the world's canonical ``tables`` into ``out`` as HubSpot exports; the params that load them."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    stamp = pd.Timestamp(as_of).strftime("%Y-%m-%d")
    acc, con, opp = tables["accounts"], tables["contacts"], tables["opportunities"]
    aid = _ids(acc["account_id"], acc["created_date"], 5_800_000_000, 5000, rng)
    keep, survivor = _dedupe(con)
    cid_keep = _ids(con.loc[keep, "contact_id"], con.loc[keep, "created_date"], 1000, 60, rng)
    cid = survivor.map(cid_keep)
    oid = _ids(opp["opportunity_id"], opp["created_date"], 9_100_000_000, 3000, rng)
    email_of = con.set_index("contact_id")["email"].astype("string").str.strip().str.lower()
    email_of = survivor.map(email_of[keep.to_numpy()].set_axis(con.loc[keep, "contact_id"]))

    companies, cmap, prog = _companies(acc, aid, con, opp, tables.get("programs"), rng)
    companies.to_csv(out / f"hubspot-crm-exports-all-companies-{stamp}.csv", index=False)
    people = _contacts(con[keep.to_numpy()], cid_keep, aid, acc, rng)
    half = (len(people) + 1) // 2
    people.iloc[:half].to_csv(out / f"hubspot-crm-exports-all-contacts-{stamp}-1.csv", index=False)
    people.iloc[half:].to_csv(out / f"hubspot-crm-exports-all-contacts-{stamp}-2.csv", index=False)
    _deals(opp, tables.get("stage_history"), oid, aid, acc, rng).to_csv(
        out / f"hubspot-crm-exports-all-deals-{stamp}.csv", index=False
    )
    tp = tables["touchpoints"]
    tp = tp[tp["contact_id"].notna()]
    tp = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(tp["timestamp"]).to_numpy(),
            "contact": cid.reindex(tp["contact_id"].astype(str)).to_numpy(),
            "email": email_of.reindex(tp["contact_id"].astype(str)).to_numpy(),
            "activity_type": tp["activity_type"].astype(str).to_numpy(),
            "campaign_id": tp["campaign_id"].astype("string").to_numpy(),
        }
    )
    owners = pd.Series(companies["Company owner"].to_numpy(), index=companies["Record ID"].astype(str).to_numpy())
    write_activity(tp, people, owners, out, stamp, rng)

    data: dict = {"source": "folder", "path": str(out), "preset": "hubspot", "timezone": "UTC"}
    if cmap:
        data["column_map"] = {"accounts": cmap}
    if prog is not None:
        data["program"] = prog
    ids = {
        "accounts": aid.astype(str),
        "contacts": cid.astype(str),
        "opportunities": oid.astype(str),
    }
    return Export(folder=out, data=data, ids=ids)


def _ids(keys: pd.Series, created: pd.Series, start: int, step: int, rng: np.random.Generator) -> pd.Series:
    """Numeric Record IDs increasing with the creation date (as a portal assigns them), indexed by canonical id."""
    order = np.lexsort((keys.astype(str).to_numpy(), pd.to_datetime(created).to_numpy()))
    vals = start + np.cumsum(rng.integers(1, step, len(keys)))
    out = np.empty(len(keys), dtype=np.int64)
    out[order] = vals
    return pd.Series(out, index=keys.astype(str).to_numpy())


def _dedupe(con: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """HubSpot's one contact per e-mail: (kept rows mask, canonical id -> canonical id of its surviving record).

    The survivor of people sharing an e-mail is the one linked to a company, then the first created."""
    e = con["email"].astype("string").str.strip().str.lower()
    rank = pd.DataFrame(
        {
            "id": con["contact_id"].astype(str).to_numpy(),
            "e": e.to_numpy(),
            "unlinked": con["account_id"].isna().to_numpy(),
            "created": pd.to_datetime(con["created_date"]).to_numpy(),
        }
    ).sort_values(["unlinked", "created", "id"])
    first = rank.dropna(subset=["e"]).drop_duplicates("e").set_index("e")["id"]
    surv = pd.Series(rank["e"].map(first).fillna(rank["id"]).to_numpy(), index=rank["id"].to_numpy())
    surv = surv.reindex(con["contact_id"].astype(str).to_numpy())
    keep = pd.Series(surv.index == surv.to_numpy(), index=con.index)
    return keep, surv


def _when(d: pd.Series, rng: np.random.Generator, fmt: str = "%Y-%m-%d %H:%M") -> pd.Series:
    """A date as a HubSpot date-time: the day plus a working-hours time (the source has no time of day)."""
    t = pd.to_datetime(d) + pd.to_timedelta(rng.integers(8 * 60, 18 * 60, len(d)), unit="m")
    return t.dt.strftime(fmt).astype("object").where(t.notna(), None)


def _flag(s: pd.Series) -> pd.Series:
    return s.map(lambda v: None if pd.isna(v) else ("true" if bool(v) else "false")).astype("object")


def _companies(acc, aid, con, opp, programs, rng) -> tuple[pd.DataFrame, dict[str, str], dict | None]:
    open_deal = set(opp.loc[~opp["stage"].isin(["closed_won", "closed_lost"]), "account_id"].astype(str))
    has_people = set(con["account_id"].dropna().astype(str))
    ids = acc["account_id"].astype(str)
    stage = np.where(
        acc["is_customer"].fillna(False).astype(bool),
        "Customer",
        np.where(ids.isin(open_deal), "Opportunity", np.where(ids.isin(has_people), "Lead", "")),
    )
    stage = pd.Series(stage, dtype="object").replace("", None).to_numpy()
    df = pd.DataFrame(
        {
            "Record ID": aid.reindex(ids).to_numpy(),
            "Company name": acc["name"].to_numpy(),
            "Company Domain Name": acc["domain"].to_numpy(),
            "Additional Domains": acc["alt_domains"].to_numpy(),
            "Website URL": acc["website"].to_numpy(),
            "Industry": acc["industry"].to_numpy(),
            "Number of Employees": acc["employees"].pipe(_text),
            "Annual Revenue": acc["annual_revenue"].round(0).pipe(_text),
            "Country/Region": acc["country"].to_numpy(),
            "Year Founded": acc["founded_year"].pipe(_text),
            "Create Date": _when(acc["created_date"], rng).to_numpy(),
            "Lifecycle Stage": stage,
            "Company owner": acc["owner"].to_numpy(),
            "Parent Company": aid.reindex(acc["parent_account_id"].astype(str)).pipe(_text),
        }
    )
    prog = None
    if programs is not None and len(programs):
        pid = str(programs["program_id"].iloc[0])
        p = programs[programs["program_id"].astype(str) == pid].drop_duplicates("account_id").set_index("account_id")
        target = ids.isin(p.index.astype(str))
        df["Target Account"] = np.where(target, "true", "false")
        df["Ideal Customer Profile Tier"] = ids.map(p["tier"].map(TIER_LABEL)).to_numpy()
        prog = {
            "id": pid,
            "start_date": str(pd.Timestamp(p["start_date"].min()).date()),
            "target_property": "Target Account",
            "tier_property": "Ideal Customer Profile Tier",
        }
        if "arm" in p.columns and p["arm"].notna().any():
            arm = p["arm"].fillna("treatment").astype(str).str.capitalize()
            df[HOLDOUT_PROPERTY] = ids.map(arm).to_numpy()
            prog["arm_field"] = HOLDOUT_PROPERTY
    cmap = {}
    for c in acc.columns:
        if c.startswith("tech_"):
            label = TECH_LABEL.get(c, "Uses " + c[5:].replace("_", " ").title())
            df[label] = _flag(acc[c]).to_numpy()
            cmap[label] = c
    return df, cmap, prog


def _contacts(con, cid, aid, acc, rng) -> pd.DataFrame:
    names = acc.set_index(acc["account_id"].astype(str))["name"]
    link = con["account_id"].astype("string")
    df = pd.DataFrame(
        {
            "Record ID": cid.reindex(con["contact_id"].astype(str)).to_numpy(),
            "First Name": con["first_name"].to_numpy(),
            "Last Name": con["last_name"].to_numpy(),
            "Email": con["email"].astype("string").str.strip().str.lower().to_numpy(),
            "Job Title": con["job_title"].to_numpy(),
            "Company Name": con["company_name"].to_numpy(),
            "Website URL": con["website"].to_numpy(),
            "Country/Region": con["country"].to_numpy(),
            "Create Date": _when(con["created_date"], rng).to_numpy(),
            "Lifecycle Stage": np.where(link.notna().to_numpy(dtype=bool), "Sales Qualified Lead", "Lead"),
            "Original Source": con["source"].map(ORIGINAL_SOURCE).fillna("Offline Sources").to_numpy(),
            "Associated Company IDs (Primary)": aid.reindex(link.fillna("").to_numpy()).pipe(_text),
            "Associated Company (Primary)": names.reindex(link.fillna("").to_numpy()).to_numpy(),
        }
    )
    return df.sort_values("Record ID").reset_index(drop=True)


def _deals(opp, history, oid, aid, acc, rng) -> pd.DataFrame:
    names = acc.set_index(acc["account_id"].astype(str))["name"]
    ids = opp["opportunity_id"].astype(str)
    created = pd.to_datetime(opp["created_date"]) + pd.to_timedelta(rng.integers(8 * 60, 18 * 60, len(opp)), "m")
    closed = opp["stage"].isin(["closed_won", "closed_lost"]).to_numpy()
    close = pd.to_datetime(opp["close_date"]) + pd.to_timedelta(rng.integers(8 * 60, 18 * 60, len(opp)), "m")
    expected = created + pd.Timedelta(days=90)  # HubSpot requires a close date: an open deal's is expected
    close = close.where(closed, expected)
    fmt = "%Y-%m-%d %H:%M"
    df = pd.DataFrame(
        {
            "Record ID": oid.reindex(ids).to_numpy(),
            "Deal Name": (opp["account_id"].astype(str).map(names).fillna("Deal") + " - New Business").to_numpy(),
            "Deal Stage": opp["stage"].map(STAGE_LABEL).to_numpy(),
            "Pipeline": PIPELINE,
            "Amount": opp["amount"].to_numpy(),
            "Close Date": close.dt.strftime(fmt).to_numpy(),
            "Create Date": created.dt.strftime(fmt).to_numpy(),
            "Deal owner": opp["owner"].to_numpy(),
            "Associated Company IDs (Primary)": aid.reindex(opp["account_id"].astype(str)).pipe(_text),
            "Associated Company (Primary)": opp["account_id"].astype(str).map(names).to_numpy(),
        }
    )
    if history is not None and len(history):
        h = history.assign(opportunity_id=history["opportunity_id"].astype(str))
        h = h.sort_values("entered_date").drop_duplicates(["opportunity_id", "stage"], keep="last")  # last entry
        when = pd.Series(pd.to_datetime(h["entered_date"]).to_numpy(), index=h.index)
        first = h["stage"].eq("prospecting").to_numpy()
        ends = h["stage"].isin(["closed_won", "closed_lost"]).to_numpy()
        by_id_created = pd.Series(created.to_numpy(), index=ids.to_numpy())
        by_id_close = pd.Series(close.to_numpy(), index=ids.to_numpy())
        t = when + pd.to_timedelta(rng.integers(8 * 60, 18 * 60, len(h)), unit="m")

        def same_day(s: pd.Series) -> np.ndarray:
            return (s.notna() & (s.dt.floor("D") == when)).to_numpy(dtype=bool)

        c0 = pd.Series(by_id_created.reindex(h["opportunity_id"]).to_numpy(), index=h.index)
        c1 = pd.Series(by_id_close.reindex(h["opportunity_id"]).to_numpy(), index=h.index)
        t = t.where(~(first & same_day(c0)), c0).where(~(ends & same_day(c1)), c1)  # same time as the deal's dates
        h = h.assign(t=t)
        for stage, label in STAGE_LABEL.items():
            col = h[h["stage"] == stage].set_index("opportunity_id")["t"]
            df[f'Date entered "{label} ({PIPELINE})"'] = ids.map(col).dt.strftime(fmt).to_numpy()
        order = list(STAGE_LABEL)
        h = h.assign(k=h["stage"].map(order.index)).sort_values(["opportunity_id", "t", "k"])
        h["exit"] = h.groupby("opportunity_id")["t"].shift(-1)
        for stage, label in STAGE_LABEL.items():
            if stage in ("closed_won", "closed_lost"):
                continue
            col = h[h["stage"] == stage].set_index("opportunity_id")["exit"]
            df[f'Date exited "{label} ({PIPELINE})"'] = ids.map(col).dt.strftime(fmt).to_numpy()
    return df
