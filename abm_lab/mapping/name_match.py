"""Pairs and clusters of company names: are two spellings the same company, and which names group together.

:func:`match_names` decides whether two raw names are the same company with explicit rules (exact key,
initialism, abbreviation, token prefix, transliteration prefix, fuzzy score) and says which rule fired;
:func:`cluster_names` groups a column of names into companies. Both work on the keys of
:mod:`abm_lab.mapping.names`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from unidecode import unidecode

from .names import NON_LATIN, compact_key, initialism, normalize_company_name, normalize_company_names

__all__ = ["NameMatch", "match_names", "cluster_names"]


@dataclass(frozen=True)
class NameMatch:
    """Decision on two company names: ``score`` (0–100), ``rule`` that produced it, ``is_match``."""

    score: float
    rule: str
    is_match: bool


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def _abbrev_token(raw: str) -> str | None:
    """A raw name that looks like an abbreviation/ticker (2–5 letters with ≥2 capitals), normalised."""
    r = raw.strip()
    letters = re.sub(r"[^A-Za-z]", "", unidecode(r))
    norm = normalize_company_name(r)
    if " " in norm or not (2 <= len(norm) <= 5):
        return None
    if sum(c.isupper() for c in letters) >= 2 or len(norm) <= 3:
        return norm
    return None


def match_names(
    a: str | None, b: str | None, threshold: float = 88.0, *, min_prefix_len: int = 3, use_abbreviations: bool = True
) -> NameMatch:
    """Are two raw company names the same company? Rule-based, with the rule that fired.

    Rules, in order: ``exact`` (same normalised key, spaces ignored); ``initialism``
    (``IBM`` = International Business Machines); ``abbreviation`` (an all-caps short name whose
    letters appear in order in the other, same first letter: ``MSFT``, ``PwC``); ``prefix`` (one
    name's tokens start the other's: ``Deloitte`` / ``Deloitte Touche Tohmatsu``);
    ``transliteration`` (a non-Latin name whose romanisation starts with the other's first
    word: ``阿里巴巴`` / ``Alibaba``); otherwise ``fuzzy``: the best of rapidfuzz ``ratio`` on the
    compact keys and ``token_sort_ratio`` on the keys, matched when ≥ ``threshold`` (0–100).
    """
    na, nb = normalize_company_name(a), normalize_company_name(b)
    if not na or not nb:
        return NameMatch(0.0, "empty", False)
    ca, cb = compact_key(na), compact_key(nb)
    if na == nb or ca == cb:
        return NameMatch(100.0, "exact", True)
    ta, tb = na.split(), nb.split()
    short, long_, tshort, tlong, rshort = (na, nb, ta, tb, a) if len(ca) <= len(cb) else (nb, na, tb, ta, b)
    if use_abbreviations and len(tshort) == 1 and 2 <= len(short) <= 5:
        if len(tlong) >= 2 and initialism(long_) == short:
            return NameMatch(95.0, "initialism", True)
        ab = _abbrev_token(str(rshort))
        if (
            ab
            and ab[0] == long_[0]
            and _is_subsequence(ab, compact_key(long_))
            and len(ab) + 2 < len(compact_key(long_))
        ):
            return NameMatch(90.0, "abbreviation", True)
    # token prefix: shorter token list starts the longer one (compared on compact strings at token boundaries)
    if len(tshort[0]) >= min_prefix_len or len(compact_key(short)) >= 2 * min_prefix_len:
        acc = ""
        cs = compact_key(short)
        for t in tlong:
            acc += t
            if acc == cs:
                return NameMatch(92.0, "prefix", True)
            if len(acc) >= len(cs):
                break
    # transliterated scripts: romanisation of one starts with the first word of the other
    non_latin_a = bool(NON_LATIN.search(str(a)))
    non_latin_b = bool(NON_LATIN.search(str(b)))
    if non_latin_a != non_latin_b:
        ct, tl = (ca, tb) if non_latin_a else (cb, ta)
        if len(tl[0]) >= 4 and ct.startswith(tl[0]):
            return NameMatch(90.0, "transliteration", True)
    score = max(fuzz.ratio(ca, cb), fuzz.token_sort_ratio(na, nb))
    return NameMatch(float(score), "fuzzy", score >= threshold)


# --------------------------------------------------------------------------- clustering


def cluster_names(
    names: pd.Series, threshold: float = 90.0, block_chars: int = 3, use_prefix: bool = True
) -> pd.Series:
    """Cluster raw company names into companies; returns a cluster label per row.

    Rows with the same compact normalised key share a cluster; distinct keys are then merged
    (union-find) when rapidfuzz ``ratio`` on the compact keys ≥ ``threshold`` (0–100) within
    blocks of keys sharing their first ``block_chars`` characters (``cdist``, no Python
    all-pairs loop), or, with ``use_prefix``, when one key's tokens start another's.
    """
    from rapidfuzz import process, utils

    names = pd.Series(names) if not isinstance(names, pd.Series) else names
    norm = normalize_company_names(names)
    keys = norm.map(compact_key).astype("string")
    ukeys = pd.Index(keys.dropna().unique())
    parent = np.arange(len(ukeys))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    karr = np.array(ukeys, dtype=object)
    blocks = pd.Series(np.arange(len(karr))).groupby([k[:block_chars] for k in karr])
    for _, idx in blocks:
        ids = idx.to_numpy()
        if len(ids) < 2:
            continue
        sc = process.cdist(
            list(karr[ids]),
            list(karr[ids]),
            scorer=fuzz.ratio,
            processor=utils.default_process,
            score_cutoff=threshold,
            workers=1,
        )
        ii, jj = np.nonzero(np.triu(sc >= threshold, k=1))
        for i, j in zip(ii, jj, strict=False):
            union(int(ids[i]), int(ids[j]))
    if use_prefix:
        # token-prefix merge: "schlumberger" starts "schlumberger technology"
        uniq_norm = pd.Series(norm.to_numpy(), index=keys.to_numpy()).groupby(level=0).first()
        first_tok = {}
        for k, n in uniq_norm.items():
            toks = n.split()
            if len(toks) == 1 and len(toks[0]) >= 3:
                first_tok[toks[0]] = ukeys.get_loc(k)
        for k, n in uniq_norm.items():
            toks = n.split()
            if len(toks) >= 2 and toks[0] in first_tok:
                union(first_tok[toks[0]], ukeys.get_loc(k))
    roots = np.array([find(i) for i in range(len(ukeys))])
    lab = pd.Series(roots, index=ukeys)
    out = keys.map(lab)
    # blank names: each its own singleton cluster
    blank = out.isna()
    out = out.astype("float")
    out[blank] = -1 - np.arange(int(blank.sum()))
    return out.astype("int64")
