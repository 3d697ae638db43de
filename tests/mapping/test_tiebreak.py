"""Tie-breaks (abm_lab.mapping.tiebreak): one candidate matches, too-close candidates are broken or ambiguous."""

from __future__ import annotations

import numpy as np
import pandas as pd

from abm_lab.config.mapping import MappingParams
from abm_lab.mapping.tiebreak import resolve_candidates


def _cands(rows):
    return pd.DataFrame(rows, columns=["row", "acc", "score"])


def _feats(values: dict[tuple[int, int], float], tol: float = 0.0):
    def f(r, a):
        return np.array([values.get((int(x), int(y)), 0.0) for x, y in zip(r, a, strict=True)]), tol

    return {"name": f, "country": f, "contact_count": f}


def test_single_best_candidate_matches_without_tie_break():
    m, amb = resolve_candidates(_cands([(0, 1, 95.0), (0, 2, 80.0)]), _feats({}), MappingParams())
    assert m[["row", "acc"]].values.tolist() == [[0, 1]] and m["tie_break"].isna().all()
    assert amb.empty


def test_first_deciding_tie_breaker_wins_and_undecided_rows_are_ambiguous():
    params = MappingParams(tie_breakers=["country", "contact_count"])
    cands = _cands([(0, 1, 100.0), (0, 2, 99.0), (1, 3, 100.0), (1, 4, 100.0)])
    feats = {
        "name": _feats({})["name"],
        "country": _feats({(0, 2): 1.0})["country"],  # row 0: account 2 shares the country
        "contact_count": _feats({})["contact_count"],  # row 1: no difference anywhere
    }
    m, amb = resolve_candidates(cands, feats, params)
    assert m[["row", "acc", "tie_break"]].values.tolist() == [[0, 2, "country"]]
    assert amb["row"].unique().tolist() == [1] and set(amb["acc"]) == {3, 4}


def test_threshold_and_skip():
    params = MappingParams(tie_breakers=["name", "country"])
    cands = _cands([(0, 1, 90.0), (0, 2, 89.0), (1, 3, 70.0)])
    feats = {"name": _feats({(0, 1): 1.0})["name"], "country": _feats({(0, 2): 1.0})["country"]}
    m, amb = resolve_candidates(cands, feats, params, threshold=86.0, skip=("name",))
    assert m[["row", "acc", "tie_break"]].values.tolist() == [[0, 2, "country"]]  # name skipped, row 1 too low
    assert amb.empty
    e_m, e_a = resolve_candidates(_cands([]), feats, params)
    assert e_m.empty and list(e_m.columns) == ["row", "acc", "score", "tie_break"] and e_a.empty


def test_tolerance_keeps_near_values():
    params = MappingParams(tie_breakers=["contact_count"])
    cands = _cands([(0, 1, 100.0), (0, 2, 100.0)])
    near = {"contact_count": _feats({(0, 1): 1.0, (0, 2): 0.5}, tol=0.6)["contact_count"]}
    m, amb = resolve_candidates(cands, near, params)
    assert m.empty and len(amb) == 2  # within tolerance: still tied
    far = {"contact_count": _feats({(0, 1): 1.0, (0, 2): 0.5}, tol=0.1)["contact_count"]}
    m, amb = resolve_candidates(cands, far, params)
    assert m["acc"].tolist() == [1] and amb.empty
