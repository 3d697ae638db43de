"""One definition of the exact steps' key joins, two engines: Spark gives the DuckDB result, DuckDB the old one.

The world: the shared 600-account synthetic world plus the hand-made accounts and leads of the conftest (shared
alternative domains, country tie-breaks, typos between two accounts), so that keys of one account, keys of
several accounts, tie-breaks and ambiguous rows all occur. Spark is slow: the parity test runs one mapping
(three queries) on it and checks both the join outputs and the mapped tables.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from abm_lab.compute import DuckDBEngine, Engine
from abm_lab.config.compute import ComputeParams
from abm_lab.config.mapping import MappingParams
from abm_lab.mapping import AccountIndex, map_contacts, map_touchpoints
from abm_lab.mapping.joins import CANDIDATE_COLUMNS, domain_keys, key_candidates, name_keys

from .conftest import ACCOUNTS, LEADS


class Recording(Engine):
    """An engine that runs every query on ``inner`` and keeps the raw results (the join step outputs)."""

    def __init__(self, inner: Engine) -> None:
        self.inner = inner
        self.name = inner.name
        self.results: list[pd.DataFrame] = []

    def register(self, name: str, data: Any) -> None:
        self.inner.register(name, data)

    def sql(self, query: str) -> pd.DataFrame:
        out = self.inner.sql(query)
        self.results.append(out)
        return out


@pytest.fixture(scope="module")
def mixed(world):
    """accounts, contacts, touchpoints, truth of the 600-account world with the hand-made cases appended."""
    acc = pd.concat([world.tables["accounts"], ACCOUNTS], ignore_index=True)
    con = pd.concat([world.tables["contacts"], LEADS], ignore_index=True)
    hand_tp = pd.DataFrame(
        {
            "touchpoint_id": ["h1", "h2", "h3", "h4"],
            "visitor_domain": ["cedar.io", "www.northwind.io", "gmail.com", "nowhere-corp.com"],
        }
    )
    tp = pd.concat([world.tables["touchpoints"], hand_tp], ignore_index=True)
    return acc, con, tp


def _map(mixed, eng: Engine | None, params: MappingParams | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    acc, con, tp = mixed
    params = params or MappingParams()
    idx = AccountIndex.build(acc, params)
    res = map_contacts(con, acc, params, index=idx, engine=eng)
    return res.table, map_touchpoints(tp, res, acc, params, index=idx, engine=eng)


@pytest.fixture(scope="module")
def duckdb_run(mixed):
    """The mapping on a recording DuckDB engine: (raw join results, contacts mapped, touchpoints mapped)."""
    eng = Recording(DuckDBEngine())
    cm, tp = _map(mixed, eng)
    eng.inner.close()
    return eng.results, cm, tp


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["step", "key", "pos"], kind="stable").reset_index(drop=True)


def test_spark_joins_and_mapping_equal_duckdb(mixed, duckdb_run, spark_engine):
    raw, cm, tp = duckdb_run
    eng = Recording(spark_engine)
    got_cm, got_tp = _map(mixed, eng)
    # the join step outputs: one query per call (domains, exact names, visitor domains), row for row
    assert len(eng.results) == len(raw) == 3
    for got, want in zip(eng.results, raw, strict=True):
        pdt.assert_frame_equal(_sorted(got), _sorted(want), check_exact=True)
    assert pd.concat(raw).duplicated(["step", "key"]).any()  # keys shared by several accounts reached the join
    # and everything built on them
    pdt.assert_frame_equal(got_cm, cm, check_exact=True)
    pdt.assert_frame_equal(got_tp, tp, check_exact=True)


def test_mixed_world_exercises_every_outcome(duckdb_run):
    _, cm, tp = duckdb_run
    assert {"matched", "ambiguous", "unmatched"} <= set(cm["status"])
    assert {"email_domain", "website", "exact_name", "fuzzy_name", "crm_link"} <= set(cm["match_method"].dropna())
    assert cm["tie_break"].notna().any()
    assert (tp["match_method"] == "reverse_ip_domain").any() and (tp["status"] == "ambiguous").any()


def _oracle_key_candidates(keys, accounts, eng=None) -> dict[str, pd.DataFrame]:
    """The key join as the cascade did it before the engine: a Python dict from value to key per step,
    looked up for every row of the accounts' key table in its order."""
    out = {}
    for step, codes, values in keys:
        lookup = dict(zip(list(values), list(codes), strict=True))
        rows = [
            (lookup[v], a, p)
            for v, a, p in zip(accounts["value"], accounts["acc"], accounts["pos"], strict=True)
            if v in lookup
        ]
        f = pd.DataFrame(rows, columns=["key", "acc", "pos"], dtype=np.int64)
        f["n_acc"] = f.groupby("key")["acc"].transform("size").astype(np.int64)
        out[step] = f[list(CANDIDATE_COLUMNS)].reset_index(drop=True)
    return out


@pytest.mark.parametrize("params", [MappingParams(), MappingParams(rollup_to_parent=True, use_crm_link=False)])
def test_duckdb_path_equals_dict_lookup(mixed, monkeypatch, params):
    """The DuckDB join gives the cascade exactly what a plain dict lookup (the pre-engine definition) gives."""
    want_cm, want_tp = _map(mixed, None, params)
    for mod in ("abm_lab.mapping.cascade", "abm_lab.mapping.touchpoints"):
        monkeypatch.setattr(f"{mod}.key_candidates", _oracle_key_candidates)
    got_cm, got_tp = _map(mixed, None, params)
    pdt.assert_frame_equal(got_cm, want_cm, check_exact=True)
    pdt.assert_frame_equal(got_tp, want_tp, check_exact=True)


def test_exact_steps_against_truth(world, duckdb_run):
    """On the synthetic rows, the exact steps place contacts on their true account (precision >= 99%), and
    every row whose corporate e-mail domain belongs to exactly one account is placed there by that step."""
    _, cm, _ = duckdb_run
    truth = world.truth["contacts"].set_index("contact_id")["true_account_id"]
    syn = cm.iloc[: len(world.tables["contacts"])]
    for method in ("email_domain", "website", "exact_name"):
        m = syn[(syn["status"] == "matched") & (syn["match_method"] == method)]
        assert len(m) > 0, method
        ok = m["matched_account_id"].to_numpy(dtype=object) == truth.reindex(m["contact_id"]).to_numpy(dtype=object)
        assert ok.mean() >= 0.99, method
    # independent of the engine: account domains -> accounts, with pandas alone
    acc = world.tables["accounts"]
    idx = AccountIndex.build(acc, MappingParams())
    per_domain = idx.domains.groupby("domain")["acc"].agg(list)
    solo = {d: idx.account_id[a[0]] for d, a in per_domain.items() if len(a) == 1}
    e = syn[syn["match_method"] != "crm_link"]
    expect = e["email_domain"].map(solo)
    has = expect.notna().to_numpy()
    assert has.sum() > 1000
    assert (e.loc[has, "match_method"] == "email_domain").all()
    assert (e.loc[has, "matched_account_id"].to_numpy(dtype=object) == expect[has].to_numpy(dtype=object)).all()


def test_key_candidates_shape_and_order():
    """Candidates per step in the accounts' key order, counted per key; empty steps keep int64 columns."""
    idx = AccountIndex.build(ACCOUNTS, MappingParams())
    dk = domain_keys(idx)
    keys = [
        ("a", np.array([0, 1, 2]), np.array(["cedar.io", "bluepeak.io", "nope.com"], dtype=object)),
        ("b", np.array([5]), np.array(["cedar.io"], dtype=object)),
        ("c", np.array([], dtype=np.int64), np.array([], dtype=object)),
    ]
    got = key_candidates(keys, dk)
    a = got["a"]
    cedar = dk.loc[dk["value"] == "cedar.io"]
    want = pd.DataFrame({"key": [0, 1, 2], "value": ["cedar.io", "bluepeak.io", "nope.com"]}).merge(dk, on="value")
    want = want.sort_values("pos").reset_index(drop=True)
    assert a[["key", "acc", "pos"]].equals(want[["key", "acc", "pos"]].astype(np.int64))
    assert set(a.loc[a["key"] == 0, "acc"]) == set(cedar["acc"]) and len(cedar) == 2
    assert list(a.loc[a["key"] == 0, "n_acc"]) == [2, 2] and list(a.loc[a["key"] == 1, "n_acc"]) == [1]
    assert a["pos"].is_monotonic_increasing
    assert list(got["b"]["acc"]) == list(cedar["acc"]) and list(got["b"]["key"]) == [5, 5]
    assert got["c"].empty and list(got["c"].columns) == list(CANDIDATE_COLUMNS)
    assert all(str(t) == "int64" for f in got.values() for t in f.dtypes)
    nk = name_keys(idx)
    assert len(nk) == len(ACCOUNTS) and nk["pos"].tolist() == list(range(len(ACCOUNTS)))


def test_compute_params_reach_the_engine(run_context, monkeypatch):
    """The stage runs its joins on an engine made from ctx.params.compute (one engine for the whole stage)."""
    from abm_lab.mapping import stage

    seen: list[Any] = []

    def spy(p=None):
        seen.append(p)
        return DuckDBEngine()

    engine_module = importlib.import_module("abm_lab.compute.engine")  # (the package exports a function 'engine')
    monkeypatch.setattr(engine_module, "make_engine", spy)  # what open_engine calls when not given one
    run_context.params.compute = ComputeParams(float_digits=7)
    run = stage.run_stage(run_context)
    assert seen == [run_context.params.compute]
    assert run.result.counts()["matched"] > 0
