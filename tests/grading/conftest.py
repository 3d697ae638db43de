"""Grading fixtures: the 2,000-account world, its ICP discovery and its grading (built once)."""

from __future__ import annotations

import pytest

SEED = 42


@pytest.fixture(scope="session")
def world(icp_world):
    return icp_world


@pytest.fixture(scope="session")
def icp_result(icp_discovery):
    return icp_discovery


@pytest.fixture(scope="session")
def result(world, icp_result):
    from abm_lab import grading
    from abm_lab.config.grading import GradingParams

    return grading.grade_accounts(
        world.tables["accounts"], world.tables["opportunities"], icp_result.fit_scores, GradingParams(), seed=SEED
    )
