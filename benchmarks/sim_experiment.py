"""Simulation study of the randomised holdout: interval coverage, zero-lift false positives, realised power.

Two parts, each over its own worlds (demo size: 2,000 accounts; a small touch volume, as only the
contamination check reads touches):

* ``coverage``: worlds cycling through lift sizes (zero in two of five), holdout shares 0.1 / 0.2 / 0.3 and
  the scenario settings below; each runs :func:`abm_lab.roi.lift.run_lift` (notebook 05's and ``abm-lab lift``'s
  code path) and compares every experimental estimate and both ROIs with the truth of
  :func:`abm_lab.validation.experiment.true_experiment_effects` (both potential-outcome arms): coverage of the
  95% intervals, and how often a zero-lift world's interval excludes zero.
* ``power``: one start cohort; the design's minimum detectable effect (MDE) of the primary metric is computed
  from the targets' own pre-programme history as ``abm-lab design-holdout`` computes it, the world's lift is
  scaled so that its true effect equals that MDE, and the share of worlds whose interval excludes zero is the
  realised power (target: the design's 80%).

Worlds run in parallel processes and each finished world is appended to the CSV (resumable). The table goes to
``docs/experiment_coverage.md`` and a README snippet is printed.

    .venv/bin/python benchmarks/sim_experiment.py --workers 2 --csv /tmp/sim/sim_experiment.csv      # full study
    .venv/bin/python benchmarks/sim_experiment.py --quick                                             # smoke run
    .venv/bin/python benchmarks/sim_experiment.py --table-only --csv /tmp/sim/sim_experiment.csv
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LIFTS = {
    "zero": {"opp_rate": 0.0, "win_rate": 0.0, "deal_size": 0.0},
    "small": {"opp_rate": 0.25, "win_rate": 0.05, "deal_size": 0.10},
    "medium": {"opp_rate": 0.5, "win_rate": 0.10, "deal_size": 0.15},
    "large": {"opp_rate": 0.8, "win_rate": 0.15, "deal_size": 0.25},
}
LIFT_CYCLE = ("zero", "small", "zero", "medium", "large")
SHARES = (0.1, 0.2, 0.3)
#: name → (description, demo.scenario overrides). Spillover breaks no-interference: reported, not pooled.
SETTINGS: dict[str, tuple[str, dict[str, Any]]] = {
    "default": ("the demo world's scenario (intent selection, trend, three cohorts, exits, tier effects)", {}),
    "simple": (
        "every scenario switch off except the burn-in (fit-only targets, one start, no exits, flat hazard)",
        {
            **dict(selection_intent_weight=0.0, trend_per_year=0.0, seasonality=(0.0, 0.0, 0.0, 0.0)),
            **dict(stagger_quarters=1, exit_share=0.0, anticipation_weeks=0, spillover_share=0.0),
            "tier_effect": {"strategic": 1.0, "abm_lite": 1.0, "programmatic": 1.0},
        },
    ),
    "intent_selection": ("targets chosen twice as much on recent intent", {"selection_intent_weight": 1.6}),
    "trend": (
        "stronger trend and seasonality",
        {"trend_per_year": 0.4, "seasonality": (-0.2, 0.0, -0.3, 0.5)},
    ),
    "spillover": ("30% of the lift reaches non-targets, held-out controls included", {"spillover_share": 0.3}),
}
SETTING_CYCLE = ("default", "simple", "intent_selection", "trend", "default", "spillover")
POOLED = ("default", "simple", "intent_selection", "trend")
SIZES = {"n_touchpoints": 20000, "n_contacts": 2000}


def tasks(part: str, n: int, seed0: int) -> list[dict[str, Any]]:
    k = len(LIFT_CYCLE)
    out = []
    for i in range(n):
        if part == "coverage":
            setting = SETTING_CYCLE[(i // k) % len(SETTING_CYCLE)]
            out.append(
                {
                    "part": part,
                    "world": i,
                    "seed": seed0 + i,
                    "lift": LIFT_CYCLE[i % k],
                    "setting": setting,
                    "share": SHARES[i % len(SHARES)],
                }
            )
        else:
            setting = POOLED[i % len(POOLED)]
            out.append(
                {
                    "part": part,
                    "world": i,
                    "seed": seed0 + 100_000 + i,
                    "lift": "mde",
                    "setting": setting,
                    "share": SHARES[i % len(SHARES)],
                }
            )
    return out


def demo_params(spec: dict[str, Any], lift: dict[str, float]) -> Any:
    from abm_lab.config import DemoParams

    sc = dict(SETTINGS[spec["setting"]][1])
    if spec["part"] == "power":
        sc["stagger_quarters"] = 1
    return DemoParams.model_validate(
        {**SIZES, "seed": spec["seed"], "holdout_share": spec["share"], "lift": lift, "scenario": sc}
    )


def _rows(chk: pd.DataFrame, base: dict[str, Any]) -> list[dict[str, Any]]:
    extra = {k: chk.attrs.get(k) for k in ("headline", "n_treatment", "n_control", "srm_p")}
    return [{**base, **extra, **r} for r in chk.to_dict("records")]


def run_one(spec: dict[str, Any]) -> list[dict[str, Any]]:
    from abm_lab.config import parse_params
    from abm_lab.validation.experiment import check_experiment_world

    params = parse_params({})
    t0 = time.perf_counter()
    base = {**spec, "error": ""}
    try:
        if spec["part"] == "coverage":
            chk = check_experiment_world(demo_params(spec, LIFTS[spec["lift"]]), params)
            return [{**r, "seconds": time.perf_counter() - t0} for r in _rows(chk, base)]
        from abm_lab.validation.experiment import calibrated_power_world

        chk = calibrated_power_world(lambda lift: demo_params(spec, lift), params, LIFTS["medium"])
        return [{**r, "seconds": time.perf_counter() - t0} for r in _rows(chk, base | {"mde": chk.attrs["mde"]})]
    except Exception as exc:  # a failing world is reported, never hidden
        return [{**base, "error": f"{type(exc).__name__}: {exc} [{traceback.format_exc(limit=3)!r}]"}]


def append(path: Path, rows: list[dict[str, Any]]) -> None:
    df = pd.DataFrame(rows)
    new = not path.exists() or path.stat().st_size == 0
    if not new:
        cols = pd.read_csv(path, nrows=0).columns
        df = df.reindex(columns=cols)
    with path.open("a") as fh:
        df.to_csv(fh, header=new, index=False)


def done(path: Path) -> set[tuple[str, int]]:
    if not path.exists() or path.stat().st_size == 0:
        return set()
    d = pd.read_csv(path, usecols=["part", "world"])
    return set(zip(d["part"], d["world"], strict=True))


def table(df: pd.DataFrame) -> str:
    """Markdown: per part × outcome × method (pooled settings), coverage, zero-lift false positives, power."""
    ok = df.loc[df["error"].astype("string").fillna("").eq("") & df["outcome"].notna()].copy()
    ok["covered"] = ok["covered"].astype(str).str.lower().eq("true")
    ok["excludes_zero"] = ok["excludes_zero"].astype(str).str.lower().eq("true")
    lines = []
    cov = ok.loc[(ok["part"] == "coverage")]
    pooled = cov.loc[cov["setting"].isin(POOLED)]
    n_w = pooled["world"].nunique()
    lines += [
        f"### Coverage and zero-lift false positives ({n_w} worlds; settings {', '.join(POOLED)})",
        "",
        "| outcome | method | coverage of 95% CI | zero-lift worlds excluding 0 | mean CI width | bias | worlds |",
        "|---|---|---|---|---|---|---|",
    ]
    for (o, m), g in pooled.groupby(["outcome", "method"], sort=False):
        z = g.loc[g["lift"] == "zero"]
        fp = f"{z['excludes_zero'].mean():.1%} of {len(z)}" if o.startswith(("opp", "pip", "won")) else "–"
        lines.append(
            f"| {o} | {m} | {g['covered'].mean():.1%} | {fp} | {(g['high'] - g['low']).mean():,.4g} | "
            f"{(g['estimate'] - g['truth']).mean():+,.3g} | {len(g)} |"
        )
    for s in sorted(set(cov["setting"])):
        g = cov.loc[(cov["setting"] == s) & (cov["method"] == "experiment") & (cov["outcome"] == "opp_rate")]
        z = g.loc[g["lift"] == "zero"]
        lines.append(
            f"\n- {s} ({SETTINGS[s][0]}): opp_rate coverage {g['covered'].mean():.1%} over {len(g)} worlds, "
            f"zero-lift false positives {z['excludes_zero'].mean():.1%} of {len(z)}"
        )
    pw = ok.loc[(ok["part"] == "power") & (ok["method"] == "experiment") & (ok["outcome"] == "opp_rate")]
    if len(pw):
        ratio = pw["truth"] / pw["mde"]
        from scipy import stats

        shifted = (pw["estimate"] - pw["truth"] + pw["mde"]) / pw["se"]
        # the headline's t reference: the smaller arm (controls) minus the two parameters each arm fits
        crit = stats.t.ppf(0.975, np.maximum(pw["n_control"].astype(float) - 2, 1))
        lines += [
            "",
            f"### Realised power at the design's MDE ({len(pw)} worlds, one start cohort)",
            "",
            f"- interval excludes zero in **{pw['excludes_zero'].mean():.1%}** of worlds (design: 80%); true effect / "
            f"MDE: mean {ratio.mean():.2f} (median {ratio.median():.2f})",
            f"- with each world's estimate shifted to an effect of exactly its MDE: {(shifted > crit).mean():.1%}",
            f"- coverage of the 95% interval in these worlds: {pw['covered'].mean():.1%}",
        ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--coverage-worlds", type=int, default=400)
    ap.add_argument("--power-worlds", type=int, default=400)
    ap.add_argument("--part", choices=["coverage", "power", "all"], default="all")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--csv", default="/tmp/sim/sim_experiment.csv")
    ap.add_argument("--quick", action="store_true", help="10 worlds per part into /tmp")
    ap.add_argument("--table-only", action="store_true")
    ap.add_argument(
        "--also", action="append", default=[], help="more CSVs to pool into the table (e.g. the other part)"
    )
    ap.add_argument("--out", default=str(ROOT / "docs" / "experiment_coverage.md"))
    a = ap.parse_args()
    path = Path(a.csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    if a.quick:
        a.coverage_worlds = a.power_worlds = 10
        path = Path("/tmp/sim/sim_experiment_quick.csv")
    if not a.table_only:
        todo = []
        for part, n in (("coverage", a.coverage_worlds), ("power", a.power_worlds)):
            if a.part in (part, "all"):
                todo += tasks(part, n, a.seed)
        have = done(path)
        todo = [t for t in todo if (t["part"], t["world"]) not in have]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(a.workers) as ex:
            futs = [ex.submit(run_one, t) for t in todo]
            for i, f in enumerate(as_completed(futs), 1):
                append(path, f.result())
                if i % 20 == 0 or i == len(futs):
                    print(f"{i}/{len(futs)} worlds, {time.perf_counter() - t0:.0f} s", flush=True)
    df = pd.concat([pd.read_csv(p) for p in [path, *map(Path, a.also)] if p.exists()], ignore_index=True)
    df["error"] = df["error"].astype("string").fillna("")
    md = table(df)
    print(md)
    if not a.quick:
        Path(a.out).write_text(
            "# Randomised holdout: simulation study\n\nGenerated by `benchmarks/sim_experiment.py` "
            "(see its docstring).\n\n" + md + "\n"
        )
    errors = df["error"].ne("").sum()
    if errors:
        print(f"{errors} world(s) failed: see the error column of {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
