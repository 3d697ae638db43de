"""Class 7 of issue 16: relative paths in a params file resolve against one root, whichever the working directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from abm_lab.config import parse_params
from abm_lab.pipeline.paths import locate_params, project_root, resolve, resolve_path

CLI = [sys.executable, "-m", "abm_lab.pipeline.cli"]


def _project(tmp_path: Path, notebooks: bool = True) -> Path:
    proj = tmp_path / "proj"
    (proj / "params").mkdir(parents=True)
    if notebooks:
        (proj / "notebooks").mkdir()
    return proj


def test_locate_params_from_a_subfolder_of_the_project(tmp_path):
    proj = _project(tmp_path)
    pf = proj / "params" / "q.yaml"
    pf.write_text("run: {name: q}\n")
    assert locate_params("params/q.yaml", cwd=proj) == pf.resolve()
    assert locate_params("params/q.yaml", cwd=proj / "notebooks") == pf.resolve()  # the project's own file
    assert locate_params("../params/q.yaml", cwd=proj / "notebooks") == pf.resolve()
    assert locate_params(pf, cwd=tmp_path) == pf
    missing = locate_params("params/none.yaml", cwd=proj / "notebooks")
    assert missing == (proj / "notebooks" / "params" / "none.yaml").resolve()  # reported as not found, as given


def test_project_root_is_found_from_the_params_file_not_the_cwd(tmp_path, monkeypatch):
    proj = _project(tmp_path)
    pf = proj / "params" / "q.yaml"
    pf.write_text("")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for cwd in (proj, proj / "notebooks", elsewhere):
        assert project_root(pf, cwd=cwd) == proj.resolve()
    # a data project without notebooks: the parent of its params/ folder
    byod = _project(tmp_path / "b", notebooks=False)
    assert project_root(byod / "params" / "x.yaml", cwd=elsewhere) == byod.resolve()
    # a params overlay outside any project: the project of the working directory (as before)
    overlay = elsewhere / "overlay.yaml"
    assert project_root(overlay, cwd=proj / "notebooks") == proj.resolve()


def test_resolve_makes_every_path_setting_absolute(tmp_path):
    p = parse_params(
        {
            "data": {"source": "folder", "path": "data/crm"},
            "run": {"output_dir": "out"},
            "experiment": {"target_list": "lists/t.csv", "preregistration": str(tmp_path / "abs.json")},
        }
    )
    r = resolve(p, tmp_path)
    root = tmp_path.resolve()
    assert r.data.path == str(root / "data/crm")
    assert r.run.output_dir == str(root / "out")
    assert r.experiment.target_list == str(root / "lists/t.csv")
    assert r.experiment.preregistration == str(tmp_path / "abs.json")  # absolute stays as written
    assert p.data.path == "data/crm" and p.run.output_dir == "out"  # the original is unchanged
    assert resolve(parse_params({}), tmp_path).experiment.target_list is None
    assert resolve_path("/x/y", tmp_path) == Path("/x/y")


@pytest.fixture(scope="module")
def project_with_data(tmp_path_factory, small_world):
    """A project folder (params/, notebooks/, data/) whose params file names its data folder relatively."""
    from abm_lab.synth import save_world

    proj = tmp_path_factory.mktemp("paths") / "proj"
    (proj / "params").mkdir(parents=True)
    (proj / "notebooks").mkdir()
    save_world(small_world, proj / "data" / "crm")
    (proj / "params" / "crm.yaml").write_text(
        "run: {name: crm, notebooks: [00_data_health]}\ndata: {source: folder, path: data/crm}\n"
    )
    return proj


def test_validate_reads_the_same_folder_from_any_working_directory(project_with_data, tmp_path):
    proj = project_with_data
    expected = str((proj / "data" / "crm" / "accounts.parquet").resolve())
    runs = [
        (proj, "params/crm.yaml"),
        (proj / "notebooks", "params/crm.yaml"),  # failed before: data/crm was looked up under notebooks/
        (proj / "notebooks", "../params/crm.yaml"),
        (tmp_path, str(proj / "params" / "crm.yaml")),
    ]
    for cwd, arg in runs:
        r = subprocess.run([*CLI, "validate", arg], capture_output=True, text=True, cwd=cwd)
        assert r.returncode == 0, (cwd, arg, r.stderr)
        assert expected in r.stdout and "Traceback" not in r.stderr


def test_new_quarter_finds_the_projects_params_folder_from_a_subfolder(tmp_path, monkeypatch, capsys):
    from abm_lab.pipeline.cli import main

    proj = _project(tmp_path)
    (proj / "params" / "2026Q3.yaml").write_text(
        "run: {name: 2026Q3, as_of: 2026-09-30, window_start: 2026-07-01, window_end: 2026-09-30}\n"
    )
    monkeypatch.chdir(proj / "notebooks")
    assert main(["new-quarter", "2026Q4"]) == 0, capsys.readouterr().err
    assert (proj / "params" / "2026Q4.yaml").exists() and not (proj / "notebooks" / "params").exists()
