"""Class 6 of issue 16: what would stop a notebook stops ``validate`` and the run first (abm_lab.data.readiness)."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config import parse_params
from abm_lab.data import schema
from abm_lab.data.io import Dataset
from abm_lab.data.readiness import check_ready, problems
from abm_lab.errors import ABMDataError

ALL_NOTEBOOKS = [
    "00_data_health",
    "01_icp_discovery",
    "02_account_grading",
    "03_lead_to_account",
    "04_engagement",
    "05_program_roi",
]


def _dataset(**override: pd.DataFrame) -> Dataset:
    """Two accounts (one customer), one won and one open deal, one touch, one programme; ``override`` replaces."""
    tables = {
        "accounts": pd.DataFrame({"account_id": ["A1", "A2"], "is_customer": [True, False]}),
        "contacts": pd.DataFrame({"contact_id": ["C1"], "account_id": ["A1"]}),
        "opportunities": pd.DataFrame(
            {
                "opportunity_id": ["O1", "O2"],
                "account_id": ["A1", "A2"],
                "stage": ["closed_won", "discovery"],
                "is_closed": [True, False],
                "close_date": pd.to_datetime(["2026-10-01", None]),
            }
        ),
        "touchpoints": pd.DataFrame({"touchpoint_id": ["T1"], "contact_id": ["C1"]}),
        "programs": pd.DataFrame({"program_id": ["P1"], "account_id": ["A1"]}),
        "costs": pd.DataFrame({"program_id": ["P1"], "amount": [100.0]}),
    }
    tables.update(override)
    return Dataset(tables=tables, files={k: f"data/{k}.csv" for k in tables})


def _params(notebooks: list[str]):
    return parse_params({"run": {"notebooks": notebooks}})


def test_complete_data_is_ready_for_every_notebook():
    assert check_ready(_dataset(), _params(ALL_NOTEBOOKS)) == []


@pytest.mark.parametrize(
    ("table", "blocked"),
    [
        ("touchpoints", ["04_engagement"]),
        ("opportunities", ["03_lead_to_account", "04_engagement"]),
        ("accounts", ["every notebook"]),
    ],
)
def test_a_header_only_table_blocks_the_notebooks_that_need_it(table, blocked):
    ds = _dataset(**{table: schema.empty_table(table)})
    with pytest.raises(ABMDataError) as e:
        check_ready(ds, _params(ALL_NOTEBOOKS))
    msg = str(e.value)
    assert f"{table}: no rows" in msg and all(nb in msg for nb in blocked)
    assert e.value.file == f"data/{table}.csv" and e.value.reason == "not ready"
    found = [p for p in problems(ds, _params(ALL_NOTEBOOKS)) if p.blocking]
    assert [p.table for p in found] == [table] and list(found[0].notebooks) == blocked


def test_tables_a_run_does_not_use_do_not_block_it():
    """The Maven dataset has no touchpoints; its run leaves out notebooks 03 and 04, so it is ready."""
    nbs = ["00_data_health", "01_icp_discovery", "02_account_grading", "05_program_roi"]
    ds = _dataset(touchpoints=schema.empty_table("touchpoints"), contacts=schema.empty_table("contacts"))
    assert check_ready(ds, _params(nbs)) == []
    ds = _dataset(opportunities=schema.empty_table("opportunities"))
    assert [p.blocking for p in problems(ds, _params(["00_data_health", "01_icp_discovery"]))] == []


def test_opportunities_without_a_closed_deal_block_the_mapping_notebook():
    open_only = pd.DataFrame(
        {
            "opportunity_id": ["O1", "O2"],
            "account_id": ["A1", None],
            "stage": ["discovery", "closed_won"],
            "is_closed": [False, True],  # the closed one has no account: still nothing to measure
            "close_date": pd.to_datetime(["2026-10-01", "2026-10-02"]),
        }
    )
    with pytest.raises(ABMDataError, match="no closed .* 03_lead_to_account"):
        check_ready(_dataset(opportunities=open_only), _params(ALL_NOTEBOOKS))
    # notebook 04 can still run on open deals
    assert check_ready(_dataset(opportunities=open_only), _params(["04_engagement"])) == []


def test_every_blocking_problem_is_listed_in_one_message():
    ds = _dataset(touchpoints=schema.empty_table("touchpoints"), opportunities=schema.empty_table("opportunities"))
    with pytest.raises(ABMDataError) as e:
        check_ready(ds, _params(ALL_NOTEBOOKS))
    assert "opportunities: no rows" in str(e.value) and "touchpoints: no rows" in str(e.value)


def test_inputs_a_notebook_handles_are_notes_not_errors():
    ds = _dataset(
        accounts=pd.DataFrame({"account_id": ["A1", "A2"], "is_customer": [False, False]}),
        programs=schema.empty_table("programs"),
    )
    notes = check_ready(ds, _params(ALL_NOTEBOOKS))
    assert {(n.table, n.notebooks) for n in notes} == {
        ("accounts", ("01_icp_discovery",)),
        ("programs", ("05_program_roi",)),
    }
    assert not any(n.blocking for n in notes) and "no customers" in str(notes[0])
    assert check_ready(ds, _params(["00_data_health"])) == []


def test_a_programme_without_spend_blocks_the_roi_notebook_unless_a_cost_is_given():
    """Notebook 05 needed the programme's cost and failed mid-run without it; now validate says so first."""
    for costs in (
        pd.DataFrame({"program_id": [], "amount": []}),
        pd.DataFrame({"program_id": ["OTHER"], "amount": [1.0]}),
    ):
        with pytest.raises(ABMDataError, match="roi.program_cost") as e:
            check_ready(_dataset(costs=costs), _params(ALL_NOTEBOOKS))
        assert "05_program_roi" in str(e.value) and "P1" in str(e.value)
    given = parse_params({"run": {"notebooks": ALL_NOTEBOOKS}, "roi": {"program_cost": 50_000}})
    assert check_ready(_dataset(costs=pd.DataFrame({"program_id": [], "amount": []})), given) == []
    assert check_ready(_dataset(costs=pd.DataFrame()), _params(["00_data_health"])) == []  # 05 not in the run
