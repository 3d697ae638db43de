"""One calibrator for every score in ABM Lab: a scikit-learn estimator mapping a 1-D score to a probability.

``ScoreCalibrator(method="sigmoid")`` is Platt scaling (a logistic regression on the score, unpenalised in
practice), ``method="isotonic"`` a monotone step map clipped to [0, 1]. ``input="probability"`` first takes
the log-odds of a probability-like score (clipped to ``[eps, 1 - eps]``), ``input="decision"`` uses the score
as given (a decision function, already on the log-odds scale). Fitted state ends in ``_``; the object pickles.

It is fitted on scores the scored model did not see (out-of-fold, or a later calibration slice), which is
what :class:`sklearn.calibration.CalibratedClassifierCV` does with a prefit / frozen estimator; the stages
keep their own split and pass the held-out scores here.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

Method = Literal["sigmoid", "isotonic"]
Input = Literal["probability", "decision"]


class ScoreCalibrator(RegressorMixin, BaseEstimator):
    """Map a score to a calibrated probability. ``fit(scores, y)``, ``predict(scores)`` → P(y = 1)."""

    def __init__(
        self,
        method: Method = "sigmoid",
        input: Input = "decision",
        eps: float = 1e-6,
        C: float = 1e6,
        max_iter: int = 1000,
    ):
        self.method = method
        self.input = input
        self.eps = eps
        self.C = C
        self.max_iter = max_iter

    def _z(self, scores) -> np.ndarray:
        s = np.asarray(scores, dtype=float).reshape(-1)
        if self.input == "probability":
            s = np.clip(s, self.eps, 1 - self.eps)
            return np.log(s / (1 - s))
        if self.input == "decision":
            return s
        raise ValueError(f"ScoreCalibrator.input must be 'probability' or 'decision', got {self.input!r}")

    def fit(self, scores, y) -> ScoreCalibrator:
        y_arr = np.asarray(y).astype(int).reshape(-1)
        if self.method == "isotonic":
            # isotonic works on the score's own scale (a monotone map is indifferent to the logit)
            raw = np.asarray(scores, dtype=float).reshape(-1)
            self.map_ = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y_arr)
        elif self.method == "sigmoid":
            z = self._z(scores)
            self.map_ = LogisticRegression(C=self.C, max_iter=self.max_iter).fit(z.reshape(-1, 1), y_arr)
        else:
            raise ValueError(f"ScoreCalibrator.method must be 'isotonic' or 'sigmoid', got {self.method!r}")
        self.n_features_in_ = 1
        return self

    def predict(self, scores) -> np.ndarray:
        """Calibrated probabilities of the positive class, clipped to [0, 1]."""
        check_is_fitted(self, "map_")
        if self.method == "isotonic":
            p = self.map_.predict(np.asarray(scores, dtype=float).reshape(-1))
        else:
            p = self.map_.predict_proba(self._z(scores).reshape(-1, 1))[:, 1]
        return np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
