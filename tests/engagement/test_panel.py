"""Engagement score: panel (no leakage), scorers, score 1-5, SHAP additivity, reasons, explorer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab import engagement as E
from abm_lab.config import DemoParams, load_params
from abm_lab.config.engagement import EngagementParams
from abm_lab.errors import ABMDataError, ABMParamsError

AS_OF = "2026-12-31"


@pytest.fixture(scope="module")
def world():
    from abm_lab.synth import world_dataset

    ds = world_dataset(DemoParams(n_accounts=800, n_contacts=6000, n_touchpoints=80000), AS_OF)
    tp, _ = E.resolve_touchpoints(ds.tables["touchpoints"], ds.truth)
    pers = E.truth_personas(ds.truth, ds.tables["contacts"])
    fit = pd.DataFrame(
        {"account_id": ds.truth["accounts"]["account_id"], "fit_score": 100 * ds.truth["accounts"]["fit_prob"]}
    )
    return ds, tp, pers, fit


@pytest.fixture(scope="module")
def params():
    return EngagementParams(n_bootstrap=20)


@pytest.fixture(scope="module")
def panel(world, params):
    ds, tp, pers, fit = world
    snaps = E.default_snapshots(tp, AS_OF, params)
    return E.build_panel(
        tp,
        ds.tables["accounts"],
        ds.tables["opportunities"],
        snaps,
        AS_OF,
        params,
        personas=pers,
        fit=fit,
        programs=ds.tables["programs"],
    )


@pytest.fixture(scope="module")
def result(panel, params, world):
    return E.fit_engagement(panel, params, weekly=world[0].truth["weekly"])


@pytest.fixture(scope="module")
def scored(panel, result, params, world):
    ds = world[0]
    grades = pd.DataFrame(
        {
            "account_id": ds.tables["accounts"]["account_id"],
            "grade": np.array(list("ABCDEF"))[np.arange(len(ds.tables["accounts"])) % 6],
        }
    )
    return E.score_accounts(panel, result, ds.tables["accounts"], grades, params)


# ----------------------------------------------------------------------------- params
def test_params_cutoffs_validated():
    with pytest.raises(ABMParamsError, match="strictly increasing"):
        load_params(overrides={"engagement": {"score_cutoffs": [0.1, 0.05, 0.2, 0.3]}})
    with pytest.raises(ABMParamsError, match="exactly 4"):
        load_params(overrides={"engagement": {"score_cutoffs": [0.1, 0.2]}})
    with pytest.raises(ABMParamsError, match="windows_days"):
        load_params(overrides={"engagement": {"windows_days": [30, 7]}})
    assert load_params().engagement.score_cutoffs == sorted(load_params().engagement.score_cutoffs)


def test_to_score_boundaries():
    cut = [0.02, 0.05, 0.10, 0.20]
    got = E.to_score([0.0, 0.0199, 0.02, 0.049, 0.05, 0.11, 0.2, 0.99], cut)
    assert got.tolist() == [1, 1, 2, 2, 3, 4, 5, 5]
    with pytest.raises(ABMDataError):
        E.to_score([0.1], [0.2, 0.1, 0.3, 0.4])


# ----------------------------------------------------------------------------- panel
def test_panel_shape_and_accounting(panel, world):
    ds, tp = world[0], world[1]
    n_acc = len(ds.tables["accounts"])
    assert len(panel) == n_acc * panel["snapshot_date"].nunique()
    assert not panel.duplicated(["account_id", "snapshot_date"]).any()
    acct = E.panel_accounting(panel, tp).set_index("item")["rows"]
    excluded = sum(v for k, v in acct.items() if "(excluded)" in k)
    assert excluded + acct["  eligible"] == acct["account-snapshots"]
    # customers (no hazard) are never eligible; initial customers have no opportunities at all
    cust = ds.tables["accounts"].loc[ds.tables["accounts"]["is_customer"].fillna(False).astype(bool), "account_id"]
    assert not panel.loc[panel["account_id"].isin(cust), "eligible"].any()
    # the latest snapshot is the scoring date (as_of + 1 day) and has no observed label
    last = panel["snapshot_date"].max()
    assert last == pd.Timestamp(AS_OF) + pd.Timedelta(days=1)
    assert not panel.loc[panel["snapshot_date"] == last, "label_observed"].any()


def test_panel_features_match_pandas(panel, world, params):
    """Recompute a few features and the label by hand for a sample of account-snapshots."""
    ds, tp = world[0], world[1]
    opp = ds.tables["opportunities"]
    rng = np.random.default_rng(1)
    sample = panel[panel["eligible"]].iloc[rng.integers(0, int(panel["eligible"].sum()), 40)]
    for _, r in sample.iterrows():
        s = r["snapshot_date"]
        t = tp[(tp["account_id"] == r["account_id"]) & (tp["timestamp"] < s)]
        t30 = t[t["timestamp"] >= s - pd.Timedelta(days=30)]
        assert r["touches_30d"] == len(t30)
        assert r["contacts_30d"] == t30["contact_id"].nunique()
        assert r["anon_visits_30d"] == int(t30["contact_id"].isna().sum())
        assert r["bofu_30d"] == int(t30["activity_type"].isin(params.bofu_activities).sum())
        t_cap = t[t["timestamp"] >= s - pd.Timedelta(days=params.recency_cap_days)]
        exp_rec = (
            params.recency_cap_days
            if t_cap.empty
            else min((s - t_cap["timestamp"].max().normalize()).days - 1, params.recency_cap_days)
        )
        assert r["days_since_last_touch"] == exp_rec
        o = opp[
            (opp["account_id"] == r["account_id"])
            & (opp["created_date"] >= s)
            & (opp["created_date"] < s + pd.Timedelta(days=params.horizon_days))
        ]
        assert r["label"] == int(len(o) > 0)
        open_now = opp[
            (opp["account_id"] == r["account_id"])
            & (opp["created_date"] < s)
            & (opp["close_date"].isna() | (opp["close_date"] >= s))
        ]
        assert open_now.empty  # eligible rows have no open opportunity


def test_panel_missing_column_is_clear(world, params):
    ds, tp = world[0], world[1]
    with pytest.raises(ABMDataError, match="touchpoints: missing column"):
        E.build_panel(
            tp.drop(columns=["account_id"]),
            ds.tables["accounts"],
            ds.tables["opportunities"],
            [pd.Timestamp("2026-06-01")],
            AS_OF,
            params,
        )


# ----------------------------------------------------------------------------- leakage
def _builder(world, params):
    ds, _, pers, fit = world

    def build(touchpoints, snapshots):
        return E.build_panel(
            touchpoints,
            ds.tables["accounts"],
            ds.tables["opportunities"],
            snapshots,
            AS_OF,
            params,
            personas=pers,
            fit=fit,
            programs=ds.tables["programs"],
        )

    return build


def _few_snaps(tp):
    return pd.date_range("2025-08-01", "2026-10-01", freq="3MS")


def test_no_leakage(world, params):
    build = _builder(world, params)
    report = E.check_no_leakage(build, world[1], snapshots=_few_snaps(world[1]), n_cuts=2)
    assert len(report) == 2 and report["later_snapshots_changed"].all()


def test_leaky_builders_are_caught(world, params):
    build = _builder(world, params)

    def clock_skew(touchpoints, snapshots):  # a 3-day timestamp bug: sees 3 days past the snapshot
        return build(
            touchpoints.assign(timestamp=pd.to_datetime(touchpoints["timestamp"]) - pd.Timedelta(days=3)), snapshots
        )

    def inclusive(touchpoints, snapshots):  # '<=' instead of '<': a touch at the snapshot instant counts
        return build(
            touchpoints.assign(timestamp=pd.to_datetime(touchpoints["timestamp"]) - pd.Timedelta(microseconds=1)),
            snapshots,
        )

    def future_feature(touchpoints, snapshots):  # a feature from the week after the snapshot
        panel = build(touchpoints, snapshots)
        ts = pd.to_datetime(touchpoints["timestamp"])
        nxt = pd.concat(
            [
                touchpoints[(ts >= s) & (ts < s + pd.Timedelta(days=7))]
                .groupby("account_id")
                .size()
                .rename("touches_next_7d")
                .reset_index()
                .assign(snapshot_date=s)
                for s in snapshots
            ]
        )
        out = panel.merge(nxt, on=["account_id", "snapshot_date"], how="left")
        return out.assign(touches_next_7d=out["touches_next_7d"].fillna(0))

    for leaky in (clock_skew, inclusive, future_feature):
        with pytest.raises(E.LeakageError, match="after the snapshot"):  # each leaky variant is caught
            E.check_no_leakage(leaky, world[1], snapshots=_few_snaps(world[1]), n_cuts=2)


# ----------------------------------------------------------------------------- scorers
def test_points_scorer_sums_decayed_points(panel, params):
    X = panel[[c for c in panel.columns if c.startswith("decay_")]].head(50)
    ps = E.PointsScorer(points={"demo_request": 30, "email_open": 1}, default_points=0.0)
    exp = 30 * X["decay_demo_request"] + 1 * X["decay_email_open"]
    assert np.allclose(ps.points_score(X), exp)
    lab = panel[panel["eligible"] & panel["label_observed"]]
    Xl = lab[[c for c in lab.columns if c.startswith("decay_")]]
    ps = E.PointsScorer(params.points, params.points_default).fit(Xl, lab["label"])
    pr = ps.predict_proba(Xl)
    assert pr.shape == (len(Xl), 2) and np.allclose(pr.sum(1), 1)
    # monotone in points: more points never lowers the probability
    o = np.argsort(ps.points_score(Xl))
    assert np.all(np.diff(pr[o, 1]) >= -1e-12)


def test_time_split_is_out_of_time(result, params):
    sp = result.split
    assert max(sp.fit) < min(sp.calib) <= max(sp.calib) < min(sp.test)
    # embargo: no training label window reaches into the test period
    assert max(sp.calib) + pd.Timedelta(days=params.horizon_days) <= min(sp.test)


def test_validation_metrics(result):
    m = result.summary()
    assert set(m.index) == {"points", "logistic", "gbm", "oracle", "nowcast"}
    assert m.loc["nowcast", "roc_auc"] < m.loc["oracle", "roc_auc"]  # today's intent < the future's
    # the oracle (true hazards, knows future intent) is the ceiling; models beat random
    assert m.loc["oracle", "roc_auc"] > 0.7
    for k in ("points", "logistic", "gbm"):
        assert 0.55 < m.loc[k, "roc_auc"] < m.loc["oracle", "roc_auc"]
        assert m.loc[k, "top_decile_lift"] > 1.2
    assert (m["auc_ci_low"] <= m["roc_auc"]).all() and (m["roc_auc"] <= m["auc_ci_high"]).all()


def test_oracle_fills_busy_weeks(world):
    wk = world[0].truth["weekly"]
    h = E.hazard_if_free(wk)
    p = wk["p_opp_week"].to_numpy(float)
    assert np.allclose(h[p > 0], p[p > 0])
    cust = world[0].truth["accounts"].loc[world[0].truth["accounts"]["is_customer"], "account_id"]
    assert (h[wk["account_id"].isin(cust).to_numpy()] == 0).all()
    busy = (p == 0) & ~wk["account_id"].isin(cust).to_numpy()
    assert busy.any() and (h[busy] > 0).all()


def test_score_conversion_monotone(result):
    """Observed conversion rises with the score on the synthetic holdout (scores with >= 50 rows)."""
    c = result.conversion[result.conversion["accounts"] >= 50]
    assert len(c) >= 3
    assert np.all(np.diff(c["conversion"].to_numpy()) >= 0), c


# ----------------------------------------------------------------------------- SHAP and reasons
def test_shap_additivity(scored):
    gap = E.shap_additivity_gap(scored.model, scored.X, scored.shap)
    assert gap < 1e-6
    assert scored.shap.values.shape == scored.X.shape


def test_reasons_follow_shap(scored, params):
    sc = scored.scores
    assert {"reason_1", "reason_2", "reason_3"} <= set(sc.columns)
    assert sc["reason_1"].notna().all()
    i = 0
    j = int(np.argmax(np.abs(scored.shap.values[i])))
    col = scored.X.columns[j]
    assert sc.loc[i, "reason_1"] == E.reason_sentence(col, scored.X.iloc[i, j], scored.shap.values[i, j], params)


def test_reason_sentences():
    p = EngagementParams()
    assert E.reason_sentence("contacts_30d", 3, 0.4, p) == "3 people engaged in the last 30 days (raises the score)"
    assert E.reason_sentence("contacts_30d", 1, 0.4, p).startswith("1 person engaged")
    assert (
        E.reason_sentence("bofu_30d", 4, 0.2, p)
        == "Visited pricing/demo/contact-sales pages 4 times in the last 30 days (raises the score)"
    )
    assert E.reason_sentence("days_since_last_touch", 45, -0.3, p) == "Last activity 45 days ago (lowers the score)"
    assert E.reason_sentence("days_since_last_touch", 180, -0.3, p).startswith("No activity for 180+ days")
    assert "lowers" in E.reason_sentence("touches_7d", 0, -0.1, p)


def test_scores_and_export(scored, tmp_path, params):
    sc = scored.scores
    assert sc["score"].between(1, 5).all() and sc["probability"].between(0, 1).all()
    assert (E.to_score(sc["probability"], params.score_cutoffs) == sc["score"]).all()
    assert sc["quadrant"].notna().all()
    good_hot = sc["grade"].isin(params.good_fit_grades) & (sc["score"] >= params.high_engagement_min_score)
    assert (sc.loc[good_hot, "quadrant"] == E.QUADRANTS[(True, True)]).all()
    out = E.export_scores(scored, tmp_path / "engagement_scores.csv", params)
    back = pd.read_csv(tmp_path / "engagement_scores.csv")
    assert list(back.columns) == [
        "account_id",
        "name",
        "grade",
        "probability",
        "score",
        "reason_1",
        "reason_2",
        "reason_3",
    ]
    assert len(back) == len(sc) == len(out)
    m = E.fit_engagement_matrix(sc)
    assert m.to_numpy().sum() == sc["grade"].notna().sum()


def test_account_explorer_updates(scored, world, params):
    import matplotlib

    matplotlib.use("Agg")
    w = E.account_explorer(scored.scores, scored.shap, world[1], params=params, max_accounts=5)
    dd, info = w.children[0], w.children[1]
    first = info.value
    assert dd.value in first
    other = dd.options[1][1]
    dd.value = other
    assert info.value != first and other in info.value
