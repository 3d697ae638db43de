"""Fixtures of the ROI tests: a hand-made four-account dataset, synthetic worlds with a known lift, Maven CRM."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from abm_lab.config import DemoParams, LiftTruth
from abm_lab.mapping.resolve import resolve_touch_accounts
from abm_lab.synth import world_dataset

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-12-31"


def truth_touch_accounts(ds):
    """Touches with their account from the synthetic truth (tests only; product code reads the mapping)."""
    return resolve_touch_accounts(
        ds.tables["touchpoints"], fallback=ds.truth["touchpoints"], fallback_column="true_account_id"
    )


def lift_world(seed: int, lt: LiftTruth, n: int = 1500):
    """A synthetic world with lift ``lt`` and its touches tied to accounts by the truth."""
    ds = world_dataset(DemoParams(seed=seed, n_accounts=n, n_contacts=3000, n_touchpoints=8000, lift=lt), AS_OF)
    return ds, truth_touch_accounts(ds)


@pytest.fixture(scope="session")
def touch_accounts():
    """:func:`truth_touch_accounts` (a fixture, so test modules need not import this conftest)."""
    return truth_touch_accounts


@pytest.fixture(scope="session")
def make_lift_world():
    """:func:`lift_world`."""
    return lift_world


@pytest.fixture(scope="session")
def lifted():
    """A world with a large true lift, its lift result (with ROI) and the true effects."""
    from abm_lab.roi import program_lift
    from abm_lab.validation.lift import truth_effects

    ds, tp = lift_world(21, LiftTruth(opp_rate=0.8, win_rate=0.15, deal_size=0.25))
    res = program_lift(ds.tables, tp, as_of=AS_OF)
    return ds, res, truth_effects(ds.truth["accounts"], ds.truth_meta)


@pytest.fixture(scope="session")
def reported():
    """A world with a large true lift, its lift report (run_lift: the notebook's code path) and the true effects."""
    from abm_lab.config import RoiParams
    from abm_lab.roi import run_lift
    from abm_lab.validation.lift import true_effects

    ds, tp = lift_world(21, LiftTruth(opp_rate=0.8, win_rate=0.15, deal_size=0.25))
    report = run_lift(ds.tables, tp, as_of=AS_OF, params=RoiParams())
    return ds, report, true_effects(ds.truth, ds.tables, AS_OF, RoiParams())


@pytest.fixture(scope="session")
def null_world():
    """A world where the program has no effect, and its lift result."""
    from abm_lab.roi import program_lift

    ds, tp = lift_world(22, LiftTruth(opp_rate=0.0, win_rate=0.0, deal_size=0.0))
    return ds, program_lift(ds.tables, tp, as_of=AS_OF)


@pytest.fixture(scope="session")
def world():
    """A 600-account synthetic world and its touches with accounts from the truth."""
    ds = world_dataset(DemoParams(seed=11, n_accounts=600, n_contacts=3000, n_touchpoints=30000), AS_OF)
    return ds, truth_touch_accounts(ds)


@pytest.fixture()
def tiny():
    """Four accounts, nine touches, four opportunities and one program member (a1), by hand."""
    accounts = pd.DataFrame(
        {
            "account_id": ["a1", "a2", "a3", "a4"],
            "industry": ["x", "x", "y", None],
            "is_customer": [False, False, False, True],
        }
    )

    def ts(v):
        return pd.to_datetime(v, format="ISO8601")

    touch = pd.DataFrame(
        {
            "touchpoint_id": [f"t{i}" for i in range(9)],
            "timestamp": ts(
                [
                    "2026-10-02",
                    "2026-10-03",
                    "2026-11-01",
                    "2026-12-01",
                    "2026-12-20",
                    "2026-11-05",
                    "2026-09-01",
                    "2026-12-30",
                    "2026-12-31 23:00",
                ]
            ),
            "account_id": ["a1", "a1", "a1", "a1", "a1", "a2", "a3", "a3", None],
            "contact_id": ["c1", "c2", "c1", "c2", "c1", "c3", "c4", None, "c9"],
        }
    )
    opps = pd.DataFrame(
        {
            "opportunity_id": ["o1", "o2", "o3", "o4"],
            "account_id": ["a1", "a2", "a3", "a1"],
            "created_date": ts(["2026-12-05", "2026-11-10", "2026-06-01", "2026-10-15"]),
            "close_date": ts(["2026-12-28", pd.NaT, "2026-10-20", pd.NaT]),
            "amount": [100.0, 50.0, 30.0, 20.0],
            "is_won": [True, False, True, False],
            "is_closed": [True, False, True, False],
            "stage": ["closed_won", "discovery", "closed_won", "proposal"],
        }
    )
    programs = pd.DataFrame(
        {"program_id": ["P"], "account_id": ["a1"], "tier": ["strategic"], "start_date": ts(["2026-01-01"])}
    )
    return {"accounts": accounts, "touchpoints": touch, "opportunities": opps, "programs": programs}


MAVEN = next(
    (
        p
        for p in (ROOT / "data" / "real" / "maven_crm", ROOT.parent / "shared" / "datasets" / "maven_crm")
        if (p / "sales_pipeline.csv").exists()
    ),
    None,
)


@pytest.fixture(scope="session")
def maven():
    """Maven CRM as loaded by ABM Lab, and its raw pipeline with sectors (for recomputing KPIs by hand)."""
    if MAVEN is None:
        pytest.skip(
            "Maven CRM data not found in data/real/maven_crm or ../shared/datasets/maven_crm; "
            "real-data KPI checks skipped"
        )
    from abm_lab.config import load_params
    from abm_lab.data.io import load_dataset

    params = load_params(None, {"data": {"source": "folder", "path": str(MAVEN), "preset": "maven_crm"}})
    ds = load_dataset(params, ROOT)
    raw = pd.read_csv(MAVEN / "sales_pipeline.csv", parse_dates=["engage_date", "close_date"])
    acc = pd.read_csv(MAVEN / "accounts.csv")
    acc["sector"] = acc["sector"].replace({"technolgy": "technology"})  # documented typo in the source
    raw = raw.merge(acc[["account", "sector"]], on="account", how="left")
    raw["sector"] = raw["sector"].fillna("unknown")
    return ds, raw
