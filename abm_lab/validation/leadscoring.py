"""Lead-level scoring on real data: the X Education leads (label ``Converted``).

The same modelling path as the account engagement score (gradient boosting with
numerically encoded categoricals + a scaled logistic regression, scikit-learn estimator
API), on a public lead-scoring case study, so our AUC can be set next to published ones.

Columns that leak the outcome are dropped before modelling (params
``validation.x_education.drop``, each with its reason): ``Tags`` and ``Lead Quality`` are set by
the sales team after contacting the lead; the four ``Asymmetrique*`` fields are scores
the company assigned, not behaviour; ``Lead Profile`` is a lead level assigned by the
company; ``Last Notable Activity`` is the CRM status at extraction time (after the
outcome: 'Modified', calls and SMS by sales). ``Last Activity`` is kept (the lead's last
recorded action, as a marketing-automation tool would see it) and its effect is shown in
:func:`leakage_ladder`. The placeholder ``Select`` (an untouched drop-down) is missing.

The data never enters the repository: it is read from ``../shared/datasets`` (params
``validation.x_education.path``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ..config.validation import XEducationParams
from ..engagement.validation import bootstrap_auc
from ..errors import ABMDataError
from ..results import Results, Summary
from ..utils import limit_threads

TARGET = "Converted"
MISSING_LEVEL = "Select"

#: Published results (see SOURCE.md next to the data): repo, model, what was reported.
PEERS = pd.DataFrame(
    [
        ("lakshit-aswal/Lead-Score-Case-Study", "LR, leaky columns dropped", "train ROC-AUC 0.85; test accuracy 0.80"),
        (
            "arunadurai/Logistic-regression-project-on-lead-scoring",
            "LR, leaky columns dropped",
            "train ROC-AUC 0.88; test accuracy 0.80",
        ),
        (
            "KeerthanaDS1994/LEAD-SCORING-CASE-STUDY---Keerthana-DS",
            "LR, no Tags",
            "train ROC-AUC 0.91; test accuracy 0.81",
        ),
        ("aqibjallal/Lead_Scoring", "LR, Tags and Lead Quality dropped", "test accuracy 0.75"),
        (
            "khajanawaz/lead-case-study-using-Logistic-Regression",
            "LR with Tags (leaky)",
            "train ROC-AUC 0.95; test accuracy 0.90",
        ),
        ("kailash105/lead-scoring-case-study", "with Tags (leaky)", "test accuracy 0.93"),
    ],
    columns=["peer", "model and features", "reported"],
)


def resolve_path(params: XEducationParams | None = None, root: str | Path | None = None) -> Path:
    """Absolute path of ``Leads.csv`` (params ``validation.x_education.path``, relative to ``root``)."""
    p = Path((params or XEducationParams()).path)
    return p if p.is_absolute() else Path(root or ".") / p


def load_leads(path: str | Path) -> pd.DataFrame:
    """Read ``Leads.csv``; clear :class:`ABMDataError` when absent or without ``Converted``."""
    path = Path(path)
    if not path.exists():
        raise ABMDataError(
            f"{path}: X Education Leads.csv not found (it lives in ../shared/datasets/"
            f"x_education_leads; set validation.x_education.path)",
            file=str(path),
            reason="file not found",
        )
    try:
        df = pd.read_csv(path)
    except Exception as exc:
        raise ABMDataError(
            f"{path}: could not be read ({type(exc).__name__}: {exc})", file=str(path), reason="unreadable file"
        ) from None
    if TARGET not in df.columns:
        raise ABMDataError(
            f"{path}: column '{TARGET}' (the label) is missing", file=str(path), column=TARGET, reason="missing column"
        )
    bad = ~df[TARGET].isin([0, 1])
    if bad.any():
        rows = [int(i) + 2 for i in np.flatnonzero(bad)[:5]]
        raise ABMDataError(
            f"{path}: column '{TARGET}' must be 0/1; lines {rows} are not",
            file=str(path),
            column=TARGET,
            rows=rows,
            reason="label not 0/1",
        )
    return df


def prepare_leads(df: pd.DataFrame, drop: dict[str, str] | list[str] | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Features and label: drop the listed columns, 'Select' -> missing, Yes/No -> 1/0."""
    drop = list(drop if drop is not None else XEducationParams().drop)
    X = df.drop(columns=[c for c in drop if c in df.columns] + [TARGET])
    y = df[TARGET].to_numpy(dtype=int)
    X = X.mask(X.astype("object") == MISSING_LEVEL)
    for c in X.columns:
        if not pd.api.types.is_numeric_dtype(X[c]):
            vals = set(X[c].dropna().unique())
            if vals and vals <= {"Yes", "No"}:
                X[c] = X[c].map({"Yes": 1.0, "No": 0.0}).astype(float)
            else:
                X[c] = X[c].astype("object")
    # constant columns carry no information
    X = X[[c for c in X.columns if X[c].nunique(dropna=False) > 1]]
    return X, y


def _encoder(X: pd.DataFrame, scale: bool, min_frequency: int) -> ColumnTransformer:
    cat = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    num = [c for c in X.columns if c not in cat]
    num_steps = [("impute", SimpleImputer(strategy="median", add_indicator=True))]
    if scale:
        num_steps.append(("scale", StandardScaler()))
    cat_pipe = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
            (
                "onehot",
                OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=min_frequency, sparse_output=False),
            ),
        ]
    )
    return ColumnTransformer([("num", Pipeline(num_steps), num), ("cat", cat_pipe, cat)])


def make_lead_models(X: pd.DataFrame, params: XEducationParams | None = None) -> dict[str, Pipeline]:
    """GBM (one-hot categoricals: numeric codes keep SHAP faithful) and scaled logistic regression."""
    p = params or XEducationParams()
    gbm = HistGradientBoostingClassifier(
        max_iter=p.gbm_max_iter, learning_rate=p.gbm_learning_rate, random_state=p.seed, early_stopping=False
    )
    lr = LogisticRegression(C=p.lr_C, max_iter=p.lr_max_iter)
    return {
        "gbm": Pipeline([("enc", _encoder(X, scale=False, min_frequency=p.min_frequency)), ("model", gbm)]),
        "logistic": Pipeline([("enc", _encoder(X, scale=True, min_frequency=p.min_frequency)), ("model", lr)]),
    }


@dataclass
class LeadScoringResult(Results):
    """Holdout results of the lead-level models (X Education)."""

    metrics: pd.DataFrame
    dropped: pd.DataFrame  # column, reason
    n_train: int
    n_test: int
    base_rate: float
    models: dict[str, Pipeline] = field(repr=False, default_factory=dict)

    def metrics_table(self) -> pd.DataFrame:
        """Out-of-sample ROC-AUC (95% bootstrap CI), PR-AUC and Brier per model."""
        return self.metrics.copy()

    def summary(self) -> Summary:
        """Holdout metrics per model with the ROC-AUC interval, the dropped columns and the peers."""
        s = Summary("X Education lead scoring: stratified holdout")
        s.add_table(self.metrics.round(4), "Holdout metrics (ROC-AUC with a 95% bootstrap interval)")
        s.add_table(self.dropped, "Columns dropped before modelling")
        s.add_table(PEERS, "Published results")
        s.add_note(f"{self.n_train:,} training and {self.n_test:,} test leads; conversion rate {self.base_rate:.1%}.")
        return s

    def auc(self, name: str = "gbm") -> float:
        return float(self.metrics.loc[name, "roc_auc"])


def _split(X: pd.DataFrame, y: np.ndarray, p: XEducationParams) -> list[Any]:
    return train_test_split(X, y, test_size=p.test_size, stratify=y, random_state=p.seed)


def fit_leadscoring(df: pd.DataFrame, params: XEducationParams | None = None) -> LeadScoringResult:
    """Stratified holdout (``test_size``, seed ``seed``) of GBM and logistic regression, with a
    bootstrap interval (``n_bootstrap`` resamples of leads) of each ROC-AUC."""
    p = params or XEducationParams()
    X, y = prepare_leads(df, p.drop)
    Xtr, Xte, ytr, yte = _split(X, y, p)
    rows, models = {}, {}
    with limit_threads(p.n_threads):
        for name, model in make_lead_models(X, p).items():
            model.fit(Xtr, ytr)
            prob = model.predict_proba(Xte)[:, 1]
            lo, hi = bootstrap_auc(yte, prob, np.arange(len(yte)), p.n_bootstrap, p.seed)
            rows[name] = {
                "roc_auc": roc_auc_score(yte, prob),
                "auc_ci_low": lo,
                "auc_ci_high": hi,
                "pr_auc": average_precision_score(yte, prob),
                "brier": brier_score_loss(yte, prob),
            }
            models[name] = model
    metrics = pd.DataFrame(rows).T.rename_axis("model")
    dropped = pd.DataFrame([(c, r) for c, r in p.drop.items() if c in df.columns], columns=["column", "reason"])
    return LeadScoringResult(
        metrics=metrics, dropped=dropped, n_train=len(ytr), n_test=len(yte), base_rate=float(y.mean()), models=models
    )


def leakage_ladder(df: pd.DataFrame, params: XEducationParams | None = None) -> pd.DataFrame:
    """GBM holdout AUC as leaky columns are removed step by step (how much each one 'helps')."""
    p = params or XEducationParams()
    ids = [c for c, r in p.drop.items() if r == "identifier"]
    asym = [c for c in df.columns if c.startswith("Asymmetrique")]
    steps = [
        ("all columns (leaky)", ids),
        ("- Tags, Lead Quality", ids + ["Tags", "Lead Quality"]),
        ("- Asymmetrique scores", ids + ["Tags", "Lead Quality"] + asym),
        ("- Lead Profile, Last Notable Activity (our model)", list(p.drop)),
        ("- Last Activity too", list(p.drop) + ["Last Activity"]),
    ]
    out = []
    with limit_threads(p.n_threads):
        for label, drop in steps:
            X, y = prepare_leads(df, drop)
            Xtr, Xte, ytr, yte = _split(X, y, p)
            m = make_lead_models(X, p)["gbm"].fit(Xtr, ytr)
            out.append(
                {
                    "columns": label,
                    "n_features": X.shape[1],
                    "gbm_roc_auc": roc_auc_score(yte, m.predict_proba(Xte)[:, 1]),
                }
            )
    return pd.DataFrame(out)
