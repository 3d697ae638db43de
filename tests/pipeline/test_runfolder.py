"""A run never deletes or writes outside its folder; --force never loses the previous run before the new one is
complete, and never removes files a run did not write (issue 16, class 1 and 2)."""

from __future__ import annotations

import pytest

from abm_lab.config import parse_params
from abm_lab.errors import ABMParamsError, ABMRunError
from abm_lab.pipeline import runner
from abm_lab.pipeline.runfolder import foreign_entries, replacing, run_folder


@pytest.mark.parametrize("name", ["..", ".", "", "../../x", "a/b", "/etc", ".hidden", "-x", "a" * 65, "q3 run"])
def test_unsafe_run_names_are_refused_by_the_schema(name):
    with pytest.raises(ABMParamsError, match="run.name"):
        parse_params({"run": {"name": name}})


@pytest.mark.parametrize("name", ["demo", "2026Q4", "2026Q4-crm", "maven_crm", "v1.2"])
def test_safe_run_names(name, tmp_path):
    assert parse_params({"run": {"name": name}}).run.name == name
    assert run_folder(tmp_path, name) == (tmp_path / name).resolve()


def test_run_folder_must_be_a_direct_child(tmp_path):
    for bad in ("..", "", "../x", "a/../../b"):
        with pytest.raises(ABMRunError, match="inside"):
            run_folder(tmp_path / "reports", bad)


def _old_run(tmp_path):
    run = tmp_path / "reports" / "demo"
    (run / "artefacts").mkdir(parents=True)
    (run / "manifest.json").write_text('{"run": "demo"}')
    (run / "05_program_roi.html").write_text("old page")
    (run / "artefacts" / "target_accounts.csv").write_text("old")
    return run


def test_without_force_an_existing_run_is_refused(tmp_path):
    run = _old_run(tmp_path)
    with pytest.raises(ABMRunError, match="--force"), replacing(run, force=False):
        pass
    assert (run / "05_program_roi.html").read_text() == "old page"


def test_force_replaces_only_after_success(tmp_path):
    run = _old_run(tmp_path)
    with replacing(run, force=True) as d:
        assert not (d / "05_program_roi.html").exists()  # building in place, previous moved aside
        assert (tmp_path / "reports" / ".demo.previous" / "05_program_roi.html").exists()
        (d / "manifest.json").write_text('{"run": "new"}')
    assert (run / "manifest.json").read_text() == '{"run": "new"}'
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["demo"]


@pytest.mark.parametrize("error", [ABMRunError("notebook 03 failed"), KeyboardInterrupt(), ValueError("boom")])
def test_failure_or_ctrl_c_keeps_the_previous_run(tmp_path, error):
    run = _old_run(tmp_path)
    with pytest.raises(type(error)) as info, replacing(run, force=True) as d:
        (d / "half.html").write_text("half-built")
        raise error
    assert (run / "05_program_roi.html").read_text() == "old page"
    assert not (run / "half.html").exists()
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["demo"]
    if isinstance(error, ABMRunError):
        assert "previous run" in str(info.value) and "untouched" in str(info.value)


def test_a_first_run_that_fails_leaves_nothing(tmp_path):
    run = tmp_path / "reports" / "new"
    with pytest.raises(ABMRunError), replacing(run, force=False) as d:
        (d / "x.html").write_text("half")
        raise ABMRunError("failed")
    assert not run.exists()
    assert not run.parent.exists()  # nor the output folder it created for itself


def test_force_never_removes_files_a_run_did_not_write(tmp_path):
    run = _old_run(tmp_path)
    (run / "my_notes.docx").write_text("mine")
    assert foreign_entries(run) == ["my_notes.docx"]
    with pytest.raises(ABMRunError, match="my_notes.docx"), replacing(run, force=True):
        pass
    assert (run / "my_notes.docx").read_text() == "mine" and (run / "05_program_roi.html").exists()
    plain = tmp_path / "reports" / "notarun"
    plain.mkdir()
    (plain / "data.csv").write_text("x")
    with pytest.raises(ABMRunError, match="not an ABM Lab run folder"), replacing(plain, force=True):
        pass
    assert (plain / "data.csv").exists()


def test_run_params_never_touches_the_checkout(tmp_path, monkeypatch):
    """The reported disaster: run.name '..' with --force deleted a checkout. Now refused before anything runs."""
    (tmp_path / "params").mkdir()
    (tmp_path / "keep.txt").write_text("precious")
    p = tmp_path / "params" / "bad.yaml"
    p.write_text("run:\n  name: '..'\n")
    with pytest.raises(ABMParamsError):
        runner.run_params(p, force=True, quiet=True, root=tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "precious"
    p.write_text("run:\n  name: ''\n")
    with pytest.raises(ABMParamsError):
        runner.run_params(p, force=True, quiet=True, root=tmp_path)
    assert (tmp_path / "keep.txt").exists()


def test_make_clean_removes_only_what_abm_lab_wrote(tmp_path):
    from abm_lab.pipeline.devtools import clean
    from abm_lab.synth.store import STAMP_FILE

    run = tmp_path / "reports" / "demo"
    (run / "artefacts").mkdir(parents=True)
    (run / "manifest.json").write_text("{}")
    other = tmp_path / "reports" / "2026Q3"
    other.mkdir()
    (other / "manifest.json").write_text("{}")
    data = tmp_path / "data" / "demo"
    data.mkdir(parents=True)
    (data / STAMP_FILE).write_text("{}")
    real = tmp_path / "data" / "real"
    real.mkdir()
    assert clean(tmp_path) == [run, data]
    assert other.exists() and real.exists() and not run.exists() and not data.exists()
    (run / "artefacts").mkdir(parents=True)
    (run / "manifest.json").write_text("{}")
    (run / "mine.xlsx").write_text("x")
    (data).mkdir()
    (data / "accounts.csv").write_text("x")  # no stamp: not the generator's folder
    assert clean(tmp_path) == [] and (run / "mine.xlsx").exists() and (data / "accounts.csv").exists()


def test_a_run_set_aside_is_not_listed_as_a_run(tmp_path):
    """While --force rebuilds a run its previous version sits in .<name>.previous: never a 'previous run' link."""
    import json

    from abm_lab.report.runs_index import find_previous_run, list_runs

    reports = tmp_path / "reports"
    for name in (".demo.previous", "2026Q3"):
        d = reports / name
        (d / "artefacts").mkdir(parents=True)
        (d / "index.html").write_text("<html></html>")
        manifest = {"run": name, "params": {"run": {"window_start": "2026-07-01", "window_end": "2026-09-30"}}}
        (d / "manifest.json").write_text(json.dumps(manifest))
    assert [p.name for p in list_runs(reports)] == ["2026Q3"]
    q4 = {"run": "demo", "params": {"run": {"window_start": "2026-10-01", "window_end": "2026-12-31"}}}
    prev = find_previous_run(reports, q4)
    assert prev is not None and prev.name == "2026Q3"
