"""Registered domains and free-mail (abm_lab.mapping.domains); the normalize facade."""

from __future__ import annotations

import socket

import pandas as pd
import pytest

from abm_lab.mapping import domains as N
from abm_lab.mapping import normalize

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


def test_normalize_facade_keeps_one_import_for_domains_and_names():
    """abm_lab.data.io imports registered_domains from abm_lab.mapping.normalize."""
    assert normalize.registered_domains is N.registered_domains
    assert normalize.normalize_company_name("Acme Inc.") == "acme"
    assert normalize.match_names("IBM", "International Business Machines").rule == "initialism"
    assert set(normalize.__all__) >= {"registered_domains", "email_domains", "normalize_company_names", "cluster_names"}
