"""Lead-to-account mapping: an open, measured cascade that explains every match.

Each contact/lead goes through the steps below and stops at the first that finds an
account; the step is recorded as ``match_method`` with a ``match_confidence`` (0–1):

1. ``crm_link``      the CRM already links the contact to an account (``account_id`` set);
2. ``email_domain``  the e-mail's registered domain is an account's domain, website or
                     alternative domain (free-mail / ISP domains never count);
3. ``website``       the typed website's registered domain, same lookup;
4. ``exact_name``    the normalised company name equals an account's normalised name;
5. ``fuzzy_name``    rapidfuzz ``process.cdist`` (``processor=utils.default_process``) of the
                     normalised name against account names **within blocks** (e.g. same first
                     three characters), best score ≥ ``fuzzy_threshold``.

When several candidates are within ``ambiguity_margin`` of the best, tie-breakers are tried
in order (same normalised name, same country, most contacts already linked); if they do
not single one out, the row goes to the **ambiguous** queue with its candidates. Rows no
step can place go to the **unmatched** queue with the reason. Every input row ends in
exactly one of ``matched`` / ``ambiguous`` / ``unmatched``. Optionally the matched account
is rolled up to its ultimate parent (``rollup_to_parent``).

Anonymous web visits carrying a reverse-IP ``visitor_domain`` go through the same domain
lookup (:func:`map_touchpoints`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils
from rapidfuzz.distance import OSA

from ..config.mapping import MappingParams
from ..errors import ABMDataError
from .normalize import (
    _arrow_strings,
    _as_object,
    _encode,
    _registered_array,
    compact_key,
    decode,
    domain_codes,
    freemail_domains,
    normalize_company_name,
    normalize_company_names,
)

__all__ = [
    "AccountIndex",
    "MappingResult",
    "MappingRun",
    "run_mapping",
    "map_contacts",
    "map_touchpoints",
    "touchpoint_match_rates",
    "evaluate_mapping",
    "match_explorer",
    "evaluate_touchpoints",
    "STATUSES",
    "METHODS",
]

STATUSES = ("matched", "ambiguous", "unmatched")
METHODS = ("crm_link", "email_domain", "website", "exact_name", "fuzzy_name")
_SCORERS = {
    "osa": OSA.normalized_similarity,
    "token_sort_ratio": fuzz.token_sort_ratio,
    "ratio": fuzz.ratio,
    "token_set_ratio": fuzz.token_set_ratio,
    "WRatio": fuzz.WRatio,
}


def _require(df: pd.DataFrame, cols: list[str], table: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ABMDataError(
            f"{table}: missing column(s) {missing} needed for lead-to-account mapping; found {list(df.columns)}",
            file=table,
            column=missing[0],
            reason="missing column",
        )


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name].astype("string")
    return pd.Series(pd.NA, index=df.index, dtype="string")


def _obj(df: pd.DataFrame, name: str) -> np.ndarray:
    """Column as an object array of str / None (all-None when the column is absent)."""
    if name in df.columns:
        return _as_object(df[name])
    return np.full(len(df), None, dtype=object)


def _positions(values, keys) -> np.ndarray:
    """Position of each value in ``keys`` (-1 when absent or blank), hashed in Arrow."""
    import pyarrow.compute as pc

    ks = _arrow_strings(
        keys if isinstance(keys, pd.Series) else pd.Series(np.asarray(keys, dtype=object), dtype=object)
    )
    pos = pc.index_in(
        _arrow_strings(
            values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype=object), dtype=object)
        ),
        value_set=ks,
    )
    return pc.fill_null(pos, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _isin(arr: np.ndarray, values) -> np.ndarray:
    return pd.Series(arr, dtype=object).isin(list(values)).to_numpy(dtype=bool)


def _casefold(s: pd.Series) -> np.ndarray:
    return s.astype("string").str.strip().str.casefold().fillna("").to_numpy(dtype=object)


# --------------------------------------------------------------------------- account index


def _block_keys(compact: np.ndarray, kind: str, norm: np.ndarray | None = None) -> np.ndarray:
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

    @classmethod
    def build(cls, accounts: pd.DataFrame, params: MappingParams | None = None) -> AccountIndex:
        """Index accounts by registered domain (domain, website, alt_domains) and normalised name."""
        params = params or MappingParams()
        _require(accounts, ["account_id", "name"], "accounts")
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
        alt = _col(acc, "alt_domains")
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
        dom = dom[~_isin(dom["domain"].to_numpy(dtype=object), freemail_domains() | set(params.extra_freemail_domains))]
        dom = dom.drop_duplicates(["domain", "acc"]).reset_index(drop=True)
        dom["domain"] = dom["domain"].astype(object)
        norm = normalize_company_names(acc["name"]).to_numpy(dtype=object)
        compact = np.array([compact_key(x) for x in norm], dtype=object)
        names = pd.DataFrame({"compact": pd.Series(compact, dtype=object), "acc": pos})
        names = names[names["compact"] != ""].reset_index(drop=True)
        # ultimate parent (cycle-safe)
        parent = _col(acc, "parent_account_id")
        id_pos = pd.Series(pos, index=ids.to_numpy())
        ppos = parent.map(id_pos).to_numpy()
        up = np.where(pd.isna(ppos), pos, np.nan_to_num(ppos.astype(float), nan=0)).astype(np.int64)
        for _ in range(32):
            nxt = up[up]
            if np.array_equal(nxt, up):
                break
            up = nxt
        idx = cls(
            accounts=acc,
            account_id=_as_object(ids),
            name=_obj(acc, "name"),
            norm=norm,
            compact=compact,
            country=_casefold(_col(acc, "country")),
            ultimate=up,
            domains=dom,
            names=names,
        )
        for kind in params.blocking:
            keys = _block_keys(compact, kind, norm)
            s = pd.Series(pos[compact != ""], index=keys[compact != ""])
            idx.blocks[kind] = {k: g.to_numpy() for k, g in s.groupby(level=0)}
        return idx


# --------------------------------------------------------------------------- resolution


def _resolve(
    cands: pd.DataFrame,
    feats: dict[str, np.ndarray],
    params: MappingParams,
    threshold: float | None = None,
    skip: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Resolve candidate (row, acc, score) triples into matches and ambiguous rows.

    ``feats`` maps tie-breaker name -> function of (row array, acc array) -> (values, tolerance):
    candidates whose value is within ``tolerance`` of the row's best value survive.
    Returns (matched: row, acc, score, tie_break) and (ambiguous: row, acc, score) near sets.
    """
    if cands.empty:
        e = pd.DataFrame(
            {
                "row": pd.Series([], dtype=np.int64),
                "acc": pd.Series([], dtype=np.int64),
                "score": pd.Series([], dtype=float),
                "tie_break": pd.Series([], dtype=object),
            }
        )
        return e, e.drop(columns="tie_break")
    c = cands.drop_duplicates(["row", "acc"]).copy()
    best = c.groupby("row")["score"].transform("max")
    if threshold is not None:
        c = c[best >= threshold]
        best = best[best >= threshold]
    near = c[c["score"] >= best - params.ambiguity_margin].copy()
    cnt = near.groupby("row")["row"].transform("size")
    single = near[cnt == 1].copy()
    # a single near candidate: match (the best one)
    single["tie_break"] = None
    out = [single]
    multi = near[cnt > 1].copy()
    near_all = multi.copy()
    for tb in params.tie_breakers:
        if multi.empty:
            break
        if tb in skip:
            continue
        f, tol = feats[tb](multi["row"].to_numpy(), multi["acc"].to_numpy())
        multi["_f"] = np.asarray(f, dtype=float)
        fmax = multi.groupby("row")["_f"].transform("max")
        multi = multi[multi["_f"] >= fmax - tol - 1e-9].drop(columns="_f")
        cnt = multi.groupby("row")["row"].transform("size")
        done = multi[cnt == 1].copy()
        done["tie_break"] = tb
        out.append(done)
        multi = multi[cnt > 1]
    matched = pd.concat(out, ignore_index=True)[["row", "acc", "score", "tie_break"]]
    amb_rows = multi["row"].unique()
    ambiguous = near_all[near_all["row"].isin(amb_rows)][["row", "acc", "score"]]
    ambiguous = ambiguous.sort_values(["row", "score"], ascending=[True, False], kind="stable")
    return matched, ambiguous


# --------------------------------------------------------------------------- result object


@dataclass
class MappingResult:
    """Outcome of :func:`map_contacts`: one row per input contact in ``table``.

    ``table`` columns: contact_id, status (matched/ambiguous/unmatched), account_id (after the
    optional parent roll-up), matched_account_id, match_method, match_confidence (0–1),
    match_score (0–100 for name steps), tie_break, reason (unmatched), n_candidates,
    candidates (ambiguous: 'account_id name (score)' joined by ' | '), plus source,
    record_type, email_domain, company_name, country, website_domain for review.
    """

    table: pd.DataFrame
    params: MappingParams
    n_accounts: int = 0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per cascade step

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
        cols = [
            "contact_id",
            "source",
            "record_type",
            "company_name",
            "email_domain",
            "website_domain",
            "country",
            "n_candidates",
            "candidates",
        ]
        return self.table.loc[self.table["status"] == "ambiguous", cols]

    @property
    def unmatched(self) -> pd.DataFrame:
        """Review queue: rows no step could place, with the reason."""
        cols = [
            "contact_id",
            "source",
            "record_type",
            "company_name",
            "email_domain",
            "website_domain",
            "country",
            "reason",
            "match_score",
        ]
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

    def summary(self) -> str:
        """Readable text summary: counts per status and method."""
        c = self.counts()
        n = len(self.table)
        lines = [
            "Lead-to-account mapping",
            "=" * 40,
            f"rows: {n:,}   accounts: {self.n_accounts:,}",
            *(f"{s:<10} {c[s]:>10,}  {c[s] / max(n, 1):6.1%}" for s in STATUSES),
            "-" * 40,
            "matched by method:",
        ]
        for meth, r in self.method_table().iterrows():
            lines.append(f"  {meth:<13} {int(r['n']):>10,}  {r['share_of_rows']:6.1%}  conf {r['mean_confidence']:.3f}")
        reasons = self.unmatched["reason"].value_counts()
        if len(reasons):
            lines.append("unmatched reasons:")
            lines += [f"  {k:<40} {v:>8,}" for k, v in reasons.items()]
        return "\n".join(lines)

    def __repr__(self) -> str:  # pragma: no cover - convenience
        return self.summary()


# --------------------------------------------------------------------------- contacts


def _fuzzy_candidates(
    q_norm: np.ndarray, q_compact: np.ndarray, idx: AccountIndex, params: MappingParams
) -> pd.DataFrame:
    """(q, acc, score) for distinct query names: cdist within blocks, top-k per query and block."""
    scorer = _SCORERS[params.fuzzy_scorer]
    unit = 100.0 if params.fuzzy_scorer == "osa" else 1.0  # OSA similarity is 0–1; report 0–100
    cutoff = max(0.0, params.fuzzy_threshold - params.ambiguity_margin) / unit
    dtype = np.float32 if unit != 1.0 else np.uint8
    out = []
    qpos = np.arange(len(q_norm))
    for kind in params.blocking:
        qkeys = _block_keys(q_compact, kind, q_norm)
        blocks = idx.blocks.get(kind, {})
        order = np.argsort(qkeys, kind="stable")
        sk = qkeys[order]
        bounds = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1], True])
        for b0, b1 in zip(bounds[:-1], bounds[1:], strict=False):
            key = sk[b0]
            accs = blocks.get(key)
            if not key or accs is None:
                continue
            a_names = list(idx.norm[accs])
            qs = order[b0:b1]
            k = min(params.fuzzy_top_k, len(accs))
            for c0 in range(0, len(qs), params.chunk_size):
                qc = qs[c0 : c0 + params.chunk_size]
                m = process.cdist(
                    list(q_norm[qc]),
                    a_names,
                    scorer=scorer,
                    processor=utils.default_process,
                    score_cutoff=cutoff,
                    dtype=dtype,
                    workers=params.workers,
                )
                # scores below the cutoff are 0: only the few pairs above it are kept
                ii, jj = np.nonzero(m)
                if not len(ii):
                    continue
                sc = m[ii, jj].astype(float)
                part = pd.DataFrame({"q": qpos[qc][ii], "acc": accs[jj], "score": np.round(sc * unit, 1)})
                if len(part) > k * len(qc) // 2:
                    part = part.sort_values("score", ascending=False, kind="stable").groupby("q").head(k)
                out.append(part)
    if not out:
        return pd.DataFrame(
            {
                "q": pd.Series([], dtype=np.int64),
                "acc": pd.Series([], dtype=np.int64),
                "score": pd.Series([], dtype=float),
            }
        )
    res = pd.concat(out, ignore_index=True)
    res = res.sort_values(["q", "score"], ascending=[True, False], kind="stable").drop_duplicates(["q", "acc"])
    return res.groupby("q", sort=False).head(params.fuzzy_top_k)


def map_contacts(
    contacts: pd.DataFrame,
    accounts: pd.DataFrame,
    params: MappingParams | None = None,
    index: AccountIndex | None = None,
) -> MappingResult:
    """Map every contact/lead to an account with the cascade; see the module docstring.

    ``contacts`` needs ``contact_id``; uses ``account_id``, ``email``, ``website``,
    ``company_name``, ``country``, ``source``, ``record_type`` when present. ``accounts`` needs
    ``account_id`` and ``name``; uses ``domain``, ``website``, ``alt_domains``, ``country``,
    ``parent_account_id``. Returns a :class:`MappingResult` with exactly one row per contact.
    Work is vectorised: domains and names are handled once per distinct value.
    """
    import time

    import pyarrow as pa
    import pyarrow.compute as pc

    params = params or MappingParams()
    _require(contacts, ["contact_id"], "contacts")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t0
        t1 = time.perf_counter()
        timings[name] = timings.get(name, 0.0) + t1 - t0
        t0 = t1

    idx = index or AccountIndex.build(accounts, params)
    lap("index")
    con = contacts.reset_index(drop=True)
    n = len(con)
    n_acc = len(idx.account_id)
    acc_of = np.full(n, -1, dtype=np.int64)
    method = np.full(n, None, dtype=object)
    conf = np.full(n, np.nan)
    score = np.full(n, np.nan)
    tie = np.full(n, None, dtype=object)
    amb_rows: list[pd.DataFrame] = []
    ambiguous = np.zeros(n, dtype=bool)
    conf_map = params.confidence
    fm = freemail_domains() | set(params.extra_freemail_domains)

    def open_rows() -> np.ndarray:
        return (acc_of < 0) & ~ambiguous

    # domains as codes into distinct registered domains
    if "email" in con.columns:
        e_codes, e_doms = domain_codes(con["email"], email=True)
    else:
        e_codes, e_doms = np.full(n, -1, dtype=np.int64), np.array([], dtype=object)
    if "website" in con.columns:
        w_codes, w_doms = domain_codes(con["website"])
    else:
        w_codes, w_doms = np.full(n, -1, dtype=np.int64), np.array([], dtype=object)
    is_fm = np.append(_isin(e_doms, fm), False)[e_codes]
    web_fm = np.append(_isin(w_doms, fm), False)[w_codes]
    # company names (Arrow, converted to Python only for the rows that reach the name steps)
    if "company_name" in con.columns:
        pa_company = _arrow_strings(con["company_name"])
        has_company = pc.fill_null(
            pc.and_kleene(pc.is_valid(pa_company), pc.not_equal(pc.utf8_trim_whitespace(pa_company), "")), False
        ).to_numpy(zero_copy_only=False)
    else:
        pa_company = pa.nulls(n, pa.string())
        has_company = np.zeros(n, dtype=bool)
    # countries as codes shared with the accounts
    if "country" in con.columns:
        c_codes, c_uniq = _encode(pc.utf8_lower(pc.utf8_trim_whitespace(_arrow_strings(con["country"]))))
    else:
        c_codes, c_uniq = np.full(n, -1, dtype=np.int64), []
    acc_country = pd.Index(pd.Series(c_uniq, dtype=object)).get_indexer(pd.Series(idx.country, dtype=object))
    acc_country = np.where(idx.country == "", -2, acc_country)
    acc_country = np.where(acc_country < 0, -2, acc_country)
    norm = np.full(n, "", dtype=object)
    compact = np.full(n, "", dtype=object)
    norm_done = np.zeros(n, dtype=bool)
    acc_norm_by_raw = dict(zip(idx.name.tolist(), idx.norm.tolist(), strict=False))

    def company_of(rows: np.ndarray) -> list:
        return pa_company.take(pa.array(rows, type=pa.int64())).to_pylist()

    def ensure_norm(rows: np.ndarray) -> None:
        todo = rows[~norm_done[rows] & has_company[rows]]
        if not len(todo):
            return
        raw = company_of(todo)
        codes, uniq = pd.factorize(pd.Series(raw, dtype=object))
        f = normalize_company_name
        nu = [acc_norm_by_raw[u] if u in acc_norm_by_raw else f(u) for u in uniq]
        cu = [compact_key(x) for x in nu]
        norm[todo] = np.asarray(nu, dtype=object)[codes]
        compact[todo] = np.asarray(cu, dtype=object)[codes]
        norm_done[todo] = True

    def counts() -> np.ndarray:
        ok = acc_of >= 0
        return np.bincount(acc_of[ok], minlength=n_acc)

    def raw_name_sim(r: np.ndarray, a: np.ndarray):
        # similarity of the names as typed, legal form included ("GmbH" points at the German entity)
        lead = company_of(r)
        vals = [
            fuzz.ratio(x, y, processor=utils.default_process) if isinstance(x, str) and isinstance(y, str) else 0.0
            for x, y in zip(lead, idx.name[a], strict=False)
        ]
        return np.round(vals), params.name_tie_tolerance

    def feats() -> dict:
        cnt = counts()
        return {
            "name": raw_name_sim,
            "country": lambda r, a: ((c_codes[r] == acc_country[a]).astype(int), 0.0),
            "contact_count": lambda r, a: (np.log1p(cnt[a]), float(np.log(params.contact_count_ratio))),
        }

    def apply(matched: pd.DataFrame, amb: pd.DataFrame, meth: str, scored: bool = False) -> None:
        r = matched["row"].to_numpy()
        acc_of[r] = matched["acc"].to_numpy()
        method[r] = meth
        base = conf_map.get(meth, 0.9)
        sc = matched["score"].to_numpy(dtype=float)
        cf = base * (sc / 100.0 if scored else 1.0)
        tb = matched["tie_break"].to_numpy(dtype=object)
        cf = np.where(pd.notna(tb), cf - params.tie_break_penalty, cf)
        conf[r] = np.clip(cf, 0, 1)
        if scored:
            score[r] = sc
        tie[r] = tb
        if len(amb):
            ar = amb["row"].unique()
            ambiguous[ar] = True
            method[ar] = meth
            amb_rows.append(amb.assign(method=meth))

    def keyed_step(rows: np.ndarray, row_key: np.ndarray, pairs: pd.DataFrame, meth: str) -> None:
        """Rows whose key (int code) maps to account(s) in ``pairs`` (key, acc): unique keys direct,
        shared keys through the tie-breakers."""
        if not len(rows) or pairs.empty:
            return
        n_per_key = pairs.groupby("key").size()
        single = pairs[pairs["key"].map(n_per_key) == 1].set_index("key")["acc"]
        k = row_key[rows]
        one_acc = pd.Series(single).reindex(k).to_numpy()
        direct = ~np.isnan(one_acc.astype(float))
        r1 = rows[direct]
        acc_of[r1] = one_acc[direct].astype(np.int64)
        method[r1] = meth
        conf[r1] = conf_map.get(meth, 0.9)
        multi_keys = n_per_key.index[n_per_key.to_numpy() > 1]
        rm = rows[np.isin(k, multi_keys)]
        if len(rm):
            q = pd.DataFrame({"row": rm, "key": row_key[rm]})
            c = q.merge(pairs, on="key", how="inner")[["row", "acc"]]
            c["score"] = 100.0
            ensure_norm(rm)
            m, a = _resolve(c, feats(), params)
            apply(m, a, meth)

    lap("prepare")
    # 1. CRM link
    if params.use_crm_link and "account_id" in con.columns:
        pos = pc.fill_null(
            pc.index_in(
                _arrow_strings(con["account_id"]), value_set=pa.array(idx.account_id.tolist(), type=pa.string())
            ),
            -1,
        )
        pos = pos.to_numpy(zero_copy_only=False).astype(np.int64)
        r = np.flatnonzero(pos >= 0)
        acc_of[r] = pos[r]
        method[r] = "crm_link"
        conf[r] = conf_map.get("crm_link", 1.0)
    lap("crm_link")
    # 2./3. domains
    for meth, codes, doms, use, bad in (
        ("email_domain", e_codes, e_doms, params.use_email_domain, is_fm),
        ("website", w_codes, w_doms, params.use_website, web_fm),
    ):
        if not use or not len(doms):
            continue
        key = pd.Index(pd.Series(doms, dtype=object)).get_indexer(
            pd.Series(idx.domains["domain"].to_numpy(), dtype=object)
        )
        pairs = pd.DataFrame({"key": key, "acc": idx.domains["acc"].to_numpy()})
        pairs = pairs[pairs["key"] >= 0]
        rows = np.flatnonzero(open_rows() & (codes >= 0) & ~bad)
        keyed_step(rows, codes, pairs, meth)
    lap("domains")
    # 4. exact normalised name
    rows = np.flatnonzero(open_rows() & has_company)
    ensure_norm(rows)
    lap("normalise_names")
    if params.use_exact_name and len(rows):
        kc, ku = pd.factorize(pd.Series(compact[rows], dtype=object))
        row_key = np.full(n, -1, dtype=np.int64)
        row_key[rows] = kc
        key = pd.Index(ku).get_indexer(pd.Series(idx.names["compact"].to_numpy(), dtype=object))
        pairs = pd.DataFrame({"key": key, "acc": idx.names["acc"].to_numpy()})
        pairs = pairs[pairs["key"] >= 0]
        ok = rows[compact[rows] != ""]
        keyed_step(ok, row_key, pairs, "exact_name")
    lap("exact_name")
    # 5. fuzzy name on distinct names
    best_score = np.full(n, np.nan)
    rows = np.flatnonzero(open_rows() & has_company & (compact != ""))
    if params.use_fuzzy_name and len(rows):
        codes, uq = pd.factorize(pd.Series(compact[rows], dtype=object))
        first = np.zeros(len(uq), dtype=np.int64)
        first[codes[::-1]] = rows[::-1]
        q_norm = norm[first]
        cq = _fuzzy_candidates(q_norm, np.asarray(uq, dtype=object), idx, params)
        if not cq.empty:
            # expand distinct names back to rows
            qrows = pd.DataFrame({"row": rows, "q": codes})
            c = qrows.merge(cq, on="q", how="inner")[["row", "acc", "score"]]
            bs = c.groupby("row")["score"].max()
            best_score[bs.index.to_numpy()] = bs.to_numpy()
            # the score already is the name similarity: the 'name' tie-breaker adds nothing here
            m, a = _resolve(c, feats(), params, threshold=params.fuzzy_threshold, skip=("name",))
            apply(m, a, "fuzzy_name", scored=True)
    lap("fuzzy_name")

    # --------------------------------------------------------------- assemble
    matched = acc_of >= 0
    status_code = np.where(matched, 0, np.where(ambiguous, 1, 2)).astype(np.int8)
    reason = np.full(n, None, dtype=object)
    um = status_code == 2
    email_present = e_codes >= 0
    web_present = w_codes >= 0
    corp_dom = (email_present & ~is_fm) | (web_present & ~web_fm)
    r_name = um & has_company
    reason[um & ~has_company & ~email_present & ~web_present] = "no company, e-mail or website"
    reason[um & ~has_company & ~corp_dom & (is_fm | web_fm)] = "free-mail address only"
    reason[um & ~has_company & corp_dom] = "e-mail/website domain not in accounts, no company name"
    reason[r_name & ~np.isnan(best_score)] = "no name candidate above threshold"
    reason[r_name & np.isnan(best_score)] = "no similar account name"
    if "email" in con.columns:
        raw_email = _arrow_strings(con["email"])
        has_raw = pc.fill_null(pc.is_valid(raw_email), False).to_numpy(zero_copy_only=False)
        reason[um & has_raw & ~email_present & ~has_company & ~web_present] = "e-mail not parseable, no company name"
    score = np.where(um & ~np.isnan(best_score), best_score, score)
    final = np.where(matched, idx.ultimate[np.maximum(acc_of, 0)] if params.rollup_to_parent else acc_of, -1)
    n_cand = np.zeros(n, dtype=np.int64)
    cand_txt = np.full(n, None, dtype=object)
    if amb_rows:
        A = pd.concat(amb_rows, ignore_index=True)
        n_cand_s = A.groupby("row").size()
        n_cand[n_cand_s.index.to_numpy()] = n_cand_s.to_numpy()
        A = A.groupby("row", sort=False).head(params.max_candidates_listed)
        lab = [
            f"{i} {nm} ({int(round(s))})"
            for i, nm, s in zip(
                idx.account_id[A["acc"].to_numpy()], idx.name[A["acc"].to_numpy()], A["score"].to_numpy(), strict=False
            )
        ]
        txt = pd.Series(lab, dtype=object).groupby(A["row"].to_numpy()).agg(" | ".join)
        cand_txt[txt.index.to_numpy()] = txt.to_numpy()

    def o(x):
        return pd.Series(x, dtype=object)

    def passthrough(name: str) -> pd.Series:
        return (
            con[name].reset_index(drop=True)
            if name in con.columns
            else pd.Series(pd.NA, index=range(n), dtype="string")
        )

    acc_ids = np.append(idx.account_id, None)
    table = pd.DataFrame(
        {
            "contact_id": passthrough("contact_id"),
            "status": pd.Categorical.from_codes(status_code, categories=list(STATUSES)),
            "account_id": o(acc_ids[final]),
            "matched_account_id": o(acc_ids[acc_of]),
            "match_method": o(np.where(um, None, method)),
            "match_confidence": np.where(matched, conf, np.nan),
            "match_score": score,
            "tie_break": o(tie),
            "reason": o(reason),
            "n_candidates": n_cand,
            "candidates": o(cand_txt),
            "source": passthrough("source"),
            "record_type": passthrough("record_type"),
            "company_name": passthrough("company_name"),
            "email_domain": o(decode(e_codes, e_doms)),
            "website_domain": o(decode(w_codes, w_doms)),
            "country": passthrough("country"),
        }
    )
    assert len(table) == n
    lap("assemble")
    return MappingResult(table=table, params=params, n_accounts=n_acc, timings=timings)


# --------------------------------------------------------------------------- touchpoints


def map_touchpoints(
    touchpoints: pd.DataFrame,
    contacts_mapped: pd.DataFrame | MappingResult,
    accounts: pd.DataFrame | None = None,
    params: MappingParams | None = None,
    index: AccountIndex | None = None,
) -> pd.DataFrame:
    """Give each touchpoint an account: the source's own ``account_id``, else its contact's
    mapped account, else the reverse-IP ``visitor_domain`` through the same domain lookup.

    Returns all touchpoint columns with ``account_id`` filled where mapped, plus ``status``
    (matched/ambiguous/unmatched), ``match_method`` (source_account / contact / reverse_ip_domain)
    and ``reason`` for the rest. Exactly one row per input touchpoint.
    """
    params = params or MappingParams()
    _require(touchpoints, ["touchpoint_id"], "touchpoints")
    cm = contacts_mapped.table if isinstance(contacts_mapped, MappingResult) else contacts_mapped
    tp = touchpoints.reset_index(drop=True).copy()
    n = len(tp)
    acc = np.full(n, None, dtype=object)
    status = np.full(n, "unmatched", dtype=object)
    meth = np.full(n, None, dtype=object)
    reason = np.full(n, None, dtype=object)
    src_acc = _col(tp, "account_id").to_numpy(dtype=object)
    has_src = pd.notna(src_acc)
    acc[has_src] = src_acc[has_src]
    status[has_src] = "matched"
    meth[has_src] = "source_account"
    cid = _col(tp, "contact_id")
    has_c = cid.notna().to_numpy() & ~has_src
    if has_c.any():
        pos = _positions(cid, cm["contact_id"])
        st_c = np.append(cm["status"].astype("string").to_numpy(dtype=object, na_value=""), "")
        ac_c = np.append(_as_object(cm["account_id"]), None)
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
    vd = _col(tp, "visitor_domain")
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
        d = _registered_array(vd.iloc[rows])
        fm = _isin(d, freemail_domains() | set(params.extra_freemail_domains))
        q = pd.DataFrame({"row": rows, "domain": pd.Series(d, dtype=object)})
        q = q[q["domain"].notna() & ~fm]
        c = q.merge(index.domains[["domain", "acc"]], on="domain", how="inner")
        size = c.groupby("row")["acc"].transform("size")
        one = c[size == 1]
        r = one["row"].to_numpy()
        a = one["acc"].to_numpy()
        a = index.ultimate[a] if params.rollup_to_parent else a
        acc[r] = index.account_id[a]
        status[r] = "matched"
        meth[r] = "reverse_ip_domain"
        many = c.loc[size > 1, "row"].unique()
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
    tp["reason"] = pd.array(np.where(status == "matched", None, reason), dtype="string")
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


# --------------------------------------------------------------------------- evaluation


def _correct_by_method(t: pd.DataFrame) -> pd.DataFrame:
    """Among matched rows of ``t`` (status, match_method, correct): rows and correct rows per method."""
    mt = (t["status"] == "matched").to_numpy()
    agg = pd.DataFrame({"m": _as_object(t["match_method"])[mt], "c": t["correct"].to_numpy()[mt]}).groupby("m")["c"]
    return pd.concat([agg.size(), agg.sum()], axis=1)


def evaluate_mapping(result: MappingResult | pd.DataFrame, truth_contacts: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall against known truth, per method and overall.

    ``truth_contacts`` needs contact_id and true_account_id (and optionally ``identifiable``).
    Compares ``matched_account_id`` (before any roll-up). Per method: rows matched, correct,
    precision (correct / matched) and the method's share of the recall (its correct matches /
    all rows, resp. / identifiable rows; the per-method recalls add up to the total). Row 'all':
    precision over all matched rows, ``recall`` = correct / all rows, ``recall_identifiable`` =
    correct / rows the data could identify (the generator's ``identifiable`` flag: CRM link,
    corporate e-mail, company name or website present).
    """
    t = result.table if isinstance(result, MappingResult) else result
    pos = _positions(t["contact_id"], truth_contacts["contact_id"])
    true_acc = np.append(_as_object(truth_contacts["true_account_id"]), None)[pos]
    if "identifiable" in truth_contacts.columns:
        ident_all = np.append(truth_contacts["identifiable"].fillna(True).to_numpy(dtype=bool), True)
        ident = pd.Series(ident_all[pos], index=t.index)
    else:
        ident = pd.Series(True, index=t.index)
    m = t[["status", "match_method"]].copy()
    got = _as_object(t["matched_account_id"])
    m["correct"] = (m["status"] == "matched").to_numpy() & pd.notna(got) & (got == true_acc)
    rows = []
    for meth, (size, corr) in _correct_by_method(m).iterrows():
        rows.append(
            {
                "method": meth,
                "rows": int(size),
                "matched": int(size),
                "correct": int(corr),
                "precision": corr / size,
                "recall": corr / max(len(m), 1),
                "recall_identifiable": corr / max(int(ident.sum()), 1),
            }
        )
    rows.sort(key=lambda r: METHODS.index(r["method"]) if r["method"] in METHODS else 99)
    mt = m["status"] == "matched"
    rows.append(
        {
            "method": "all",
            "rows": len(m),
            "matched": int(mt.sum()),
            "correct": int(m["correct"].sum()),
            "precision": m.loc[mt, "correct"].mean() if mt.any() else np.nan,
            "recall": m["correct"].mean(),
            "recall_identifiable": m.loc[ident.to_numpy(), "correct"].mean() if ident.any() else np.nan,
        }
    )
    out = pd.DataFrame(rows).set_index("method")
    out.attrs["n_identifiable"] = int(ident.sum())
    out.attrs["n_ambiguous"] = int((m["status"] == "ambiguous").sum())
    out.attrs["n_unmatched"] = int((m["status"] == "unmatched").sum())
    return out


def evaluate_touchpoints(tp_mapped: pd.DataFrame, truth_touchpoints: pd.DataFrame) -> pd.DataFrame:
    """Precision/recall of touchpoint accounts against truth, per match method and overall."""
    pos = _positions(tp_mapped["touchpoint_id"], truth_touchpoints["touchpoint_id"])
    true_acc = np.append(_as_object(truth_touchpoints["true_account_id"]), None)[pos]
    t = tp_mapped[["status", "match_method"]].copy()
    got = _as_object(tp_mapped["account_id"])
    t["correct"] = (t["status"] == "matched").to_numpy() & pd.notna(got) & (got == true_acc)
    rows = []
    for meth, (size, corr) in _correct_by_method(t).iterrows():
        rows.append(
            {"method": meth, "matched": int(size), "correct": int(corr), "precision": corr / size, "recall": np.nan}
        )
    mt = t["status"] == "matched"
    rows.append(
        {
            "method": "all",
            "matched": int(mt.sum()),
            "correct": int(t["correct"].sum()),
            "precision": t.loc[mt, "correct"].mean() if mt.any() else np.nan,
            "recall": t["correct"].mean(),
        }
    )
    return pd.DataFrame(rows).set_index("method")


# --------------------------------------------------------------------------- one call for notebook 03


@dataclass
class MappingRun:
    """Everything notebook 03 produces: mapped contacts (with personas), mapped touchpoints,
    committee coverage per account, persona involvement in won vs lost deals, and (on
    synthetic data) the accuracy against truth."""

    result: MappingResult
    contacts: pd.DataFrame  # contacts_mapped: mapping + persona columns
    touchpoints: pd.DataFrame  # touchpoints_mapped
    coverage: pd.DataFrame  # committee_coverage
    involvement: pd.DataFrame  # persona_involvement
    accuracy: pd.DataFrame | None = None  # evaluate_mapping (synthetic data only)
    tp_accuracy: pd.DataFrame | None = None  # evaluate_touchpoints (synthetic data only)
    seconds: float = 0.0

    CONTACT_COLUMNS = (
        "contact_id",
        "status",
        "account_id",
        "match_method",
        "match_confidence",
        "persona_function",
        "persona_seniority",
        "is_key_persona",
        "matched_account_id",
        "match_score",
        "tie_break",
        "reason",
        "source",
        "record_type",
    )

    def match_rates(self) -> pd.DataFrame:
        """Rates by source, status and method for contacts and for touchpoints (one table)."""
        return pd.concat([self.result.match_rates(), touchpoint_match_rates(self.touchpoints)], ignore_index=True)

    def headline(self) -> dict:
        """Headline figures (JSON-able) for the run summary."""
        c = self.result.counts()
        n = max(sum(c.values()), 1)
        t = self.touchpoints
        anon = t["contact_id"].isna()
        out = {
            "contacts": int(n),
            "matched": c["matched"],
            "ambiguous": c["ambiguous"],
            "unmatched": c["unmatched"],
            "match_rate": c["matched"] / n,
            "by_method": {k: int(v) for k, v in self.result.method_table()["n"].items()},
            "touchpoints": int(len(t)),
            "touchpoint_match_rate": float((t["status"] == "matched").mean()) if len(t) else None,
            "anonymous_visits": int(anon.sum()),
            "anonymous_match_rate": float((t.loc[anon, "status"] == "matched").mean()) if anon.any() else None,
            "accounts_with_key_persona": int((self.coverage["n_key_personas"] > 0).sum()),
            "mean_coverage_share": float(self.coverage["coverage_share"].mean()),
            "mean_engaged_share": float(self.coverage["engaged_share"].mean()),
            "seconds": round(self.seconds, 2),
        }
        if self.accuracy is not None:
            a = self.accuracy.loc["all"]
            out.update(
                {
                    "precision": float(a["precision"]),
                    "recall": float(a["recall"]),
                    "recall_identifiable": float(a["recall_identifiable"]),
                    "precision_by_method": {k: float(v) for k, v in self.accuracy["precision"].drop("all").items()},
                }
            )
        return out

    def executive_summary(self) -> str:
        """3–5 sentences of Markdown with the key numbers (generated, never hard-coded)."""
        h = self.headline()
        meth = self.result.method_table()
        top = meth["n"].idxmax() if len(meth) else "-"
        reasons = self.result.unmatched["reason"].value_counts()
        why = (
            f", most often: {reasons.index[0]} ({reasons.iloc[0] / max(h['unmatched'], 1):.0%})" if len(reasons) else ""
        )
        s = [
            f"**{h['match_rate']:.1%}** of {h['contacts']:,} contacts and leads were tied to an account "
            f"({h['matched']:,}); {h['ambiguous']:,} wait in the ambiguous review queue and {h['unmatched']:,} "
            f"are unmatched{why}."
        ]
        s.append(
            f"The most used step was **{top.replace('_', ' ')}** ({meth.loc[top, 'n']:,} rows); fuzzy name "
            f"matching placed {int(meth['n'].get('fuzzy_name', 0)):,} rows that exact keys missed."
        )
        if h["anonymous_match_rate"] is not None:
            s.append(
                f"{h['anonymous_match_rate']:.1%} of {h['anonymous_visits']:,} anonymous web visits were tied to an "
                f"account through their reverse-IP domain; {h['touchpoint_match_rate']:.1%} of all touchpoints now carry an account."
            )
        if "precision" in h:
            s.append(
                f"Against the synthetic world's truth the matches are **{h['precision']:.2%} precise**, with recall "
                f"{h['recall_identifiable']:.2%} over identifiable leads ({h['recall']:.2%} over all leads)."
            )
        s.append(
            f"{h['accounts_with_key_persona']:,} accounts have at least one buying-committee persona; on average "
            f"{h['mean_coverage_share']:.0%} of committee seats are known and {h['mean_engaged_share']:.0%} engaged in the window."
        )
        return " ".join(s)

    def save(self, ctx) -> dict[str, str]:
        """Write the notebook's artefacts into the run folder; returns {name: path}."""
        paths = {}
        cm = self.contacts[[c for c in self.CONTACT_COLUMNS if c in self.contacts.columns]].copy()
        for c in cm.columns:
            if c == "status" or cm[c].dtype == object or str(cm[c].dtype) == "str":
                cm[c] = cm[c].astype("string")
        p = ctx.path("contacts_mapped.parquet")
        cm.to_parquet(p, index=False)
        paths["contacts_mapped"] = str(p)
        p = ctx.path("touchpoints_mapped.parquet")
        self.touchpoints.to_parquet(p, index=False)
        paths["touchpoints_mapped"] = str(p)
        for name, df in (
            ("review_ambiguous.csv", self.result.ambiguous),
            ("review_unmatched.csv", self.result.unmatched),
            ("match_rates.csv", self.match_rates()),
        ):
            p = ctx.path(name)
            df.to_csv(p, index=False)
            paths[name] = str(p)
        p = ctx.path("committee_coverage.parquet")
        self.coverage.to_parquet(p, index=False)
        paths["committee_coverage"] = str(p)
        ctx.save_summary("mapping", self.headline())
        return paths


def run_mapping(
    tables: dict[str, pd.DataFrame],
    params: MappingParams,
    window_start,
    window_end,
    truth: dict[str, pd.DataFrame] | None = None,
) -> MappingRun:
    """Notebook 03 in one call: map contacts and touchpoints, parse personas, committee
    coverage in the window [window_start, window_end], involvement in won vs lost deals,
    and accuracy against ``truth`` when given (synthetic data)."""
    import time

    from .personas import committee_coverage, committee_flags, parse_titles, persona_involvement

    t = time.perf_counter()
    idx = AccountIndex.build(tables["accounts"], params)
    res = map_contacts(tables["contacts"], tables["accounts"], params, index=idx)
    tp = map_touchpoints(tables["touchpoints"], res, tables["accounts"], params, index=idx)
    con = tables["contacts"].reset_index(drop=True)
    titles = con["job_title"] if "job_title" in con.columns else pd.Series(pd.NA, index=con.index, dtype="string")
    per = parse_titles(titles)
    cm = pd.concat([res.table.reset_index(drop=True), per.reset_index(drop=True)], axis=1)
    cm["is_key_persona"] = (
        committee_flags(cm, params.committee)["is_key_persona"].to_numpy() & (cm["status"] == "matched").to_numpy()
    )
    cov = committee_coverage(cm, tp, tables["accounts"], params, window_start, window_end)
    inv = persona_involvement(tables["opportunities"], cm, tp, params)
    acc = tp_acc = None
    if truth is not None and "contacts" in truth:
        acc = evaluate_mapping(res, truth["contacts"])
        if "touchpoints" in truth and not params.rollup_to_parent:
            tp_acc = evaluate_touchpoints(tp, truth["touchpoints"])
    return MappingRun(
        result=res,
        contacts=cm,
        touchpoints=tp,
        coverage=cov,
        involvement=inv,
        accuracy=acc,
        tp_accuracy=tp_acc,
        seconds=time.perf_counter() - t,
    )


# --------------------------------------------------------------------------- widget


def match_explorer(result: MappingResult):
    """Interactive view (ipywidgets): rows by status and method for one lead source, with a
    minimum-confidence slider showing how many matches a stricter cut-off would send to review.

    Returns a ``widgets.VBox`` (source dropdown, confidence slider, HTML table). Counts only,
    no personal data. The HTML updates when a control changes (testable without a browser).
    """
    import ipywidgets as widgets

    t = result.table
    sources = ["all"] + sorted(t["source"].dropna().astype(str).unique().tolist())
    dd = widgets.Dropdown(options=sources, value="all", description="Source")
    sl = widgets.FloatSlider(
        value=0.0, min=0.0, max=1.0, step=0.01, description="Min conf.", continuous_update=False, readout_format=".2f"
    )
    out = widgets.HTML()

    def render(*_):
        g = t if dd.value == "all" else t[t["source"].astype("string") == dd.value]
        status = g["status"].astype(str).to_numpy().copy()
        low = (status == "matched") & (g["match_confidence"].fillna(0).to_numpy() < sl.value)
        status[low] = "below min confidence"
        meth = g["match_method"].astype("string").fillna("-").to_numpy()
        tab = pd.DataFrame({"status": status, "method": meth}).value_counts().rename("rows").reset_index()
        tab["share"] = (tab["rows"] / max(len(g), 1)).map(lambda v: f"{v:.1%}")
        tab = tab.sort_values(["status", "rows"], ascending=[True, False])
        out.value = f"<b>{len(g):,} rows</b>; {int(low.sum()):,} matches below confidence {sl.value:.2f}" + tab.to_html(
            index=False
        )

    dd.observe(render, names="value")
    sl.observe(render, names="value")
    render()
    return widgets.VBox([widgets.HBox([dd, sl]), out])
