"""Simulation study of the lift and ROI estimates: bias, RMSE, 95% interval coverage, zero-lift false positives.

The study runs what notebook 05 shows. For each world it generates a synthetic world at demo size (2,000
accounts and the default touch volume unless told otherwise) with a known lift (zero in 40% of worlds) and one
of the scenario settings below, maps leads and touches to accounts in-process with notebook 03's mapping
(ESTIMATED touch accounts, never the true ones), runs :func:`abm_lab.roi.lift.report.run_lift` (the code path of
notebook 05 and ``abm-lab lift``) and compares every outcome's estimate and interval, and both ROIs, with the
truth of :func:`abm_lab.validation.lift.true_effects` (the estimands applied to both potential-outcome arms).

Worlds run in parallel processes; each finished world is appended to a CSV at once, so a partial run is usable
and a rerun with the same ``--csv`` resumes where it stopped. The table (per outcome × method × setting: bias,
RMSE, coverage, mean interval width, zero-lift false-positive rate, counts) goes to ``docs/coverage_table.md``
and a README-ready snippet is printed.

    .venv/bin/python benchmarks/sim_lift.py --workers 2 --csv /tmp/sim/sim_lift.csv      # the full study
    .venv/bin/python benchmarks/sim_lift.py --quick                                        # smoke run (/tmp)
    .venv/bin/python benchmarks/sim_lift.py --table-only --csv /tmp/sim/sim_lift.csv       # table from a CSV
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS", "POLARS_MAX_THREADS"):
    os.environ.setdefault(_v, "1")  # one world per process: BLAS / numba threads only add contention
os.environ.setdefault("TQDM_DISABLE", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from abm_lab.validation.lift import (  # noqa: E402  (the study's summary: coverage, false positives, misses)
    OUTCOME_LABELS,
    missed_settings,
    misses,
    summarise,
)

#: Lift sizes, cycled world by world (two in five worlds have zero lift): LiftTruth fields.
LIFTS: dict[str, dict[str, float]] = {
    "zero": {"opp_rate": 0.0, "win_rate": 0.0, "deal_size": 0.0},
    "small": {"opp_rate": 0.25, "win_rate": 0.05, "deal_size": 0.10},
    "medium": {"opp_rate": 0.5, "win_rate": 0.10, "deal_size": 0.15},
    "large": {"opp_rate": 0.8, "win_rate": 0.15, "deal_size": 0.25},
}
LIFT_CYCLE = ("zero", "small", "zero", "medium", "large")


#: Scenario settings: name → (plain description, DemoParams overrides; ``demo.scenario`` holds the switches).
#: ``default`` is the demo world (selection on recent intent, trend and seasonality, three staggered cohorts,
#: 10% early exits, effects by tier); the others turn one switch off, up or on. ``simple`` = every switch of
#: ``ScenarioParams.simple()`` off except the burn-in (no scenario: it removes the warm-up artefact).
SIMPLE_SCENARIO = {
    **dict(selection_intent_weight=0.0, trend_per_year=0.0, seasonality=(0.0, 0.0, 0.0, 0.0), stagger_quarters=1),
    **dict(exit_share=0.0, anticipation_weeks=0, spillover_share=0.0),
    "tier_effect": {"strategic": 1.0, "abm_lite": 1.0, "programmatic": 1.0},
}
SETTINGS: dict[str, tuple[str, dict[str, Any]]] = {
    "default": ("the demo world's scenario defaults", {}),
    "simple": (
        "every scenario switch off (fit-only targets, one start, no exits, flat hazard, one effect; burn-in kept)",
        {"scenario": SIMPLE_SCENARIO},
    ),
    "intent_selection": (
        "targets chosen twice as much on recent intent",
        {"scenario": {"selection_intent_weight": 1.6}},
    ),
    "trend": (
        "stronger trend and seasonality",
        {"scenario": {"trend_per_year": 0.4, "seasonality": (-0.2, 0.0, -0.3, 0.5)}},
    ),
    "stagger_exits": ("four cohorts, 30% early exits", {"scenario": {"stagger_quarters": 4, "exit_share": 0.3}}),
    "tiers": (
        "strongly heterogeneous effects by tier",
        {"scenario": {"tier_effect": {"strategic": 3.0, "abm_lite": 1.5, "programmatic": 0.5}}},
    ),
    "anticipation": (
        "half the lift 13 weeks before each start",
        {"scenario": {"anticipation_weeks": 13, "anticipation_share": 0.5}},
    ),
    "spillover": ("30% of the lift reaches non-targets", {"scenario": {"spillover_share": 0.3}}),
}
#: Order in which settings take blocks of len(LIFT_CYCLE) worlds (the demo's default twice as often), so every
#: setting sees every lift size.
SETTING_CYCLE = tuple(
    "default simple intent_selection trend default stagger_exits tiers anticipation spillover".split()
)

COLUMNS = (
    "world seed setting lift zero outcome method headline estimate low high truth covered relative rel_low rel_high "
    "truth_relative rel_covered seconds seconds_generate seconds_mapping seconds_lift seconds_truth touch_match_rate "
    "n_targets code run_at error"
).split()
#: Source folders whose code decides a world's numbers (their hash is stored with each world's rows).
CODE_PATHS = (
    "abm_lab/synth abm_lab/roi/lift abm_lab/roi/economics.py abm_lab/config abm_lab/mapping abm_lab/data/validate.py "
    "abm_lab/data/schema.py abm_lab/validation/lift.py"
).split()


def code_version() -> str:
    """Short hash of the code that makes and estimates a world (stale rows can be rerun: ``--rerun-stale``)."""
    import hashlib

    h = hashlib.sha256()
    for rel in CODE_PATHS:
        p = ROOT / rel
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(f.relative_to(ROOT).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


# ---------------------------------------------------------------- design ------------------------------------------
def design(n_worlds: int, seed0: int, settings: Iterable[str]) -> list[dict[str, Any]]:
    """World i: seed ``seed0 + i``, lift ``LIFT_CYCLE[i mod 5]``, settings by blocks of five (``SETTING_CYCLE``)."""
    chosen = set(settings)
    names = [s for s in SETTING_CYCLE if s in chosen] + [s for s in settings if s not in SETTING_CYCLE]
    k = len(LIFT_CYCLE)
    return [
        {"world": i, "seed": seed0 + i, "lift": LIFT_CYCLE[i % k], "setting": names[(i // k) % len(names)]}
        for i in range(n_worlds)
    ]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def demo_params(spec: dict[str, Any], sizes: dict[str, int | None]) -> Any:
    """The world's DemoParams: defaults, the setting's overrides, its lift, seed and sizes."""
    from abm_lab.config import DemoParams

    over: dict[str, Any] = _merge(SETTINGS[spec["setting"]][1], {"lift": LIFTS[spec["lift"]], "seed": spec["seed"]})
    over.update({k: v for k, v in sizes.items() if v is not None})
    return DemoParams.model_validate(_merge(DemoParams().model_dump(), over))


# ---------------------------------------------------------------- one world (worker process) ----------------------
_PARAMS: Any = None
_CODE = ""


def _init_worker(params_path: str) -> None:
    global _PARAMS, _CODE
    from abm_lab.config import load_params

    _PARAMS = load_params(params_path)
    _CODE = code_version()


def run_world(task: tuple[dict[str, Any], dict[str, int | None], bool]) -> list[dict[str, Any]]:
    """Rows of one world (one per outcome × method and per ROI); a failing world gives one error row."""
    spec, sizes, true_mapping = task
    from abm_lab.validation.lift import check_world

    base = {**spec, "zero": spec["lift"] == "zero", "code": _CODE, "run_at": time.time()}
    t0 = time.perf_counter()
    try:
        chk = check_world(demo_params(spec, sizes), _PARAMS, true_mapping=true_mapping)
    except Exception as exc:  # a failing world is reported in the CSV and the table, never hidden
        tb = traceback.format_exc(limit=3).replace("\n", " | ")
        return [{**base, "seconds": time.perf_counter() - t0, "error": f"{type(exc).__name__}: {exc} [{tb}]"}]
    secs = time.perf_counter() - t0
    extra = {k: chk.attrs.get(k) for k in COLUMNS if k.startswith("seconds_") or k in ("touch_match_rate", "n_targets")}
    return [{**base, **r, **extra, "seconds": secs, "error": ""} for r in chk.to_dict("records")]


# ---------------------------------------------------------------- CSV (append, resume) ----------------------------
def read_csv(path: Path) -> pd.DataFrame:
    """The CSV's rows, only the latest run of each world (a rerun world is appended again)."""
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame(columns=COLUMNS)
    df = pd.read_csv(path, keep_default_na=True, dtype={"code": str, "error": str})
    df["error"] = df["error"].fillna("").astype(str)
    for c in ("zero", "headline", "covered", "rel_covered"):
        df[c] = df[c].map(lambda v: str(v).strip().lower() == "true")
    last = df.groupby("world")["run_at"].transform("max")
    return df.loc[df["run_at"] == last].reset_index(drop=True)


def append_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    df = pd.DataFrame(rows).reindex(columns=COLUMNS)
    new = not path.exists() or path.stat().st_size == 0
    with path.open("a") as fh:
        df.to_csv(fh, header=new, index=False)
        fh.flush()
        os.fsync(fh.fileno())


def _config(a: argparse.Namespace, sizes: dict[str, int | None]) -> dict[str, Any]:
    return {
        "seed0": a.seed0,
        "sizes": sizes,
        "settings": {k: SETTINGS[k][1] for k in a.settings},
        "lifts": LIFTS,
        "lift_cycle": list(LIFT_CYCLE),
        "params": a.params,
        "true_mapping": a.true_mapping,
    }


def _meta_path(csv: Path) -> Path:
    return csv.with_suffix(".json")


# ---------------------------------------------------------------- table -------------------------------------------
def _pct(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{v * 100:.1f}%"


def _num(v: float, fmt: str = "+.3f") -> str:
    return "–" if not np.isfinite(v) else format(v, fmt)


def table_lines(s: pd.DataFrame, headline_only: bool = False, pooled_only: bool = False) -> list[str]:
    cols = "| outcome | method | setting | worlds | bias | RMSE | coverage | coverage (relative) | mean CI width "
    lines = [cols + "| zero-lift worlds | false-positive rate |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in s.iterrows():
        if (headline_only and not r["headline"]) or (pooled_only and r["setting"] != "all settings"):
            continue
        m = f"**{r['method']}**" if r["headline"] else r["method"]
        lines.append(
            f"| {OUTCOME_LABELS.get(r['outcome'], r['outcome'])} | {m} | {r['setting']} | {r['worlds']} | "
            f"{_num(r['bias'])} | {_num(r['rmse'], '.3f')} | {_pct(r['coverage'])} | {_pct(r['coverage_rel'])} | "
            f"{_num(r['width'], '.3f')} | {r['zero_worlds']} | {_pct(r['false_positive'])} |"
        )
    return lines


def timing(df: pd.DataFrame) -> dict[str, float]:
    w = df.drop_duplicates("world")
    return {
        "worlds": len(w),
        "per_world": float(w["seconds"].mean()) if len(w) else np.nan,
        "per_world_max": float(w["seconds"].max()) if len(w) else np.nan,
        **{k: float(w[f"seconds_{k}"].mean()) for k in ("generate", "mapping", "lift", "truth") if len(w)},
    }


def to_markdown(df: pd.DataFrame, s: pd.DataFrame, meta: dict[str, Any]) -> str:
    t = timing(df)
    cfg = meta["config"]
    sizes = ", ".join(f"{k.replace('n_', '')} {v:,}" for k, v in meta["resolved_sizes"].items())
    n_err = int(df.loc[df["error"].ne(""), "world"].nunique())
    lines = [
        "# Lift and ROI: simulation study (coverage table)",
        "",
        f"{t['worlds']} synthetic worlds ({sizes}; seeds {cfg['seed0']}–{cfg['seed0'] + meta['n_design'] - 1}"
        f"{f'; {n_err} failed' if n_err else ''}). Generated by `benchmarks/sim_lift.py` in "
        f"{meta['wall_seconds']:.0f} s of wall time on {meta['workers']} worker process(es): "
        f"{t['per_world']:.1f} s per world on one core (generate {t.get('generate', np.nan):.1f} s, "
        f"lead-to-account mapping {t.get('mapping', np.nan):.1f} s, `run_lift` {t.get('lift', np.nan):.1f} s, "
        f"truth {t.get('truth', np.nan):.1f} s).",
        "",
        "Each world goes through notebook 05's code path: the generated world is validated like any source, "
        "touches get the account notebook 03's mapping finds "
        + ("(**true mapping in this run**)" if cfg["true_mapping"] else "(estimated, never the true one)")
        + ", and `abm_lab.roi.lift.report.run_lift` estimates every outcome and both ROIs. Truth = "
        "`abm_lab.validation.lift.true_effects`: the estimands applied to the two potential-outcome arms of the "
        "world (observed and no programme, common random numbers), so estimate and truth target the same number.",
        "",
        "Targets for the headline method (**bold**): 95% intervals cover the truth in 93–97% of worlds; in "
        "zero-lift worlds the interval excludes 0 (ROI: excludes −100%, i.e. claims some incremental profit or loss "
        "beyond the cost) in at most 5%.",
        "",
        "## Settings",
        "",
        "| setting | what changes | worlds |",
        "|---|---|---|",
    ]
    per = df.drop_duplicates("world").groupby("setting").size()
    for name in cfg["settings"]:
        desc = SETTINGS[name][0] if name in SETTINGS else ""
        lines.append(f"| {name} | {desc} (`{json.dumps(cfg['settings'][name])}`) | {int(per.get(name, 0))} |")
    lifts = "; ".join(f"{k}: {v}" for k, v in LIFTS.items())
    lines += [
        "",
        f"Lift sizes (cycled {' → '.join(LIFT_CYCLE)}): {lifts} (opportunity rate relative, win rate absolute, "
        "deal size relative).",
        "",
        "## Where the headline method misses the targets",
        "",
    ]
    real, noise = misses(s)
    if real:
        lines += ["Beyond Monte-Carlo noise (the 95% range of the rate lies outside the target):", ""]
        lines += [f"- {m}" for m in real]
    else:
        lines += ["Nowhere beyond Monte-Carlo noise."]
    main_rows = [m for m in noise if m.startswith(("all settings,", "default,"))]
    if main_rows:
        lines += ["", "Outside the target, but within Monte-Carlo noise of it (pooled and default):", ""]
        lines += [f"- {m}" for m in main_rows]
    if len(noise) > len(main_rows):
        lines += [
            "",
            f"{len(noise) - len(main_rows)} more per-setting rates are outside the target but within the Monte-Carlo "
            "noise of a setting's few worlds (see the table).",
        ]
    if len(meta.get("codes", [])) > 1:
        n_code = df.drop_duplicates("world")["code"].value_counts()
        lines += [
            "",
            f"**Mixed code versions**: {', '.join(f'{k} ({v} worlds)' for k, v in n_code.items())}; rerun with "
            "`--rerun-stale` for one version.",
        ]
    lines += ["", "## Table", ""] + table_lines(s)
    se_cov = np.sqrt(0.95 * 0.05 / max(t["worlds"], 1))
    lines += [
        "",
        "Bias, RMSE and CI width are on the relative scale (effect / the treated cells' counterfactual mean, as a "
        "fraction) for outcomes and in ROI units (1.0 = 100 points) for the ROIs; `coverage` is that of the "
        "interval of the absolute ATT (ROI itself), `coverage (relative)` that of the relative interval. "
        f"Monte-Carlo error (one standard error): about ±{100 * se_cov:.1f} points on a pooled coverage; a setting "
        "with n worlds has ±100·√(0.95·0.05/n) points.",
    ]
    return "\n".join(lines) + "\n"


def readme_snippet(s: pd.DataFrame, meta: dict[str, Any], t: dict[str, float]) -> str:
    pooled = s.loc[s["headline"] & (s["setting"] == "all settings")]
    sizes = meta["resolved_sizes"]
    wall = meta["wall_seconds"]
    took = f"{wall / 60:.0f} min" if wall >= 120 else f"{wall:.0f} s"
    mapping = "TRUE touch mapping" if meta["config"]["true_mapping"] else "estimated touch mapping"
    lines = [
        f"From `benchmarks/sim_lift.py`: {t['worlds']} worlds of {sizes['n_accounts']:,} accounts and "
        f"{sizes['n_touchpoints']:,} touchpoints, {mapping}, the code path of notebook 05 ({took} on "
        f"{meta['workers']} cores). Full table "
        "by setting: [docs/coverage_table.md](docs/coverage_table.md). Target: coverage 93–97%, zero-lift "
        "false-positive rate ≤ 5%.",
        "",
        "| outcome | method | worlds | bias | RMSE | coverage | false-positive rate | demo world: coverage, "
        "false positives |",
        "|---|---|---|---|---|---|---|---|",
    ]
    demo = s.loc[s["headline"] & (s["setting"] == "default")].set_index("outcome")
    for _, r in pooled.iterrows():
        d = demo.loc[r["outcome"]] if r["outcome"] in demo.index else None
        dd = "–"
        if d is not None:
            dd = f"{_pct(d['coverage'])}, {_pct(d['false_positive'])}"
            dd += f" ({d['worlds']} worlds, {d['zero_worlds']} zero-lift)"
        lines.append(
            f"| {OUTCOME_LABELS.get(r['outcome'], r['outcome'])} | {r['method']} | {r['worlds']} | "
            f"{_num(r['bias'])} | {_num(r['rmse'], '.3f')} | {_pct(r['coverage'])} | {_pct(r['false_positive'])} | "
            f"{dd} |"
        )
    lines += ["", missed_settings(s)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main --------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worlds", type=int, default=400, help="worlds in the study (default 400)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (one world each at a time)")
    ap.add_argument("--seed0", type=int, default=20_000, help="seed of world 0 (world i: seed0 + i)")
    ap.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    ap.add_argument("--accounts", type=int, default=None, help="accounts per world (default: the demo's)")
    ap.add_argument("--contacts", type=int, default=None, help="contacts per world (default: the demo's)")
    ap.add_argument("--touchpoints", type=int, default=None, help="touchpoints per world (default: the demo's)")
    ap.add_argument("--params", default=str(ROOT / "params" / "demo.yaml"), help="params file (roi, mapping)")
    ap.add_argument("--true-mapping", action="store_true", help="give touches their TRUE account (estimator only)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 10 small worlds, output under the temp folder")
    ap.add_argument("--csv", default=None, help="per-world results, appended as worlds finish (resumable)")
    ap.add_argument("--out", default=None, help="markdown table (default docs/coverage_table.md)")
    ap.add_argument("--table-only", action="store_true", help="no new worlds: the table from --csv")
    ap.add_argument("--rerun-stale", action="store_true", help="rerun worlds whose rows came from other code")
    ap.add_argument("--rerun-errors", action="store_true", help="rerun worlds that failed")
    a = ap.parse_args(argv)
    quick_dir = Path(tempfile.gettempdir()) / "abm_lab_sim_lift_quick"
    if a.quick:
        a.worlds = min(a.worlds, 2 * len(LIFT_CYCLE))
        a.accounts, a.contacts, a.touchpoints = a.accounts or 500, a.contacts or 2500, a.touchpoints or 25_000
    csv = Path(a.csv) if a.csv else (quick_dir / "sim_lift.csv" if a.quick else ROOT / "benchmarks/out/sim_lift.csv")
    out = Path(a.out) if a.out else (quick_dir / "coverage_table.md" if a.quick else ROOT / "docs/coverage_table.md")
    csv.parent.mkdir(parents=True, exist_ok=True)
    sizes = {"n_accounts": a.accounts, "n_contacts": a.contacts, "n_touchpoints": a.touchpoints}
    cfg = json.loads(json.dumps(_config(a, sizes)))  # as stored (tuples become lists)
    mp = _meta_path(csv)
    meta: dict[str, Any] = json.loads(mp.read_text()) if mp.exists() else {"config": cfg, "wall_seconds": 0.0}
    meta["config"].pop("resolved_sizes", None)  # kept beside the config (older files held it inside)
    if meta["config"] != cfg and not a.table_only:
        print(f"{csv} was made with another design ({mp}); use a new --csv or delete both files", file=sys.stderr)
        return 2
    from abm_lab.config import DemoParams

    d = DemoParams()
    meta["resolved_sizes"] = {k: v if v is not None else getattr(d, k) for k, v in sizes.items()}
    specs = design(a.worlds, a.seed0, a.settings)
    done = read_csv(csv)
    if a.rerun_stale:
        done = done.loc[done["code"] == code_version()]
    if a.rerun_errors:
        done = done.loc[done["error"].eq("")]
    done_ids = set(done["world"].astype(int)) if len(done) else set()
    todo = [s for s in specs if s["world"] not in done_ids]
    t0 = time.perf_counter()
    if todo and not a.table_only:
        print(f"{len(todo)} world(s) to run ({len(done_ids)} already in {csv}), {a.workers} worker(s)", flush=True)
        tasks = [(s, sizes, a.true_mapping) for s in todo]
        n = 0
        try:
            for rows in _results(tasks, a.workers, a.params):
                n += 1
                append_rows(csv, rows)
                _progress(rows, n, len(todo), t0)
        finally:
            el = time.perf_counter() - t0
            meta["wall_seconds"] = float(meta.get("wall_seconds", 0.0)) + el
            code = code_version()
            by = meta.setdefault("wall_by_code", {})
            by[code] = float(by.get(code, 0.0)) + el
            meta["workers"] = a.workers
            mp.write_text(json.dumps(meta, indent=2))
    meta.setdefault("workers", a.workers)
    df = read_csv(csv)
    df = df.loc[df["world"].isin({s["world"] for s in specs})]
    if df.empty:
        print("no results yet", file=sys.stderr)
        return 1
    meta["n_design"] = len(specs)
    codes = sorted(df["code"].dropna().astype(str).unique())
    by_code = meta.get("wall_by_code", {})
    if codes and all(c in by_code for c in codes):
        meta["wall_seconds"] = float(sum(by_code[c] for c in codes))  # the time of the runs behind these rows
    meta["codes"] = codes
    errors = df.loc[df["error"].ne("")].drop_duplicates("world")
    if len(errors):
        print(f"{len(errors)} world(s) failed, e.g. world {errors['world'].iloc[0]}: {errors['error'].iloc[0][:300]}")
    s = summarise(df)
    md = to_markdown(df, s, meta)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md)
    t = timing(df)
    print(md)
    print("---- README snippet (between the coverage markers) ----")
    print(readme_snippet(s, meta, t))
    print(
        f"study: {t['worlds']} worlds in {meta['wall_seconds']:.0f} s wall ({a.workers} workers; this call "
        f"{time.perf_counter() - t0:.0f} s); per world {t['per_world']:.1f} s (max {t['per_world_max']:.1f} s) → "
        f"{a.worlds} worlds ≈ {a.worlds * t['per_world'] / max(a.workers, 1) / 60:.0f} min on {a.workers} cores. "
        f"CSV: {csv}; table: {out}"
    )
    return 0


def _results(tasks: list[Any], workers: int, params_path: str) -> Iterable[list[dict[str, Any]]]:
    """Each world's rows as it finishes: in ``workers`` spawned processes, or here when 1."""
    if workers <= 1:
        _init_worker(params_path)
        yield from map(run_world, tasks)
        return
    from multiprocessing import get_context

    with get_context("spawn").Pool(workers, initializer=_init_worker, initargs=(params_path,)) as pool:
        yield from pool.imap_unordered(run_world, tasks, chunksize=1)


def _progress(rows: list[dict[str, Any]], n: int, total: int, t0: float) -> None:
    r = rows[0]
    el = time.perf_counter() - t0
    eta = el / n * (total - n)
    err = f" ERROR {r['error'][:200]}" if r.get("error") else ""
    print(
        f"[{n}/{total}] world {r['world']} ({r['setting']}, lift {r['lift']}) {r['seconds']:.1f} s; "
        f"elapsed {el / 60:.1f} min, ETA {eta / 60:.1f} min{err}",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
