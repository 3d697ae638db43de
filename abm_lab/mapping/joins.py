"""The key joins of the cascade's exact steps, defined once in portable SQL and run on a compute engine.

The ``email_domain``, ``website`` and ``exact_name`` steps (and the reverse-IP step of the touchpoints) all ask
the same question: which accounts carry this key? Keys are normalised in Python first (registered domain,
compact company name: :mod:`abm_lab.mapping.domains`, :mod:`abm_lab.mapping.names`) and reduced to their
distinct values, one code per value; :data:`KEY_JOIN_SQL` then joins them with the accounts' keys on the engine
(:mod:`abm_lab.compute`: DuckDB in process by default, Spark when ``compute.engine: spark``). What to do with
a key shared by several accounts (the tie-breakers) stays in Python.

The result is engine-neutral: integer columns as ``int64`` and rows in the order of the accounts' key table
(``pos``), sorted in pandas after the query, so every engine hands the cascade the very same candidates.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..compute import Engine, open_engine
from .index import AccountIndex

__all__ = ["KEY_JOIN_SQL", "CANDIDATE_COLUMNS", "domain_keys", "name_keys", "key_candidates"]

#: The one definition (DuckDB dialect; sqlglot writes it for Spark). ``{keys}``: step (code), key (code), value;
#: ``{accounts}``: value, acc (account position in the index), pos (row of the accounts' key table).
#: Per (step, key): every account carrying the value.
KEY_JOIN_SQL = """
SELECT k.step, k.key, a.acc, a.pos
FROM {keys} AS k
JOIN {accounts} AS a ON a.value = k.value
"""

#: Columns of :func:`key_candidates`'s frames.
CANDIDATE_COLUMNS = ("key", "acc", "pos", "n_acc")

#: Suffix of the registered table names: a new pair of names per call, so that no engine reads a table
#: (on Spark: a Parquet file) that a later call of the same engine has replaced.
_CALLS = itertools.count()


def domain_keys(index: AccountIndex) -> pd.DataFrame:
    """The accounts' registered domains as a key table (value, acc, pos): domain, website, alternative
    domains, free-mail domains already left out by the index. Built once per index."""
    if "domains" not in index.key_tables:
        index.key_tables["domains"] = _key_table(index.domains["domain"], index.domains["acc"])
    return index.key_tables["domains"]


def name_keys(index: AccountIndex) -> pd.DataFrame:
    """The accounts' compact normalised names as a key table (value, acc, pos); blank names left out.
    Built once per index."""
    if "names" not in index.key_tables:
        index.key_tables["names"] = _key_table(index.names["compact"], index.names["acc"])
    return index.key_tables["names"]


def _key_table(values: pd.Series, acc: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "value": _strings(values.to_numpy(dtype=object)),
            "acc": acc.to_numpy(dtype=np.int64),
            "pos": np.arange(len(values), dtype=np.int64),
        }
    )


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=np.int64) for c in CANDIDATE_COLUMNS})


def key_candidates(
    keys: Iterable[tuple[str, np.ndarray, np.ndarray]],
    accounts: pd.DataFrame,
    eng: Engine | None = None,
) -> dict[str, pd.DataFrame]:
    """Candidate accounts per key, by :data:`KEY_JOIN_SQL` on ``eng`` (a short-lived DuckDB engine if None).

    ``keys``: (step, codes, values) per step — distinct codes and the normalised key value of each (no nulls,
    no duplicates within a step); ``accounts``: :func:`domain_keys` or :func:`name_keys`. Returns, per step,
    a frame (key, acc, pos, n_acc) of ``int64`` columns with one row per (key, account), in ``pos`` order (the
    order of the accounts' key table), whichever engine ran the join; keys without an account have no row.
    ``n_acc``, the accounts per key, is counted here from the join's rows (a window count in the query cost
    DuckDB as much as the join itself).
    """
    parts = []
    steps = []
    for i, (step, codes, values) in enumerate(keys):
        steps.append(step)
        if len(codes):
            parts.append(
                pd.DataFrame(
                    {
                        "step": np.full(len(codes), i, dtype=np.int64),
                        "key": np.asarray(codes, dtype=np.int64),
                        "value": _strings(values),
                    }
                )
            )
    out = {s: _empty() for s in steps}
    if not parts or accounts.empty:
        return out
    k = pd.concat(parts, ignore_index=True)
    n = next(_CALLS)
    names = {"keys": f"mapping_keys_{n}", "accounts": f"mapping_account_keys_{n}"}
    with open_engine(eng) as e:
        e.register(names["keys"], k)
        e.register(names["accounts"], accounts)
        got = e.sql(KEY_JOIN_SQL.format(**names))
    step_of = got["step"].to_numpy(dtype=np.int64)
    for i, step in enumerate(steps):
        g = got[step_of == i]
        pos = g["pos"].to_numpy(dtype=np.int64)
        order = np.argsort(pos, kind="stable")  # the accounts' key order, whatever order the engine returned
        key = g["key"].to_numpy(dtype=np.int64)[order]
        n_acc = np.bincount(key)[key] if len(key) else key
        out[step] = pd.DataFrame(
            {"key": key, "acc": g["acc"].to_numpy(dtype=np.int64)[order], "pos": pos[order], "n_acc": n_acc}
        )
    return out


def _strings(values: np.ndarray) -> pd.Series:
    """Key values as an Arrow-backed string column (both engines read it without a per-string conversion)."""
    import pyarrow as pa

    return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(np.asarray(values, dtype=object), type=pa.string())))
