"""Figures and formatted tables of notebook 05, and the leadership paragraph."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from abm_lab.config.roi import KpiTargets, RoiParams  # noqa: E402
from abm_lab.roi import attribution as A  # noqa: E402
from abm_lab.roi import kpis as K  # noqa: E402
from abm_lab.roi import plots as P  # noqa: E402
from abm_lab.roi.segments import account_frame  # noqa: E402
from abm_lab.roi.velocity import estimate_velocity  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _title(ax) -> str:
    """The axes title wherever the style puts it (``style.apply`` left-aligns titles)."""
    return next((t for t in (ax.get_title(loc) for loc in ("center", "left", "right")) if t), "")


def test_funnel_figure_and_tables(tiny):
    p = RoiParams(engaged_min_touches=1, mqa_min_touches=4, mqa_min_contacts=2)
    seg = account_frame(tiny)
    f = K.funnel(seg, tiny["touchpoints"], tiny["opportunities"], ("2026-10-01", "2026-12-31"), by="abm", params=p)
    fig = P.funnel_figure(f, "Funnel")
    ax = fig.axes[0]
    assert _title(ax) == "Funnel" and [t.get_text() for t in ax.get_xticklabels()] == list(P.FUNNEL_STAGES.values())
    assert len(ax.patches) == 4 * len(f)
    t = P.funnel_table({"abm": f})
    assert t.loc[("ABM", "ABM"), "pipeline"] == "$120" and t.loc[("ABM", "ABM"), "penetration"].endswith("%")
    assert "engaged → MQA" in t.columns and "engaged_to_mqa" not in t.columns  # leadership labels
    assert (
        "33.3%"
        in P.funnel_styler(
            K.funnel(seg, tiny["touchpoints"], tiny["opportunities"], ("2026-10-01", "2026-12-31"), params=p)
        ).to_html()
    )
    d = P.deals_styler({"all": K.deal_kpis(tiny["opportunities"])}, cycle_digits=1).to_html()
    assert "82.0" in d  # mean won cycle (23 + 141) / 2 days, one decimal


def test_tiles_table():
    tiles = K.kpi_tiles({"pipeline": 1_200_000.0, "win_rate": 0.27, "roi": -0.5}, KpiTargets())
    t = P.tiles_table(tiles, "$")
    assert t.loc["Pipeline created", "Actual"] == "$1.20M" and t.loc["Program ROI", "Attainment"] == "–"


def test_velocity_figure_and_table():
    d = pd.DataFrame({"days": [5.0, 10, 20, 30, 40, 50], "event": [1, 1, 0, 1, 1, 0], "abm": ["ABM", "non-ABM"] * 3})
    v = estimate_velocity(d, group="abm")
    empty = estimate_velocity(pd.DataFrame({"days": [], "event": [], "abm": []}), group="abm")
    fig = P.velocity_figure(v, empty)
    assert [a.get_ylabel() for a in fig.axes] == [
        "share of deals still open",
        "share of accounts without an opportunity",
    ]
    assert fig.axes[1].texts[0].get_text() == "no data"
    t = P.velocity_table(v, empty)
    assert list(t.index.get_level_values(0).unique()) == ["opportunity → close"]


def test_credits_figure(world):
    ds, tp = world
    att = A.attribute(A.account_paths(tp, ds.tables["opportunities"], as_of="2026-12-31"))
    fig = P.credits_figure(att)
    assert _title(fig.axes[0]) == "Credit by channel and model"


def test_deal_table_says_no_closed_deals_and_reads_like_a_report(tiny):
    """A quarter without won or lost deals reads 'no closed deals', never 'nan%'; headers are human labels."""
    from abm_lab.report.formatting import page_defects

    deals = K.deal_kpis(tiny["opportunities"], "quarter")
    assert deals["win_rate"].isna().any()  # a quarter without closed deals
    html = P.deals_styler(deals, cycle_digits=1).to_html()
    assert P.NO_CLOSED_DEALS in html and "win rate" in html and "win_rate" not in html
    assert page_defects(html) == []
