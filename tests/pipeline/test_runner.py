"""The papermill runner: artefacts in the run folder, manifest, refusal to overwrite, clear failure messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from abm_lab.errors import ABMRunError
from abm_lab.pipeline.runner import run_params

ROOT = Path(__file__).resolve().parents[2]

PARAMS = """
run:
  name: tiny
  notebooks: [00_data_health, 99_fails]
demo:
  n_accounts: 80
  n_contacts: 300
  n_touchpoints: 3000
data:
  source: demo
  path: data/tiny
"""


def _project(tmp_path: Path, fail: bool) -> Path:
    (tmp_path / "params").mkdir()
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "00_data_health.ipynb", tmp_path / "notebooks")
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('params_path = "params/demo.yaml"\nrun_dir = None')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [
        p,
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('boom in cell three')" if fail else "y = 2"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "notebooks" / "99_fails.ipynb")
    (tmp_path / "params" / "tiny.yaml").write_text(PARAMS)
    return tmp_path


def test_failing_notebook_names_notebook_and_cell(tmp_path):
    root = _project(tmp_path, fail=True)
    with pytest.raises(ABMRunError) as e:
        run_params(root / "params" / "tiny.yaml", quiet=True, root=root)
    msg = str(e.value)
    assert "99_fails.ipynb" in msg and "cell" in msg and "boom in cell three" in msg


def test_run_writes_reports_manifest_and_refuses_overwrite(tmp_path):
    root = _project(tmp_path, fail=False)
    run_dir = run_params(root / "params" / "tiny.yaml", quiet=True, root=root)
    assert (run_dir / "00_data_health.ipynb").exists() and (run_dir / "00_data_health.html").exists()
    assert (run_dir / "index.html").exists() and (root / "reports" / "index.html").exists()
    m = json.loads((run_dir / "manifest.json").read_text())
    assert m["params"]["run"]["name"] == "tiny"
    assert any(k.endswith("accounts.parquet") for k in m["inputs"]) and all(len(v) == 64 for v in m["inputs"].values())
    assert m["packages"]["pandas"] and "00_data_health" in m["timings"]
    html = (run_dir / "00_data_health.html").read_text()
    assert "RunContext" not in html  # code hidden
    with pytest.raises(ABMRunError, match="--force"):
        run_params(root / "params" / "tiny.yaml", quiet=True, root=root)
    run_params(root / "params" / "tiny.yaml", quiet=True, root=root, force=True)


def test_a_hung_cell_stops_with_the_notebook_and_cell_named(tmp_path):
    """Class 11 of issue 16: every cell has run.cell_timeout; the kernel is shut down and the message names the cell."""
    from abm_lab.pipeline.runner import execute_notebook

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("import time\ntime.sleep(60)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp_path / "98_hangs.ipynb"
    nbformat.write(nb, src)
    import time

    t0 = time.perf_counter()
    with pytest.raises(ABMRunError) as e:
        execute_notebook(src, tmp_path / "out.ipynb", {}, tmp_path, cell_timeout=3, start_timeout=60)
    assert time.perf_counter() - t0 < 45  # stopped by the timeout, not by the sleep
    msg = str(e.value)
    assert "98_hangs.ipynb" in msg and "run.cell_timeout = 3 s" in msg and "cell index 1" in msg


def test_timeouts_come_from_params():
    from abm_lab.config import parse_params

    p = parse_params({"run": {"cell_timeout": 600, "kernel_start_timeout": 30}})
    assert (p.run.cell_timeout, p.run.kernel_start_timeout) == (600, 30)


def test_a_kernel_that_dies_while_starting_is_started_again(tmp_path, monkeypatch):
    """Two kernels starting at once can race for a TCP port; the kernel dies before any cell ran. The runner
    starts a fresh kernel (up to KERNEL_START_ATTEMPTS times), and reports the failure when every start fails."""
    import shutil

    import papermill as pm

    from abm_lab.errors import ABMRunError
    from abm_lab.pipeline import runner

    src = tmp_path / "nb.ipynb"
    shutil.copy(ROOT / "notebooks" / "00_data_health.ipynb", src)
    calls = []

    def flaky(inp, out, **kw):
        calls.append(out)
        if len(calls) < 2:
            raise RuntimeError(runner.KERNEL_DIED)
        shutil.copy(inp, out)

    monkeypatch.setattr(pm, "execute_notebook", flaky)
    runner.execute_notebook(src, tmp_path / "out.ipynb", {}, tmp_path)
    assert len(calls) == 2 and (tmp_path / "out.ipynb").exists()

    def dead(inp, out, **kw):
        calls.append(out)
        raise RuntimeError(runner.KERNEL_DIED)

    calls.clear()
    monkeypatch.setattr(pm, "execute_notebook", dead)
    with pytest.raises(ABMRunError, match="could not be executed: RuntimeError: Kernel died"):
        runner.execute_notebook(src, tmp_path / "out2.ipynb", {}, tmp_path)
    assert len(calls) == runner.KERNEL_START_ATTEMPTS

    def broken(inp, out, **kw):  # any other failure is not retried
        calls.append(out)
        raise RuntimeError("something else")

    calls.clear()
    monkeypatch.setattr(pm, "execute_notebook", broken)
    with pytest.raises(ABMRunError, match="something else"):
        runner.execute_notebook(src, tmp_path / "out3.ipynb", {}, tmp_path)
    assert len(calls) == 1
