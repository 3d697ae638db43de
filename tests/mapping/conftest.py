"""Fixtures of the mapping tests: hand-made accounts and leads (one case per cascade rule) and a small world."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config import DemoParams
from abm_lab.config.mapping import MappingParams
from abm_lab.mapping import map_contacts

ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["A1", "A2", "A3", "A4", "A5", "A6", "A7"],
        "name": [
            "Bluepeak Software Inc.",
            "Bluepeak Software Germany GmbH",
            "Northwind Analytics LLC",
            "Cedar Health Ltd",
            "Cedar Health Inc",
            "Oakio Data Corp.",
            "Oakix Data Corp.",
        ],
        "domain": [
            "bluepeaksoftware.com",
            "bluepeaksoftware.de",
            "northwind.co.uk",
            "cedarhealth.com",
            "cedarhealth.net",
            "oakiodata.com",
            "oakixdata.com",
        ],
        "website": ["https://www.bluepeaksoftware.com", None, "www.northwind.co.uk/", None, None, None, None],
        "alt_domains": ["bluepeak.io", None, "nw-analytics.com;northwind.io", "cedar.io", "cedar.io", None, None],
        "parent_account_id": [None, "A1", None, None, None, None, None],
        "country": [
            "United States",
            "Germany",
            "United Kingdom",
            "United Kingdom",
            "United States",
            "United States",
            "United States",
        ],
    }
)


def _lead(**kw):
    base = {
        "contact_id": None,
        "email": None,
        "company_name": None,
        "website": None,
        "country": None,
        "account_id": None,
        "source": "web_form",
        "record_type": "lead",
    }
    base.update(kw)
    return base


LEADS = pd.DataFrame(
    [
        _lead(contact_id="c1", email="ann@bluepeaksoftware.com"),  # email domain
        _lead(contact_id="c2", email="bob@mail.eu.bluepeaksoftware.de"),  # sub-domain -> subsidiary
        _lead(contact_id="c3", email="cy@nw-analytics.com"),  # alternative domain
        _lead(contact_id="c4", email="dee@gmail.com", website="http://northwind.co.uk/contact"),  # website
        _lead(contact_id="c5", email="eve@yahoo.com", company_name="NORTHWIND ANALYTICS, L.L.C."),  # exact name
        _lead(contact_id="c6", company_name="Nortwhind Analytics"),  # fuzzy (transposition)
        _lead(contact_id="c7", email="fay@gmail.com"),  # free-mail only
        _lead(contact_id="c8"),  # nothing at all
        _lead(contact_id="c9", email="gus@cedar.io"),  # shared alt domain, no other hint
        _lead(contact_id="c10", email="hal@cedar.io", country="United Kingdom"),  # shared domain, country decides
        _lead(contact_id="c11", company_name="Zyxw Quantum Holdings"),  # no similar account
        _lead(contact_id="c12", account_id="A3", email="ivy@gmail.com", record_type="contact"),  # CRM link
        _lead(contact_id="c13", company_name="Oakxi Data"),  # typo between two accounts
        _lead(contact_id="c14", email="jo@unknown-corp.com"),  # domain not in accounts
    ]
)


@pytest.fixture
def accounts() -> pd.DataFrame:
    return ACCOUNTS.copy()


@pytest.fixture
def leads() -> pd.DataFrame:
    return LEADS.copy()


@pytest.fixture
def lead():
    """Factory of one lead row (dict) with the given fields set."""
    return _lead


@pytest.fixture(scope="module")
def small():
    """The cascade on the hand-made leads, default params."""
    return map_contacts(LEADS, ACCOUNTS, MappingParams())


@pytest.fixture(scope="session")
def world():
    """A 600-account world (default seed) with known truth."""
    from abm_lab.synth import world_dataset

    return world_dataset(DemoParams(n_accounts=600, n_contacts=5000, n_touchpoints=60000))


@pytest.fixture(scope="session")
def world_result(world):
    return map_contacts(world.tables["contacts"], world.tables["accounts"], MappingParams())


@pytest.fixture(scope="session")
def mapping_run(small_dataset):
    """Notebook 03's computation (no run folder) on the shared small world, reporting window of the defaults."""
    from abm_lab.config import Params
    from abm_lab.mapping import run_mapping

    p = Params()
    return run_mapping(small_dataset.tables, p.mapping, p.run.window_start, p.run.window_end)


def write_grades(ctx, accounts: pd.DataFrame) -> pd.DataFrame:
    """A stand-in for notebook 02's account_grades.parquet (every registry column; tiers cycle)."""
    n = len(accounts)
    tiers = ["strategic", "abm_lite", "programmatic", "none"]
    grades = pd.DataFrame(
        {
            "account_id": accounts["account_id"].astype("string").to_numpy(),
            "fit_score": range(n),
            "fit_prob": [i / max(n, 1) for i in range(n)],
            "grade": ["A"] * n,
            "is_target": [True] * n,
            "tier": [tiers[i % len(tiers)] for i in range(n)],
            "cluster": [0] * n,
            "cluster_label": ["all"] * n,
            "priority": range(n),
            "potential_value": [1.0] * n,
        }
    )
    grades.to_parquet(ctx.path("account_grades"), index=False)
    return grades


@pytest.fixture
def run_context(small_dataset, tmp_path):
    """A run folder around the shared small world, with account_grades written (notebook 02 has run)."""
    from abm_lab.config import Params
    from abm_lab.pipeline import RunContext

    ctx = RunContext.from_dataset(Params(), small_dataset, tmp_path / "run")
    write_grades(ctx, small_dataset.tables["accounts"])
    return ctx
