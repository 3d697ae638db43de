"""Fixtures of the engagement tests: one 800-account synthetic world, its panel, validation and scores.

Touch accounts and personas come from the world's truth here (``abm_lab.validation.engagement``), as a
test may; the product reads notebook 03's artefacts instead (``tests/engagement/test_inputs.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab import engagement as E
from abm_lab.config import DemoParams
from abm_lab.config.engagement import EngagementParams
from abm_lab.validation import engagement as VE

AS_OF = "2026-12-31"


@pytest.fixture(scope="session")
def as_of():
    return AS_OF


@pytest.fixture(scope="session")
def world():
    """(dataset, touchpoints with their true account, true personas, true fit score)."""
    from abm_lab.synth import world_dataset

    ds = world_dataset(DemoParams(n_accounts=800, n_contacts=6000, n_touchpoints=80000), AS_OF)
    tp = VE.truth_touch_accounts(ds.tables["touchpoints"], ds.truth)
    pers = VE.truth_personas(ds.truth, ds.tables["contacts"])
    fit = pd.DataFrame(
        {"account_id": ds.truth["accounts"]["account_id"], "fit_score": 100 * ds.truth["accounts"]["fit_prob"]}
    )
    return ds, tp, pers, fit


@pytest.fixture(scope="session")
def params():
    return EngagementParams(n_bootstrap=20)


def build_test_panel(world, params, **kw):
    """The test world's panel (``kw``: e.g. ``engine=`` another compute engine)."""
    ds, tp, pers, fit = world
    snaps = E.default_snapshots(tp, AS_OF, params)
    return E.build_panel(
        tp,
        ds.tables["accounts"],
        ds.tables["opportunities"],
        snaps,
        AS_OF,
        params,
        personas=pers,
        fit=fit,
        programs=ds.tables["programs"],
        **kw,
    )


@pytest.fixture(scope="session")
def panel(world, params):
    return build_test_panel(world, params)


@pytest.fixture(scope="session")
def result(panel, params, world):
    """Out-of-time validation with the oracle and nowcast rows of the synthetic truth."""
    return VE.add_truth_ceilings(E.fit_engagement(panel, params), world[0].truth["weekly"])


@pytest.fixture(scope="session")
def grades(world):
    ds = world[0]
    return pd.DataFrame(
        {
            "account_id": ds.tables["accounts"]["account_id"],
            "grade": np.array(list("ABCDEF"))[np.arange(len(ds.tables["accounts"])) % 6],
        }
    )


@pytest.fixture(scope="session")
def scored(panel, result, params, world, grades):
    return E.score_accounts(panel, result, world[0].tables["accounts"], grades, params)


@pytest.fixture(scope="session")
def upstream(world):
    """``write(ctx, skip=())``: write notebook 02's and 03's artefacts into ``ctx``'s run folder, built from
    the world's truth (a test may; the stage itself never reads the truth), all but the names in ``skip``."""
    ds, tp, pers, fit = world
    tables = {
        "touchpoints_mapped": tp.assign(
            match_method=np.where(tp["account_id"].notna(), "email_domain", None),
            status=np.where(tp["account_id"].notna(), "matched", "unmatched"),
        ),
        "contacts_mapped": pers.assign(
            status="matched",
            match_method="email_domain",
            match_confidence=1.0,
            persona_seniority=np.where(pers["is_key_persona"], "vp", "staff"),
        ),
        "account_grades": fit.assign(
            fit_prob=fit["fit_score"] / 100,
            grade=np.array(list("ABCDEF"))[np.arange(len(fit)) % 6],
            is_target=True,
            tier=1,
            cluster=0,
            cluster_label="all",
            priority=1.0,
            potential_value=1.0,
        ),
    }

    def write(ctx, skip: tuple[str, ...] = ()) -> None:
        for name, df in tables.items():
            if name not in skip:
                df.to_parquet(ctx.path(name))

    return write


@pytest.fixture
def engagement_ctx(world, tmp_path):
    """A run context around the world (engagement params as in :func:`params`), no artefacts yet."""
    from abm_lab.config import load_params
    from abm_lab.pipeline import RunContext

    p = load_params(overrides={"run": {"as_of": AS_OF}, "engagement": {"n_bootstrap": 20}})
    return RunContext.from_dataset(p, world[0], tmp_path / "run")
