"""Marketing and sales activity of the HubSpot re-export (:mod:`.hubspot` writes the CRM objects and lists
what is kept and lost).

* ``email-events.csv``: the Email Events API flattened (OPEN, CLICK, with the SENT and DELIVERED before each
  mailing; ``created`` in epoch milliseconds), for people with an e-mail;
* ``form-submissions.csv``: content downloads, demo requests and contact-sales forms of people with an e-mail,
  times to the minute;
* ``page-views.csv``: page views of known contacts (tracking cookie, with or without e-mail) — site pages, the
  pricing page, and the landing pages opened by paid-social and display ad clicks with the ad's UTM parameters
  (``?utm_source=linkedin&utm_medium=paid_social&utm_campaign=…``; display: ``utm_source=google&utm_medium=
  display``): HubSpot keeps an ad click only as that page view;
* ``marketing-events.csv``: attended webinar and event participations;
* ``hubspot-crm-exports-all-meetings-<date>.csv``: the sales meetings, as the CRM Meetings index page exports
  them (Completed outcome, associated contact and company).

Direct mail (offline) is not written: HubSpot does not hold it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote_plus

import numpy as np
import pandas as pd

SITE = "https://www.northwind-analytics.example"
PAGES = ("/", "/product", "/customers", "/about", "/blog/abm-basics", "/blog/intent-data", "/integrations")
ASSETS = ("ABM Playbook", "Buyer's Guide", "Benchmark Report 2026", "ROI Calculator Guide", "Analytics Checklist")
PORTAL_ID = 4417263
#: ad click activity -> (utm_source, utm_medium) of the ad's landing URL
AD_UTM: dict[str, tuple[str, str]] = {"ad_click": ("linkedin", "paid_social"), "display_click": ("google", "display")}
#: landing pages of the ads -> page title
LANDING: dict[str, str] = {
    "/lp/abm-playbook": "The ABM Playbook | Northwind Analytics",
    "/lp/account-insights": "Account insights for revenue teams | Northwind Analytics",
    "/lp/benchmark-2026": "B2B Benchmark Report 2026 | Northwind Analytics",
}
#: lengths of the meetings (minutes)
MEETING_MINUTES = (30, 45, 60)


def write_activity(
    tp: pd.DataFrame, people: pd.DataFrame, owners: pd.Series, out: Path, stamp: str, rng: np.random.Generator
) -> list[str]:
    """Write the activity files of the known people's touches ``tp`` (columns timestamp, contact = exported
    contact id, email, activity_type, campaign_id) into ``out``; ``people`` is the contacts export, ``owners``
    the company owner by company Record ID. Returns the file names."""
    names = ["email-events.csv", "form-submissions.csv", "page-views.csv", "marketing-events.csv"]
    _email_events(tp, rng).to_csv(out / names[0], index=False)
    _forms(tp, rng).to_csv(out / names[1], index=False)
    _page_views(tp, rng).to_csv(out / names[2], index=False)
    _marketing_events(tp).to_csv(out / names[3], index=False)
    names.append(f"hubspot-crm-exports-all-meetings-{stamp}.csv")
    _meetings(tp, people, owners, rng).to_csv(out / names[4], index=False)
    return names


def _text(s: pd.Series) -> np.ndarray:
    """Whole numbers (ids, counts) as text without a decimal point, blanks blank."""
    t = s.astype("Int64").astype("string")
    return t.astype("object").where(t.notna(), None).to_numpy()


def _ms(t: pd.Series | np.ndarray) -> np.ndarray:
    return (pd.to_datetime(pd.Series(t)).astype("datetime64[ms]").astype("int64")).to_numpy()


def _uuid(rng: np.random.Generator, n: int) -> list[str]:
    """Random version-4 style UUIDs (HubSpot's event and form ids)."""
    x = rng.bytes(16 * n).hex()
    return [
        f"{x[i : i + 8]}-{x[i + 8 : i + 12]}-4{x[i + 13 : i + 16]}-{x[i + 16 : i + 20]}-{x[i + 20 : i + 32]}"
        for i in range(0, 32 * n, 32)
    ]


def _campaign_ids(c: pd.Series) -> np.ndarray:
    codes, _ = pd.factorize(c.fillna("none"), sort=True)
    return 20_000_000 + 137 * codes


def _email_events(tp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """OPEN / CLICK per e-mail touch of a person with an e-mail, and the SENT + DELIVERED before each mailing."""
    e = tp[tp["activity_type"].isin(["email_open", "email_click"]) & tp["email"].notna()].copy()
    e["camp"] = _campaign_ids(e["campaign_id"])
    e["type"] = np.where(e["activity_type"] == "email_open", "OPEN", "CLICK")
    first = e.groupby(["email", "camp"], as_index=False)["timestamp"].min()
    sent = first["timestamp"] - pd.to_timedelta(rng.integers(600, 72 * 3600, len(first)), unit="s")
    deliv = sent + pd.to_timedelta(rng.integers(2, 30, len(first)), unit="s")
    rows = pd.concat(
        [
            pd.DataFrame({"recipient": first["email"], "camp": first["camp"], "type": "SENT", "t": sent}),
            pd.DataFrame({"recipient": first["email"], "camp": first["camp"], "type": "DELIVERED", "t": deliv}),
            pd.DataFrame({"recipient": e["email"], "camp": e["camp"], "type": e["type"], "t": e["timestamp"]}),
        ],
        ignore_index=True,
    ).sort_values("t", kind="stable")
    return pd.DataFrame(
        {
            "id": _uuid(rng, len(rows)),
            "emailCampaignId": rows["camp"].to_numpy(),
            "recipient": rows["recipient"].to_numpy(),
            "type": rows["type"].to_numpy(),
            "created": _ms(rows["t"]),
            "portalId": PORTAL_ID,
            "appName": "Batch",
            "filteredEvent": "false",
        }
    )


def _forms(tp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Form submissions (minute precision, as the UI export) of people with an e-mail."""
    f = tp[tp["activity_type"].isin(["content_download", "demo_request", "contact_sales"]) & tp["email"].notna()]
    asset = np.asarray(ASSETS, dtype=object)[rng.integers(0, len(ASSETS), len(f))]
    name = np.where(
        f["activity_type"] == "demo_request",
        "Request a demo",
        np.where(f["activity_type"] == "contact_sales", "Contact sales", "Download: " + asset),
    )
    slug = pd.Series(name).str.lower().str.replace(r"[^a-z0-9]+", "-", regex=True).str.strip("-")
    page = np.where(
        f["activity_type"] == "content_download", SITE + "/resources/" + slug.to_numpy(), SITE + "/" + slug.to_numpy()
    )
    guid = {n: u for n, u in zip(sorted(set(name)), _uuid(rng, len(set(name))), strict=True)}
    return pd.DataFrame(
        {
            "Conversion Date": pd.to_datetime(f["timestamp"]).dt.strftime("%Y-%m-%d %H:%M").to_numpy(),
            "Form Name": name,
            "Form ID": [guid[n] for n in name],
            "Page URL": page,
            "Email": f["email"].to_numpy(),
        }
    )


def _page_views(tp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Page views of known contacts (HubSpot's tracking cookie ties them to the contact, with or without e-mail):
    site pages, the pricing page, and the landing pages that paid-social and display ad clicks open, with the
    ad's UTM parameters in the URL (HubSpot keeps the click only as that page view)."""
    v = tp[tp["activity_type"].isin(["web_visit", "pricing_page", *AD_UTM])]
    act = v["activity_type"].to_numpy()
    path = np.asarray(PAGES, dtype=object)[rng.integers(0, len(PAGES), len(v))]
    path = np.where(act == "pricing_page", "/pricing", path)
    ad = np.isin(act, list(AD_UTM))
    landing = np.asarray(list(LANDING), dtype=object)[rng.integers(0, len(LANDING), len(v))]
    kind = pd.Series(act, dtype="object")
    source = kind.map({a: u for a, (u, _) in AD_UTM.items()}).fillna("")
    medium = kind.map({a: u for a, (_, u) in AD_UTM.items()}).fillna("")
    camp = pd.Series(v["campaign_id"].astype("string").fillna("").str.lower().to_numpy(), dtype="object")
    query = "?utm_source=" + source + "&utm_medium=" + medium + "&utm_campaign=" + camp.map(quote_plus)
    url = np.where(ad, SITE + landing + query.to_numpy(dtype=object), SITE + path)
    title = np.where(
        ad,
        pd.Series(landing).map(LANDING).to_numpy(),
        np.where(path == "/pricing", "Pricing", "Northwind Analytics"),
    )
    t = pd.to_datetime(v["timestamp"])
    return pd.DataFrame(
        {
            "Contact ID": v["contact"].pipe(_text),
            "Email": v["email"].to_numpy(),
            "Page URL": url,
            "Page title": title,
            "Occurred At": t.dt.strftime("%Y-%m-%dT%H:%M:%S.").to_numpy()
            + (t.dt.microsecond // 1000).astype(str).str.zfill(3).to_numpy()
            + "Z",
        }
    )


def _marketing_events(tp: pd.DataFrame) -> pd.DataFrame:
    """Attended participations; one marketing event per campaign and day (webinars and in-person events)."""
    m = tp[tp["activity_type"].isin(["webinar_attend", "event_attend"])].copy()
    webinar = (m["activity_type"] == "webinar_attend").to_numpy()
    day = pd.to_datetime(m["timestamp"]).dt.strftime("%Y-%m-%d")
    m["name"] = np.where(webinar, "Webinar ", "Customer Roadshow ") + day.to_numpy()
    start = pd.to_datetime(m["timestamp"]).groupby(m["name"]).transform("min")
    return pd.DataFrame(
        {
            "Event ID": m["name"].str.lower().str.replace(" ", "-").to_numpy(),
            "Event Name": m["name"].to_numpy(),
            "Event Type": np.where(webinar, "Webinar", "Conference"),
            "Event Start Date": start.dt.strftime("%Y-%m-%d %H:%M").to_numpy(),
            "Contact ID": m["contact"].pipe(_text),
            "Email": m["email"].to_numpy(),
            "Attendance State": "ATTENDED",
            "Occurred At": _ms(m["timestamp"]),
        }
    )


def _meetings(tp: pd.DataFrame, people: pd.DataFrame, owners: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    """The CRM Meetings export: one completed meeting per sales meeting of a known contact, associated with the
    contact and the contact's primary company (HubSpot associates logged meetings with both), times to the
    minute as the UI exports them, the company owner as the rep it is assigned to."""
    m = tp[tp["activity_type"] == "sales_meeting"].sort_values("timestamp", kind="stable")
    who = people.set_index(people["Record ID"].astype("int64"))
    cid = m["contact"].astype("int64")
    first, last = who["First Name"].reindex(cid), who["Last Name"].reindex(cid)
    name = (first.fillna("") + " " + last.fillna("")).str.strip()
    email = who["Email"].reindex(cid).astype("string")
    label = (name + (" (" + email + ")").fillna("")).str.strip()
    company = who["Associated Company IDs (Primary)"].reindex(cid)
    company_name = who["Associated Company (Primary)"].reindex(cid)
    start = pd.to_datetime(m["timestamp"])
    minutes = np.asarray(MEETING_MINUTES)[rng.integers(0, len(MEETING_MINUTES), len(m))]
    fmt = "%Y-%m-%d %H:%M"
    title = np.where(company_name.notna().to_numpy(), "Meeting with " + company_name.fillna("").to_numpy(), "")
    title = np.where(title == "", "Meeting with " + name.to_numpy(), title)
    return pd.DataFrame(
        {
            "Record ID": 41_000_000_000 + np.cumsum(rng.integers(1, 4000, len(m))),
            "Meeting name": title,
            "Activity date": start.dt.strftime(fmt).to_numpy(),
            "Meeting start time": start.dt.strftime(fmt).to_numpy(),
            "Meeting end time": (start.dt.floor("min") + pd.to_timedelta(minutes, unit="m"))
            .dt.strftime(fmt)
            .to_numpy(),
            "Meeting outcome": "Completed",
            "Activity assigned to": owners.reindex(company.astype("string").to_numpy()).to_numpy(),
            "Associated Contact": label.to_numpy(dtype=object),
            "Associated Contact IDs": cid.astype(str).to_numpy(),
            "Associated Company": company_name.to_numpy(),
            "Associated Company IDs": company.to_numpy(),
        }
    )
