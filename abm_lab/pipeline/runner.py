"""Run the notebooks of one params file with papermill and render the reports.

``run_params("params/demo.yaml")`` → ``reports/<run>/``: executed notebooks, HTML reports
(code hidden), ``index.html``, ``artefacts/``, ``manifest.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

from ..artefacts import notebook_dependencies
from ..config import load_params
from ..data.cache import data_fingerprint, give_back_memory, save_canonical
from ..data.io import load_dataset
from ..data.readiness import check_ready
from ..errors import ABMRunError
from ..report.stable import normalise_executed
from .context import find_root
from .manifest import build_manifest
from .paths import project_root
from .runfolder import replacing, run_folder

PAGE_TITLES = {
    "00_data_health": "Data health",
    "01_icp_discovery": "Ideal customer profile",
    "02_account_grading": "Account grading and target list",
    "03_lead_to_account": "Lead-to-account mapping and buying committees",
    "04_engagement": "Account engagement scores",
    "05_program_roi": "Program ROI",
}


def _log(msg: str, quiet: bool) -> None:
    if not quiet:
        print(msg, flush=True)


def kernel_environment() -> None:
    """Environment for executed notebooks: no progress bars or warnings in outputs, and a clean IPython
    profile (no user startup files, so runs are reproducible) whose kernel logs only critical errors
    (keeps the terminal free of kernel transport warnings)."""
    import tempfile

    os.environ.setdefault("TQDM_DISABLE", "1")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    if "ABM_LAB_IPYTHONDIR" not in os.environ:
        d = Path(tempfile.mkdtemp(prefix="abm-lab-ipython-"))
        (d / "profile_default").mkdir(parents=True, exist_ok=True)
        (d / "profile_default" / "ipython_kernel_config.py").write_text('c.IPKernelApp.log_level = "CRITICAL"\n')
        os.environ["ABM_LAB_IPYTHONDIR"] = str(d)
    os.environ["IPYTHONDIR"] = os.environ["ABM_LAB_IPYTHONDIR"]


#: Kernel starts tried per notebook when a kernel dies before it answers (a port race between parallel kernels,
#: before any cell ran); any other failure is reported at once.
KERNEL_START_ATTEMPTS = 3
#: How jupyter_client words a kernel that died while starting.
KERNEL_DIED = "Kernel died before replying to kernel_info"


def execute_notebook(
    src: Path, dst: Path, parameters: dict, cwd: Path, cell_timeout: int = 1800, start_timeout: int = 120
) -> None:
    """Execute one notebook; raise ABMRunError naming the notebook and the failing (or timed-out) cell. Every cell
    has ``cell_timeout`` seconds and the kernel ``start_timeout`` to start; papermill shuts the kernel down
    whatever happens."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    kernel_environment()
    try:
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            try:
                pm.execute_notebook(
                    str(src),
                    str(dst),
                    parameters=parameters,
                    cwd=str(cwd),
                    progress_bar=False,
                    log_output=False,
                    kernel_name="python3",
                    request_save_on_cell_execute=False,
                    execution_timeout=cell_timeout,
                    start_timeout=start_timeout,
                )
                break
            except RuntimeError as exc:
                # two kernels starting at once can race for a free TCP port (zmq "Address already in use"): the
                # kernel dies before any cell ran, so starting a fresh one is safe
                if KERNEL_DIED not in str(exc) or attempt == KERNEL_START_ATTEMPTS:
                    raise
        normalise_executed(dst)  # same inputs → same notebook: stable table ids, no per-cell timings
    except PapermillExecutionError as exc:
        raise ABMRunError(
            f"notebook {src.name} failed in cell {exc.exec_count} (cell index {exc.cell_index}): "
            f"{exc.ename}: {exc.evalue}\nSee the executed notebook: {dst}"
        ) from None
    except Exception as exc:
        if "timeout" in type(exc).__name__.lower() or isinstance(exc, TimeoutError):
            raise ABMRunError(
                f"notebook {src.name}: {_timed_out_cell(src, dst, exc)} ran longer than run.cell_timeout = "
                f"{cell_timeout} s "
                f"(or its kernel did not start within run.kernel_start_timeout = {start_timeout} s); the kernel "
                f"was shut down. {type(exc).__name__}: {exc}"
            ) from None
        raise ABMRunError(f"notebook {src.name} could not be executed: {type(exc).__name__}: {exc}") from None


def _timed_out_cell(src: Path, dst: Path, exc: BaseException) -> str:
    """The cell that was running when execution stopped: marked so in the output notebook by papermill, or the
    source cell whose code nbclient's timeout message quotes ("a cell" when neither is known)."""
    import nbformat

    for path, quoted in ((dst, False), (src, True)):
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception:  # the output notebook may not exist yet
            continue
        for i, c in enumerate(nb.cells):
            running = c.get("metadata", {}).get("papermill", {}).get("status") == "running"
            if (running and not quoted) or (quoted and c.cell_type == "code" and c.source and c.source in str(exc)):
                first = (c.source.splitlines() or [""])[0][:60]
                return f"cell index {i} ({first!r})"
    return "a cell"
    for i, c in enumerate(nb.cells):
        if c.get("metadata", {}).get("papermill", {}).get("status") == "running":
            first = (c.source.splitlines() or [""])[0][:60]
            return f"cell index {i} ({first!r})"
    return "a cell"


#: Start order among notebooks that are ready: the longest chain (01 → 02 → 04) first.
PRIORITY = {
    "01_icp_discovery": 0,
    "03_lead_to_account": 1,
    "02_account_grading": 2,
    "04_engagement": 3,
    "05_program_roi": 4,
    "00_data_health": 5,
}


def run_notebooks(
    names: list[str],
    nb_dir: Path,
    run_dir: Path,
    parameters: dict,
    root: Path,
    quiet: bool = False,
    workers: int = 2,
    timeouts: tuple[int, int] = (1800, 120),
    schedule: dict[str, tuple[float, float]] | None = None,
) -> dict[str, float]:
    """Execute notebooks in the order the artefact registry implies, up to ``workers`` at a time.

    A notebook starts only when every notebook whose artefacts it reads (in this run) has finished.
    Returns seconds per notebook; ``schedule``, when given, receives each notebook's (start, end) on the
    ``time.perf_counter`` clock (benchmarks attribute the process tree's memory to the notebooks running)."""
    depends = notebook_dependencies(names)
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

    pending = list(names)
    done: set[str] = set()
    times: dict[str, float] = {}
    bar = None
    if not quiet:
        from tqdm import tqdm

        bar = tqdm(total=len(names), desc="notebooks", unit="notebook")

    def job(nb: str) -> tuple[str, float]:
        t = time.perf_counter()
        execute_notebook(nb_dir / f"{nb}.ipynb", run_dir / f"{nb}.ipynb", parameters, root, *timeouts)
        end = time.perf_counter()
        if schedule is not None:
            schedule[nb] = (t, end)
        return nb, end - t

    with ThreadPoolExecutor(max_workers=max(1, workers)) as ex:
        running: dict[Future[tuple[str, float]], str] = {}
        while pending or running:
            ready = sorted(
                (nb for nb in pending if all(d in done or d not in names for d in depends.get(nb, []))),
                key=lambda nb: PRIORITY.get(nb, 99),
            )
            for nb in ready[: max(0, workers - len(running))]:
                pending.remove(nb)
                running[ex.submit(job, nb)] = nb
            if not running:
                raise ABMRunError(f"notebooks {pending} wait for notebooks that are not in the run")
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for f in finished:
                nb = running.pop(f)
                try:
                    name, secs = f.result()
                except ABMRunError:
                    for other in running:
                        other.cancel()
                    raise
                done.add(name)
                times[name] = secs
                if bar is not None:
                    bar.set_postfix_str(f"{name} {secs:.0f}s")
                    bar.update(1)
    if bar is not None:
        bar.close()
    return {nb: times[nb] for nb in names}


def run_params(
    params_path: str | os.PathLike, force: bool = False, quiet: bool = False, root: str | os.PathLike | None = None
) -> Path:
    """Execute every notebook of the run, render HTML, write manifest and index. Returns the run folder."""
    pp = Path(params_path)
    pp = pp if pp.is_absolute() else (Path.cwd() / pp)
    root = find_root(root) if root is not None else project_root(pp)
    params = load_params(pp)
    reports_dir = root / params.run.output_dir
    run_dir = run_folder(reports_dir, params.run.name)
    with replacing(run_dir, force):
        return _run(pp, params, root, reports_dir, run_dir, quiet)


def _run(pp: Path, params: Any, root: Path, reports_dir: Path, run_dir: Path, quiet: bool) -> Path:
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    _log(f"ABM Lab run '{params.run.name}' ({pp.name}) → {run_dir}", quiet)
    _log("Loading and validating data …", quiet)
    dataset = load_dataset(params, root)  # generates the demo world on first use; fails early on bad data
    check_ready(dataset, params)  # the same check as abm-lab validate: stop before any notebook
    save_canonical(dataset, run_dir / "artefacts", data_fingerprint(params))
    timings = {"load_data": time.perf_counter() - t0}
    _log("  " + ", ".join(f"{k}: {len(v):,}" for k, v in dataset.tables.items()), quiet)
    # the notebooks read the canonical cache in their own kernels: while they run, the runner keeps only what the
    # manifest and the page check need (row counts, contacts and accounts), not the touchpoint table
    dataset = slim_dataset(dataset, keep=PAGE_CHECK_TABLES)
    give_back_memory()
    schedule: dict[str, tuple[float, float]] = {}
    nb_dir = root / "notebooks"
    for nb in params.run.notebooks:
        if not (nb_dir / f"{nb}.ipynb").exists():
            raise ABMRunError(f"notebook {nb}.ipynb named in run.notebooks does not exist in {nb_dir}")
    nb_times = run_notebooks(
        params.run.notebooks,
        nb_dir,
        run_dir,
        {"params_path": str(pp), "run_dir": str(run_dir)},
        root,
        quiet=quiet,
        workers=params.run.workers,
        timeouts=(params.run.cell_timeout, params.run.kernel_start_timeout),
        schedule=schedule,
    )
    timings.update(nb_times)
    manifest = build_manifest(params, dataset, root, timings, started)
    # seconds from the run's start at which each notebook started and ended (run-dependent, like timings)
    manifest["schedule"] = {nb: [round(a - t0, 2), round(b - t0, 2)] for nb, (a, b) in schedule.items()}
    (run_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    t = time.perf_counter()
    render_run(run_dir, params, manifest, reports_dir)
    check_pages(run_dir, dataset.tables)
    timings["render"] = time.perf_counter() - t
    manifest["timings"] = {k: round(v, 2) for k, v in timings.items()}
    manifest["total_seconds"] = round(time.perf_counter() - t0, 1)
    (run_dir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    _log(f"Done in {manifest['total_seconds']:.1f} s. Report: {run_dir / 'index.html'}", quiet)
    return run_dir


#: Tables :func:`check_pages` reads (the rest of a loaded dataset is released while the notebooks run).
PAGE_CHECK_TABLES = ("contacts", "accounts")


def slim_dataset(dataset: Any, keep: tuple[str, ...]) -> Any:
    """The dataset with only the ``keep`` tables in memory; the others become empty frames with their columns
    and :attr:`~abm_lab.data.io.Dataset.row_counts` keeps every table's size for the manifest."""
    import dataclasses

    counts = {k: int(len(v)) for k, v in dataset.tables.items()}
    tables = {k: (v if k in keep else v.head(0).copy()) for k, v in dataset.tables.items()}  # no view: frees the rows
    return dataclasses.replace(dataset, tables=tables, truth=None, row_counts=counts)


def check_pages(run_dir: Path, tables: dict) -> None:
    """Fail the run when a rendered page shows personal data (contacts' e-mail addresses or names): the pages are
    for leaders and must never show a person (:class:`abm_lab.report.PiiScanner`)."""
    from .. import report

    if "contacts" not in tables:
        return
    scanner = report.PiiScanner.from_tables(tables["contacts"], tables.get("accounts"))
    found = scanner.scan_files(sorted(run_dir.glob("*.html")))
    if found:
        page, hits = next(iter(found.items()))
        raise ABMRunError(
            f"personal data on the rendered page {Path(page).name}: {', '.join(hits[:3])}"
            + (f" (and {len(found) - 1} more page(s))" if len(found) > 1 else "")
            + "; pages must not show contacts — aggregate or pseudonymise them in the notebook"
        )


def render_run(run_dir: Path, params, manifest: dict, reports_dir: Path) -> None:
    from .. import report

    pages = []
    for nb in params.run.notebooks:
        title = PAGE_TITLES.get(nb, nb.replace("_", " "))
        out = report.render_notebook_html(run_dir / f"{nb}.ipynb", run_dir / f"{nb}.html", title, manifest)
        pages.append({"title": title, "href": out.name, "summary": ""})
    prev = report.find_previous_run(reports_dir, manifest)
    report.build_run_index(run_dir, manifest, pages, prev)
    report.build_reports_index(reports_dir)
