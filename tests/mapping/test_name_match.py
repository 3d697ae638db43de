"""Pairs and clusters of company names (abm_lab.mapping.name_match)."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.mapping import name_match as N


@pytest.mark.parametrize(
    "a, b, rule, same",
    [
        ("Apple Inc.", "APPLE INC", "exact", True),
        ("Wal-Mart Inc", "Walmart Inc.", "exact", True),
        ("International Business Machines", "IBM", "initialism", True),
        ("Microsoft Corporation", "MSFT", "abbreviation", True),
        ("Deloitte Touche Tohmatsu Limited", "Deloitte", "prefix", True),
        ("阿里巴巴", "Alibaba", "exact", True),
        ("华为技术有限公司", "Huawei Technologies Co., Ltd.", "transliteration", True),
        ("Bluepeak Software", "Bluepaek Software", "fuzzy", True),
        ("Samsung Electronics", "LG Electronics", "fuzzy", False),
        ("Ford Motor Company", "General Motors Company", "fuzzy", False),
        (None, "Acme", "empty", False),
    ],
)
def test_match_names_rules(a, b, rule, same):
    m = N.match_names(a, b)
    assert m.rule == rule and m.is_match is same


def test_cluster_names():
    names = pd.Series(
        [
            "Acme Inc.",
            "ACME INC",
            "Acme Incorporated",
            "Acme Europe B.V.",
            "Bluepeak GmbH",
            "Bluepaek GmbH",
            "Zenith Corp",
            None,
        ]
    )
    lab = N.cluster_names(names, threshold=85)
    assert lab[0] == lab[1] == lab[2] == lab[3]  # prefix merge: 'acme' starts 'acme europe'
    assert lab[4] == lab[5] != lab[0]
    assert lab[6] not in (lab[0], lab[4])
    assert lab.notna().all() and len(lab) == len(names)
