"""Lookalike model: a scikit-learn classifier of current customers against every other account.

This is a *positive–unlabelled* problem: non-customers are not known bad fits, many are good fits we have
not won yet. The score is therefore *relative likeness to current customers*; its calibrated value is
P(customer | attributes) in this account universe, not a probability of buying. Scores are out-of-fold
(stratified K-fold), so each account is scored by a model that never saw it, and calibrated (isotonic or
sigmoid, :class:`abm_lab.calibration.ScoreCalibrator`) on those out-of-fold scores. A logistic-regression
baseline runs beside a histogram gradient-boosted model; the categorical attributes are one-hot encoded for
both, so SHAP values of the boosted model are attributed to readable features ("industry=Software").

**Fit score 0–100** (:func:`fit_score`) = percentile rank of the calibrated out-of-fold probability among
all accounts (ties broken by the uncalibrated score, which orders accounts the same way).
"""

from __future__ import annotations

import warnings
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d, validate_data

from ..calibration import ScoreCalibrator
from ..utils import limit_threads

__all__ = ["LookalikeModel", "MODEL_NAME", "compare_models", "choose_model", "fit_score"]

Kind = Literal["gbm", "logit"]
Calibration = Literal["isotonic", "sigmoid"]
KINDS = get_args(Kind)
CALIBRATIONS = get_args(Calibration)
#: Readable name of each kind of lookalike model.
MODEL_NAME = {"logit": "logistic regression", "gbm": "gradient-boosted model"}
#: Iterations of the logistic regression's solver (enough to converge on one-hot account features).
_LOGIT_MAX_ITER = 2000


def _combiner(feature: str, category: Any) -> str:
    return f"{feature}={category}"


class LookalikeModel(ClassifierMixin, BaseEstimator):
    """Customers-vs-rest lookalike classifier with out-of-fold calibration.

    Positive–unlabelled framing: ``y`` = 1 for current customers, 0 for every other
    account (unlabelled, not known bad fits). Scores are relative likeness to customers.

    Parameters
    ----------
    kind : 'gbm' (HistGradientBoostingClassifier) or 'logit' (L2 logistic regression).
    cv : stratified folds for the out-of-fold scores used for calibration and evaluation.
    calibration : 'isotonic' or 'sigmoid', fitted on the out-of-fold scores.
    C : inverse regularisation strength (logit).
    max_iter, learning_rate, max_depth, min_samples_leaf : boosting settings (gbm).
    random_state : seed of the folds and the booster.

    ``X`` is a DataFrame of account features (text columns are one-hot encoded, numeric ones passed
    through) or a numeric array. After ``fit``: ``classes_``, ``oof_score_`` (uncalibrated out-of-fold
    score per training row), ``oof_proba_`` (calibrated), ``fold_auc_`` (AUC per fold), ``n_folds_``,
    ``pipeline_`` (refitted on all rows), ``n_iter_`` (its iterations), ``calibrator_`` (a fitted
    :class:`~abm_lab.calibration.ScoreCalibrator`), ``feature_names_`` (one-hot), ``n_features_in_``.
    ``predict_proba`` uses the model refitted on all rows plus the calibrator. The fitted model pickles.
    """

    def __init__(
        self,
        kind: Kind = "gbm",
        cv: int = 5,
        calibration: Calibration = "isotonic",
        C: float = 1.0,
        max_iter: int = 150,
        learning_rate: float = 0.05,
        max_depth: int = 3,
        min_samples_leaf: int = 20,
        random_state: int = 0,
    ):
        self.kind = kind
        self.cv = cv
        self.calibration = calibration
        self.C = C
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    # -- building blocks
    def _pipeline(self, X: pd.DataFrame) -> Pipeline:
        cats = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
        nums = [c for c in X.columns if c not in cats]
        pre = ColumnTransformer(
            [
                (
                    "cat",
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False, feature_name_combiner=_combiner),
                    cats,
                ),
                ("num", "passthrough", nums),
            ],
            verbose_feature_names_out=False,
        )
        est: HistGradientBoostingClassifier | LogisticRegression
        if self.kind == "gbm":
            est = HistGradientBoostingClassifier(
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                max_depth=self.max_depth,
                min_samples_leaf=self.min_samples_leaf,
                early_stopping=False,
                random_state=self.random_state,
            )
        else:
            est = LogisticRegression(C=self.C, max_iter=_LOGIT_MAX_ITER)
        return Pipeline([("onehot", pre), ("model", est)])

    def _frame(self, X: Any, reset: bool) -> pd.DataFrame:
        """Validate ``X`` (feature names, number of features; arrays must be numeric) as a model frame."""
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, reset=reset, skip_check_array=True)
            frame = X.copy()
        else:
            nan = "allow-nan" if self.kind == "gbm" else True
            frame = pd.DataFrame(validate_data(self, X, reset=reset, dtype="numeric", ensure_all_finite=nan))
        for c in frame.columns:
            if pd.api.types.is_bool_dtype(frame[c]):
                frame[c] = frame[c].astype(float)
            elif not pd.api.types.is_numeric_dtype(frame[c]):
                frame[c] = frame[c].astype(object)
        return frame

    # -- estimator API
    def fit(self, X: Any, y: Any) -> LookalikeModel:
        """Out-of-fold scores (stratified K-fold), their calibrator and the model refitted on all rows.

        ``y``: two classes, the second of ``np.unique(y)`` being the customers (1 / True).
        """
        if self.kind not in KINDS:
            raise ValueError(f"LookalikeModel.kind must be 'gbm' or 'logit', got {self.kind!r}")
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"LookalikeModel.calibration must be 'isotonic' or 'sigmoid', got {self.calibration!r}")
        if y is None:
            validate_data(self, X, y, skip_check_array=True)  # the standard 'requires y' message
        Xf = self._frame(X, reset=True)
        y = column_or_1d(y, warn=True)
        check_consistent_length(Xf, y)
        check_classification_targets(y)
        classes, y_int = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError("LookalikeModel needs both customers (1) and other accounts (0); y has only one class")
        y_type = type_of_target(y, input_name="y")
        if y_type != "binary":
            raise ValueError(
                f"Only binary classification is supported (customer or not). The type of the target is {y_type}."
            )
        self.classes_ = classes
        n_pos = int(y_int.sum())
        folds = min(self.cv, n_pos, len(y_int) - n_pos)
        if folds < 2:
            raise ValueError("LookalikeModel needs at least 2 accounts in each class for cross-validation")
        skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
        oof = np.zeros(len(y_int))
        aucs = []
        with limit_threads(1), warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            for tr, te in skf.split(Xf, y_int):
                m = self._pipeline(Xf).fit(Xf.iloc[tr], y_int[tr])
                oof[te] = m.predict_proba(Xf.iloc[te])[:, 1]
                aucs.append(roc_auc_score(y_int[te], oof[te]))
            self.pipeline_ = self._pipeline(Xf).fit(Xf, y_int)
        self.calibrator_ = ScoreCalibrator(method=self.calibration, input="probability").fit(oof, y_int)
        self.oof_score_ = oof
        self.oof_proba_ = self.calibrator_.predict(oof)
        self.fold_auc_ = np.asarray(aucs)
        self.n_folds_ = folds
        final = self.pipeline_.named_steps["model"]
        self.n_iter_ = int(np.max(final.n_iter_))
        self.feature_names_ = list(self.pipeline_.named_steps["onehot"].get_feature_names_out())
        return self

    def raw_score(self, X: Any) -> np.ndarray:
        """Uncalibrated score of the model refitted on all rows (orders accounts like the probability)."""
        check_is_fitted(self)
        Xf = self._frame(X, reset=False)
        with limit_threads(1):
            return self.pipeline_.predict_proba(Xf)[:, 1]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities per row, columns in the order of ``classes_``: the second is the positive class
        (customer, when ``y`` is 0/1 or boolean)."""
        check_is_fitted(self)
        p = self.calibrator_.predict(self.raw_score(X))
        return np.column_stack([1 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        """The more likely class per row (``classes_[1]``: customer-like when its calibrated probability > 0.5)."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.allow_nan = self.kind == "gbm"
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags

    # -- evaluation and explanation
    def cv_metrics(self, y: Any) -> dict[str, float]:
        """Out-of-fold AUC (mean and sd over folds, and pooled) and Brier score (calibrated)."""
        check_is_fitted(self)
        y_int = (column_or_1d(y) == self.classes_[1]).astype(int)
        return {
            "auc_mean": float(self.fold_auc_.mean()),
            "auc_sd": float(self.fold_auc_.std(ddof=1)),
            "auc_pooled": float(roc_auc_score(y_int, self.oof_score_)),
            "brier": float(brier_score_loss(y_int, self.oof_proba_)),
            "folds": int(self.n_folds_),
        }

    def design_matrix(self, X: Any) -> pd.DataFrame:
        """One-hot design matrix (the features SHAP and coefficients refer to)."""
        check_is_fitted(self)
        Xf = self._frame(X, reset=False)
        return pd.DataFrame(
            self.pipeline_.named_steps["onehot"].transform(Xf), columns=self.feature_names_, index=Xf.index
        )

    def shap_values(self, X: Any, n_sample: int = 1000, random_state: int = 0) -> tuple[np.ndarray, pd.DataFrame]:
        """SHAP values (log-odds scale) of up to ``n_sample`` rows: (values, design rows).

        Gradient boosting: ``shap.TreeExplainer`` (shap >= 0.45 returns one array for a
        binary model; older versions a list, whose positive-class entry is used).
        Logistic regression: exact linear SHAP, coef * (x - mean x).
        """
        full = self.design_matrix(X)
        D = full.sample(n_sample, random_state=random_state) if len(full) > n_sample else full
        model = self.pipeline_.named_steps["model"]
        if self.kind == "gbm":
            with limit_threads(1), warnings.catch_warnings():
                # shap's import builds colormaps with calls matplotlib deprecates
                warnings.filterwarnings("ignore", category=PendingDeprecationWarning, module=r"shap(\.|$)")
                import shap

                sv = shap.TreeExplainer(model).shap_values(D.to_numpy())
            if isinstance(sv, list):
                sv = sv[1]
            sv = np.asarray(sv)
            if sv.ndim == 3:
                sv = sv[:, :, 1]
        else:
            sv = (D.to_numpy() - full.to_numpy().mean(axis=0)) * model.coef_[0]
        return sv, D

    @staticmethod
    def attribute_of(feature: str) -> str:
        """The input attribute a one-hot feature belongs to ('industry=Software' -> 'industry')."""
        return feature.split("=", 1)[0]

    def feature_importance(self, X: Any = None, n_sample: int = 1000, by: str = "feature") -> pd.Series:
        """Importance on the log-odds scale, highest first.

        ``by='feature'`` (one-hot feature) or ``'attribute'`` (summed over an attribute's
        levels before taking magnitudes). logit: standard deviation over accounts of the
        feature's (or attribute's) term in the linear predictor, i.e. |coef| x sd for one
        feature; gbm: mean |SHAP| over up to ``n_sample`` accounts of X.
        """
        if X is None:
            raise ValueError("feature_importance needs X")
        if by not in ("feature", "attribute"):
            raise ValueError("by must be 'feature' or 'attribute'")
        if self.kind == "logit":
            D = self.design_matrix(X)
            contrib = D.to_numpy() * self.pipeline_.named_steps["model"].coef_[0]
            C = pd.DataFrame(contrib, columns=self.feature_names_)
            if by == "attribute":
                C = C.T.groupby(self.attribute_of).sum().T
            imp = C.std(ddof=0)
        else:
            sv, _ = self.shap_values(X, n_sample)
            C = pd.DataFrame(sv, columns=self.feature_names_)
            if by == "attribute":
                C = C.T.groupby(self.attribute_of).sum().T
            imp = C.abs().mean()
        return imp.rename("importance").sort_values(ascending=False)

    def coefficients(self) -> pd.Series:
        """Logistic-regression coefficients (log-odds per one-hot feature)."""
        if self.kind != "logit":
            raise ValueError("coefficients() is only defined for kind='logit'")
        check_is_fitted(self)
        return pd.Series(self.pipeline_.named_steps["model"].coef_[0], index=self.feature_names_, name="coef")


def compare_models(models: dict[str, LookalikeModel], y: Any) -> pd.DataFrame:
    """One row per fitted model: cv_auc (mean over folds), cv_auc_sd, pooled_auc, brier, folds."""
    rows = []
    for k, m in models.items():
        mt = m.cv_metrics(y)
        rows.append(
            {
                "model": k,
                "cv_auc": mt["auc_mean"],
                "cv_auc_sd": mt["auc_sd"],
                "pooled_auc": mt["auc_pooled"],
                "brier": mt["brier"],
                "folds": mt["folds"],
            }
        )
    return pd.DataFrame(rows)


def choose_model(cv_table: pd.DataFrame, choice: str = "auto") -> str:
    """The model giving the fit score: ``choice`` itself, or with 'auto' the one with the highest CV AUC."""
    if choice != "auto":
        return choice
    return str(cv_table.sort_values("cv_auc", ascending=False).iloc[0]["model"])


def fit_score(prob: np.ndarray, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """Fit score 0–100: percentile rank of ``prob`` among all accounts (ties broken by ``tiebreak``).

    The highest account gets 100, the lowest 100/n; equal (prob, tiebreak) pairs share the mean rank.
    """
    prob = np.asarray(prob, float)
    n = len(prob)
    if n == 0:
        return prob
    key = pd.DataFrame({"p": prob, "t": np.zeros(n) if tiebreak is None else np.asarray(tiebreak, float)})
    # rank by (p, t): combine into one ordinal rank, then average ties
    order = np.lexsort((key["t"].to_numpy(), key["p"].to_numpy()))
    ranks = np.empty(n)
    ranks[order] = np.arange(1, n + 1)
    grp = key.groupby(["p", "t"], sort=False).ngroup().to_numpy()
    ranks = pd.Series(ranks).groupby(grp).transform("mean").to_numpy()
    return np.round(100.0 * ranks / n, 2)
