"""Mapping touchpoints to accounts: known people through their mapped contact, anonymous visits by domain.

Each touchpoint gets the source's own ``account_id`` when it has one, else its contact's mapped account
(from :func:`~abm_lab.mapping.contacts.map_contacts`), else the reverse-IP ``visitor_domain`` through the
same domain lookup as e-mails (free-mail / ISP domains never count). For the rule later stages use to
read a touch's account, see :mod:`abm_lab.mapping.resolve`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..compute import Engine, open_engine
from ..config.compute import ComputeParams
from ..config.mapping import MappingParams
from ..errors import ABMDataError
from .arrays import append_missing, as_object, isin, positions, require_columns, string_column
from .contacts import MappingResult
from .domains import freemail_domains, registered_array
from .index import AccountIndex
from .joins import domain_keys, key_candidates

__all__ = ["map_touchpoints", "touchpoint_match_rates"]


def map_touchpoints(
    touchpoints: pd.DataFrame,
    contacts_mapped: pd.DataFrame | MappingResult,
    accounts: pd.DataFrame | None = None,
    params: MappingParams | None = None,
    index: AccountIndex | None = None,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
) -> pd.DataFrame:
    """Give each touchpoint an account: the source's own ``account_id``, else its contact's
    mapped account, else the reverse-IP ``visitor_domain`` through the same domain lookup.

    Returns all touchpoint columns with ``account_id`` filled where mapped, plus ``status``
    (matched/ambiguous/unmatched), ``match_method`` (source_account / contact / reverse_ip_domain)
    and ``reason`` for the rest. Exactly one row per input touchpoint. The visitor-domain join
    (:mod:`abm_lab.mapping.joins`) runs on ``engine`` if given, else on one made from ``compute``
    (DuckDB by default) and closed afterwards.
    """
    params = params or MappingParams()
    require_columns(touchpoints, ["touchpoint_id"], "touchpoints")
    cm = contacts_mapped.table if isinstance(contacts_mapped, MappingResult) else contacts_mapped
    tp = touchpoints.reset_index(drop=True).copy()
    n = len(tp)
    acc = np.full(n, None, dtype=object)
    status = np.full(n, "unmatched", dtype=object)
    meth = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)
    src_acc = string_column(tp, "account_id").to_numpy(dtype=object)
    has_src = pd.notna(src_acc)
    acc[has_src] = src_acc[has_src]
    status[has_src] = "matched"
    meth[has_src] = "source_account"
    cid = string_column(tp, "contact_id")
    has_c = cid.notna().to_numpy() & ~has_src
    if has_c.any():
        pos = positions(cid, cm["contact_id"])
        st_c = np.append(cm["status"].astype("string").to_numpy(dtype=object, na_value=""), "")
        ac_c = append_missing(as_object(cm["account_id"]))
        st = st_c[pos]
        ac = ac_c[pos]
        known = has_c & (pos >= 0)
        ok = known & (st == "matched")
        acc[ok] = ac[ok]
        status[ok] = "matched"
        meth[ok] = "contact"
        amb = known & (st == "ambiguous")
        status[amb] = "ambiguous"
        meth[amb] = "contact"
        reason[amb] = "contact is ambiguous"
        unm = known & (st == "unmatched")
        reason[unm] = "contact unmatched"
        reason[has_c & ~known] = "contact not in contacts table"
    vd = string_column(tp, "visitor_domain")
    need = ~has_src & ~has_c & vd.notna().to_numpy()
    if need.any():
        if index is None:
            if accounts is None:
                raise ABMDataError(
                    "touchpoints: visitor_domain mapping needs the accounts table",
                    file="touchpoints",
                    column="visitor_domain",
                    reason="accounts missing",
                )
            index = AccountIndex.build(accounts, params)
        rows = np.flatnonzero(need)
        d = registered_array(vd.iloc[rows])
        fm = isin(d, freemail_domains() | set(params.extra_freemail_domains))
        dc, du = pd.factorize(pd.Series(d, dtype=object))
        dc = np.where(fm, -1, dc)  # -1: no registered domain, or a free-mail / ISP one
        kc = np.flatnonzero(np.bincount(dc[dc >= 0], minlength=len(du)))
        keys = [("reverse_ip_domain", kc, np.asarray(du, dtype=object)[kc])]
        with open_engine(engine, compute) as eng:
            cands = key_candidates(keys, domain_keys(index), eng)["reverse_ip_domain"]
        n_keys = len(du)
        n_acc = np.zeros(n_keys + 1, dtype=np.int64)  # last slot: code -1
        one_acc = np.full(n_keys + 1, -1, dtype=np.int64)
        first = cands.drop_duplicates("key")
        n_acc[first["key"].to_numpy()] = first["n_acc"].to_numpy()
        single = cands[cands["n_acc"] == 1]
        one_acc[single["key"].to_numpy()] = single["acc"].to_numpy()
        row_n = n_acc[dc]
        one = row_n == 1
        r = rows[one]
        a = one_acc[dc[one]]
        a = index.ultimate[a] if params.rollup_to_parent else a
        acc[r] = index.account_id[a]
        status[r] = "matched"
        meth[r] = "reverse_ip_domain"
        many = rows[row_n > 1]
        status[many] = "ambiguous"
        meth[many] = "reverse_ip_domain"
        reason[many] = "visitor domain shared by several accounts"
        left = need & (status == "unmatched")
        reason[left & np.isin(np.arange(n), rows[fm])] = "visitor domain is an ISP/free-mail domain"
        reason[left & (reason == None)] = "visitor domain not in accounts"  # noqa: E711
    reason[~has_src & ~has_c & ~vd.notna().to_numpy()] = "no contact or visitor domain"
    tp["account_id"] = pd.array(acc, dtype="string")
    tp["status"] = pd.array(status, dtype="string")
    tp["match_method"] = pd.array(meth, dtype="string")
    reason[status == "matched"] = None
    tp["reason"] = pd.array(reason, dtype="string")
    return tp


def touchpoint_match_rates(tp_mapped: pd.DataFrame) -> pd.DataFrame:
    """Rows and share of touchpoints by kind (known contact / anonymous visit), status and method."""
    kind = np.where(
        tp_mapped["contact_id"].notna(),
        "touchpoints:contact",
        np.where(
            tp_mapped.get("visitor_domain", pd.Series(index=tp_mapped.index)).notna(),
            "touchpoints:anonymous",
            "touchpoints:other",
        ),
    )
    t = tp_mapped.assign(source=kind, match_method=tp_mapped["match_method"].fillna("-"))
    frames = []
    for src, g in [("all", t), *t.groupby("source", sort=True)]:
        r = g.groupby(["status", "match_method"]).size().rename("n").reset_index()
        r.insert(0, "source", src)
        r["share"] = r["n"] / len(g)
        frames.append(r)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "record", "touchpoints")
    return out
