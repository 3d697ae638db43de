"""Mapping contacts and leads to accounts: :func:`map_contacts` runs the cascade, :class:`MappingResult` holds it.

Every input row ends in exactly one of ``matched`` / ``ambiguous`` / ``unmatched``: matched rows carry the
account, the method (:data:`~abm_lab.mapping.cascade.METHODS`) and a confidence (0–1); ambiguous rows list
their too-close candidates; unmatched rows say why. Optionally the matched account is rolled up to its
ultimate parent (``mapping.rollup_to_parent``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..compute import Engine, open_engine
from ..config.compute import ComputeParams
from ..config.mapping import MappingParams
from ..results import Results, Summary
from .arrays import append_missing, arrow_strings, require_columns
from .cascade import METHODS, Cascade, StepTimer
from .domains import decode
from .index import AccountIndex

__all__ = ["STATUSES", "MappingResult", "map_contacts"]

#: Where each row ends, in this order.
STATUSES = ("matched", "ambiguous", "unmatched")

_REVIEW_COLUMNS = ("contact_id", "source", "record_type", "company_name", "email_domain", "website_domain", "country")


@dataclass
class MappingResult(Results):
    """Outcome of :func:`map_contacts`: one row per input contact in ``table``.

    ``table`` columns: contact_id, status (matched/ambiguous/unmatched), account_id (after the
    optional parent roll-up), matched_account_id, match_method, match_confidence (0–1),
    match_score (0–100 for name steps), tie_break, reason (unmatched), n_candidates,
    candidates (ambiguous: 'account_id name (score)' joined by ' | '), plus source,
    record_type, email_domain, company_name, country, website_domain for review.
    ``timings`` (seconds per cascade step) is for benchmarks and never written to an artefact.
    """

    table: pd.DataFrame
    params: MappingParams
    n_accounts: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def mapped(self) -> pd.DataFrame:
        """All rows (the contacts_mapped table)."""
        return self.table

    @property
    def matched(self) -> pd.DataFrame:
        return self.table[self.table["status"] == "matched"]

    @property
    def ambiguous(self) -> pd.DataFrame:
        """Review queue: rows with two or more too-close candidates (listed in ``candidates``)."""
        cols = [*_REVIEW_COLUMNS, "n_candidates", "candidates"]
        return self.table.loc[self.table["status"] == "ambiguous", cols]

    @property
    def unmatched(self) -> pd.DataFrame:
        """Review queue: rows no step could place, with the reason."""
        cols = [*_REVIEW_COLUMNS, "reason", "match_score"]
        return self.table.loc[self.table["status"] == "unmatched", cols]

    def counts(self) -> dict[str, int]:
        """Rows per status (they add up to the input rows)."""
        vc = self.table["status"].value_counts()
        return {s: int(vc.get(s, 0)) for s in STATUSES}

    def match_rates(self) -> pd.DataFrame:
        """Rows and share by source, status and method (source 'all' = every row)."""
        t = self.table.assign(
            source=self.table["source"].fillna("(blank)"), match_method=self.table["match_method"].fillna("-")
        )
        frames = []
        for src, g in [("all", t), *t.groupby("source", sort=True)]:
            r = g.groupby(["status", "match_method"], dropna=False).size().rename("n").reset_index()
            r.insert(0, "source", src)
            r["share"] = r["n"] / len(g)
            frames.append(r)
        out = pd.concat(frames, ignore_index=True)
        out.insert(0, "record", "contacts")
        return out

    def method_table(self) -> pd.DataFrame:
        """Rows per match method with mean confidence (matched rows only) and share of all rows."""
        m = self.matched
        out = m.groupby("match_method").agg(n=("contact_id", "size"), mean_confidence=("match_confidence", "mean"))
        out = out.reindex([x for x in METHODS if x in out.index])
        out["share_of_rows"] = out["n"] / max(len(self.table), 1)
        return out

    def unmatched_reasons(self) -> pd.Series:
        """Unmatched rows per reason, most frequent first."""
        return self.unmatched["reason"].value_counts()

    def summary(self) -> Summary:
        """Rows per status, matched rows per method (with mean confidence) and unmatched reasons."""
        c = self.counts()
        n = len(self.table)
        status = pd.DataFrame(
            {"rows": [c[s] for s in STATUSES], "share": [c[s] / max(n, 1) for s in STATUSES]},
            index=pd.Index(STATUSES, name="status"),
        )
        out = Summary("Lead-to-account mapping")
        out.add_table(status, "rows by status")
        out.add_table(self.method_table(), "matched by method")
        reasons = self.unmatched_reasons()
        if len(reasons):
            out.add_table(reasons.rename("rows").to_frame(), "unmatched reasons")
        out.add_note(f"{n:,} rows mapped against {self.n_accounts:,} accounts")
        return out

    def __repr__(self) -> str:  # pragma: no cover - convenience
        return self.summary().as_text()


def map_contacts(
    contacts: pd.DataFrame,
    accounts: pd.DataFrame,
    params: MappingParams | None = None,
    index: AccountIndex | None = None,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
) -> MappingResult:
    """Map every contact/lead to an account with the cascade (:mod:`abm_lab.mapping.cascade`).

    ``contacts`` needs ``contact_id``; uses ``account_id``, ``email``, ``website``,
    ``company_name``, ``country``, ``source``, ``record_type`` when present. ``accounts`` needs
    ``account_id`` and ``name``; uses ``domain``, ``website``, ``alt_domains``, ``country``,
    ``parent_account_id``. Returns a :class:`MappingResult` with exactly one row per contact.
    The key joins of the exact steps (:mod:`abm_lab.mapping.joins`) run on ``engine`` if given, else on one
    made from ``compute`` (DuckDB by default) and closed afterwards; the result is the same on every engine.
    """
    params = params or MappingParams()
    require_columns(contacts, ["contact_id"], "contacts")
    timer = StepTimer()
    idx = index or AccountIndex.build(accounts, params)
    timer.lap("index")
    with open_engine(engine, compute) as eng:
        cascade = Cascade(contacts.reset_index(drop=True), idx, params, engine=eng)
        timer.lap("prepare")
        cascade.run(timer)
    table = _assemble(cascade)
    timer.lap("assemble")
    return MappingResult(table=table, params=params, n_accounts=cascade.n_accounts, timings=timer.timings)


def _reasons(c: Cascade, unmatched: np.ndarray) -> np.ndarray:
    """Why each unmatched row could not be placed (None for the other rows)."""
    import pyarrow.compute as pc

    um = unmatched
    reason = np.full(c.n, None, dtype=object)
    email_present = c.email_codes >= 0
    web_present = c.web_codes >= 0
    is_fm, web_fm, has_company = c.email_freemail, c.web_freemail, c.has_company
    corp_dom = (email_present & ~is_fm) | (web_present & ~web_fm)
    r_name = um & has_company
    reason[um & ~has_company & ~email_present & ~web_present] = "no company, e-mail or website"
    reason[um & ~has_company & ~corp_dom & (is_fm | web_fm)] = "free-mail address only"
    reason[um & ~has_company & corp_dom] = "e-mail/website domain not in accounts, no company name"
    reason[r_name & ~np.isnan(c.best_score)] = "no name candidate above threshold"
    reason[r_name & np.isnan(c.best_score)] = "no similar account name"
    if "email" in c.contacts.columns:
        raw_email = arrow_strings(c.contacts["email"])
        has_raw = pc.fill_null(pc.is_valid(raw_email), False).to_numpy(zero_copy_only=False)
        reason[um & has_raw & ~email_present & ~has_company & ~web_present] = "e-mail not parseable, no company name"
    return reason


def _candidate_lists(c: Cascade) -> tuple[np.ndarray, np.ndarray]:
    """Per row: number of too-close candidates and their 'account_id name (score)' list (ambiguous rows)."""
    idx = c.index
    n_cand = np.zeros(c.n, dtype=np.int64)
    cand_txt = np.full(c.n, None, dtype=object)
    if not c.candidates:
        return n_cand, cand_txt
    A = pd.concat(c.candidates, ignore_index=True)
    n_cand_s = A.groupby("row").size()
    n_cand[n_cand_s.index.to_numpy()] = n_cand_s.to_numpy()
    A = A.groupby("row", sort=False).head(c.params.max_candidates_listed)
    acc = A["acc"].to_numpy()
    lab = [
        f"{i} {nm} ({int(round(s))})"
        for i, nm, s in zip(idx.account_id[acc], idx.name[acc], A["score"].to_numpy(), strict=False)
    ]
    txt = pd.Series(lab, dtype=object).groupby(A["row"].to_numpy()).agg(" | ".join)
    cand_txt[txt.index.to_numpy()] = txt.to_numpy()
    return n_cand, cand_txt


def _assemble(c: Cascade) -> pd.DataFrame:
    """The contacts_mapped table (one row per contact, input order) from the cascade's state."""
    n, con, idx = c.n, c.contacts, c.index
    matched = c.account >= 0
    status_code = np.where(matched, 0, np.where(c.ambiguous, 1, 2)).astype(np.int8)
    um = status_code == 2
    reason = _reasons(c, um)
    score = np.where(um & ~np.isnan(c.best_score), c.best_score, c.score)
    final = np.where(matched, idx.ultimate[np.maximum(c.account, 0)] if c.params.rollup_to_parent else c.account, -1)
    n_cand, cand_txt = _candidate_lists(c)
    method = c.method.copy()
    method[um] = None

    def o(x: np.ndarray) -> pd.Series:
        return pd.Series(x, dtype=object)

    def passthrough(name: str) -> pd.Series:
        if name in con.columns:
            return con[name].reset_index(drop=True)
        return pd.Series(pd.NA, index=range(n), dtype="string")

    acc_ids = append_missing(idx.account_id)
    table = pd.DataFrame(
        {
            "contact_id": passthrough("contact_id"),
            "status": pd.Categorical.from_codes(status_code, categories=list(STATUSES)),
            "account_id": o(acc_ids[final]),
            "matched_account_id": o(acc_ids[c.account]),
            "match_method": o(method),
            "match_confidence": np.where(matched, c.confidence, np.nan),
            "match_score": score,
            "tie_break": o(c.tie_break),
            "reason": o(reason),
            "n_candidates": n_cand,
            "candidates": o(cand_txt),
            "source": passthrough("source"),
            "record_type": passthrough("record_type"),
            "company_name": passthrough("company_name"),
            "email_domain": o(decode(c.email_codes, c.email_domains)),
            "website_domain": o(decode(c.web_codes, c.web_domains)),
            "country": passthrough("country"),
        }
    )
    assert len(table) == n
    return table
