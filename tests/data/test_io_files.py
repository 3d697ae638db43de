"""Folder loading: several files per table, constant columns per file, the e-mail join, the import report."""

from __future__ import annotations

from pathlib import Path

import pytest

from abm_lab.config import parse_params
from abm_lab.data.io import load_dataset
from abm_lab.errors import ABMDataError


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text.strip() + "\n")


@pytest.fixture
def crm(tmp_path):
    _write(
        tmp_path,
        "accounts.csv",
        """
account_id,name,website,country,favourite_colour
A1,Acme,acme.com,Germany,red
A2,Globex,globex.com,Japan,blue
A3,Initech,initech.com,Atlantis,green
""",
    )
    _write(
        tmp_path,
        "contacts.csv",
        """
contact_id,email,account_id,created_date
C1,Ann@Acme.com,A1,2026-01-05
C2,bob@globex.com,A2,2026-01-06
C3,ann@acme.com,A1,2026-02-01
""",
    )
    _write(
        tmp_path,
        "opportunities.csv",
        """
opportunity_id,account_id,created_date,stage,close_date,amount
O1,A1,2026-01-10,closed_won,2026-03-01,1000
O2,A2,2026-02-10,discovery,,500
""",
    )
    _write(
        tmp_path,
        "touchpoints.csv",
        """
touchpoint_id,timestamp,contact_id,channel,activity_type
T1,2026-02-01 10:00,C2,sales,sales_meeting
""",
    )
    _write(
        tmp_path,
        "email_activity.csv",
        """
touchpoint_id,timestamp,email,activity_type
E1,2026-02-02 10:00, ANN@acme.com ,email_open
E2,2026-02-03 10:00,bob@globex.com,email_click
E3,2026-02-04 10:00,nobody@nowhere.org,email_open
E4,2026-02-05 10:00,bob@globex.com,email_open
""",
    )
    _write(tmp_path, "notes.csv", "a,b\n1,2\n")
    return tmp_path


def _params(folder: Path, **data):
    return parse_params({"data": {"source": "folder", "path": str(folder), **data}})


def test_several_files_per_table_with_constant_columns_and_the_email_join(crm):
    files = {"touchpoints": ["touchpoints.csv", {"path": "email_activity.csv", "columns": {"channel": "email"}}]}
    ds = load_dataset(_params(crm, files=files), "/")
    tp = ds["touchpoints"].set_index("touchpoint_id")
    assert list(tp.index) == ["T1", "E1", "E2", "E4"]  # E3 set aside: its e-mail matches nobody
    assert tp["channel"].tolist() == ["sales", "email", "email", "email"]  # constant column, not overwriting T1
    # e-mail join: case and blanks ignored, the earliest-created person of a shared e-mail
    assert tp.loc[["E1", "E2", "E4"], "contact_id"].tolist() == ["C1", "C2", "C2"]
    acc = ds.accounting["touchpoints"]
    assert acc["rows_in"] == 5 and acc["rows_loaded"] == 4 and acc["set_aside: e-mail matches no person"] == 1
    notes = " ".join(ds.import_report.notes)
    assert "3 touch(es) linked to their person by e-mail" in notes
    assert "1 touch(es) with an e-mail that matches no person" in notes and "email_activity.csv line 4" in notes


def test_import_report_lists_unused_files_and_columns_and_derivations(crm):
    ds = load_dataset(_params(crm), "/")
    rep = ds.import_report
    ignored = {Path(f).name for f in rep.ignored_files}
    assert ignored == {"email_activity.csv", "notes.csv"}
    assert rep.ignored_columns == {str(crm / "accounts.csv"): ["favourite_colour"]}
    # no customer flag in accounts: derived from won deals, and said so
    assert ds.derived == {"is_customer_from_won_deals": 1}
    assert ds["accounts"]["is_customer"].tolist() == [True, False, False]
    assert any("won deal taken as customers" in n for n in rep.notes)
    # region from country where known, blank where not
    assert ds["accounts"]["region"].tolist()[:2] == ["EMEA", "APAC"] and ds["accounts"]["region"].isna().iloc[2]
    lines = "\n".join(rep.lines())
    assert "ignored file(s)" in lines and "favourite_colour" in lines


def test_missing_file_in_a_list_names_it(crm):
    with pytest.raises(ABMDataError, match="missing.csv: file named in data.files"):
        load_dataset(_params(crm, files={"touchpoints": ["touchpoints.csv", "missing.csv"]}), "/")


def test_bad_row_in_second_file_names_that_file_and_its_line(crm):
    _write(
        crm,
        "web.csv",
        "touchpoint_id,timestamp,contact_id,activity_type\nW1,2026-02-01 10:00,C1,web_visit\nW2,soon,C1,web_visit\n",
    )
    files = {"touchpoints": ["touchpoints.csv", {"path": "web.csv", "columns": {"channel": "web"}}]}
    with pytest.raises(ABMDataError, match=r"web.csv line 3"):
        load_dataset(_params(crm, files=files), "/")


def test_data_health_lists_what_the_import_did_not_use(crm):
    """Notebook 00's "What the import used": ignored files and columns, derivations and suspicious patterns."""
    from abm_lab.data import health

    ds = load_dataset(_params(crm), "/")
    t = health.import_report(ds)
    assert {"file not used", "done on import"} <= set(t["what"])
    assert "favourite_colour" in " ".join(t["detail"])
    html = health.import_report_table(ds).to_html()
    assert "notes.csv" in html and "won deal taken as customers" in html
    assert "no ABM programme" in html or "programme" in html  # diagnose: no programme, so no ROI
    assert "every input row is accounted for" not in health.executive_summary(ds.tables, ds, _params(crm))
    files = {"touchpoints": ["touchpoints.csv", {"path": "email_activity.csv", "columns": {"channel": "email"}}]}
    ds2 = load_dataset(_params(crm, files=files), "/")
    said = health.executive_summary(ds2.tables, ds2, _params(crm, files=files))
    assert "every input row is accounted for" in said and "1 e-mail matches no person" in said
