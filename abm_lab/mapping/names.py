"""Company names: one normalised key per name, so that spellings of one company compare equal.

Case, accents and non-Latin scripts (transliterated with unidecode), punctuation, ``&``/``and``, legal
forms (Inc, LLC, Ltd, GmbH, S.A., B.V., ... from ``resources/legal_forms.txt``; also spaced as in
``N. V.``), trailing locations after a legal form (``B.V., AMSTERDAM``), and noise words
(``resources/noise_words.txt``). Pairs and clusters of names: :mod:`abm_lab.mapping.name_match`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd
from unidecode import unidecode

from .arrays import as_object
from .wordlists import read_resource

__all__ = [
    "normalize_company_name",
    "normalize_company_names",
    "compact_key",
    "initialism",
    "NON_LATIN",
]


@lru_cache(maxsize=1)
def _legal_forms() -> tuple[frozenset[tuple[str, ...]], int]:
    forms: set[tuple[str, ...]] = set()
    for f in read_resource("legal_forms.txt"):
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
    return frozenset(w.lower() for w in read_resource("noise_words.txt"))


@lru_cache(maxsize=1)
def _abbreviations() -> dict[str, str]:
    out = {}
    for line in read_resource("name_abbreviations.txt"):
        parts = line.split()
        if len(parts) == 2:
            out[parts[0].lower()] = parts[1].lower()
    return out


@lru_cache(maxsize=1)
def _cjk_forms() -> tuple[str, ...]:
    return tuple(sorted(read_resource("company_name_cjk_forms.txt"), key=len, reverse=True))


#: A character outside the Latin script blocks (the name needs transliteration).
NON_LATIN = re.compile(r"[^\x00-\u024f\u1e00-\u1eff\u2000-\u206f\u20a0-\u20cf\uff01-\uff5e]")
_AMP_LETTERS = re.compile(r"\b([a-z])\s*&\s*([a-z])\b|\b([a-z]{1,2})&([a-z]{1,2})\b")
_DOTCOM = re.compile(r"(?<=[a-z0-9])\.(com|net|org|io)\b")
_PUNCT = re.compile(r"[^a-z0-9 ]+")
_BRACES = re.compile(r"\{[^}(]*\((\w)\)\}|\{[^}]*\}")


_PUNCT_TABLE: dict[int, str | None] = {
    c: " " for c in range(128) if not (chr(c).isalnum() and chr(c).isascii()) and chr(c) != " "
}
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
    codes, uniques = pd.factorize(as_object(names), use_na_sentinel=True)
    f = normalize_company_name.__wrapped__  # distinct values already: skip the LRU bookkeeping
    norm_u = np.array([f(u) for u in uniques] + [""], dtype=object)
    return pd.Series(norm_u[codes], index=names.index, dtype="string")


def compact_key(norm: str) -> str:
    """Normalised name without spaces: 'wal mart' and 'walmart' share a key."""
    return norm.replace(" ", "")


def initialism(norm: str) -> str:
    """First letters of the tokens of a normalised name ('international business machines' -> 'ibm')."""
    return "".join(t[0] for t in norm.split() if t)
