"""Domains, free-mail and company-name normalisation (abm_lab.normalize)."""

from __future__ import annotations

import socket

import pandas as pd
import pytest

from abm_lab.mapping import normalize as N

# --------------------------------------------------------------------------- domains


@pytest.mark.parametrize(
    "value, expected",
    [
        ("jane.doe@acme.com", "acme.com"),
        ("Jane.Doe@Mail.EU.Acme.co.uk", "acme.co.uk"),
        ("j@corp.acme.com.au", "acme.com.au"),
        ("https://www.acme.com/about?x=1", "acme.com"),
        ("http://acme.de:8080/", "acme.de"),
        ("www.acme.fr/", "acme.fr"),
        ("acme.co.jp", "acme.co.jp"),
        ("  ACME.COM.BR  ", "acme.com.br"),
        ("us.acme.com.mx", "acme.com.mx"),
        ("acme.github.io", "github.io"),  # ICANN suffixes only: private suffixes (github.io) are not used
        ("co.uk", None),  # a bare public suffix has no registered domain
        ("localhost", None),
        ("not a domain", None),
        ("", None),
        (None, None),
    ],
)
def test_registered_domains(value, expected):
    out = N.registered_domains(pd.Series([value], dtype=object)).iloc[0]
    assert (None if pd.isna(out) else out) == expected
    assert N.registered_domain(value) == expected


def test_fast_suffix_path_agrees_with_tldextract():
    hosts = [
        "a.b.acme.co.uk",
        "www.ck",
        "foo.bar.ck",
        "x.city.kobe.jp",
        "y.z.kobe.jp",
        "mail.acme.com.au",
        "bücher.de",
        "a.acme.nom.br",
        "acme.blogspot.com",
        "a.b.c.d.e.f.acme.co.uk",
        "kobe.jp",
        "b.a.sch.uk",
        "acme.com.br",
        "eu.beta.acme.com",
        "acme.unknowntld",
    ]
    got = N.registered_domains(pd.Series(hosts)).tolist()
    ext = N._extractor()
    ref = [(lambda r: f"{r.domain}.{r.suffix}" if r.domain and r.suffix else None)(ext(h)) for h in hosts]
    assert [None if pd.isna(g) else g for g in got] == ref


def test_email_domains_and_codes():
    s = pd.Series(["a@Mail.Acme.co.uk", None, "no-at-sign.com", "x@gmail.com", "y@acme.co.uk"])
    assert [None if pd.isna(v) else v for v in N.email_domains(s)] == [
        "acme.co.uk",
        None,
        None,
        "gmail.com",
        "acme.co.uk",
    ]
    codes, uniq = N.domain_codes(s, email=True)
    assert codes[0] == codes[4] and codes[1] == -1 and codes[2] == -1
    assert list(N.decode(codes, uniq)) == ["acme.co.uk", None, None, "gmail.com", "acme.co.uk"]


def test_tldextract_uses_bundled_snapshot_only(monkeypatch, tmp_path):
    """No network and no cache files: suffix_list_urls=() and cache_dir=None."""

    def no_network(*a, **k):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(N, "_EXTRACTOR", None)
    N._suffix_sets.cache_clear()
    N._suffix_nodes.cache_clear()
    ext = N._extractor()
    assert tuple(ext.suffix_list_urls) == ()
    assert N.registered_domains(pd.Series(["a@x.acme.co.uk"])).iloc[0] == "acme.co.uk"
    assert N.registered_domains(pd.Series(["y.z.kobe.jp"])).iloc[0] == "y.z.kobe.jp"  # wildcard rule via tldextract
    assert not any(tmp_path.rglob("*")), "tldextract wrote cache files"


def test_freemail():
    fm = N.freemail_domains()
    assert {"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "gmx.de", "yahoo.co.uk", "icloud.com"} <= fm
    flags = N.is_freemail(pd.Series(["gmail.com", "acme.com", None, "corp.io"]), extra=["corp.io"])
    assert flags.tolist() == [True, False, False, True]


# --------------------------------------------------------------------------- names


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
