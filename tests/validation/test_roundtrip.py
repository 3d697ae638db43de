"""The export round trip (issue 13, item 6): the small synthetic world re-exported as Salesforce and HubSpot files
and loaded through the presets gives the canonical headline figures; and the checks fail when an export loses
what they check (customer flags blanked, programme targets dropped, no costs)."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm_lab.config.validation import RoundTripParams
from abm_lab.synth.exports import Export
from abm_lab.validation.roundtrip import (
    canonical_headline,
    compose_export,
    identity_export,
    round_trip,
)

#: Same for both paths (never data params): the fewest bootstrap replicates the schema allows, for speed.
OVERLAY = {"roi": {"lift": {"n_boot": 19}}}
AS_OF = "2026-12-31"
#: Share of customers / programme targets a faulty export loses: twice the target-list tolerance.
FAULT_SHARE = 0.1


CRM = ("salesforce", "hubspot")


def _available(kind: str) -> bool:
    names = [f"abm_lab.synth.exports.{kind}", f"abm_lab.data.presets.{kind}", "abm_lab.synth.exports.webvisits"]
    if kind == "hubspot":
        names.append("abm_lab.synth.exports.linkedin")
    return all(importlib.util.find_spec(n) is not None for n in names)


@pytest.fixture(scope="module")
def world(small_world):
    return small_world.tables


@pytest.fixture(scope="module")
def canon(world, tmp_path_factory):
    return canonical_headline(world, tmp_path_factory.mktemp("canonical"), OVERLAY)


@pytest.fixture(scope="module")
def exports(world, tmp_path_factory):
    """Each CRM export of the small world, written once (kind -> Export); None when not yet available."""
    out = {}
    for kind in CRM:
        out[kind] = (
            compose_export(kind, world, tmp_path_factory.mktemp(kind), AS_OF, seed=0) if _available(kind) else None
        )
    return out


def _exported(exports, kind: str) -> Export:
    if exports[kind] is None:
        pytest.xfail(f"{kind} exporter or preset not yet available")
    return exports[kind]


def _copy(ex: Export, out: Path) -> Export:
    """The export's files copied to ``out`` (to edit them) with its data block pointing there."""
    shutil.copytree(ex.folder, out)
    return Export(out, {**ex.data, "path": str(out)}, ex.ids)


def _edit_csv(path: Path, key: str, ids: set[str], column: str) -> int:
    """Blank ``column`` on the rows of ``path`` whose ``key`` is in ``ids``; returns how many rows."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    hit = df[key].isin(ids)
    df.loc[hit, column] = ""
    df.to_csv(path, index=False, quoting=csv.QUOTE_ALL)
    return int(hit.sum())


#: Where each export keeps the customer flag: (file, id column, flag column).
CUSTOMER_FIELD = {
    "salesforce": ("Account.csv", "Id", "Type"),
    "hubspot": ("hubspot-crm-exports-all-companies-*.csv", "Record ID", "Lifecycle Stage"),
}


def _drop_share(ids: pd.Series, seed: int = 0) -> set[str]:
    rng = np.random.default_rng(seed)
    u = np.unique(ids.dropna().astype(str).to_numpy())
    return set(rng.choice(u, size=int(round(FAULT_SHARE * len(u))), replace=False))


def test_identity_round_trip_reproduces_every_figure(world, canon, tmp_path):
    rt = round_trip(world, identity_export, tmp_path, OVERLAY, kind="canonical", canonical=canon)
    assert rt.passed, rt.summary()
    imp = rt.imported
    assert imp.customers == canon.customers and imp.graded_targets == canon.graded_targets
    assert imp.engaged == canon.engaged and imp.mqa == canon.mqa
    assert imp.roi == canon.roi
    # the canonical figures are the world's own: customers and programme members as generated
    acc = world["accounts"]
    assert canon.customers == set(acc.loc[acc["is_customer"], "account_id"])
    assert canon.program_targets == set(world["programs"]["account_id"])
    assert canon.roi is not None and canon.roi["ci_low"] <= canon.roi["estimate"] <= canon.roi["ci_high"]
    assert len(canon.engaged) > 0 and len(canon.mqa) > 0 and len(canon.graded_targets) > 0
    assert "Round trip" in rt.summary().as_text()


@pytest.mark.parametrize("kind", CRM)
def test_crm_round_trip_passes(world, canon, exports, tmp_path, kind):
    ex = _exported(exports, kind)
    rt = round_trip(world, lambda tables, out: ex, tmp_path, OVERLAY, kind=kind, canonical=canon)
    assert rt.passed, rt.summary().as_text()
    assert ex.data.get("preset") == kind
    # the crosswalk maps every canonical account to one exported id, and exported ids are the tool's own
    xw = ex.ids["accounts"]
    assert set(xw.index) == set(world["accounts"]["account_id"]) and xw.is_unique
    assert not set(xw.astype(str)).intersection(world["accounts"]["account_id"])


@pytest.mark.parametrize("kind", ["identity", *CRM])
def test_blanked_customer_flags_fail_the_customers_check(world, canon, exports, tmp_path, kind):
    acc = world["accounts"]
    lost = _drop_share(acc.loc[acc["is_customer"], "account_id"])
    if kind == "identity":

        def faulty(tables, out):
            a = tables["accounts"].copy()
            a["is_customer"] = a["is_customer"] & ~a["account_id"].isin(lost)
            return identity_export({**tables, "accounts": a}, out)

    else:
        src = _exported(exports, kind)

        def faulty(tables, out):
            ex = _copy(src, out)
            pattern, key, col = CUSTOMER_FIELD[kind]
            (path,) = out.glob(pattern)
            assert _edit_csv(path, key, set(src.ids["accounts"].reindex(list(lost)).astype(str)), col) == len(lost)
            return ex

    rt = round_trip(world, faulty, tmp_path, OVERLAY, kind=kind, canonical=canon)
    assert "customers" in rt.failed()
    assert rt.imported.customers == canon.customers - lost


def test_dropped_programme_targets_fail_the_target_check(world, canon, tmp_path):
    lost = _drop_share(world["programs"]["account_id"])

    def faulty(tables, out):
        prog = tables["programs"]
        return identity_export({**tables, "programs": prog.loc[~prog["account_id"].isin(lost)]}, out)

    rt = round_trip(world, faulty, tmp_path, OVERLAY, kind="faulty", canonical=canon)
    assert "programme targets" in rt.failed()
    assert "customers" not in rt.failed()
    assert rt.imported.program_targets == canon.program_targets - lost


def test_an_export_without_costs_fails_the_roi_check(world, canon, tmp_path):
    def faulty(tables, out):
        return identity_export({k: v for k, v in tables.items() if k != "costs"}, out)

    rt = round_trip(world, faulty, tmp_path, OVERLAY, kind="faulty", canonical=canon)
    assert rt.failed() == ["ROI (realised)"]
    assert rt.imported.roi is None or rt.imported.roi_error is not None


def test_compare_funnel_tolerance_is_relative_with_an_absolute_floor(canon):
    from dataclasses import replace

    from abm_lab.validation.roundtrip import compare

    tol = RoundTripParams()
    eng = sorted(canon.engaged)
    n_ok = max(int(tol.funnel_rel_tol * len(eng)), tol.funnel_abs_tol)
    ok = replace(canon, engaged=frozenset(eng[n_ok:]))
    bad = replace(canon, engaged=frozenset(eng[n_ok + 1 :]))
    assert "engaged accounts" not in compare("x", canon, ok, tol).failed()
    assert "engaged accounts" in compare("x", canon, bad, tol).failed()
