"""Command line: ``abm-lab run``, ``abm-lab demo-data``, ``abm-lab validate``, ``abm-lab new-quarter``,
``abm-lab lift``, ``abm-lab open`` (a workspace copy of a notebook, :mod:`abm_lab.pipeline.workspace`),
``abm-lab design-holdout`` (:mod:`abm_lab.experiment.cli`).

Errors in data or params (:class:`~abm_lab.errors.ABMDataError`, :class:`~abm_lab.errors.ABMParamsError`) are
printed as one clear message (file, column, rows) without a traceback, exit code 2; a failed run or a missing or
malformed artefact (:class:`~abm_lab.errors.ABMRunError`, :class:`~abm_lab.errors.ABMArtefactError`) exits 3.

Every command finds the params file and resolves the paths inside it the same way, whichever the working
directory (:mod:`abm_lab.pipeline.paths`: against the project root of the params file).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ..errors import ABMArtefactError, ABMDataError, ABMParamsError, ABMRunError
from .paths import locate_params, project_root, resolve, resolve_path


def _load(arg: str):
    """(params, project root) of the params file named on the command line."""
    from ..config import load_params

    pp = locate_params(arg)
    return load_params(pp), project_root(pp)


def _cmd_run(a) -> int:
    from .runner import run_params

    pp = locate_params(a.params)
    run_params(pp, force=a.force, quiet=a.quiet, root=project_root(pp))
    return 0


def _cmd_demo_data(a) -> int:
    from ..synth import ensure_world

    params, root = _load(a.params)
    data_path = resolve_path(params.data.path, root)
    out = Path(a.out).resolve() if a.out else data_path
    if params.data.source != "demo" and (not a.out or out == data_path):
        raise ABMParamsError(
            f"{a.params}: data.source is '{params.data.source}' (data.path {params.data.path} → {data_path}), not "
            "'demo': demo-data generates the synthetic world only for a demo source and never into a real-data "
            "folder; use a demo params file (e.g. params/demo.yaml) or --out NEW_FOLDER",
            file=str(a.params),
            column="data.source",
            reason="not a demo source",
        )
    t = time.perf_counter()
    ensure_world(params.demo, params.run.as_of, out, force=a.force)
    print(
        f"Synthetic world (seed {params.demo.seed}) in {out}/ ({time.perf_counter() - t:.1f} s); truth in {out}/truth/"
    )
    return 0


def _cmd_validate(a) -> int:
    from ..data.io import load_dataset
    from ..data.readiness import check_ready

    params, root = _load(a.params)
    ds = load_dataset(params, root)
    for k, v in ds.tables.items():
        print(f"{k:15s} {len(v):>10,} rows  ({ds.files.get(k, '-')})")
    notes = check_ready(ds, params)  # what would stop a notebook of this run stops validate too
    if ds.import_report is not None:  # files and columns not used, merges and derivations of the import
        for line in ds.import_report.lines():
            print(line)
    for n in notes:
        print(f"note: {n}")
    for w in ds.warnings:  # loaded, but worth a look (literal NULL strings, dates after as_of, ...)
        print(f"warning: {w}")
    print(f"OK: all tables valid and ready for {', '.join(params.run.notebooks)}")
    return 0


def _cmd_open(a) -> int:
    import os

    from .workspace import committed_notebooks, instructions, lab_command, open_notebook

    params, root = _load(a.params)
    names = committed_notebooks(root) if a.notebook == "all" else [a.notebook]
    pp = locate_params(a.params)
    copies = [open_notebook(n, pp, params, root, force=a.force, keep=a.keep_existing) for n in names]
    target = copies[0].path.parent if a.notebook == "all" else copies[0].path
    command = lab_command(target, Path.cwd())
    print(instructions(copies, command, Path.cwd()))
    if a.lab:  # hand the terminal over to JupyterLab
        sys.stdout.flush()
        os.execvp(command[0], command)
    return 0


def _cmd_new_quarter(a) -> int:
    from .quarters import new_quarter_params

    p = new_quarter_params(a.quarter, locate_params(a.params_dir))  # params/ of the project, from any subfolder
    print(f"Created {p}")
    return 0


def _lift_table(d: dict) -> str:
    """Readable table of :meth:`abm_lab.roi.lift.LiftReport.to_dict`."""

    def num(v, pct: bool = False) -> str:
        if v is None:
            return "-"
        return f"{v:+.1%}" if pct else f"{v:,.4g}" if abs(v) < 100 else f"{v:,.0f}"

    lines = [f"Lift of the ABM programme on its targets (headline: {d['headline_method']})", ""]
    lines.append(f"{'outcome':12s} {'method':18s} {'effect':>10s} {'95% interval':>24s} {'relative':>9s}")
    for e in d["effects"]:
        ci = f"[{num(e['ci_low'])}, {num(e['ci_high'])}]"
        lines.append(
            f"{e['outcome']:12s} {e['method']:18s} {num(e['estimate']):>10s} {ci:>24s} {num(e['relative'], True):>9s}"
        )
    x = d["diagnostics"].get("experiment")
    if x:
        srm = x["sample_ratio"]
        lines += [
            "",
            f"Randomised holdout: {x['n_treatment']} treatment, {x['n_control']} control accounts "
            f"(control share {srm['observed_share']:.1%}, pre-registered {srm['expected_share']:.1%}, "
            f"sample-ratio p = {srm['p_value']:.2g}); {'headline' if x['headline'] else 'NOT the headline'}",
        ]
    r = d["roi"]
    lines += [
        "",
        f"ROI realised  {num(r['estimate'], True)}  [{num(r['ci_low'], True)}, {num(r['ci_high'], True)}]",
        f"ROI projected {num(r['projected'], True)}  [{num(r['projected_low'], True)}, "
        f"{num(r['projected_high'], True)}]",
        f"cost {num(r['cost'])}",
    ]
    verdicts = d["diagnostics"].get("verdicts") or ["diagnostics pass"]
    lines += [""] + [f"! {v}" for v in verdicts]
    return "\n".join(lines)


def _cmd_lift(a) -> int:
    import json

    from ..data.io import load_dataset
    from ..roi.lift.report import estimated_touch_accounts, run_lift

    params, root = _load(a.params)
    ds = load_dataset(params, root)
    touches = estimated_touch_accounts(ds.tables, params.mapping)
    experiment = resolve(params, root).experiment  # its file paths, resolved like data.path
    report = run_lift(
        ds.tables, touches, as_of=params.run.as_of, params=params.roi, experiment=experiment, compute=params.compute
    )
    out = report.to_dict()
    print(json.dumps(out, indent=2, sort_keys=False) if a.json else _lift_table(out))
    return 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="abm-lab", description="ABM Lab: open, reproducible ABM analytics.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="execute the notebooks for a params file and render the reports")
    r.add_argument("params", help="params YAML, e.g. params/demo.yaml")
    r.add_argument("--force", action="store_true", help="overwrite an existing run folder")
    r.add_argument("--quiet", "-q", action="store_true", help="no progress output (CI)")
    r.set_defaults(func=_cmd_run)
    d = sub.add_parser("demo-data", help="generate the synthetic demo world")
    d.add_argument("params", nargs="?", default="params/demo.yaml")
    d.add_argument("--out", help="output folder (default: data.path from params)")
    d.add_argument("--force", action="store_true", help="regenerate even if up to date")
    d.set_defaults(func=_cmd_demo_data)
    v = sub.add_parser("validate", help="load and validate the data of a params file")
    v.add_argument("params")
    v.set_defaults(func=_cmd_validate)
    li = sub.add_parser("lift", help="estimate the programme's lift and ROI (headline method) without notebooks")
    li.add_argument("params", help="params YAML, e.g. params/demo.yaml")
    li.add_argument("--json", action="store_true", help="print JSON (effects, roi, diagnostics)")
    li.set_defaults(func=_cmd_lift)
    o = sub.add_parser(
        "open",
        help="copy a committed notebook into workspace/ with the params filled in, and print the jupyter lab "
        "command that opens it",
    )
    o.add_argument("notebook", help="e.g. 02, 02_account_grading, notebooks/02_account_grading.ipynb, or all")
    o.add_argument("params", nargs="?", default="params/demo.yaml", help="params YAML (default params/demo.yaml)")
    o.add_argument("--force", action="store_true", help="replace an existing workspace copy (its edits are lost)")
    o.add_argument("--keep-existing", action="store_true", help="leave existing workspace copies as they are")
    o.add_argument("--lab", action="store_true", help="also start JupyterLab on the copy")
    o.set_defaults(func=_cmd_open)
    q = sub.add_parser("new-quarter", help="create params/<QUARTER>.yaml from the latest quarter's file")
    q.add_argument("quarter", help="e.g. 2026Q4")
    q.add_argument("--params-dir", default="params")
    q.set_defaults(func=_cmd_new_quarter)
    from ..experiment.cli import add_parser as add_design_holdout

    add_design_holdout(sub)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ABMDataError as exc:  # ABMParamsError too
        print(f"abm-lab: error: {exc}", file=sys.stderr)
        return 2
    except ABMArtefactError as exc:
        print(f"abm-lab: error: {exc}", file=sys.stderr)
        return 3
    except ABMRunError as exc:
        print(f"abm-lab: {'run failed' if args.cmd == 'run' else 'error'}: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:  # pragma: no cover
        print("abm-lab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
