"""Ideal customer profile (ICP): who looks like our customers? (notebook 01)

Three views, from the most transparent to the most powerful:

1. **Lift tables** (:func:`lift_tables`): per attribute value (industry, employee band,
   revenue band, region, founded band, each ``tech_*`` flag), the customer rate in the
   segment divided by the overall customer rate, with Wilson confidence intervals.
   Segments with fewer than ``icp.min_segment_size`` accounts are flagged, not trusted.
2. **Lookalike model** (:class:`LookalikeModel`): a scikit-learn classifier of
   customers against every other account. This is a *positive–unlabelled* problem:
   non-customers are not known bad fits, many are good fits we have not won yet. The
   score is therefore *relative likeness to current customers*; its calibrated value is
   P(customer | attributes) in this account universe, not a probability of buying.
   Scores are out-of-fold (stratified K-fold), so each account is scored by a model
   that never saw it, and calibrated (isotonic or sigmoid) on those out-of-fold scores.
   A logistic-regression baseline runs beside a histogram gradient-boosted model; the
   categorical attributes are one-hot encoded for both, so SHAP values of the boosted
   model are attributed to readable features ("industry=Software").
3. **Readable ICP** (:func:`learn_rules`): one rule a marketer can read ("Software or
   Financial Services, 200–4,999 employees, uses CRM") with coverage and precision,
   saved as an editable ``icp.yaml`` (:func:`save_icp`, :func:`load_icp`) that
   notebook 02 can apply instead of the model (:func:`apply_icp`).

**Fit score 0–100** = percentile rank of the calibrated out-of-fold probability among
all accounts (ties broken by the uncalibrated score, which orders accounts the same way):
90 means "scores above 90% of the account universe". ``fit_prob`` keeps the calibrated
probability. With fewer than ``icp.min_customers`` customers no model is fitted and the
fit score is the rule score (share of ICP conditions met, 0–100).

If (almost) every account is a customer, as in the Maven CRM sample where all 85
accounts have a won deal, there is nothing to contrast customers with: the profile then
contrasts the top ``icp.high_value_share`` of customers by won revenue with the other
customers, and says so.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from threadpoolctl import threadpool_limits

from .config.icp import IcpParams
from .errors import ABMDataError

__all__ = [
    "CATEGORICAL",
    "account_features",
    "wilson_interval",
    "LiftTables",
    "lift_tables",
    "LookalikeModel",
    "IcpRules",
    "learn_rules",
    "apply_icp",
    "save_icp",
    "load_icp",
    "IcpResult",
    "discover",
    "fit_score",
    "driver_recovery",
    "truth_check",
    "icp_target",
    "tech_label",
    "executive_summary",
    "plot_lift",
    "plot_shap_summary",
    "format_cv_table",
    "band_labels",
]

#: Categorical attributes built from the canonical accounts table (plus every ``tech_*`` flag).
CATEGORICAL: tuple[str, ...] = ("industry", "employee_band", "revenue_band", "region", "founded_band")
UNKNOWN = "unknown"
_ATTR_LABEL = {
    "industry": "Industry",
    "employee_band": "Employees",
    "revenue_band": "Annual revenue",
    "region": "Region",
    "founded_band": "Founded",
}


# --------------------------------------------------------------------------- features
def _num_label(x: float, money: bool) -> str:
    if money:
        if x >= 1e9:
            return f"${x / 1e9:g}B"
        if x >= 1e6:
            return f"${x / 1e6:g}M"
        return f"${x:,.0f}"
    return f"{x:,.0f}"


def band_labels(edges: Sequence[float], kind: str) -> list[str]:
    """Labels of the bands defined by inner ``edges``: '<50', '50–199', …, '5,000+'.

    ``kind`` is 'employees' (people, whole numbers), 'revenue' (USD) or 'year'.
    """
    e = list(edges)
    money = kind == "revenue"
    if kind == "year":
        out = [f"before {int(e[0])}"]
        out += [f"{int(a)}–{int(b) - 1}" for a, b in zip(e, e[1:], strict=False)]
        return out + [f"{int(e[-1])} or later"]
    if money:
        out = [f"<{_num_label(e[0], True)}"]
        out += [f"{_num_label(a, True)}–{_num_label(b, True)}" for a, b in zip(e, e[1:], strict=False)]
        return out + [f"{_num_label(e[-1], True)}+"]
    out = [f"<{_num_label(e[0], False)}"]
    out += [f"{_num_label(a, False)}–{_num_label(b - 1, False)}" for a, b in zip(e, e[1:], strict=False)]
    return out + [f"{_num_label(e[-1], False)}+"]


def _band(values: pd.Series, edges: Sequence[float], kind: str) -> pd.Series:
    labels = band_labels(edges, kind)
    x = pd.to_numeric(values, errors="coerce").astype("float64")
    idx = np.searchsorted(np.asarray(edges, float), x.to_numpy(), side="right")
    out = pd.Series(np.asarray(labels, dtype=object)[np.minimum(idx, len(labels) - 1)], index=values.index)
    return out.where(x.notna().to_numpy(), UNKNOWN)


def tech_columns(accounts: pd.DataFrame) -> list[str]:
    return [c for c in accounts.columns if c.startswith("tech_")]


def tech_label(col: str) -> str:
    """'tech_marketing_automation' -> 'marketing automation' (CRM/ERP/BI upper-cased)."""
    words = col.removeprefix("tech_").split("_")
    return " ".join(w.upper() if w in ("crm", "erp", "bi", "dw", "cdp", "hr") else w for w in words)


def account_features(
    accounts: pd.DataFrame, p: IcpParams | None = None, bands: dict[str, list[float]] | None = None
) -> pd.DataFrame:
    """Model features of every account, indexed by ``account_id``.

    Categorical (text): industry, employee_band (people), revenue_band (USD), region,
    founded_band (year); missing values become 'unknown'. Every ``tech_*`` flag is a
    0/1 float (missing = 0: not known to use it). One row per input account.
    """
    p = p or IcpParams()
    b = {"employees": p.employee_bands, "revenue": p.revenue_bands, "founded": p.founded_bands}
    b.update(bands or {})
    if "account_id" not in accounts.columns:
        raise ABMDataError(
            "accounts: column 'account_id' is missing", file="accounts", column="account_id", reason="missing column"
        )
    idx = pd.Index(accounts["account_id"].astype(str), name="account_id")
    out = pd.DataFrame(index=idx)

    def col(name):
        return accounts[name] if name in accounts.columns else pd.Series(pd.NA, index=accounts.index)

    def text(s):
        s = s.astype("string").str.strip()
        return s.mask(s == "").fillna(UNKNOWN).astype(object).to_numpy()

    out["industry"] = text(col("industry"))
    out["employee_band"] = _band(col("employees"), b["employees"], "employees").to_numpy()
    out["revenue_band"] = _band(col("annual_revenue"), b["revenue"], "revenue").to_numpy()
    out["region"] = text(col("region"))
    out["founded_band"] = _band(col("founded_year"), b["founded"], "year").to_numpy()
    for c in tech_columns(accounts):
        out[c] = accounts[c].astype("boolean").fillna(False).astype(float).to_numpy()
    return out


def _value_labels(features: pd.DataFrame) -> pd.DataFrame:
    """Features as display labels: categorical as is, tech flags as 'yes'/'no'."""
    out = features.copy()
    for c in out.columns:
        if c.startswith("tech_"):
            out[c] = np.where(out[c].to_numpy() > 0.5, "yes", "no")
    return out


def _band_order(features: pd.DataFrame, attr: str, p: IcpParams) -> list[str]:
    kinds = {
        "employee_band": (p.employee_bands, "employees"),
        "revenue_band": (p.revenue_bands, "revenue"),
        "founded_band": (p.founded_bands, "year"),
    }
    if attr in kinds:
        return band_labels(*kinds[attr]) + [UNKNOWN]
    return sorted(pd.unique(features[attr]).tolist())


# --------------------------------------------------------------------------- lift tables
def wilson_interval(k: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion k/n (arrays); NaN where n == 0."""
    k = np.asarray(k, float)
    n = np.asarray(n, float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        ph = k / n
        den = 1 + z**2 / n
        centre = (ph + z**2 / (2 * n)) / den
        half = z * np.sqrt(ph * (1 - ph) / n + z**2 / (4 * n**2)) / den
    return centre - half, centre + half


@dataclass
class LiftTables:
    """Customer rate and lift per attribute value, with Wilson intervals.

    ``table`` columns: attribute, value, accounts, positives, rate, rate_lo, rate_hi,
    lift, lift_lo, lift_hi (lift = segment rate / overall rate; its interval is the
    rate interval divided by the overall rate), small_sample (accounts < min size).
    """

    table: pd.DataFrame
    base_rate: float
    n: int
    positives: int
    level: float
    min_segment_size: int
    target_name: str = "customer"

    def top(self, k: int = 10, trusted_only: bool = True) -> pd.DataFrame:
        t = self.table[~self.table["small_sample"]] if trusted_only else self.table
        return t.head(k)

    def attribute(self, name: str) -> pd.DataFrame:
        return self.table[self.table["attribute"] == name]

    def summary(self) -> str:
        small = int(self.table["small_sample"].sum())
        lines = [
            f"Lift tables: {self.positives:,} {self.target_name}s among {self.n:,} accounts "
            f"(base rate {self.base_rate:.1%}); {len(self.table)} segments, {small} flagged small "
            f"(< {self.min_segment_size} accounts). Intervals: Wilson {self.level:.0%}."
        ]
        for r in self.top(5).itertuples():
            lines.append(
                f"  {r.attribute}={r.value}: lift {r.lift:.2f} ({r.lift_lo:.2f}–{r.lift_hi:.2f}), n={r.accounts}"
            )
        return "\n".join(lines)

    def display(self, k: int | None = None) -> pd.DataFrame:
        """A formatted copy for notebooks (percentages, lift with interval)."""
        t = self.table if k is None else self.table.head(k)
        out = pd.DataFrame(
            {
                "attribute": t["attribute"].map(
                    lambda a: _ATTR_LABEL.get(a, f"Uses {tech_label(a)}" if a.startswith("tech_") else a)
                ),
                "value": t["value"],
                "accounts": t["accounts"],
                f"{self.target_name}s": t["positives"],
                "rate": [f"{r:.1%}" for r in t["rate"]],
                "lift (95% CI)": [
                    f"{a:.2f} ({b:.2f}–{c:.2f})" for a, b, c in zip(t["lift"], t["lift_lo"], t["lift_hi"], strict=False)
                ],
                "small sample": np.where(t["small_sample"], "yes", ""),
            }
        )
        return out.reset_index(drop=True)


def lift_tables(
    features: pd.DataFrame, y: pd.Series | np.ndarray, p: IcpParams | None = None, target_name: str = "customer"
) -> LiftTables:
    """Lift of every attribute value (see :class:`LiftTables`), sorted by lift, highest first."""
    p = p or IcpParams()
    y = np.asarray(y, dtype=bool)
    if len(y) != len(features):
        raise ValueError("features and y must have the same number of rows")
    labels = _value_labels(features)
    base = float(y.mean()) if len(y) else float("nan")
    rows = []
    for attr in labels.columns:
        g = pd.DataFrame({"v": labels[attr].to_numpy(), "y": y}).groupby("v", sort=False)["y"].agg(["size", "sum"])
        for v, r in g.iterrows():
            rows.append((attr, str(v), int(r["size"]), int(r["sum"])))
    t = pd.DataFrame(rows, columns=["attribute", "value", "accounts", "positives"])
    t["rate"] = t["positives"] / t["accounts"]
    lo, hi = wilson_interval(t["positives"].to_numpy(), t["accounts"].to_numpy(), p.ci_level)
    t["rate_lo"], t["rate_hi"] = lo, hi
    with np.errstate(divide="ignore", invalid="ignore"):
        t["lift"] = t["rate"] / base
        t["lift_lo"] = t["rate_lo"] / base
        t["lift_hi"] = t["rate_hi"] / base
    t["small_sample"] = t["accounts"] < p.min_segment_size
    t = t.sort_values(["lift", "accounts"], ascending=[False, False], kind="stable").reset_index(drop=True)
    return LiftTables(t, base, len(y), int(y.sum()), p.ci_level, p.min_segment_size, target_name)


# --------------------------------------------------------------------------- lookalike model
def _combiner(feature, category):
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

    After ``fit``: ``oof_score_`` (uncalibrated out-of-fold score per training row),
    ``oof_proba_`` (calibrated), ``fold_auc_`` (AUC per fold), ``feature_names_`` (one-hot).
    ``predict_proba`` uses the model refitted on all rows plus the calibrator.
    """

    def __init__(
        self,
        kind: str = "gbm",
        cv: int = 5,
        calibration: str = "isotonic",
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
        if self.kind == "gbm":
            est = HistGradientBoostingClassifier(
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                max_depth=self.max_depth,
                min_samples_leaf=self.min_samples_leaf,
                early_stopping=False,
                random_state=self.random_state,
            )
        elif self.kind == "logit":
            est = LogisticRegression(C=self.C, max_iter=2000)
        else:
            raise ValueError(f"LookalikeModel.kind must be 'gbm' or 'logit', got {self.kind!r}")
        return Pipeline([("onehot", pre), ("model", est)])

    @staticmethod
    def _prep(X: pd.DataFrame) -> pd.DataFrame:
        X = X.copy()
        for c in X.columns:
            if not pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]):
                if pd.api.types.is_bool_dtype(X[c]):
                    X[c] = X[c].astype(float)
                else:
                    X[c] = X[c].astype(object)
        return X

    def _calibrate(self, score: np.ndarray, y: np.ndarray):
        if self.calibration == "isotonic":
            cal = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
            cal.fit(score, y)
            return cal.predict
        if self.calibration == "sigmoid":
            z = np.log(np.clip(score, 1e-6, 1 - 1e-6) / (1 - np.clip(score, 1e-6, 1 - 1e-6)))
            lr = LogisticRegression(C=1e6, max_iter=1000).fit(z.reshape(-1, 1), y)
            return lambda s: lr.predict_proba(
                np.log(np.clip(s, 1e-6, 1 - 1e-6) / (1 - np.clip(s, 1e-6, 1 - 1e-6))).reshape(-1, 1)
            )[:, 1]
        raise ValueError(f"LookalikeModel.calibration must be 'isotonic' or 'sigmoid', got {self.calibration!r}")

    # -- estimator API
    def fit(self, X: pd.DataFrame, y) -> LookalikeModel:
        X = self._prep(pd.DataFrame(X))
        y = np.asarray(y).astype(int)
        if len(np.unique(y)) < 2:
            raise ValueError("LookalikeModel needs both customers (1) and other accounts (0)")
        n_pos = int(y.sum())
        folds = min(self.cv, n_pos, len(y) - n_pos)
        if folds < 2:
            raise ValueError("LookalikeModel needs at least 2 accounts in each class for cross-validation")
        self.classes_ = np.array([0, 1])
        skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.random_state)
        oof = np.zeros(len(y))
        aucs = []
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for tr, te in skf.split(X, y):
                m = self._pipeline(X).fit(X.iloc[tr], y[tr])
                oof[te] = m.predict_proba(X.iloc[te])[:, 1]
                aucs.append(roc_auc_score(y[te], oof[te]))
            self.pipeline_ = self._pipeline(X).fit(X, y)
        self.calibrator_ = self._calibrate(oof, y)
        self.oof_score_ = oof
        self.oof_proba_ = np.asarray(self.calibrator_(oof), float)
        self.fold_auc_ = np.asarray(aucs)
        self.n_folds_ = folds
        self.feature_names_ = list(self.pipeline_.named_steps["onehot"].get_feature_names_out())
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def decision_function(self, X) -> np.ndarray:
        """Uncalibrated score of the model refitted on all rows (orders accounts)."""
        X = self._prep(pd.DataFrame(X))
        with threadpool_limits(1):
            return self.pipeline_.predict_proba(X)[:, 1]

    def predict_proba(self, X) -> np.ndarray:
        p = np.asarray(self.calibrator_(self.decision_function(X)), float)
        return np.column_stack([1 - p, p])

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    # -- evaluation and explanation
    def cv_metrics(self, y) -> dict[str, float]:
        """Out-of-fold AUC (mean and sd over folds, and pooled) and Brier score (calibrated)."""
        y = np.asarray(y).astype(int)
        return {
            "auc_mean": float(self.fold_auc_.mean()),
            "auc_sd": float(self.fold_auc_.std(ddof=1)),
            "auc_pooled": float(roc_auc_score(y, self.oof_score_)),
            "brier": float(brier_score_loss(y, self.oof_proba_)),
            "folds": int(self.n_folds_),
        }

    def transform(self, X) -> pd.DataFrame:
        """One-hot design matrix (the features SHAP and coefficients refer to)."""
        X = self._prep(pd.DataFrame(X))
        return pd.DataFrame(
            self.pipeline_.named_steps["onehot"].transform(X), columns=self.feature_names_, index=X.index
        )

    def shap_values(self, X, n_sample: int = 1000, random_state: int = 0) -> tuple[np.ndarray, pd.DataFrame]:
        """SHAP values (log-odds scale) of up to ``n_sample`` rows: (values, design rows).

        Gradient boosting: ``shap.TreeExplainer`` (shap >= 0.45 returns one array for a
        binary model; older versions a list, whose positive-class entry is used).
        Logistic regression: exact linear SHAP, coef * (x - mean x).
        """
        key = (id(X), len(X), n_sample, random_state)
        cache = self.__dict__.setdefault("_shap_cache", {})
        if key in cache:
            return cache[key]
        D = self.transform(X)
        if len(D) > n_sample:
            D = D.sample(n_sample, random_state=random_state)
        model = self.pipeline_.named_steps["model"]
        if self.kind == "gbm":
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore")
                import shap

                sv = shap.TreeExplainer(model).shap_values(D.to_numpy())
            if isinstance(sv, list):
                sv = sv[1]
            sv = np.asarray(sv)
            if sv.ndim == 3:
                sv = sv[:, :, 1]
        else:
            full = self.transform(X)
            sv = (D.to_numpy() - full.to_numpy().mean(axis=0)) * model.coef_[0]
        cache[key] = (sv, D)
        return sv, D

    def attribute_of(self, feature: str) -> str:
        """The input attribute a one-hot feature belongs to ('industry=Software' -> 'industry')."""
        return feature.split("=", 1)[0]

    def feature_importance(self, X=None, n_sample: int = 1000, by: str = "feature") -> pd.Series:
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
            D = self.transform(X)
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
        return pd.Series(self.pipeline_.named_steps["model"].coef_[0], index=self.feature_names_, name="coef")


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


# --------------------------------------------------------------------------- readable rules
def _merge_bands(values: list[str], order: list[str]) -> list[str]:
    """Merge contiguous bands into ranges for reading: ['200–999', '1,000–4,999'] -> ['200–4,999']."""
    pos = sorted(order.index(v) for v in values if v in order)
    groups, cur = [], []
    for i in pos:
        if cur and i == cur[-1] + 1:
            cur.append(i)
        else:
            if cur:
                groups.append(cur)
            cur = [i]
    if cur:
        groups.append(cur)
    out = []
    for g in groups:
        a, b = order[g[0]], order[g[-1]]
        if a == b:
            out.append(a)
            continue
        lo = a.split("–")[0] if "–" in a else a
        hi = b.split("–")[-1] if "–" in b else b
        if a.startswith("<") or a.startswith("before"):
            out.append(f"up to {hi}" if "–" in b else "any")
        elif b.endswith("+") or b.endswith("or later"):
            out.append(f"{lo}+" if not lo.endswith("+") else lo)
        else:
            out.append(f"{lo}–{hi}")
    return out


@dataclass
class IcpRules:
    """A readable ICP: all ``conditions`` must hold; each is (attribute, allowed values).

    ``stats``: coverage (share of accounts matching), precision (target rate among them),
    recall (share of targets matched), lift (precision / base rate), matched, base_rate.
    ``bands`` keeps the band edges so the rule can be applied to raw accounts later.
    """

    conditions: list[tuple[str, list[str]]]
    stats: dict[str, float] = field(default_factory=dict)
    bands: dict[str, list[float]] = field(default_factory=dict)
    target: str = "customer"
    steps: pd.DataFrame | None = None

    def describe_condition(self, attr: str, values: list[str]) -> str:
        if attr.startswith("tech_"):
            if values == ["yes"]:
                return f"uses {tech_label(attr)}"
            if values == ["no"]:
                return f"does not use {tech_label(attr)}"
            return f"{tech_label(attr)}: {' or '.join(values)}"
        if attr == "employee_band":
            order = band_labels(self.bands.get("employees", IcpParams().employee_bands), "employees")
            return " or ".join(_merge_bands(values, order)) + " employees"
        if attr == "revenue_band":
            order = band_labels(self.bands.get("revenue", IcpParams().revenue_bands), "revenue")
            return " or ".join(_merge_bands(values, order)) + " revenue"
        if attr == "founded_band":
            return "founded " + " or ".join(values)
        if attr == "region":
            return "region " + " or ".join(values)
        return " or ".join(values)

    def describe(self) -> str:
        """The rule in words, e.g. 'Software or Financial Services, 200–4,999 employees, uses CRM'."""
        if not self.conditions:
            return "all accounts (no condition improved on the base rate)"
        return ", ".join(self.describe_condition(a, v) for a, v in self.conditions)

    def table(self) -> pd.DataFrame:
        """The rule built step by step: condition, accounts kept, precision, recall."""
        return self.steps if self.steps is not None else pd.DataFrame()

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "description": self.describe(),
            "target": self.target,
            "match": "all",
            "conditions": [
                {"attribute": a, "in": list(v), "reads": self.describe_condition(a, v)} for a, v in self.conditions
            ],
            "bands": {k: [float(x) for x in v] for k, v in self.bands.items()},
            "stats": {k: (round(float(v), 4) if isinstance(v, float) else v) for k, v in self.stats.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], file: str = "icp.yaml") -> IcpRules:
        if not isinstance(d, dict) or "conditions" not in d:
            raise ABMDataError(
                f"{file}: expected a mapping with a 'conditions' list",
                file=file,
                column="conditions",
                reason="bad icp file",
            )
        conds = []
        for i, c in enumerate(d.get("conditions") or []):
            if not isinstance(c, dict) or "attribute" not in c or "in" not in c:
                raise ABMDataError(
                    f"{file}: condition {i + 1} needs 'attribute' and 'in' (list of values), got {c!r}",
                    file=file,
                    column=f"conditions.{i}",
                    reason="bad condition",
                )
            attr = str(c["attribute"])
            if attr not in CATEGORICAL and not attr.startswith("tech_"):
                raise ABMDataError(
                    f"{file}: condition {i + 1} uses unknown attribute '{attr}'; use one of "
                    f"{list(CATEGORICAL)} or a tech_* flag",
                    file=file,
                    column=f"conditions.{i}",
                    reason="unknown attribute",
                )
            vals = c["in"] if isinstance(c["in"], list) else [c["in"]]
            vals = [("yes" if v is True else "no" if v is False else str(v)) for v in vals]
            conds.append((attr, vals))
        return cls(
            conds,
            dict(d.get("stats") or {}),
            {k: list(v) for k, v in (d.get("bands") or {}).items()},
            str(d.get("target", "customer")),
        )


def learn_rules(features: pd.DataFrame, y, p: IcpParams | None = None, target_name: str = "customer") -> IcpRules:
    """Greedy readable rule (subgroup discovery): repeatedly add the condition
    'attribute in {values}' with the highest weighted relative accuracy inside the
    accounts already kept, share kept x (new precision - current precision), as long as
    the rule keeps at least ``icp.rule_min_recall`` of the targets, up to
    ``icp.rule_max_conditions`` conditions. Values qualify when their rate inside the
    kept accounts is ``icp.rule_value_lift`` times the kept rate and they have at least
    ``icp.min_segment_size`` kept accounts.
    """
    p = p or IcpParams()
    y = np.asarray(y, dtype=bool)
    labels = _value_labels(features)
    n, pos = len(y), int(y.sum())
    base = y.mean() if n else 0.0
    keep = np.ones(n, bool)
    conds: list[tuple[str, list[str]]] = []
    steps = [
        {
            "step": 0,
            "condition": "all accounts",
            "accounts": n,
            "coverage": 1.0,
            "precision": base,
            "recall": 1.0,
            "lift": 1.0,
        }
    ]
    attrs = list(labels.columns)
    for step in range(1, p.rule_max_conditions + 1):
        best = None
        kept_rate = y[keep].mean() if keep.any() else 0.0
        for attr in attrs:
            if any(a == attr for a, _ in conds):
                continue
            v = labels[attr].to_numpy()
            g = pd.DataFrame({"v": v[keep], "y": y[keep]}).groupby("v")["y"].agg(["size", "mean"])
            good = g[(g["size"] >= p.min_segment_size) & (g["mean"] >= kept_rate * p.rule_value_lift)]
            good = good[good.index != UNKNOWN]
            if good.empty or len(good) == len(g):
                continue
            vals = [str(x) for x in good.index]
            new = keep & np.isin(v, vals)
            if pos == 0 or y[new].sum() / pos < p.rule_min_recall:
                continue
            prec = y[new].mean()
            # weighted relative accuracy inside the accounts already kept
            score = (new.sum() / keep.sum()) * (prec - kept_rate)
            if best is None or score > best[0]:
                best = (score, attr, vals, new)
        if best is None or best[0] <= 0:
            break
        _, attr, vals, keep = best
        order = _band_order(features, attr, p) if attr in CATEGORICAL else ["yes", "no"]
        vals = sorted(vals, key=lambda s: order.index(s) if s in order else len(order))
        conds.append((attr, vals))
        rules_tmp = IcpRules(conds, bands=_bands_of(p))
        steps.append(
            {
                "step": step,
                "condition": rules_tmp.describe_condition(attr, vals),
                "accounts": int(keep.sum()),
                "coverage": keep.mean(),
                "precision": y[keep].mean(),
                "recall": y[keep].sum() / max(pos, 1),
                "lift": (y[keep].mean() / base) if base else float("nan"),
            }
        )
    stats_ = {
        "accounts": n,
        "matched": int(keep.sum()),
        "coverage": float(keep.mean()) if n else 0.0,
        "precision": float(y[keep].mean()) if keep.any() else 0.0,
        "recall": float(y[keep].sum() / pos) if pos else 0.0,
        "base_rate": float(base),
        "lift": float(y[keep].mean() / base) if base and keep.any() else float("nan"),
    }
    return IcpRules(conds, stats_, _bands_of(p), target_name, pd.DataFrame(steps))


def _bands_of(p: IcpParams) -> dict[str, list[float]]:
    return {"employees": list(p.employee_bands), "revenue": list(p.revenue_bands), "founded": list(p.founded_bands)}


def apply_icp(accounts: pd.DataFrame, rules: IcpRules | dict | str | Path) -> pd.DataFrame:
    """Apply ICP rules (object, dict or path of icp.yaml) to canonical accounts.

    Returns one row per account (index account_id): conditions_met, matches (bool),
    rule_score (0–100 = share of conditions met; 100 when the rule has no conditions).
    A tech_* attribute absent from the accounts counts as not used.
    """
    if isinstance(rules, (str, Path)):
        rules = load_icp(rules)
    elif isinstance(rules, dict):
        rules = IcpRules.from_dict(rules)
    feats = _value_labels(account_features(accounts, bands=rules.bands))
    met = np.zeros(len(feats), int)
    for attr, vals in rules.conditions:
        if attr in feats.columns:
            met += np.isin(feats[attr].to_numpy(), vals)
        elif attr.startswith("tech_") and "no" in vals:
            met += 1
    k = len(rules.conditions)
    return pd.DataFrame(
        {
            "conditions_met": met,
            "matches": met == k,
            "rule_score": 100.0 * met / k if k else np.full(len(feats), 100.0),
        },
        index=feats.index,
    )


def save_icp(rules: IcpRules, path: str | Path) -> Path:
    """Write the rules as an editable YAML file (with a header explaining how to edit it)."""
    path = Path(path)
    head = (
        "# Ideal customer profile (ICP) from notebook 01 - editable.\n"
        "# An account matches when it meets ALL conditions; each condition lists allowed values.\n"
        "# Attributes: industry, employee_band, revenue_band, region, founded_band, tech_* (values yes/no).\n"
        "# Band labels come from 'bands' (inner edges). Set grading.score_source: rules to grade with this file.\n"
    )
    path.write_text(head + yaml.safe_dump(rules.to_dict(), sort_keys=False, allow_unicode=True))
    return path


def load_icp(path: str | Path) -> IcpRules:
    """Read an icp.yaml written by :func:`save_icp` (possibly edited); clear error if malformed."""
    path = Path(path)
    if not path.exists():
        raise ABMDataError(f"{path}: ICP file not found (run notebook 01 first)", file=str(path), reason="not found")
    try:
        d = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ABMDataError(f"{path}: not valid YAML: {exc}", file=str(path), reason="bad yaml") from None
    return IcpRules.from_dict(d, str(path))


# --------------------------------------------------------------------------- the whole analysis
def icp_target(accounts: pd.DataFrame, opportunities: pd.DataFrame | None, p: IcpParams) -> tuple[np.ndarray, str, str]:
    """What the profile contrasts: (y, target name, explanation).

    Normally current customers vs every other account. When either class has fewer than
    ``icp.min_contrast`` accounts (e.g. every account is a customer), the top
    ``icp.high_value_share`` of customers by won revenue vs the other customers.
    """
    cust = accounts["is_customer"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    n_c, n_o = int(cust.sum()), int((~cust).sum())
    if n_c >= p.min_contrast and n_o >= p.min_contrast:
        return (
            cust,
            "customer",
            (f"Customers ({n_c:,}) against the other {n_o:,} accounts (unlabelled: not known bad fits)."),
        )
    if opportunities is None or opportunities.empty or "is_won" not in opportunities.columns:
        raise ABMDataError(
            "accounts: fewer than icp.min_contrast non-customers and no won opportunities to rank "
            "customers by value; cannot build a profile",
            file="accounts",
            column="is_customer",
            reason="no contrast",
        )
    won = opportunities[opportunities["is_won"].astype(bool)]
    value = won.groupby("account_id")["amount"].sum()
    v = accounts["account_id"].map(value).fillna(0.0).to_numpy(dtype=float)
    thr = np.quantile(v[cust], 1 - p.high_value_share) if cust.any() else np.inf
    y = cust & (v >= thr)
    why = (
        f"Only {n_o} non-customer account(s) besides {n_c} customers: there is nothing to contrast customers with. "
        f"The profile instead contrasts the top {p.high_value_share:.0%} of customers by won revenue "
        f"({int(y.sum())} accounts, won revenue ≥ {thr:,.0f}) with the other customers."
    )
    return y, "high-value customer", why


@dataclass
class IcpResult:
    """Everything notebook 01 shows. ``fit_scores``: account_id, fit_prob, fit_score (0–100)."""

    target_name: str
    target_note: str
    y: np.ndarray
    features: pd.DataFrame
    lifts: LiftTables
    rules: IcpRules
    fit_scores: pd.DataFrame
    models: dict[str, LookalikeModel] = field(default_factory=dict)
    chosen: str | None = None
    cv_table: pd.DataFrame | None = None
    importance: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    params: IcpParams = field(default_factory=IcpParams)

    @property
    def has_model(self) -> bool:
        return bool(self.models)

    def shap(self, n_sample: int | None = None, random_state: int = 0):
        """SHAP values of the gradient-boosted model: (values, design rows)."""
        if "gbm" not in self.models:
            raise ValueError("no gradient-boosted model was fitted")
        return self.models["gbm"].shap_values(self.features, n_sample or self.params.shap_sample, random_state)

    def summary(self) -> dict[str, Any]:
        """Headline figures (JSON-able) for the index page."""
        out: dict[str, Any] = {
            "accounts": int(len(self.y)),
            "target": self.target_name,
            "positives": int(self.y.sum()),
            "base_rate": round(float(self.y.mean()), 4) if len(self.y) else None,
            "model": self.chosen or "none (rules only)",
            "icp_rule": self.rules.describe(),
            "icp_coverage": round(self.rules.stats.get("coverage", float("nan")), 4),
            "icp_precision": round(self.rules.stats.get("precision", float("nan")), 4),
            "icp_recall": round(self.rules.stats.get("recall", float("nan")), 4),
        }
        if self.cv_table is not None:
            r = self.cv_table.set_index("model").loc[self.chosen]
            out["cv_auc"] = round(float(r["cv_auc"]), 3)
        top = self.lifts.top(1)
        if len(top):
            out["top_segment"] = f"{top.iloc[0]['attribute']}={top.iloc[0]['value']} (lift {top.iloc[0]['lift']:.2f})"
        return out


def discover(
    accounts: pd.DataFrame, opportunities: pd.DataFrame | None = None, p: IcpParams | None = None, seed: int = 0
) -> IcpResult:
    """Lift tables, lookalike models (when there are enough customers) and readable rules.

    Returns an :class:`IcpResult`; ``fit_scores`` has exactly one row per account.
    """
    p = p or IcpParams()
    if accounts["account_id"].duplicated().any():
        raise ABMDataError(
            "accounts: duplicate account_id values", file="accounts", column="account_id", reason="duplicate key"
        )
    feats = account_features(accounts, p)
    y, target_name, note = icp_target(accounts, opportunities, p)
    lifts = lift_tables(feats, y, p, target_name)
    rules = learn_rules(feats, y, p, target_name)
    notes = [note]
    models: dict[str, LookalikeModel] = {}
    cv_table = importance = None
    chosen = None
    n_pos = int(y.sum())
    if target_name == "customer" and n_pos >= p.min_customers:
        common = dict(cv=p.cv_folds, calibration=p.calibration, random_state=seed)
        models["logit"] = LookalikeModel("logit", C=p.logit_c, **common).fit(feats, y)
        models["gbm"] = LookalikeModel(
            "gbm",
            max_iter=p.gbm_max_iter,
            learning_rate=p.gbm_learning_rate,
            max_depth=p.gbm_max_depth,
            min_samples_leaf=p.gbm_min_samples_leaf,
            **common,
        ).fit(feats, y)
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
        cv_table = pd.DataFrame(rows)
        chosen = p.model if p.model != "auto" else str(cv_table.sort_values("cv_auc", ascending=False).iloc[0]["model"])
        m = models[chosen]
        prob, tie = m.oof_proba_, m.oof_score_
        imp = {k: mm.feature_importance(feats, p.shap_sample) for k, mm in models.items()}
        importance = pd.DataFrame({"logit": imp["logit"], "gbm": imp["gbm"]}).fillna(0.0)
        importance = importance.sort_values(chosen, ascending=False)
    else:
        if target_name == "customer":
            notes.append(
                f"Only {n_pos} customers: fewer than icp.min_customers = {p.min_customers} needed for a "
                f"stable lookalike model (RollWorks asks for 200). Falling back to lift tables and the "
                f"readable rule; the fit score is the share of rule conditions met."
            )
        else:
            notes.append(
                "No lookalike model: there are no non-customers to learn from. The fit score is the share "
                "of rule conditions met, a description of high-value customers, not a prediction."
            )
        rs = apply_icp(accounts, rules)
        prob = rs["rule_score"].to_numpy() / 100.0
        tie = prob
    fs = pd.DataFrame(
        {"account_id": feats.index.to_numpy(), "fit_prob": np.asarray(prob, float), "fit_score": fit_score(prob, tie)}
    )
    return IcpResult(target_name, note, y, feats, lifts, rules, fs, models, chosen, cv_table, importance, notes, p)


# --------------------------------------------------------------------------- truth checks (synthetic world)
def _truth_attribute(truth_feature: str) -> str:
    """Attribute of a true fit feature: 'industry=Software' -> 'industry', 'employees 200-5,000' -> 'employee_band'."""
    if truth_feature.startswith("employees"):
        return "employee_band"
    if truth_feature.startswith("revenue"):
        return "revenue_band"
    if truth_feature.startswith("founded"):
        return "founded_band"
    return truth_feature.split("=", 1)[0]


def _truth_matches(truth_feature: str, feature_names: Sequence[str], p: IcpParams) -> list[str]:
    """Model features that express a true fit feature ('industry=Software', 'employees 200-5,000', 'tech_crm')."""
    if truth_feature in feature_names:
        return [truth_feature]
    attr = _truth_attribute(truth_feature)
    if attr in feature_names:  # attribute-level importance
        return [attr]
    if truth_feature.startswith("employees "):
        rng = truth_feature.split(" ", 1)[1].replace(",", "")
        lo, hi = (float(x) for x in rng.split("-"))
        edges = [0.0] + list(p.employee_bands) + [math.inf]
        labels = band_labels(p.employee_bands, "employees")
        hit = [f"employee_band={lab}" for lab, a, b in zip(labels, edges, edges[1:], strict=False) if a < hi and b > lo]
        return [h for h in hit if h in feature_names]
    return []


def driver_recovery(
    importance: pd.Series, truth_meta: dict, k: int = 5, top_true: int = 3, p: IcpParams | None = None
) -> pd.DataFrame:
    """Where each true fit driver ranks among the model's drivers (synthetic world only).

    ``importance``: model importance per one-hot feature or per attribute (see
    :meth:`LookalikeModel.feature_importance`). Returns one row per true driver (in true
    order): true_rank, driver, true_coef, model_feature, model_rank (best rank of a
    matching feature or attribute), in_top_k, top_true (among the ``top_true`` first).
    """
    p = p or IcpParams()
    ranked = list(importance.sort_values(ascending=False).index)
    rows = []
    for i, f in enumerate(truth_meta["fit_drivers"], start=1):
        m = _truth_matches(f, ranked, p)
        r = min((ranked.index(x) + 1 for x in m), default=None)
        rows.append(
            {
                "true_rank": i,
                "driver": f,
                "true_coef": truth_meta["fit_coefficients"].get(f),
                "model_feature": ranked[r - 1] if r else None,
                "model_rank": r,
                "in_top_k": bool(r is not None and r <= k),
                "top_true": i <= top_true,
            }
        )
    return pd.DataFrame(rows)


def truth_check(fit_scores: pd.DataFrame, truth_accounts: pd.DataFrame, top_share: float = 0.2) -> dict[str, float]:
    """Fit score against the synthetic world's true fit (oracle).

    * ``spearman``: rank correlation of fit_score with the true fit probability;
    * ``auc_customers`` / ``auc_customers_oracle``: AUC for current customers of the fit
      score (out-of-fold) and of the true fit probability (the ceiling any model can reach);
    * ``auc_true_top``: AUC of the fit score for the true top ``top_share`` accounts by fit.
    """
    m = fit_scores.merge(
        truth_accounts[["account_id", "fit_prob", "is_customer"]],
        on="account_id",
        suffixes=("", "_true"),
        validate="one_to_one",
    )
    true_p = m["fit_prob_true"].to_numpy(float)
    cust = m["is_customer"].astype(bool).to_numpy()
    top = true_p >= np.quantile(true_p, 1 - top_share)
    return {
        "spearman": float(stats.spearmanr(m["fit_score"], true_p).statistic),
        "auc_customers": float(roc_auc_score(cust, m["fit_score"])),
        "auc_customers_oracle": float(roc_auc_score(cust, true_p)),
        "auc_true_top": float(roc_auc_score(top, m["fit_score"])),
        "accounts": int(len(m)),
    }


# --------------------------------------------------------------------------- report helpers (notebook 01)
def executive_summary(res: IcpResult, check: dict[str, float] | None = None) -> str:
    """3–5 sentences of Markdown with the key numbers of notebook 01, built from the results."""
    r = res.rules.stats
    s = [f"**{int(res.y.sum()):,} {res.target_name}s** among {len(res.y):,} accounts (base rate {res.y.mean():.1%})."]
    top = res.lifts.top(3)
    if len(top):
        segs = "; ".join(f"{_seg_label(t.attribute, t.value)} ×{t.lift:.1f}" for t in top.itertuples())
        s.append(f"The segments most over-represented among {res.target_name}s (lift, trusted sample sizes): {segs}.")
    if res.has_model:
        cv = res.cv_table.set_index("model")
        s.append(
            f"A lookalike model scores every account out-of-fold: the {_MODEL_NAME[res.chosen]} was chosen "
            f"(cross-validated AUC {cv.loc[res.chosen, 'cv_auc']:.2f}; "
            f"{_MODEL_NAME[[k for k in cv.index if k != res.chosen][0]]} "
            f"{cv.loc[[k for k in cv.index if k != res.chosen][0], 'cv_auc']:.2f})."
        )
    else:
        why = (
            f"only {int(res.y.sum())} customers, fewer than the {res.params.min_customers} needed"
            if res.target_name == "customer"
            else "there are no non-customers to learn from"
        )
        s.append(f"No lookalike model was fitted ({why}); the fit score is the share of ICP rule conditions met.")
    s.append(
        f"Readable ICP: **{res.rules.describe()}** — covers {r.get('coverage', 0):.0%} of accounts with "
        f"precision {r.get('precision', 0):.0%} (×{r.get('lift', float('nan')):.1f} the base rate) and "
        f"recall {r.get('recall', 0):.0%}; saved as the editable `icp.yaml`."
    )
    if check:
        s.append(
            f"Against the synthetic world's true fit, the fit score's rank correlation is "
            f"{check['spearman']:.2f} and its AUC for current customers {check['auc_customers']:.2f} "
            f"(the true fit itself reaches {check['auc_customers_oracle']:.2f})."
        )
    return " ".join(s)


_MODEL_NAME = {"logit": "logistic regression", "gbm": "gradient-boosted model"}


def _seg_label(attr: str, value: str) -> str:
    if attr.startswith("tech_"):
        return f"uses {tech_label(attr)}" if value == "yes" else f"no {tech_label(attr)}"
    if attr == "employee_band":
        return f"{value} employees"
    if attr == "revenue_band":
        return f"revenue {value}"
    if attr == "founded_band":
        return f"founded {value}"
    return str(value)


def plot_lift(lifts: LiftTables, k: int = 12, trusted_only: bool = True):
    """Horizontal bar chart of the ``k`` highest-lift segments with their intervals."""
    import matplotlib.pyplot as plt

    t = lifts.top(k, trusted_only).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(t) + 1.2))

    def label(a, v):
        if a.startswith("tech_"):
            txt = _seg_label(a, v)
            return txt[:1].upper() + txt[1:]
        return f"{_ATTR_LABEL.get(a, a)}: {v}"

    labels = [label(a, v).replace("$", r"\$") for a, v in zip(t["attribute"], t["value"], strict=False)]
    err = np.vstack([t["lift"] - t["lift_lo"], t["lift_hi"] - t["lift"]]).astype(float)
    err = np.nan_to_num(np.clip(err, 0, None))
    ax.barh(labels, t["lift"], xerr=err, color="#1f4e79", alpha=0.85, ecolor="#555555", capsize=2)
    ax.axvline(1.0, color="#b33a3a", lw=1, ls="--")
    ax.set_xlabel(f"Lift ({lifts.target_name} rate in segment ÷ overall rate; {lifts.level:.0%} Wilson interval)")
    ax.set_title(f"Segments most over-represented among {lifts.target_name}s")
    return fig


def plot_shap_summary(sv: np.ndarray, D: pd.DataFrame, k: int = 12, random_state: int = 0):
    """SHAP summary (beeswarm-style): one row per top-``k`` feature by mean |SHAP|, each dot
    an account, coloured by whether the account has the feature (1) or not (0)."""
    import matplotlib.pyplot as plt

    imp = np.abs(sv).mean(axis=0)
    top = np.argsort(-imp)[:k][::-1]
    rng = np.random.default_rng(random_state)
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(top) + 1.3))
    for row, j in enumerate(top):
        x = sv[:, j]
        v = D.iloc[:, j].to_numpy(float)
        yj = row + rng.uniform(-0.3, 0.3, len(x))
        ax.scatter(x, yj, c=np.where(v > 0.5, "#e07b39", "#1f4e79"), s=5, alpha=0.5, linewidths=0)
    ax.set_yticks(range(len(top)))
    ax.set_yticklabels([D.columns[j] for j in top])
    ax.axvline(0, color="#666666", lw=0.8)
    ax.set_xlabel("SHAP value (change in log-odds of being customer-like)")
    ax.set_title("What drives fit: gradient-boosted model")
    from matplotlib.lines import Line2D

    ax.legend(
        handles=[
            Line2D([], [], marker="o", ls="", color="#e07b39", label="has feature (1)"),
            Line2D([], [], marker="o", ls="", color="#1f4e79", label="does not (0)"),
        ],
        loc="lower right",
        fontsize=8,
    )
    return fig


def format_cv_table(cv: pd.DataFrame) -> pd.DataFrame:
    """Cross-validation table for display."""
    return pd.DataFrame(
        {
            "model": cv["model"].map(_MODEL_NAME),
            "CV AUC (mean ± sd over folds)": [f"{a:.3f} ± {b:.3f}" for a, b in zip(cv["cv_auc"], cv["cv_auc_sd"], strict=False)],
            "pooled out-of-fold AUC": cv["pooled_auc"].round(3),
            "Brier score (calibrated)": cv["brier"].round(3),
            "folds": cv["folds"],
        }
    )
