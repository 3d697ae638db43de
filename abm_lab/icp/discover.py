"""The ICP discovery workflow of notebook 01 and its results object.

:func:`discover` runs the three views (lift tables, lookalike models when there are enough customers, the
readable rule) and returns an :class:`IcpResult`; its ``fit_scores`` frame (account_id, fit_prob, fit_score)
is the ``fit_scores.parquet`` artefact and :meth:`IcpResult.headline` the ``summary_icp.json`` figures.

With fewer than ``icp.min_customers`` customers no model is fitted and the fit score is the rule score
(share of ICP conditions met, 0–100). If (almost) every account is a customer, as in the Maven CRM sample
where all 85 accounts have a won deal, there is nothing to contrast customers with: the profile then
contrasts the top ``icp.high_value_share`` of customers by won revenue with the other customers, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..config.icp import IcpParams
from ..errors import ABMDataError
from ..results import Results, Summary
from .features import account_features
from .models import MODEL_NAME, LookalikeModel, choose_model, compare_models, fit_score
from .rules import IcpRules, apply_icp, learn_rules
from .segments import LiftTables, lift_tables

__all__ = ["icp_target", "IcpResult", "discover", "fit_lookalike_models"]

NO_MODEL = "none (rules only)"


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


def _rounded(x: Any, digits: int = 4) -> float | None:
    """A JSON-safe headline figure: rounded, or None when missing or not finite."""
    return round(float(x), digits) if x is not None and np.isfinite(x) else None


@dataclass
class IcpResult(Results):
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

    @property
    def chosen_model(self) -> LookalikeModel:
        """The lookalike model that gives the fit score (error when no model was fitted)."""
        if self.chosen is None:
            raise ValueError("no lookalike model was fitted (rules only)")
        return self.models[self.chosen]

    def shap(self, n_sample: int | None = None, random_state: int = 0) -> tuple[np.ndarray, pd.DataFrame]:
        """SHAP values of the gradient-boosted model: (values, design rows)."""
        if "gbm" not in self.models:
            raise ValueError("no gradient-boosted model was fitted")
        return self.models["gbm"].shap_values(self.features, n_sample or self.params.shap_sample, random_state)

    def headline(self) -> dict[str, Any]:
        """Headline figures (JSON-able) for ``summary_icp.json`` and the index page (:class:`IcpSummary`)."""
        out: dict[str, Any] = {
            "accounts": int(len(self.y)),
            "target": self.target_name,
            "positives": int(self.y.sum()),
            "base_rate": round(float(self.y.mean()), 4) if len(self.y) else None,
            "model": self.chosen or NO_MODEL,
            "icp_rule": self.rules.describe(),
            # coverage of the final rule; precision and recall held out (cross-validated, see learn_rules)
            "icp_coverage": _rounded(self.rules.stats.get("coverage")),
            "icp_precision": _rounded(self.rules.stats.get("precision")),
            "icp_recall": _rounded(self.rules.stats.get("recall")),
        }
        if self.cv_table is not None:
            r = self.cv_table.set_index("model").loc[self.chosen]
            out["cv_auc"] = round(float(r["cv_auc"]), 3)
        top = self.lifts.top(1)
        if len(top):
            out["top_segment"] = f"{top.iloc[0]['attribute']}={top.iloc[0]['value']} (lift {top.iloc[0]['lift']:.2f})"
        return out

    def summary(self) -> Summary:
        """Headline figures, the model comparison and the readable rule step by step, with the notes."""
        out = Summary(f"ICP discovery: {int(self.y.sum()):,} {self.target_name}s among {len(self.y):,} accounts")
        h = self.headline()
        out.add_table(pd.DataFrame({"value": [str(v) for v in h.values()]}, index=pd.Index(h, name="figure")))
        if self.cv_table is not None:
            out.add_table(self.cv_table.assign(model=self.cv_table["model"].map(MODEL_NAME)), "Lookalike models")
        out.add_table(self.rules.table(), f"Readable ICP: {self.rules.describe()}")
        for n in self.notes:
            out.add_note(n)
        return out


def fit_lookalike_models(features: pd.DataFrame, y: np.ndarray, p: IcpParams, seed: int) -> dict[str, LookalikeModel]:
    """The logistic-regression baseline and the gradient-boosted model, both fitted with out-of-fold scores."""
    return {
        "logit": LookalikeModel("logit", cv=p.cv_folds, calibration=p.calibration, C=p.logit_c, random_state=seed).fit(
            features, y
        ),
        "gbm": LookalikeModel(
            "gbm",
            cv=p.cv_folds,
            calibration=p.calibration,
            max_iter=p.gbm_max_iter,
            learning_rate=p.gbm_learning_rate,
            max_depth=p.gbm_max_depth,
            min_samples_leaf=p.gbm_min_samples_leaf,
            random_state=seed,
        ).fit(features, y),
    }


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
    rules = learn_rules(feats, y, p, target_name, seed)
    notes = [note]
    models: dict[str, LookalikeModel] = {}
    cv_table = importance = None
    chosen = None
    n_pos = int(y.sum())
    if target_name == "customer" and n_pos >= p.min_customers:
        models = fit_lookalike_models(feats, y, p, seed)
        cv_table = compare_models(models, y)
        chosen = choose_model(cv_table, p.model)
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
