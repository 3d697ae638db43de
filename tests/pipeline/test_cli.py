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


LIFT_PARAMS = """run:
  name: lift
  as_of: 2026-12-31
  window_start: 2026-10-01
  window_end: 2026-12-31
data:
  source: demo
  path: {path}
demo:
  n_accounts: 400
  n_contacts: 2000
  n_touchpoints: 6000
roi:
  lift:
    n_boot: 39
"""


def test_lift_json_schema(tmp_path):
    """``abm-lab lift PARAMS --json``: the demo world is generated, touches mapped in-process, schema of issue 11."""
    import json

    params = tmp_path / "p.yaml"
    params.write_text(LIFT_PARAMS.format(path=tmp_path / "demo"))
    r = subprocess.run([*CLI, "lift", str(params), "--json"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert list(d) == ["headline_method", "effects", "roi", "diagnostics"]
    assert d["headline_method"] == "imputation"
    keys = ["outcome", "method", "estimate", "ci_low", "ci_high", "relative", "rel_low", "rel_high"]
    assert all(list(e) == keys for e in d["effects"])
    outcomes = {e["outcome"] for e in d["effects"] if e["method"] == "imputation"}
    assert outcomes == {"opp_rate", "pipeline", "won_revenue", "win_rate", "deal_size"}
    assert list(d["roi"]) == ["estimate", "ci_low", "ci_high", "projected", "projected_low", "projected_high", "cost"]
    assert {"event_study", "pretrend", "placebo", "balance", "overlap", "verdicts"} <= set(d["diagnostics"])
    assert any(b["covariate"].startswith("touches") for b in d["diagnostics"]["balance"])  # mapped touches used
    table = subprocess.run([*CLI, "lift", str(params)], capture_output=True, text=True, cwd=ROOT)
    assert table.returncode == 0 and "ROI realised" in table.stdout and "won_revenue" in table.stdout


def test_lift_clear_error_without_programs(tmp_path):
    for t, text in {
        "accounts": "account_id,name\nA1,Acme\n",
        "contacts": "contact_id\nC1\n",
        "opportunities": "opportunity_id,account_id,created_date,stage,amount\nO1,A1,2026-01-05,discovery,10\n",
        "touchpoints": "touchpoint_id,timestamp,channel,activity_type\n",
    }.items():
        (tmp_path / f"{t}.csv").write_text(text)
    params = tmp_path / "p.yaml"
    params.write_text(f"data:\n  source: folder\n  path: {tmp_path}\n")
    r = subprocess.run([*CLI, "lift", str(params), "--json"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "programs" in r.stderr
