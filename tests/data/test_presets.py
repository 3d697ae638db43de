"""Column presets for real exports: Salesforce standard objects and the Maven CRM dataset."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from abm_lab.config import parse_params
from abm_lab.data.io import load_dataset

ROOT = Path(__file__).resolve().parents[2]


def test_salesforce_export_maps_onto_canonical_tables():
    """The small Salesforce export (no Campaign.csv, no Account.Type) through the reader preset: 15-character ids
    read in their 18-character form, and the report says what could not be known (the full fixture is tested in
    tests/data/presets/test_salesforce.py)."""
    from abm_lab.data.presets.salesforce import sfid18

    p = parse_params({"data": {"source": "folder", "path": "tests/fixtures/salesforce", "preset": "salesforce"}})
    ds = load_dataset(p, ROOT)
    acc, con, opp, tp = (ds[t] for t in ("accounts", "contacts", "opportunities", "touchpoints"))
    assert len(acc) == 3 and acc.loc[1, "parent_account_id"] == sfid18("0015g00000AAAA1")
    assert acc["domain"].tolist() == ["acme.com", "acme.co.uk", "globex.de"]  # derived from Website
    assert acc["employees"].tolist() == [2822, 120, 900]
    assert acc["is_customer"].tolist() == [True, False, False]  # no Type: derived from won deals (and noted)
    assert sorted(con["record_type"].tolist()) == ["contact", "contact", "lead", "lead"]
    assert set(con.loc[con.record_type == "lead", "company_name"]) == {"ACME Corp.", "Initech"}
    assert opp.set_index("opportunity_id")["stage"].to_dict() == {
        sfid18("0065g00000OOOO1"): "closed_won",
        sfid18("0065g00000OOOO2"): "negotiation",
        sfid18("0065g00000OOOO3"): "closed_lost",
    }
    assert opp["close_date"].isna().tolist() == [False, True, False]  # an open deal's CloseDate is expected only
    assert opp["product"].isna().all()  # Opportunity.Type is not a product
    # members: responders are responses (webinar Responded, event Attended), the e-mail send a membership
    assert tp["contact_id"].tolist() == [sfid18(i) for i in ("00Q5g00000LLLL1", "0035g00000CCCC1", "00Q5g00000LLLL2")]
    assert set(tp["channel"]) == {"other"}  # no Campaign.csv: the channel cannot be known, and the report says so
    assert pd.api.types.is_datetime64_any_dtype(tp["timestamp"])
    rep = ds.import_report
    assert any("no Type field" in n for n in rep.notes)
    assert any("not in Campaign.csv" in w for w in rep.warnings) and any("no ABM programme" in w for w in rep.warnings)
    assert "CampaignType" in next(v for f, v in rep.ignored_columns.items() if f.endswith("CampaignMember.csv"))


def test_maven_crm_through_the_mapping():
    p = parse_params({"data": {"source": "folder", "path": "data/real/maven_crm", "preset": "maven_crm"}})
    ds = load_dataset(p, ROOT)
    acc, opp = ds["accounts"], ds["opportunities"]
    assert len(acc) == 85 and len(opp) == 8800  # nothing dropped
    assert opp["stage"].value_counts().to_dict() == {
        "closed_won": 4238,
        "closed_lost": 2473,
        "discovery": 1589,
        "prospecting": 500,
    }
    assert opp["account_id"].isna().sum() == 1425  # blank accounts kept, not dropped
    assert round(opp.loc[opp.is_won, "amount"].sum()) == 10_005_534  # matches the published total
    assert "technolgy" not in set(acc["industry"])  # known typo fixed by the preset
    assert acc.set_index("account_id").loc["Acme Corporation", "annual_revenue"] == 1_100_040_000
    assert len(ds["contacts"]) == 0 and len(ds["touchpoints"]) == 0


def test_duckdb_source_loads_the_same_tables(tmp_path, small_world):
    import duckdb

    db = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(db))
    for name in ("accounts", "contacts", "opportunities", "touchpoints", "programs", "costs"):
        df = small_world.tables[name].copy()
        for c in df.columns:
            if isinstance(df[c].dtype, pd.CategoricalDtype):
                df[c] = df[c].astype("string")
        con.register("src", df)
        con.execute(f'create table "{name}" as select * from src')
        con.unregister("src")
    con.close()
    ds = load_dataset(parse_params({"data": {"source": "duckdb", "path": str(db)}}), root="/")
    assert len(ds["touchpoints"]) == len(small_world.tables["touchpoints"])
    assert set(ds["accounts"]["account_id"]) == set(small_world.tables["accounts"]["account_id"])
    assert list(ds.hashes) == [str(db)]


def test_demo_data_command(tmp_path):
    import subprocess
    import sys

    p = tmp_path / "p.yaml"
    p.write_text("demo: {n_accounts: 60, n_contacts: 200, n_touchpoints: 2000}\n")
    r = subprocess.run(
        [sys.executable, "-m", "abm_lab.pipeline.cli", "demo-data", str(p), "--out", str(tmp_path / "w")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "w" / "truth" / "truth.json").exists() and (tmp_path / "w" / "touchpoints.parquet").exists()


def test_cached_dataset_keeps_the_table_order(tmp_path, small_dataset):
    """Reading the run's cache gives the tables in the same order as loading the source (pages must not differ)."""
    from abm_lab.data.cache import load_canonical, save_canonical

    save_canonical(small_dataset, tmp_path, "fp")
    again = load_canonical(tmp_path, "fp", tmp_path / "none")
    assert again is not None and list(again.tables) == list(small_dataset.tables)


def _maven_folder(tmp_path, drop: dict[str, str]):
    """The repo's Maven files (200 deals) with one source column removed per file named in ``drop``."""
    import csv

    for name, limit in (("accounts.csv", None), ("sales_pipeline.csv", 200)):
        with (ROOT / "data/real/maven_crm" / name).open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))[:limit]
        cols = [c for c in rows[0] if c != drop.get(name)]
        with (tmp_path / name).open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
    return parse_params({"data": {"source": "folder", "path": str(tmp_path), "preset": "maven_crm"}})


def test_maven_preset_names_a_missing_source_column(tmp_path):
    """Issue 16, class 5: a KeyError before; now the file, the export's column name and the canonical one."""
    import pytest

    from abm_lab.errors import ABMDataError

    with pytest.raises(ABMDataError) as e:
        load_dataset(_maven_folder(tmp_path, {"accounts.csv": "account"}), ROOT)
    assert "accounts.csv" in str(e.value) and "'account'" in str(e.value) and e.value.column == "account"
    with pytest.raises(ABMDataError) as e:
        load_dataset(_maven_folder(tmp_path, {"sales_pipeline.csv": "account"}), ROOT)
    assert "sales_pipeline.csv" in str(e.value) and "'account' (canonical 'account_id')" in str(e.value)


def test_maven_preset_loads_without_its_optional_columns(tmp_path):
    """Revenue and office location are converted when present; without them the accounts still load."""
    ds = load_dataset(_maven_folder(tmp_path, {"accounts.csv": "revenue"}), ROOT)
    assert len(ds["accounts"]) == 85 and ds["accounts"]["annual_revenue"].isna().all()
    ds = load_dataset(_maven_folder(tmp_path, {"accounts.csv": "office_location"}), ROOT)
    assert len(ds["accounts"]) == 85 and ds["accounts"]["region"].isna().all()


def test_maven_revenue_text_is_refused_not_blanked(tmp_path):
    """Issue 16, class 4: 'n/a' in Maven's revenue (millions of USD) used to become a blank revenue silently."""
    import csv

    import pytest

    from abm_lab.errors import ABMDataError

    p = _maven_folder(tmp_path, {})
    with (tmp_path / "accounts.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    rows[2]["revenue"] = "n/a"
    with (tmp_path / "accounts.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(ABMDataError) as e:
        load_dataset(p, ROOT)
    assert "revenue" in str(e.value) and "n/a" in str(e.value) and 4 in list(e.value.rows)  # the file's line 4
    (tmp_path / "ok").mkdir()
    ok = load_dataset(_maven_folder(tmp_path / "ok", {}), ROOT)
    assert ok.tables["accounts"]["annual_revenue"].notna().all()
