"""Readable views of the lift report: effects, tiers, event study, placebo, balance, ROI two ways, leadership text."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from abm_lab.roi import diagnostics as D  # noqa: E402
from abm_lab.roi.narrative import leadership_summary  # noqa: E402


def test_effects_and_tier_tables_name_every_outcome(reported):
    _, report, _ = reported
    t = D.effects_table(report, "$")
    outcomes = set(t.index.get_level_values("Outcome"))
    assert {"Opportunity rate", "Pipeline", "Won revenue", "Win rate", "Deal size"} <= outcomes
    headline = [m for m in t.index.get_level_values("Method") if m.endswith("headline")]
    assert len(headline) == 5  # one headline row per outcome
    assert t.xs("Win rate", level="Outcome")["Effect"].str.endswith("pts").all()
    tiers = D.tier_table(report, "$")
    assert set(tiers.index.get_level_values("Tier")) <= {"strategic", "abm lite", "programmatic"}


def test_figures_show_truth_and_pre_periods(reported):
    _, report, truth = reported
    fig = D.forest_figure(report, truth)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "true effect (synthetic world)" in labels
    es = D.event_study_figure(report)
    title = es.axes[0].get_title("left") or es.axes[0].get_title()  # style.apply left-aligns titles
    assert len(es.axes) == 3 and "pre-trend p" in title


def test_diagnostic_tables_and_verdicts_read_plainly(reported):
    _, report, _ = reported
    assert list(D.pretrend_table(report).columns) == ["Leads tested", "F", "p-value"]
    assert (D.placebo_table(report)["Starts moved (periods)"] > 0).all()
    b = D.balance_table(report)
    assert list(b.columns) == ["Std. difference before", "after weighting"]
    assert not b.index.str.contains("_").any()
    assert "effective sample size" in D.overlap_text(report)
    md = D.verdicts_markdown(report)
    assert md.startswith("**Diagnostics")
    for key in ("opp_rate", "won_revenue", "win_rate", "deal_size"):
        assert f" {key} " not in md and f"for {key} (" not in md  # no raw column names


def test_roi_two_ways_with_intervals(reported):
    _, report, _ = reported
    r = report.roi
    t = D.roi_table(report, "$")
    assert list(t.index) == ["Realised to date (won revenue)", "Projected (+ open incremental pipeline)"]
    assert r["ci_low"] <= r["estimate"] <= r["ci_high"] and r["projected_low"] <= r["projected"] <= r["projected_high"]
    # ROI = (margin × incremental revenue − cost) / cost
    assert abs(r["estimate"] - (r["gross_margin"] * r["incremental_revenue"] - r["cost"]) / r["cost"]) < 1e-9
    assert "realised to date" in D.roi_text(report, "$") and "projected" in D.roi_text(report, "$")


def test_no_programme_views_say_so():
    for view in (D.effects_table, D.forest_figure, D.event_study_figure, D.roi_table, D.verdicts_markdown):
        assert view(None) == D.NO_PROGRAMME


def test_leadership_summary_has_both_rois_and_cautions(reported):
    _, report, _ = reported
    text = leadership_summary(report, {"engaged_accounts": 10.0, "mqas": 2.0, "pipeline": 1e6, "win_rate": 0.5})
    assert text.startswith("**What ABM added.**") and "What it cost" in text
    assert "realised to date" in text and "projected" in text
    assert ("Caution" in text) == bool(report.verdicts)
    assert leadership_summary(None, {}).startswith("No ABM program")
