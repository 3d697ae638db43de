"""ScoreCalibrator: the one calibration map, a scikit-learn estimator that pickles."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from abm_lab.calibration import ScoreCalibrator


def _data(seed: int, n: int = 4000):
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, n)
    p = 1 / (1 + np.exp(-(0.8 * z - 1.0)))
    return z, (rng.random(n) < p).astype(int), p


@pytest.mark.parametrize("seed", range(5))
def test_sigmoid_recovers_a_logistic_map(seed):
    z, y, p = _data(seed)
    cal = ScoreCalibrator("sigmoid", input="decision").fit(z, y)
    assert np.max(np.abs(cal.predict(z) - p)) < 0.06
    assert abs(cal.predict(z).mean() - y.mean()) < 0.01  # calibration in the large


@pytest.mark.parametrize("seed", range(5))
def test_isotonic_is_monotone_bounded_and_calibrated_in_the_large(seed):
    z, y, _ = _data(seed)
    cal = ScoreCalibrator("isotonic").fit(z, y)
    grid = np.linspace(-6, 6, 200)
    q = cal.predict(grid)
    assert np.all(np.diff(q) >= 0) and q.min() >= 0 and q.max() <= 1
    assert abs(cal.predict(z).mean() - y.mean()) < 1e-9


def test_probability_input_uses_log_odds():
    z, y, p = _data(7)
    a = ScoreCalibrator("sigmoid", input="decision").fit(z, y).predict(z)
    b = ScoreCalibrator("sigmoid", input="probability").fit(1 / (1 + np.exp(-z)), y).predict(1 / (1 + np.exp(-z)))
    assert np.allclose(a, b, atol=1e-6)


def test_pickles_to_identical_predictions():
    z, y, _ = _data(3)
    for method in ("sigmoid", "isotonic"):
        cal = ScoreCalibrator(method).fit(z, y)
        again = pickle.loads(pickle.dumps(cal))
        assert np.array_equal(cal.predict(z), again.predict(z))


def test_bad_method_is_refused_at_fit():
    with pytest.raises(ValueError, match="method"):
        ScoreCalibrator("platt").fit([0.0, 1.0], [0, 1])
    with pytest.raises(ValueError, match="input"):
        ScoreCalibrator("sigmoid", input="logit").fit([0.0, 1.0], [0, 1])


def test_sklearn_conventions():
    """check_estimator does not apply (a map of one 1-D score, like IsotonicRegression); its conventions do:
    params only stored in __init__, clone and get/set_params, NotFittedError before fit, fitted attrs end in _."""
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    cal = ScoreCalibrator("isotonic", input="probability", eps=1e-4)
    assert cal.get_params() == {"method": "isotonic", "input": "probability", "eps": 1e-4, "C": 1e6, "max_iter": 1000}
    twin = clone(cal).set_params(method="sigmoid")
    assert twin.method == "sigmoid" and cal.method == "isotonic"
    with pytest.raises(NotFittedError):
        cal.predict([0.5])
    z, y, _ = _data(1)
    cal.fit(1 / (1 + np.exp(-z)), y)
    assert {k for k in vars(cal) if k.endswith("_")} == {"map_", "n_features_in_"}
