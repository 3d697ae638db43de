"""Validation of the canonical model: every failure names file, column and rows; nothing is dropped."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config import parse_params
from abm_lab.data import schema, validate
from abm_lab.data.io import load_dataset
from abm_lab.errors import ABMDataError

ACC = "account_id,name,domain,employees\nA1,Acme,acme.com,100\nA2,Globex,globex.com,200\nA3,Initech,initech.com,50\n"
CON = "contact_id,email,account_id\nC1,a@acme.com,A1\nC2,b@globex.com,A2\n"
OPP = "opportunity_id,account_id,created_date,stage,close_date,amount\nO1,A1,2026-01-05,closed_won,2026-03-01,1000\n"
TP = "touchpoint_id,timestamp,contact_id,channel,activity_type\nT1,2026-01-02 10:00,C1,email,email_open\n"


def write(folder, **files):
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def load(folder):
    return load_dataset(parse_params({"data": {"source": "folder", "path": str(folder)}}), root="/")


def test_valid_folder_loads_every_row(tmp_path):
    ds = load(write(tmp_path, accounts=ACC, contacts=CON, opportunities=OPP, touchpoints=TP))
    assert [len(ds[t]) for t in ("accounts", "contacts", "opportunities", "touchpoints")] == [3, 2, 1, 1]
    assert ds["accounts"]["employees"].dtype == "Int64"
    assert bool(ds["accounts"].set_index("account_id").loc["A1", "is_customer"])  # derived from won deal
    assert not bool(ds["accounts"].set_index("account_id").loc["A3", "is_customer"])
    assert ds["opportunities"]["is_won"].tolist() == [True]


def test_missing_required_column_names_file_and_column(tmp_path):
    write(tmp_path, accounts=ACC.replace("name,", "company,"), contacts=CON, opportunities=OPP, touchpoints=TP)
    with pytest.raises(ABMDataError) as e:
        load(tmp_path)
    msg = str(e.value)
    assert "accounts.csv" in msg and "'name'" in msg and "missing required column" in msg
    assert e.value.column == "name"


def test_duplicate_account_ids_name_rows(tmp_path):
    write(tmp_path, accounts=ACC + "A2,Globex again,globex2.com,10\n", contacts=CON, opportunities=OPP, touchpoints=TP)
    with pytest.raises(ABMDataError) as e:
        load(tmp_path)
    msg = str(e.value)
    assert "accounts.csv" in msg and "'account_id'" in msg and "unique" in msg
    assert e.value.rows == [3, 5]  # file lines of the two A2 rows (header is line 1)
    assert "line 3" in msg and "line 5" in msg


def test_contact_pointing_at_unknown_account(tmp_path):
    write(tmp_path, accounts=ACC, contacts=CON + "C3,c@x.com,A9\n", opportunities=OPP, touchpoints=TP)
    with pytest.raises(ABMDataError) as e:
        load(tmp_path)
    msg = str(e.value)
    assert "contacts.csv" in msg and "'account_id'" in msg and "A9" in msg and "line 4" in msg
    assert e.value.reason == "unknown foreign key"


@pytest.mark.parametrize(
    "opp_row,reason",
    [
        ("O2,A1,2026-03-05,closed_won,2026-02-01,10\n", "dates out of order"),
        ("O2,A1,2026-03-05,won,2026-04-01,10\n", "value not allowed"),
        ("O2,A1,2026-03-05,closed_won,2026-04-01,-5\n", "negative value"),
        ("O2,A1,not a date,closed_won,2026-04-01,5\n", "not a date"),
        ("O2,A1,2026-03-05,closed_won,2026-04-01,lots\n", "not a number"),
        ("O1,A1,2026-03-05,closed_won,2026-04-01,5\n", "duplicate key"),
    ],
)
def test_opportunity_rules(tmp_path, opp_row, reason):
    write(tmp_path, accounts=ACC, contacts=CON, opportunities=OPP + opp_row, touchpoints=TP)
    with pytest.raises(ABMDataError) as e:
        load(tmp_path)
    assert e.value.reason == reason
    assert "opportunities.csv" in str(e.value) and e.value.rows


def test_missing_required_table(tmp_path):
    write(tmp_path, accounts=ACC, contacts=CON, opportunities=OPP)
    with pytest.raises(ABMDataError, match="touchpoints"):
        load(tmp_path)


def test_validate_keeps_rows_and_extra_columns():
    df = pd.DataFrame({"account_id": ["a", "b"], "name": ["x", "y"], "my_column": [1, 2], "tech_crm": ["yes", "0"]})
    out = validate.validate_table(df, "accounts")
    assert len(out) == 2 and "my_column" in out.columns
    assert out["tech_crm"].tolist() == [True, False]


def test_describe_documents_every_column():
    text = schema.describe()
    for t in schema.TABLES.values():
        for c in t.columns:
            assert f"`{c.name}`" in text
