"""Fixtures of the generator's tests: the small world with every scenario switch off (the simpler behaviour)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def simple_demo(small_demo):
    from abm_lab.config.core import ScenarioParams

    return small_demo.model_copy(update={"scenario": ScenarioParams.simple()})


@pytest.fixture(scope="session")
def simple_world(simple_demo):
    from abm_lab.synth import generate_world

    return generate_world(simple_demo, "2026-12-31")
