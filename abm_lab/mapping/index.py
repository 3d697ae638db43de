"""The account index: lookup structures over the accounts table, built once, reused for contacts and visits.

Accounts are indexed by registered domain (``domain``, ``website``, ``alt_domains``; free-mail / ISP
domains never count), by normalised and compact company name, by blocks of similar names for the fuzzy
step, and by their ultimate parent (``parent_account_id`` followed to the top, cycle-safe).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config.mapping import MappingParams
from ..errors import ABMDataError
from .arrays import as_object, casefold, isin, object_column, require_columns, string_column
from .domains import decode, domain_codes, freemail_domains
from .names import compact_key, normalize_company_names

__all__ = ["AccountIndex", "block_keys"]

#: Rounds of pointer jumping when following parent links: resolves chains up to 2**32 accounts deep.
_PARENT_JUMPS = 32


def block_keys(compact: np.ndarray, kind: str, norm: np.ndarray | None = None) -> np.ndarray:
    """Blocking key per compact name (object array); '' when the name is too short."""
    if kind == "prefix3":
        return np.array([c[:3] for c in compact], dtype=object)
    if kind == "first_char_sorted3":
        return np.array([c[:1] + "".join(sorted(c[1:4])) for c in compact], dtype=object)
    if kind == "last_token":
        assert norm is not None
        return np.array([n.rsplit(" ", 1)[-1] if n else "" for n in norm], dtype=object)
    raise ValueError(kind)


@dataclass
class AccountIndex:
    """Lookup structures over the accounts table, built once and reused for contacts and visits."""

    accounts: pd.DataFrame
    account_id: np.ndarray
    name: np.ndarray
    norm: np.ndarray
    compact: np.ndarray
    country: np.ndarray
    ultimate: np.ndarray  # position of the ultimate parent (self when none)
    domains: pd.DataFrame  # domain, acc (position), kind
    names: pd.DataFrame  # compact, acc
    blocks: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    key_tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)  # of mapping.joins, built once

    @classmethod
    def build(cls, accounts: pd.DataFrame, params: MappingParams | None = None) -> AccountIndex:
        """Index accounts by registered domain (domain, website, alt_domains) and normalised name."""
        params = params or MappingParams()
        require_columns(accounts, ["account_id", "name"], "accounts")
        acc = accounts.reset_index(drop=True)
        ids = acc["account_id"].astype("string")
        if ids.isna().any():
            bad = np.flatnonzero(ids.isna().to_numpy())[:5]
            raise ABMDataError(
                f"accounts: column 'account_id' is blank in rows {list(bad + 2)}",
                file="accounts",
                column="account_id",
                rows=list(bad + 2),
                reason="blank key",
            )
        n = len(acc)
        pos = np.arange(n)
        parts = []
        for kind in ("domain", "website"):
            if kind in acc.columns:
                d = decode(*domain_codes(acc[kind]))
                parts.append(pd.DataFrame({"domain": pd.Series(d, dtype=object), "acc": pos, "kind": kind}))
        alt = string_column(acc, "alt_domains")
        if alt.notna().any():
            ex = alt.str.split(";").explode()
            ex = ex[ex.notna() & (ex.str.strip() != "")]
            d = decode(*domain_codes(ex.str.strip()))
            parts.append(
                pd.DataFrame({"domain": pd.Series(d, dtype=object), "acc": ex.index.to_numpy(), "kind": "alt_domain"})
            )
        parts.append(
            pd.DataFrame(
                {
                    "domain": pd.Series([], dtype=object),
                    "acc": pd.Series([], dtype=np.int64),
                    "kind": pd.Series([], dtype=object),
                }
            )
        )
        dom = pd.concat(parts, ignore_index=True)
        dom = dom[dom["domain"].notna()]
        dom = dom[~isin(dom["domain"].to_numpy(dtype=object), freemail_domains() | set(params.extra_freemail_domains))]
        dom = dom.drop_duplicates(["domain", "acc"]).reset_index(drop=True)
        dom["domain"] = dom["domain"].astype(object)
        norm = normalize_company_names(acc["name"]).to_numpy(dtype=object)
        compact = np.array([compact_key(x) for x in norm], dtype=object)
        names = pd.DataFrame({"compact": pd.Series(compact, dtype=object), "acc": pos})
        names = names[names["compact"] != ""].reset_index(drop=True)
        # ultimate parent (cycle-safe)
        parent = string_column(acc, "parent_account_id")
        id_pos = pd.Series(pos, index=ids.to_numpy())
        ppos = parent.map(id_pos).to_numpy()
        up = np.where(pd.isna(ppos), pos, np.nan_to_num(ppos.astype(float), nan=0)).astype(np.int64)
        for _ in range(_PARENT_JUMPS):
            nxt = up[up]
            if np.array_equal(nxt, up):
                break
            up = nxt
        idx = cls(
            accounts=acc,
            account_id=as_object(ids),
            name=object_column(acc, "name"),
            norm=norm,
            compact=compact,
            country=casefold(string_column(acc, "country")),
            ultimate=up,
            domains=dom,
            names=names,
        )
        for kind in params.blocking:
            keys = block_keys(compact, kind, norm)
            s = pd.Series(pos[compact != ""], index=keys[compact != ""])
            idx.blocks[kind] = {k: g.to_numpy() for k, g in s.groupby(level=0)}
        return idx
