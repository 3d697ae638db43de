"""Synthetic-world generator: wall time and peak memory at the default size and at 100k accounts / 10M touchpoints.

Run: .venv/bin/python benchmarks/bench_generator.py [--only default|large]
Peak memory is the process's maximum resident set size (ru_maxrss), measured in a fresh
subprocess per size so one size does not inflate the other.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

SIZES = {
    "default": dict(n_accounts=2_000, n_contacts=20_000, n_touchpoints=500_000),
    "large": dict(n_accounts=100_000, n_contacts=1_000_000, n_touchpoints=10_000_000),
}

CHILD = r"""
import json, resource, sys, time
from abm_lab.config.core import DemoParams
from abm_lab.synth import generate_world
size = json.loads(sys.argv[1])
t = time.perf_counter()
w = generate_world(DemoParams(**size), "2026-12-31")
dt = time.perf_counter() - t
rss_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
print(json.dumps({"seconds": round(dt, 2), "peak_rss_gb": round(rss_gb, 2), "sizes": w.meta["sizes"]}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", choices=list(SIZES))
    args = ap.parse_args()
    for name, size in SIZES.items():
        if args.only and name != args.only:
            continue
        out = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps(size)], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        s = r["sizes"]
        print(
            f"{name:8s} accounts={s['accounts']:>7,} contacts={s['contacts']:>9,} touchpoints={s['touchpoints']:>10,} "
            f"opportunities={s['opportunities']:>6,}  time={r['seconds']:6.1f} s  peak RSS={r['peak_rss_gb']:.2f} GB"
        )


if __name__ == "__main__":
    main()
