"""Fuzzy name candidates (abm_lab.mapping.fuzzy): cdist within blocks, cut-off and top-k."""

from __future__ import annotations

import numpy as np
import pytest

from abm_lab.config.mapping import MappingParams
from abm_lab.mapping import AccountIndex
from abm_lab.mapping.fuzzy import SCORERS, fuzzy_candidates
from abm_lab.mapping.names import compact_key, normalize_company_name


def _queries(*names):
    norm = np.array([normalize_company_name(n) for n in names], dtype=object)
    return norm, np.array([compact_key(n) for n in norm], dtype=object)


def test_transposition_typo_is_found_within_its_block(accounts):
    idx = AccountIndex.build(accounts)
    q_norm, q_compact = _queries("Nortwhind Analytics", "Zyxw Quantum Holdings")
    c = fuzzy_candidates(q_norm, q_compact, idx, MappingParams())
    assert c.loc[c["q"] == 0, "acc"].tolist()[0] == 2  # Northwind Analytics
    assert (c["q"] != 1).all()  # nothing similar: no candidate at all
    assert c["score"].between(0, 100).all()


def test_cutoff_and_top_k(accounts):
    idx = AccountIndex.build(accounts)
    q_norm, q_compact = _queries("Oakxi Data")
    p = MappingParams()
    c = fuzzy_candidates(q_norm, q_compact, idx, p)
    assert c["acc"].tolist() == [6]  # Oakix (one transposition); Oakio (two edits) is below the cut-off
    assert (c["score"] >= p.fuzzy_threshold - p.ambiguity_margin).all()
    wide = fuzzy_candidates(q_norm, q_compact, idx, MappingParams(ambiguity_margin=20))
    assert wide["acc"].tolist() == [6, 5]  # best first
    top = fuzzy_candidates(q_norm, q_compact, idx, MappingParams(ambiguity_margin=20, fuzzy_top_k=2))
    assert len(top) <= 2


@pytest.mark.parametrize("scorer", sorted(SCORERS))
def test_every_scorer_reports_0_to_100(accounts, scorer):
    idx = AccountIndex.build(accounts)
    q_norm, q_compact = _queries("Bluepeak Softwar")
    c = fuzzy_candidates(q_norm, q_compact, idx, MappingParams(fuzzy_scorer=scorer))
    assert len(c) and c["score"].between(0, 100).all() and c["score"].max() > 50
