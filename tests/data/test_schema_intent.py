"""The optional ``intent`` table (third-party intent, weekly company-surge layout): loaded and validated by the
folder loader like every canonical table, scores within 0-100, week dates parsed, accounts linked."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config import parse_params
from abm_lab.data import schema
from abm_lab.data.io import load_dataset
from abm_lab.errors import ABMDataError
from abm_lab.mapping.intent import check_intent

ACC = "account_id,name,domain\nA1,Acme,acme.com\nA2,Globex,globex.com\n"
CON = "contact_id,email,account_id\nC1,a@acme.com,A1\n"
OPP = "opportunity_id,account_id,created_date,stage\nO1,A1,2026-01-05,prospecting\n"
TP = "touchpoint_id,timestamp,contact_id,channel,activity_type\nT1,2026-01-02 10:00,C1,email,email_open\n"
INTENT = (
    "domain,company_name,week_start,topic,score,account_id\n"
    "acme.com,Acme Inc,2026-03-02,Marketing Automation,72,\n"
    "www.globex.com,Globex,2026-03-02,Intent Data,41.5,A2\n"
)


def load(folder, intent: str | None = INTENT):
    files = {"accounts": ACC, "contacts": CON, "opportunities": OPP, "touchpoints": TP}
    if intent is not None:
        files["intent"] = intent
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text)
    return load_dataset(
        parse_params({"data": {"source": "folder", "path": str(folder)}, "run": {"as_of": "2026-12-31"}}), root="/"
    )


def test_intent_is_an_optional_canonical_table():
    assert "intent" in schema.TABLES and "intent" not in schema.REQUIRED_TABLES
    t = schema.TABLES["intent"]
    assert t.required == ["domain", "week_start", "topic", "score"]
    assert t.foreign_keys == {"account_id": "accounts.account_id"}
    assert str(schema.SURGE_CONVENTION) in t.column("score").doc  # the surge convention is documented
    text = schema.describe()
    assert "### `intent`" in text and "`week_start`" in text


def test_data_model_doc_is_generated_from_the_schema():
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "data_model.md").read_text()
    assert doc.endswith(schema.describe())


def test_folder_loads_and_types_the_intent_table(tmp_path):
    ds = load(tmp_path)
    it = ds["intent"]
    assert len(it) == 2 and it["score"].tolist() == [72.0, 41.5]
    assert it["week_start"].dtype.kind == "M" and it["week_start"].iloc[0] == pd.Timestamp("2026-03-02")
    assert it["account_id"].isna().tolist() == [True, False]


def test_folder_without_intent_still_loads(tmp_path):
    ds = load(tmp_path, intent=None)
    assert "intent" not in ds.tables


def test_bad_week_date_names_file_and_column(tmp_path):
    with pytest.raises(ABMDataError) as e:
        load(tmp_path, INTENT.replace("2026-03-02,Intent", "week 10,Intent"))
    assert "intent.csv" in str(e.value) and e.value.column == "week_start"


def test_negative_score_and_unknown_account_are_refused(tmp_path):
    with pytest.raises(ABMDataError) as e:
        load(tmp_path, INTENT.replace(",72,", ",-3,"))
    assert e.value.column == "score"
    with pytest.raises(ABMDataError) as e:
        load(tmp_path, INTENT.replace(",A2", ",A9"))
    assert e.value.column == "account_id"


def test_score_above_100_and_duplicate_weeks_are_refused():
    df = pd.DataFrame(
        {
            "domain": ["acme.com", "globex.com"],
            "week_start": pd.to_datetime(["2026-03-02", "2026-03-02"]),
            "topic": ["CRM", "CRM"],
            "score": [72.0, 100.5],
        }
    )
    with pytest.raises(ABMDataError) as e:
        check_intent(df, "intent.csv")
    assert e.value.column == "score" and e.value.rows == [2] and "0-100" in str(e.value)
    check_intent(df.assign(score=[72.0, 100.0]))  # the bounds are allowed
    dup = df.assign(score=[72.0, 50.0], domain=["acme.com", "www.acme.com"], topic=["CRM", "crm "])
    with pytest.raises(ABMDataError) as e:
        check_intent(dup, "intent.csv")
    assert e.value.reason == "duplicate key" and e.value.rows == [1, 2]
