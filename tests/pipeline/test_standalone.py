"""Notebooks that stand alone and leave tracked files alone.

* An interactive session (``run_dir = None``, as a notebook opened in JupyterLab) writes to its scratch run folder
  ``workspace/<run.name>/`` and never over a runner's finished run (that run's files hash the same afterwards).
* ``abm-lab open`` copies a committed notebook into the workspace with the params filled in, refuses to overwrite
  a copy (``--force`` replaces only a copy it made) and never changes the committed notebook.
* Notebook 02 on the Maven params without notebook 01's artefacts: an actionable message naming the exact command
  and notebook, or (interactive, ``notebook=``) notebook 01 run upstream into the same scratch folder.
* Explorers carry a visible "Run the notebook to activate this explorer" fallback instead of ``VBox(children=(…``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from abm_lab.errors import ABMArtefactError, ABMRunError
from abm_lab.pipeline import RunContext
from abm_lab.pipeline.cli import main
from abm_lab.pipeline.workspace import WORKSPACE_ENV, upstream_plan, workspace_root

ROOT = Path(__file__).resolve().parents[2]
MAVEN = "params/maven_crm.yaml"
TINY = "run:\n  name: tiny\ndata:\n  source: demo\n  path: data/tiny\n"


@pytest.fixture(autouse=True)
def _default_workspace(monkeypatch):
    """These tests check the default ``<root>/workspace`` (``make test`` sets $ABM_LAB_WORKSPACE for nbval)."""
    monkeypatch.delenv(WORKSPACE_ENV, raising=False)


def test_workspace_folder_can_be_moved_by_environment(tmp_path, monkeypatch):
    assert workspace_root(tmp_path) == tmp_path / "workspace"
    monkeypatch.setenv(WORKSPACE_ENV, str(tmp_path / "elsewhere"))
    assert workspace_root(tmp_path) == tmp_path / "elsewhere"


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _project(tmp_path: Path, *notebooks: str, maven_data: bool = False) -> Path:
    """A project folder: params/ (tiny and the Maven params), notebooks/ (copies of the named committed ones)."""
    (tmp_path / "params").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "params" / "tiny.yaml").write_text(TINY)
    shutil.copy(ROOT / MAVEN, tmp_path / MAVEN)
    shutil.copy(ROOT / "params" / "demo.yaml", tmp_path / "params")
    for nb in notebooks:
        shutil.copy(ROOT / "notebooks" / f"{nb}.ipynb", tmp_path / "notebooks")
    if maven_data:
        (tmp_path / "data" / "real").mkdir(parents=True)
        (tmp_path / "data" / "real" / "maven_crm").symlink_to(ROOT / "data" / "real" / "maven_crm")
    return tmp_path


def _finished_run(root: Path) -> Path:
    """reports/tiny as the runner leaves it: manifest, executed notebook, artefacts."""
    run = root / "reports" / "tiny"
    (run / "artefacts").mkdir(parents=True)
    pd.DataFrame({"account_id": ["A1", "A2"], "fit_prob": [0.1, 0.9], "fit_score": [10.0, 90.0]}).to_parquet(
        run / "artefacts" / "fit_scores.parquet", index=False
    )
    (run / "artefacts" / "summary_grading.json").write_text('{"accounts": 2}')
    (run / "01_icp_discovery.ipynb").write_text("{}")
    (run / "manifest.json").write_text(json.dumps({"run": "tiny", "artefacts": ["fit_scores.parquet"]}))
    return run


# ------------------------------------------------------------------------------------------ (a) scratch folder


def test_interactive_session_writes_to_scratch_never_over_a_finished_run(tmp_path):
    root = _project(tmp_path)
    run = _finished_run(root)
    before = _hashes(run)
    ctx = RunContext.open("params/tiny.yaml", None, root=root)  # the committed parameters cell: run_dir = None
    assert ctx.interactive and ctx.run_dir == root / "workspace" / "tiny"
    # what notebooks 01 and 02 write, through the context
    pd.DataFrame({"account_id": ["A1"], "fit_prob": [0.5], "fit_score": [50.0]}).to_parquet(
        ctx.path("fit_scores"), index=False
    )
    ctx.save_summary(
        "grading", {"accounts": 1, "target_accounts": 1, "grade_counts": {"A": 1}, "tiers": {"strategic": 1}}
    )
    assert _hashes(run) == before  # the finished run: every file as the runner left it
    assert list(ctx.load("fit_scores")["account_id"]) == ["A1"]  # the session reads its own artefacts
    assert (root / "workspace" / "tiny" / "artefacts" / "summary_grading.json").exists()
    assert ctx.load_summary("grading").accounts == 1
    assert sorted(p.name for p in (root / "reports").iterdir()) == ["tiny"]  # nothing new beside the run either


def test_interactive_session_reads_the_finished_runs_data_cache_read_only(tmp_path, small_dataset):
    from abm_lab.data.cache import data_fingerprint, save_canonical

    root = _project(tmp_path)
    run = _finished_run(root)
    ctx = RunContext.open("params/tiny.yaml", None, root=root)
    save_canonical(small_dataset, run / "artefacts", data_fingerprint(ctx.params))  # as the runner does
    before = _hashes(run)
    pd.testing.assert_frame_equal(ctx.tables["accounts"], small_dataset.tables["accounts"])  # no data/tiny needed
    assert _hashes(run) == before and not (ctx.artefact_dir / "canonical").exists()


def test_a_finished_run_is_refused_as_run_dir_and_the_runner_path_is_unchanged(tmp_path):
    root = _project(tmp_path)
    run = _finished_run(root)
    before = _hashes(run)
    with pytest.raises(ABMRunError) as exc:
        RunContext.open("params/tiny.yaml", str(run), root=root)
    msg = str(exc.value)
    assert "manifest.json" in msg and "run_dir = None" in msg and "abm-lab run params/tiny.yaml --force" in msg
    assert _hashes(run) == before
    # the runner's case: a run folder being built (no manifest yet) is used as given, not redirected
    building = root / "reports" / "tiny2"
    ctx = RunContext.open("params/tiny.yaml", str(building), root=root)
    assert not ctx.interactive and ctx.run_dir == building and ctx.artefact_dir.is_dir()


def test_interactive_session_in_a_kernel_like_jupyterlab(tmp_path):
    """A notebook executed in a kernel without papermill's parameters (what Run All in JupyterLab does) writes
    to the scratch folder, and the finished run is untouched."""
    from nbclient import NotebookClient

    root = _project(tmp_path)
    run = _finished_run(root)
    before = _hashes(run)
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('params_path = "params/tiny.yaml"\nrun_dir = None')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [
        p,
        nbformat.v4.new_code_cell(
            "import pandas as pd\nfrom abm_lab.pipeline import RunContext\n"
            "ctx = RunContext.open(params_path, run_dir)\n"
            "pd.DataFrame({'account_id': ['Z9'], 'fit_prob': [0.3], 'fit_score': [30.0]})"
            ".to_parquet(ctx.path('fit_scores'), index=False)\nprint(ctx.run_dir)"
        ),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(root)}}).execute()
    assert nb.cells[1].outputs[0]["text"].strip() == str(root / "workspace" / "tiny")
    assert _hashes(run) == before
    got = pd.read_parquet(root / "workspace" / "tiny" / "artefacts" / "fit_scores.parquet")
    assert list(got["account_id"]) == ["Z9"]


# ------------------------------------------------------------------------------------------- (b) abm-lab open


def _params_cell(path: Path) -> str:
    nb = nbformat.read(str(path), as_version=4)
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


def test_open_copies_the_notebook_with_params_and_refuses_to_overwrite(tmp_path, monkeypatch, capsys):
    root = _project(tmp_path, "02_account_grading")
    committed = root / "notebooks" / "02_account_grading.ipynb"
    committed_bytes = committed.read_bytes()
    monkeypatch.chdir(root)
    assert main(["open", "02", MAVEN]) == 0
    out = capsys.readouterr().out
    copy = root / "workspace" / "maven_crm" / "02_account_grading.ipynb"
    assert copy.exists() and "workspace/maven_crm/02_account_grading.ipynb" in out
    assert " lab workspace/maven_crm/02_account_grading.ipynb" in out
    assert ("--allow-root" in out) == (os.geteuid() == 0)
    assert _params_cell(copy).splitlines()[0] == f'params_path = "{MAVEN}"'
    assert "run_dir = None" in _params_cell(copy)  # the copy is an interactive session: scratch folder
    src, dst = nbformat.read(str(committed), as_version=4), nbformat.read(str(copy), as_version=4)
    assert [c.source for c in dst.cells if "parameters" not in c.metadata.get("tags", [])] == [
        c.source for c in src.cells if "parameters" not in c.metadata.get("tags", [])
    ]  # every other cell as committed
    assert all(not c.get("outputs") for c in dst.cells if c.cell_type == "code")  # no demo outputs on Maven
    assert dst.metadata["abm_lab"]["workspace_copy_of"] == "notebooks/02_account_grading.ipynb"

    # the user edits and saves the copy: the committed notebook is unchanged, and a second open refuses
    dst.cells[1].source = 'params_path = "params/other.yaml"\nrun_dir = None'
    nbformat.write(dst, str(copy))
    edited = copy.read_bytes()
    assert main(["open", "02_account_grading", MAVEN]) == 3
    assert "--force" in capsys.readouterr().err
    assert copy.read_bytes() == edited and committed.read_bytes() == committed_bytes

    assert main(["open", "notebooks/02_account_grading.ipynb", MAVEN, "--force"]) == 0  # a fresh copy
    assert _params_cell(copy).splitlines()[0] == f'params_path = "{MAVEN}"'
    assert committed.read_bytes() == committed_bytes


def test_open_force_replaces_only_its_own_copy_and_unknown_names_are_refused(tmp_path, monkeypatch, capsys):
    root = _project(tmp_path, "02_account_grading")
    monkeypatch.chdir(root)
    mine = root / "workspace" / "maven_crm" / "02_account_grading.ipynb"
    mine.parent.mkdir(parents=True)
    mine.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')  # not made by open
    assert main(["open", "02", MAVEN, "--force"]) == 3
    assert "not made by `abm-lab open`" in capsys.readouterr().err
    assert mine.read_text().startswith('{"cells": []')
    assert main(["open", "07", MAVEN]) == 2
    assert "02_account_grading" in capsys.readouterr().err  # names the notebooks there are


def test_open_all_keeps_existing_copies_for_make_lab(tmp_path, monkeypatch, capsys):
    root = _project(tmp_path, "00_data_health", "02_account_grading")
    monkeypatch.chdir(root)
    assert main(["open", "02"]) == 0
    copy02 = root / "workspace" / "demo" / "02_account_grading.ipynb"
    copy02.write_text(copy02.read_text().replace("run_dir = None", "run_dir = None  # mine"))
    edited = copy02.read_bytes()
    capsys.readouterr()
    assert main(["open", "all", "--keep-existing"]) == 0  # what `make lab` runs, every time
    out = capsys.readouterr().out
    assert "Copied notebooks/00_data_health.ipynb to workspace/demo/00_data_health.ipynb" in out
    assert "Kept workspace/demo/02_account_grading.ipynb" in out and " lab workspace/demo" in out
    assert copy02.read_bytes() == edited  # the user's edit survives
    assert sorted(p.name for p in (root / "workspace" / "demo").iterdir()) == [
        "00_data_health.ipynb",
        "02_account_grading.ipynb",
    ]


def test_open_lab_starts_jupyter_on_the_copy(tmp_path, monkeypatch, capsys):
    root = _project(tmp_path, "02_account_grading")
    monkeypatch.chdir(root)
    calls = []
    monkeypatch.setattr(os, "execvp", lambda exe, args: calls.append((exe, args)))
    assert main(["open", "02", "--lab"]) == 0  # default params: the demo
    ((exe, args),) = calls
    assert args[0] == exe and args[1:3] == ["lab", "workspace/demo/02_account_grading.ipynb"]
    assert _params_cell(root / args[2]).splitlines()[0] == 'params_path = "params/demo.yaml"'


# ------------------------------------------------------------------------------- (c) upstream: 02 on the Maven


def test_upstream_plan_follows_the_registry():
    have: set[str] = set()
    assert upstream_plan("02_account_grading", lambda a: a.file in have) == ["01_icp_discovery"]
    assert upstream_plan("05_program_roi", lambda a: a.file in have) == [
        "01_icp_discovery",
        "02_account_grading",
        "03_lead_to_account",
    ]
    have |= {"fit_scores.parquet", "icp.yaml", "summary_icp.json"}
    assert upstream_plan("02_account_grading", lambda a: a.file in have) == []
    assert upstream_plan("00_data_health", lambda a: False) == []
    maven = ["00_data_health", "01_icp_discovery", "02_account_grading", "05_program_roi"]
    assert upstream_plan("05_program_roi", lambda a: False, maven) == ["01_icp_discovery", "02_account_grading"]


def test_jupyterlab_session_name_picks_the_notebook_and_the_runner_never_runs_upstream(tmp_path, monkeypatch):
    from abm_lab.pipeline import workspace

    root = _project(tmp_path)
    plans = []
    monkeypatch.setattr(workspace, "run_upstream", lambda plan, *a, **k: plans.append(list(plan)))
    monkeypatch.setattr(RunContext, "_cache_data", lambda self: None)
    monkeypatch.setenv("JPY_SESSION_NAME", str(root / "workspace" / "maven_crm" / "05_program_roi.ipynb"))
    RunContext.open(MAVEN, None, root=root)  # JupyterLab: the kernel knows its notebook
    assert plans == [["01_icp_discovery", "02_account_grading"]]  # the Maven run has no 03
    RunContext.open(MAVEN, str(root / "reports" / "maven_crm"), root=root, notebook="05_program_roi")  # runner
    RunContext.open(MAVEN, None, root=root, upstream=False)
    assert len(plans) == 1


def test_02_on_maven_without_01_names_the_exact_command(tmp_path):
    from abm_lab import grading

    root = _project(tmp_path)
    ctx = RunContext.open(MAVEN, None, root=root, upstream=False)
    with pytest.raises(ABMArtefactError) as exc:
        grading.load_scores(ctx)
    msg = str(exc.value)
    assert "fit_scores.parquet" in msg and f"`abm-lab open 01_icp_discovery {MAVEN}`" in msg
    assert "notebooks/01_icp_discovery.ipynb" in msg
    assert f'params_path = "{MAVEN}"' in msg and f"`abm-lab run {MAVEN}`" in msg
    assert str(root / "workspace" / "maven_crm") in msg
    # under the runner (run_dir given): the command that runs 01 first
    ctx = RunContext.open(MAVEN, str(root / "reports" / "maven_crm"), root=root)
    with pytest.raises(ABMArtefactError, match=r"run `abm-lab run params/maven_crm\.yaml` \(which runs 01_icp"):
        grading.load_scores(ctx)
    # notebook 05 reads notebook 03's touchpoints, and the Maven run has no 03: the message says to add it
    with pytest.raises(ABMArtefactError, match=r"03_lead_to_account, which is not in run\.notebooks of params/maven"):
        ctx.load("touchpoints_mapped")
    # a command's artefact names the command
    with pytest.raises(ABMArtefactError, match=r"written by `abm-lab design-holdout`; run `abm-lab design-holdout"):
        ctx.load("holdout_assignment")


def test_02_on_maven_runs_notebook_01_upstream_into_the_scratch_folder(tmp_path):
    from abm_lab import grading

    root = _project(tmp_path, "01_icp_discovery", maven_data=True)
    ctx = RunContext.open(MAVEN, None, root=root, notebook="02_account_grading")
    scratch = root / "workspace" / "maven_crm"
    assert ctx.run_dir == scratch
    executed = scratch / "upstream" / "01_icp_discovery.ipynb"
    assert executed.exists() and (scratch / "artefacts" / "fit_scores.parquet").exists()
    assert not (root / "reports").exists()  # nothing in the runner's folder
    assert not (scratch / "artefacts" / "canonical").exists()  # the data cache made for 01's kernel is gone
    fit = ctx.load("fit_scores")
    accounts = ctx.tables["accounts"]
    assert sorted(fit["account_id"].astype(str)) == sorted(accounts["account_id"].astype(str))  # every account
    assert fit["fit_score"].between(0, 100).all()
    result = grading.run(ctx)  # what notebook 02 does next: it now runs
    assert len(result.grades) == len(accounts) and (scratch / "artefacts" / "account_grades.parquet").exists()
    stamp = executed.stat().st_mtime_ns
    assert ctx.ensure_upstream("02_account_grading") == []  # present now: nothing runs again
    assert executed.stat().st_mtime_ns == stamp


# --------------------------------------------------------------------------------------- (d) widget fallback


def _grade_explorer():
    import numpy as np

    from abm_lab.grading import grade_cutoff_explorer

    rng = np.random.default_rng(3)
    s = rng.uniform(0, 100, 200)
    return grade_cutoff_explorer(
        pd.DataFrame({"fit_score": s, "is_customer": rng.random(200) < s / 150, "has_opportunity": s > 80})
    )


def _roi_what_if():
    from abm_lab.roi import roi_what_if
    from abm_lab.roi.explorer import Lift

    return roi_what_if(Lift("imputation", "Imputation DiD", 10_000, 5_000, 15_000), 2_000, 100, 0.70)


def _match_explorer():
    from types import SimpleNamespace

    from abm_lab.mapping import match_explorer

    table = pd.DataFrame(
        {
            "source": ["webinar", "webinar", "trade show"],
            "status": ["matched", "unmatched", "matched"],
            "match_confidence": [0.9, None, 0.6],
            "match_method": ["email_domain", None, "fuzzy_name"],
        }
    )
    return match_explorer(SimpleNamespace(table=table))


@pytest.mark.parametrize(
    ("build", "title"),
    [(_grade_explorer, "Grade cut-off explorer"), (_roi_what_if, "ROI what-if"), (_match_explorer, "Match explorer")],
    ids=["grade_cutoffs", "roi_what_if", "match_explorer"],
)
def test_explorer_fallback_is_readable_and_keeps_the_widget_view(build, title):
    import ipywidgets
    from IPython.core.formatters import DisplayFormatter

    from abm_lab.report.widgets import FALLBACK_TEXT

    box = build()
    assert isinstance(box, ipywidgets.VBox)
    data, _ = DisplayFormatter().format(box)  # what a notebook saves as the cell's output
    assert FALLBACK_TEXT in data["text/plain"] and "VBox(" not in data["text/plain"]
    assert FALLBACK_TEXT in data["text/html"] and title in data["text/html"]
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == box.model_id  # the live widget
    plain, _ = DisplayFormatter().format(ipywidgets.VBox([]))  # ipywidgets' own fallback, for contrast
    assert plain["text/plain"].startswith("VBox(") and "text/html" not in plain
