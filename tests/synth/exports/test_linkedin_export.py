"""The world's paid-social costs exported as a LinkedIn report and read back (:mod:`abm_lab.synth.exports.linkedin`).

Truth: the world's own ``costs`` table. The report has days instead of quarters, other campaign groups mixed in
and LinkedIn's file layout; read back with the returned ``data.ad_spend`` entry, every quarter's spend must come
back to the cent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.config.core import AdSpendFile
from abm_lab.data.presets.adspend import read_ad_spend
from abm_lab.data.presets.base import ImportReport
from abm_lab.data.validate import validate_table
from abm_lab.synth.exports.linkedin import FILE_NAME, split_cents
from abm_lab.synth.exports.linkedin import export_linkedin as export

GROUP = "FY26 ABM Program"


def quarter_cents(costs: pd.DataFrame) -> pd.Series:
    q = pd.PeriodIndex(pd.to_datetime(costs["period_start"]), freq="Q")
    return (costs["amount"] * 100).round().astype("int64").groupby(q).sum()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_round_trip_gives_each_quarters_spend_to_the_cent(small_world, tmp_path, seed):
    costs = small_world.tables["costs"]
    entry = export(costs, tmp_path, campaign_group=GROUP, start="2026-01-01", end="2026-12-31", seed=seed)
    assert entry == {"path": FILE_NAME, "platform": "linkedin", "campaign_group": GROUP}
    raw = (tmp_path / FILE_NAME).read_bytes()
    assert raw.startswith(b"\xff\xfe") and "\t" in raw[2:].decode("utf-16-le")
    report = ImportReport("canonical")
    got = read_ad_spend(AdSpendFile(**entry), tmp_path, "ABM-2026", report)
    back = validate_table(got.df, "costs", file=got.label, lines=got.lines)
    assert (back["period_start"] == back["period_end"]).all()  # daily rows
    assert set(back["program_id"]) == {"ABM-2026"} and set(back["channel"]) == {"paid_social"}
    truth = quarter_cents(costs[costs["channel"] == "paid_social"])
    pd.testing.assert_series_equal(quarter_cents(back), truth, check_names=False)
    # other groups were in the file and were removed by the filter, counted
    assert sum(got.set_aside.values()) > 0
    assert any("other campaign groups" in n for n in report.notes)
    # every day of the year has spend (gamma weights are positive; a day can round to 0 cents only if tiny)
    assert back["period_start"].nunique() >= 360


def test_report_range_cuts_days_outside_it(small_world, tmp_path):
    costs = small_world.tables["costs"]
    entry = export(costs, tmp_path, campaign_group=GROUP, start="2026-04-01", end="2026-06-30", seed=5)
    got = read_ad_spend(AdSpendFile(**entry), tmp_path, "ABM-2026", ImportReport("canonical"))
    assert got.df["period_start"].min() >= pd.Timestamp("2026-04-01")
    assert got.df["period_start"].max() <= pd.Timestamp("2026-06-30")
    q2 = costs[(costs["channel"] == "paid_social") & (pd.to_datetime(costs["period_start"]) == "2026-04-01")]
    assert round(got.df["amount"].sum(), 2) == round(float(q2["amount"].sum()), 2)


@pytest.mark.parametrize("seed", range(20))
def test_split_cents_sums_exactly_and_is_proportional(seed):
    rng = np.random.default_rng(seed)
    total = int(rng.integers(0, 10**9))
    w = rng.gamma(2.0, size=int(rng.integers(1, 400)))
    got = split_cents(total, w)
    assert got.sum() == total and (got >= 0).all()
    assert np.abs(got - total * w / w.sum()).max() < 1.0  # within one cent of the exact share
