"""The world's anonymous visits exported as a reverse-IP file and read back (:mod:`abm_lab.synth.exports.webvisits`).

Truth: the world's own ``touchpoints`` (anonymous rows: visitor_domain set, no contact). Read back with the
returned ``data.files`` entry, every company domain must have the same number of touches on every day, and the
same number of pricing-page touches."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.config.core import FileSpec
from abm_lab.data.presets.base import ImportReport
from abm_lab.data.presets.webvisits import read_web_visits
from abm_lab.data.validate import validate_table
from abm_lab.synth.exports.webvisits import FILE_NAME, export_web_visits


def per_domain_day(tp: pd.DataFrame, activity: str | None = None) -> pd.Series:
    t = tp if activity is None else tp[tp["activity_type"].astype("string") == activity]
    key = [t["visitor_domain"].astype("string"), pd.to_datetime(t["timestamp"]).dt.normalize().astype("datetime64[ns]")]
    return t.groupby(key, observed=True).size().sort_index().rename(None).rename_axis(["domain", "day"])


@pytest.mark.parametrize("seed", [0, 1])
def test_round_trip_keeps_touches_per_domain_and_day(small_world, tmp_path, seed):
    tp = small_world.tables["touchpoints"]
    anon = tp[tp["visitor_domain"].notna() & tp["contact_id"].isna()]
    assert len(anon) > 1000  # the world has anonymous visits to compare
    entry = export_web_visits(tp, tmp_path, seed=seed)
    assert entry == {"path": FILE_NAME, "format": "web_visits"}
    spec = FileSpec(**entry)
    raw = read_web_visits(spec, tmp_path / spec.path, ImportReport("canonical"))
    back = validate_table(raw.df, "touchpoints", file=raw.label, lines=raw.lines)
    assert len(back) == len(anon) and back["contact_id"].isna().all() and set(back["channel"]) == {"web"}
    pd.testing.assert_series_equal(per_domain_day(back), per_domain_day(anon))
    pd.testing.assert_series_equal(per_domain_day(back, "pricing_page"), per_domain_day(anon, "pricing_page"))
    # fewer rows than touches: page views of a company, day and page are one row
    n_rows = sum(1 for _ in open(tmp_path / FILE_NAME)) - 1
    assert n_rows < len(anon)
    # what is lost: the world's campaign and programme of each visit
    assert back["campaign_id"].isna().all() and back["program_id"].isna().all()
