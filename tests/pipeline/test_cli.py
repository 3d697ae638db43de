"""The CLI prints data errors as one message, without a traceback, and exits non-zero."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "abm_lab.pipeline.cli"]


def test_validate_bad_folder_prints_clear_error(tmp_path):
    (tmp_path / "accounts.csv").write_text("account_id,name\nA1,Acme\nA1,Acme again\n")
    for t, text in {
        "contacts": "contact_id\nC1\n",
        "opportunities": "opportunity_id,stage\n",
        "touchpoints": "touchpoint_id,timestamp,channel,activity_type\n",
    }.items():
        (tmp_path / f"{t}.csv").write_text(text)
    params = tmp_path / "p.yaml"
    params.write_text(f"data:\n  source: folder\n  path: {tmp_path}\n")
    r = subprocess.run(
        [*CLI, "validate", str(params)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "accounts.csv" in r.stderr and "account_id" in r.stderr and "line 3" in r.stderr


def test_bad_params_exit_code(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("grading: [1, 2\n")
    r = subprocess.run(
        [*CLI, "validate", str(params)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr and "p.yaml" in r.stderr
