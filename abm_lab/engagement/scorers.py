"""The three scorers (points rule, logistic regression, gradient boosting), their calibration, the 1-5 score.

* :class:`PointsScorer` - the rule marketing-automation tools use: points per activity with time decay.
* :func:`make_logistic`, :func:`make_gbm` - scikit-learn models on the panel's features.
* :class:`CalibratedScorer` - a scorer with the calibration map learned on its own scores of rows it never
  saw: prefit on a later slice, or cross-fitted over purged time-ordered folds (:func:`time_folds`;
  :class:`abm_lab.calibration.ScoreCalibrator`).
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
from sklearn.model_selection import StratifiedKFold
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
#: Default number of calibration folds of a :class:`CalibratedScorer`: the params default.
N_FOLDS = EngagementParams.model_fields["calib_folds"].default


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
def _rows(X: Any, idx: np.ndarray) -> Any:
    return X.iloc[idx] if isinstance(X, pd.DataFrame | pd.Series) else np.asarray(X)[idx]


def time_folds(time: Any, n_folds: int, embargo: Any = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Purged, time-ordered folds: ``(fit rows, calibration rows)`` per fold.

    The distinct ``time`` values (snapshot dates) are cut into ``n_folds`` contiguous blocks; each block
    calibrates once. A row is left out of that fold's fit when its time lies within ``embargo`` of the block
    on either side (``block start - embargo < t < block end + embargo``): with a label horizon H its outcome
    window would overlap the block's, so the same opportunity could label a fit row and a calibration row.
    Datetime ``time`` takes ``embargo`` as a timedelta (a number = days); numeric ``time`` as a number.
    """
    tv = np.asarray(time)
    if np.issubdtype(tv.dtype, np.datetime64):
        tv = tv.astype("datetime64[ns]")
        emb = pd.Timedelta(embargo if not isinstance(embargo, int | float) else pd.Timedelta(days=embargo))
        gap = emb.to_timedelta64()
        use_gap = emb > pd.Timedelta(0)
    else:
        tv = tv.astype(float)
        gap, use_gap = float(embargo), float(embargo) > 0
    uniq = np.unique(tv)
    if len(uniq) < 2:
        raise ValueError("time_folds needs at least two distinct times")
    blocks = np.array_split(uniq, min(max(2, int(n_folds)), len(uniq)))
    out = []
    for b in blocks:
        cal = np.isin(tv, b)
        near = (tv > b[0] - gap) & (tv < b[-1] + gap) if use_gap else cal
        out.append((np.flatnonzero(~(near | cal)), np.flatnonzero(cal)))
    return out


def _logit(p: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    return np.log(p / (1 - p))


class CalibratedScorer(ClassifierMixin, BaseEstimator):
    """A scorer and the calibration map learned on that very scorer's decision function, on rows it never saw.

    * ``fit(X, y, calib=mask)`` - prefit calibration (what notebook 04 deploys): ``estimator`` is fitted on the
      rows ``~mask`` (earlier snapshots) and the map (Platt = ``"sigmoid"`` or isotonic;
      :class:`abm_lab.calibration.ScoreCalibrator`) on its scores of the rows ``mask`` (the latest matured
      snapshots); the caller leaves the embargo out of both. The model is not refitted afterwards, so the map
      is applied to the model it was learned on (as :class:`sklearn.calibration.CalibratedClassifierCV` with a
      :class:`~sklearn.frozen.FrozenEstimator`).
    * ``fit(X, y, time=t)`` - cross-fitting over purged time-ordered folds (:func:`time_folds`, ``n_folds``
      blocks of distinct times, ``embargo`` around each): one (model, map) member per block, each map learned on
      its own member - ``CalibratedClassifierCV(ensemble=True)`` on time folds.
    * ``fit(X, y)`` - the same with stratified ``n_folds``-fold cross-fitting (i.i.d. rows).

    The probability is ``sigmoid(mean_k(a_k f_k + b_k))`` for Platt maps (the calibrated log-odds, averaged
    over members: :meth:`decision_function`; so tree SHAP values of the members combine exactly into an
    explanation of the displayed probability), ``mean_k iso_k(f_k)`` for isotonic maps. Binary labels;
    ``estimator`` needs ``decision_function`` (default: a logistic regression). Fitted state holds no
    callables, so a fitted scorer pickles and predicts the same after loading.
    """

    def __init__(self, estimator: Any = None, method: Method = "sigmoid", n_folds: int = N_FOLDS, embargo: Any = 0):
        self.estimator = estimator
        self.method = method
        self.n_folds = n_folds
        self.embargo = embargo

    def _base(self) -> Any:
        return self.estimator if self.estimator is not None else LogisticRegression()

    def _check_X(self, X: Any, y: Any = None, reset: bool = False) -> Any:
        """Validate ``X`` (and ``y``) for shape, names and finiteness; the scorer itself gets ``X`` as given."""
        finite = not get_tags(self._base()).input_tags.allow_nan
        if reset:
            return validate_data(self, X, y, ensure_all_finite=finite, dtype=None)
        return validate_data(self, X, reset=False, ensure_all_finite=finite, dtype=None)

    def _folds(self, y: np.ndarray, time: Any, calib: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        n = len(y)
        if calib is not None:
            mask = np.asarray(calib, dtype=bool)
            if mask.shape != (n,):
                raise ValueError(f"calib must be a boolean mask of the {n} rows, got shape {mask.shape}")
            return [(np.flatnonzero(~mask), np.flatnonzero(mask))]
        if time is not None:
            if len(time) != n:
                raise ValueError(f"time must give one value per row ({n}), got {len(time)}")
            return time_folds(time, self.n_folds, self.embargo)
        k = max(2, min(int(self.n_folds), int(np.bincount(np.unique(y, return_inverse=True)[1]).min())))
        return list(StratifiedKFold(k).split(np.zeros((n, 1)), y))

    def fit(self, X: Any, y: Any, time: Any = None, calib: Any = None) -> CalibratedScorer:
        _, y_arr = self._check_X(X, y, reset=True)
        classes = _binary_classes(y_arr, "CalibratedScorer")
        y01 = (y_arr == classes[1]).astype(int)
        members: list[tuple[Any, ScoreCalibrator]] = []
        for fit_idx, cal_idx in self._folds(y_arr, time, calib):
            if len(np.unique(y01[fit_idx])) < 2 or len(np.unique(y01[cal_idx])) < 2:
                continue  # a fold with one outcome on either side cannot fit or calibrate
            est = clone(self._base()).fit(_rows(X, fit_idx), y_arr[fit_idx])
            scores = np.asarray(est.decision_function(_rows(X, cal_idx)), dtype=float)
            members.append((est, ScoreCalibrator(method=self.method, input="decision").fit(scores, y01[cal_idx])))
        if not members:
            raise ValueError("CalibratedScorer needs rows to fit on and rows to calibrate on, each with both classes")
        self.members_ = members
        self.classes_ = classes
        return self

    def platt_terms(self) -> list[tuple[Any, float, float]]:
        """``(estimator, a, b)`` per member: its calibrated log-odds are ``a * decision_function + b``."""
        check_is_fitted(self, "members_")
        if self.method != "sigmoid":
            raise ValueError("platt_terms needs method='sigmoid' (an isotonic map is not linear in log-odds)")
        return [(e, float(c.map_.coef_[0, 0]), float(c.map_.intercept_[0])) for e, c in self.members_]

    def decision_function(self, X: Any) -> np.ndarray:
        """Calibrated log-odds of the positive class: ``logit`` of :meth:`predict_proba`'s second column."""
        check_is_fitted(self, "members_")
        self._check_X(X)
        if self.method == "sigmoid":
            zs = [a * np.asarray(e.decision_function(X), dtype=float) + b for e, a, b in self.platt_terms()]
            return np.mean(zs, axis=0)
        ps = [c.predict(np.asarray(e.decision_function(X), dtype=float)) for e, c in self.members_]
        return _logit(np.mean(ps, axis=0))

    def predict_proba(self, X: Any) -> np.ndarray:
        z = self.decision_function(X)
        p1 = 1 / (1 + np.exp(-z)) if self.method == "sigmoid" else np.clip(1 / (1 + np.exp(-z)), 0, 1)
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
