"""Today's scores: probability, score 1-5, quadrant, the export for sales, the fit x engagement matrix."""

from __future__ import annotations

import pandas as pd

from abm_lab import engagement as E
from abm_lab.results import Summary


def test_scores_and_export(scored, tmp_path, params):
    sc = scored.scores
    assert sc["score"].between(1, 5).all() and sc["probability"].between(0, 1).all()
    assert (E.to_score(sc["probability"], params.score_cutoffs) == sc["score"]).all()
    assert sc["quadrant"].notna().all()
    good_hot = sc["grade"].isin(params.good_fit_grades) & (sc["score"] >= params.high_engagement_min_score)
    assert (sc.loc[good_hot, "quadrant"] == E.QUADRANTS[(True, True)]).all()
    out = E.export_scores(scored, tmp_path / "engagement_scores.csv", params)
    back = pd.read_csv(tmp_path / "engagement_scores.csv")
    assert list(back.columns) == [
        "account_id",
        "name",
        "grade",
        "probability",
        "score",
        "reason_1",
        "reason_2",
        "reason_3",
    ]
    assert len(back) == len(sc) == len(out)
    m = E.fit_engagement_matrix(sc)
    assert m.to_numpy().sum() == sc["grade"].notna().sum()


def test_scored_with_refit_uses_the_validated_map(scored, result, panel):
    lab = panel[panel["eligible"] & panel["label_observed"]]
    assert scored.trained_on == (lab["snapshot_date"].min(), lab["snapshot_date"].max())
    assert scored.calibrated.calibrator_ is result.models["gbm"].calibrator_
    assert scored.calibrated.estimator_ is scored.model


def test_scored_without_refit(panel, result, params, world, grades):
    p = params.model_copy(update={"refit_for_scoring": False})
    s = E.score_accounts(panel, result, world[0].tables["accounts"], grades, p)
    assert s.model is result.models["gbm"].estimator_
    assert s.trained_on == (result.split.fit[0], result.split.calib[-1])


def test_scored_summary(scored):
    s = scored.summary()
    assert isinstance(s, Summary)
    assert s.table["accounts"].sum() == len(scored.scores)
    assert "Fit x engagement quadrant" in s.table_titles
    assert E.quadrant_counts(scored.scores)["accounts"].sum() == len(scored.scores)


def test_row_of_unknown_account_is_a_key_error(scored):
    import pytest

    with pytest.raises(KeyError, match="not scored"):
        scored.row("NO-SUCH-ACCOUNT")
    assert scored.row(scored.scores["account_id"].iloc[3]) == 3
