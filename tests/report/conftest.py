"""Fixtures of the report tests: a small fake run (executed-looking notebook, typed summaries, manifest, pages).

``example_run`` builds a run folder without a kernel; its summaries are validated against the summary models of
:mod:`abm_lab.artefacts.summaries` (the same contract the stages write), so the report is tested on what the
stages really produce. ``runs`` is a reports folder with two quarters, the second compared with the first.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from abm_lab import report, style
from abm_lab.artefacts import SUMMARY_MODELS

#: Fields a summary model requires, filled in when a test gives only the figures it is about.
REQUIRED: dict[str, dict[str, Any]] = {
    "grading": {
        "accounts": 582,
        "target_accounts": 342,
        "grade_counts": {"A": 42, "B": 96, "C": 204, "D": 240},
        "tiers": {"strategic": 12, "abm_lite": 90, "programmatic": 240},
    },
    "mapping": {
        "contacts": 1000,
        "matched": 912,
        "ambiguous": 30,
        "unmatched": 58,
        "match_rate": 0.912,
        "by_method": {"crm_link": 212, "email_domain": 700},
    },
    "engagement": {
        "accounts_scored": 500,
        "as_of": "2026-09-30",
        "horizon_days": 90,
        "test_rows": 1000,
        "test_base_rate": 0.05,
    },
    "icp": {"accounts": 582, "positives": 90, "base_rate": 0.155, "target": "customer", "model": "logit"},
    "roi": {},
}

EXAMPLE_SUMMARIES: dict[str, dict[str, Any]] = {
    "grading": {"target_accounts": 342},
    "mapping": {"match_rate": 0.912},
    "engagement": {"auc_gbm": 0.81},
    "roi": {
        "engaged_accounts": 287,
        "mqas": 131,
        "pipeline": 4_350_000,
        "win_rate": 0.31,
        "roi": 1.42,
        "roi_low": 0.35,
        "roi_high": 2.6,
    },
}

PREV = {
    "grading": {"target_accounts": 300},
    "roi": {
        "engaged_accounts": 250,
        "mqas": 140,
        "pipeline": 3_900_000,
        "win_rate": 0.28,
        "roi": 0.9,
        "roi_low": -0.2,
        "roi_high": 1.9,
    },
}


def write_summary(run_dir: Path, section: str, values: dict[str, Any]) -> Path:
    """Write ``summary_<section>.json`` as ``RunContext.save_summary`` does (validated, sorted, without None)."""
    typed = SUMMARY_MODELS[section].model_validate({**REQUIRED[section], **values})
    p = Path(run_dir) / report.ARTEFACTS / f"summary_{section}.json"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(typed.model_dump(exclude_none=True), indent=2, sort_keys=True))
    return p


def _figure_png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    style.apply()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(["A", "B", "C", "D"], [42, 96, 180, 240], color=[style.GRADE_COLORS[g] for g in "ABCD"])
    style.titles(ax, "Accounts by grade", "Grade", "Accounts (count)")
    style.source_line(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _notebook(png: str) -> nbformat.NotebookNode:
    nbv = nbformat.v4
    table = (
        '<table class="dataframe"><thead><tr><th>grade</th><th>accounts</th><th>share</th></tr></thead>'
        "<tbody><tr><td>A</td><td>42</td><td>7.4%</td></tr><tr><td>B</td><td>96</td><td>16.8%</td></tr>"
        "</tbody></table>"
    )
    cells = [
        nbv.new_markdown_cell("# Example report\nWhat this page shows and why it matters."),
        nbv.new_code_cell('params_path = "params/demo.yaml"\nrun_dir = None', metadata={"tags": ["parameters"]}),
        nbv.new_markdown_cell("## Executive summary"),
        nbv.new_code_cell(
            "display(Markdown(summary))",
            outputs=[
                nbv.new_output(
                    "display_data",
                    data={
                        "text/markdown": "The program reached **342** target accounts; pipeline is $4.35M.",
                        "text/plain": "<IPython.core.display.Markdown object>",
                    },
                )
            ],
        ),
        nbv.new_markdown_cell("## Accounts by grade\nCaption: how many accounts fall in each grade."),
        nbv.new_code_cell(
            "fig",
            outputs=[
                nbv.new_output("stream", name="stderr", text="UserWarning: this must not reach a report\n"),
                nbv.new_output(
                    "display_data", data={"image/png": png, "text/plain": "<Figure size 700x320 with 1 Axes>"}
                ),
                nbv.new_output(
                    "execute_result", data={"text/plain": "Text(0.5, 1.0, 'Accounts by grade')"}, execution_count=3
                ),
            ],
        ),
        nbv.new_code_cell(
            "table",
            outputs=[
                nbv.new_output(
                    "execute_result", execution_count=4, data={"text/html": table, "text/plain": "grade accounts"}
                )
            ],
        ),
        nbv.new_code_cell(
            "# NBVAL_CHECK_OUTPUT\nprint(x)",
            outputs=[nbv.new_output("stream", name="stdout", text="target accounts: 342\n")],
        ),
        nbv.new_code_cell(
            "explorer",
            outputs=[
                nbv.new_output(
                    "display_data",
                    data={
                        report.WIDGET_MIME: {"model_id": "abc", "version_major": 2, "version_minor": 0},
                        "text/plain": "VBox(children=(...))",
                    },
                )
            ],
        ),
        nbv.new_code_cell(
            "1/0",
            outputs=[
                nbv.new_output(
                    "error",
                    ename="ZeroDivisionError",
                    evalue="division by zero",
                    traceback=["Traceback (most recent call last)", "ZeroDivisionError"],
                )
            ],
        ),
        nbv.new_markdown_cell("## Method notes\nGrades come from calibrated fit scores; see the package docs."),
    ]
    return nbv.new_notebook(
        cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )


def build_example_run(
    run_dir: Path,
    run: str = "example",
    summaries: dict[str, dict[str, Any]] | None = None,
    window: tuple[str, str] = ("2026-07-01", "2026-09-30"),
    previous_run_dir: Path | None = None,
) -> Path:
    """Build a small fake run (one executed-looking notebook, summaries, manifest, pages) without a kernel.

    ``summaries`` ({section: figures}) replaces the example's summaries; each section's required fields are
    filled in and the result must validate against its summary model. Returns ``run_dir/index.html``.
    """
    run_dir = Path(run_dir)
    (run_dir / report.ARTEFACTS).mkdir(parents=True, exist_ok=True)
    for sec, vals in (EXAMPLE_SUMMARIES if summaries is None else summaries).items():
        write_summary(run_dir, sec, vals)
    nb_path = run_dir / "01_example.ipynb"
    nbformat.write(_notebook(_figure_png()), nb_path)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    manifest = {
        "run": run,
        "params": {
            "run": {"name": run, "as_of": window[1], "window_start": window[0], "window_end": window[1]},
            "data": {"source": "demo", "path": "data/demo"},
            "report": {
                "targets": {
                    "target_accounts": 350,
                    "engaged_accounts": 300,
                    "mqas": 120,
                    "pipeline": 4_000_000,
                    "win_rate": 0.30,
                    "roi": 1.0,
                }
            },
        },
        "inputs": {"data/demo/accounts.parquet": "0" * 64},
        "packages": {"abm-lab": "0.1.0"},
        "git_commit": "0000000000000000000000000000000000000000",
        "timings": {"01_example": 1.2},
        "started": now.isoformat(),
        "finished": now.isoformat(),
    }
    (run_dir / report.MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))
    report.render_notebook_html(nb_path, run_dir / "01_example.html", "Example report", manifest)
    pages = [
        {"title": "Example report", "href": "01_example.html", "summary": "Accounts by grade, with a method note."}
    ]
    return report.build_run_index(run_dir, manifest, pages, previous_run_dir)


@pytest.fixture(scope="session")
def example_run() -> Callable[..., Path]:
    """The builder of a fake run: ``example_run(run_dir, run=..., summaries=..., window=..., previous_run_dir=...)``."""
    return build_example_run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reports folder with runs 2026Q2 and 2026Q3 (compared with 2026Q2) and the all-runs index."""
    root = tmp_path_factory.mktemp("reports")
    build_example_run(root / "2026Q2", run="2026Q2", window=("2026-04-01", "2026-06-30"), summaries=PREV)
    build_example_run(root / "2026Q3", run="2026Q3", previous_run_dir=root / "2026Q2")
    report.build_reports_index(root)
    return root


@pytest.fixture(scope="session")
def write_summary_file() -> Callable[[Path, str, dict[str, Any]], Path]:
    """``write_summary_file(run_dir, section, figures)``: a valid summary file, required fields filled in."""
    return write_summary
