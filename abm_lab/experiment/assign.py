"""Stratified random assignment: each stratum's control count is within one account of ``share`` × its size.

Within a stratum of n accounts the control group has ⌊n·share⌋ accounts, plus one with probability equal to the
fractional part (so the expected share is exactly ``share`` in every stratum); which accounts is a uniform random
draw. The result depends only on the seed and the (account id, stratum) pairs, never on the input's row order:
accounts are ordered by stratum and id before the draws. The synthetic world's holdout (``demo.holdout_share``)
and ``abm-lab design-holdout`` use this one function.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data.schema import ARMS


def assign_arms(
    account_ids: Any,
    strata: Any,
    share: float,
    rng: np.random.Generator,
    randomised: Any = None,
) -> np.ndarray:
    """``"treatment"`` / ``"control"`` per account (input order). Accounts with ``randomised`` False are all
    treatment and draw nothing. Raises ``ValueError`` on duplicate ids or a share outside (0, 1)."""
    if not 0 < share < 1:
        raise ValueError(f"holdout share must be strictly between 0 and 1, not {share}")
    ids = pd.Series(np.asarray(account_ids, dtype=object)).astype(str)
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise ValueError(f"account {dup!r} appears more than once in the target list")
    st = pd.Series(np.asarray(strata, dtype=object)).astype(str)
    rand = np.ones(len(ids), bool) if randomised is None else np.asarray(randomised, bool)
    arm = np.full(len(ids), ARMS[0], dtype=object)
    frame = pd.DataFrame({"id": ids, "stratum": st, "pos": np.arange(len(ids))}).loc[rand]
    frame = frame.sort_values(["stratum", "id"], kind="stable")
    for _, g in frame.groupby("stratum", sort=True):
        n = len(g)
        k = int(np.floor(n * share))
        if rng.random() < n * share - k:
            k += 1
        if k:
            arm[g["pos"].to_numpy()[rng.permutation(n)[:k]]] = ARMS[1]
    return arm


def stratum_counts(strata: Any, arms: Any) -> pd.DataFrame:
    """Accounts per stratum and arm (columns ``treatment``, ``control``, ``n``, ``control_share``)."""
    t = pd.crosstab(pd.Series(np.asarray(strata, dtype=object), name="stratum"), pd.Series(arms, name="arm"))
    t = t.reindex(columns=list(ARMS), fill_value=0)
    t["n"] = t.sum(axis=1)
    t["control_share"] = t["control"] / t["n"]
    return t.reset_index()
