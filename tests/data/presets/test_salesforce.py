"""Salesforce reader preset on a hand-made Data Export (tests/fixtures/salesforce_export): exact canonical tables,
clear errors for missing fields, and the import report (ignored objects / fields, missing programme)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from abm_lab.config import parse_params
from abm_lab.data.io import load_dataset
from abm_lab.data.presets.base import ImportReport
from abm_lab.data.presets.salesforce import read_salesforce, sfid18
from abm_lab.errors import ABMDataError, ABMParamsError

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "salesforce_export"


def A(k):  # account k of the fixture (18-character id)
    return sfid18(f"001Hs00000Ac{k}xQ")


def C(k):
    return sfid18(f"003Hs00000Pe{k}cT")


def L(k):
    return sfid18(f"00QHs00000Ld{k}kW")


def D(k):
    return sfid18(f"006Hs00000Op{k}dZ")


def P(k):
    return sfid18(f"701Hs00000Cm{k}gR")


def _params(folder=FIXTURE, **data):
    base = {
        "source": "folder",
        "path": str(folder),
        "preset": "salesforce",
        "program": {"campaign": "FY26 ABM Program"},
    }
    return parse_params({"run": {"as_of": "2026-12-31"}, "data": {**base, **data}})


@pytest.fixture(scope="module")
def ds():
    return load_dataset(_params(), "/")


def test_ids_get_their_checksum():
    # Salesforce's documented example: 15-character 001A0000006Vm9r -> 18-character 001A0000006Vm9rIAC
    assert sfid18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    assert sfid18("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC" and pd.isna(sfid18(" "))


def test_accounts_customer_flag_region_and_custom_fields(ds):
    acc = ds["accounts"].set_index("account_id")
    assert list(acc.index) == [A(k) for k in "12345678"]
    assert acc["is_customer"].tolist()[:7] == [True, True, False, False, False, False, False]  # Customer - * only
    assert pd.isna(acc.loc[A(8), "is_customer"])  # blank Type stays unknown
    assert acc.loc[A(3), "country"] == "Germany"  # ShippingCountry when BillingCountry is blank
    assert acc["region"].tolist() == ["NA", "EMEA", "EMEA", "NA", "APAC", "NA", "NA", "NA"]
    assert acc.loc[A(2), "parent_account_id"] == A(1) and acc.loc[A(6), "domain"] == "hooli.ca"
    assert acc.loc[A(1), "created_date"] == pd.Timestamp("2023-01-15")
    assert "tech_cloud_dw" not in acc.columns  # custom field only through column_map
    mapped = load_dataset(
        _params(
            column_map={"accounts": {"uses_snowflake__c": "tech_cloud_dw"}},
            value_map={"accounts": {"is_customer": {"Partner": "true"}}},
        ),
        "/",
    )["accounts"].set_index("account_id")
    assert mapped["tech_cloud_dw"].tolist()[:4] == [True, False, True, False]
    assert bool(mapped.loc[A(5), "is_customer"])  # value_map over the default Type map


def test_people_converted_leads_merged(ds):
    con = ds["contacts"].set_index("contact_id")
    # 6 contacts + 4 leads: two converted leads are their contacts, one whose contact is missing stays a lead
    assert sorted(con.index) == sorted([C(k) for k in "123456"] + [L(k) for k in "3456"])
    assert con.loc[C(3), "created_date"] == pd.Timestamp("2024-11-20")  # the lead's, earlier than the contact's
    assert con.loc[C(4), "created_date"] == pd.Timestamp("2024-09-15")  # the contact's, earlier than the lead's
    assert con.loc[C(3), "job_title"] == "IT Manager" and con.loc[C(4), "country"] == "Canada"  # blanks filled
    assert con.loc[L(3), "record_type"] == "lead" and con.loc[L(3), "account_id"] == A(5)
    assert con.loc[L(4), "company_name"] == "Hooli Inc." and pd.isna(con.loc[L(4), "account_id"])
    assert (con["record_type"] == "contact").sum() == 6


def test_opportunities_stages_flags_and_close_dates(ds):
    opp = ds["opportunities"].set_index("opportunity_id")
    assert opp["stage"].to_dict() == {
        D(1): "closed_won",
        D(2): "negotiation",
        D(3): "closed_lost",
        D(4): "closed_won",  # custom 'Closed - Signed', IsWon true
        D(5): "closed_lost",  # custom 'Closed - No Budget'
        D(6): "prospecting",
        D(7): "closed_lost",  # 'Closed Won' with IsWon false: the flags win (and a warning)
        D(8): "proposal",
    }
    assert opp[["close_date"]].isna().sum().item() == 3  # the expected CloseDate of open deals is not a close
    assert opp.loc[D(4), "close_date"] == pd.Timestamp("2025-07-30") and opp.loc[D(4), "amount"] == 30500.5
    assert opp["product"].isna().all()  # Opportunity.Type is not a product


def test_stage_history_from_both_history_objects(ds):
    h = ds["stage_history"]
    got = {(o, s, str(d.date())) for o, s, d in zip(h.opportunity_id, h.stage, h.entered_date, strict=True)}
    assert len(got) == len(h)  # no duplicates although O1 is in both objects
    assert {x for x in got if x[0] == D(1)} == {
        (D(1), "prospecting", "2025-01-10"),
        (D(1), "discovery", "2025-02-01"),
        (D(1), "proposal", "2025-03-01"),
        (D(1), "closed_won", "2025-04-15"),
    }
    assert {x for x in got if x[0] == D(3)} == {(D(3), "discovery", "2025-03-01"), (D(3), "closed_lost", "2025-05-01")}
    assert {x for x in got if x[0] == D(5)} == {(D(5), "discovery", "2025-05-01"), (D(5), "closed_lost", "2025-06-30")}
    assert {x for x in got if x[0] == D(6)} == {(D(6), "prospecting", "2025-09-01")}  # never changed stage
    assert len(h) == 15


def test_touchpoints_from_members_tasks_and_events(ds):
    tp = ds["touchpoints"].set_index("touchpoint_id")
    assert len(tp) == 15
    row = tp.loc["00vHs00000Mb001AAA-r"]  # webinar attendee added the day it attended: one touch, the response
    assert (row.channel, row.activity_type, row.timestamp) == (
        "webinar",
        "webinar_attend",
        pd.Timestamp("2025-09-10 16:00"),
    )
    assert "00vHs00000Mb001AAA-m" not in tp.index
    # added 15 Sep, opened 20 Sep: the membership and the response
    assert tp.loc["00vHs00000Mb004AAA-m", "activity_type"] == "email_member"
    assert tp.loc["00vHs00000Mb004AAA-r", ["activity_type", "timestamp"]].tolist() == [
        "email_open",
        pd.Timestamp("2025-09-20"),
    ]
    assert tp.loc["00vHs00000Mb005AAA-m", "activity_type"] == "email_sent"
    assert tp.loc["00vHs00000Mb003AAA-m", "activity_type"] == "webinar_no_show"
    assert tp.loc["00vHs00000Mb002AAA-m", "contact_id"] == C(3)  # the converted lead's member is its contact's
    assert len(set(tp["activity_type"])) > 5 and "other" not in set(tp["channel"])
    # tasks and events: sales touches, lead WhoId (15 characters) remapped, account from the deal
    assert tp.loc["00THs00000Tk001AAA", ["activity_type", "account_id"]].tolist() == ["sales_call", A(1)]
    assert tp.loc["00THs00000Tk003AAA", ["contact_id", "activity_type"]].tolist() == [C(4), "sales_call"]
    assert tp.loc["00THs00000Tk003AAA", "timestamp"] == pd.Timestamp("2025-06-10")
    assert "00THs00000Tk004AAA" not in tp.index  # not completed
    assert tp.loc["00UHs00000Ev002AAA", ["activity_type", "account_id"]].tolist() == ["sales_meeting", A(6)]
    prog = tp.loc[tp["program_id"].notna()]
    assert sorted(prog.index) == sorted(
        ["00vHs00000Mb006AAA-r", "00vHs00000Mb012AAA-m", "00vHs00000Mb012AAA-r", "00THs00000Tk005AAA"]
    )
    assert tp.loc["00THs00000Tk005AAA", "campaign_id"] == P(2)


def test_programme_targets_tiers_arms_and_costs(ds):
    pr = ds["programs"].set_index("account_id")
    assert set(pr["program_id"]) == {"FY26 ABM Program"}
    assert pr["tier"].to_dict() == {A(1): "strategic", A(3): "abm_lite", A(4): "programmatic", A(6): "strategic"}
    assert pr["arm"].to_dict() == {A(1): "treatment", A(3): "treatment", A(4): "control", A(6): "treatment"}
    assert pr.loc[A(4), "start_date"] == pd.Timestamp("2026-01-06")
    costs = ds["costs"]
    assert costs.groupby("channel")["amount"].sum().to_dict() == {
        "direct_mail": 3000.0,
        "event": 8000.0,
        "paid_social": 12000.0,
    }
    dm = costs.loc[costs["channel"] == "direct_mail"].iloc[0]  # grandchild without dates: the programme's period
    assert (dm.period_start, dm.period_end) == (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-12-31"))
    assert ds["costs"]["amount"].sum() == 23000  # the webinar series and partner summit are not the programme's


def test_report_lists_ignored_objects_fields_and_what_was_done(ds):
    rep = ds.import_report
    assert [Path(f).name for f in rep.ignored_files] == ["Quote.csv"]
    ign = {Path(f).name: cols for f, cols in rep.ignored_columns.items()}
    assert "Uses_Snowflake__c" in ign["Account.csv"] and "Type" in ign["Opportunity.csv"]
    notes = " | ".join(rep.notes)
    assert "2 converted lead(s) merged" in notes and "1 converted lead(s) whose contact is not in Contact.csv" in notes
    assert "CloseDate of 3 open deal(s) not used" in notes and "without ActualCost" in notes
    assert any("contradicts IsClosed / IsWon" in w for w in rep.warnings)
    assert not any("{" in w for w in rep.warnings)  # plain words on the data-health page, never a dict print


def test_without_programme_a_warning_names_candidate_campaigns():
    rep = ImportReport("salesforce")
    out = read_salesforce(FIXTURE, _params(program=None), rep)
    assert "programs" not in out and "costs" not in out
    (w,) = [w for w in rep.warnings if "no ABM programme" in w]
    assert "no ROI" in w and "'FY26 ABM Program'" in w and "'Partner Summit 2025'" in w


def test_unknown_programme_campaign_lists_the_campaigns():
    with pytest.raises(ABMParamsError) as e:
        read_salesforce(FIXTURE, _params(program={"campaign": "FY27 ABM"}), ImportReport("salesforce"))
    assert "'FY27 ABM'" in str(e.value) and "'2025 Q3 Webinar Series'" in str(e.value)


def test_tier_field_and_value_map_of_stages(tmp_path):
    folder = tmp_path / "sf"
    shutil.copytree(FIXTURE, folder)
    opp = (folder / "Opportunity.csv").read_text().replace("Proposal/Price Quote", "Technical Win")
    (folder / "Opportunity.csv").write_text(opp)
    with pytest.raises(ABMDataError) as e:  # a custom open stage must be mapped, never guessed
        load_dataset(_params(folder), "/")
    assert "stage" in str(e.value) and "Technical Win" in str(e.value)
    ds = load_dataset(_params(folder, value_map={"opportunities": {"stage": {"technical win": "solution"}}}), "/")
    assert ds["opportunities"].set_index("opportunity_id").loc[D(8), "stage"] == "solution"
    rep = ImportReport("salesforce")
    out = read_salesforce(
        folder,
        _params(
            folder,
            program={
                "campaign": P(1),
                "tier_field": "Rating",
                "tier_values": {"Hot": "strategic", "Warm": "abm_lite", "Cold": "programmatic"},
                "id": "ABM-26",
            },
        ),
        rep,
    )
    pr = out["programs"].df.set_index("account_id")
    # the account's Rating field instead of the member Status; Initech has no Rating: no tier
    assert pr["tier"].dropna().to_dict() == {A(1): "strategic", A(3): "abm_lite", A(6): "programmatic"}
    assert pd.isna(pr.loc[A(4), "tier"]) and pr.loc[A(4), "arm"] == "control"  # the Status still says Holdout
    assert set(pr["program_id"]) == {"ABM-26"}


@pytest.mark.parametrize(
    ("file", "column"),
    [
        ("Account.csv", "Name"),
        ("Opportunity.csv", "StageName"),
        ("CampaignMember.csv", "CampaignId"),
        ("OpportunityFieldHistory.csv", "NewValue"),
    ],
)
def test_missing_field_names_file_and_column(tmp_path, file, column):
    folder = tmp_path / "sf"
    shutil.copytree(FIXTURE, folder)
    df = pd.read_csv(folder / file, dtype=str, keep_default_na=False)
    df.drop(columns=[column]).to_csv(folder / file, index=False)
    with pytest.raises(ABMDataError) as e:
        read_salesforce(folder, _params(folder), ImportReport("salesforce"))
    assert file in str(e.value) and repr(column) in str(e.value) and e.value.column == column


def test_missing_object_is_named(tmp_path):
    folder = tmp_path / "sf"
    shutil.copytree(FIXTURE, folder)
    (folder / "Opportunity.csv").unlink()
    with pytest.raises(ABMDataError) as e:
        read_salesforce(folder, _params(folder), ImportReport("salesforce"))
    assert "Opportunity.csv" in str(e.value)


def test_unreadable_date_names_file_field_and_line(tmp_path):
    folder = tmp_path / "sf"
    shutil.copytree(FIXTURE, folder)
    text = (folder / "Lead.csv").read_text().replace("2025-01-05T09:00:00.000+0000", "05/01/2025 9:00")
    (folder / "Lead.csv").write_text(text)
    with pytest.raises(ABMDataError) as e:  # the second lead, converted: its date is compared with the contact's
        read_salesforce(folder, _params(folder), ImportReport("salesforce"))
    assert "Lead.csv" in str(e.value) and e.value.column == "CreatedDate" and list(e.value.rows) == [3]


def test_column_map_reaches_every_object():
    rep = ImportReport("salesforce")
    cmap = {"opportunities": {"Type": "product"}, "touchpoints": {"Priority": "funnel_stage"}}
    out = read_salesforce(FIXTURE, _params(column_map=cmap), rep)
    opp = out["opportunities"].df.set_index("opportunity_id")
    assert opp.loc[D(3), "product"] == "Existing Business"  # only because the user said so
    tp = out["touchpoints"].df.set_index("touchpoint_id")
    assert tp.loc["00THs00000Tk002AAA", "funnel_stage"] == "Normal"
    assert "Type" not in rep.ignored_columns[str(FIXTURE / "Opportunity.csv")]


def test_marketing_activity_naming_a_converted_lead_reaches_its_contact(tmp_path):
    """An activity file added through data.files that still carries a converted lead's id (synced before the
    conversion) is pointed at the contact the lead was merged into; e-mail-only rows are joined by e-mail."""
    folder = tmp_path / "sf"
    shutil.copytree(FIXTURE, folder)
    (folder / "ma_email.csv").write_text(
        "Activity Id,Activity Date,SFDC Id,Email Address\n"
        f"1,2025-02-01T10:00:00Z,{L(1)},\n"  # the converted lead (merged into contact 3)
        f"2,2025-07-01T10:00:00Z,{C(3)},\n"  # the contact itself
        "3,2025-07-02T10:00:00Z,,dan@hooli.ca\n"  # e-mail only: converted lead 2, merged into contact 4
    )
    p = parse_params(
        {
            "data": {
                "source": "folder",
                "path": str(folder),
                "preset": "salesforce",
                "files": {
                    "touchpoints": [
                        {"path": "ma_email.csv", "columns": {"channel": "email", "activity_type": "email_open"}}
                    ]
                },
                "column_map": {
                    "touchpoints": {
                        "Activity Id": "touchpoint_id",
                        "Activity Date": "timestamp",
                        "SFDC Id": "contact_id",
                        "Email Address": "email",
                    }
                },
            }
        }
    )
    ds = load_dataset(p, "/")
    tp = ds["touchpoints"].set_index("touchpoint_id")
    assert tp.loc[["1", "2", "3"], "contact_id"].tolist() == [C(3), C(3), C(4)]
    assert L(1) not in set(ds["contacts"]["contact_id"])
    assert any("merged record's old id" in n for n in ds.import_report.notes)


def test_validate_on_a_raw_export_lists_what_it_did_not_use_and_the_missing_programme(tmp_path, capsys):
    """`abm-lab validate` on a raw export, before any fix: ignored objects and fields, and no programme (no ROI)."""
    from abm_lab.pipeline.cli import main

    params = tmp_path / "sf.yaml"
    params.write_text(
        f"data: {{source: folder, path: {FIXTURE}, preset: salesforce}}\n"
        "run: {as_of: 2026-06-30, window_start: 2026-04-01, window_end: 2026-06-30}\n"
    )
    assert main(["validate", str(params)]) == 0
    out = capsys.readouterr().out
    assert "ignored file(s), no table read from them: Quote.csv" in out
    assert "ignored column(s) of Account.csv: Uses_Snowflake__c" in out
    assert "converted lead(s) merged into their contact" in out
    assert "CloseDate of 3 open deal(s) not used" in out
    assert "no ABM programme" in out and "'FY26 ABM Program'" in out and "no ROI will be estimated" in out
