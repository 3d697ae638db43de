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
        E.plot_timeline(world[1], scored.scores["account_id"].iloc[0], scored.snapshot_date),
    ):
        assert fig.axes
        plt.close(fig)


def test_tables(result, scored):
    t = E.format_metrics(result)
    assert list(t.index) == [E.SCORER_NAMES[k] for k in result.metrics.index]
    assert t["95% CI"].str.match(r"^0\.\d{3}-[01]\.\d{3}$").all()
    top = E.top_accounts(scored, 5)
    assert len(top) == 5 and top["probability"].str.endswith("%").all()
    assert top["score"].is_monotonic_decreasing
