"""Normalising the keys used to tie people to companies: domains and company names.

* **Domains**: the *registered* domain (``mail.eu.acme.co.uk`` -> ``acme.co.uk``) of an e-mail
  address, a website URL or a bare host, using tldextract with its **bundled** public-suffix
  snapshot only (no network, no cache files). Work is done once per distinct host, so a
  column of a million addresses costs one lookup per distinct domain.
* **Free-mail**: a shipped list (``resources/freemail_domains.txt``) of consumer webmail / ISP
  domains that never identify a company.
* **Company names**: case, accents and non-Latin scripts (transliterated with unidecode),
  punctuation, ``&``/``and``, legal forms (Inc, LLC, Ltd, GmbH, S.A., B.V., ... from
  ``resources/legal_forms.txt``; also spaced as in ``N. V.``), trailing locations after a
  legal form (``B.V., AMSTERDAM``), and noise words (``resources/noise_words.txt``).
* **Pairs of names**: :func:`match_names` decides whether two raw names are the same
  company with explicit rules (exact key, initialism, abbreviation, token prefix,
  transliteration prefix, fuzzy score) and says which rule fired.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from unidecode import unidecode

__all__ = [
    "freemail_domains",
    "is_freemail",
    "registered_domain",
    "registered_domains",
    "email_domains",
    "split_domains",
    "normalize_company_name",
    "normalize_company_names",
    "compact_key",
    "initialism",
    "NameMatch",
    "match_names",
    "cluster_names",
]


# --------------------------------------------------------------------------- resources


def _read_resource(name: str) -> list[str]:
    text = resources.files("abm_lab").joinpath("resources", name).read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@lru_cache(maxsize=1)
def freemail_domains() -> frozenset[str]:
    """The shipped set of free-mail / consumer ISP registered domains (lower case)."""
    return frozenset(d.lower() for d in _read_resource("freemail_domains.txt"))


def is_freemail(domains: pd.Series | Iterable[str], extra: Iterable[str] = ()) -> np.ndarray:
    """Boolean array: True where the (registered) domain is a free-mail / ISP domain."""
    fm = freemail_domains() | {d.lower() for d in extra}
    s = pd.Series(domains, dtype="string") if not isinstance(domains, pd.Series) else domains.astype("string")
    return s.isin(list(fm)).fillna(False).to_numpy(dtype=bool)


# --------------------------------------------------------------------------- domains

_EXTRACTOR = None


def _extractor():
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
    return _registered_array(np.array([str(value)], dtype=object))[0]


def _as_object(s) -> np.ndarray:
    """Object array of str / None (fast for pandas' Arrow-backed string columns)."""
    s = pd.Series(s) if not isinstance(s, pd.Series) else s
    if isinstance(s.dtype, pd.StringDtype) or str(s.dtype) == "str":
        return s.to_numpy(dtype=object, na_value=None)
    return s.astype("string").to_numpy(dtype=object, na_value=None)


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


def _registered_of_distinct(hosts) -> np.ndarray:
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


def _registered_array(values) -> np.ndarray:
    """Registered domain per value as an object array (None when there is none)."""
    arr = _as_object(values)
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    # the trailing None is what code -1 (missing value) indexes
    return np.append(_registered_of_distinct(uniques), None)[codes]


def _arrow_strings(values):
    """A pyarrow string array for a Series / array / list (zero-copy for Arrow-backed columns)."""
    import pyarrow as pa

    if isinstance(values, pd.Series):
        arr = values.array
        pa_arr = getattr(arr, "_pa_array", None)
        if pa_arr is not None and (pa.types.is_string(pa_arr.type) or pa.types.is_large_string(pa_arr.type)):
            return pa_arr.combine_chunks() if isinstance(pa_arr, pa.ChunkedArray) else pa_arr
        values = _as_object(values)
    return pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)


def _encode(arr) -> tuple[np.ndarray, list]:
    """(codes with -1 for null, distinct values) of a pyarrow string array."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arr)
    if hasattr(enc, "combine_chunks"):
        enc = enc.combine_chunks()
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, enc.dictionary.to_pylist()


def domain_codes(values, email: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Registered domains of a column as (codes per row, distinct domains); code -1 = no domain.

    With ``email=True`` the part after the last '@' is used (values without '@' have none).
    Vectorised in Arrow; one public-suffix lookup per distinct host.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _arrow_strings(values)
    if email:
        m = pc.extract_regex(arr, r"@(?P<d>[^@]*)$")
        arr = pc.if_else(pc.is_valid(m), m.field("d"), pa.scalar(None, pa.string()))
    arr = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
    codes, uniq = _encode(arr)
    reg = _registered_of_distinct(uniq)
    rcodes, runiq = pd.factorize(reg, use_na_sentinel=True)
    rcodes = np.append(rcodes, -1)
    return rcodes[codes], np.asarray(runiq, dtype=object)


def decode(codes: np.ndarray, uniques: np.ndarray) -> np.ndarray:
    """Object array of values (None for code -1) from (codes, uniques)."""
    return np.append(np.asarray(uniques, dtype=object), None)[codes]


def registered_domains(values: pd.Series) -> pd.Series:
    """Registered domain for each e-mail / URL / host of a column (string dtype, <NA> if none).

    One lookup per *distinct* value (a longest-suffix match against tldextract's bundled
    public-suffix snapshot; wildcard rules and non-ASCII hosts go through tldextract itself),
    mapped back; cost grows with distinct values, not rows.
    """
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    return pd.Series(_registered_array(values), index=values.index, dtype="string")


def email_domains(emails: pd.Series) -> pd.Series:
    """Registered domain of each e-mail address (<NA> when blank or without '@')."""
    emails = pd.Series(emails) if not isinstance(emails, pd.Series) else emails
    return pd.Series(_email_domain_array(emails), index=emails.index, dtype="string")


def _email_domain_array(emails) -> np.ndarray:
    arr = _as_object(emails)
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    # the part after '@' (distinct e-mails are many, their domains few: look domains up once)
    dom = np.array([u.rsplit("@", 1)[1] if "@" in u else None for u in uniques] + [None], dtype=object)
    return _registered_array(dom[codes])


def split_domains(values: pd.Series, sep: str = ";") -> pd.DataFrame:
    """Explode a ';'-separated domain list column into (row, domain) pairs (registered domains)."""
    values = values.astype("string")
    parts = values.str.split(sep).explode()
    parts = parts[parts.notna()]
    dom = registered_domains(parts.str.strip())
    out = pd.DataFrame({"row": parts.index.to_numpy(), "domain": dom.to_numpy()})
    return out[out["domain"].notna()].reset_index(drop=True)


# --------------------------------------------------------------------------- company names


@lru_cache(maxsize=1)
def _legal_forms() -> tuple[frozenset[tuple[str, ...]], int]:
    forms: set[tuple[str, ...]] = set()
    for f in _read_resource("legal_forms.txt"):
        toks = tuple(f.lower().split())
        forms.add(toks)
        # spaced-letter variant ("nv" -> "n v"), as in "N. V." or "B V"
        if len(toks) == 1 and 2 <= len(toks[0]) <= 4 and toks[0].isalpha():
            forms.add(tuple(toks[0]))
        if len(toks) == 2 and all(len(t) <= 2 for t in toks):  # "de cv" -> "de c v"
            forms.add((toks[0], *tuple(toks[1])))
    return frozenset(forms), max(len(f) for f in forms)


# Forms that are unambiguous enough that anything after them (", AMSTERDAM, NL") is a location
_STRONG = frozenset(
    {
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "llc",
        "llp",
        "plc",
        "ltd",
        "limited",
        "ltda",
        "gmbh",
        "ag",
        "aktiengesellschaft",
        "bv",
        "nv",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "pty",
        "pte",
        "kk",
        "oyj",
        "asa",
        "naamloze",
        "besloten",
        "bvba",
        "vzw",
        "sprl",
        "kgaa",
        "mbh",
    }
)


@lru_cache(maxsize=1)
def _noise_words() -> frozenset[str]:
    return frozenset(w.lower() for w in _read_resource("noise_words.txt"))


@lru_cache(maxsize=1)
def _abbreviations() -> dict[str, str]:
    out = {}
    for line in _read_resource("name_abbreviations.txt"):
        parts = line.split()
        if len(parts) == 2:
            out[parts[0].lower()] = parts[1].lower()
    return out


@lru_cache(maxsize=1)
def _cjk_forms() -> tuple[str, ...]:
    return tuple(sorted(_read_resource("company_name_cjk_forms.txt"), key=len, reverse=True))


_NON_LATIN = re.compile(r"[^\x00-\u024f\u1e00-\u1eff\u2000-\u206f\u20a0-\u20cf\uff01-\uff5e]")
_AMP_LETTERS = re.compile(r"\b([a-z])\s*&\s*([a-z])\b|\b([a-z]{1,2})&([a-z]{1,2})\b")
_DOTCOM = re.compile(r"(?<=[a-z0-9])\.(com|net|org|io)\b")
_APOS = re.compile(r"['`\u2019\u00b4]")
_PUNCT = re.compile(r"[^a-z0-9 ]+")
_BRACES = re.compile(r"\{[^}(]*\((\w)\)\}|\{[^}]*\}")


_PUNCT_TABLE = {c: " " for c in range(128) if not (chr(c).isalnum() and chr(c).isascii()) and chr(c) != " "}
for _c in "'`":
    _PUNCT_TABLE[ord(_c)] = None  # apostrophes join: McDonald's -> mcdonalds
_PUNCT_TABLE.update({0x2019: None, 0x00B4: None})


def _tokens(name: str) -> list[str]:
    s = name
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s)
        for f in _cjk_forms():
            if f in s:
                s = s.replace(f, " ")
        s = unidecode(s)
    s = s.lower()
    if "{" in s:
        s = _BRACES.sub(lambda m: m.group(1) or "", s)  # encoding debris such as "{umlaut over (n)}"
    if "&" in s:
        s = s.replace("&amp;", "&").replace("&amp", "&")
        s = _AMP_LETTERS.sub(lambda m: "".join(g for g in m.groups() if g), s)
        s = s.replace("&", " and ")
    if "+" in s:
        s = s.replace("+", " and ")
    if "." in s:
        s = _DOTCOM.sub("", s)
    s = s.translate(_PUNCT_TABLE)
    if not s.isascii():
        s = _PUNCT.sub(" ", s)
    return s.split()


@lru_cache(maxsize=1)
def _legal_vocab() -> frozenset[str]:
    forms, _ = _legal_forms()
    return frozenset(t for f in forms for t in f) | _STRONG | {"the"}


@lru_cache(maxsize=1)
def _legal_index() -> tuple[dict[str, tuple[tuple[str, ...], ...]], dict[str, tuple[tuple[str, ...], ...]]]:
    """Legal forms indexed by their last token (for trailing forms) and first token (leading forms), longest first."""
    forms, _ = _legal_forms()
    by_last: dict[str, list] = {}
    by_first: dict[str, list] = {}
    for f in forms:
        by_last.setdefault(f[-1], []).append(f)
        by_first.setdefault(f[0], []).append(f)
    by_first.setdefault("the", []).append(("the",))
    srt = lambda d: {k: tuple(sorted(v, key=len, reverse=True)) for k, v in d.items()}  # noqa: E731
    return srt(by_last), srt(by_first)


def _strip_legal(toks: list[str]) -> list[str]:
    vocab = _legal_vocab()
    if not any(t in vocab for t in toks):
        return toks
    by_last, by_first = _legal_index()
    strong = _STRONG
    while toks:
        n = len(toks)
        # truncate at a strong legal form that follows at least one name token (", B.V., AMSTERDAM")
        cut = 0
        for i in range(1, n):
            t = toks[i]
            if t in strong:
                cut = i
                break
            # spaced letters ("b v") count only when not inside a longer run of letters ("d s m n v")
            if (
                len(t) == 1
                and i + 1 < n
                and len(toks[i + 1]) == 1
                and t + toks[i + 1] in strong
                and len(toks[i - 1]) > 1
                and (i + 2 == n or len(toks[i + 2]) > 1)
            ):
                cut = i
                break
        if cut:
            toks = toks[:cut]
            continue
        hit = False
        for f in by_last.get(toks[-1], ()):  # trailing form
            k = len(f)
            if k < n and tuple(toks[n - k :]) == f:
                toks = toks[: n - k]
                hit = True
                break
        if hit:
            continue
        for f in by_first.get(toks[0], ()):  # leading form ("N.V. Nutricia", "The ...")
            k = len(f)
            if k < n and tuple(toks[:k]) == f:
                toks = toks[k:]
                hit = True
                break
        if not hit:
            break
    return toks


def _join_letters(toks: list[str]) -> list[str]:
    if all(len(t) > 1 for t in toks):
        return toks
    out: list[str] = []
    run: list[str] = []
    for t in toks:
        if len(t) == 1 and t.isalpha():
            run.append(t)
            continue
        if run:
            out.append("".join(run))
            run = []
        out.append(t)
    if run:
        out.append("".join(run))
    return out


@lru_cache(maxsize=1_000_000)
def normalize_company_name(name: str | None) -> str:
    """Normalised company name: lower-case ASCII tokens without legal forms or noise words.

    >>> normalize_company_name("The Coca-Cola Company")
    'coca cola'
    >>> normalize_company_name("* AKZO NOBEL N. V.")
    'akzo nobel'
    >>> normalize_company_name("Procter & Gamble Co.")
    'procter gamble'
    """
    if name is None or (isinstance(name, float) and np.isnan(name)) or name is pd.NA:
        return ""
    toks = _tokens(str(name))
    if not toks:
        return ""
    toks = _strip_legal(toks)
    toks = _join_letters(toks)
    abbr = _abbreviations()
    toks = [abbr.get(t, t) for t in toks] if any(t in abbr for t in toks) else toks
    noise = _noise_words()
    kept = [t for t in toks if t not in noise]
    return " ".join(kept if kept else toks)


def normalize_company_names(names: pd.Series) -> pd.Series:
    """Normalised name per row (string dtype, '' for blank); computed once per distinct name."""
    names = pd.Series(names) if not isinstance(names, pd.Series) else names
    codes, uniques = pd.factorize(_as_object(names), use_na_sentinel=True)
    f = normalize_company_name.__wrapped__  # distinct values already: skip the LRU bookkeeping
    norm_u = np.array([f(u) for u in uniques] + [""], dtype=object)
    return pd.Series(norm_u[codes], index=names.index, dtype="string")


def compact_key(norm: str) -> str:
    """Normalised name without spaces: 'wal mart' and 'walmart' share a key."""
    return norm.replace(" ", "")


def initialism(norm: str) -> str:
    """First letters of the tokens of a normalised name ('international business machines' -> 'ibm')."""
    return "".join(t[0] for t in norm.split() if t)


# --------------------------------------------------------------------------- pair decisions


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
    non_latin_a = bool(_NON_LATIN.search(str(a)))
    non_latin_b = bool(_NON_LATIN.search(str(b)))
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
