"""Full `abm-lab run` on synthetic worlds: wall time per stage and peak RSS of the whole process tree.

Run: .venv/bin/python benchmarks/bench_full_run.py [--sizes 10000,100000] [--large] [--workdir DIR] [--keep]
Each size (accounts; 10 contacts and 100 touchpoints per account) gets its own params YAML, data folder and run
folder under the workdir (default: a fresh temporary folder, removed at the end unless --keep). The run is a
subprocess; every 0.5 s the summed RSS of it and all its descendants (notebook kernels) is sampled. Per-stage
seconds come from the run's manifest.json ("timings", "total_seconds"); the world is generated before the run
(`abm-lab demo-data`, timed apart as "generate"), so load_data is reading and validating it. The manifest's
"schedule" (each notebook's start and end) attributes the sampled tree RSS to the stages running at the time.
Copy the figures into the README's Measured table.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).parent / "abm-lab"


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_size(n: int, workdir: Path) -> dict:
    params = {
        "run": {
            "name": f"bench-{n}",
            "output_dir": str(workdir / f"run-{n}"),
            "as_of": "2026-12-31",
            "window_start": "2026-10-01",
            "window_end": "2026-12-31",
        },
        "data": {"source": "demo", "path": str(workdir / f"data-{n}")},
        "demo": {"n_accounts": n, "n_contacts": 10 * n, "n_touchpoints": 100 * n},
    }
    pp = workdir / f"params-{n}.yaml"
    pp.write_text(yaml.safe_dump(params, sort_keys=False))
    # the world is generated first and timed apart: a real company's run reads its exports, it generates nothing
    t0 = time.perf_counter()
    subprocess.run([str(CLI), "demo-data", str(pp)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    generate = time.perf_counter() - t0
    t0 = time.perf_counter()
    child = subprocess.Popen([str(CLI), "run", str(pp), "--force", "--quiet"], cwd=ROOT)
    proc = psutil.Process(child.pid)
    samples: list[tuple[float, int]] = []
    while child.poll() is None:
        samples.append((time.perf_counter() - t0, tree_rss(proc)))
        time.sleep(0.5)
    wall = time.perf_counter() - t0
    if child.returncode != 0:
        raise SystemExit(f"abm-lab run failed for {n} accounts (exit {child.returncode})")
    manifest = json.loads((workdir / f"run-{n}" / f"bench-{n}" / "manifest.json").read_text())
    total = manifest.get("total_seconds", wall)
    # the runner's clock starts after its imports: align its schedule with the samples by the end of the run
    offset = max(0.0, wall - total)
    timings = manifest.get("timings", {})
    windows = {"load_data": (0.0, timings.get("load_data", 0.0))}
    windows.update({nb: (a, b) for nb, (a, b) in manifest.get("schedule", {}).items()})
    stage_peak = {
        k: max((r for t, r in samples if a + offset <= t <= b + offset), default=0) / 1e9
        for k, (a, b) in windows.items()
    }
    return {
        "n": n,
        "generate": generate,
        "timings": timings,
        "total": total,
        "wall": wall,
        "peak_gb": max((r for _, r in samples), default=0) / 1e9,
        "stage_peak_gb": stage_peak,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated account counts")
    ap.add_argument("--large", action="store_true", help="add 300000 accounts")
    ap.add_argument("--workdir", help="folder for params, data and runs (default: a fresh temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the workdir the script created")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.large and 300_000 not in sizes:
        sizes.append(300_000)
    created = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="abm-bench-full-")) if created else Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        rows = [run_size(n, workdir) for n in sizes]
    finally:
        if created and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"workdir kept: {workdir}")
    stages = list(rows[0]["timings"])
    head = ["size", "touchpoints", "generate s", *[f"{s} s" for s in stages], "run total s", "peak GB"]
    print(" | ".join(head))
    for r in rows:
        t = r["timings"]
        cells = [f"{r['n'] // 1000}k", f"{100 * r['n']:,}", f"{r['generate']:.1f}"]
        cells += [f"{t.get(s, 0):.1f}" for s in stages] + [f"{r['total']:.1f}", f"{r['peak_gb']:.2f}"]
        print(" | ".join(cells))
    print("peak RSS of the whole process tree while each stage ran (GB; notebooks run two at a time):")
    for r in rows:
        print(f"  {r['n'] // 1000}k: " + ", ".join(f"{k} {v:.2f}" for k, v in r["stage_peak_gb"].items()))
    for a, b in zip(rows, rows[1:], strict=False):
        k = math.log(b["n"] / a["n"])
        print(
            f"growth {a['n']:,} -> {b['n']:,}: time n^{math.log(b['total'] / a['total']) / k:.2f}, "
            f"memory n^{math.log(b['peak_gb'] / a['peak_gb']) / k:.2f}"
        )


if __name__ == "__main__":
    main()
