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
def _train(panel, result):
    sp = result.split
    lab = panel[panel["eligible"] & panel["label_observed"]]
    fit, cal = lab[lab["snapshot_date"].isin(sp.fit)], lab[lab["snapshot_date"].isin(sp.calib)]
    return fit, cal, lab[lab["snapshot_date"].isin(sp.test)]


def test_calibrated_scorer_is_the_two_step_procedure(panel, result, params):
    """fit(X, y, calib) = early model on the fit rows, map on its calibration-row scores, refit on all."""
    fit, cal, test = _train(panel, result)
    feats = result.features
    est = E.make_logistic(params)
    X = pd.concat([fit[feats], cal[feats]])
    y = np.concatenate([fit["label"].to_numpy(), cal["label"].to_numpy()])
    mask = np.r_[np.zeros(len(fit), bool), np.ones(len(cal), bool)]
    cs = E.CalibratedScorer(est, params.calibration).fit(X, y, calib=mask)
    early = clone(est).fit(fit[feats], fit["label"])
    mapping = ScoreCalibrator(method=params.calibration, input="decision").fit(
        early.decision_function(cal[feats]), cal["label"]
    )
    base = clone(est).fit(X, y)
    want = mapping.predict(base.decision_function(test[feats]))
    assert np.array_equal(cs.predict_proba(test[feats])[:, 1], want)
    assert np.array_equal(want, result.models["logistic"].predict_proba(test[feats])[:, 1])


def test_calibrated_scorer_pickles_identically(result, panel):
    """A fitted calibrated scorer (each of the three) pickles and predicts identical probabilities after loading."""
    _, _, test = _train(panel, result)
    for name, cs in result.models.items():
        X = E.scorer_inputs(name, test, result.features)
        back = pickle.loads(pickle.dumps(cs))
        assert type(back) is E.CalibratedScorer
        assert np.array_equal(back.predict_proba(X), cs.predict_proba(X)), name
        assert back.get_params()["method"] == cs.method


def test_with_estimator_keeps_the_map(result, panel, params):
    _, _, test = _train(panel, result)
    cs = result.models["gbm"]
    other = E.make_gbm(params, seed=1).fit(test[result.features], test["label"])
    moved = cs.with_estimator(other)
    assert moved.calibrator_ is cs.calibrator_ and moved.estimator_ is other
    want = cs.calibrator_.predict(other.decision_function(test[result.features]))
    assert np.array_equal(moved.predict_proba(test[result.features])[:, 1], want)
    assert cs.estimator_ is not other  # the original is untouched


def test_calibrated_scorer_default_split_keeps_both_classes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.r_[np.zeros(20, int), np.ones(20, int)]  # sorted labels: the latest rows are all positive
    cs = E.CalibratedScorer(calib_share=0.25).fit(X, y)
    assert cs.predict_proba(X).shape == (40, 2)
    with pytest.raises(ValueError, match="boolean mask"):
        E.CalibratedScorer().fit(X, y, calib=np.ones(3, bool))
    with pytest.raises(ValueError, match="Only binary"):
        E.CalibratedScorer().fit(X, np.arange(40) % 3)


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
