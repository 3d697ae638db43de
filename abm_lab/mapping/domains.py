"""Domains: the *registered* domain of an e-mail address, a website URL or a bare host, and free-mail.

``mail.eu.acme.co.uk`` -> ``acme.co.uk``, using tldextract with its **bundled** public-suffix snapshot only
(no network, no cache files). Work is done once per distinct host, so a column of a million addresses costs
one lookup per distinct domain. A shipped list (``resources/freemail_domains.txt``) names the consumer
webmail / ISP domains that never identify a company.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .arrays import append_missing, arrow_strings, as_object, encode
from .wordlists import read_resource

__all__ = [
    "freemail_domains",
    "is_freemail",
    "registered_domain",
    "registered_domains",
    "registered_array",
    "email_domains",
    "domain_codes",
    "decode",
    "split_domains",
]


@lru_cache(maxsize=1)
def freemail_domains() -> frozenset[str]:
    """The shipped set of free-mail / consumer ISP registered domains (lower case)."""
    return frozenset(d.lower() for d in read_resource("freemail_domains.txt"))


def is_freemail(domains: pd.Series | Iterable[str], extra: Iterable[str] = ()) -> np.ndarray:
    """Boolean array: True where the (registered) domain is a free-mail / ISP domain."""
    fm = freemail_domains() | {d.lower() for d in extra}
    s = pd.Series(domains, dtype="string") if not isinstance(domains, pd.Series) else domains.astype("string")
    return s.isin(list(fm)).fillna(False).to_numpy(dtype=bool)


_EXTRACTOR: Any = None


def _extractor() -> Any:
    """tldextract with the bundled suffix snapshot only: no HTTP fetch, no cache directory."""
    global _EXTRACTOR
    if _EXTRACTOR is None:
        import tldextract

        _EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    return _EXTRACTOR


@lru_cache(maxsize=500_000)
def registered_domain(value: str | None) -> str | None:
    """Registered domain of an e-mail address, URL or host; None when there is none.

    >>> registered_domain("Jane.Doe@mail.eu.Acme.co.uk")
    'acme.co.uk'
    >>> registered_domain("https://www.acme.com/about?x=1")
    'acme.com'
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return registered_array(np.array([str(value)], dtype=object))[0]


def _clean_host(v: str) -> str | None:
    v = v.strip().lower()
    if "@" in v:
        v = v.rsplit("@", 1)[1]
    if "/" in v or ":" in v or "?" in v or "#" in v:
        v = _HOST_JUNK2.sub("", v)
        v = _HOST_TAIL.sub("", v)
    v = v.strip().strip(".")
    if not v or " " in v:
        return None
    return v


_HOST_JUNK2 = re.compile(r"^[a-z][a-z0-9+.\-]*://|^//")
_HOST_TAIL = re.compile(r"[/?#:].*$")


@lru_cache(maxsize=1)
def _suffix_sets() -> tuple[frozenset[str], frozenset[str]]:
    """ICANN public suffixes of tldextract's bundled snapshot, and the bases of wildcard/exception rules."""
    t = _extractor()._get_tld_extractor()
    plain = frozenset(x for x in t.public_tlds if not x.startswith(("*", "!")))
    # bases of wildcard rules ("*.kobe.jp" -> "kobe.jp") and exception names ("!city.kobe.jp"):
    # a host ending in one of these is left to tldextract itself
    special = frozenset(x.lstrip("*!").lstrip(".") for x in t.public_tlds if x.startswith(("*", "!")))
    return plain, special


@lru_cache(maxsize=1)
def _suffix_nodes() -> frozenset[str]:
    plain, special = _suffix_sets()
    nodes = set()
    for x in plain | special:
        parts = x.split(".")
        for k in range(1, len(parts) + 1):
            nodes.add(".".join(parts[-k:]))
    return frozenset(nodes)


def _fast_registered(
    host: str, plain: frozenset[str], special: frozenset[str], nodes: frozenset[str]
) -> str | None | bool:
    """Longest public-suffix match walking labels from the right; False = defer to tldextract."""
    if not host.isascii():
        return False
    labels = host.rsplit(".", 5)
    n = len(labels)
    if n < 2 or "" in labels:
        return False
    tail = labels[-1]
    best = 0
    k = 1
    while True:
        if tail in special:
            return False
        if tail in plain:
            best = k
        if k == n or tail not in nodes:
            break
        k += 1
        tail = labels[n - k] + "." + tail
    if best == 0 or best >= n:
        if best >= n and n == len(host.split(".")):
            return None  # the host is itself a public suffix
        if best == 0:
            return None  # unknown top-level domain (tldextract gives no suffix either)
    return ".".join(labels[n - best - 1 :])


def _registered_of_distinct(hosts: Any) -> np.ndarray:
    """Registered domain of each distinct raw host (None when there is none): the fast suffix-tree
    lookup, falling back to tldextract's bundled snapshot only where the tree cannot decide."""
    plain, special = _suffix_sets()
    nodes = _suffix_nodes()
    ext = None
    out = np.empty(len(hosts), dtype=object)
    for i, raw in enumerate(hosts):
        h = _clean_host(raw)
        r = None if h is None else _fast_registered(h, plain, special, nodes)
        if r is False:
            ext = ext or _extractor()
            e = ext(h)
            r = f"{e.domain}.{e.suffix}" if e.domain and e.suffix else None
        out[i] = r
    return out


def registered_array(values: Any) -> np.ndarray:
    """Registered domain per value as an object array (None when there is none)."""
    arr = as_object(values)
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    # the trailing None is what code -1 (missing value) indexes
    return append_missing(_registered_of_distinct(uniques))[codes]


def domain_codes(values: Any, email: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Registered domains of a column as (codes per row, distinct domains); code -1 = no domain.

    With ``email=True`` the part after the last '@' is used (values without '@' have none).
    Vectorised in Arrow; one public-suffix lookup per distinct host.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = arrow_strings(values)
    if email:
        m = pc.extract_regex(arr, r"@(?P<d>[^@]*)$")
        arr = pc.if_else(pc.is_valid(m), m.field("d"), pa.scalar(None, pa.string()))
    arr = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
    codes, uniq = encode(arr)
    reg = _registered_of_distinct(uniq)
    rcodes, runiq = pd.factorize(reg, use_na_sentinel=True)
    rcodes = np.append(rcodes, -1)
    return rcodes[codes], np.asarray(runiq, dtype=object)


def decode(codes: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    """Object array of values (None for code -1) from (codes, uniques)."""
    return append_missing(np.asarray(uniques, dtype=object))[codes]


def registered_domains(values: pd.Series) -> pd.Series:
    """Registered domain for each e-mail / URL / host of a column (string dtype, <NA> if none).

    One lookup per *distinct* value (a longest-suffix match against tldextract's bundled
    public-suffix snapshot; wildcard rules and non-ASCII hosts go through tldextract itself),
    mapped back; cost grows with distinct values, not rows.
    """
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    return pd.Series(registered_array(values), index=values.index, dtype="string")


def email_domains(emails: pd.Series) -> pd.Series:
    """Registered domain of each e-mail address (<NA> when blank or without '@')."""
    emails = pd.Series(emails) if not isinstance(emails, pd.Series) else emails
    return pd.Series(_email_domain_array(emails), index=emails.index, dtype="string")


def _email_domain_array(emails: Any) -> np.ndarray:
    arr = as_object(emails)
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    # the part after '@' (distinct e-mails are many, their domains few: look domains up once)
    dom = np.array([u.rsplit("@", 1)[1] if "@" in u else None for u in uniques] + [None], dtype=object)
    return registered_array(dom[codes])


def split_domains(values: pd.Series, sep: str = ";") -> pd.DataFrame:
    """Explode a ';'-separated domain list column into (row, domain) pairs (registered domains)."""
    values = values.astype("string")
    parts = values.str.split(sep).explode()
    parts = parts[parts.notna()]
    dom = registered_domains(parts.str.strip())
    out = pd.DataFrame({"row": parts.index.to_numpy(), "domain": dom.to_numpy()})
    return out[out["domain"].notna()].reset_index(drop=True)
