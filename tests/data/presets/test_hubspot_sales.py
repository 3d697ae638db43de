"""HubSpot meetings and calls (abm_lab.data.presets.hubspot_sales) on small hand-made CRM activity exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from abm_lab.config import Params
from abm_lab.data import validate
from abm_lab.data.parse import ParseOptions
from abm_lab.data.presets.base import ImportReport
from abm_lab.data.presets.hubspot import read_hubspot
from abm_lab.errors import ABMDataError

FIXTURE = Path(__file__).parents[2] / "fixtures" / "hubspot_export"
MEETINGS = "hubspot-crm-exports-all-meetings-2026-03-04.csv"
CALLS = "hubspot-crm-exports-all-calls-2026-03-04.csv"


def _folder(tmp_path: Path, name: str | None = None, text: str | None = None) -> Path:
    """The fixture export without its meetings and calls files, plus ``name`` holding ``text``."""
    dst = tmp_path / "export"
    shutil.copytree(FIXTURE, dst)
    for f in (MEETINGS, CALLS):
        (dst / f).unlink()
    if name is not None and text is not None:
        (dst / name).write_text(text)
    return dst


def _sales(folder: Path, **data) -> tuple[pd.DataFrame, ImportReport, dict[str, int]]:
    params = Params.model_validate({"data": {"source": "folder", "path": str(folder), "preset": "hubspot", **data}})
    report = ImportReport("hubspot")
    raw = read_hubspot(folder, params, report)["touchpoints"]
    tp = validate.validate_table(
        raw.df, "touchpoints", file=raw.label, lines=raw.lines, opts=ParseOptions.from_params(params)
    )
    return tp[tp["channel"] == "sales"].reset_index(drop=True), report, raw.set_aside


ACTIVITIES = """Record ID,Activity type,Activity date,Associated Contact IDs,Associated Company IDs
1,MEETING,2026-02-20 15:00,101,5838373210
2,Call,2026-02-21 10:00,151,
3,NOTE,2026-02-22 10:00,151,
4,TASK,2026-02-22 11:00,251,
5,Discovery,2026-02-23 12:00,251,5838373213
6,INCOMING_EMAIL,2026-02-23 13:00,251,
"""


def test_activities_export_with_a_kind_column(tmp_path):
    tp, report, aside = _sales(_folder(tmp_path, "hubspot-crm-exports-all-activities-2026-03-04.csv", ACTIVITIES))
    got = list(zip(tp["touchpoint_id"], tp["contact_id"], tp["activity_type"], strict=True))
    # MEETING / Call by the kind column; an unknown type ('Discovery') takes the file's kind (meetings by default)
    assert got == [
        ("hs-meeting-1", "101", "sales_meeting"),
        ("hs-call-2", "151", "sales_call"),
        ("hs-meeting-5", "251", "sales_meeting"),
    ]
    assert aside["activities that are not meetings or calls (notes, tasks, e-mails, ...)"] == 3
    assert any("3 activit(ies) that are not meetings or calls set aside" in n and "NOTE 1" in n for n in report.notes)
    assert any("of type ['DISCOVERY'] read as meetings" in n for n in report.notes)
    assert (tp["funnel_stage"] == "bofu").all()


def test_file_kind_from_columns_and_name(tmp_path):
    text = "Record ID,Activity date,Associated Contact IDs\n9,2026-02-21 10:00,151\n"
    tp, _, _ = _sales(_folder(tmp_path, "calls-q1.csv", text))
    assert tp["activity_type"].tolist() == ["sales_call"]  # 'call' in the file name
    shutil.rmtree(tmp_path / "export")
    text = "Record ID,Activity date,Call and meeting type,Meeting outcome,Associated Contact IDs\n"
    text += "9,2026-02-21 10:00,Demo,,151\n"
    tp, _, _ = _sales(_folder(tmp_path, "engagements.csv", text))
    assert tp["activity_type"].tolist() == ["sales_meeting"]  # a Meeting … column, despite 'Call and meeting type'


def test_times_in_the_portal_time_zone(tmp_path):
    text = (
        "Record ID,hs_timestamp,Meeting start time,Associated Contact IDs\n"
        "1,1771599600000,,101\n"  # epoch ms (UTC) when the start time is blank
        "2,2026-02-20 15:00,2026-02-20 16:30,151\n"  # the start time first, text in the portal's zone
    )
    tp, _, _ = _sales(_folder(tmp_path, "meetings.csv", text), timezone="Europe/Berlin")
    assert tp["timestamp"].tolist() == [pd.Timestamp("2026-02-20 16:00"), pd.Timestamp("2026-02-20 16:30")]


def test_unknown_contact_with_a_known_company_is_an_account_touch(tmp_path):
    text = (
        "Associated Contact,Associated Contact IDs,Associated Company IDs,Activity date,Meeting outcome\n"
        "Nobody Known,777,5838373212;5838373211,2026-02-20 15:00,COMPLETED\n"
        "Bob (bob@borealis.de); Dan <dan@deltaretail.com.au>,,,2026-02-21 15:00,completed\n"
        "Gone,888,999,2026-02-22 15:00,\n"
        "Eve,301,,2026-02-23 15:00,NO_SHOW\n"
    )
    tp, report, aside = _sales(_folder(tmp_path, "meetings.csv", text))
    assert tp["contact_id"].fillna("-").tolist() == ["-", "151", "251"]
    assert tp["account_id"].fillna("-").tolist() == ["5838373212", "-", "-"]  # first company id
    assert tp["touchpoint_id"].is_unique  # no Record ID: ids from the lines, one per contact
    assert tp["touchpoint_id"].tolist()[1:] == ["hs-meeting-meetings-line3", "hs-meeting-meetings-line3-1"]
    # line 4, nothing known (+ the 3 unmatched rows of the fixture's marketing files)
    assert aside["activity rows whose e-mail / contact id matches no contact"] == 1 + 3
    assert aside["meetings / calls that did not take place (canceled, rescheduled, no-show, not connected)"] == 1
    assert any("meetings.csv: 1 row(s)" in n and "(lines [4])" in n for n in report.notes)
    assert any("meetings.csv: 1 associated company id(s) not in the companies export" in n for n in report.notes)


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("Record ID,Associated Contact IDs\n1,101\n", "Meeting start time"),
        ("Record ID,Activity date\n1,2026-02-20 15:00\n", "Associated Contact IDs"),
    ],
)
def test_missing_columns_name_file_and_column(tmp_path, text, column):
    folder = _folder(tmp_path, "meetings.csv", text)
    with pytest.raises(ABMDataError) as e:
        _sales(folder)
    assert e.value.column == column and e.value.file == str(folder / "meetings.csv")
    assert "meetings.csv" in str(e.value)
