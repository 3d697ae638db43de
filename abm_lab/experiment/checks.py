"""Checks that the experiment ran as designed: sample-ratio mismatch, pre-period balance, contamination.

* **Sample-ratio mismatch** (:func:`sample_ratio`): the arm counts against the pre-registered share
  (``experiment.holdout_share``), a χ² test with one degree of freedom. A p-value below ``experiment.srm_alpha``
  means the assignment was not followed (accounts moved between arms, controls dropped from the export): the
  comparison is no longer randomised and the experiment is not the headline.
* **Balance** (:func:`arm_balance`, :func:`joint_balance`): standardised mean difference of each pre-period
  covariate between arms, and one joint F-test of all of them (the regression of the arm on the covariates).
  Randomisation balances them in expectation, but with a small control group single differences of
  2/√n_control arise by chance; the joint test is what flags a broken assignment (or very bad luck).
* **Contamination** (:func:`contamination`): control accounts that received touches of the programme after
  their start (``touchpoints.program_id`` of the programme): they got part of the treatment, so the comparison
  measures a diluted effect (biased towards zero).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .analysis import ExperimentSample


def sample_ratio(n_treatment: int, n_control: int, share: float) -> dict[str, Any]:
    """χ² test of the arm counts against the expected control ``share``."""
    n = n_treatment + n_control
    exp_c = n * share
    exp_t = n - exp_c
    chi2 = (n_control - exp_c) ** 2 / exp_c + (n_treatment - exp_t) ** 2 / exp_t if n else float("nan")
    return {
        "n_treatment": int(n_treatment),
        "n_control": int(n_control),
        "expected_share": float(share),
        "observed_share": float(n_control / n) if n else float("nan"),
        "chi2": float(chi2),
        "p_value": float(stats.chi2.sf(chi2, 1)) if n else float("nan"),
    }


def arm_balance(covariates: pd.DataFrame, treat: np.ndarray) -> pd.DataFrame:
    """Per covariate: means by arm and the standardised mean difference (pooled SD)."""
    t = np.asarray(treat, bool)
    rows = []
    for c in covariates.columns:
        x = covariates[c].to_numpy(float)
        m1, m0 = float(np.nanmean(x[t])), float(np.nanmean(x[~t]))
        sd = float(np.sqrt((np.nanvar(x[t], ddof=1) + np.nanvar(x[~t], ddof=1)) / 2))
        rows.append({"covariate": c, "treatment": m1, "control": m0, "smd": (m1 - m0) / sd if sd > 0 else 0.0})
    return pd.DataFrame(rows, columns=["covariate", "treatment", "control", "smd"])


def joint_balance(covariates: pd.DataFrame, treat: np.ndarray) -> dict[str, Any]:
    """F-test that no pre-period covariate predicts the arm (linear probability model, all covariates)."""
    t = np.asarray(treat, float)
    X = covariates.to_numpy(float)
    X = X[:, np.nanstd(X, axis=0) > 0]
    X = np.where(np.isfinite(X), X, np.nanmean(X, axis=0))
    Z = np.column_stack([np.ones(len(t)), (X - X.mean(0)) / X.std(0)])
    k = int(np.linalg.matrix_rank(Z)) - 1
    n = len(t)
    if k < 1 or n - k - 1 < 1:
        return {"f": float("nan"), "df": [k, n - k - 1], "p_value": float("nan")}
    beta, *_ = np.linalg.lstsq(Z, t, rcond=None)
    rss = float(((t - Z @ beta) ** 2).sum())
    tss = float(((t - t.mean()) ** 2).sum())
    r2 = 1 - rss / tss if tss > 0 else 0.0
    f = (r2 / k) / ((1 - r2) / (n - k - 1)) if r2 < 1 else float("inf")
    return {"f": float(f), "df": [k, n - k - 1], "p_value": float(stats.f.sf(f, k, n - k - 1))}


def contamination(touchpoints: pd.DataFrame | None, sample: ExperimentSample, programs: pd.DataFrame) -> dict[str, Any]:
    """Control accounts with at least one programme touch on or after their start date."""
    ctrl = pd.Series(sample.cohort[sample.treat == 0], index=sample.account_ids[sample.treat == 0])
    out: dict[str, Any] = {"n_control": int(len(ctrl)), "checked": False, "contaminated": 0, "share": float("nan")}
    if touchpoints is None or not len(touchpoints) or "program_id" not in touchpoints.columns or ctrl.empty:
        return out
    pids = set(programs["program_id"].dropna().astype(str))
    tp = touchpoints.loc[touchpoints["account_id"].notna() & touchpoints["program_id"].notna()]
    tp = tp.loc[tp["program_id"].astype(str).isin(pids) & tp["account_id"].astype(str).isin(set(ctrl.index))]
    acc = tp["account_id"].astype(str)
    start = pd.to_datetime(acc.map(ctrl))
    hit = acc.loc[(pd.to_datetime(tp["timestamp"]).dt.normalize() >= start).to_numpy(bool)]
    n_hit = int(hit.nunique())
    return out | {
        "checked": True,
        "contaminated": n_hit,
        "share": n_hit / len(ctrl),
        "touches": int(len(hit)),
    }
