"""Scorers: the points rule, the calibrated scorer (scikit-learn estimator checks, pickling), score 1-5."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from abm_lab import engagement as E
from abm_lab.calibration import ScoreCalibrator
from abm_lab.config import load_params
from abm_lab.config.engagement import EngagementParams
from abm_lab.errors import ABMDataError, ABMParamsError

#: Checks a fixed points rule cannot pass, with the reason (everything else of scikit-learn's suite runs).
POINTS_EXPECTED_FAILURES = {
    "check_classifiers_train": "a fixed rule: only the probability link is learned, so it cannot fit generic data",
    "check_classifiers_classes": "decision_function is the rule's log(1 + points) >= 0, not log-odds centred at 0",
    "check_classifier_data_not_an_array": "a DataFrame is read by its decay_<activity> column names; generic "
    "column names are refused with a clear error",
}


def _expected_failures(estimator):
    return POINTS_EXPECTED_FAILURES if isinstance(estimator, E.PointsScorer) else {}


@parametrize_with_checks(
    [E.CalibratedScorer(), E.CalibratedScorer(method="isotonic"), E.PointsScorer()],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ----------------------------------------------------------------------------- params and score 1-5
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


# ----------------------------------------------------------------------------- points rule
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


def test_points_scorer_needs_decay_columns(panel):
    with pytest.raises(ABMDataError, match="decay_<activity>"):
        E.PointsScorer().points_score(panel[["touches_30d", "contacts_30d"]])


# ----------------------------------------------------------------------------- calibrated scorer
def _parts(panel, result):
    sp = result.split
    lab = panel[panel["eligible"] & panel["label_observed"]]
    return lab[lab["snapshot_date"].isin(sp.train)], lab[lab["snapshot_date"].isin(sp.test)]


def test_calibrated_scorer_is_prefit_on_its_own_model(panel, result, params):
    """fit(X, y, calib) = model fitted on the fit rows only, map learned on *that* model's scores of the
    calibration rows, no refit afterwards: the map is applied to the model it was learned on."""
    train, test = _parts(panel, result)
    feats = result.features
    est = E.make_logistic(params)
    X = pd.concat([train[feats], test[feats]])
    y = np.concatenate([train["label"].to_numpy(), test["label"].to_numpy()])
    mask = np.r_[np.zeros(len(train), bool), np.ones(len(test), bool)]
    cs = E.CalibratedScorer(est, params.calibration).fit(X, y, calib=mask)
    model = clone(est).fit(train[feats], train["label"])
    mapping = ScoreCalibrator(method=params.calibration, input="decision").fit(
        model.decision_function(test[feats]), test["label"]
    )
    want = mapping.predict(model.decision_function(test[feats]))
    assert len(cs.members_) == 1
    assert np.allclose(cs.predict_proba(test[feats])[:, 1], want, rtol=0, atol=1e-12)
    assert np.allclose(result.models["logistic"].predict_proba(test[feats])[:, 1], want, rtol=0, atol=1e-12)
    # a Platt map fitted by maximum likelihood on the rows it is checked on matches their rate exactly
    assert abs(want.mean() - test["label"].mean()) < 1e-4  # (to the solver tolerance)


def test_calibrated_scorer_pickles_identically(result, panel):
    """A fitted calibrated scorer (each of the three) pickles and predicts identical probabilities after loading."""
    _, test = _parts(panel, result)
    for name, cs in result.models.items():
        X = E.scorer_inputs(name, test, result.features)
        back = pickle.loads(pickle.dumps(cs))
        assert type(back) is E.CalibratedScorer
        assert np.array_equal(back.predict_proba(X), cs.predict_proba(X)), name
        assert back.get_params()["method"] == cs.method


def test_time_folds_purge_the_label_horizon():
    """Each time block calibrates once; no fit row lies within the embargo of its block (either side)."""
    days = pd.date_range("2025-01-01", periods=12, freq="MS")
    t = np.repeat(days.to_numpy(), 3)
    emb = pd.Timedelta(days=90)
    folds = E.time_folds(t, 4, emb)
    assert len(folds) == 4
    cal_all = np.concatenate([c for _, c in folds])
    assert sorted(cal_all) == list(range(len(t)))  # every row calibrates exactly once
    for fit, cal in folds:
        c0, c1 = t[cal].min(), t[cal].max()
        ft = t[fit]
        assert not np.intersect1d(fit, cal).size
        assert ((ft <= c0 - emb) | (ft >= c1 + emb)).all()
        # and nothing further away is dropped
        far = (t <= c0 - emb) | (t >= c1 + emb)
        assert set(np.flatnonzero(far)) == set(fit)
    no_gap = E.time_folds(t, 4, 0)
    assert all(len(f) + len(c) == len(t) for f, c in no_gap)


def test_time_crossfit_members_each_calibrated_on_their_own_model(panel, result, params):
    """fit(X, y, time=...) keeps one (model, map) per fold; the probability is sigmoid of the mean calibrated
    log-odds, each member's map learned on its own scores of its block."""
    train, _ = _parts(panel, result)
    feats = result.features
    emb = pd.Timedelta(days=params.horizon_days)
    cs = E.CalibratedScorer(E.make_logistic(params), "sigmoid", n_folds=3, embargo=emb)
    cs.fit(train[feats], train["label"].to_numpy(), time=train["snapshot_date"])
    folds = E.time_folds(train["snapshot_date"], 3, emb)
    assert len(cs.members_) == len(folds)
    for (est, cal), (fit_idx, cal_idx) in zip(cs.members_, folds, strict=True):
        ref = clone(E.make_logistic(params)).fit(train[feats].iloc[fit_idx], train["label"].iloc[fit_idx])
        assert np.allclose(est.decision_function(train[feats]), ref.decision_function(train[feats]))
        m = ScoreCalibrator("sigmoid", "decision").fit(
            ref.decision_function(train[feats].iloc[cal_idx]), train["label"].iloc[cal_idx]
        )
        assert np.allclose(
            cal.predict(est.decision_function(train[feats])), m.predict(ref.decision_function(train[feats]))
        )
    z = np.mean([a * e.decision_function(train[feats]) + b for e, a, b in cs.platt_terms()], axis=0)
    assert np.allclose(cs.predict_proba(train[feats])[:, 1], 1 / (1 + np.exp(-z)))
    assert np.allclose(cs.decision_function(train[feats]), z)


def test_calibrated_scorer_default_split_keeps_both_classes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.r_[np.zeros(20, int), np.ones(20, int)]  # sorted labels: stratified folds keep both classes
    cs = E.CalibratedScorer(n_folds=4).fit(X, y)
    assert cs.predict_proba(X).shape == (40, 2) and len(cs.members_) == 4
    with pytest.raises(ValueError, match="boolean mask"):
        E.CalibratedScorer().fit(X, y, calib=np.ones(3, bool))
    with pytest.raises(ValueError, match="Only binary"):
        E.CalibratedScorer().fit(X, np.arange(40) % 3)
    with pytest.raises(ValueError, match="platt_terms"):
        E.CalibratedScorer(method="isotonic").fit(X, y).platt_terms()


def test_make_scorers(params):
    sc = E.make_scorers(params, seed=3)
    assert list(sc) == list(E.SCORERS)
    assert sc["gbm"].random_state == 3 and sc["logistic"].named_steps["lr"].max_iter == params.lr_max_iter
    assert isinstance(sc["points"], E.PointsScorer) and sc["points"].points == params.points
    assert isinstance(EngagementParams().calibration, str)


def test_conversion_by_score_counts_every_score():
    c = E.conversion_by_score([1, 1, 5, 5, 5], [0, 1, 1, 1, 0])
    assert c["score"].tolist() == [1, 2, 3, 4, 5]
    assert c["accounts"].tolist() == [2, 0, 0, 0, 3] and c["opportunities"].tolist() == [1, 0, 0, 0, 2]
    assert c["conversion"].iloc[0] == 0.5 and np.isnan(c["conversion"].iloc[1])
