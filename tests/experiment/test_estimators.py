"""The experiment's estimators against known truth: interval coverage, size under no effect, CUPED's gain.

Simulated experiments (numpy only) on Poisson-gamma accounts: each account has its own opportunity rate
(gamma across accounts, so counts are overdispersed), ``PRE_PERIODS`` periods of history (the CUPED covariate)
and one to three experiment periods (staggered starts: the exposure and the start-cohort stratum); the
programme multiplies the rate by ``RATE_RATIO``. The truths are exact: the difference in per-period means is
``BASE_RATE × (RATE_RATIO − 1)``, the log rate ratio ``log(RATE_RATIO)``. The bounds allow the Monte-Carlo
error of ``N_SIM`` datasets (SE ≈ 0.7 points) but fail a standard error that is 30 % too small, a halved one,
or a non-robust one (the design of :func:`test_a_non_robust_se_would_fail_these_bounds`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import stats

from abm_lab.experiment.estimators import Estimate, lin_estimate, poisson_estimate

N_SIM = 1000  # simulated experiments per scenario
N_ACCOUNTS = 500
SHARE = 0.2  # control share (100 controls)
BASE_RATE = 1.0  # mean opportunities per account-period without the programme
SHAPE = 2.0  # gamma shape of the accounts' rates (variance BASE_RATE² / SHAPE across accounts)
RATE_RATIO = 1.3
PRE_PERIODS = 4
MAX_EXPOSURE = 3  # experiment periods per account: 1 … 3 (start cohorts)
Z = float(stats.norm.ppf(0.975))
COVERAGE = (0.925, 0.975)  # around 95 %: MC error ±0.7 points; SE × 0.7 gives ≈ 82 %
SIZE = (0.03, 0.075)  # around 5 %: SE × 0.7 rejects ≈ 17 %


def experiment_data(
    rng: np.random.Generator, rate_ratio: float, shape: float = SHAPE, shape_treated: float | None = None
) -> dict[str, np.ndarray]:
    """One simulated experiment: per-period outcome ``y``, exposure ``w``, arm, pre-period mean ``x``, cohort."""
    n0 = int(round(N_ACCOUNTS * SHARE))
    treat = np.ones(N_ACCOUNTS, int)
    treat[rng.permutation(N_ACCOUNTS)[:n0]] = 0
    w = rng.integers(1, MAX_EXPOSURE + 1, N_ACCOUNTS).astype(float)
    lam = rng.gamma(shape, BASE_RATE / shape, N_ACCOUNTS)
    if shape_treated is not None:  # same mean, different spread in the treatment arm
        lam = np.where(treat == 1, rng.gamma(shape_treated, BASE_RATE / shape_treated, N_ACCOUNTS), lam)
    x = rng.poisson(lam * PRE_PERIODS) / PRE_PERIODS
    total = rng.poisson(lam * np.where(treat == 1, rate_ratio, 1.0) * w).astype(float)
    return {"y": total / w, "total": total, "w": w, "treat": treat, "x": x, "fe": MAX_EXPOSURE - w}


#: The methods as :func:`abm_lab.experiment.analysis.estimate` calls them.
METHODS: dict[str, Callable[[dict[str, np.ndarray]], Estimate]] = {
    "dm": lambda d: lin_estimate(d["y"], d["treat"], w=d["w"]),
    "cuped": lambda d: lin_estimate(d["y"], d["treat"], d["x"][:, None], d["w"], d["fe"]),
    "poisson": lambda d: poisson_estimate(d["total"], d["w"], d["treat"]),
    "poisson_x": lambda d: poisson_estimate(d["total"], d["w"], d["treat"], np.log1p(d["x"])[:, None], d["fe"]),
}
TRUTH = {
    "dm": BASE_RATE * (RATE_RATIO - 1),
    "cuped": BASE_RATE * (RATE_RATIO - 1),
    "poisson": float(np.log(RATE_RATIO)),
    "poisson_x": float(np.log(RATE_RATIO)),
}


def classical_se(d: dict[str, np.ndarray]) -> float:
    """Weighted least squares SE of the difference in means under homoskedasticity (the non-robust SE)."""
    Z_ = np.column_stack([np.ones(len(d["y"])), d["treat"]]) * np.sqrt(d["w"])[:, None]
    yw = d["y"] * np.sqrt(d["w"])
    beta = np.linalg.lstsq(Z_, yw, rcond=None)[0]
    s2 = float(((yw - Z_ @ beta) ** 2).sum()) / (len(yw) - 2)
    return float(np.sqrt(s2 * np.linalg.inv(Z_.T @ Z_)[1, 1]))


def naive_poisson_se(d: dict[str, np.ndarray]) -> float:
    """Model-based SE of the log rate ratio (Poisson variance, ignores overdispersion)."""
    t = d["treat"] == 1
    return float(np.sqrt(1 / d["total"][t].sum() + 1 / d["total"][~t].sum()))


def simulate(rate_ratio: float, seed: int, **kw: Any) -> dict[str, Any]:
    """``N_SIM`` experiments: per method the estimates, SEs, 95 % intervals and p-values. The intervals and
    p-values are :meth:`Estimate.ci` / :meth:`Estimate.p_value` vectorised over the runs (checked on the first)."""
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {k: {m: np.empty(N_SIM) for m in METHODS} for k in ("tau", "se", "df")}
    out["naive"] = np.empty(N_SIM)
    first = {}
    for r in range(N_SIM):
        d = experiment_data(rng, rate_ratio, **kw)
        for m, f in METHODS.items():
            e = f(d)
            out["tau"][m][r], out["se"][m][r], out["df"][m][r] = e.tau, e.se, e.df
            if r == 0:
                first[m] = (*e.ci(), e.p_value())
        out["naive"][r] = naive_poisson_se(d)
    q = {m: stats.t.ppf(0.975, out["df"][m]) for m in METHODS}
    out["low"] = {m: out["tau"][m] - q[m] * out["se"][m] for m in METHODS}
    out["high"] = {m: out["tau"][m] + q[m] * out["se"][m] for m in METHODS}
    out["p"] = {m: 2 * stats.t.sf(np.abs(out["tau"][m] / out["se"][m]), out["df"][m]) for m in METHODS}
    for m in METHODS:
        assert first[m] == pytest.approx((out["low"][m][0], out["high"][m][0], out["p"][m][0]))
    return out


@pytest.fixture(scope="module")
def with_effect() -> dict[str, Any]:
    return simulate(RATE_RATIO, seed=20261)


@pytest.fixture(scope="module")
def no_effect() -> dict[str, Any]:
    return simulate(1.0, seed=20262)


@pytest.mark.parametrize("method", list(METHODS))
def test_interval_covers_the_true_effect_95_percent_of_the_time(with_effect, method):
    covered = (with_effect["low"][method] <= TRUTH[method]) & (TRUTH[method] <= with_effect["high"][method])
    assert COVERAGE[0] <= covered.mean() <= COVERAGE[1], f"{method}: coverage {covered.mean():.3f}"


@pytest.mark.parametrize("method", list(METHODS))
def test_standard_error_matches_the_spread_of_the_estimates(with_effect, method):
    """The mean SE is the sampling SD of ``tau`` (within 8 %; MC error of the SD ≈ 1.6 %), and tau is unbiased."""
    tau, se = with_effect["tau"][method], with_effect["se"][method]
    assert se.mean() / tau.std() == pytest.approx(1.0, abs=0.08)
    assert abs(tau.mean() - TRUTH[method]) < 4 * tau.std() / np.sqrt(N_SIM) + 0.01 * abs(TRUTH[method])


@pytest.mark.parametrize("method", list(METHODS))
def test_zero_effect_rejects_five_percent(no_effect, method):
    rejected = no_effect["p"][method] < 0.05
    assert SIZE[0] <= rejected.mean() <= SIZE[1], f"{method}: rejection rate {rejected.mean():.3f}"


def test_a_real_effect_is_detected_more_often_with_cuped(with_effect):
    power = {m: float((with_effect["p"][m] < 0.05).mean()) for m in METHODS}
    assert power["dm"] > 2 * SIZE[1]
    assert power["cuped"] > power["dm"] + 0.05
    assert power["poisson_x"] > power["poisson"] + 0.05


def test_cuped_interval_is_narrower_when_history_predicts_the_outcome(with_effect):
    se, tau = with_effect["se"], with_effect["tau"]
    assert (se["cuped"] < se["dm"]).mean() > 0.95
    assert se["cuped"].mean() < 0.9 * se["dm"].mean()
    assert tau["cuped"].std() < 0.9 * tau["dm"].std()  # a real gain in precision, not only a smaller SE
    assert se["poisson_x"].mean() < 0.9 * se["poisson"].mean()


def test_a_non_robust_se_would_fail_these_bounds(no_effect):
    """The bounds discriminate: on the same overdispersed data the Poisson model-based SE over-rejects, and with a
    more dispersed control arm (no mean effect) the homoskedastic SE over-rejects while lin_estimate's HC3 holds."""
    assert (np.abs(no_effect["tau"]["poisson"]) > Z * no_effect["naive"]).mean() > 2 * SIZE[1]
    rng = np.random.default_rng(20263)
    n = N_SIM // 2
    robust, classical = np.empty(n, bool), np.empty(n, bool)
    for r in range(n):
        d = experiment_data(rng, 1.0, shape=SHAPE / 3, shape_treated=SHAPE * 2)
        e = lin_estimate(d["y"], d["treat"], w=d["w"])
        robust[r] = e.p_value() < 0.05
        classical[r] = abs(e.tau) > Z * classical_se(d)
    assert SIZE[0] <= robust.mean() <= SIZE[1] + 0.01, f"HC3 rejection rate {robust.mean():.3f}"
    assert classical.mean() > SIZE[1] + 0.03, f"classical rejection rate {classical.mean():.3f}"


def test_difference_in_means_and_its_hc3_se_by_hand():
    """Without covariates: tau = ȳ₁ − ȳ₀; HC3 with two groups = s₁²/(n₁−1) + s₀²/(n₀−1)."""
    y = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    t = np.array([1, 1, 1, 1, 1, 0, 0, 0])
    e = lin_estimate(y, t)
    y1, y0 = y[t == 1], y[t == 0]
    assert e.tau == pytest.approx(y1.mean() - y0.mean())
    se = np.sqrt(y1.var(ddof=1) / (len(y1) - 1) + y0.var(ddof=1) / (len(y0) - 1))
    assert e.se == pytest.approx(se)
    assert (e.n_treatment, e.n_control) == (5, 3)
    w = np.array([1.0, 2.0, 3.0, 1.0, 1.0, 2.0, 1.0, 1.0])
    ew = lin_estimate(y, t, w=w)
    assert ew.tau == pytest.approx(np.average(y1, weights=w[t == 1]) - np.average(y0, weights=w[t == 0]))


def test_lin_adjustment_is_the_difference_of_arm_regressions_at_the_mean_covariate():
    rng = np.random.default_rng(5)
    x = rng.normal(size=60)
    t = (rng.random(60) < 0.3).astype(int)
    y = 1 + 2 * x + t * (0.5 + x) + rng.normal(size=60)
    e = lin_estimate(y, t, x[:, None])
    fit = {a: np.polyfit(x[t == a], y[t == a], 1) for a in (0, 1)}
    assert e.tau == pytest.approx(np.polyval(fit[1], x.mean()) - np.polyval(fit[0], x.mean()))
    assert lin_estimate(y, t, (x + 100)[:, None]).tau == pytest.approx(e.tau)  # centring: location-free


def test_poisson_without_covariates_is_the_log_ratio_of_rates():
    total = np.array([0.0, 2.0, 5.0, 1.0, 0.0, 3.0, 1.0])
    exposure = np.array([1.0, 2.0, 3.0, 1.0, 2.0, 2.0, 1.0])
    t = np.array([1, 1, 1, 1, 0, 0, 0])
    e = poisson_estimate(total, exposure, t)
    rate = [total[t == a].sum() / exposure[t == a].sum() for a in (1, 0)]
    assert e.tau == pytest.approx(np.log(rate[0] / rate[1]))
    assert poisson_estimate(np.zeros(7), exposure, t).se == np.inf  # no events: no information


def test_estimate_interval_and_p_value():
    e = Estimate(tau=1.0, se=0.5, n_treatment=10, n_control=5)  # df = inf: the normal reference
    assert e.ci() == pytest.approx((1 - Z * 0.5, 1 + Z * 0.5))
    assert e.ci(0.9) == pytest.approx((1 - 1.6448536 * 0.5, 1 + 1.6448536 * 0.5))
    assert e.p_value() == pytest.approx(2 * stats.norm.sf(2.0))
    t = Estimate(tau=1.0, se=0.5, n_treatment=10, n_control=5, df=4)  # t reference: wider, larger p
    q = float(stats.t.ppf(0.975, 4))
    assert t.ci() == pytest.approx((1 - q * 0.5, 1 + q * 0.5))
    assert t.p_value() == pytest.approx(2 * stats.t.sf(2.0, 4)) and t.p_value() > e.p_value()
    assert np.isnan(Estimate(0.0, 0.0, 2, 2).p_value())


def test_t_reference_uses_the_smaller_arm():
    """Degrees of freedom: the smaller arm's accounts minus the parameters each arm fits."""
    y = np.arange(12, dtype=float) % 5
    t = np.r_[np.ones(8), np.zeros(4)].astype(int)
    assert lin_estimate(y, t).df == 4 - 1
    assert lin_estimate(y, t, np.arange(12.0)[:, None] ** 2).df == 4 - 2
    assert poisson_estimate(y, np.ones(12), t).df == 4 - 1


@pytest.mark.parametrize("n_control", [0, 1])
def test_fewer_than_two_accounts_in_an_arm_is_an_error(n_control):
    y = np.arange(6, dtype=float)
    t = np.r_[np.ones(6 - n_control), np.zeros(n_control)].astype(int)
    with pytest.raises(ValueError, match="at least two accounts per arm"):
        lin_estimate(y, t)
    with pytest.raises(ValueError, match="at least two accounts per arm"):
        poisson_estimate(y, np.ones(6), t)
    with pytest.raises(ValueError, match="at least two accounts per arm"):
        lin_estimate(y, 1 - t)  # the same with one treatment account


def test_negative_or_missing_outcomes_are_errors():
    t = np.array([1, 1, 1, 0, 0, 0])
    with pytest.raises(ValueError, match="non-negative"):
        poisson_estimate(np.array([1.0, -2.0, 0.0, 1.0, 0.0, 3.0]), np.ones(6), t)
    with pytest.raises(ValueError, match="finite"):
        lin_estimate(np.array([1.0, np.nan, 0.0, 1.0, 0.0, 3.0]), t)
