"""Tie-breaks: turn candidate accounts per row into one match, or an ambiguous row with its near candidates.

Candidates within ``ambiguity_margin`` of a row's best score are *too close*; the tie-breakers named in
``mapping.tie_breakers`` are tried in order (same name as typed, same country, most contacts already
linked) and the first that leaves one candidate decides. Rows still tied go to the ambiguous queue.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..config.mapping import MappingParams

__all__ = ["TieBreaker", "resolve_candidates"]

#: A tie-breaker: (row array, account array) -> (value per pair, tolerance); pairs within ``tolerance``
#: of the row's best value survive.
TieBreaker = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, float]]

#: Slack on float comparisons of tie-breaker values (values are rounded scores and log counts).
_EPS = 1e-9


def resolve_candidates(
    cands: pd.DataFrame,
    feats: dict[str, TieBreaker],
    params: MappingParams,
    threshold: float | None = None,
    skip: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Resolve candidate (row, acc, score) triples into matches and ambiguous rows.

    ``feats`` maps tie-breaker name -> function of (row array, acc array) -> (values, tolerance):
    candidates whose value is within ``tolerance`` of the row's best value survive.
    Returns (matched: row, acc, score, tie_break) and (ambiguous: row, acc, score) near sets.
    """
    if cands.empty:
        e = pd.DataFrame(
            {
                "row": pd.Series([], dtype=np.int64),
                "acc": pd.Series([], dtype=np.int64),
                "score": pd.Series([], dtype=float),
                "tie_break": pd.Series([], dtype=object),
            }
        )
        return e, e.drop(columns="tie_break")
    c = cands.drop_duplicates(["row", "acc"]).copy()
    best = c.groupby("row")["score"].transform("max")
    if threshold is not None:
        c = c[best >= threshold]
        best = best[best >= threshold]
    near = c[c["score"] >= best - params.ambiguity_margin].copy()
    cnt = near.groupby("row")["row"].transform("size")
    single = near[cnt == 1].copy()
    # a single near candidate: match (the best one)
    single["tie_break"] = None
    out = [single]
    multi = near[cnt > 1].copy()
    near_all = multi.copy()
    for tb in params.tie_breakers:
        if multi.empty:
            break
        if tb in skip:
            continue
        f, tol = feats[tb](multi["row"].to_numpy(), multi["acc"].to_numpy())
        multi["_f"] = np.asarray(f, dtype=float)
        fmax = multi.groupby("row")["_f"].transform("max")
        multi = multi[multi["_f"] >= fmax - tol - _EPS].drop(columns="_f")
        cnt = multi.groupby("row")["row"].transform("size")
        done = multi[cnt == 1].copy()
        done["tie_break"] = tb
        out.append(done)
        multi = multi[cnt > 1]
    matched = pd.concat(out, ignore_index=True)[["row", "acc", "score", "tie_break"]]
    amb_rows = multi["row"].unique()
    ambiguous = near_all[near_all["row"].isin(amb_rows)][["row", "acc", "score"]]
    ambiguous = ambiguous.sort_values(["row", "score"], ascending=[True, False], kind="stable")
    return matched, ambiguous
