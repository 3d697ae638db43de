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


def test_grade_checks_read_as_sentences(result):
    """The grade checks of notebook 02 as Markdown sentences, not a dict and True/False prints."""
    from abm_lab.report.formatting import page_defects

    s = result.headline("USD")
    txt = grading.plots.grade_checks_text(s)
    counts = s["grade_counts"]
    assert " · ".join(f"{g}: {n:,}" for g, n in counts.items()) in txt
    assert "{" not in txt and "True" not in txt and "False" not in txt
    flips = {**s, "monotone_customer_rate": True, "monotone_opportunity_rate": False}
    assert "customer rate falls from grade A to F" in grading.plots.grade_checks_text(flips)
    assert "opportunity rate before the programme does **not** fall" in grading.plots.grade_checks_text(flips)
    unknown = {**s, "monotone_opportunity_rate": None}  # no opportunity predates the programme: not a pass
    assert "cannot be checked" in grading.plots.grade_checks_text(unknown)
    assert page_defects(f"<p>{txt}</p>") == []
