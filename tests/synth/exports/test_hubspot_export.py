"""Round trip at the table level: the small synthetic world exported as HubSpot files and read back by the
HubSpot preset gives the same customers, people, deals, programme and (the HubSpot-held) touches: e-mail, forms,
page views (ad clicks among them, from their UTM landing URLs), marketing events, meetings."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from abm_lab.config import Params
from abm_lab.data import validate
from abm_lab.data.parse import ParseOptions
from abm_lab.data.presets.base import ImportReport
from abm_lab.data.presets.hubspot import read_hubspot
from abm_lab.synth.exports.hubspot import export_hubspot

AS_OF = dt.date(2026, 12, 31)
#: touches HubSpot holds: activity -> needs an e-mail (e-mails and forms) or not (tracked page views, ad clicks as
#: page views of their landing URLs, events, meetings); direct mail is offline, not held
HELD = {
    "email_open": True,
    "email_click": True,
    "content_download": True,
    "demo_request": True,
    "contact_sales": True,
    "web_visit": False,
    "pricing_page": False,
    "webinar_attend": False,
    "event_attend": False,
    "ad_click": False,
    "display_click": False,
    "sales_meeting": False,
}
#: activities whose time HubSpot keeps to the minute (UI exports of forms and meetings)
MINUTES = ["content_download", "demo_request", "contact_sales", "sales_meeting"]


def _round_trip(tables, folder, seed=0):
    ex = export_hubspot(tables, folder, as_of=AS_OF, seed=seed)
    params = Params.model_validate({"data": ex.data})
    report = ImportReport("hubspot")
    raw = read_hubspot(ex.folder, params, report)
    opts = ParseOptions.from_params(params)
    got = {k: validate.validate_table(t.df, k, file=t.label, lines=t.lines, opts=opts) for k, t in raw.items()}
    return ex, got, report, raw


@pytest.fixture(scope="module")
def trip(small_world, tmp_path_factory):
    return _round_trip(small_world.tables, tmp_path_factory.mktemp("hubspot"))


def test_params_block_is_documented_only(trip):
    ex = trip[0]
    assert set(ex.data) <= {"source", "path", "preset", "timezone", "program", "column_map"}
    assert ex.data["preset"] == "hubspot" and ex.data["program"]["target_property"] == "Target Account"
    assert sorted(p.name for p in ex.folder.iterdir())[0] == "email-events.csv"


def test_accounts_and_customers(small_world, trip):
    ex, got, _, _ = trip
    acc = small_world.tables["accounts"]
    ids = ex.ids["accounts"]
    assert ids.is_unique and len(got["accounts"]) == len(acc)
    assert ids.str.fullmatch(r"\d+").all()  # HubSpot Record IDs are numbers
    want = set(ids[acc.loc[acc["is_customer"], "account_id"]])
    assert set(got["accounts"].loc[got["accounts"]["is_customer"].astype(bool), "account_id"]) == want
    back = got["accounts"].set_index("account_id").loc[ids[acc["account_id"]]]
    assert (back["region"].to_numpy() == acc["region"].to_numpy()).all()
    assert (back["employees"].to_numpy() == acc["employees"].to_numpy()).all()
    for c in [c for c in acc.columns if c.startswith("tech_")]:
        assert (back[c].to_numpy(dtype=bool) == acc[c].to_numpy(dtype=bool)).all(), c
    parent = acc["parent_account_id"].map(ids)
    assert (back["parent_account_id"].fillna("").to_numpy() == parent.fillna("").to_numpy()).all()


def test_people(small_world, trip):
    ex, got, _, _ = trip
    con = small_world.tables["contacts"]
    e = con["email"].astype("string").str.strip().str.lower()
    # HubSpot keeps one contact per e-mail: distinct e-mails plus the people without one
    assert len(got["contacts"]) == e.dropna().nunique() + int(e.isna().sum())
    assert len(got["contacts"]) < len(con)  # the world has a few shared e-mails
    back = got["contacts"].set_index("contact_id")
    cid = ex.ids["contacts"]
    linked = con.loc[con["account_id"].notna(), "contact_id"]
    assert (back.loc[cid[linked].unique(), "record_type"] == "contact").all()
    acc_of = back.loc[cid[linked], "account_id"].to_numpy()
    assert (acc_of == ex.ids["accounts"][con.set_index("contact_id").loc[linked, "account_id"]].to_numpy()).all()
    assert cid.index.equals(pd.Index(con["contact_id"].astype(str)))  # every person has an exported id


def test_deals_and_stage_history(small_world, trip):
    ex, got, report, _ = trip
    opp = small_world.tables["opportunities"]
    back = got["opportunities"].set_index("opportunity_id").loc[ex.ids["opportunities"][opp["opportunity_id"]]]
    assert (back["stage"].to_numpy() == opp["stage"].to_numpy()).all()
    assert np.allclose(back["amount"].to_numpy(), opp["amount"].to_numpy())
    closed = opp["stage"].isin(["closed_won", "closed_lost"]).to_numpy()
    assert (back["close_date"].to_numpy()[closed] == opp["close_date"].to_numpy()[closed]).all()
    assert back["close_date"].isna().to_numpy()[~closed].all()
    assert (back["created_date"].to_numpy() == opp["created_date"].to_numpy()).all()
    sh = small_world.tables["stage_history"]
    want = set(zip(ex.ids["opportunities"][sh["opportunity_id"]], sh["stage"], sh["entered_date"], strict=True))
    g = got["stage_history"]
    assert set(zip(g["opportunity_id"], g["stage"], g["entered_date"], strict=True)) == want
    assert any(f"Close Date of {int((~closed).sum())} open deal(s)" in n for n in report.notes)


def test_programme(small_world, trip):
    ex, got, _, _ = trip
    prog = small_world.tables["programs"]
    ids = ex.ids["accounts"]
    back = got["programs"].set_index("account_id")
    assert set(back.index) == set(ids[prog["account_id"]])  # every target, including those that left
    assert (back.loc[ids[prog["account_id"]], "tier"].to_numpy() == prog["tier"].to_numpy()).all()
    assert (back["start_date"] == pd.Timestamp(prog["start_date"].min())).all()  # no enrolment date in HubSpot


def test_touches_per_channel(small_world, trip):
    ex, got, _, _ = trip
    tp = small_world.tables["touchpoints"]
    con = small_world.tables["contacts"]
    cid = ex.ids["contacts"]
    email = con.set_index("contact_id")["email"]
    known = tp[tp["contact_id"].notna()]
    act = known["activity_type"].astype(str)
    has_email = email.reindex(known["contact_id"].astype(str)).notna().to_numpy()
    held = act.isin(list(HELD)).to_numpy() & (~act.map(HELD).fillna(False).to_numpy(dtype=bool) | has_email)
    want = known[held]
    back = got["touchpoints"]
    assert (
        back["channel"].value_counts().sort_index() == want["channel"].astype(str).value_counts().sort_index()
    ).all()
    held_channels = {"email", "web", "content", "webinar", "event", "paid_social", "display", "sales"}
    assert set(back["channel"]) == held_channels  # all but direct mail
    # e-mail events, page views and marketing events keep the time to the millisecond; forms, meetings the minute
    k_want = sorted(
        zip(cid[want["contact_id"].astype(str)], want["activity_type"].astype(str), want["timestamp"], strict=True)
    )
    k_got = sorted(zip(back["contact_id"], back["activity_type"], back["timestamp"], strict=True))
    minute = np.isin([a for _, a, _ in k_want], MINUTES)
    assert [(c, a) for c, a, _ in k_got] == [(c, a) for c, a, _ in k_want]
    t_want = pd.to_datetime(pd.Series([t for *_, t in k_want]))
    t_got = pd.to_datetime(pd.Series([t for *_, t in k_got]))
    assert (t_got[~minute] == t_want[~minute]).all()
    assert (t_got[minute] == t_want[minute].dt.floor("min")).all()


def test_ad_clicks_and_meetings(small_world, trip):
    ex, got, _, _ = trip
    tp = small_world.tables["touchpoints"]
    back = got["touchpoints"]
    # ad clicks come back from the UTM parameters of their landing pages, with their campaign
    for act in ("ad_click", "display_click"):
        w = tp[tp["activity_type"] == act]
        b = back[back["activity_type"] == act]
        assert sorted(b["campaign_id"]) == sorted(w["campaign_id"].astype(str).str.lower())
    views = pd.read_csv(ex.folder / "page-views.csv")
    ads = views["Page URL"].str.contains("utm_medium=", regex=False)
    assert ads.sum() == tp["activity_type"].isin(["ad_click", "display_click"]).sum()
    assert views.loc[ads, "Page URL"].str.contains(r"\?utm_source=(?:linkedin|google)&utm_medium=", regex=True).all()
    # meetings: one per sales meeting, linked to the person's exported id and the person's company
    (path,) = ex.folder.glob("hubspot-crm-exports-all-meetings-*.csv")
    meetings = pd.read_csv(path, dtype=str)
    assert len(meetings) == int((tp["activity_type"] == "sales_meeting").sum())
    assert (meetings["Meeting outcome"] == "Completed").all() and meetings["Record ID"].is_unique
    s = back[back["channel"] == "sales"]
    con = got["contacts"].set_index("contact_id")
    assert (
        s["account_id"].fillna("-").to_numpy() == con.loc[s["contact_id"], "account_id"].fillna("-").to_numpy()
    ).all()


def test_activity_rows_accounted_for(trip):
    ex, _, _, raw = trip
    files = ["email-events.csv", "form-submissions.csv", "page-views.csv", "marketing-events.csv"]
    files += [p.name for p in ex.folder.glob("hubspot-crm-exports-all-meetings-*.csv")]
    rows_in = sum(len(pd.read_csv(ex.folder / f, usecols=[0])) for f in files)
    tp = raw["touchpoints"]
    assert len(tp.df) + sum(tp.set_aside.values()) == rows_in
    sent = pd.read_csv(ex.folder / "email-events.csv", usecols=["type"])["type"]
    assert tp.set_aside == {
        "e-mail events that are not engagement (sent, delivered, bounced, ...)": int(
            sent.isin(["SENT", "DELIVERED"]).sum()
        )
    }


def test_holdout_arm_round_trips(small_world, tmp_path):
    tables = dict(small_world.tables)
    tables["touchpoints"] = tables["touchpoints"].iloc[:0]  # the programme only: no activity needed
    prog = tables["programs"].copy()
    rng = np.random.default_rng(5)
    prog["arm"] = np.where(rng.random(len(prog)) < 0.3, "control", "treatment")
    tables["programs"] = prog
    ex, got, report, _ = _round_trip(tables, tmp_path / "hs", seed=1)
    assert ex.data["program"]["arm_field"] == "ABM Holdout Group"
    back = got["programs"].set_index("account_id").loc[ex.ids["accounts"][prog["account_id"]]]
    assert (back["arm"].to_numpy() == prog["arm"].to_numpy()).all()
    assert len(got["touchpoints"]) == 0


def test_load_through_io(trip):
    from abm_lab.data import io

    ex, got, _, _ = trip
    ds = io.load_dataset(Params.model_validate({"data": ex.data, "run": {"as_of": AS_OF}}))
    for name in ("accounts", "contacts", "opportunities", "stage_history", "programs", "touchpoints"):
        assert len(ds.tables[name]) == len(got[name]), name
    acc = ds.accounting["touchpoints"]
    assert acc["rows_in"] == acc["rows_loaded"] + sum(v for k, v in acc.items() if k.startswith("set_aside: "))
    assert ds.import_report is not None and ds.import_report.preset == "hubspot"
    assert not ds.import_report.ignored_files
