"""The stage's inputs come from the run's upstream artefacts; a missing one is a clear error, never the truth."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from abm_lab import engagement as E
from abm_lab.engagement.inputs import link_methods
from abm_lab.errors import ABMArtefactError

PRODUCERS = {
    "touchpoints_mapped": "03_lead_to_account",
    "contacts_mapped": "03_lead_to_account",
    "account_grades": "02_account_grading",
}


@pytest.mark.parametrize("missing", sorted(PRODUCERS))
def test_missing_upstream_artefact_names_its_producer(engagement_ctx, upstream, missing):
    upstream(engagement_ctx, skip=(missing,))
    assert engagement_ctx.truth is not None  # the truth is there, and still not used as a fallback
    with pytest.raises(ABMArtefactError, match=PRODUCERS[missing]) as err:
        E.load_inputs(engagement_ctx)
    assert err.value.artefact == missing
    assert f"{missing}.parquet" in str(err.value)


def test_run_stops_on_a_missing_artefact(engagement_ctx):
    with pytest.raises(ABMArtefactError, match="03_lead_to_account"):
        E.run_engagement(engagement_ctx)


def test_inputs_from_artefacts(engagement_ctx, upstream, world):
    from abm_lab.pipeline import RunContext

    upstream(engagement_ctx)
    mapped = engagement_ctx.load("touchpoints_mapped").copy()
    # the mapping decides where the source has no link; a link held by the source wins over the mapping
    source = engagement_ctx.tables["touchpoints"]
    first, second = mapped["touchpoint_id"].iloc[0], mapped["touchpoint_id"].iloc[1]
    mapped.loc[mapped["touchpoint_id"] == first, "account_id"] = "A-FROM-MAPPING"
    mapped.to_parquet(engagement_ctx.path("touchpoints_mapped"))
    linked = source.assign(
        account_id=source["account_id"].astype("string").mask(source["touchpoint_id"] == second, "A-FROM-SOURCE")
    )
    ds = dataclasses.replace(world[0], tables={**world[0].tables, "touchpoints": linked})
    inp = E.load_inputs(RunContext.from_dataset(engagement_ctx.params, ds, engagement_ctx.run_dir))
    acc = inp.touchpoints.set_index("touchpoint_id")["account_id"]
    assert acc[first] == "A-FROM-MAPPING" and acc[second] == "A-FROM-SOURCE"
    # how each touch was linked travels with it (the panel delays links made only through a person)
    how = inp.touchpoints.set_index("touchpoint_id")["link_method"]
    assert how[first] == "email_domain" and how[second] == "source_account"
    assert len(inp.touchpoints) == len(source)
    assert list(inp.grades.columns) == ["account_id", "fit_score", "grade"]
    assert list(inp.fit.columns) == ["account_id", "fit_score"]
    assert set(inp.sources) == {"touchpoints", "personas", "fit"} and "notebook 03" in inp.sources["touchpoints"]
    assert "created_date" in inp.personas.columns


def test_mapped_personas_keep_matched_contacts_only():
    cm = pd.DataFrame(
        {
            "contact_id": ["C1", "C2", "C3"],
            "status": ["matched", "ambiguous", "matched"],
            "account_id": ["A1", None, "A2"],
            "persona_function": ["it", "it", "finance"],
        }
    )
    out = E.mapped_personas(cm)
    assert out["contact_id"].tolist() == ["C1", "C3"]
    assert not out["is_key_persona"].any()  # no persona column: nobody is a key persona


def test_default_snapshots_end_on_the_scoring_day(world, params):
    snaps = E.default_snapshots(world[1], "2026-12-31", params)
    assert snaps[-1] == pd.Timestamp("2027-01-01")
    assert (snaps[:-1].day == 1).all()  # monthly: the 1st of each month
    weekly = E.snapshot_dates("2026-01-01", "2026-02-01", "weekly")
    assert (weekly.weekday == 0).all()
    with pytest.raises(ValueError, match="weekly"):
        E.snapshot_dates("2026-01-01", "2026-02-01", "daily")


def test_link_methods_and_dated_personas():
    tp = pd.DataFrame({"touchpoint_id": ["T1", "T2", "T3"], "account_id": ["A9", None, None]})
    mapped = pd.DataFrame(
        {"touchpoint_id": ["T1", "T2", "T3"], "account_id": ["A1", "A2", None], "match_method": ["contact"] * 3}
    )
    assert link_methods(tp, mapped).tolist() == ["source_account", "contact", pd.NA]
    cm = pd.DataFrame({"contact_id": ["C1"], "account_id": ["A1"], "status": "matched"})
    contacts = pd.DataFrame(
        {
            "contact_id": ["C1"],
            "created_date": pd.to_datetime(["2026-01-01"]),
            "account_linked_date": pd.to_datetime(["2026-03-01"]),
        }
    )
    out = E.mapped_personas(cm, contacts)
    assert out.loc[0, "account_linked_date"] == pd.Timestamp("2026-03-01")
