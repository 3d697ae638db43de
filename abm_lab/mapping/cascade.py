"""The matching cascade: each step tries the rows no earlier step placed, and the first that finds an account wins.

1. ``crm_link``      the CRM already links the contact to an account (``account_id`` set);
2. ``email_domain``  the e-mail's registered domain is an account's domain, website or alternative domain
                     (free-mail / ISP domains never count);
3. ``website``       the typed website's registered domain, same lookup;
4. ``exact_name``    the normalised company name equals an account's normalised name;
5. ``fuzzy_name``    rapidfuzz ``cdist`` of the normalised name against account names within blocks
                     (:mod:`abm_lab.mapping.fuzzy`), best score ≥ ``fuzzy_threshold``.

Steps 2-4 normalise their keys here, in Python, and find each key's accounts with one join on the compute
engine (:mod:`abm_lab.mapping.joins`: DuckDB by default, Spark when ``compute.engine: spark``).
A key shared by several accounts (a domain, a name) goes through the tie-breakers
(:mod:`abm_lab.mapping.tiebreak`); rows they cannot settle are *ambiguous* and leave the cascade.
:class:`Cascade` holds the per-row state; :func:`abm_lab.mapping.contacts.map_contacts` runs it.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, utils

from ..compute import Engine
from ..config.mapping import MappingParams
from .arrays import arrow_strings, encode, isin
from .domains import domain_codes, freemail_domains
from .fuzzy import fuzzy_candidates
from .index import AccountIndex
from .joins import domain_keys, key_candidates, name_keys
from .names import compact_key, normalize_company_name
from .tiebreak import TieBreaker, resolve_candidates

__all__ = ["METHODS", "StepTimer", "Cascade"]

#: The cascade's steps, in order.
METHODS = ("crm_link", "email_domain", "website", "exact_name", "fuzzy_name")

#: Code of an account without a country: never equal to a contact's country code (-1 = contact without one).
_NO_COUNTRY = -2


class StepTimer:
    """Wall time per cascade step (seconds), for benchmarks; never written to an artefact."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._t0 = time.perf_counter()

    def lap(self, name: str) -> None:
        t1 = time.perf_counter()
        self.timings[name] = self.timings.get(name, 0.0) + t1 - self._t0
        self._t0 = t1


class Cascade:
    """Per-row keys of the contacts and the cascade's state: the account found, method, confidence, score.

    ``contacts`` must have a default RangeIndex (row positions are the row keys throughout). After
    :meth:`run`, ``account`` holds the position of the matched account in ``index`` (-1 = none),
    ``ambiguous`` flags rows with too-close candidates (listed in ``candidates``: row, acc, score, method).
    Work is vectorised: domains and names are handled once per distinct value.
    """

    def __init__(
        self, contacts: pd.DataFrame, index: AccountIndex, params: MappingParams, engine: Engine | None = None
    ) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        self.contacts = con = contacts
        self.index = idx = index
        self.params = params
        self.engine = engine  # runs the key joins (:mod:`abm_lab.mapping.joins`); None = a short-lived DuckDB
        self.n = n = len(con)
        self.n_accounts = len(idx.account_id)
        # --- state
        self.account = np.full(n, -1, dtype=np.int64)
        self.method = np.full(n, None, dtype=object)
        self.confidence = np.full(n, np.nan)
        self.score = np.full(n, np.nan)
        self.best_score = np.full(n, np.nan)  # best fuzzy score seen (also for rows left unmatched)
        self.tie_break = np.full(n, None, dtype=object)
        self.ambiguous = np.zeros(n, dtype=bool)
        self.candidates: list[pd.DataFrame] = []
        self.freemail = freemail_domains() | set(params.extra_freemail_domains)
        # --- domains as codes into distinct registered domains
        if "email" in con.columns:
            self.email_codes, self.email_domains = domain_codes(con["email"], email=True)
        else:
            self.email_codes, self.email_domains = np.full(n, -1, dtype=np.int64), np.array([], dtype=object)
        if "website" in con.columns:
            self.web_codes, self.web_domains = domain_codes(con["website"])
        else:
            self.web_codes, self.web_domains = np.full(n, -1, dtype=np.int64), np.array([], dtype=object)
        self.email_freemail = np.append(isin(self.email_domains, self.freemail), False)[self.email_codes]
        self.web_freemail = np.append(isin(self.web_domains, self.freemail), False)[self.web_codes]
        # --- company names (Arrow, converted to Python only for the rows that reach the name steps)
        if "company_name" in con.columns:
            self.company = arrow_strings(con["company_name"])
            self.has_company = pc.fill_null(
                pc.and_kleene(pc.is_valid(self.company), pc.not_equal(pc.utf8_trim_whitespace(self.company), "")),
                False,
            ).to_numpy(zero_copy_only=False)
        else:
            self.company = pa.nulls(n, pa.string())
            self.has_company = np.zeros(n, dtype=bool)
        # --- countries as codes shared with the accounts
        if "country" in con.columns:
            self.country_codes, c_uniq = encode(pc.utf8_lower(pc.utf8_trim_whitespace(arrow_strings(con["country"]))))
        else:
            self.country_codes, c_uniq = np.full(n, -1, dtype=np.int64), []
        acc_country = pd.Index(pd.Series(c_uniq, dtype=object)).get_indexer(pd.Series(idx.country, dtype=object))
        acc_country = np.where(idx.country == "", _NO_COUNTRY, acc_country)
        self.account_country = np.where(acc_country < 0, _NO_COUNTRY, acc_country)
        # --- normalised names, filled lazily for the rows that need them
        self.norm = np.full(n, "", dtype=object)
        self.compact = np.full(n, "", dtype=object)
        self._norm_done = np.zeros(n, dtype=bool)
        self._account_norm_by_raw = dict(zip(idx.name.tolist(), idx.norm.tolist(), strict=False))

    # ------------------------------------------------------------------ helpers
    def open_rows(self) -> np.ndarray:
        """Rows no step has placed or flagged ambiguous yet."""
        return (self.account < 0) & ~self.ambiguous

    def company_of(self, rows: np.ndarray) -> list:
        """Company names as typed for ``rows`` (Python strings / None)."""
        import pyarrow as pa

        return self.company.take(pa.array(rows, type=pa.int64())).to_pylist()

    def ensure_norm(self, rows: np.ndarray) -> None:
        """Normalise the company names of ``rows`` not done yet (once per distinct name)."""
        todo = rows[~self._norm_done[rows] & self.has_company[rows]]
        if not len(todo):
            return
        raw = self.company_of(todo)
        codes, uniq = pd.factorize(pd.Series(raw, dtype=object))
        known = self._account_norm_by_raw
        nu = [known[u] if u in known else normalize_company_name(u) for u in uniq]
        cu = [compact_key(x) for x in nu]
        self.norm[todo] = np.asarray(nu, dtype=object)[codes]
        self.compact[todo] = np.asarray(cu, dtype=object)[codes]
        self._norm_done[todo] = True

    def contact_counts(self) -> np.ndarray:
        """Contacts placed on each account so far."""
        ok = self.account >= 0
        return np.bincount(self.account[ok], minlength=self.n_accounts)

    def _raw_name_similarity(self, r: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, float]:
        # similarity of the names as typed, legal form included ("GmbH" points at the German entity)
        lead = self.company_of(r)
        vals = [
            fuzz.ratio(x, y, processor=utils.default_process) if isinstance(x, str) and isinstance(y, str) else 0.0
            for x, y in zip(lead, self.index.name[a], strict=False)
        ]
        return np.round(vals), self.params.name_tie_tolerance

    def tie_breakers(self) -> dict[str, TieBreaker]:
        """The tie-breakers with the current state (contact counts as placed so far)."""
        cnt = self.contact_counts()
        ratio_tol = float(np.log(self.params.contact_count_ratio))

        def country(r: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, float]:
            return (self.country_codes[r] == self.account_country[a]).astype(int), 0.0

        def contact_count(r: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, float]:
            return np.log1p(cnt[a]), ratio_tol

        return {"name": self._raw_name_similarity, "country": country, "contact_count": contact_count}

    def apply(self, matched: pd.DataFrame, ambiguous: pd.DataFrame, method: str, scored: bool = False) -> None:
        """Record resolved matches (row, acc, score, tie_break) and ambiguous near candidates of a step."""
        p = self.params
        r = matched["row"].to_numpy()
        self.account[r] = matched["acc"].to_numpy()
        self.method[r] = method
        sc = matched["score"].to_numpy(dtype=float)
        base = p.confidence[method] * (sc / 100.0 if scored else 1.0)
        tb = matched["tie_break"].to_numpy(dtype=object)
        cf = np.where(pd.notna(tb), base - p.tie_break_penalty, base)
        self.confidence[r] = np.clip(cf, 0, 1)
        if scored:
            self.score[r] = sc
        self.tie_break[r] = tb
        if len(ambiguous):
            ar = ambiguous["row"].unique()
            self.ambiguous[ar] = True
            self.method[ar] = method
            self.candidates.append(ambiguous.assign(method=method))

    def keyed_step(self, rows: np.ndarray, row_key: np.ndarray, cands: pd.DataFrame, method: str) -> None:
        """Rows whose key (int code) has candidate accounts in ``cands`` (key, acc, n_acc in the accounts' key
        order, from :func:`~abm_lab.mapping.joins.key_candidates`): keys of one account direct, keys shared by
        several accounts through the tie-breakers."""
        if not len(rows) or cands.empty:
            return
        single = cands[cands["n_acc"] == 1].set_index("key")["acc"]
        k = row_key[rows]
        one_acc = single.reindex(k).to_numpy()
        direct = ~np.isnan(one_acc.astype(float))
        r1 = rows[direct]
        self.account[r1] = one_acc[direct].astype(np.int64)
        self.method[r1] = method
        self.confidence[r1] = self.params.confidence[method]
        multi_keys = cands.loc[cands["n_acc"] > 1, "key"].unique()
        rm = rows[np.isin(k, multi_keys)]
        if len(rm):
            q = pd.DataFrame({"row": rm, "key": row_key[rm]})
            c = q.merge(cands[["key", "acc"]], on="key", how="inner")[["row", "acc"]]
            c["score"] = 100.0
            self.ensure_norm(rm)
            m, a = resolve_candidates(c, self.tie_breakers(), self.params)
            self.apply(m, a, method)

    # ------------------------------------------------------------------ steps
    def crm_link(self) -> None:
        """Step 1: the contact's own ``account_id``, when it names an account of the index."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not (self.params.use_crm_link and "account_id" in self.contacts.columns):
            return
        pos = pc.fill_null(
            pc.index_in(
                arrow_strings(self.contacts["account_id"]),
                value_set=pa.array(self.index.account_id.tolist(), type=pa.string()),
            ),
            -1,
        )
        pos = pos.to_numpy(zero_copy_only=False).astype(np.int64)
        r = np.flatnonzero(pos >= 0)
        self.account[r] = pos[r]
        self.method[r] = "crm_link"
        self.confidence[r] = self.params.confidence["crm_link"]

    def domains(self) -> None:
        """Steps 2 and 3: e-mail domain, then website domain, against the accounts' domains.

        One key join for both steps (:func:`~abm_lab.mapping.joins.key_candidates`): the distinct domains of
        the rows still open before step 2 (a key's accounts do not depend on which rows carry it)."""
        p = self.params
        steps = [
            (method, codes, doms, bad)
            for method, codes, doms, use, bad in (
                ("email_domain", self.email_codes, self.email_domains, p.use_email_domain, self.email_freemail),
                ("website", self.web_codes, self.web_domains, p.use_website, self.web_freemail),
            )
            if use and len(doms)
        ]
        if not steps:
            return
        open_rows = self.open_rows()
        keys = []
        for method, codes, doms, bad in steps:
            kc = np.flatnonzero(np.bincount(codes[open_rows & (codes >= 0) & ~bad], minlength=len(doms)))
            keys.append((method, kc, doms[kc]))
        cands = key_candidates(keys, domain_keys(self.index), self.engine)
        for method, codes, _doms, bad in steps:
            rows = np.flatnonzero(self.open_rows() & (codes >= 0) & ~bad)
            self.keyed_step(rows, codes, cands[method], method)

    def normalise_open_names(self) -> np.ndarray:
        """Normalise the company names of the rows still open; returns those rows."""
        rows = np.flatnonzero(self.open_rows() & self.has_company)
        self.ensure_norm(rows)
        return rows

    def exact_name(self, rows: np.ndarray) -> None:
        """Step 4: the compact normalised name of ``rows`` equals an account's (key join on the engine)."""
        if not (self.params.use_exact_name and len(rows)):
            return
        ok = rows[self.compact[rows] != ""]
        kc, ku = pd.factorize(pd.Series(self.compact[ok], dtype=object))
        row_key = np.full(self.n, -1, dtype=np.int64)
        row_key[ok] = kc
        keys = [("exact_name", np.arange(len(ku), dtype=np.int64), np.asarray(ku, dtype=object))]
        cands = key_candidates(keys, name_keys(self.index), self.engine)
        self.keyed_step(ok, row_key, cands["exact_name"], "exact_name")

    def fuzzy_name(self) -> None:
        """Step 5: fuzzy name candidates for each distinct open name, expanded back to rows and resolved."""
        p = self.params
        rows = np.flatnonzero(self.open_rows() & self.has_company & (self.compact != ""))
        if not (p.use_fuzzy_name and len(rows)):
            return
        codes, uq = pd.factorize(pd.Series(self.compact[rows], dtype=object))
        first = np.zeros(len(uq), dtype=np.int64)
        first[codes[::-1]] = rows[::-1]
        cq = fuzzy_candidates(self.norm[first], np.asarray(uq, dtype=object), self.index, p)
        if cq.empty:
            return
        # expand distinct names back to rows
        qrows = pd.DataFrame({"row": rows, "q": codes})
        c = qrows.merge(cq, on="q", how="inner")[["row", "acc", "score"]]
        bs = c.groupby("row")["score"].max()
        self.best_score[bs.index.to_numpy()] = bs.to_numpy()
        # the score already is the name similarity: the 'name' tie-breaker adds nothing here
        m, a = resolve_candidates(c, self.tie_breakers(), p, threshold=p.fuzzy_threshold, skip=("name",))
        self.apply(m, a, "fuzzy_name", scored=True)

    def run(self, timer: StepTimer | None = None) -> Cascade:
        """All steps in order (timings per step into ``timer``); returns self."""
        lap: Any = timer.lap if timer is not None else (lambda name: None)
        self.crm_link()
        lap("crm_link")
        self.domains()
        lap("domains")
        rows = self.normalise_open_names()
        lap("normalise_names")
        self.exact_name(rows)
        lap("exact_name")
        self.fuzzy_name()
        lap("fuzzy_name")
        return self
