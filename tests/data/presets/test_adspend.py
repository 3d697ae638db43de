"""LinkedIn Campaign Manager spend reports read into ``costs`` (:mod:`abm_lab.data.presets.adspend`).

Truth: the committed fixture tests/fixtures/linkedin/campaign_performance_report.csv (UTF-16 LE BOM, tab, a
7-line preamble; its rows and lines are listed in make_fixtures.py), and variants of it written by the tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from abm_lab.config.core import AdSpendFile
from abm_lab.data.presets.adspend import read_ad_spend
from abm_lab.data.presets.base import ImportReport
from abm_lab.data.validate import validate_table
from abm_lab.errors import ABMDataError, ABMParamsError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "linkedin"
REPORT = "campaign_performance_report.csv"
GROUP = "FY26 ABM Program"


def fixture_text() -> str:
    return (FIXTURES / REPORT).read_bytes()[2:].decode("utf-16-le")


def read(folder: Path = FIXTURES, name: str = REPORT, **kw):
    spec = AdSpendFile(path=name, campaign_group=kw.pop("group", GROUP), **kw)
    report = ImportReport("canonical")
    return read_ad_spend(spec, folder, "ABM-2026", report), report


def test_fixture_gives_the_exact_costs_rows_and_their_lines():
    raw, report = read()
    got = raw.df
    assert got["program_id"].tolist() == ["ABM-2026"] * 5
    assert got["channel"].tolist() == ["paid_social"] * 5
    days = ["2026-01-30", "2026-01-30", "2026-01-31", "2026-02-01", "2026-02-01"]
    assert got["period_start"].tolist() == [pd.Timestamp(d) for d in days]
    assert got["period_end"].equals(got["period_start"])
    assert got["amount"].tolist() == [1234.56, 87.10, 1002.00, 0.0, 12500.99]
    assert raw.lines is not None and raw.lines.line.tolist() == [9, 10, 11, 13, 15]  # preamble counted
    costs = validate_table(raw.df, "costs", file=raw.label, lines=raw.lines)
    assert round(costs["amount"].sum(), 2) == 14824.65
    # the 3 rows of other groups are counted, by group, not silently dropped
    note = next(n for n in report.notes if "other campaign groups" in n)
    assert "3 row(s)" in note and "'Brand Awareness' (2)" in note and "'Recruiting - Employer Brand' (1)" in note
    assert raw.set_aside == {"ad spend of campaign groups other than 'FY26 ABM Program'": 3}
    assert "Impressions" in report.ignored_columns[str(FIXTURES / REPORT)]
    assert report.used[str(FIXTURES / REPORT)] == ["costs"]


def test_group_filter_is_case_insensitive_and_none_keeps_every_row():
    raw, _ = read(group="fy26 abm PROGRAM ")
    assert len(raw.df) == 5
    spec = AdSpendFile(path=REPORT)  # no campaign_group: the whole file
    every = read_ad_spend(spec, FIXTURES, "ABM-2026", ImportReport("canonical"))
    assert len(every.df) == 8 and round(every.df["amount"].sum(), 2) == 21186.60


def test_unknown_group_lists_the_groups_of_the_file():
    with pytest.raises(ABMDataError) as e:
        read(group="FY25 ABM")
    msg = str(e.value)
    assert "FY25 ABM" in msg and "'Brand Awareness'" in msg and "'FY26 ABM Program'" in msg
    assert e.value.column == "Campaign Group Name"


@pytest.mark.parametrize(
    ("encoding", "bom", "sep"),
    [
        ("utf-8", b"", "\t"),
        ("utf-8", b"\xef\xbb\xbf", "\t"),
        ("utf-16-be", b"\xfe\xff", "\t"),
        ("utf-16-le", b"", "\t"),  # no BOM
        ("utf-8", b"", ","),  # comma-separated: values with commas quoted
    ],
)
def test_other_encodings_and_delimiters_read_the_same_rows(tmp_path, encoding, bom, sep):
    text = fixture_text()
    if sep == ",":
        out = []
        for i, line in enumerate(text.split("\r\n")):
            cells = line.split("\t")
            out.append(",".join(f'"{c}"' if "," in c and i >= 7 else c for c in cells))
        text = "\r\n".join(out)
    (tmp_path / REPORT).write_bytes(bom + text.encode(encoding))
    raw, _ = read(tmp_path)
    ref, _ = read()
    pd.testing.assert_frame_equal(raw.df, ref.df)
    assert raw.lines.line.tolist() == ref.lines.line.tolist()


def test_a_bad_amount_names_file_column_and_its_physical_line(tmp_path):
    text = fixture_text().replace("1,002.00", "1.002,00 $")  # line 11
    (tmp_path / REPORT).write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    with pytest.raises(ABMDataError) as e:
        read(tmp_path)
    assert e.value.column == "Total Spent" and e.value.rows == [11] and REPORT in str(e.value)
    assert "line 11" in str(e.value)


def test_a_bad_day_names_its_line(tmp_path):
    lines = fixture_text().split("\r\n")
    lines[14] = lines[14].replace("2/1/2026", "2/31/2026")  # physical line 15
    text = "\r\n".join(lines)
    (tmp_path / REPORT).write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    with pytest.raises(ABMDataError) as e:
        read(tmp_path)
    assert e.value.column == "Start Date (in UTC)" and e.value.rows == [15]


def test_a_short_record_is_refused_at_its_line(tmp_path):
    lines = fixture_text().split("\r\n")
    lines[9] = "\t".join(lines[9].split("\t")[:-2])  # physical line 10
    (tmp_path / REPORT).write_bytes(b"\xff\xfe" + "\r\n".join(lines).encode("utf-16-le"))
    with pytest.raises(ABMDataError) as e:
        read(tmp_path)
    assert e.value.rows == [10] and e.value.reason == "field count"


def test_currency_other_than_run_currency_is_an_error(tmp_path):
    text = fixture_text().replace("\tUSD\t", "\tEUR\t")
    (tmp_path / REPORT).write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    with pytest.raises(ABMDataError) as e:
        read(tmp_path)
    assert "EUR" in str(e.value) and "USD" in str(e.value) and "convert" in str(e.value)
    assert e.value.column == "Currency" and e.value.rows[:3] == [9, 10, 11]
    spec = AdSpendFile(path=REPORT, campaign_group=GROUP)
    ok = read_ad_spend(spec, tmp_path, "ABM-2026", ImportReport("canonical"), currency="eur")
    assert len(ok.df) == 5  # in EUR when the run is in EUR


def test_programme_id_comes_from_the_entry_or_data_program_and_is_required():
    spec = AdSpendFile(path=REPORT, campaign_group=GROUP, program_id="ABM-EMEA", channel="display")
    raw = read_ad_spend(spec, FIXTURES, "ABM-2026", ImportReport("canonical"))
    assert set(raw.df["program_id"]) == {"ABM-EMEA"} and set(raw.df["channel"]) == {"display"}
    with pytest.raises(ABMParamsError) as e:
        read_ad_spend(AdSpendFile(path=REPORT), FIXTURES, None, ImportReport("canonical"))
    assert "data.program.id" in str(e.value) and "program_id" in str(e.value)


def test_not_a_linkedin_report_and_missing_file(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ABMDataError, match="no header line"):
        read(tmp_path, "x.csv")
    with pytest.raises(ABMDataError, match="does not exist"):
        read(tmp_path, "missing.csv")


def test_monthly_breakdown_is_warned_and_day_first_dates_are_read_when_proven(tmp_path):
    head = "Start Date (in UTC),Campaign Group Name,Currency,Total Spent\n"
    rows = "1/1/2026,G,USD,10\n2/1/2026,G,USD,20\n"
    (tmp_path / "m.csv").write_text("Campaign Performance Report (in UTC)\n\n" + head + rows)
    raw, report = read(tmp_path, "m.csv", group="G")
    assert raw.df["period_start"].tolist() == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")]
    assert raw.lines.line.tolist() == [4, 5]
    assert any("Daily time breakdown" in w for w in report.warnings)
    (tmp_path / "d.csv").write_text(head + "31/1/2026,G,USD,10\n2/1/2026,G,USD,20\n")
    raw, report = read(tmp_path, "d.csv", group="G")
    assert raw.df["period_start"].tolist() == [pd.Timestamp("2026-01-31"), pd.Timestamp("2026-01-02")]
    assert not report.warnings


def test_committed_fixture_is_what_its_script_writes(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.write(tmp_path / REPORT)
    assert (tmp_path / REPORT).read_bytes() == (FIXTURES / REPORT).read_bytes()
