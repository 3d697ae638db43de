"""The leakage check: the panel uses no touch at or after a snapshot, and leaky builders are caught."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab import engagement as E

AS_OF = "2026-12-31"


def _builder(world, params):
    ds, _, pers, fit = world

    def build(touchpoints, snapshots):
        return E.build_panel(
            touchpoints,
            ds.tables["accounts"],
            ds.tables["opportunities"],
            snapshots,
            AS_OF,
            params,
            personas=pers,
            fit=fit,
            programs=ds.tables["programs"],
        )

    return build


def _few_snaps(tp):
    return pd.date_range("2025-08-01", "2026-10-01", freq="3MS")


def test_no_leakage(world, params):
    build = _builder(world, params)
    report = E.check_no_leakage(build, world[1], snapshots=_few_snaps(world[1]), n_cuts=2)
    assert len(report) == 2 and report["later_snapshots_changed"].all()


def test_leaky_builders_are_caught(world, params):
    build = _builder(world, params)

    def clock_skew(touchpoints, snapshots):  # a 3-day timestamp bug: sees 3 days past the snapshot
        return build(
            touchpoints.assign(timestamp=pd.to_datetime(touchpoints["timestamp"]) - pd.Timedelta(days=3)), snapshots
        )

    def inclusive(touchpoints, snapshots):  # '<=' instead of '<': a touch at the snapshot instant counts
        return build(
            touchpoints.assign(timestamp=pd.to_datetime(touchpoints["timestamp"]) - pd.Timedelta(microseconds=1)),
            snapshots,
        )

    def future_feature(touchpoints, snapshots):  # a feature from the week after the snapshot
        panel = build(touchpoints, snapshots)
        ts = pd.to_datetime(touchpoints["timestamp"])
        nxt = pd.concat(
            [
                touchpoints[(ts >= s) & (ts < s + pd.Timedelta(days=7))]
                .groupby("account_id")
                .size()
                .rename("touches_next_7d")
                .reset_index()
                .assign(snapshot_date=s)
                for s in snapshots
            ]
        )
        out = panel.merge(nxt, on=["account_id", "snapshot_date"], how="left")
        return out.assign(touches_next_7d=out["touches_next_7d"].fillna(0))

    for leaky in (clock_skew, inclusive, future_feature):
        with pytest.raises(E.LeakageError, match="after the snapshot"):  # each leaky variant is caught
            E.check_no_leakage(leaky, world[1], snapshots=_few_snaps(world[1]), n_cuts=2)


def _people_builder(world, params, drop=()):
    ds = world[0]

    def build(touchpoints, snapshots, personas):
        return E.build_panel(
            touchpoints,
            ds.tables["accounts"],
            ds.tables["opportunities"],
            snapshots,
            AS_OF,
            params,
            personas=personas.drop(columns=list(drop)),
        )

    return build


def test_no_leakage_of_people_and_account_links(world, params):
    """People created, re-linked or flipped to key persona from the cut on change nothing before the cut."""
    report = E.check_no_leakage(
        _people_builder(world, params), world[1], snapshots=_few_snaps(world[1]), personas=world[2], n_cuts=2
    )
    assert (report["people_changed"] > 0).all() and report["later_snapshots_changed"].all()


def test_a_builder_blind_to_creation_dates_is_caught(world, params):
    """Counting people (and their account links) from their first touch instead of their record's creation is the
    as_of leak of today's CRM export: the perturbed people and links give it away."""
    with pytest.raises(E.LeakageError, match="people and account links"):
        E.check_no_leakage(
            _people_builder(world, params, ("created_date",)),
            world[1],
            snapshots=_few_snaps(world[1]),
            personas=world[2],
            n_cuts=2,
        )
