"""Export round trip at demo size: the synthetic world re-exported as Salesforce and HubSpot files, loaded through
the presets with the documented params only, headline figures against the canonical path, with timings.

Run: .venv/bin/python benchmarks/roundtrip.py [--params params/demo.yaml] [--size demo|small] [--only salesforce]
                                              [--out /tmp/roundtrip]
The exports are written under ``--out`` (default: a new temporary folder, removed afterwards unless --keep).
The checks and tolerances are those of :mod:`abm_lab.validation.roundtrip` (``validation.round_trip`` params).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import pandas as pd

KINDS = ("salesforce", "hubspot")
#: World sizes: the params file's demo world, or the small world of the tests (tests/conftest.py small_demo).
SIZES = {"demo": {}, "small": {"n_accounts": 600, "n_contacts": 5000, "n_touchpoints": 60000, "seed": 11}}


def main() -> int:
    from abm_lab.config import load_params
    from abm_lab.synth import generate_world
    from abm_lab.validation.roundtrip import canonical_headline, compose_export, round_trip

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--params", default="params/demo.yaml", help="params whose run, roi and demo world are used")
    ap.add_argument("--size", choices=list(SIZES), default="demo")
    ap.add_argument("--only", choices=KINDS, action="append", help="one export only (repeatable)")
    ap.add_argument("--out", help="folder for the exports (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    a = ap.parse_args()

    params = load_params(a.params, {"demo": SIZES[a.size]} if SIZES[a.size] else None)
    overlay = params.model_dump(mode="json", exclude={"data", "demo"})
    out = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="abm_roundtrip_"))
    kinds = a.only or list(KINDS)
    try:
        t0 = time.perf_counter()
        world = generate_world(params.demo, params.run.as_of).tables
        gen = time.perf_counter() - t0
        print(
            f"world: {len(world['accounts']):,} accounts, {len(world['contacts']):,} people, "
            f"{len(world['touchpoints']):,} touches, {len(world['opportunities']):,} deals ({gen:.1f} s)"
        )
        canon = canonical_headline(world, out / "canonical", overlay)
        results, failed = {}, []
        for kind in kinds:
            ex = partial(compose_export, kind, as_of=params.run.as_of, seed=params.demo.seed)
            try:
                results[kind] = rt = round_trip(world, ex, out, overlay, kind=kind, canonical=canon)
            except Exception as exc:  # noqa: BLE001 - the benchmark reports and goes on with the other export
                print(f"{kind}: round trip did not run: {type(exc).__name__}: {exc}")
                failed.append(kind)
                continue
            if not rt.passed:
                failed.append(kind)
        if not results:
            return 1
        first = next(iter(results.values()))
        table = pd.DataFrame({"canonical": first.table()["canonical"]})
        for kind, rt in results.items():
            t = rt.table()
            table[kind] = t["imported"]
            table[f"{kind} ok"] = t["passed"].map({True: "pass", False: "FAIL"})
        table["required"] = first.table()["required"]
        with pd.option_context("display.width", 250, "display.max_colwidth", 70):
            print("\n" + table.to_string())
        secs = pd.DataFrame({kind: rt.seconds for kind, rt in results.items()}).round(1)
        print("\nTimings (seconds)\n" + secs.fillna("").to_string())
        for kind, rt in results.items():
            if rt.differences:
                print(f"\n{kind}: remaining differences")
                for d in rt.differences:
                    print(f"  - {d}")
        print("\n" + ("all checks pass" if not failed else f"FAILED: {', '.join(failed)}"))
        if a.out or a.keep:
            print(f"exports in {out}")
        return 1 if failed else 0
    finally:
        if not a.out and not a.keep:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
