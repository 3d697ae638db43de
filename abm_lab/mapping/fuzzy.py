"""Fuzzy company-name candidates: rapidfuzz ``process.cdist`` of lead names against account names within blocks.

Each distinct normalised lead name is compared only with the account names sharing one of its blocking
keys (``mapping.blocking``: first three characters, first character + sorted next three, last token), in
chunks of ``mapping.chunk_size`` names; scores below ``fuzzy_threshold - ambiguity_margin`` are dropped
inside rapidfuzz, and the best ``fuzzy_top_k`` accounts per name are kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import OSA

from ..config.mapping import MappingParams
from .index import AccountIndex, block_keys

__all__ = ["SCORERS", "fuzzy_candidates"]

#: rapidfuzz scorers selectable with ``mapping.fuzzy_scorer``.
SCORERS = {
    "osa": OSA.normalized_similarity,
    "token_sort_ratio": fuzz.token_sort_ratio,
    "ratio": fuzz.ratio,
    "token_set_ratio": fuzz.token_set_ratio,
    "WRatio": fuzz.WRatio,
}


def fuzzy_candidates(
    q_norm: np.ndarray, q_compact: np.ndarray, idx: AccountIndex, params: MappingParams
) -> pd.DataFrame:
    """(q, acc, score) for distinct query names: cdist within blocks, top-k per query and block."""
    scorer = SCORERS[params.fuzzy_scorer]
    unit = 100.0 if params.fuzzy_scorer == "osa" else 1.0  # OSA similarity is 0–1; report 0–100
    cutoff = max(0.0, params.fuzzy_threshold - params.ambiguity_margin) / unit
    dtype = np.float32 if unit != 1.0 else np.uint8
    out = []
    qpos = np.arange(len(q_norm))
    for kind in params.blocking:
        qkeys = block_keys(q_compact, kind, q_norm)
        blocks = idx.blocks.get(kind, {})
        order = np.argsort(qkeys, kind="stable")
        sk = qkeys[order]
        bounds = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1], True])
        for b0, b1 in zip(bounds[:-1], bounds[1:], strict=False):
            key = sk[b0]
            accs = blocks.get(key)
            if not key or accs is None:
                continue
            a_names = list(idx.norm[accs])
            qs = order[b0:b1]
            k = min(params.fuzzy_top_k, len(accs))
            for c0 in range(0, len(qs), params.chunk_size):
                qc = qs[c0 : c0 + params.chunk_size]
                m = process.cdist(
                    list(q_norm[qc]),
                    a_names,
                    scorer=scorer,
                    processor=utils.default_process,
                    score_cutoff=cutoff,
                    dtype=dtype,
                    workers=params.workers,
                )
                # scores below the cutoff are 0: only the few pairs above it are kept
                ii, jj = np.nonzero(m)
                if not len(ii):
                    continue
                sc = m[ii, jj].astype(float)
                part = pd.DataFrame({"q": qpos[qc][ii], "acc": accs[jj], "score": np.round(sc * unit, 1)})
                if len(part) > k * len(qc) // 2:
                    part = part.sort_values("score", ascending=False, kind="stable").groupby("q").head(k)
                out.append(part)
    if not out:
        return pd.DataFrame(
            {
                "q": pd.Series([], dtype=np.int64),
                "acc": pd.Series([], dtype=np.int64),
                "score": pd.Series([], dtype=float),
            }
        )
    res = pd.concat(out, ignore_index=True)
    res = res.sort_values(["q", "score"], ascending=[True, False], kind="stable").drop_duplicates(["q", "acc"])
    return res.groupby("q", sort=False).head(params.fuzzy_top_k)
