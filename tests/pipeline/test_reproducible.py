"""Same params + same data → byte-identical artefacts, and the same executed notebooks and pages apart from the
generation timestamp, with notebooks running two at a time — whichever compute engine runs the heavy transforms.

``make test`` runs the demo first (reports/demo, DuckDB); this test reruns it into a scratch folder with
``compute: {engine: spark}`` (PySpark local mode) and compares every file under ``artefacts/``, every page's HTML
and every executed notebook's outputs (with the output folder, clock times and the params line naming the engine
masked: they are meant to differ). Without pyspark or Java the rerun uses DuckDB and the test still checks
reproducibility (the Spark parity tests of each transform then skip with their reason).

Before the runner derived its order from the artefact
registry, notebook 03 read notebook 02's grades while 02 might still be running, so two runs could differ; before
issue 16, pandas Styler tables had random ids and the pages showed run times.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from abm_lab.compute import spark_unavailable
from abm_lab.pipeline.runner import run_params

ROOT = Path(__file__).resolve().parents[2]


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _run(tmp_path: Path, name: str, engine: str = "duckdb") -> Path:
    params = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text())
    params["run"].update({"name": name, "output_dir": str(tmp_path / "reports")})
    if engine != "duckdb":
        params.setdefault("compute", {})["engine"] = engine
    tmp_path.mkdir(parents=True, exist_ok=True)
    p = tmp_path / f"{name}.yaml"
    p.write_text(yaml.safe_dump(params))
    return run_params(p, quiet=True, root=ROOT)


#: The second run's engine: Spark where it can start here (``tests/conftest.py`` says why not otherwise).
SECOND_ENGINE = "duckdb" if spark_unavailable() else "spark"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("rerun")
    first = ROOT / "reports" / "demo"
    if not (first / "manifest.json").exists():  # pytest run on its own: make the first run here
        first = _run(tmp / "first", "demo")
    second = _run(tmp / "second", "demo", SECOND_ENGINE)  # the same run name, another output folder
    assert yaml.safe_load((second / "manifest.json").read_text())["params"]["compute"]["engine"] == SECOND_ENGINE
    return first, second


def test_two_demo_runs_give_identical_artefacts(runs):
    first, second = runs
    a, b = _hashes(first / "artefacts"), _hashes(second / "artefacts")
    assert a.keys() == b.keys()
    differ = sorted(k for k in a if a[k] != b[k])
    assert not differ, f"artefacts differ between the DuckDB run and the {SECOND_ENGINE} run: {differ}"


#: What may differ between two runs of the same params and data: clock times, the code version and the output
#: folder.
CLOCK = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?( UTC|Z|\+00:00)?")
COMMIT = re.compile(r"\b[0-9a-f]{40}(\+dirty)?\b")
#: The params line naming the engine (on the run page's params listing).
ENGINE = re.compile(r"\bengine: (duckdb|spark)\b")


def _masked(text: str, run_dir: Path) -> str:
    text = text.replace(str(run_dir.parent), "reports")  # the second run sits in a scratch output folder
    return ENGINE.sub("engine: <engine>", COMMIT.sub("<commit>", CLOCK.sub("<time>", text)))


def _outputs(nb_path: Path) -> list[str]:
    nb = nbformat.read(str(nb_path), as_version=4)
    return [
        _masked(str(o.get("data") or o.get("text") or ""), nb_path.parent)
        for c in nb.cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
        for o in c.get("outputs", [])
    ]


def test_two_demo_runs_give_identical_pages_and_notebooks(runs):
    first, second = runs
    pages = sorted(p.name for p in first.glob("*.html"))
    assert pages == sorted(p.name for p in second.glob("*.html")) and len(pages) >= 7
    differ = [p for p in pages if _masked((first / p).read_text(), first) != _masked((second / p).read_text(), second)]
    assert not differ, f"pages differ between two runs (beyond the timestamp): {differ}"
    nbs = sorted(p.name for p in first.glob("*.ipynb"))
    differ = [n for n in nbs if _outputs(first / n) != _outputs(second / n)]
    assert not differ, f"executed notebooks' outputs differ between two runs: {differ}"
