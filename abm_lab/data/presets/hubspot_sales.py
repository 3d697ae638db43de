"""HubSpot meetings and calls (CRM activity exports) → sales touches (``channel`` sales; docs/import.md).

HubSpot logs a rep's meetings and calls as CRM activities (engagements) associated with contacts and companies;
the Meetings / Calls index pages (or the Activities export) export them with the activity's property labels:

* ``Record ID``; the kind from ``Activity type`` / ``Engagement type`` (MEETING, CALL; EMAIL, NOTE, TASK … are not
  meetings or calls: set aside and counted) or, without such a column, from the file (``Meeting …`` columns or
  "meeting" in the name → meeting, ``Call …`` columns or "call" in the name → call): meeting →
  sales/sales_meeting, call → sales/sales_call;
* the time from ``Meeting start time`` (else ``Activity date``, HubSpot's ``hs_timestamp``);
* ``Meeting outcome`` / ``Call outcome``: a meeting canceled, rescheduled or a no-show, a call not connected
  (busy, no answer, wrong number, voicemail) did not take place with the person: set aside and counted;
* the people from ``Associated Contact IDs`` (``;``-separated) or, without ids, the e-mails in
  ``Associated Contact`` (``Ada Lovelace (ada@acme.com)``): one touch per associated contact; the company from
  ``Associated Company IDs`` (first id) as the touch's ``account_id`` — a meeting with a known company and no
  known contact is kept as an account-level touch.

``Call and meeting type`` (your own labels such as "Discovery") and the owner are not used.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .base import ImportReport, Source, first_present

#: engagement kind (upper-case, any separators) -> activity
KINDS: dict[str, str] = {
    "MEETING": "sales_meeting",
    "MEETINGS": "sales_meeting",
    "CALL": "sales_call",
    "CALLS": "sales_call",
}
#: engagement kinds (upper-case, no separators) that are not a meeting or call with the person
NOT_SALES_KINDS: tuple[str, ...] = (
    "EMAIL",
    "EMAILS",
    "INCOMINGEMAIL",
    "FORWARDEDEMAIL",
    "NOTE",
    "NOTES",
    "TASK",
    "TASKS",
    "SMS",
    "LINKEDINMESSAGE",
    "POSTALMAIL",
    "WHATSAPP",
    "CONVERSATIONSESSION",
)
MEETING_COLUMNS = {"meeting start time", "meeting end time", "meeting outcome", "meeting name", "hs_meeting_title"}
CALL_COLUMNS = {"call outcome", "call duration", "call direction", "call title", "hs_call_title", "call status"}
#: activity -> the word in its touchpoint ids
_WORD = {"sales_meeting": "meeting", "sales_call": "call"}
#: outcomes (lower-case, '_'/'-' as blanks) of a meeting or call that did not take place with the person
NOT_HELD: tuple[str, ...] = (
    "canceled",
    "cancelled",
    "rescheduled",
    "no show",
    "noshow",
    "busy",
    "no answer",
    "wrong number",
    "left voicemail",
    "left live message",
)
KIND = ("Activity type", "Engagement type", "hs_engagement_type", "Engagement Type")
WHEN = ("Meeting start time", "hs_meeting_start_time")
ACTIVITY_DATE = ("Activity date", "hs_timestamp", "Call date", "Meeting date")
OUTCOME = ("Meeting outcome", "Call outcome", "hs_meeting_outcome", "hs_call_disposition", "Outcome")
CONTACT_IDS = ("Associated Contact IDs", "Associated Contact ID", "Contact IDs", "Contact ID")
CONTACT_NAMES = ("Associated Contact", "Associated Contacts", "Contact", "Attendees")
COMPANY_IDS = ("Associated Company IDs", "Associated Company IDs (Primary)", "Associated Company ID", "Company ID")
_EMAIL = re.compile(r"[^\s;,()<>\"']+@[^\s;,()<>\"']+")
NOT_SALES = "activities that are not meetings or calls (notes, tasks, e-mails, ...)"
NOT_HELD_REASON = "meetings / calls that did not take place (canceled, rescheduled, no-show, not connected)"


def _file_kind(src: Source) -> str:
    """The activity of a file without a kind column: from its meeting- or call-only columns, else its name."""
    cols = {str(c).strip().lower() for c in src.df.columns}
    if cols & MEETING_COLUMNS:
        return "sales_meeting"
    if cols & CALL_COLUMNS or "call" in src.name.lower():
        return "sales_call"
    return "sales_meeting"


def _kind(src: Source, report: ImportReport) -> pd.Series:
    """Activity of each row (sales_meeting, sales_call; blank = not a meeting or call, set aside): the kind
    column's MEETING / CALL, its EMAIL, NOTE, TASK, ... blank; other values (or no kind column) the file's kind."""
    default = _file_kind(src)
    if not src.has(*KIND):
        return pd.Series(default, index=src.df.index, dtype="object")
    kind = src.col(*KIND).astype("string").str.strip().str.upper().str.replace(r"[\s_-]+", "", regex=True)
    act = kind.map(KINDS).astype("object")
    other = kind.isin(NOT_SALES_KINDS).fillna(False).to_numpy(dtype=bool)
    unknown = act.isna().to_numpy(dtype=bool) & ~other
    if other.any():
        counts = kind[other].value_counts()
        report.note(
            f"{src.name}: {int(other.sum())} activit(ies) that are not meetings or calls set aside "
            f"({', '.join(f'{k} {v}' for k, v in counts.items())})"
        )
    if unknown.any():
        labels = sorted(set(kind[unknown].fillna("(blank)").astype(str)))[:6]
        report.note(
            f"{src.name}: {int(unknown.sum())} activit(ies) of type {labels} read as "
            f"{default.replace('sales_', '')}s (the file's kind)"
        )
    return act.where(~unknown, default)


def _list(values: pd.Series) -> pd.Series:
    """A ';'-separated association list per row as a list of trimmed, non-blank items."""
    return values.astype("string").fillna("").str.split(";").map(lambda xs: [x.strip() for x in xs if x.strip()])


def read_engagements(src: Source, tz: str, report: ImportReport) -> tuple[pd.DataFrame, dict[str, int]]:
    """Sales touches of one meetings / calls / activities file: one row per (activity, associated contact)."""
    from .hubspot import ID, first_id, need
    from .hubspot_activity import epoch_or_text

    need(src, (*WHEN, *ACTIVITY_DATE), "a meetings or calls export needs the activity's date (Activity date)")
    if not src.has(*CONTACT_IDS, *CONTACT_NAMES, *COMPANY_IDS):
        need(src, CONTACT_IDS, "a meetings or calls export needs its associations (export with associations)")
    act = _kind(src, report)
    is_sales = act.notna().to_numpy(dtype=bool)
    outcome = src.col(*OUTCOME).astype("string").str.strip().str.lower().str.replace(r"[_-]+", " ", regex=True)
    not_held = outcome.isin(NOT_HELD).fillna(False).to_numpy(dtype=bool) & is_sales
    if not_held.any():
        counts = outcome[not_held].value_counts()
        report.note(
            f"{src.name}: {int(not_held.sum())} meeting(s) / call(s) that did not take place set aside "
            f"({', '.join(f'{k} {v}' for k, v in counts.items())})"
        )
    keep = is_sales & ~not_held
    when = epoch_or_text(first_present(src.col(*WHEN), src.col(*ACTIVITY_DATE)), tz)
    ids = _list(src.col(*CONTACT_IDS))
    mails = src.col(*CONTACT_NAMES).astype("string").fillna("").map(lambda v: _EMAIL.findall(v))
    people = [i if i else m for i, m in zip(ids, mails, strict=True)]
    company = first_id(src.col(*COMPANY_IDS))
    rec = src.col(*ID).astype("string")
    rows: dict[str, list] = {c: [] for c in ("_pos", "ref", "k")}
    for row in np.flatnonzero(keep):
        for j, who in enumerate(people[row] or [None]):
            rows["_pos"].append(row)
            rows["ref"].append(who)
            rows["k"].append(j)
    pos = np.asarray(rows["_pos"], dtype=np.int64)
    ref = pd.Series(rows["ref"], dtype="object")
    by_email = ref.astype("string").str.contains("@").fillna(False).to_numpy(dtype=bool)
    k = np.asarray(rows["k"], dtype=np.int64)
    lines = src.row_lines[pos] if src.row_lines is not None else pos + 2
    rid = [
        r if isinstance(r, str) and r.strip() else f"{src.path.stem}-line{ln}"
        for r, ln in zip(rec.to_numpy(dtype=object)[pos], lines, strict=True)
    ]
    tid = [
        f"hs-{_WORD[a]}-{r}" + (f"-{j}" if j else "")
        for a, r, j in zip(act.to_numpy(dtype=object)[pos], rid, k, strict=True)
    ]
    df = pd.DataFrame(
        {
            "touchpoint_id": tid,
            "contact_id": ref.where(~by_email).to_numpy(dtype=object),
            "email": ref.where(by_email).to_numpy(dtype=object),
            "account_id": company.to_numpy(dtype=object)[pos],
            "timestamp": pd.Series(when).to_numpy(dtype=object)[pos],
            "activity_type": act.to_numpy(dtype=object)[pos],
            "campaign_id": None,
            "_pos": pos,
        }
    )
    several = int((k > 0).sum())
    if several:
        report.note(
            f"{src.name}: {int(len(set(pos[k > 0].tolist())))} meeting(s) / call(s) with several associated "
            f"contacts: one touch per contact ({several} touch(es) more than rows)"
        )
    aside = {NOT_SALES: int((~is_sales).sum()), NOT_HELD_REASON: int(not_held.sum())}
    return df, aside


__all__ = ["KINDS", "NOT_HELD", "read_engagements"]
