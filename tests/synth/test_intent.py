"""Latent weekly intent (abm_lab.synth.intent): persistent, with buying-cycle bursts."""

from __future__ import annotations

import numpy as np

from abm_lab.synth.intent import INTENT, IntentDynamics, latent_intent


def test_intent_is_persistent_and_bursty():
    rng = np.random.default_rng(4)
    fit_std = np.zeros(2000)
    x = latent_intent(rng, fit_std, 104)
    assert x.shape == (2000, 104) and x.dtype == np.float32
    lag1 = np.corrcoef(x[:, 1:].ravel(), x[:, :-1].ravel())[0, 1]
    assert lag1 > 0.9  # AR(1) with rho close to 1, plus ramping bursts
    # no bursts: the same draws without the bursts is lower wherever a cycle ran
    calm = latent_intent(np.random.default_rng(4), fit_std, 104, IntentDynamics(burst_p=0.0))
    diff = x - calm
    assert diff.min() >= 0 and 0 < diff.max() <= INTENT.burst_cap + 1e-6


def test_fit_raises_intent():
    fit_std = np.repeat([-1.0, 1.0], 1000)
    x = latent_intent(np.random.default_rng(5), fit_std, 52)
    gap = x[1000:].mean() - x[:1000].mean()
    assert abs(gap - 2 * INTENT.fit_weight) < 0.1
