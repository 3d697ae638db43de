"""HubSpot reader preset on a hand-made export with real HubSpot headers (tests/fixtures/hubspot_export)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from abm_lab.config import Params
from abm_lab.data import validate
from abm_lab.data.presets import reader
from abm_lab.data.presets.base import ImportReport
from abm_lab.data.presets.hubspot import read_hubspot
from abm_lab.data.presets.hubspot_activity import ad_channel, epoch_or_text, form_activity, utm
from abm_lab.errors import ABMDataError, ABMParamsError

FIXTURE = Path(__file__).parents[2] / "fixtures" / "hubspot_export"
DEALS = "hubspot-crm-exports-all-deals-2026-03-04.csv"
COMPANIES = "hubspot-crm-exports-all-companies-2026-03-04.csv"
PROGRAM = {
    "id": "ABM-2026",
    "start_date": "2026-01-01",
    "target_property": "Target Account",
    "tier_property": "Ideal Customer Profile Tier",
    "arm_field": "ABM Holdout Group",
}


def _params(**data) -> Params:
    base = {"source": "folder", "path": str(FIXTURE), "preset": "hubspot", "program": PROGRAM}
    base["column_map"] = {"accounts": {"Uses Snowflake": "tech_cloud_dw"}}
    return Params.model_validate({"data": {**base, **data}})


def _load(folder: Path = FIXTURE, **data) -> tuple[dict[str, pd.DataFrame], ImportReport]:
    report = ImportReport("hubspot")
    raw = read_hubspot(folder, _params(**data), report)
    p = _params(**data)
    from abm_lab.data.parse import ParseOptions

    opts = ParseOptions.from_params(p)
    return {k: validate.validate_table(t.df, k, file=t.label, lines=t.lines, opts=opts) for k, t in raw.items()}, report


@pytest.fixture(scope="module")
def loaded():
    return _load()


def test_reader_is_registered():
    assert reader("hubspot") is read_hubspot


def test_accounts(loaded):
    acc = loaded[0]["accounts"].set_index("account_id")
    assert list(acc.index) == ["5838373210", "5838373211", "5838373212", "5838373213", "5838373214"]
    # Lifecycle Stage: label 'Customer' and internal value 'customer' are customers, other stages are not
    assert acc["is_customer"].tolist() == [True, False, False, True, False]
    assert acc["region"].tolist()[:4] == ["NA", "EMEA", "EMEA", "APAC"]
    assert pd.isna(acc.loc["5838373214", "region"])  # unknown country: no region
    assert acc.loc["5838373211", "domain"] == "borealis.de"
    assert acc.loc["5838373212", "parent_account_id"] == "5838373211"
    assert acc.loc["5838373210", "employees"] == 250 and acc.loc["5838373210", "annual_revenue"] == 12_000_000
    assert acc.loc["5838373210", "created_date"] == pd.Timestamp("2024-05-02")
    assert acc["tech_cloud_dw"].tolist()[:3] == [True, False, False]  # custom property through data.column_map


def test_contacts(loaded):
    con = loaded[0]["contacts"].set_index("contact_id")
    assert list(con.index) == ["101", "151", "201", "251", "301"]  # both parts of the export, in order
    assert con["record_type"].tolist() == ["contact", "contact", "lead", "contact", "lead"]
    assert con.loc["151", "account_id"] == "5838373211"  # first of 'id;id'
    assert pd.isna(con.loc["201", "account_id"])
    assert con.loc["101", "source"] == "Organic Search"


def test_opportunities_and_stage_history(loaded):
    opp = loaded[0]["opportunities"].set_index("opportunity_id")
    assert opp["stage"].tolist() == ["closed_won", "negotiation", "closed_lost", "discovery"]
    assert opp.loc["9001", "close_date"] == pd.Timestamp("2025-06-30")
    assert opp.loc["9003", "close_date"] == pd.Timestamp("2026-01-15")
    assert opp.loc[["9002", "9004"], "close_date"].isna().all()  # expected close dates of open deals not used
    assert opp.loc["9003", "amount"] == 12000.5 and pd.isna(opp.loc["9004", "amount"])
    sh = loaded[0]["stage_history"]
    got = set(zip(sh["opportunity_id"], sh["stage"], sh["entered_date"].dt.strftime("%Y-%m-%d"), strict=True))
    assert got == {
        ("9001", "prospecting", "2025-03-01"),
        ("9001", "discovery", "2025-04-02"),
        ("9001", "negotiation", "2025-06-01"),
        ("9001", "closed_won", "2025-06-30"),
        ("9002", "prospecting", "2025-11-10"),
        ("9002", "discovery", "2025-12-01"),
        ("9002", "negotiation", "2026-02-15"),
        ("9003", "prospecting", "2025-09-01"),
        ("9003", "closed_lost", "2026-01-15"),
        ("9004", "prospecting", "2026-02-01"),
        ("9004", "discovery", "2026-02-20"),
    }
    assert any("Close Date of 2 open deal(s)" in n for n in loaded[1].notes)


def test_programme(loaded):
    prog = loaded[0]["programs"]
    assert prog["account_id"].tolist() == ["5838373210", "5838373211", "5838373213"]
    assert prog["tier"].tolist() == ["strategic", "abm_lite", "programmatic"]  # Tier 1, Tier 2, tier_3
    assert prog["arm"].tolist()[:2] == ["treatment", "control"] and pd.isna(prog["arm"].iloc[2])
    assert (prog["start_date"] == pd.Timestamp("2026-01-01")).all() and prog["end_date"].isna().all()
    assert (prog["program_id"] == "ABM-2026").all()


def test_touchpoints(loaded):
    tp = loaded[0]["touchpoints"]
    got = set(
        zip(
            tp["contact_id"].fillna("-"),
            tp["channel"],
            tp["activity_type"],
            tp["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S.%f"),
            tp["account_id"].fillna("-"),
            tp["campaign_id"].fillna("-"),
            strict=True,
        )
    )
    assert got == {
        # ' ADA.Lovelace@acme.com ': trimmed, any case
        ("101", "email", "email_open", "2026-01-02 08:30:15.250000", "-", "311"),
        ("151", "email", "email_click", "2026-01-03 12:00:00.000000", "-", "311"),
        ("151", "web", "demo_request", "2026-02-10 14:05:00.000000", "-", "Request a demo"),
        ("251", "web", "contact_sales", "2026-02-11 09:00:00.000000", "-", "Contact Sales"),
        ("201", "content", "content_download", "2026-02-12 16:30:00.000000", "-", "Ebook: ABM Guide"),
        ("101", "web", "pricing_page", "2026-02-01 09:00:00.000000", "-", "-"),
        ("251", "web", "web_visit", "2026-02-02 10:30:00.000000", "-", "-"),
        ("301", "web", "web_visit", "2026-02-05 06:15:30.000000", "-", "-"),  # epoch ms among ISO texts
        # page views landing from ads: channel and activity from utm_medium (+ utm_source), campaign utm_campaign
        ("101", "paid_social", "ad_click", "2026-02-06 10:00:00.000000", "-", "ABM Q1"),  # Paid-Social, decoded
        ("151", "display", "display_click", "2026-02-07 11:00:00.000000", "-", "retarget"),  # by e-mail
        ("251", "paid_social", "ad_click", "2026-02-08 12:00:00.000000", "-", "-"),  # cpc from linkedin, on /pricing
        ("201", "search", "ad_click", "2026-02-09 13:00:00.000000", "-", "-"),  # cpc from google
        ("101", "web", "web_visit", "2026-02-10 08:00:00.000000", "-", "-"),  # utm_medium=email: not an ad
        ("101", "event", "event_attend", "2026-03-01 09:00:00.000000", "-", "ABM Summit 2026"),  # the event's start
        ("151", "webinar", "webinar_attend", "2026-01-20 16:42:00.000000", "-", "Q1 Product Webinar"),
        # meetings and calls: one touch per associated contact, the associated company as account
        ("101", "sales", "sales_meeting", "2026-02-20 15:00:00.000000", "5838373210", "-"),
        ("151", "sales", "sales_meeting", "2026-02-21 10:00:00.000000", "5838373211", "-"),  # Scheduled: kept
        ("301", "sales", "sales_meeting", "2026-02-21 10:00:00.000000", "5838373211", "-"),  # 2nd contact
        ("251", "sales", "sales_meeting", "2026-02-23 09:00:00.000000", "5838373213", "-"),  # by e-mail; Activity date
        ("-", "sales", "sales_meeting", "2026-02-24 14:00:00.000000", "5838373212", "-"),  # company only
        ("151", "sales", "sales_call", "2026-02-26 11:15:00.000000", "5838373211", "-"),
    }
    assert len(tp) == len(got)
    assert tp["touchpoint_id"].is_unique
    assert {"hs-meeting-71002", "hs-meeting-71002-1", "hs-call-81001"} <= set(tp["touchpoint_id"])
    assert tp["funnel_stage"].notna().all()


def test_set_aside_rows_are_counted(loaded):
    notes = loaded[1].notes
    assert any("email-events.csv: 4 email event(s) set aside" in n and "SENT 1" in n and "bot" in n for n in notes)
    meetings = "hubspot-crm-exports-all-meetings-2026-03-04.csv"
    for f, line in (("email-events.csv", 6), ("form-submissions.csv", 5), ("page-views.csv", 5), (meetings, 7)):
        assert any(n.startswith(f"{f}: 1 row(s) whose e-mail") and f"[{line}]" in n for n in notes), f
    assert any("marketing-events.csv: 2 participation(s) set aside" in n and "NO_SHOW 1" in n for n in notes)
    assert any(n.startswith(f"{meetings}: 1 meeting(s) / call(s) that did not take place") for n in notes)
    assert any("all-calls-2026-03-04.csv: 1 meeting(s) / call(s)" in n and "no answer 1" in n for n in notes)
    assert any(f"{meetings}: 1 meeting(s) / call(s) with several associated contacts" in n for n in notes)
    report = loaded[1]
    assert "City" in report.ignored_columns[str(FIXTURE / COMPANIES)]
    assert report.ignored_files == []


def test_epoch_ms_in_the_portal_time_zone():
    tables, _ = _load(timezone="Europe/Berlin")
    tp = tables["touchpoints"]
    e = tp[tp["activity_type"] == "email_open"]["timestamp"].iloc[0]
    assert e == pd.Timestamp("2026-01-02 09:30:15.250")  # 08:30:15.250 UTC
    f = tp[tp["activity_type"] == "demo_request"]["timestamp"].iloc[0]
    assert f == pd.Timestamp("2026-02-10 14:05")  # HubSpot's own text times are already in the portal zone
    s = pd.Series(["1767342615250", None])
    assert epoch_or_text(s, "UTC").iloc[0] == pd.Timestamp("2026-01-02 08:30:15.250")


def test_value_map_overrides():
    tables, report = _load(
        value_map={
            "accounts": {"is_customer": {"Opportunity": "true"}},
            "touchpoints": {
                "activity_type": {"Request a demo": "contact_sales"},
                "channel": {"cpc": "display", "email": "web"},  # utm_medium -> channel (and channel recodes)
            },
        }
    )
    assert tables["accounts"]["is_customer"].tolist() == [True, True, False, True, False]
    tp = tables["touchpoints"]
    assert "demo_request" not in set(tp["activity_type"]) and (tp["activity_type"] == "contact_sales").sum() == 2
    ads = tp[tp["touchpoint_id"].isin(["hs-page-page-views-8", "hs-page-page-views-9", "hs-page-page-views-10"])]
    # cpc -> display for both sources (the user's entry wins over the utm_source rule); utm_medium=email -> web
    assert ads.sort_values("touchpoint_id")["activity_type"].tolist() == ["web_visit", "display_click", "display_click"]
    assert set(tp.loc[tp["activity_type"].isin(["email_open", "email_click"]), "channel"]) == {"web"}
    names = pd.Series(["Get a demo", None, "Talk to Sales", "Whitepaper"])
    urls = pd.Series([None, "https://x/contact-us", None, None])
    assert form_activity(names, urls, None).tolist() == [
        "demo_request",
        "contact_sales",
        "contact_sales",
        "content_download",
    ]


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "export"
    shutil.copytree(FIXTURE, dst)
    return dst


def test_custom_stage_label_needs_a_value_map(tmp_path):
    folder = _copy(tmp_path)
    p = folder / DEALS
    p.write_text(p.read_text().replace("Contract Sent,Sales", "Negotiation,Sales"))
    report = ImportReport("hubspot")
    raw = read_hubspot(folder, _params(), report)
    with pytest.raises(ABMDataError) as e:
        validate.validate_table(
            raw["opportunities"].df, "opportunities", raw["opportunities"].label, lines=raw["opportunities"].lines
        )
    assert e.value.column == "stage" and e.value.rows == [3] and DEALS in str(e.value)
    tables, _ = _load(folder, value_map={"opportunities": {"stage": {"Negotiation": "negotiation"}}})
    assert tables["opportunities"]["stage"].iloc[1] == "negotiation"


def test_missing_column_names_file_and_column(tmp_path):
    folder = _copy(tmp_path)
    p = folder / DEALS
    p.write_text(p.read_text().replace("Deal Stage,", "Stage of deal,", 1))
    with pytest.raises(ABMDataError) as e:
        read_hubspot(folder, _params(), ImportReport("hubspot"))
    assert e.value.column == "Deal Stage" and e.value.file == str(p)
    assert DEALS in str(e.value) and "'Deal Stage'" in str(e.value)


def test_header_matching_is_case_insensitive(tmp_path):
    folder = _copy(tmp_path)
    p = folder / DEALS
    p.write_text(p.read_text().replace("Deal Stage,", "DEAL STAGE,", 1).replace("Record ID", " record id", 1))
    tables, _ = _load(folder)
    assert tables["opportunities"]["stage"].tolist()[0] == "closed_won"


def test_programme_params_errors(tmp_path):
    with pytest.raises(ABMParamsError, match="start_date"):
        read_hubspot(FIXTURE, _params(program={**PROGRAM, "start_date": None}), ImportReport("hubspot"))
    with pytest.raises(ABMDataError) as e:
        read_hubspot(FIXTURE, _params(program={**PROGRAM, "target_property": "ABM Target"}), ImportReport("hubspot"))
    assert e.value.column == "ABM Target" and COMPANIES in str(e.value)
    folder = _copy(tmp_path)
    p = folder / COMPANIES
    p.write_text(
        p.read_text().replace(
            "Narnia,,2025-03-01 12:00,Subscriber,,,false", "Narnia,,2025-03-01 12:00,Subscriber,,,maybe"
        )
    )
    with pytest.raises(ABMDataError) as e:
        read_hubspot(folder, _params(), ImportReport("hubspot"))
    assert e.value.column == "Target Account" and e.value.rows == [6]


def test_target_property_without_programme_warns():
    report = ImportReport("hubspot")
    raw = read_hubspot(FIXTURE, _params(program=None), report)
    assert "programs" not in raw
    assert any("'Target Account' marks 3 target account(s)" in w and "no ROI" in w for w in report.warnings)


def test_missing_object_export(tmp_path):
    folder = _copy(tmp_path)
    (folder / DEALS).unlink()
    with pytest.raises(ABMDataError, match="no HubSpot deals export"):
        read_hubspot(folder, _params(), ImportReport("hubspot"))


ACTIVITY = (
    "email-events.csv",
    "form-submissions.csv",
    "page-views.csv",
    "marketing-events.csv",
    "hubspot-crm-exports-all-meetings-2026-03-04.csv",
    "hubspot-crm-exports-all-calls-2026-03-04.csv",
)


def test_every_activity_row_is_accounted_for():
    raw = read_hubspot(FIXTURE, _params(), ImportReport("hubspot"))
    tp = raw["touchpoints"]
    assert tp.set_aside == {
        "e-mail events that are not engagement (sent, delivered, bounced, ...)": 3,
        "e-mail opens/clicks HubSpot filtered as bots": 1,
        "activity rows whose e-mail / contact id matches no contact": 4,
        "marketing event participations not attended (registered, cancelled, no-show)": 2,
        "meetings / calls that did not take place (canceled, rescheduled, no-show, not connected)": 2,
    }
    rows_in = sum(len(pd.read_csv(FIXTURE / f)) for f in ACTIVITY)
    # every row is a touch or set aside; meeting 71002 with two contacts is two touches
    assert len(tp.df) + sum(tp.set_aside.values()) == rows_in + 1 == 33
    assert tp.lines is not None and tp.lines.label(0) == "email-events.csv line 4"
    sales = tp.df["channel"].eq("sales").to_numpy()
    meeting_lines = tp.lines.line[sales & tp.df["touchpoint_id"].str.startswith("hs-meeting").to_numpy()]
    assert meeting_lines.tolist() == [2, 3, 3, 5, 6]  # both touches of 71002 name its line


def test_shared_email_joins_the_earliest_contact(tmp_path):
    folder = _copy(tmp_path)
    p = folder / "hubspot-crm-exports-all-contacts-2026-03-04-2.csv"
    p.write_text(
        p.read_text() + "351,Bob,Again,BOB@borealis.de,CTO,Borealis,,Germany,2024-01-01 10:00,Lead,Offline Sources,\n"
    )
    tables, report = _load(folder)
    tp = tables["touchpoints"]
    assert set(tp.loc[tp["activity_type"] == "email_click", "contact_id"]) == {"351"}  # created 2024, before 151
    assert any("1 contact(s) share an e-mail" in w for w in report.warnings)


def test_enrolment_dates_from_a_custom_property(tmp_path):
    folder = _copy(tmp_path)
    p = folder / COMPANIES
    rows = p.read_text().splitlines()
    dates = ["ABM Start Date", "2026-04-02", "2026-01-01", "", "", ""]
    p.write_text("\n".join(f"{r},{d}" for r, d in zip(rows, dates, strict=True)) + "\n")
    tables, _ = _load(folder, column_map={"programs": {"ABM Start Date": "start_date"}})
    prog = tables["programs"]
    assert prog["start_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-04-02", "2026-01-01", "2026-01-01"]


def test_without_activity_files(tmp_path):
    folder = _copy(tmp_path)
    for f in ACTIVITY:
        (folder / f).unlink()
    report = ImportReport("hubspot")
    raw = read_hubspot(folder, _params(), report)
    assert "touchpoints" not in raw and any("no HubSpot activity file" in w for w in report.warnings)
    report = ImportReport("hubspot")
    read_hubspot(folder, _params(files={"touchpoints": ["meetings.csv"]}), report)
    assert not report.warnings  # touches come from data.files: nothing to warn about


def test_ad_channel_from_utm():
    medium = pd.Series(["paid_social", "PaidSocial", "banner", "cpc", "paid", "paid", "paid", "cpc", "social", None])
    source = pd.Series(
        ["linkedin", None, "x", "bing", "facebook", "google", "partner-site", "LinkedIn", "linkedin", "x"]
    )
    got = ad_channel(medium, source, None).tolist()
    assert got == [
        "paid_social",
        "paid_social",
        "display",
        "search",
        "paid_social",  # a generic paid medium from a social network
        "search",  # ... from a search engine
        "display",  # ... from elsewhere: HubSpot's "Other Campaigns"
        "paid_social",
        None,  # organic social: an ordinary page view
        None,
    ]
    assert ad_channel(medium, source, {"social": "paid_social", "Banner": "paid_social"}).tolist()[2::6] == [
        "paid_social",
        "paid_social",
    ]
    assert utm(
        pd.Series(["https://a.example/x?a=1&UTM_MEDIUM=paid%20social#top", "https://a.example/"]), "medium"
    ).tolist() == [
        "paid social",
        None,
    ]
