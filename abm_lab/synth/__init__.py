"""Synthetic B2B world with known truth (see :mod:`abm_lab.synth.world`).

One concern per module, run in this order by :func:`generate_world`: ``accounts`` (firmographics, names,
true fit), ``programs`` (targets, tiers, costs), ``intent`` (latent weekly intent), ``opportunities``
(both potential outcomes, opportunity table, stage history), ``people`` (contacts and leads), ``touches``
(touchpoints), ``truth`` (truth tables and meta), ``potential`` (every deal under both arms and
:func:`arm_opportunities`), ``evolution`` (the accounts' dated history: the accounts table on ``as_of``, rewound
from the reference date; its own random stream); ``store`` saves and caches a world; ``vocab`` holds
the word lists.
"""

from __future__ import annotations

from .accounts import FIT_COEFS
from .potential import ARMS, POTENTIAL_COLUMNS, arm_opportunities
from .store import ensure_world, save_world, world_dataset, world_stamp
from .truth import TRUTH_VERSION
from .world import World, generate_world

__all__ = [
    "generate_world",
    "World",
    "FIT_COEFS",
    "TRUTH_VERSION",
    "save_world",
    "ensure_world",
    "world_dataset",
    "world_stamp",
    "arm_opportunities",
    "ARMS",
    "POTENTIAL_COLUMNS",
]
