"""Benchmark: lead-to-account mapping of 1,000,000 leads against 100,000 accounts.

Prints wall time per cascade step, peak memory, precision/recall against the synthetic
truth, and the speed ratio against the naive approach (rapidfuzz ``process.extractOne``
per lead over all account names) on a 10,000-lead sample.

    .venv/bin/python benchmarks/bench_mapping.py                 # full size
    .venv/bin/python benchmarks/bench_mapping.py --leads 200000 --accounts 20000 --naive-sample 100

The synthetic world comes from ``abm_lab.synth.generate_world`` and is cached as Parquet
(``--cache``, default /tmp/abm_bench_mapping_<accounts>_<leads>/); generation is not timed
and runs in a child process so that the peak memory printed is the mapping's own.
Peak memory = the process's maximum resident set size (``resource.getrusage``), printed
together with the resident size after loading the input, so the mapping's share is visible.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _current_rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:  # pragma: no cover - non-Linux
        pass
    return float("nan")


def generate(folder: Path, n_accounts: int, n_leads: int, seed: int) -> None:
    from abm_lab.config import DemoParams
    from abm_lab.synth import generate_world

    t = time.perf_counter()
    w = generate_world(
        DemoParams(n_accounts=n_accounts, n_contacts=n_leads, n_touchpoints=1000, seed=seed), "2026-12-31"
    )
    folder.mkdir(parents=True, exist_ok=True)
    w.tables["accounts"].to_parquet(folder / "accounts.parquet", index=False)
    w.tables["contacts"].to_parquet(folder / "contacts.parquet", index=False)
    w.truth["contacts"].to_parquet(folder / "truth_contacts.parquet", index=False)
    print(f"generated world in {time.perf_counter() - t:.1f} s -> {folder}", flush=True)


def naive_extract_one(names: list[str], choices: list[str], n_time: int) -> float:
    """Seconds per lead for rapidfuzz process.extractOne over all account names (timed on n_time leads)."""
    from rapidfuzz import fuzz, process, utils

    t = time.perf_counter()
    for q in names[:n_time]:
        process.extractOne(q, choices, scorer=fuzz.WRatio, processor=utils.default_process)
    return (time.perf_counter() - t) / max(1, min(n_time, len(names)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--leads", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sample", type=int, default=10_000, help="leads in the naive-vs-cascade comparison")
    ap.add_argument(
        "--naive-sample",
        type=int,
        default=200,
        help="leads actually timed with the naive extractOne (extrapolated to --sample)",
    )
    ap.add_argument("--cache", default=None)
    ap.add_argument(
        "--engine", choices=("duckdb", "spark"), default="duckdb", help="compute engine of the exact steps' key joins"
    )
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    folder = Path(a.cache or f"/tmp/abm_bench_mapping_{a.accounts}_{a.leads}_{a.seed}")
    if a.generate_only:
        generate(folder, a.accounts, a.leads, a.seed)
        return 0
    if not (folder / "truth_contacts.parquet").exists():
        # generate in a child process: its memory does not count towards the mapping's peak
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--generate-only",
                "--leads",
                str(a.leads),
                "--accounts",
                str(a.accounts),
                "--seed",
                str(a.seed),
                "--cache",
                str(folder),
            ],
            check=True,
        )

    from abm_lab.config.compute import ComputeParams
    from abm_lab.config.mapping import MappingParams
    from abm_lab.mapping import AccountIndex, map_contacts
    from abm_lab.validation.mapping import evaluate_mapping

    accounts = pd.read_parquet(folder / "accounts.parquet")
    leads = pd.read_parquet(folder / "contacts.parquet")
    truth = pd.read_parquet(folder / "truth_contacts.parquet")
    rss_loaded = _current_rss_mb()
    params = MappingParams()
    print(
        f"input: {len(leads):,} leads, {len(accounts):,} accounts; machine cores: {os.cpu_count()}; "
        f"rapidfuzz workers: {params.workers}; key joins on {a.engine}"
    )

    t = time.perf_counter()
    res = map_contacts(leads, accounts, params, compute=ComputeParams(engine=a.engine))
    total = time.perf_counter() - t
    peak = _rss_mb()
    print(
        f"\nmap_contacts: {total:.1f} s for {len(leads):,} leads ({len(leads) / total:,.0f} leads/s)  [target < 60 s]"
    )
    print("  by step (s): " + ", ".join(f"{k} {v:.1f}" for k, v in res.timings.items()))
    print(
        f"peak memory (max RSS): {peak:,.0f} MB; RSS after loading inputs: {rss_loaded:,.0f} MB; "
        f"mapping added at most {peak - rss_loaded:,.0f} MB"
    )
    c = res.counts()
    print(
        f"rows: matched {c['matched']:,} / ambiguous {c['ambiguous']:,} / unmatched {c['unmatched']:,} "
        f"(sum {sum(c.values()):,} = input {len(leads):,})"
    )
    ev = evaluate_mapping(res, truth)
    with pd.option_context("display.width", 160, "display.float_format", "{:.5f}".format):
        print("\nprecision / recall against the synthetic truth:")
        print(ev.to_string())
    print(f"identifiable leads (generator's flag): {ev.attrs['n_identifiable']:,} of {len(leads):,}")

    # ---------------- naive comparison on a sample of leads
    rng = np.random.default_rng(0)
    samp = leads.iloc[np.sort(rng.choice(len(leads), size=min(a.sample, len(leads)), replace=False))]
    idx = AccountIndex.build(accounts, params)
    t = time.perf_counter()
    map_contacts(samp, accounts, params, index=idx)
    t_cascade = time.perf_counter() - t
    t = time.perf_counter()
    AccountIndex.build(accounts, params)
    t_index = time.perf_counter() - t
    names = samp["company_name"].dropna().astype(str).tolist()
    choices = accounts["name"].astype(str).tolist()
    per_lead = naive_extract_one(names, choices, a.naive_sample)
    t_naive = per_lead * len(samp)
    print(
        f"\nnaive baseline: process.extractOne(WRatio, default_process) over all {len(choices):,} account names, "
        f"timed on {min(a.naive_sample, len(names))} leads = {per_lead * 1000:.1f} ms/lead; "
        f"extrapolated to the {len(samp):,}-lead sample: {t_naive:,.0f} s"
    )
    print(
        f"cascade on the same {len(samp):,} leads: {t_cascade:.2f} s with a prebuilt account index "
        f"(+{t_index:.1f} s to build the index once)"
    )
    print(
        f"speed ratio naive / cascade: {t_naive / t_cascade:,.0f}x (index reused), "
        f"{t_naive / (t_cascade + t_index):,.0f}x (index build included)"
    )
    print(
        f"at full size: naive would need about {per_lead * len(leads) / 3600:,.1f} h for {len(leads):,} leads "
        f"vs {total:.0f} s -> {per_lead * len(leads) / total:,.0f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
