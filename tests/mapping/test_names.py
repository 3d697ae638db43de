"""Company-name normalisation (abm_lab.mapping.names)."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.mapping import names as N


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Acme Inc.", "acme"),
        ("ACME, INC", "acme"),
        ("Acme Incorporated", "acme"),
        ("acme llc", "acme"),
        ("Acme Ltd.", "acme"),
        ("Acme GmbH", "acme"),
        ("Acme S.A.", "acme"),
        ("Acme S.A. de C.V.", "acme"),
        ("Acme Pty Ltd", "acme"),
        ("Acme Co., Ltd.", "acme"),
        ("Acme K.K.", "acme"),
        ("Acme B.V.", "acme"),
        ("The Acme Company", "acme"),
        ("Procter & Gamble Co.", "procter gamble"),
        ("Procter and Gamble", "procter gamble"),
        ("P&G", "pg"),
        ("AT&T Inc.", "att"),
        ("McDonald's Corporation", "mcdonalds"),
        ("Amazon.com, Inc.", "amazon"),
        ("Nestlé S.A.", "nestle"),
        ("Bluepeak Tech", "bluepeak technologies"),
        ("Bluepeak Technologies Inc.", "bluepeak technologies"),
        ("* AKZO NOBEL N. V.", "akzo nobel"),
        ("D S M N. V.", "dsm"),
        ("N.V. NUTRICIA", "nutricia"),
        ("HUNTER DOUGLAS INDUSTRIES B V", "hunter douglas industries"),
        ("ALCATEL N.V., AMSTERDAM, NL", "alcatel"),
        ("华为技术有限公司", "hua wei ji zhu"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_company_name(raw, expected):
    assert N.normalize_company_name(raw) == expected


def test_normalize_company_names_vectorised_matches_scalar():
    s = pd.Series(["Acme Inc.", None, "acme inc", "Wal-Mart Stores", "Acme Inc."])
    out = N.normalize_company_names(s)
    assert out.tolist() == ["acme", "", "acme", "wal mart stores", "acme"]
    assert N.compact_key("wal mart") == N.compact_key("walmart")
    assert N.initialism("international business machines") == "ibm"
