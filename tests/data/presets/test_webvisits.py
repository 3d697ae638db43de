"""Reverse-IP web-visit files read as anonymous touchpoints (:mod:`abm_lab.data.presets.webvisits`).

Truth: the committed fixtures in tests/fixtures/webvisits (a Leadfeeder-style file with page URLs and page
views, a 6sense-style file with epoch-millisecond times and visit counts), whose rows are spelled out below."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from abm_lab.config.core import FileSpec
from abm_lab.data.parse import ParseOptions
from abm_lab.data.presets.base import ImportReport
from abm_lab.data.presets.webvisits import page_activity, read_web_visits
from abm_lab.data.validate import validate_table
from abm_lab.errors import ABMDataError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "webvisits"
LEADFEEDER = FIXTURES / "leadfeeder_visits.csv"
SIXSENSE = FIXTURES / "sixsense_visits.csv"


def load(path: Path, opts: ParseOptions | None = None, **columns):
    report = ImportReport("canonical")
    raw = read_web_visits(FileSpec(path=path.name, format="web_visits", columns=columns), path, report)
    return raw, validate_table(raw.df, "touchpoints", file=raw.label, lines=raw.lines, opts=opts), report


def test_leadfeeder_file_gives_the_exact_touches():
    raw, tp, report = load(LEADFEEDER)
    # line 2: 3 pricing views; 3: 1 blog view; 4: blank count = 1 demo page; 5: no domain; 6: 0 views; 7: 2 pricing
    assert tp["touchpoint_id"].tolist() == [
        "leadfeeder_visits:2:1",
        "leadfeeder_visits:2:2",
        "leadfeeder_visits:2:3",
        "leadfeeder_visits:3:1",
        "leadfeeder_visits:4:1",
        "leadfeeder_visits:7:1",
        "leadfeeder_visits:7:2",
    ]
    assert tp["visitor_domain"].tolist() == ["acme.com"] * 3 + ["globex.co.uk", "initech.com"] + ["umbrella.com"] * 2
    assert tp["activity_type"].tolist() == ["pricing_page"] * 3 + ["web_visit", "demo_request"] + ["pricing_page"] * 2
    assert tp["funnel_stage"].tolist() == ["bofu"] * 3 + ["tofu", "bofu", "bofu", "bofu"]
    assert set(tp["channel"]) == {"web"} and tp["contact_id"].isna().all()
    assert tp["timestamp"].iloc[0] == pd.Timestamp("2026-03-04 17:22:10")
    assert tp["timestamp"].iloc[4] == pd.Timestamp("2026-03-05 11:00:00")
    assert raw.lines.line.tolist() == [2, 2, 2, 3, 4, 7, 7]
    assert raw.set_aside == {"web visits without a company domain": 1, "web-visit rows with 0 Page Views": 1}
    assert any("without a usable company domain" in n and "lines 5" in n for n in report.notes)
    assert report.ignored_columns[str(LEADFEEDER)] == ["Company Name", "Country"]


def test_epoch_ms_times_read_to_exact_utc_instants_and_constants_fill_blanks():
    opts = dataclasses.replace(ParseOptions.default(), epoch_unit="ms")
    raw, tp, _ = load(SIXSENSE, opts, campaign_id="CMP-WEB-ALL", program_id="ABM-2026")
    assert tp["timestamp"].tolist() == [
        pd.Timestamp("2026-03-04 17:32:10.123"),
        pd.Timestamp("2026-03-04 09:01:00"),
        pd.Timestamp("2026-03-04 09:01:00"),
    ]
    assert tp["visitor_domain"].tolist() == ["acme.com", "globex.co.uk", "globex.co.uk"]
    # the file's own campaign_id is kept where it has one, the constant fills the blank
    assert tp["campaign_id"].tolist() == ["CMP-WEB-ALL", "CMP-WEB-1", "CMP-WEB-1"]
    assert set(tp["program_id"]) == {"ABM-2026"}
    assert set(tp["activity_type"]) == {"web_visit"}  # no page column: the default
    berlin = dataclasses.replace(opts, timezone="Europe/Berlin")
    _, tp_b, _ = load(SIXSENSE, berlin)
    assert tp_b["timestamp"].iloc[0] == pd.Timestamp("2026-03-04 18:32:10.123")  # UTC+1 in March


def test_epoch_times_without_epoch_unit_are_refused_with_the_fix():
    with pytest.raises(ABMDataError) as e:
        load(SIXSENSE)
    assert "data.epoch_unit" in str(e.value) and e.value.column == "timestamp" and e.value.rows == [2, 3, 3]


def test_a_bad_page_view_count_names_its_line(tmp_path):
    p = tmp_path / "visits.csv"
    p.write_text("Domain,Date,Page Views\nacme.com,2026-01-05,2\nglobex.com,2026-01-05,1.5\nx.com,2026-01-06,-1\n")
    with pytest.raises(ABMDataError) as e:
        read_web_visits(FileSpec(path=p.name, format="web_visits"), p, ImportReport("canonical"))
    assert e.value.column == "Page Views" and e.value.rows == [3, 4]


def test_missing_domain_column_is_refused(tmp_path):
    p = tmp_path / "visits.csv"
    p.write_text("Company Name,Date\nAcme,2026-01-05\n")
    with pytest.raises(ABMDataError, match="company domain"):
        read_web_visits(FileSpec(path=p.name, format="web_visits"), p, ImportReport("canonical"))


def test_headers_match_case_insensitively(tmp_path):
    p = tmp_path / "v.csv"
    p.write_text("DOMAIN , timestamp,page url\nAcme.COM,2026-01-05T10:00:00Z,https://x.io/Pricing/\n")
    raw = read_web_visits(FileSpec(path=p.name, format="web_visits"), p, ImportReport("canonical"))
    assert raw.df["visitor_domain"].tolist() == ["acme.com"] and raw.df["activity_type"].tolist() == ["pricing_page"]


def test_page_rule():
    urls = pd.Series(
        [
            "https://www.vendor.io/pricing",
            "www.vendor.io/plans/pricing?x=1",
            "/book-a-demo",
            "https://demo.vendor.io/blog",  # 'demo' in the host, not the path
            "https://www.vendor.io/blog/why-pricing-pages-matter",  # the word in a slug counts (documented)
            "https://www.vendor.io/",
            "https://www.vendor.io/blog/demographics-of-buyers",  # not the word 'demo'
            "https://www.vendor.io/PRICING.html",
            None,
        ]
    )
    got = page_activity(urls).tolist()
    assert got[:6] == ["pricing_page", "pricing_page", "demo_request", "web_visit", "pricing_page", "web_visit"]
    assert got[6:8] == ["web_visit", "pricing_page"]
    assert pd.isna(got[8])


def test_ids_keep_dots_of_the_file_name(tmp_path):
    p = tmp_path / "visits.2026.csv"
    p.write_text("Domain,Date,Visits\nacme.com,2026-01-05,2\n")
    raw = read_web_visits(FileSpec(path=p.name, format="web_visits"), p, ImportReport("canonical"))
    assert raw.df["touchpoint_id"].tolist() == ["visits.2026:2:1", "visits.2026:2:2"]
