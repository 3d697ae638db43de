"""Multiplicative (Poisson) imputation: the fit equals pyfixest's fepois; it recovers a proportional effect."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from abm_lab.roi.lift.poisson import fit_poisson_fe, poisson_att

PERIODS = np.arange(-7, 1)


def panel(seed: int, n: int = 1200, lift: float = 0.5):
    rng = np.random.default_rng(seed)
    coh = rng.choice([np.nan, -4.0, -2.0, 0.0], n, p=[0.4, 0.2, 0.2, 0.2])
    h = PERIODS[None, :] - coh[:, None]
    T = np.isfinite(h) & (h >= 0)
    mu0 = np.exp(rng.normal(-1.5, 1.0, n)[:, None] + np.linspace(0, 0.6, len(PERIODS))[None, :])
    y1 = rng.poisson(mu0 * np.where(T, 1 + lift, 1.0)).astype(float)
    return y1, ~T, T, mu0


def test_fit_equals_pyfixest_fepois():
    pf = pytest.importorskip("pyfixest")
    Y, F, _, _ = panel(0, n=400)
    alpha, lam = fit_poisson_fe(Y, F)
    d = pd.DataFrame({"unit": np.repeat(np.arange(len(Y)), len(PERIODS)), "period": np.tile(PERIODS, len(Y))})
    d["y"], d["fit"] = Y.ravel(), F.ravel()
    d = d.loc[d["fit"]].assign(period=lambda x: [f"p{v + 10:02d}" for v in x["period"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation notices for all-zero accounts
        r = pf.fepois("y ~ C(period) | unit", d)
    coef = r.coef()
    for j in range(1, len(PERIODS)):
        name = f"C(period)[T.p{PERIODS[j] + 10:02d}]"
        assert lam[0, j] - lam[0, 0] == pytest.approx(float(coef[name]), abs=1e-5)


def test_recovers_proportional_effect_with_bootstrap_interval():
    hits = 0
    for s in range(12):
        Y, F, T, mu0 = panel(10 + s)
        f = poisson_att(Y, F, T, 99, np.random.default_rng(s), 0.95)
        true_rel = Y[T].sum() / mu0[T].sum() - 1  # ≈ 0.5
        hits += f.rel_low <= true_rel <= f.rel_high
        assert f.ci_low < f.estimate < f.ci_high and f.se > 0
    assert hits >= 10
