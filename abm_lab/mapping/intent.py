"""Mapping third-party intent rows (the canonical ``intent`` table) to accounts by domain, with coverage.

Intent exports (Bombora Company Surge and the like) name a company by its website domain. Each row gets the
export's own ``account_id`` when it names a known account, else the account whose registered domain
(``domain``, ``website`` or ``alt_domains``; the same normalisation as anonymous web visits in
:func:`~abm_lab.mapping.touchpoints.map_touchpoints`: ``www.`` and sub-domains removed, free-mail / ISP
domains never count) it carries. A domain shared by several accounts is ambiguous and left unmapped.
Coverage says how much of the file reached an account and how many accounts have intent at all.

:func:`check_intent` adds the checks the generic table validation cannot express: scores within 0-100 and one
row per domain, week and topic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config.mapping import MappingParams
from ..errors import ABMDataError
from ..results import Results, Summary
from .arrays import isin, require_columns, string_column
from .domains import freemail_domains, registered_array
from .index import AccountIndex

__all__ = ["IntentMapping", "check_intent", "map_intent", "SCORE_MAX"]

#: Composite intent scores are on a 0-100 scale.
SCORE_MAX = 100.0
#: One row per company, week and topic in an intent export.
INTENT_KEY = ("domain", "week_start", "topic")


def check_intent(intent: pd.DataFrame, file: str = "intent") -> None:
    """Raise :class:`ABMDataError` (naming file, column and the first rows, 1-based data rows) when a score is
    outside 0-100 or a (domain, week, topic) appears twice (two exports of the same week)."""
    require_columns(intent, ["domain", "week_start", "topic", "score"], file)
    s = pd.to_numeric(intent["score"], errors="coerce")
    bad = (s.notna() & ((s < 0) | (s > SCORE_MAX))).to_numpy()
    if bad.any():
        rows = [int(r) + 1 for r in np.flatnonzero(bad)[:5]]
        raise ABMDataError(
            f"{file}: column 'score' must lie within 0-{SCORE_MAX:g} (a composite intent score); "
            f"{int(bad.sum())} row(s) outside it, first rows {rows} (values {s[bad].head(5).tolist()})",
            file=file,
            column="score",
            rows=rows,
            reason="value out of range",
        )
    key = pd.DataFrame(
        {
            "domain": registered_array(intent["domain"]),
            "week_start": pd.to_datetime(intent["week_start"]).to_numpy(),
            "topic": string_column(intent, "topic").str.strip().str.casefold().to_numpy(dtype=object),
        }
    )
    dup = key.duplicated(keep=False).to_numpy() & key.notna().all(axis=1).to_numpy()
    if dup.any():
        rows = [int(r) + 1 for r in np.flatnonzero(dup)[:5]]
        raise ABMDataError(
            f"{file}: {int(dup.sum())} rows share a (domain, week_start, topic); first rows {rows}. The same week "
            "is probably in the folder twice (two weekly files, or a weekly and a cumulative export).",
            file=file,
            column="week_start",
            rows=rows,
            reason="duplicate key",
        )


@dataclass
class IntentMapping(Results):
    """Intent rows with their account and how much of the file (and of the accounts) the mapping covers."""

    #: every input row, plus ``account_id`` (filled where mapped), ``status`` (matched / ambiguous /
    #: unmatched), ``match_method`` (source_account / domain) and ``reason`` for the rest
    table: pd.DataFrame
    #: rows, domains and accounts covered: n and share
    coverage: pd.DataFrame

    @property
    def mapped(self) -> pd.DataFrame:
        """The matched rows only (what the engagement features read)."""
        return self.table[self.table["status"] == "matched"].reset_index(drop=True)

    def share(self, what: str) -> float:
        """Share of ``rows``, ``domains`` or ``accounts`` covered."""
        return float(self.coverage.loc[what, "share"])

    def summary(self) -> Summary:
        s = Summary("Third-party intent: mapping to accounts")
        s.add_table(self.coverage, "Coverage (rows and domains of the intent file mapped; accounts with intent)")
        why = self.table.loc[self.table["status"] != "matched", "reason"].value_counts().rename("rows")
        if len(why):
            s.add_table(why.to_frame(), "Rows not mapped, by reason")
        return s


def _coverage(tab: pd.DataFrame, n_accounts: int) -> pd.DataFrame:
    ok = tab["status"] == "matched"
    dom = pd.Series(registered_array(tab["domain"]), dtype=object)
    dom_ok = dom[ok.to_numpy()].dropna().unique()
    n_dom = int(dom.dropna().nunique())
    n_acc = int(tab.loc[ok, "account_id"].nunique())
    rows = {
        "rows": (int(ok.sum()), len(tab)),
        "domains": (len(dom_ok), n_dom),
        "accounts": (n_acc, n_accounts),
    }
    out = pd.DataFrame(
        [(k, covered, total, covered / total if total else float("nan")) for k, (covered, total) in rows.items()],
        columns=["what", "covered", "of", "share"],
    ).set_index("what")
    return out


def map_intent(
    intent: pd.DataFrame,
    accounts: pd.DataFrame | None = None,
    params: MappingParams | None = None,
    index: AccountIndex | None = None,
    file: str = "intent",
) -> IntentMapping:
    """Give each intent row an account: the export's own ``account_id`` when it names a known account, else the
    account of its registered ``domain`` (the lookup of anonymous web visits). Exactly one output row per input
    row; coverage of rows, distinct domains and accounts. Scores and duplicate weeks are checked first
    (:func:`check_intent`)."""
    params = params or MappingParams()
    check_intent(intent, file)
    if index is None:
        if accounts is None:
            raise ABMDataError(
                f"{file}: mapping intent to accounts needs the accounts table", file=file, reason="accounts missing"
            )
        index = AccountIndex.build(accounts, params)
    tab = intent.reset_index(drop=True).copy()
    n = len(tab)
    acc = np.full(n, None, dtype=object)
    status = np.full(n, "unmatched", dtype=object)
    meth = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)
    src = string_column(tab, "account_id").to_numpy(dtype=object)
    has_src = pd.notna(src) & isin(src.astype(object), set(index.account_id.tolist()))
    acc[has_src] = src[has_src]
    status[has_src] = "matched"
    meth[has_src] = "source_account"
    d = registered_array(tab["domain"])
    need = ~has_src
    fm = isin(d, freemail_domains() | set(params.extra_freemail_domains))
    rows = np.flatnonzero(need & pd.notna(d) & ~fm)
    q = pd.DataFrame({"row": rows, "domain": pd.Series(d[rows], dtype=object)})
    c = q.merge(index.domains[["domain", "acc"]].drop_duplicates(), on="domain", how="inner")
    c = c.drop_duplicates(["row", "acc"])
    size = c.groupby("row")["acc"].transform("size")
    one = c[size == 1]
    r, a = one["row"].to_numpy(), one["acc"].to_numpy()
    a = index.ultimate[a] if params.rollup_to_parent else a
    acc[r] = index.account_id[a]
    status[r] = "matched"
    meth[r] = "domain"
    many = c.loc[size > 1, "row"].unique()
    status[many] = "ambiguous"
    meth[many] = "domain"
    reason[many] = "domain shared by several accounts"
    left = status == "unmatched"
    reason[left & need & fm] = "domain is an ISP/free-mail domain"
    reason[left & need & pd.isna(d)] = "no usable domain"
    reason[left & (reason == None)] = "domain not in accounts"  # noqa: E711
    tab["account_id"] = pd.array(acc, dtype="string")
    tab["status"] = pd.array(status, dtype="string")
    tab["match_method"] = pd.array(meth, dtype="string")
    tab["reason"] = pd.array(reason, dtype="string")
    return IntentMapping(table=tab, coverage=_coverage(tab, len(index.account_id)))
