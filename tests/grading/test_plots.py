"""Notebook 02's tables, figure and executive summary."""

from __future__ import annotations

from abm_lab import grading


def test_report_helpers(result):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = grading.plot_grade_rates(result.rates)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == list("ABCDEF")
    plt.close("all")
    txt = grading.executive_summary(result)
    assert f"**{int(result.grades['is_target'].sum()):,} target accounts**" in txt and "LinkedIn" in txt
    rates = grading.format_rates(result.rates)
    assert rates["customer rate (95% CI)"].str.contains("%").all()
    plan = grading.format_plan(result.plan)
    assert plan.iloc[-1]["budget (USD/quarter)"].startswith("$")
    tg = grading.tier_grade_table(result.grades)
    assert tg.loc["Total", "Total"] == int(result.grades["is_target"].sum())
    cl = grading.format_clusters(result.clusters)
    assert cl["potential_value"].str.startswith("$").all()
