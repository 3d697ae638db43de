"""Today's scores: the validated calibrated GBM at the latest snapshot, score 1-5, SHAP reasons, quadrant, export.

:func:`score_accounts` scores the eligible accounts at one snapshot (by default the scoring snapshot, the
day after ``as_of``) and explains each score; :func:`export_scores` writes ``engagement_scores.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..config.engagement import EngagementParams
from ..results import Results, Summary
from ..utils import limit_threads
from .explain import explain, to_probability
from .matrix import fit_engagement_matrix, quadrant
from .reasons import top_reasons
from .scorers import CalibratedScorer, make_gbm, to_score
from .validation import EngagementResult, embargo_days

EXPORT_COLUMNS = ["account_id", "name", "grade", "probability", "score"]
#: Decimals of the exported probability.
EXPORT_DECIMALS = 4


@dataclass
class ScoredAccounts(Results):
    """Scores at one snapshot with their SHAP explanation (rows aligned)."""

    scores: pd.DataFrame  # account_id, name, grade, fit_score, probability, score, reason_1..n, quadrant
    X: pd.DataFrame  # model inputs of the scored rows
    shap: Any  # shap.Explanation of the displayed probability's log-odds (calibrated scorer)
    model: Any  # the deployed calibrated scorer (model.decision_function = the explained log-odds)
    calibrated: CalibratedScorer
    snapshot_date: pd.Timestamp
    trained_on: tuple[pd.Timestamp, pd.Timestamp]
    shap_probability: Any = None  # the same explanation on the probability scale (adds up to `probability`)
    validated: bool = True  # the deployed scorer is the one whose test-period calibration is shown

    def row(self, account_id: str) -> int:
        hit = np.flatnonzero(self.scores["account_id"].to_numpy() == account_id)
        if not len(hit):
            raise KeyError(f"account {account_id!r} is not scored at {self.snapshot_date.date()}")
        return int(hit[0])

    def summary(self) -> Summary:
        """Accounts per score (with the mean probability) and per fit x engagement quadrant."""
        sc = self.scores
        by_score = (
            sc.groupby("score")["probability"]
            .agg(["size", "mean"])
            .reindex(range(1, 6))
            .rename(columns={"size": "accounts", "mean": "mean_probability"})
        )
        by_score["accounts"] = by_score["accounts"].fillna(0).astype(int)
        s = Summary(f"Engagement scores at {self.snapshot_date.date()}")
        s.add_table(by_score.round(4), "Accounts by score")
        if sc["grade"].notna().any():
            s.add_table(fit_engagement_matrix(sc), "Accounts by fit grade and score")
            s.add_table(sc["quadrant"].value_counts().rename("accounts").to_frame(), "Fit x engagement quadrant")
        s.add_note(f"Model trained on snapshots {self.trained_on[0].date()} to {self.trained_on[1].date()}.")
        if not self.validated:
            s.add_note("Refitted on all labelled snapshots: its calibration is not the one checked on the test period.")
        return s


def refit_gbm(
    panel: pd.DataFrame, result: EngagementResult, params: EngagementParams, seed: int = 0
) -> tuple[CalibratedScorer, tuple[pd.Timestamp, pd.Timestamp]]:
    """The whole calibrated GBM procedure refitted on all labelled snapshots (train + test periods): the
    same cross-fitted design, each map learned on its own member; its calibration has no later period left
    to be checked on (``refit_for_scoring``)."""
    lab = panel[panel["eligible"] & panel["label_observed"]].reset_index(drop=True)
    emb = embargo_days(params)
    cal = CalibratedScorer(make_gbm(params, seed), params.calibration, n_folds=params.calib_folds, embargo=emb)
    cal.fit(lab[result.features], lab["label"].to_numpy(), time=lab["snapshot_date"])
    s = lab["snapshot_date"]
    return cal, (pd.Timestamp(s.min()), pd.Timestamp(s.max()))


def score_accounts(
    panel: pd.DataFrame,
    result: EngagementResult,
    accounts: pd.DataFrame | None = None,
    grades: pd.DataFrame | None = None,
    params: EngagementParams | None = None,
    snapshot: Any = None,
    seed: int = 0,
) -> ScoredAccounts:
    """Score eligible accounts at ``snapshot`` (default: the latest) with the validated calibrated GBM.

    The deployed scorer is ``result.models["gbm"]``, the object whose test-period calibration
    :class:`~abm_lab.engagement.validation.EngagementResult` shows (with ``refit_for_scoring`` the whole
    procedure is refitted on all labelled snapshots instead, :func:`refit_gbm`). Adds score 1-5, SHAP of the
    displayed probability, reasons against the engaged class (``result.reference``) and the fit x engagement
    quadrant when grades are known. Runs with ``params.n_threads`` BLAS / OpenMP threads.
    """
    p = params or result.params or EngagementParams()
    snap = pd.Timestamp(snapshot) if snapshot is not None else panel["snapshot_date"].max()
    cur = panel[(panel["snapshot_date"] == snap) & panel["eligible"]].reset_index(drop=True)
    X = cur[result.features]
    with limit_threads(p.n_threads):
        if p.refit_for_scoring:
            cal, span = refit_gbm(panel, result, p, seed)
        else:
            cal, span = result.models["gbm"], (min(result.split.train), max(result.split.train))
        prob = cal.predict_proba(X)[:, 1] if len(X) else np.array([])
        expl = explain(cal, X) if len(X) else None
    out = pd.DataFrame({"account_id": cur["account_id"], "snapshot_date": cur["snapshot_date"]})
    if accounts is not None:
        out = out.merge(accounts[["account_id", "name"]], on="account_id", how="left")
    else:
        out["name"] = pd.NA
    if grades is not None and len(grades):
        g = grades[[c for c in ("account_id", "grade") if c in grades.columns]].drop_duplicates("account_id")
        out = out.merge(g, on="account_id", how="left")
    else:
        out["grade"] = pd.NA
    out["fit_score"] = cur["fit_score"].to_numpy() if "fit_score" in cur else np.nan
    out["probability"] = prob
    out["score"] = to_score(prob, p.score_cutoffs) if len(X) else np.array([], int)
    if expl is not None:
        reasons = top_reasons(expl.values, X, p.n_reasons, p, result.reference)
        for k in range(p.n_reasons):
            out[f"reason_{k + 1}"] = reasons[k]
    out["quadrant"] = quadrant(out["grade"], out["score"], p)
    return ScoredAccounts(
        scores=out,
        X=X,
        shap=expl,
        model=cal,
        calibrated=cal,
        snapshot_date=snap,
        trained_on=span,
        shap_probability=to_probability(expl, prob) if expl is not None else None,
        validated=not p.refit_for_scoring,
    )


def export_scores(scored: ScoredAccounts, path: Any, params: EngagementParams | None = None) -> pd.DataFrame:
    """Write ``engagement_scores.csv`` for sales (best first); returns the exported frame."""
    p = params or EngagementParams()
    cols = EXPORT_COLUMNS + [f"reason_{k + 1}" for k in range(p.n_reasons)]
    df = scored.scores.reindex(columns=cols).sort_values(["score", "probability"], ascending=False)
    df = df.assign(probability=df["probability"].round(EXPORT_DECIMALS))
    df.to_csv(path, index=False)
    return df
