"""Velocity: Kaplan–Meier by hand, Cox hazard ratios, censoring of open deals (Maven CRM), pipeline velocity;
won / lost as competing outcomes (Aalen–Johansen), fit-adjusted ABM comparison, one-population pipeline velocity,
stated clocks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.errors import ABMDataError
from abm_lab.roi import competing as C
from abm_lab.roi import segments as A
from abm_lab.roi import velocity as V


def test_maven_velocity_censors_open_deals(maven):
    ds, _ = maven
    d = V.close_durations(ds.tables["opportunities"], "2017-12-31")
    assert d.attrs["no_date"] == 500  # prospecting deals have no engage date
    v = V.estimate_velocity(d, covariates=["log_amount"], what="opportunity to close")
    r = v.medians.loc["all"]
    assert r["n"] == 8300 and r["events"] == 6711 and r["censored"] == 1589
    # open deals are still running: the KM median is longer than the closed-only average
    assert r["median_days"] > 51.78
    assert r["ci_low"] <= r["median_days"] <= r["ci_high"]


def test_kaplan_meier_matches_hand_computation():
    d = pd.DataFrame({"days": [2, 3, 3, 5, 7, 8, 10, 12], "event": [1, 1, 0, 1, 0, 1, 1, 0]})
    v = V.estimate_velocity(d)
    c = v.curves["all"].set_index("days")["survival"]
    # product-limit: S(2)=7/8, S(3)=7/8*6/7, S(5)=.75*4/5, S(8)=.6*2/3, S(10)=.4*1/2
    assert c[2] == pytest.approx(7 / 8)
    assert c[3] == pytest.approx(0.75)
    assert c[5] == pytest.approx(0.6)
    assert c[8] == pytest.approx(0.4)
    assert c[10] == pytest.approx(0.2)
    assert v.median() == 8


def test_cox_recovers_hazard_ratio_and_km_beats_closed_only():
    rng = np.random.default_rng(3)
    n = 3000
    fast = rng.random(n) < 0.5
    t = rng.exponential(np.where(fast, 30.0, 60.0))  # hazard ratio 2 for "fast"
    cens = rng.uniform(0, 120, n)
    d = pd.DataFrame({"days": np.minimum(t, cens), "event": t <= cens, "grp": np.where(fast, "b_fast", "a_slow")})
    v = V.estimate_velocity(d, group="grp")
    hr = v.cox.loc["grp=b_fast"]
    assert hr["ci_low"] < 2.0 < hr["ci_high"]
    # true medians 60 ln2 = 41.6 and 20.8 days; KM covers them, the closed-only mean is biased low
    assert v.medians.loc["a_slow", "ci_low"] < 60 * np.log(2) < v.medians.loc["a_slow", "ci_high"]
    assert v.medians.loc["b_fast", "ci_low"] < 30 * np.log(2) < v.medians.loc["b_fast", "ci_high"]
    assert "Cox" in v.summary().as_text()
    # the summary's tables carry the intervals
    assert {"ci_low", "ci_high"} <= set(v.summary().tables[0].columns) & set(v.summary().tables[1].columns)


def test_pipeline_velocity():
    assert V.pipeline_velocity(100, 0.25, 40_000, 50) == pytest.approx(20_000)
    assert np.isnan(V.pipeline_velocity(100, 0.25, 40_000, 0))
    d = pd.DataFrame({"days": [10.0, 20.0, 30.0, 40.0], "event": True, "abm": ["ABM", "ABM", "non-ABM", "non-ABM"]})
    v = V.estimate_velocity(d, group="abm")
    actuals = {"opportunities": 100, "win_rate": 0.25, "avg_deal_size": 40_000}
    assert V.window_pipeline_velocity(actuals, v) == pytest.approx(1_000_000 / v.median("ABM"))
    v_all = V.estimate_velocity(d.drop(columns="abm"))
    assert V.window_pipeline_velocity(actuals, v_all) == pytest.approx(1_000_000 / v_all.median())


def test_empty_velocity():
    v = V.estimate_velocity(pd.DataFrame({"days": [], "event": []}), group=None)
    assert v.medians.empty and v.cox is None


# --------------------------------------------------------------------------- issue 15 item 7
def _deals(days, outcome):
    return pd.DataFrame({"days": np.asarray(days, float), "outcome": outcome, "abm": "ABM"})


def test_aalen_johansen_matches_hand_computation_and_km_overstates():
    """Four deals lost at day 5, one open (censored) at 15: the AJ CIF of won by hand; 1 − KM with lost
    censored pretends lost deals could still be won and overstates P(won by day 30) almost twofold."""
    d = _deals([5, 5, 5, 5, 10, 15, 20, 25, 30, 40], ["lost"] * 4 + ["won", "open", "won", "lost", "won", "won"])
    res = C.deal_outcomes(d, horizons=(10, 20, 30, 40), shares=(0.5,))
    # S(5)=.6; won at 10: .6/6=.1; at 20: S=.5, .5/4=.125; lost at 25 (S=.375, 3 at risk); at 30: .25/2; at 40: .125
    assert res.cif(10) == pytest.approx(0.1)
    assert res.cif(20) == pytest.approx(0.225)
    assert res.cif(30) == pytest.approx(0.35)
    assert res.cif(40) == pytest.approx(0.475)
    assert res.cif(30, cause="lost") == pytest.approx(0.4 + 0.375 / 3)
    assert res.cif(40) + res.cif(40, cause="lost") == pytest.approx(1.0)  # nobody left open at day 40
    row = res.table.loc[("all", 30)]
    # KM with lost censored: 5/6 · 3/4 · 1/2 → 1 − 0.3125
    assert row["km_won"] == pytest.approx(0.6875)
    assert row["km_overstates"] == pytest.approx(0.6875 - 0.35)
    assert row["won_low"] < 0.35 < row["won_high"]
    # half of the eventual wins (0.475 / 2 = 0.2375) are reached on day 30 (0.35), not on day 20 (0.225)
    assert res.time_to_win.loc["all", "days_50pct"] == 30
    text = res.summary().as_text()
    assert "Aalen–Johansen" in text and "overstates" in text


def test_aalen_johansen_binomial_variance_without_censoring():
    """No censoring: the CIF is a plain share and its variance the binomial p(1 − p)/n."""
    c = C.aalen_johansen(np.array([3.0] * 3 + [7.0] * 7), np.array(["won"] * 3 + ["lost"] * 7, dtype=object))
    assert c["var_won"].iloc[-1] == pytest.approx(0.3 * 0.7 / 10)
    assert c["var_lost"].iloc[-1] == pytest.approx(0.3 * 0.7 / 10)


def test_aalen_johansen_intervals_cover_the_true_cif_across_seeds():
    """Exponential won / lost hazards, uniform censoring: the true CIF of won at 60 days is
    λw / (λw + λl) (1 − exp(−(λw + λl) 60)); the 95% intervals cover it in about 95% of 200 worlds,
    while 1 − KM with lost censored (1 − exp(−λw 60)) is far above it."""
    lw, ll, h, n = 1 / 80, 1 / 40, 60.0, 300
    true = lw / (lw + ll) * (1 - np.exp(-(lw + ll) * h))
    hits, km = 0, []
    for seed in range(200):
        rng = np.random.default_rng(seed)
        tw, tl, tc = rng.exponential(1 / lw, n), rng.exponential(1 / ll, n), rng.uniform(0, 200, n)
        t = np.ceil(np.minimum.reduce([tw, tl, tc]))
        o = np.where(tc < np.minimum(tw, tl), "open", np.where(tw < tl, "won", "lost")).astype(object)
        curve = C.aalen_johansen(t, o)
        hits += C.at(curve, "low_won", h) <= true <= C.at(curve, "high_won", h)
        km.append(C.at(C.km_ignoring_competing(t, o), "km_won", h))
    assert 0.90 <= hits / 200 <= 0.99
    assert np.mean(km) == pytest.approx(1 - np.exp(-lw * h), abs=0.02)
    assert np.mean(km) > true + 0.1


def test_deal_outcomes_from_close_durations_per_group(tiny):
    d = V.close_durations(tiny["opportunities"], "2026-12-31", segments=A.account_frame(tiny))
    assert list(d["outcome"]) == ["won", "open", "won", "open"]
    res = C.deal_outcomes(d, group="abm", horizons=(30,))
    assert set(res.curves) == {"all", "ABM", "non-ABM"}
    assert res.clock.startswith("Clock: days from the opportunity's created date")
    with pytest.raises(ABMDataError, match="outcome"):
        C.deal_outcomes(d.drop(columns="outcome"))


def _fit_world(seed: int, n: int = 1500, by_grade: bool = False):
    """ABM accounts have higher fit; the hazard of winning rises with fit and NOT with ABM membership."""
    rng = np.random.default_rng(seed)
    abm = rng.random(n) < 0.4
    if by_grade:
        grade = np.where(rng.random(n) < np.where(abm, 0.7, 0.2), "A", "C")
        log_hr = np.where(grade == "A", np.log(3.0), 0.0)
    else:
        fit = np.clip(rng.normal(np.where(abm, 70, 40), 12), 0, 100)
        log_hr = 0.03 * (fit - 50)
    t = np.ceil(rng.exponential(60 * np.exp(-log_hr)))  # whole days, as CRM dates give
    cens = np.ceil(rng.uniform(0, 240, n))
    d = pd.DataFrame({"days": np.minimum(t, cens), "event": t <= cens, "abm": np.where(abm, "ABM", "non-ABM")})
    if by_grade:
        d["grade"] = grade
    else:
        d["fit_score"] = fit
    return d


@pytest.mark.parametrize("by_grade", [False, True])
def test_compare_abm_adjusted_for_fit_removes_the_fit_difference(by_grade):
    """ABM accounts faster only because they are higher-fit: the raw hazard ratio is far from 1, the
    fit-adjusted one (fit score as covariate, or strata by grade) is ~1 and its interval covers 1."""
    fit = "grade" if by_grade else "fit_score"
    raw_hr, adj_log_hr, covered = [], [], 0
    for seed in range(6):
        cmp = V.compare_abm(_fit_world(seed, by_grade=by_grade), fit=fit, what="time to win")
        assert cmp.adjusted
        assert cmp.label.startswith("Fit-adjusted")
        raw, adj = cmp.table.loc["raw"], cmp.table.loc["adjusted"]
        raw_hr.append(raw["ci_low"])
        adj_log_hr.append(np.log(adj["hazard_ratio"]))
        covered += adj["ci_low"] < 1.0 < adj["ci_high"]
    assert min(raw_hr) > 1.2  # the raw comparison says ABM is much faster, in every world
    assert abs(np.mean(adj_log_hr)) < 0.05 and max(np.abs(adj_log_hr)) < 0.2  # adjusted: no difference
    assert covered >= 5  # the 95% interval covers the true hazard ratio 1 in (about) 95% of worlds
    assert "fit-adjusted" in cmp.summary().as_text()


def test_compare_abm_without_fit_is_labelled_descriptive():
    d = _fit_world(0).drop(columns="fit_score")
    for cmp in (V.compare_abm(d, fit="fit_score"), V.compare_abm(d.assign(grade="ungraded"), fit="grade")):
        assert not cmp.adjusted
        assert cmp.label.startswith("Descriptive")
        assert list(cmp.table.index) == ["raw"]
        assert "descriptive" in cmp.summary().as_text()


def _window_opps():
    def ts(v):
        return pd.to_datetime(pd.Series(v), format="ISO8601")

    return pd.DataFrame(
        {
            "opportunity_id": list("ABCDEFG"),
            "account_id": ["a1", "a2", "a3", "a4", "a5", "a6", "a7"],
            "created_date": ts(
                ["2025-11-01", "2026-01-10", "2026-02-01", "2026-03-01", "2026-03-15", "2025-12-01", "2026-03-20"]
            ),
            "close_date": ts(["2026-01-31", "2026-02-09", "2026-03-03", None, "2026-05-14", "2026-03-31", None]),
            "amount": [100.0, 50.0, 200.0, 80.0, 300.0, 40.0, 60.0],
            "is_won": [True, False, True, False, True, False, False],
            "is_closed": [True, True, True, False, True, True, False],
        }
    )


def test_pipeline_velocity_uses_one_population():
    """Window Q1 2026, as of 2026-06-30. Closed in the window: A (won, 91 d, 100), B (lost, 30 d), C (won, 30 d,
    200), F (lost, 120 d): 4 × 0.5 × 150 / median(91, 30, 30, 120) = 300 / 60.5. Created in the window: B, C, D,
    E, G: AJ P(won) 0.4, won size 250, KM median to close 60: 5 × 0.4 × 250 / 60. Today's mix (created count,
    closed win rate and size, cycle of every deal: KM median 91) gives 5 × 0.5 × 150 / 91 – neither."""
    from abm_lab.roi.kpis import deal_kpis

    opps, window, as_of = _window_opps(), ("2026-01-01", "2026-03-31"), "2026-06-30"
    closed = C.pipeline_velocity_of(opps, window, as_of, population="closed")
    f = closed.factors.loc["all"]
    assert (f["opportunities"], f["win_rate"], f["avg_deal_size"], f["cycle_days"]) == (4, 0.5, 150, 60.5)
    assert closed.value() == pytest.approx(300 / 60.5)
    assert "4 opportunities closed (won or lost) between 2026-01-01 and 2026-03-31" in closed.statement
    created = C.pipeline_velocity_of(opps, window, as_of, population="created")
    f = created.factors.loc["all"]
    assert (f["opportunities"], f["cycle_days"], f["avg_deal_size"]) == (5, 60, 250)
    assert f["win_rate"] == pytest.approx(0.4)
    assert created.value() == pytest.approx(500 / 60)
    assert "2 still open" in created.statement
    # the mixed-population number of the old notebook cell
    k = deal_kpis(opps, window=window).loc["all"]
    actuals = {"opportunities": k["opps"], "win_rate": k["win_rate"], "avg_deal_size": k["avg_deal_size"]}
    mixed = V.window_pipeline_velocity(actuals, V.estimate_velocity(V.close_durations(opps, as_of)))
    assert mixed == pytest.approx(5 * 0.5 * 150 / 91)
    assert not np.isclose(mixed, closed.value()) and not np.isclose(mixed, created.value())
    assert "one population" in closed.summary().as_text()
    with pytest.raises(ABMDataError, match="population"):
        C.pipeline_velocity_of(opps, window, as_of, population="both")


def test_pipeline_velocity_per_group():
    opps = _window_opps()
    seg = pd.DataFrame({"account_id": opps["account_id"], "abm": ["ABM"] * 3 + ["non-ABM"] * 4})
    pv = C.pipeline_velocity_of(opps, ("2026-01-01", "2026-03-31"), "2026-06-30", segments=seg, group="abm")
    assert pv.factors.loc["ABM", "opportunities"] == 3  # A, B, C
    assert pv.value("ABM") == pytest.approx(3 * (2 / 3) * 150 / 30)
    assert np.isnan(pv.value("nobody"))


def test_velocity_states_its_clock(tiny):
    """Each velocity result says which clock it counts on, in a sentence the page prints."""
    seg = A.account_frame(tiny)
    close = V.estimate_velocity(V.close_durations(tiny["opportunities"], "2026-12-31", segments=seg), group="abm")
    assert "from the opportunity's created date to its close date" in close.clock
    assert "2026-12-31" in close.clock and close.clock in close.summary().as_text()
    op = V.opp_durations(seg, tiny["touchpoints"], tiny["opportunities"], "2026-12-31", since="2026-01-01")
    v_open = V.estimate_velocity(op, group="abm")
    assert "first touch on or after 2026-01-01" in v_open.clock
    assert "first recorded touch" in V.open_clock("2026-12-31")
    cmp = V.compare_abm(op, fit="grade")
    assert cmp.clock == v_open.clock


def test_velocity_figures_and_tables_of_the_new_results():
    """The competing-outcome figure and tables, the ABM comparison table and the pipeline velocity table."""
    import matplotlib

    matplotlib.use("Agg")
    from abm_lab.roi import plots as P

    d = _deals([5, 5, 10, 15, 20, 25, 30, 40], ["lost", "lost", "won", "open", "won", "lost", "won", "won"])
    d["abm"] = ["ABM", "non-ABM"] * 4
    res = C.deal_outcomes(d, group="abm", horizons=(30,))
    fig = P.competing_figure(res)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels[:2] == ["all: won", "all: lost"] and labels[-1].startswith("all: won, 1 − KM")
    t = P.competing_table(res)
    assert t.loc[("all", 30), "won by day (95% CI)"].startswith(f"{res.cif(30):.1%}")
    cmp = V.compare_abm(_fit_world(0), fit="fit_score")
    tab = P.abm_comparison_table({"opportunity → won": cmp, "none": V.compare_abm(_fit_world(0), fit=None)})
    assert list(tab["reading"]) == ["descriptive", "fit-adjusted", "descriptive"]
    pv = C.pipeline_velocity_of(_window_opps(), ("2026-01-01", "2026-03-31"), "2026-06-30")
    assert P.pipeline_velocity_table(pv).loc["all", "median cycle (days)"] == "60.5"
    empty = C.deal_outcomes(d.iloc[:0])
    assert empty.table.empty and P.plot_cif(empty).texts[0].get_text() == "no data"
