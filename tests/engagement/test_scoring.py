"""Today's scores: probability, score 1-5, quadrant, the export for sales, the fit x engagement matrix."""

from __future__ import annotations

import numpy as np
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


def test_deployed_scorer_is_the_validated_scorer(scored, result):
    """Today's scores come from the very object validated (and whose calibration the test period shows):
    same scorer, same probabilities. Today's code deploys a refit under the validation map instead (demo:
    mean probability 4.5% deployed vs 3.6% validated at the scoring snapshot)."""
    assert scored.calibrated is result.models["gbm"] and scored.model is result.models["gbm"]
    assert scored.validated
    want = result.models["gbm"].predict_proba(scored.X)[:, 1]
    assert np.array_equal(scored.scores["probability"].to_numpy(), want)
    assert scored.trained_on == (min(result.split.train), max(result.split.train))


def test_refit_for_scoring_calibrates_its_own_members(panel, result, params, world, grades):
    """The opt-in refit refits the whole procedure on all labelled snapshots: each member carries the map
    learned on its own scores (no map moved onto another model), and the summary says it is not the
    validated scorer."""
    p = params.model_copy(update={"refit_for_scoring": True})
    s = E.score_accounts(panel, result, world[0].tables["accounts"], grades, p)
    lab = panel[panel["eligible"] & panel["label_observed"]]
    assert s.trained_on == (lab["snapshot_date"].min(), lab["snapshot_date"].max())
    assert not s.validated and s.calibrated is not result.models["gbm"]
    assert len(s.calibrated.members_) == params.calib_folds
    ids = {id(e) for e, _ in s.calibrated.members_} | {id(c) for _, c in s.calibrated.members_}
    assert not ids & {id(o) for m in result.models.values() for pair in m.members_ for o in pair}
    assert any("not the one checked" in n for n in s.summary().notes)


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
