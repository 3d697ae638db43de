"""The three scorers (points rule, logistic regression, gradient boosting), their calibration, the 1-5 score.

* :class:`PointsScorer` - the rule marketing-automation tools use: points per activity with time decay.
* :func:`make_logistic`, :func:`make_gbm` - scikit-learn models on the panel's features.
* :class:`CalibratedScorer` - a scorer and a calibration map of its decision function to a probability,
  learned out of time on the last training slice (:class:`abm_lab.calibration.ScoreCalibrator`).
* :func:`to_score` - calibrated probability -> score 1-5; :func:`conversion_by_score`.

All estimators follow the scikit-learn API (``get_params`` / ``clone``, fitted state ending in ``_``) and
pickle; ``tests/engagement/test_scorers.py`` runs scikit-learn's estimator checks on them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils import get_tags
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ..calibration import Method, ScoreCalibrator
from ..config.engagement import EngagementParams
from ..errors import ABMDataError
from .sql import ident

SCORERS = ("points", "logistic", "gbm")
DECAY_PREFIX = "decay_"
#: Default share of rows (the latest) a :class:`CalibratedScorer` calibrates on: the params default.
CALIB_SHARE = EngagementParams.model_fields["calib_share"].default


def _binary_classes(y: Any, who: str) -> np.ndarray:
    """The two classes of ``y``; a ValueError naming the estimator otherwise."""
    y_type = type_of_target(y, input_name="y", raise_unknown=True)
    if y_type != "binary":
        raise ValueError(
            f"Only binary classification is supported. The type of the target is {y_type} ({who} needs two classes)."
        )
    classes = np.unique(y)
    if len(classes) != 2:
        raise ValueError(f"{who} needs two classes; y has only one class ({classes[0]!r})")
    return classes


def _binary_tags(tags: Any) -> Any:
    tags.classifier_tags.multi_class = False
    return tags


# =============================================================================== points rule
class PointsScorer(ClassifierMixin, BaseEstimator):
    """Rule-based points score, as in marketing-automation tools.

    score = sum over touches of ``points[activity_type] * 0.5 ** (age_days / half_life)``,
    read from the panel's ``decay_<activity>`` columns (sum of decay weights per activity
    type, half-life fixed when the panel is built). ``fit`` only maps the score to a
    probability (logistic on log(1 + score)); the ranking is the rule's own.

    A DataFrame is read by column name (its ``decay_<activity>`` columns; an
    :class:`~abm_lab.errors.ABMDataError` when there are none); a plain array is taken as decay
    columns that all earn ``default_points``. scikit-learn's estimator checks pass except three
    a fixed rule cannot pass (``tests/engagement/test_scorers.py`` names them with the reason).
    """

    def __init__(self, points: dict[str, float] | None = None, default_points: float = 1.0):
        self.points = points
        self.default_points = default_points

    @staticmethod
    def _decay_columns(X: Any) -> tuple[Any, list[str] | None]:
        """The decay columns of a DataFrame and their activity names (a plain array as is, None)."""
        if not isinstance(X, pd.DataFrame):
            return X, None
        cols = [c for c in X.columns if str(c).startswith(DECAY_PREFIX)]
        if not cols:
            raise ABMDataError(
                "PointsScorer needs the panel's decay_<activity> columns",
                file="panel",
                column="decay_*",
                reason="missing column",
            )
        return X[cols], [str(c)[len(DECAY_PREFIX) :] for c in cols]

    def _weights(self, activities: list[str] | None, n: int) -> np.ndarray:
        if activities is None:
            return np.full(n, float(self.default_points))
        pts = {ident(k): v for k, v in (self.points or {}).items()}
        return np.array([pts.get(a, self.default_points) for a in activities], dtype=float)

    def _score(self, X: Any, activities: list[str] | None) -> np.ndarray:
        values = X.to_numpy(dtype=float) if activities is not None else check_array(X, dtype=float)
        return values @ self._weights(activities, values.shape[1])

    def _log_points(self, X: Any, activities: list[str] | None) -> np.ndarray:
        return np.log1p(np.maximum(self._score(X, activities), 0))

    def points_score(self, X: Any) -> np.ndarray:
        """Decayed points per row (units: points); needs no fit (the rule is fixed)."""
        return self._score(*self._decay_columns(X))

    def decision_function(self, X: Any) -> np.ndarray:
        """log(1 + points): the rule's own ranking, on the scale the probability link reads."""
        check_is_fitted(self, "link_")
        Xd, activities = self._decay_columns(X)
        validate_data(self, Xd, reset=False)
        return self._log_points(Xd, activities)

    def fit(self, X: Any, y: Any) -> PointsScorer:
        Xd, activities = self._decay_columns(X)
        _, y_arr = validate_data(self, Xd, y)  # sets n_features_in_ (and feature_names_in_ for a DataFrame)
        self.classes_ = _binary_classes(y_arr, "PointsScorer")
        self.link_ = LogisticRegression().fit(self._log_points(Xd, activities)[:, None], y_arr)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "link_")
        return self.link_.predict_proba(self.decision_function(X)[:, None])

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)  # checks the fit first
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self) -> Any:
        return _binary_tags(super().__sklearn_tags__())


# =============================================================================== models
def slog1p(x: Any) -> np.ndarray:
    """Sign-preserving log(1 + |x|) (counts are >= 0; keeps the transform defined everywhere)."""
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.log1p(np.abs(x))


def make_logistic(params: EngagementParams | None = None, seed: int = 0) -> Pipeline:
    """Logistic regression on sign-log counts, median-imputed and standardised."""
    p = params or EngagementParams()
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("log", FunctionTransformer(slog1p, feature_names_out="one-to-one")),
            ("scale", StandardScaler()),
            ("lr", LogisticRegression(C=p.lr_C, max_iter=p.lr_max_iter, random_state=seed)),
        ]
    )


def make_gbm(params: EngagementParams | None = None, seed: int = 0) -> HistGradientBoostingClassifier:
    """Gradient-boosted trees. All panel features are numeric (no native categoricals), so
    TreeExplainer's SHAP values stay exact and additive."""
    p = params or EngagementParams()
    return HistGradientBoostingClassifier(
        max_iter=p.gbm_max_iter,
        learning_rate=p.gbm_learning_rate,
        max_depth=p.gbm_max_depth,
        min_samples_leaf=p.gbm_min_samples_leaf,
        l2_regularization=p.gbm_l2,
        early_stopping=False,
        random_state=seed,
    )


def make_scorers(params: EngagementParams | None = None, seed: int = 0) -> dict[str, BaseEstimator]:
    """The three scorers, unfitted, by name (:data:`SCORERS`)."""
    p = params or EngagementParams()
    return {
        "points": PointsScorer(p.points, p.points_default),
        "logistic": make_logistic(p, seed),
        "gbm": make_gbm(p, seed),
    }


def scorer_inputs(name: str, panel: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """The columns scorer ``name`` reads: the decay columns for the points rule, else ``features``."""
    if name == "points":
        return panel[[c for c in panel.columns if c.startswith(DECAY_PREFIX)]]
    return panel[features]


# =============================================================================== calibration
def _rows(X: Any, mask: np.ndarray) -> Any:
    return X.iloc[np.flatnonzero(mask)] if isinstance(X, pd.DataFrame | pd.Series) else np.asarray(X)[mask]


class CalibratedScorer(ClassifierMixin, BaseEstimator):
    """A scorer plus a calibration map of its decision function (log-odds) to a probability.

    ``fit(X, y, calib=mask)`` takes the rows in time order: a copy of ``estimator`` trained on the
    earlier rows (``~calib``) scores the calibration rows, whose labels it never saw, and the map
    (Platt = ``method="sigmoid"``, or isotonic; :class:`abm_lab.calibration.ScoreCalibrator`) is
    learned on those scores. The scorer is then refitted on all rows (``estimator_``) and the map
    applied to it - what :class:`sklearn.calibration.CalibratedClassifierCV` does with a frozen
    estimator, on a time split instead of folds. Without ``calib`` the last ``calib_share`` of
    each class's rows calibrate. Binary labels; ``estimator`` needs ``decision_function`` (default: a
    logistic regression). :meth:`with_estimator` puts the same map on a refitted scorer.
    Fitted state holds no callables, so a fitted scorer pickles and predicts the same after loading.
    """

    def __init__(self, estimator: Any = None, method: Method = "sigmoid", calib_share: float = CALIB_SHARE):
        self.estimator = estimator
        self.method = method
        self.calib_share = calib_share

    def _base(self) -> Any:
        return self.estimator if self.estimator is not None else LogisticRegression()

    def _check_X(self, X: Any, y: Any = None, reset: bool = False) -> Any:
        """Validate ``X`` (and ``y``) for shape, names and finiteness; the scorer itself gets ``X`` as given."""
        finite = not get_tags(self._base()).input_tags.allow_nan
        if reset:
            return validate_data(self, X, y, ensure_all_finite=finite, dtype=None)
        return validate_data(self, X, reset=False, ensure_all_finite=finite, dtype=None)

    def _calib_mask(self, y: np.ndarray, calib: Any) -> np.ndarray:
        """The calibration rows: ``calib`` as given, else the latest ``calib_share`` of each class's rows."""
        n = len(y)
        if calib is not None:
            mask = np.asarray(calib, dtype=bool)
            if mask.shape != (n,):
                raise ValueError(f"calib must be a boolean mask of the {n} rows, got shape {mask.shape}")
        else:
            mask = np.zeros(n, dtype=bool)
            for c in np.unique(y):
                rows = np.flatnonzero(y == c)
                k = min(max(1, int(round(self.calib_share * len(rows)))), len(rows) - 1)
                if k > 0:
                    mask[rows[-k:]] = True
        if mask.all() or not mask.any():
            raise ValueError("CalibratedScorer needs rows to fit on and rows to calibrate on")
        return mask

    def fit(self, X: Any, y: Any, calib: Any = None) -> CalibratedScorer:
        _, y_arr = self._check_X(X, y, reset=True)
        classes = _binary_classes(y_arr, "CalibratedScorer")
        mask = self._calib_mask(y_arr, calib)
        early = clone(self._base()).fit(_rows(X, ~mask), y_arr[~mask])
        scores = early.decision_function(_rows(X, mask))
        self.calibrator_ = ScoreCalibrator(method=self.method, input="decision").fit(
            scores, (y_arr[mask] == classes[1]).astype(int)
        )
        self.estimator_ = clone(self._base()).fit(X, y_arr)
        self.classes_ = classes
        return self

    def with_estimator(self, fitted: Any) -> CalibratedScorer:
        """A copy whose map (learned here) is applied to ``fitted``, a scorer of the same design and inputs."""
        check_is_fitted(self, "calibrator_")
        new = CalibratedScorer(self.estimator, self.method, self.calib_share)
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k.endswith("_") and not k.startswith("_")})
        new.estimator_ = fitted
        return new

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "calibrator_")
        self._check_X(X)
        p1 = self.calibrator_.predict(np.asarray(self.estimator_.decision_function(X), dtype=float))
        return np.column_stack([1 - p1, p1])

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)  # checks the fit first
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self) -> Any:
        tags = _binary_tags(super().__sklearn_tags__())
        tags.input_tags.allow_nan = get_tags(self._base()).input_tags.allow_nan
        return tags


# =============================================================================== scores 1-5
def to_score(prob: Any, cutoffs: Any) -> np.ndarray:
    """Calibrated probability -> score 1..5 (score k+1 when prob >= cutoffs[k])."""
    cut = np.asarray(cutoffs, dtype=float)
    if len(cut) != 4 or np.any(np.diff(cut) <= 0):
        raise ABMDataError(
            f"score cut-offs must be 4 strictly increasing values, got {list(cut)}",
            column="engagement.score_cutoffs",
            reason="cut-offs out of order",
        )
    return 1 + np.searchsorted(cut, np.asarray(prob, dtype=float), side="right")


def conversion_by_score(scores: Any, labels: Any) -> pd.DataFrame:
    """Observed conversion (opportunity within the horizon) per score 1-5."""
    df = pd.DataFrame({"score": np.asarray(scores, int), "label": np.asarray(labels, int)})
    g = df.groupby("score")["label"].agg(["size", "sum", "mean"]).reindex(range(1, 6))
    g.columns = ["accounts", "opportunities", "conversion"]
    g["accounts"] = g["accounts"].fillna(0).astype(int)
    g["opportunities"] = g["opportunities"].fillna(0).astype(int)
    return g.rename_axis("score").reset_index()
