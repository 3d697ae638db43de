"""Benchmark of the engagement score on the synthetic demo world.

Prints (1) out-of-time ROC-AUC of the points rule, logistic regression, gradient boosting
and the oracle (true hazards of the coming H days), plus the "nowcast" ceiling (true
hazard at the snapshot week, i.e. perfect knowledge of today's intent) and the issue's
targets; (2) time and peak memory of SHAP TreeExplainer on 100,000 account rows; (3)
time of each pipeline step.

    .venv/bin/python benchmarks/bench_engagement.py [--freq monthly|weekly] [--shap-rows 100000]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from abm_lab import engagement as E
from abm_lab.config import DemoParams
from abm_lab.config.engagement import EngagementParams
from abm_lab.synth import world_dataset
from abm_lab.utils import limit_threads
from abm_lab.validation import engagement as VE

AS_OF = "2026-12-31"


def nowcast_auc(panel_test: pd.DataFrame, weekly: pd.DataFrame, horizon_days: int) -> float:
    """AUC of P = 1 - (1 - h_now)^(H/7) with h_now the true hazard in the snapshot's week."""
    wk = weekly[["account_id", "week_start"]].copy()
    wk["h"] = VE.hazard_if_free(weekly).to_numpy()
    k = panel_test[["account_id", "snapshot_date", "label"]].reset_index(drop=True).reset_index()
    m = k.merge(wk, on="account_id")
    d = (m["week_start"] - m["snapshot_date"]).dt.days
    m = m[(d > -7) & (d <= 0)].drop_duplicates("index")
    p = 1 - (1 - m["h"]) ** (horizon_days / 7)
    return float(roc_auc_score(m["label"], p))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--freq", default="monthly", choices=["monthly", "weekly"])
    ap.add_argument("--shap-rows", type=int, default=100_000)
    ap.add_argument("--accounts", type=int, default=None, help="default: DemoParams() (the demo world)")
    a = ap.parse_args()
    demo = (
        DemoParams()
        if a.accounts is None
        else DemoParams(n_accounts=a.accounts, n_contacts=10 * a.accounts, n_touchpoints=250 * a.accounts)
    )
    p = EngagementParams(snapshot_freq=a.freq)
    t = {}
    t0 = time.perf_counter()
    ds = world_dataset(demo, AS_OF)
    t["world"] = time.perf_counter() - t0
    tp = VE.truth_touch_accounts(ds.tables["touchpoints"], ds.truth)
    pers = VE.truth_personas(ds.truth, ds.tables["contacts"])
    snaps = E.default_snapshots(tp, AS_OF, p)
    print(
        f"world: {len(ds.tables['accounts']):,} accounts, {len(tp):,} touchpoints, "
        f"{len(ds.tables['opportunities']):,} opportunities; {len(snaps)} {a.freq} snapshots"
    )
    rows = []
    for label, fit in [
        ("no fit score (02 absent)", None),
        (
            "true fit probability as fit score",
            pd.DataFrame(
                {"account_id": ds.truth["accounts"]["account_id"], "fit_score": 100 * ds.truth["accounts"]["fit_prob"]}
            ),
        ),
    ]:
        t0 = time.perf_counter()
        panel = E.build_panel(
            tp,
            ds.tables["accounts"],
            ds.tables["opportunities"],
            snaps,
            AS_OF,
            p,
            personas=pers,
            fit=fit,
            programs=ds.tables["programs"],
        )
        t[f"panel [{label}]"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = VE.add_truth_ceilings(E.fit_engagement(panel, p), ds.truth["weekly"])
        t[f"validate 3 scorers + oracle [{label}]"] = time.perf_counter() - t0
        test = panel[panel["snapshot_date"].isin(res.split.test) & panel["eligible"] & panel["label_observed"]]
        m = res.metrics["roc_auc"]
        rows.append(
            {
                "features": label,
                "points": m["points"],
                "logistic": m["logistic"],
                "gbm": m["gbm"],
                "oracle": m["oracle"],
                "nowcast_ceiling": nowcast_auc(test, ds.truth["weekly"], p.horizon_days),
                "test_rows": len(test),
                "base_rate": test["label"].mean(),
            }
        )
    out = pd.DataFrame(rows).set_index("features")
    print("\nOut-of-time ROC-AUC (test period:", f"{min(res.split.test).date()} to {max(res.split.test).date()})")
    print(out.round(3).to_string())
    best = out.iloc[-1]
    print(
        f"\ntargets: GBM within 0.03 of oracle -> gap {best['oracle'] - best['gbm']:.3f} "
        f"({'met' if best['oracle'] - best['gbm'] <= 0.03 else 'NOT met'}); "
        f"GBM >= points + 0.05 -> {best['gbm'] - best['points']:+.3f} "
        f"({'met' if best['gbm'] - best['points'] >= 0.05 else 'NOT met'}); "
        f"GBM vs nowcast ceiling {best['gbm'] - best['nowcast_ceiling']:+.3f}"
    )

    # ---------------------------------------------------------------- SHAP on 100k rows
    t0 = time.perf_counter()
    sc = E.score_accounts(panel, res, ds.tables["accounts"], None, p)
    t["score + SHAP latest snapshot"] = time.perf_counter() - t0
    lab = panel[panel["eligible"]]
    rng = np.random.default_rng(0)
    X = lab[res.features].iloc[rng.integers(0, len(lab), a.shap_rows)].reset_index(drop=True)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    t0 = time.perf_counter()
    with limit_threads(p.n_threads):
        ex = E.explain(sc.model, X)
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    gap = E.shap_additivity_gap(sc.model, X, ex)
    print(
        f"\nSHAP TreeExplainer, {len(X):,} rows x {X.shape[1]} features, GBM {sc.model.n_iter_} trees of depth "
        f"{p.gbm_max_depth}: {dt:.1f} s, peak traced memory {peak / 2**20:.0f} MiB, process max RSS "
        f"{rss1 / 1024:.0f} MiB (+{max(rss1 - rss0, 0) / 1024:.0f} MiB); additivity gap {gap:.1e}"
    )
    print("\nstep times (s):")
    for k, v in t.items():
        print(f"  {k:55s} {v:6.1f}")


if __name__ == "__main__":
    main()
