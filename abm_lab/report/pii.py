"""Personal data in leadership pages: a scanner for e-mail addresses and contact names in rendered HTML.

The run's pages must never show a person: :class:`PiiScanner` is built from the run's contacts (and accounts)
and reports every e-mail address, full name and distinctive last name it finds in a page's visible text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_DATA_URI_RE = re.compile(r"data:[\w/+.\-]+;base64,[A-Za-z0-9+/=\s]+")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
#: A last name alone is a finding only from this many letters (shorter ones are too often ordinary words).
MIN_LAST_NAME_LEN = 5
# Surnames that are also ordinary English or business words: seen alone they are not evidence of a person.
COMMON_WORDS = frozenset(
    """
abbott adams allen atlas austin baker banks barber bates beacon bell berry bishop black blake bloom bond booth bowman
bradley brand brewer bridge bright brook brooks brown bryant buck bush butler byrd cannon carpenter carter case cash
castle chambers chance chandler chase cherry church clark clay clear cliff coach cole coleman collins cook cooper
copper craft crane crest cross curtis dale davis dawn day dean delta diamond drake duke dunn eagle early east echo
ellis england evans falcon fall farmer faulkner ferry field fields finch fisher fleming fletcher flores ford forest
foster fox frank franklin freeman frost fuller gardner garner gates gibson gilbert glass golden goodman gordon graham
grant granite graves gray green griffin grove guard hall hamilton hammer hardy harper harris hart harvey hawk hayes
heart henry hicks high hill hills holland holmes holt hope horizon house howard hudson hughes hunt hunter ingram irons
island jackson james jordan joseph judge keen king knight lake lamb lane law lawrence lee little long love lucas major
mann marsh marshall martin mason masters may meadows mercer merchant miles miller mills monroe moon moore morgan
morris moss murphy nash nelson newman newton nichols noble norman north norton nova oakley oliver orion page palmer
park parker parsons patton payne pearl penny perry person phillips pierce pike pine pioneer pitts pope porter potter
powell power powers price prime prince quick rain ramsey randall ray read reed reeves rhodes rice rich richards rider
rivers robin rock rogers rose ross rowe rush russell sage salmon sanders savage sawyer scott sharp shaw shepherd short
silver simmons simpson singer slater small smith snow spencer spring stanley star steel steele sterling stevens
stewart stone storm strong summers summit sutton swan swift taylor temple thomas thompson titan todd tower townsend
tucker turner vale vaughan wade walker wall wallace walsh walters ward warner warren washington waters watson watts
weaver webb webster wells west wheeler white whitney wilde wilkins williams willis willow wilson winter winters wise
wolf wood woods worth wright wyatt york young
""".split()
)


def _plain_text(html_text: str) -> str:
    """Text of a page for scanning: without CSS, embedded images and markup (attribute values kept)."""
    t = re.sub(r"<style\b.*?</style>", " ", html_text, flags=re.S | re.I)
    t = _DATA_URI_RE.sub(" ", t)
    attrs = re.findall(r"\b(?:alt|title|aria-label)\s*=\s*\"([^\"]*)\"", t)
    t = re.sub(r"<[^>]+>", " ", t)
    return html.unescape(t + " \n " + " \n ".join(attrs))


@dataclass
class PiiScanner:
    """Finds personal data in rendered pages.

    Rule (documented in the tests and the README):

    * any e-mail address pattern (``local@domain.tld``) is a finding;
    * a contact's full name, ``First Last`` or ``Last, First`` as whole words, case-sensitive as stored
      (and its ASCII transliteration, e.g. Müller → Muller), is a finding;
    * a contact's last name on its own is a finding only when it is distinctive: at least 5 letters,
      not an ordinary English / business word (:data:`COMMON_WORDS`), and not a word of any company
      name, domain, job title, industry or country in the data (so 'Stone Capital' or 'Marketing' never
      count). First names alone are not checked: too many are ordinary words (Mark, Grace, Will).
    """

    full_names: frozenset[str]
    last_names: frozenset[str]

    @classmethod
    def from_tables(cls, contacts: Any, accounts: Any = None, min_last_len: int = MIN_LAST_NAME_LEN) -> PiiScanner:
        """A scanner for the contacts (first_name, last_name, …) and accounts (DataFrames) of a run."""
        from unidecode import unidecode

        def col(df: Any, c: str) -> list[str]:
            return (
                [str(v).strip() for v in df[c].tolist() if v is not None and str(v).strip() and str(v) != "nan"]
                if df is not None and c in df.columns
                else []
            )

        vocab: set[str] = set()
        for df, cols in (
            (contacts, ("company_name", "website", "job_title", "country")),
            (accounts, ("name", "domain", "website", "industry", "country", "alt_domains")),
        ):
            for c in cols:
                for v in set(col(df, c)):
                    vocab.update(w.lower() for w in _WORD_RE.findall(v))
                    vocab.update(w.lower() for w in _WORD_RE.findall(unidecode(v)))
        full: set[str] = set()
        last: set[str] = set()
        if contacts is not None and {"first_name", "last_name"} <= set(contacts.columns):
            pairs = contacts[["first_name", "last_name"]].dropna().astype(str).drop_duplicates()
            for f, ln in zip(pairs["first_name"].str.strip(), pairs["last_name"].str.strip(), strict=False):
                if not f or not ln:
                    continue
                for ff, ll in {(f, ln), (unidecode(f), unidecode(ln))}:
                    full.add(f"{ff} {ll}")
                    full.add(f"{ll}, {ff}")
        for ln in set(col(contacts, "last_name")):
            for v in {ln, unidecode(ln)}:
                if len(v) >= min_last_len and v.isalpha() and v.lower() not in COMMON_WORDS and v.lower() not in vocab:
                    last.add(v)
        return cls(frozenset(full), frozenset(last))

    def scan_text(self, html_text: str) -> list[str]:
        """Findings in one page (empty list = clean)."""
        text = _plain_text(html_text)
        found = [f"e-mail address {m}" for m in sorted(set(EMAIL_RE.findall(text)))]
        words = [m.group(0) for m in _WORD_RE.finditer(text)]
        for i in range(len(words) - 1):  # adjacent words, whatever separates them (space, comma, cell border)
            for cand in (f"{words[i]} {words[i + 1]}", f"{words[i]}, {words[i + 1]}"):
                if cand in self.full_names:
                    found.append(f"full name {cand!r}")
        found += [f"last name {w!r}" for w in sorted(set(words) & self.last_names)]
        return sorted(set(found))

    def scan_files(self, paths: Iterable[Path]) -> dict[str, list[str]]:
        """{file: findings} for the files with findings."""
        out: dict[str, list[str]] = {}
        for p in paths:
            f = self.scan_text(Path(p).read_text(encoding="utf-8", errors="replace"))
            if f:
                out[str(p)] = f
        return out
