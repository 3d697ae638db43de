"""``abm-lab design-holdout PARAMS [--share auto|0.1] [--seed N] [--force]``: design the randomised holdout of the
next quarter's target list and write its assignment, design record, pre-registration and power chart into the
run's artefacts folder (registered by :mod:`abm_lab.pipeline.cli`; heavy imports happen only when it runs).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``design-holdout`` command on the CLI's subparsers."""
    p = subparsers.add_parser(
        "design-holdout",
        help="randomise a holdout of the next quarter's target list and pre-register the experiment",
    )
    p.add_argument("params", help="params YAML, e.g. params/demo.yaml")
    p.add_argument(
        "--share",
        default=None,
        help="holdout share (e.g. 0.1) or 'auto' (smallest share reaching experiment.target_mde); "
        "default experiment.holdout_share",
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the assignment (default experiment.seed / run.seed)")
    p.add_argument("--force", action="store_true", help="overwrite this command's four files if they exist")
    p.set_defaults(func=cmd_design_holdout)
    return p


def cmd_design_holdout(args: argparse.Namespace) -> int:
    """Run the command: the target list, the history and the touches of the run → the four design artefacts."""
    from ..artefacts import artefact
    from ..config import load_params
    from ..pipeline.context import RunContext
    from ..pipeline.paths import locate_params, project_root
    from .design import OUTPUTS, design_holdout, parse_share, read_target_list, sha256_file

    t0 = time.perf_counter()
    pp = locate_params(args.params)
    root = project_root(pp)
    params = load_params(pp)
    ep = params.experiment
    share = parse_share(args.share, params)  # bad input fails before any data is read
    run_dir = Path(params.run.output_dir) / params.run.name
    run_dir = run_dir if run_dir.is_absolute() else root / run_dir
    folder = run_dir / "artefacts"
    if ep.target_list is not None:
        tl = Path(ep.target_list)
        target_path = tl if tl.is_absolute() else root / tl
    else:
        target_path = folder / artefact("target_accounts").file
    existing = [str(folder / artefact(n).file) for n in OUTPUTS if (folder / artefact(n).file).exists()]
    if existing and not args.force:  # before any work: never overwrite silently
        from ..errors import ABMArtefactError

        raise ABMArtefactError(
            f"holdout design files exist already: {', '.join(existing)}; pass --force to overwrite them",
            artefact=OUTPUTS[0],
            file=existing[0],
        )
    targets = read_target_list(target_path, from_run=ep.target_list is None)
    ctx = RunContext(params, run_dir, root)
    touches = ctx.load("touchpoints_mapped", required=False)
    if touches is None and "engagement_band" in ep.strata:
        from ..roi.lift.report import estimated_touch_accounts

        touches = estimated_touch_accounts(ctx.tables, params.mapping)
    design = design_holdout(
        targets,
        ctx.tables["opportunities"],
        touches,
        params,
        share=share,
        seed=args.seed,
        provenance={
            "target_list": str(target_path),
            "target_list_sha256": sha256_file(target_path),
            "params_file": str(args.params),
        },
    )
    paths = design.write(folder, force=args.force)
    print(design.summary().as_text())
    print()
    for p in paths.values():
        print(f"wrote {p}")
    print(f"({time.perf_counter() - t0:.1f} s)")
    return 0
