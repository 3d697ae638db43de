"""Power of a holdout experiment from the target accounts' own history: variance components, minimum detectable
effects (MDE) and a placebo simulation that checks the formula on the same history.

**Model.** Outcome ``Y_it`` of account i in period t (``opp_rate``, ``pipeline`` or ``won_revenue`` per account
per period, :func:`abm_lab.roi.lift.estimands.account_period_outcomes`) has mean ``m_t·u_i``: a common level per
period ``m_t`` (trend and seasonality, shared by both arms) times the account's own relative level ``u_i`` with
mean 1 and variance ``c`` (the between-account part); given ``u_i`` the periods are independent with variance
``φ·m_t·u_i`` (the within part: Poisson counts have φ = 1; amounts are compound counts, φ ≈ E[size²] / E[size]).
So ``Cov(Y_it, Y_is) = c·m_t·m_s`` for t ≠ s and ``Var(Y_it) = c·m_t² + φ·m_t``, estimated by moments from the
history (:class:`VarianceComponents`). At the baseline level ``m`` this is σ_b² = c·m² between accounts and
σ_w² = φ·m within an account.

**Estimator** (:func:`abm_lab.experiment.estimators.lin_estimate`): per account, ``y`` = mean outcome over the L
experiment periods, ``x`` = mean over the pre-period (the history); OLS of y on treat and centred x with the
interaction (CUPED, Lin 2013). Each arm's residual variance is ``A + B`` with
``A = c·m² − (c·m·m̄_pre)² / Var(x)`` (between part left after CUPED), ``B = φ·m / L`` (within part) and
``Var(x) = c·m̄_pre² + φ·Σ m_pre / n_pre²``.

**MDE.** A relative lift δ multiplies each treated account's rate by (1 + δ) (more events of the same kind), so
the treatment arm's residual variance is ``(1+δ)²·A + (1+δ)·B``. The MDE is the δ at which the test the analysis
runs (t critical value, HC3 standard error) reaches the power (:func:`power_at`: with a small control arm of
sparse counts the estimated standard error is noisy and correlated with the estimate); for small effects and
large arms it is the textbook ``(z_{1−α/2} + z_power)·sqrt(σ²_res·(1/n_T + 1/n_C))`` (``Mde.textbook``).

**Check** (:func:`simulate_power`): placebo experiments on the history itself: the earlier periods are the
pre-period, the last L the experiment; arms by :func:`abm_lab.experiment.assign.assign_arms`; the treated accounts
get extra events at δ × their own rate (drawn from its posterior given the account's history, or the true rate
when known) and the rejection rate of ``lin_estimate`` is the realised power at the formula's MDE.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..config.experiment import EXPERIMENT_METRICS
from ..roi.lift.estimands import account_period_outcomes
from ..roi.lift.sample import PeriodGrid, history_start
from .assign import ARMS, assign_arms
from .estimators import lin_estimate, small_sample_df

#: Metrics that count events (the placebo effect adds Poisson counts); the others are amounts of those events.
COUNT_METRICS = frozenset({"opp_rate"})


def history_panel(
    opportunities: pd.DataFrame, account_ids: Any, as_of: Any, roi_params: Any, history_quarters: int
) -> tuple[pd.DataFrame, PeriodGrid]:
    """Account × period outcomes of ``account_ids`` over the last ``history_quarters`` complete periods of
    ``roi.lift.panel_days`` days ending on ``as_of`` (fewer when the history is shorter; at least two)."""
    full = PeriodGrid.from_params(as_of, roi_params, history_start(opportunities))
    grid = PeriodGrid(full.as_of, full.days, min(full.n_periods, int(history_quarters)))
    out = account_period_outcomes(opportunities, account_ids, grid, as_of)
    return out[["account_id", "period", *EXPERIMENT_METRICS]], grid


def panel_array(panel: pd.DataFrame, metric: str, account_ids: Any = None) -> np.ndarray:
    """Accounts × periods (oldest first) array of one metric of a long panel."""
    wide = panel.pivot(index="account_id", columns="period", values=metric).sort_index(axis=1)
    if account_ids is not None:
        wide = wide.reindex(pd.Index(np.asarray(account_ids, dtype=object)).astype(str), fill_value=0.0)
    return wide.to_numpy(float)


def residual_moments(Y: np.ndarray) -> tuple[float, float]:
    """(skewness, Pearson kurtosis) across accounts of the last period's outcome after CUPED on the mean of the
    earlier ones: the shape of the per-account residuals of a one-period experiment (0 and 3 when normal)."""
    Y = np.asarray(Y, float)
    y, x = Y[:, -1], Y[:, :-1].mean(axis=1)
    xc, yc = x - x.mean(), y - y.mean()
    vx = float(xc @ xc)
    r = yc - (float(xc @ yc) / vx * xc if vx > 0 else 0.0)
    v = float(np.mean(r**2))
    if v <= 0:
        return 0.0, 3.0
    return float(np.mean(r**3) / v**1.5), float(np.mean(r**4) / v**2)


@dataclass(frozen=True)
class VarianceComponents:
    """Moment estimates of the model in the module docstring for one metric."""

    metric: str
    levels: tuple[float, ...]  # m_t: mean per account per period, oldest first
    between: float  # c = Var(u_i): between-account variance relative to the squared level
    dispersion: float  # φ: within-account variance per unit of level
    n_accounts: int
    skewness: float = 0.0  # of one period's CUPED residual across accounts (residual_moments)
    kurtosis: float = 3.0

    @classmethod
    def from_array(cls, Y: np.ndarray, metric: str = "") -> VarianceComponents:
        """``Y``: accounts × periods. ``c`` pools the cross-period covariances, ``φ`` the excess variances."""
        Y = np.asarray(Y, float)
        n, t = Y.shape
        if n < 3 or t < 2:
            raise ValueError(f"variance components need at least 3 accounts and 2 periods, got {n} × {t}")
        m = Y.mean(axis=0)
        C = np.atleast_2d(np.cov(Y, rowvar=False))
        iu = np.triu_indices(t, 1)
        denom = float(np.outer(m, m)[iu].sum())
        c = max(float(C[iu].sum()) / denom, 0.0) if denom > 0 else 0.0
        phi = max(float((np.diag(C) - c * m**2).sum()) / float(m.sum()), 0.0) if m.sum() > 0 else 0.0
        return cls(metric, tuple(float(v) for v in m), c, phi, n, *residual_moments(Y))

    @classmethod
    def from_panel(cls, panel: pd.DataFrame, metric: str, account_ids: Any = None) -> VarianceComponents:
        return cls.from_array(panel_array(panel, metric, account_ids), metric)

    @property
    def baseline(self) -> float:
        """Mean outcome per account per period over the history."""
        return float(np.mean(self.levels))

    @property
    def sigma_b2(self) -> float:
        """Between-account variance at the baseline level (c·m²)."""
        return self.between * self.baseline**2

    @property
    def sigma_w2(self) -> float:
        """Within-account variance of one period at the baseline level (φ·m)."""
        return self.dispersion * self.baseline

    def arm_variance_parts(
        self, length: int, pre_levels: Any = None, post_level: float | None = None
    ) -> tuple[float, float]:
        """(A, B): the between and within parts of one arm's CUPED residual variance of the mean over ``length``
        periods at level ``post_level`` (default the baseline), adjusted for the mean over ``pre_levels``
        (default the whole history)."""
        pre = np.asarray(self.levels if pre_levels is None else pre_levels, float)
        m = self.baseline if post_level is None else float(post_level)
        c, phi = self.between, self.dispersion
        var_x = c * pre.mean() ** 2 + phi * pre.sum() / len(pre) ** 2
        cov = c * m * pre.mean()
        a = c * m**2 - (cov**2 / var_x if var_x > 0 else 0.0)
        return max(a, 0.0), phi * m / int(length)

    def residual_variance(self, length: int, pre_levels: Any = None, post_level: float | None = None) -> float:
        """σ²_res: variance of the L-period mean left after CUPED on the pre-period mean."""
        a, b = self.arm_variance_parts(length, pre_levels, post_level)
        return a + b

    def raw_variance(self, length: int, post_level: float | None = None) -> float:
        """Variance of the L-period mean without covariate adjustment (c·m² + φ·m / L)."""
        m = self.baseline if post_level is None else float(post_level)
        return self.between * m**2 + self.dispersion * m / int(length)


@dataclass(frozen=True)
class Mde:
    """Minimum detectable effect per account per period: ``absolute``, ``relative`` to ``baseline``; ``textbook``
    is the relative MDE of the equal-variance normal formula z·sqrt(σ²_res·(1/n_T + 1/n_C)) / baseline."""

    absolute: float
    relative: float
    textbook: float
    baseline: float
    n_treatment: float
    n_control: float


#: Coefficients of each arm's fit in ``lin_estimate`` (intercept, CUPED slope): HC3's variance is about v / (n − k).
ARM_PARAMETERS = 2


def z_sum(alpha: float, power: float) -> float:
    """z_{1−α/2} + z_power (two-sided test)."""
    return float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))


def critical_value(alpha: float, n_treatment: float, n_control: float) -> float:
    """The analysis' two-sided critical value: Student t with ``lin_estimate``'s small-sample degrees of freedom."""
    df = small_sample_df(int(round(n_treatment)), int(round(n_control)), ARM_PARAMETERS)
    return float(stats.t.ppf(1 - alpha / 2, df))


def power_at(
    vc: VarianceComponents,
    effect: float,
    n_treatment: float,
    n_control: float,
    *,
    alpha: float,
    length: int,
    pre_levels: Any = None,
    post_level: float | None = None,
) -> float:
    """Power of the test τ̂ / ŝ > z (:func:`critical_value`) at a relative lift ``effect``.

    τ̂ has the model's variance σ² = v_T/n_T + v_C/n_C; the HC3 variance ŝ² is about v_T/(n_T−k) + v_C/(n_C−k) and
    is itself noisy and correlated with τ̂ when the residuals are skewed and heavy-tailed (sparse counts: a control
    arm with a few more events has both a higher mean and a larger variance). With W = τ̂ − z·ŝ and the delta
    method, power = Φ((δ·m − z·E ŝ) / sd(W)), sd(W)² = σ² + z²·Var(ŝ) − 2z·Cov(τ̂, ŝ), from each arm's residual
    skewness and kurtosis (those of one period, scaled to L periods and, in the treatment arm, to (1+δ) times the
    events)."""
    m = vc.baseline if post_level is None else float(post_level)
    a, b = vc.arm_variance_parts(length, pre_levels, m)
    nt, nc, k = float(n_treatment), float(n_control), ARM_PARAMETERS
    if nt <= k or nc <= k or m <= 0:
        return float("nan")
    d = float(effect)
    z = critical_value(alpha, nt, nc)
    arms = []
    for n, v, events in ((nt, (1 + d) ** 2 * a + (1 + d) * b, int(length) * (1 + d)), (nc, a + b, int(length))):
        skew, ex_kurt = vc.skewness / np.sqrt(events), (vc.kurtosis - 3) / events
        arms.append((n, v, skew * v**1.5, (ex_kurt + 2) * v**2))
    var_tau = sum(v / n for n, v, _, _ in arms)
    if var_tau <= 0:
        return 1.0 if d > 0 else float("nan")
    s2 = sum(v / (n - k) for n, v, _, _ in arms)
    var_s2 = sum(m4 / n**3 for n, _, _, m4 in arms)  # Var(sample variance) ≈ (κ − 1)·v² / n
    cov_tau_s2 = arms[0][2] / arms[0][0] ** 2 - arms[1][2] / arms[1][0] ** 2  # third moment / n, per arm mean
    s = np.sqrt(s2)
    var_w = var_tau + z**2 * var_s2 / (4 * s2) - 2 * z * cov_tau_s2 / (2 * s)
    return float(stats.norm.cdf((d * m - z * s) / np.sqrt(max(var_w, var_tau * 1e-6))))


def mde(
    vc: VarianceComponents,
    n_treatment: float,
    n_control: float,
    *,
    alpha: float,
    power: float,
    length: int,
    pre_levels: Any = None,
    post_level: float | None = None,
) -> Mde:
    """MDE of a two-sided test at ``alpha`` with ``power`` for arms of ``n_treatment`` / ``n_control`` accounts
    over ``length`` periods: the relative lift at which :func:`power_at` reaches ``power`` (module docstring).
    Infinite when the baseline is zero or an arm has too few accounts."""
    m = vc.baseline if post_level is None else float(post_level)
    a, b = vc.arm_variance_parts(length, pre_levels, m)
    nt, nc = float(n_treatment), float(n_control)
    if m <= 0 or nt <= ARM_PARAMETERS or nc <= ARM_PARAMETERS:
        return Mde(float("inf"), float("inf"), float("inf"), m, nt, nc)
    if a + b <= 0:
        return Mde(0.0, 0.0, 0.0, m, nt, nc)
    textbook = float(z_sum(alpha, power) * np.sqrt((a + b) * (1 / nt + 1 / nc)) / m)
    kw = {"alpha": alpha, "length": length, "pre_levels": pre_levels, "post_level": m}

    def gap(d: float) -> float:
        return power_at(vc, d, nt, nc, **kw) - power

    hi = 2 * textbook
    while gap(hi) < 0:
        hi *= 2
        if hi > 1e6:
            return Mde(float("inf"), float("inf"), textbook, m, nt, nc)
    lo = 0.0
    while hi - lo > 1e-10 * hi:  # bisection: power_at rises with the effect
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if gap(mid) < 0 else (lo, mid)
    rel = (lo + hi) / 2
    return Mde(rel * m, rel, textbook, m, nt, nc)


def _arms(n: int, share: float) -> tuple[float, float]:
    """Expected (treatment, control) accounts of ``n`` randomised at ``share``."""
    return n * (1 - share), n * share


def mde_curve_share(
    vc: VarianceComponents, n_randomised: int, shares: Any, *, alpha: float, power: float, length: int
) -> pd.DataFrame:
    """MDE by holdout share (expected arm sizes)."""
    rows = []
    for s in shares:
        nt, nc = _arms(n_randomised, float(s))
        r = mde(vc, nt, nc, alpha=alpha, power=power, length=length)
        rows.append({"share": float(s), "n_control": nc, "mde": r.absolute, "mde_relative": r.relative})
    return pd.DataFrame(rows)


def mde_curve_length(
    vc: VarianceComponents, n_treatment: float, n_control: float, lengths: Any, *, alpha: float, power: float
) -> pd.DataFrame:
    """MDE by experiment length in periods (quarters) at fixed arm sizes."""
    rows = []
    for q in lengths:
        r = mde(vc, n_treatment, n_control, alpha=alpha, power=power, length=int(q))
        rows.append({"quarters": int(q), "mde": r.absolute, "mde_relative": r.relative})
    return pd.DataFrame(rows)


def auto_share(
    vc: VarianceComponents,
    n_randomised: int,
    shares: Any,
    target_mde: float,
    *,
    alpha: float,
    power: float,
    length: int,
) -> tuple[float, bool]:
    """The smallest share whose relative MDE is at most ``target_mde`` and True; else the share with the smallest
    MDE (the treatment arm's variance grows with the lift, so past some share a larger holdout no longer
    helps), False."""
    curve = mde_curve_share(vc, n_randomised, sorted(shares), alpha=alpha, power=power, length=length)
    ok = curve.loc[curve["mde_relative"] <= target_mde, "share"]
    if len(ok):
        return float(ok.iloc[0]), True
    return float(curve["share"].iloc[int(np.argmin(curve["mde_relative"].to_numpy(float)))]), False


@dataclass(frozen=True)
class PowerSimulation:
    """Placebo experiments on the history: realised power at the formula's MDE."""

    metric: str
    n_simulations: int
    share: float
    pre_periods: int
    post_periods: int
    effect_relative: float  # the formula's MDE for this placebo (pre / post split of the history)
    target_power: float
    simulated_power: float
    mc_se: float  # Monte Carlo standard error of simulated_power
    formula_se: float  # the formula's standard error at the effect
    simulated_sd: float  # spread of the estimates across simulations

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _extra(rates: np.ndarray, effect: float, count: bool, sizes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Extra outcome per cell from ``effect`` × ``rates`` more events (amounts: sizes resampled from ``sizes``)."""
    if count:
        return rng.poisson(effect * rates).astype(float)
    if not len(sizes):
        return np.zeros_like(rates)
    k = rng.poisson(effect * rates / sizes.mean())
    out = np.zeros(k.size)
    draws = rng.choice(sizes, size=int(k.sum()))
    np.add.at(out, np.repeat(np.arange(k.size), k.ravel()), draws)
    return out.reshape(rates.shape)


#: Placebo assignments drawn per call of ``assign_arms`` (each stratum of each simulation is its own stratum).
_BATCH = 100


def _placebo_arms(
    account_ids: Any, strata: Any, share: float, rng: np.random.Generator, n: int
) -> Iterator[np.ndarray]:
    """``n`` independent assignments (1.0 = treatment) by :func:`assign_arms`, several per call for speed: the
    copies of an account are distinct ids and each (copy, stratum) pair a distinct stratum, so each copy is
    exactly one stratified draw."""
    ids = pd.Series(np.asarray(account_ids, dtype=object)).astype(str).to_numpy(object)
    st = pd.Series(np.asarray(strata, dtype=object)).astype(str).to_numpy(object)
    done = 0
    while done < n:
        b = min(_BATCH, n - done)
        tag = np.repeat([f"{j}\x1f" for j in range(b)], len(ids)).astype(object)
        arms = assign_arms(tag + np.tile(ids, b), tag + np.tile(st, b), share, rng)
        yield from (arms.reshape(b, len(ids)) == ARMS[0]).astype(float)
        done += b


def simulate_power(
    Y: np.ndarray,
    account_ids: Any,
    strata: Any,
    share: float,
    *,
    length: int,
    alpha: float,
    power: float,
    n_simulations: int,
    rng: np.random.Generator,
    metric: str = "opp_rate",
    rates: np.ndarray | None = None,
) -> PowerSimulation:
    """Realised power of ``lin_estimate`` at the formula's MDE on placebo experiments on the history ``Y``
    (accounts × periods, oldest first): the last ``length`` periods are the experiment, the earlier ones the
    pre-period (CUPED covariate). Each simulation draws arms with ``assign_arms`` and gives the treated accounts
    extra events at MDE × their own rate: ``rates`` (accounts × periods) when the truth is known, else a draw of
    ``m_t·u_i`` from the posterior of ``u_i`` given the account's history (gamma, from the fitted components)."""
    Y = np.asarray(Y, float)
    n, t = Y.shape
    if not 1 <= length < t:
        raise ValueError(f"a placebo needs at least one pre-period: {length} experiment periods of {t}")
    vc = VarianceComponents.from_array(Y, metric)
    lv = np.asarray(vc.levels)
    pre_lv, post_lv = lv[: t - length], lv[t - length :]
    nt, nc = _arms(n, share)
    m_post = float(post_lv.mean())
    f = mde(vc, nt, nc, alpha=alpha, power=power, length=length, pre_levels=pre_lv, post_level=m_post)
    a, b = vc.arm_variance_parts(length, pre_lv, m_post)
    d = f.relative
    if not np.isfinite(d):  # no detectable effect (too few controls, no events): nothing to simulate
        nan = float("nan")
        return PowerSimulation(metric, 0, float(share), t - length, int(length), d, float(power), nan, nan, nan, nan)
    formula_se = float(np.sqrt(((1 + d) ** 2 * a + (1 + d) * b) / nt + (a + b) / nc))
    x, y0 = Y[:, : t - length].mean(axis=1), Y[:, t - length :]
    sizes = Y[Y > 0]
    count = metric in COUNT_METRICS
    c, phi = vc.between, max(vc.dispersion, 1e-12)
    # posterior of u_i (prior gamma with mean 1, variance c) given the account's history: gamma(shape_i, scale)
    shape = 1 / c + Y.sum(axis=1) / phi if c > 0 else np.zeros(n)
    scale = 1 / (1 / c + float(lv.sum()) / phi) if c > 0 else 0.0
    crit: dict[float, float] = {}  # two-sided p < alpha as Estimate.p_value (t with the estimate's df)
    rejected, taus = 0, []
    for treat in _placebo_arms(account_ids, strata, share, rng, int(n_simulations)):
        if rates is not None:
            r = np.asarray(rates, float)[:, t - length :]
        else:
            u = np.asarray(rng.gamma(shape, scale) if c > 0 else np.ones(n), float)
            r = u[:, None] * post_lv[None, :]
        y = (y0 + treat[:, None] * _extra(r, d, count, sizes, rng)).mean(axis=1)
        est = lin_estimate(y, treat, x)
        taus.append(est.tau)
        if est.df not in crit:
            crit[est.df] = float(stats.t.ppf(1 - alpha / 2, est.df))
        rejected += bool(abs(est.tau) > crit[est.df] * est.se)
    p = rejected / max(int(n_simulations), 1)
    return PowerSimulation(
        metric=metric,
        n_simulations=int(n_simulations),
        share=float(share),
        pre_periods=t - length,
        post_periods=int(length),
        effect_relative=float(d),
        target_power=float(power),
        simulated_power=float(p),
        mc_se=float(np.sqrt(p * (1 - p) / max(int(n_simulations), 1))),
        formula_se=formula_se,
        simulated_sd=float(np.std(taus, ddof=1)) if len(taus) > 1 else float("nan"),
    )
