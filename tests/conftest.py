"""Shared fixtures: a small synthetic world (fast) and the 2,000-account world of the ICP and grading tests."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TQDM_DISABLE", "1")


@pytest.fixture(scope="session")
def small_demo():
    from abm_lab.config.core import DemoParams

    return DemoParams(n_accounts=600, n_contacts=5000, n_touchpoints=60000, seed=11)


@pytest.fixture(scope="session")
def small_world(small_demo):
    from abm_lab.synth import generate_world

    return generate_world(small_demo, "2026-12-31")


@pytest.fixture(scope="session")
def small_dataset(small_world):
    from abm_lab.synth import world_dataset

    return world_dataset(world=small_world)


ICP_SEED = 42


@pytest.fixture(scope="session")
def icp_world():
    """The 2,000-account world that the ICP and grading tests check against truth (built once)."""
    from abm_lab.config.core import DemoParams
    from abm_lab.synth import world_dataset

    return world_dataset(DemoParams(n_accounts=2000, n_contacts=2000, n_touchpoints=20000), "2026-12-31")


@pytest.fixture(scope="session")
def icp_discovery(icp_world):
    """``icp.discover`` on :func:`icp_world` with default params (shared by ICP and grading tests)."""
    from abm_lab import icp
    from abm_lab.config.icp import IcpParams

    return icp.discover(icp_world.tables["accounts"], icp_world.tables["opportunities"], IcpParams(), seed=ICP_SEED)


def _spark_missing() -> str | None:
    """Why a Spark engine cannot start here (None when it can): pyspark not installed or no Java."""
    from abm_lab.compute import spark_unavailable

    return spark_unavailable()


@pytest.fixture(scope="session")
def spark_engine():
    """One Spark engine (local mode, one shared session) for every engine-parity test; skips without pyspark/Java."""
    why = _spark_missing()
    if why:
        pytest.skip(why)
    from abm_lab.compute import SparkEngine

    eng = SparkEngine()
    yield eng
    eng.close()


@pytest.fixture(params=["duckdb", "spark"])
def any_engine(request):
    """Each compute engine in turn (DuckDB fresh per test, Spark shared)."""
    if request.param == "spark":
        yield request.getfixturevalue("spark_engine")
        return
    from abm_lab.compute import DuckDBEngine

    eng = DuckDBEngine()
    yield eng
    eng.close()
