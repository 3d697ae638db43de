"""HubSpot marketing and sales activity → canonical ``touchpoints``, joined to contacts by e-mail (docs/import.md).

Five kinds of file, found by name (several files of a kind are concatenated):

* **email events** (``email-events*.csv``; the Email Events API flattened: ``recipient``, ``type``, ``created``
  in epoch milliseconds, ``emailCampaignId``): ``OPEN`` → email/email_open, ``CLICK`` → email/email_click;
  every other type (SENT, DELIVERED, PROCESSED, BOUNCE, DROPPED, …) is not engagement and is set aside and
  counted, as are opens and clicks HubSpot flags as bot traffic (``filteredEvent`` true);
* **form submissions** (``form-submissions*.csv``: ``Email``, ``Form Name``, ``Page URL``, ``Conversion Date``
  or ``submittedAt``): a form named (or, without a name, on a page) with "demo" → web/demo_request, with
  "contact" or "sales" → web/contact_sales, any other → content/content_download; a form name in
  ``data.value_map.touchpoints.activity_type`` takes the activity given there;
* **page views** (``page-views*.csv``: ``Email`` or ``Contact ID``, ``Page URL``, ``Occurred At``): a view
  landing from a paid ad — its ``utm_medium`` (URL query or a ``UTM medium`` column) in :data:`UTM_MEDIUM`,
  refined by ``utm_source`` (:func:`ad_channel`) — is that ad's click (paid_social/ad_click, display/
  display_click, search/ad_click, campaign from ``utm_campaign``); otherwise a URL with "pricing" →
  web/pricing_page, any other → web/web_visit;
* **marketing events** (``marketing-events*.csv``: ``Event Name``, ``Event Type``, ``Email`` / ``Contact ID``,
  ``Attendance State``, ``Occurred At`` or ``Event Start Date``): attended rows of a webinar →
  webinar/webinar_attend, of any other type → event/event_attend; registrations, cancellations and no-shows are
  set aside and counted;
* **meetings and calls** (CRM activity exports, ``…-meetings-…``, ``…-calls-…``): sales/sales_meeting and
  sales/sales_call, one touch per associated contact (:mod:`.hubspot_sales`).

Timestamps may be epoch milliseconds (converted from UTC to ``data.timezone``), ISO 8601 with an offset, or
HubSpot's ``2026-03-04 17:22`` (taken as in ``data.timezone``). A row whose e-mail (trimmed, any case) or
contact id matches no contact (and, for meetings and calls, no associated company) is set aside and reported per
file with its first lines, never dropped silently.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

import numpy as np
import pandas as pd

from ..parse import Lines
from .base import ImportReport, RawTable, Source, SourceFolder, first_present, map_values, truthy

_SUF = r"\.(?:csv|csv\.gz|parquet|tsv|txt)"
#: Activity kind -> file-name pattern (lower-cased names).
ACTIVITY_FILES: dict[str, str] = {
    "email_events": rf".*email[-_ ]?events?.*{_SUF}",
    "form_submissions": rf".*(?:form[-_ ]?)?submissions?.*{_SUF}",
    "page_views": rf".*page[-_ ]?views?.*{_SUF}",
    "marketing_events": rf".*marketing[-_ ]?events?.*{_SUF}",
    "sales": rf".*(?:meetings?|calls?|engagements?|activities).*{_SUF}",
}
#: Activity -> (channel, funnel stage) of the touches this reader makes.
ACTIVITY: dict[str, tuple[str, str]] = {
    "email_open": ("email", "tofu"),
    "email_click": ("email", "mofu"),
    "web_visit": ("web", "tofu"),
    "pricing_page": ("web", "bofu"),
    "demo_request": ("web", "bofu"),
    "contact_sales": ("web", "bofu"),
    "content_download": ("content", "mofu"),
    "webinar_attend": ("webinar", "mofu"),
    "event_attend": ("event", "mofu"),
    "ad_click": ("paid_social", "tofu"),
    "display_click": ("display", "tofu"),
    "sales_meeting": ("sales", "bofu"),
    "sales_call": ("sales", "bofu"),
}
#: utm_medium (trimmed, any case) -> channel of the ad whose click landed on the page (HubSpot's Original Source
#: "Paid Social", "Other Campaigns" (display), "Paid Search"); other media (email, social, referral, ...) are
#: ordinary page views. ``data.value_map.touchpoints.channel`` adds or replaces entries (its keys: utm_medium).
UTM_MEDIUM: dict[str, str] = {
    **dict.fromkeys(
        ("paid_social", "paidsocial", "paid-social", "paid social", "social-paid", "social_paid", "socialpaid"),
        "paid_social",
    ),
    **dict.fromkeys(("display", "banner", "programmatic", "cpm", "paid"), "display"),
    **dict.fromkeys(("cpc", "ppc", "paid_search", "paidsearch", "paid-search", "sem"), "search"),
}
#: generic paid media whose channel depends on utm_source: a social network → paid_social, a search engine → search
PAID_MEDIA = ("cpc", "ppc", "cpm", "paid")
SOCIAL_SOURCES = ("linkedin", "facebook", "fb", "instagram", "twitter", "x", "reddit", "tiktok", "youtube")
SEARCH_SOURCES = ("google", "bing", "yahoo", "duckduckgo", "baidu", "yandex")
#: channel of an ad -> activity of its click
AD_ACTIVITY: dict[str, str] = {"paid_social": "ad_click", "display": "display_click", "search": "ad_click"}
EMAIL_TYPES: dict[str, str] = {"OPEN": "email_open", "CLICK": "email_click"}
ATTENDED = ("attended", "attend", "yes", "true")
EMAIL = ("Email", "recipient", "Recipient", "Attendee Email", "Contact Email", "E-mail")
CONTACT = ("Contact ID", "contactId", "vid", "Contact Record ID")
URL = ("Page URL", "pageUrl", "URL", "Conversion Page", "hs_url")
WHEN = ("Occurred At", "occurredAt", "Timestamp", "Date", "Visited At")
UNMATCHED = "activity rows whose e-mail / contact id matches no contact"
EPOCH_MS = re.compile(r"^\s*\d{11,14}\s*$")


def epoch_or_text(values: pd.Series, timezone: str) -> pd.Series:
    """Timestamps as HubSpot writes them: epoch milliseconds (UTC) become naive times in ``timezone``; text is
    kept for validation to parse (ISO with offset converted, naive taken as in ``timezone``)."""
    s = values.astype("string").str.strip()
    ms = s.str.match(EPOCH_MS).fillna(False).astype(bool)
    if not ms.any():
        return values.astype("object")
    t = pd.to_datetime(pd.to_numeric(s.where(ms)), unit="ms", utc=True).dt.tz_convert(timezone).dt.tz_localize(None)
    if bool(ms[s.notna()].all()):
        return t.astype("datetime64[ns]")
    return s.where(~ms, t.dt.strftime("%Y-%m-%dT%H:%M:%S.%f")).astype("object")


def _lines(src: Source, pos: np.ndarray) -> np.ndarray:
    return src.row_lines[pos] if src.row_lines is not None else pos + 2


def _frame(src: Source, mask: np.ndarray, **cols: object) -> pd.DataFrame:
    df = pd.DataFrame({k: (v[mask] if isinstance(v, np.ndarray) else v) for k, v in cols.items()})
    df["_pos"] = np.flatnonzero(mask)
    return df


def _arr(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype=object)


def _email_events(src: Source, tz: str, report: ImportReport) -> tuple[pd.DataFrame, dict[str, int]]:
    from .hubspot import need

    tc = need(src, ("type", "Event Type", "Type"), "an email events file needs the event type (OPEN, CLICK, ...)")
    need(src, ("recipient", "Recipient", "Email"), "an email events file needs the recipient's e-mail")
    need(src, ("created", "Created", "Timestamp"), "an email events file needs the event time (epoch ms)")
    kind = src.df[tc].astype("string").str.strip().str.upper()
    act = kind.map(EMAIL_TYPES)
    bot = truthy(src.col("filteredEvent", "Filtered Event")).fillna(False).to_numpy(dtype=bool)
    bot &= act.notna().to_numpy(dtype=bool)  # bot-filtered opens and clicks (other types are set aside anyway)
    keep = act.notna().to_numpy(dtype=bool) & ~bot
    other = kind[~act.notna().to_numpy(dtype=bool)].value_counts()
    if len(other) or bot.any():
        report.note(
            f"{src.name}: {int((~keep).sum())} email event(s) set aside as not engagement "
            f"({', '.join(f'{k} {v}' for k, v in other.items())}"
            + (f"; {int(bot.sum())} open/click(s) HubSpot filtered as bot traffic" if bot.any() else "")
            + "); opens and clicks kept"
        )
    aside = {"e-mail events that are not engagement (sent, delivered, bounced, ...)": int((~act.notna()).sum())}
    if bot.any():
        aside["e-mail opens/clicks HubSpot filtered as bots"] = int(bot.sum())
    ids = src.col("id", "Event ID")
    return _frame(
        src,
        keep,
        touchpoint_id=_arr("hs-email-" + ids.astype("string")) if ids.notna().all() else None,
        email=_arr(src.col("recipient", "Recipient", "Email")),
        timestamp=_arr(epoch_or_text(src.col("created", "Created", "Timestamp"), tz)),
        activity_type=_arr(act),
        campaign_id=_arr(src.col("emailCampaignId", "Email Campaign ID", "Campaign ID")),
    ), aside


def form_activity(names: pd.Series, urls: pd.Series, override: dict[str, str] | None) -> pd.Series:
    """Activity of a form submission: ``override`` by form name, else the documented rule on the name (or the
    page URL when the form has no name): demo → demo_request, contact / sales → contact_sales, else
    content_download."""
    text = names.astype("string").fillna(urls.astype("string")).fillna("").str.lower()
    rule = np.where(
        text.str.contains("demo"),
        "demo_request",
        np.where(text.str.contains("contact|sales", regex=True), "contact_sales", "content_download"),
    )
    out = pd.Series(rule, index=names.index, dtype="object")
    if override:
        mapped = map_values(names, override)
        hit = names.notna() & (mapped != names)
        out = out.where(~hit, mapped)
    return out


def _forms(src: Source, tz: str, params) -> tuple[pd.DataFrame, dict[str, int]]:
    from .hubspot import need

    need(src, ("Email",), "a form submissions file needs the submitter's e-mail")
    when = need(src, ("Conversion Date", "submittedAt", "Submitted At", "Date"), "it needs the submission time")
    names = src.col("Form Name", "Form name", "form", "Form")
    urls = src.col(*URL)
    act = form_activity(names, urls, params.data.value_map.get("touchpoints", {}).get("activity_type"))
    keep = np.ones(len(src), dtype=bool)
    return _frame(
        src,
        keep,
        email=_arr(src.col("Email")),
        timestamp=_arr(epoch_or_text(src.df[when], tz)),
        activity_type=_arr(act),
        campaign_id=_arr(src.col("Form ID", "formGuid", "Form GUID").fillna(names)),
    ), {}


def utm(urls: pd.Series, key: str) -> pd.Series:
    """The ``utm_<key>`` parameter of each URL's query string (decoded; blank when absent)."""
    got = urls.astype("string").str.extract(rf"[?&]utm_{key}=([^&#]*)", flags=re.IGNORECASE)[0]
    vals = [unquote_plus(v).strip() if isinstance(v, str) else None for v in got.astype("object")]
    return pd.Series(vals, index=urls.index, dtype="object")


def ad_channel(medium: pd.Series, source: pd.Series, override: dict[str, str] | None) -> pd.Series:
    """Channel of the ad behind each page view from its UTM parameters, blank for a view not from an ad:
    ``utm_medium`` through :data:`UTM_MEDIUM` updated by ``override``; a generic paid medium
    (:data:`PAID_MEDIA`) from a social network is paid_social, from a search engine search."""
    m = medium.astype("string").str.strip().str.lower()
    src = source.astype("string").str.strip().str.lower()
    over = {str(k).strip().lower(): v for k, v in (override or {}).items()}
    out = m.map({**UTM_MEDIUM, **over}).astype("object")
    generic = (m.isin(PAID_MEDIA) & ~m.isin(list(over))).fillna(False).to_numpy(dtype=bool)
    social = src.isin(SOCIAL_SOURCES).fillna(False).to_numpy(dtype=bool)
    search = src.isin(SEARCH_SOURCES).fillna(False).to_numpy(dtype=bool)
    out = out.where(~(generic & social), "paid_social").where(~(generic & search & ~social), "search")
    return out.where(out.notna(), None)


def _page_views(src: Source, tz: str, params) -> tuple[pd.DataFrame, dict[str, int]]:
    from .hubspot import need

    if not src.has(*EMAIL, *CONTACT):
        need(src, ("Email", "Contact ID"), "a page views file needs the visitor's e-mail or contact id")
    url = need(src, URL, "a page views file needs the page URL")
    when = need(src, WHEN, "a page views file needs the time of the view")
    urls = src.df[url]
    medium = first_present(src.col("UTM medium", "utm_medium", "hs_utm_medium"), utm(urls, "medium"))
    source = first_present(src.col("UTM source", "utm_source", "hs_utm_source"), utm(urls, "source"))
    campaign = first_present(src.col("UTM campaign", "utm_campaign", "hs_utm_campaign"), utm(urls, "campaign"))
    channel = ad_channel(medium, source, params.data.value_map.get("touchpoints", {}).get("channel"))
    pricing = urls.astype("string").str.contains("pricing", case=False).fillna(False).to_numpy(dtype=bool)
    act = channel.map(AD_ACTIVITY).astype("object")
    act = act.where(act.notna(), pd.Series(np.where(pricing, "pricing_page", "web_visit"), index=act.index))
    return _frame(
        src,
        np.ones(len(src), dtype=bool),
        email=_arr(src.col(*EMAIL)),
        contact_id=_arr(src.col(*CONTACT)),
        timestamp=_arr(epoch_or_text(src.df[when], tz)),
        activity_type=_arr(act),
        channel=_arr(channel),
        campaign_id=_arr(campaign),
    ), {}


def _marketing_events(src: Source, tz: str, report: ImportReport) -> tuple[pd.DataFrame, dict[str, int]]:
    from .hubspot import need

    if not src.has(*EMAIL, *CONTACT):
        need(src, ("Email", "Contact ID"), "a marketing events file needs the attendee's e-mail or contact id")
    need(src, ("Occurred At", "occurredAt", "Event Start Date", "Start Date", "Date"), "it needs the event's date")
    when = first_present(src.col("Occurred At", "occurredAt"), src.col("Event Start Date", "Start Date", "Date"))
    kind = src.col("Event Type", "Type").astype("string").str.lower().fillna("")
    state = src.col("Attendance State", "State", "Status", "Attended")
    if src.has("Attendance State", "State", "Status", "Attended"):
        attended = state.astype("string").str.strip().str.lower().isin(ATTENDED).fillna(False).to_numpy(dtype=bool)
        rest = state[~attended].astype("string").str.upper().fillna("(blank)").value_counts()
        if len(rest):
            report.note(
                f"{src.name}: {int((~attended).sum())} participation(s) set aside as not attended "
                f"({', '.join(f'{k} {v}' for k, v in rest.items())})"
            )
    else:
        attended = np.ones(len(src), dtype=bool)
        report.note(f"{src.name}: no Attendance State column, every row read as attended")
    act = np.where(kind.str.contains("webinar").to_numpy(dtype=bool), "webinar_attend", "event_attend")
    return _frame(
        src,
        attended,
        email=_arr(src.col(*EMAIL)),
        contact_id=_arr(src.col(*CONTACT)),
        timestamp=_arr(epoch_or_text(when, tz)),
        activity_type=act.astype(object),
        campaign_id=_arr(src.col("Event ID", "External Event ID").fillna(src.col("Event Name", "Name"))),
    ), {"marketing event participations not attended (registered, cancelled, no-show)": int((~attended).sum())}


def _join(
    src: Source,
    got: tuple[pd.DataFrame, dict[str, int]],
    by_email: pd.Series,
    known: pd.Index,
    report: ImportReport,
    prefix: str,
    accounts: pd.Index | None = None,
) -> RawTable:
    """Contact of each row (its contact id if known, else its e-mail); a row with an ``account_id`` among
    ``accounts`` (meetings, calls) is kept without a contact; other unmatched rows set aside and reported."""
    df, aside = got
    aside = {k: v for k, v in aside.items() if v}
    cid = df["contact_id"] if "contact_id" in df.columns else pd.Series(pd.NA, index=df.index, dtype="object")
    cid = cid.astype("string").str.strip()
    cid = cid.where(known.get_indexer(cid.astype("object").fillna("")) >= 0)
    email = df["email"].astype("string").str.strip().str.lower() if "email" in df.columns else None
    if email is not None:
        cid = cid.fillna(email.map(by_email).astype("string"))
    ok = cid.notna().to_numpy(dtype=bool)
    if "account_id" in df.columns:
        acc = df["account_id"].astype("string").str.strip()
        acc_ok = (accounts if accounts is not None else pd.Index([])).get_indexer(acc.astype("object").fillna(""))
        stray = int((acc.notna().to_numpy(dtype=bool) & (acc_ok < 0)).sum())
        if stray:
            report.note(f"{src.name}: {stray} associated company id(s) not in the companies export left blank")
        df = df.assign(account_id=acc.where(acc_ok >= 0).astype("object"))
        ok = ok | (acc_ok >= 0)
    pos = df["_pos"].to_numpy()
    if (~ok).any():
        lines = _lines(src, pos[~ok])[:5].tolist()
        report.note(
            f"{src.name}: {int((~ok).sum())} row(s) whose e-mail / contact id matches no contact"
            + (", nor its company any company," if "account_id" in df.columns else "")
            + " set aside "
            f"(lines {lines}{', …' if (~ok).sum() > 5 else ''}); not in touchpoints"
        )
    out = df.loc[ok].copy()
    out["contact_id"] = cid[ok].astype("object").where(cid[ok].notna(), None).to_numpy(dtype=object)
    ln = _lines(src, pos[ok])
    if "touchpoint_id" not in out.columns or out["touchpoint_id"].isna().any():
        out["touchpoint_id"] = (f"hs-{prefix}-{src.path.stem}-" + pd.Series(ln, dtype="int64").astype(str)).to_numpy()
    act = out["activity_type"].astype("object")
    default = act.map({a: c for a, (c, _) in ACTIVITY.items()}).fillna("other")
    out["channel"] = out["channel"].fillna(default).to_numpy() if "channel" in out.columns else default.to_numpy()
    out["funnel_stage"] = act.map({a: f for a, (_, f) in ACTIVITY.items()}).to_numpy()
    out = out.drop(columns=[c for c in ("email", "_pos") if c in out.columns]).reset_index(drop=True)
    if (~ok).any():
        aside[UNMATCHED] = int((~ok).sum())
    lines = Lines.simple(str(src.path), ln) if src.row_lines is not None else None
    return RawTable(out, [src.path], lines, aside)


def email_index(contacts: pd.DataFrame, report: ImportReport) -> pd.Series:
    """E-mail (trimmed, lower-case) -> contact id; a shared e-mail goes to its earliest-created contact (warned),
    as in the loader's e-mail join for other sources."""
    if "email" not in contacts.columns:
        return pd.Series(dtype="object")
    people = pd.DataFrame(
        {
            "key": contacts["email"].astype("string").str.strip().str.lower().to_numpy(),
            "id": contacts["contact_id"].astype(str).to_numpy(),
            "created": contacts["created_date"].astype("string").to_numpy()
            if "created_date" in contacts.columns
            else None,
        }
    ).dropna(subset=["key"])
    people = people.sort_values(["key", "created", "id"], na_position="last", kind="stable")
    dup = people["key"].duplicated()
    if dup.any():
        report.warn(
            f"{int(dup.sum())} contact(s) share an e-mail with another contact: their activity is joined to the "
            "earliest-created contact with that e-mail (merge the duplicates in HubSpot)"
        )
    first = people[~dup]
    return pd.Series(first["id"].to_numpy(), index=first["key"].to_numpy())


def read_activity(
    sf: SourceFolder,
    params,
    report: ImportReport,
    contacts: pd.DataFrame,
    skip: list[str],
    accounts: pd.DataFrame | None = None,
) -> RawTable | None:
    """Touchpoints of every activity file in the folder (None when there is none)."""
    from .hubspot import _object_files
    from .hubspot_sales import read_engagements

    tz = params.data.timezone
    files = _object_files(sf, skip)
    by_email = email_index(contacts, report)
    known = pd.Index(contacts["contact_id"].astype(str).to_numpy(dtype=object)).drop_duplicates()
    companies = pd.Index([] if accounts is None else accounts["account_id"].dropna().astype(str).to_numpy(dtype=object))
    parts: list[RawTable] = []
    for kind in ACTIVITY_FILES:
        for p in files[kind]:
            src = sf.read(p, "touchpoints")
            if kind == "email_events":
                got, prefix = _email_events(src, tz, report), "email"
            elif kind == "form_submissions":
                got, prefix = _forms(src, tz, params), "form"
            elif kind == "page_views":
                got, prefix = _page_views(src, tz, params), "page"
            elif kind == "sales":
                got, prefix = read_engagements(src, tz, report), "sales"
            else:
                got, prefix = _marketing_events(src, tz, report), "event"
            parts.append(_join(src, got, by_email, known, report, prefix, companies.drop_duplicates()))
    if not parts:
        return None
    table = RawTable.concat(parts)
    tp = table.df
    for col, m in params.data.value_map.get("touchpoints", {}).items():
        if col in tp.columns and col != "activity_type":
            tp[col] = map_values(tp[col], {}, m)
    counts = tp["channel"].value_counts()
    report.note(
        f"HubSpot activity: {len(tp)} touch(es) joined to contacts ({', '.join(f'{k} {v}' for k, v in counts.items())})"
    )
    return table
