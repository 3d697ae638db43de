"""KPI specs, values from the typed summaries, targets and status (abm_lab.report.kpis)."""

from __future__ import annotations

import dataclasses

from abm_lab import report
from abm_lab.artefacts import SUMMARY_MODELS
from abm_lab.report import RunSummaries
from abm_lab.report import kpis as report_kpis


def test_every_kpi_reads_a_field_of_its_summary_model():
    for spec in report.HEADLINE + report.SECONDARY:
        fields = SUMMARY_MODELS[spec.section].model_fields
        assert spec.field in fields, (spec.key, spec.section, spec.field)
        for f in spec.ci_fields or ():
            assert f in fields, (spec.key, f)
    assert "alt" not in {f.name for f in dataclasses.fields(report.KpiSpec)}  # one name per figure, no aliases


def test_targets_report_overrides_roi():
    from abm_lab.config.report import ReportParams
    from abm_lab.config.roi import RoiParams

    params = {"report": {"targets": {"pipeline": 5e6}}, "roi": {"targets": {"mqas": 99, "pipeline": 1}}}
    t = report.resolve_targets(params)
    assert t["pipeline"] == 5e6 and t["mqas"] == 99 and t["target_accounts"] == ReportParams().targets.target_accounts
    assert report.resolve_targets({})["win_rate"] == RoiParams().targets.win_rate  # default: roi.targets


def test_targets_default_to_none_and_the_tile_says_no_target_set():
    """Without roi.targets in params no KPI from roi.targets has a target: the tile says so, no share of target."""
    t = report.resolve_targets({"roi": {"targets": {"engaged_accounts": None}}})
    roi_keys = [s.key for s in report.HEADLINE if s.key != "target_accounts"]
    assert all(t[k] is None for k in roi_keys)
    k = report.Kpi(report.HEADLINE[1], 16_200.0, t["engaged_accounts"])
    assert k.status() == "none" and k.ratio is None
    h = report_kpis.tile(k, "USD", 0.8, None, 0.95)
    assert "No target set" in h and "of target" not in h and "tile-bar" not in h
    # the demo params carry the demo world's targets to the tiles
    from pathlib import Path

    import yaml

    demo = yaml.safe_load((Path(__file__).resolve().parents[2] / "params" / "demo.yaml").read_text())
    got = report.resolve_targets(demo)
    assert got["engaged_accounts"] == demo["roi"]["targets"]["engaged_accounts"]
    assert got["roi"] == demo["roi"]["targets"]["roi"]


def test_delta_and_status_helpers():
    assert report.fmt_delta(110, 100, "int") == ("▲ +10 (+10.0%)", "up")
    assert report.fmt_delta(0.25, 0.30, "pct") == ("▼ −5.0 pts", "down")
    assert report.fmt_delta(None, 1, "int") == ("", "none")
    k = report.Kpi(report.HEADLINE[3], 3.7e6, 4e6)
    assert (
        k.status(0.9) == "warn"
        and k.status(0.95) == "bad"
        and report.Kpi(report.HEADLINE[3], None, 4e6).status() == "none"
    )


def test_on_track_share_from_report_then_roi():
    from abm_lab.config.roi import RoiParams

    assert report.on_track_share({"report": {"on_track_share": 0.95}, "roi": {"tile_at_risk": 0.7}}) == 0.95
    assert report.on_track_share({"roi": {"tile_at_risk": 0.7}}) == 0.7
    assert 0 < report.on_track_share({}) < 1
    assert report.on_track_share({}) == RoiParams().tile_at_risk  # the default lives in the params schema


def test_ci_level_from_params_then_default():
    from abm_lab.config.roi import RoiParams

    assert report.ci_level({"roi": {"lift": {"ci_level": 0.9}}}) == 0.9
    assert report.ci_level({}) == RoiParams().lift.ci_level


def test_engagement_auc_tile_reads_auc_gbm():
    s = RunSummaries.from_dicts(
        {
            "engagement": {
                "accounts_scored": 10,
                "as_of": "2026-09-30",
                "horizon_days": 90,
                "test_rows": 5,
                "test_base_rate": 0.1,
                "auc_gbm": 0.68,
            }
        }
    )
    k = report.headline_kpis(s, specs=report.SECONDARY)[1]
    assert (k.spec.key, k.spec.field, k.value) == ("auc_gbm", "auc_gbm", 0.68)
    assert report.headline_kpis(RunSummaries(), specs=report.SECONDARY)[1].value is None


def test_roi_tile_reads_roi_low_and_roi_high():
    k = report.headline_kpis(RunSummaries.from_dicts({"roi": {"roi": 0.5, "roi_low": 0.1, "roi_high": 0.9}}))[-1]
    assert (k.spec.key, k.value, k.ci_low, k.ci_high) == ("roi", 0.5, 0.1, 0.9)
    assert k.spec.ci_fields == ("roi_low", "roi_high")


def test_previous_values_come_from_the_previous_summaries():
    now = RunSummaries.from_dicts({"roi": {"pipeline": 4e6}})
    prev = RunSummaries.from_dicts({"roi": {"pipeline": 3e6}})
    k = {x.spec.key: x for x in report.headline_kpis(now, {"pipeline": 5e6}, prev)}["pipeline"]
    assert (k.value, k.prev, k.target, k.ratio) == (4e6, 3e6, 5e6, 0.8)
