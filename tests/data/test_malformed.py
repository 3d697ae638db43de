"""The malformed-input corpus (tests/fixtures/malformed, see its README.md): every file is refused with a message
naming the file, the column and the file's own line, or loads with a visible warning; nothing loads silently wrong.

Issue 16 classes: 3 (rows never vanish, line numbers are the file's own), 4 (values never change meaning
silently), 7 (a stale Parquet beside a CSV is an error)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from abm_lab.config import parse_params
from abm_lab.data.io import load_dataset
from abm_lab.errors import ABMDataError

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "malformed"
SALESFORCE = Path(__file__).resolve().parents[1] / "fixtures" / "salesforce"

BASE = {
    "accounts": "account_id,name,domain\nA1,Acme,acme.com\nA2,Globex,globex.com\nA3,Initech,initech.com\n",
    "contacts": "contact_id,email,account_id\nC1,a@acme.com,A1\nC2,b@globex.com,A2\n",
    "opportunities": "opportunity_id,account_id,created_date,stage,close_date,amount\n"
    "O1,A1,2026-01-05,closed_won,2026-03-01,1000\n",
    "touchpoints": "touchpoint_id,timestamp,contact_id,channel,activity_type\n"
    "T1,2026-01-02 10:00,C1,email,email_open\n",
}

# case -> (reason, column, first reported line, words the message must contain)
REFUSED = {
    "touchpoints__stray_quote": ("bad quoting", None, 3, ["line 3", "swallows", "line 4"]),
    "touchpoints__unclosed_quote": ("bad quoting", None, 3, ["line 3", "quote"]),
    "touchpoints__missing_field": ("field count", None, 3, ["line 3", "5 field(s)", "header has 6"]),
    "touchpoints__quoted_newline_bad_channel": ("value not allowed", "channel", 4, ["line 4", "emale"]),
    "touchpoints__ambiguous_dates": ("ambiguous date", "timestamp", 2, ["'timestamp'", "data.date_format", "line 3"]),
    "opportunities__mixed_date_formats": ("ambiguous date", "created_date", 3, ["mixes date formats", "01/15/2026"]),
    "opportunities__european_amount": ("not a number", "amount", 3, ["'amount'", "1.200,50", "data.decimal"]),
    "opportunities__comma_decimal": ("not a number", "amount", 3, ["'amount'", "'1,5'", "line 3"]),
    "opportunities__null_amount": ("null text", "amount", 3, ["'amount'", "NULL", "line 3"]),
    "opportunities__null_date": ("null text", "created_date", 3, ["'created_date'", "N/A", "line 3"]),
    "accounts__duplicate_column": ("duplicate column", "name", 1, ["'name'", "more than once"]),
}


def folder_with(tmp_path: Path, case: str) -> Path:
    table = case.split("__")[0]
    for name, text in BASE.items():
        if name != table:
            (tmp_path / f"{name}.csv").write_text(text)
    shutil.copy(CORPUS / f"{case}.csv", tmp_path / f"{table}.csv")
    return tmp_path


def load(folder: Path, **data):
    return load_dataset(parse_params({"data": {"source": "folder", "path": str(folder), **data}}), root="/")


def test_every_corpus_file_is_documented():
    readme = (CORPUS / "README.md").read_text()
    for f in CORPUS.glob("*.csv"):
        assert f"`{f.name}`" in readme, f.name


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_malformed_file_is_refused_with_file_column_and_line(tmp_path, case):
    """Classes 3 and 4: each corpus file is an ABMDataError naming the file, the column and the physical line."""
    reason, column, line, words = REFUSED[case]
    folder = folder_with(tmp_path, case)
    with pytest.raises(ABMDataError) as e:
        load(folder)
    msg = str(e.value)
    assert f"{case.split('__')[0]}.csv" in msg
    assert e.value.reason == reason, msg
    assert e.value.column == column, msg
    assert e.value.rows and e.value.rows[0] == line, msg
    for w in words:
        assert w in msg, (w, msg)


def test_literal_null_in_text_column_is_a_visible_warning(tmp_path):
    """Class 4: 'NULL'/'None' in a text column are kept as text and reported with the column and lines."""
    ds = load(folder_with(tmp_path, "accounts__null_text"))
    assert ds["accounts"]["industry"].tolist() == ["NULL", "software", "None"]  # not silently blanked
    hits = [w for w in ds.warnings if "'industry'" in w]
    assert len(hits) == 1 and "accounts.csv" in hits[0] and "2 row(s)" in hits[0] and "[2, 4]" in hits[0]


def test_dates_after_as_of_are_reported_and_set_aside_with_a_count(tmp_path):
    """Classes 4 and 8: a timestamp after run.as_of is a warning naming the column, count and line, and the row is
    set aside (not yet known on as_of) and counted, so every input row is accounted for."""
    folder = folder_with(tmp_path, "touchpoints__after_as_of")
    p = parse_params({"run": {"as_of": "2026-12-31"}, "data": {"source": "folder", "path": str(folder)}})
    ds = load_dataset(p, root="/")
    assert len(ds["touchpoints"]) == 1
    acc = ds.accounting["touchpoints"]
    assert acc["rows_in"] == 2 and acc["rows_loaded"] == 1 and acc["excluded_after_as_of"] == 1
    hits = [w for w in ds.warnings if "'timestamp'" in w]
    assert len(hits) == 1 and "1 date(s) after run.as_of 2026-12-31" in hits[0] and "[3]" in hits[0]
    assert any(w.startswith("touchpoints: 1 row(s) dated after run.as_of") for w in ds.warnings)


def test_header_only_file_is_zero_rows(tmp_path):
    """Class 3: a header-only file is a table of 0 rows, not an error and not a crash."""
    ds = load(folder_with(tmp_path, "touchpoints__header_only"))
    assert len(ds["touchpoints"]) == 0 and "timestamp" in ds["touchpoints"].columns


def test_date_format_and_separators_from_params_read_the_corpus(tmp_path):
    """Class 4: the refused files load with the right values once params say how to read them."""
    folder = folder_with(tmp_path, "touchpoints__ambiguous_dates")
    ds = load(folder, date_format="%d/%m/%Y %H:%M")
    assert ds["touchpoints"]["timestamp"].tolist() == [
        pd.Timestamp("2026-01-05 10:00"),
        pd.Timestamp("2026-02-06 11:00"),
    ]
    eu = tmp_path / "eu"
    eu.mkdir()
    ds = load(folder_with(eu, "opportunities__european_amount"), decimal=",", thousands=".")
    assert ds["opportunities"]["amount"].tolist() == [1000.0, 1200.5]


def test_offsets_are_converted_to_the_timezone(tmp_path):
    """Class 4: offsets are converted to data.timezone; naive timestamps are taken as in it."""
    tp = "touchpoint_id,timestamp,contact_id,channel,activity_type\n"
    tp += "T1,2026-01-02T10:00:00+0000,C1,email,email_open\nT2,2026-01-02T10:00:00+02:00,C1,email,email_open\n"
    tp += "T3,2026-01-02 10:00,C1,email,email_open\n"
    for name, text in {**BASE, "touchpoints": tp}.items():
        (tmp_path / f"{name}.csv").write_text(text)
    got = load(tmp_path, timezone="Europe/Berlin")["touchpoints"]["timestamp"].tolist()
    assert got == [pd.Timestamp("2026-01-02 11:00"), pd.Timestamp("2026-01-02 09:00"), pd.Timestamp("2026-01-02 10:00")]
    got = load(tmp_path)["touchpoints"]["timestamp"].tolist()  # UTC by default
    assert got == [pd.Timestamp("2026-01-02 10:00"), pd.Timestamp("2026-01-02 08:00"), pd.Timestamp("2026-01-02 10:00")]


def test_stale_parquet_beside_csv_is_an_error_naming_both(tmp_path):
    """Class 7 (part): accounts.parquet beside accounts.csv is refused; data.files picks one."""
    for name, text in BASE.items():
        (tmp_path / f"{name}.csv").write_text(text)
    pd.DataFrame({"account_id": ["A1"], "name": ["Old"], "domain": ["old.com"]}).to_parquet(
        tmp_path / "accounts.parquet"
    )
    with pytest.raises(ABMDataError) as e:
        load(tmp_path)
    assert "accounts.parquet" in str(e.value) and "accounts.csv" in str(e.value) and "data.files" in str(e.value)
    assert len(load(tmp_path, files={"accounts": "accounts.csv"})["accounts"]) == 3


def test_lead_lines_in_combined_contacts_are_the_lead_files_own(tmp_path):
    """Class 3: an error in Lead.csv (merged into contacts after Contact.csv) names Lead.csv and its own line."""
    for f in SALESFORCE.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    lead = (tmp_path / "Lead.csv").read_text().splitlines()
    lead[2] = lead[2].replace("2024-07-03T08:00:00.000+0000", "someday")
    (tmp_path / "Lead.csv").write_text("\n".join(lead) + "\n")
    with pytest.raises(ABMDataError) as e:
        load(tmp_path, preset="salesforce")
    msg = str(e.value)
    assert "Lead.csv line 3" in msg and e.value.rows == [3] and e.value.column == "created_date", msg
