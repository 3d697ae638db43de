"""Figures and tables of notebook 04 draw without error and show what they say."""

from __future__ import annotations

import matplotlib

from abm_lab import engagement as E


def test_figures_draw(result, scored, world):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for fig in (
        E.plot_metrics(result),
        E.plot_reliability(result),
        E.plot_conversion(result),
        E.plot_shap_bar(scored.shap),
        E.plot_shap_beeswarm(scored.shap),
        E.plot_waterfall(scored, scored.scores["account_id"].iloc[0]),
        E.plot_waterfall(scored, scored.scores["account_id"].iloc[0], scale="log-odds"),
        E.plot_reliability_diagram(result),
        E.plot_timeline(world[1], scored.scores["account_id"].iloc[0], scored.snapshot_date),
    ):
        assert fig.axes
        plt.close(fig)


def test_reliability_diagram_shows_the_table(result):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = E.plot_reliability_diagram(result)
    ax = fig.axes[0]
    c = result.calibration.loc["gbm"]
    assert f"{c['in_the_large']:+.1%}" in ax.get_title() and f"slope {c['slope']:.2f}" in ax.get_title()
    points = ax.containers[0].lines[0]  # the errorbar's data line: one point per bin
    assert list(points.get_ydata()) == list(result.reliability["gbm"]["observed"])
    assert sum(p.get_height() for p in fig.axes[1].patches) == result.reliability["gbm"]["n"].sum()
    plt.close(fig)


def test_waterfall_axis_states_the_displayed_probability(scored):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = scored.scores["account_id"].iloc[0]
    p = scored.scores["probability"].iloc[0]
    fig = E.plot_waterfall(scored, a)
    assert f"= {p:.1%} shown" in fig.axes[0].get_title()
    plt.close(fig)


def test_tables(result, scored):
    c = E.format_calibration(result)
    assert list(c.index) == [E.SCORER_NAMES[k] for k in result.calibration.index]
    assert c["slope"].str.match(r"^\d\.\d{2} \[").all()
    t = E.format_metrics(result)
    assert list(t.index) == [E.SCORER_NAMES[k] for k in result.metrics.index]
    assert t["95% CI"].str.match(r"^0\.\d{3}-[01]\.\d{3}$").all()
    top = E.top_accounts(scored, 5)
    assert len(top) == 5 and top["probability"].str.endswith("%").all()
    assert top["score"].is_monotonic_decreasing
