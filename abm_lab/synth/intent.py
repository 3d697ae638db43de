"""Latent weekly buying intent per account: a persistent AR(1) around fit, plus buying-cycle bursts.

Buying cycles ramp up over several weeks (research before an opportunity), so today's activity carries
signal about the coming quarter. Intent drives touchpoints (:mod:`.touches`) and the weekly hazard of
an opportunity being created (:mod:`.opportunities`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class IntentDynamics:
    """Weekly intent ``fit_weight * fit_std + z + burst`` with ``z`` an AR(1) and bursts of buying cycles."""

    rho: float = 0.97  # AR(1) persistence of z
    sd: float = 0.2  # weekly innovation sd of z
    z0_sd: float = 0.9  # sd of z in the first week
    fit_weight: float = 0.2  # standardised fit added to intent
    burst_p: float = 0.003  # weekly chance that a buying cycle starts
    burst_len: tuple[int, int] = (10, 21)  # cycle length in weeks, [low, high)
    burst_amp: float = 1.5  # intent added at the cycle's peak
    burst_cap: float = 2.0  # overlapping cycles add up to at most this
    ramp: bool = True  # intent builds up linearly over the cycle (else a flat step)


INTENT = IntentDynamics()


def latent_intent(
    rng: np.random.Generator, fit_std: np.ndarray, n_weeks: int, dyn: IntentDynamics = INTENT
) -> np.ndarray:
    """Intent per account and week (float32, accounts x weeks)."""
    n = len(fit_std)
    eps = rng.normal(0, dyn.sd, (n, n_weeks)).astype(np.float32)
    z = np.empty((n, n_weeks), np.float32)
    z[:, 0] = rng.normal(0, dyn.z0_sd, n)
    for t in range(1, n_weeks):
        z[:, t] = dyn.rho * z[:, t - 1] + eps[:, t]
    burst_start = rng.random((n, n_weeks)) < dyn.burst_p
    burst = np.zeros((n, n_weeks), np.float32)
    lengths = rng.integers(dyn.burst_len[0], dyn.burst_len[1], (n, n_weeks))
    for t in range(n_weeks):
        rows = np.flatnonzero(burst_start[:, t])
        if len(rows):
            for L in np.unique(lengths[rows, t]):
                r = rows[lengths[rows, t] == L]
                if dyn.ramp:
                    for k in range(min(L, n_weeks - t)):
                        burst[r, t + k] += dyn.burst_amp * (k + 1) / L
                else:
                    burst[r, t : t + L] += dyn.burst_amp
    burst = np.minimum(burst, dyn.burst_cap)
    return (dyn.fit_weight * fit_std[:, None] + z + burst).astype(np.float32)
