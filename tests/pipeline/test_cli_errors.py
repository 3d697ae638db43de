"""Issue 16 through the CLI: every command's bad-input path is one clear message (class 5), ``validate`` stops
what would stop a notebook (class 6), and ``demo-data`` never writes over real data (class 7)."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from abm_lab.pipeline.cli import main

ROOT = Path(__file__).resolve().parents[2]
MAVEN = ROOT / "data" / "real" / "maven_crm"
CLI = [sys.executable, "-m", "abm_lab.pipeline.cli"]


def _copy_csv(src: Path, dst: Path, drop: str | None = None, limit: int | None = None) -> None:
    with src.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    rows = rows[:limit] if limit else rows
    cols = [c for c in rows[0] if c != drop]
    with dst.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def _maven_project(tmp_path: Path, table_file: str, drop: str) -> Path:
    """A Maven-like project: the repo's params/maven_crm.yaml, a few real rows, one source column removed."""
    proj = tmp_path / "proj"
    data = proj / "data" / "real" / "maven_crm"
    data.mkdir(parents=True)
    (proj / "params").mkdir()
    (proj / "params" / "maven_crm.yaml").write_text((ROOT / "params" / "maven_crm.yaml").read_text())
    _copy_csv(MAVEN / "accounts.csv", data / "accounts.csv", drop if table_file == "accounts.csv" else None)
    _copy_csv(
        MAVEN / "sales_pipeline.csv",
        data / "sales_pipeline.csv",
        drop if table_file == "sales_pipeline.csv" else None,
        limit=200,
    )
    return proj


@pytest.mark.parametrize(
    ("table_file", "drop", "canonical"),
    [("accounts.csv", "account", None), ("sales_pipeline.csv", "deal_stage", "stage")],
)
@pytest.mark.parametrize("command", [["validate"], ["lift"], ["lift", "--json"], ["run", "--quiet"]])
def test_maven_preset_with_a_missing_column_is_one_message(
    tmp_path, monkeypatch, capsys, table_file, drop, canonical, command
):
    proj = _maven_project(tmp_path, table_file, drop)
    monkeypatch.chdir(tmp_path)  # a working directory outside the project: paths still resolve from the params
    data = proj / "data" / "real" / "maven_crm"
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    rc = main([command[0], str(proj / "params" / "maven_crm.yaml"), *command[1:]])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("abm-lab: error:") and table_file in err and repr(drop) in err
    if canonical:
        assert repr(canonical) in err
    assert "Traceback" not in err and "KeyError" not in err
    if command[0] == "run":  # the run stopped while loading data, in the project's reports/, not the cwd's
        assert not (proj / "reports" / "maven_crm").exists() and not (tmp_path / "reports").exists()
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before


def test_maven_missing_column_has_no_traceback_in_a_subprocess(tmp_path):
    proj = _maven_project(tmp_path, "accounts.csv", "account")
    r = subprocess.run(
        [*CLI, "validate", "../params/maven_crm.yaml"], capture_output=True, text=True, cwd=proj / "data"
    )  # from inside data/: data.path still resolves against proj/, not the working directory
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "accounts.csv" in r.stderr and "'account'" in r.stderr


def test_design_holdout_bad_input_is_one_message(tmp_path, monkeypatch, capsys):
    proj = _maven_project(tmp_path, "accounts.csv", "account")
    monkeypatch.chdir(tmp_path)
    rc = main(["design-holdout", str(proj / "params" / "maven_crm.yaml"), "--share", "2"])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("abm-lab: error:") and "Traceback" not in err


def test_missing_params_file_is_one_message_for_every_command(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for cmd in ("validate", "lift", "run", "demo-data", "design-holdout"):
        rc = main([cmd, "params/nowhere.yaml"])
        err = capsys.readouterr().err
        assert rc == 2 and "params file not found" in err and "nowhere.yaml" in err, (cmd, err)


# ---------------------------------------------------------------- class 6: validate stops what stops a notebook
def _canonical_project(tmp_path: Path, small_world, empty: str, notebooks: str) -> Path:
    """A folder of canonical CSVs from the small world, with ``empty`` reduced to its header line."""
    proj = tmp_path / "proj"
    data = proj / "data"
    data.mkdir(parents=True)
    (proj / "params").mkdir()
    t = dict(small_world.tables)
    keep = set(t["accounts"]["account_id"].head(40))
    t["accounts"] = t["accounts"][t["accounts"]["account_id"].isin(keep)].assign(parent_account_id=None)
    for name in ("contacts", "opportunities", "programs"):
        t[name] = t[name][t[name]["account_id"].isin(keep) | t[name]["account_id"].isna()]
    t[empty] = t[empty].head(0)
    t["touchpoints"] = t["touchpoints"][t["touchpoints"]["contact_id"].isin(t["contacts"]["contact_id"])].head(500)
    sh = t["stage_history"]
    t["stage_history"] = sh[sh["opportunity_id"].isin(t["opportunities"]["opportunity_id"])]
    for name, df in t.items():
        df.to_csv(data / f"{name}.csv", index=False)
    (proj / "params" / "p.yaml").write_text(
        f"run: {{name: t, output_dir: {tmp_path / 'reports'}, notebooks: [{notebooks}]}}\n"
        "data: {source: folder, path: data}\n"
    )
    return proj


@pytest.mark.parametrize(
    ("empty", "notebook"), [("touchpoints", "04_engagement"), ("opportunities", "03_lead_to_account")]
)
def test_validate_refuses_a_header_only_table_a_notebook_needs(
    tmp_path, monkeypatch, capsys, small_world, empty, notebook
):
    monkeypatch.chdir(tmp_path)
    proj = _canonical_project(tmp_path, small_world, empty, f"00_data_health, {notebook}")
    rc = main(["validate", str(proj / "params" / "p.yaml")])
    out, err = capsys.readouterr()
    assert rc == 2, out  # validated OK before, then the notebook crashed
    assert f"{empty}: no rows" in err and notebook in err and "OK" not in out


def test_validate_accepts_the_same_table_when_no_notebook_needs_it(tmp_path, monkeypatch, capsys, small_world):
    monkeypatch.chdir(tmp_path)
    proj = _canonical_project(tmp_path, small_world, "touchpoints", "00_data_health, 01_icp_discovery")
    rc = main(["validate", str(proj / "params" / "p.yaml")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "OK: all tables valid" in out


# ------------------------------------------------------------- class 7: demo-data never writes over real data
def test_demo_data_refuses_a_non_demo_source(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # a regression must not write into the checkout's own data/ folder
    proj = _maven_project(tmp_path, "accounts.csv", "none")
    data = proj / "data" / "real" / "maven_crm"
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    for extra in ([], ["--force"], ["--out", str(data)]):
        rc = main(["demo-data", str(proj / "params" / "maven_crm.yaml"), *extra])
        err = capsys.readouterr().err
        assert rc == 2 and "data.source" in err and "folder" in err and "data/real/maven_crm" in err
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before  # nothing written, nothing changed


@pytest.mark.parametrize("force", [False, True])
def test_demo_source_never_overwrites_a_folder_it_did_not_make(tmp_path, monkeypatch, capsys, force):
    monkeypatch.chdir(tmp_path)  # a regression must not write into the checkout's own data/ folder
    proj = tmp_path / "proj"
    (proj / "params").mkdir(parents=True)
    mine = proj / "data" / "mine"
    mine.mkdir(parents=True)
    (mine / "accounts.csv").write_text("account_id,name\nA1,Acme\n")
    (proj / "params" / "d.yaml").write_text(
        "run: {name: d}\ndata: {source: demo, path: data/mine}\ndemo: {n_accounts: 50, n_contacts: 100}\n"
    )
    for cmd in (["demo-data"] + (["--force"] if force else []), ["validate"]):
        rc = main([cmd[0], str(proj / "params" / "d.yaml"), *cmd[1:]])
        err = capsys.readouterr().err
        assert rc == 2 and str(mine) in err and "accounts.csv" in err and "world.json" in err
    assert sorted(p.name for p in mine.iterdir()) == ["accounts.csv"]
    assert (mine / "accounts.csv").read_text() == "account_id,name\nA1,Acme\n"


def test_a_missing_artefact_is_one_message_with_exit_3(tmp_path, monkeypatch, capsys, small_world):
    """design-holdout before notebook 02 made the target list: ABMArtefactError names the file and its producer."""
    proj = _canonical_project(tmp_path, small_world, "costs", "00_data_health")
    monkeypatch.chdir(proj)
    rc = main(["design-holdout", str(proj / "params" / "p.yaml")])
    err = capsys.readouterr().err
    assert rc == 3 and err.startswith("abm-lab: error:")
    assert "target_accounts.csv not found" in err and "notebook 02" in err
    assert not (tmp_path / "reports").exists()  # nothing written
