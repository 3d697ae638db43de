"""ICP fixtures: the 2,000-account world and its discovery (built once, in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def world(icp_world):
    return icp_world


@pytest.fixture(scope="module")
def result(icp_discovery):
    return icp_discovery
