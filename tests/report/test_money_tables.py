"""Money in the leadership tables carries the run's currency symbol, as the KPI tiles do (issue 14, item 4).

Page 05 showed pipeline, won revenue, deal sizes and attributed credit as bare numbers ("2,486,430") next to
tiles saying "$2.49M"; each table now formats its money columns with :func:`abm_lab.style.fmt_money` in the
symbol from the params (:func:`abm_lab.report.formatting.currency_symbol`).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from abm_lab.report.formatting import NO_VALUE, currency_symbol, format_text_table, leadership_table, money_formats
from abm_lab.roi import kpis, plots


def _cells(sty) -> list[str]:
    """The text of every body cell of a Styler's HTML."""
    return [re.sub(r"<.*?>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", sty.to_html(), re.S)]


DEALS = pd.DataFrame(
    {
        "opps": [74, 3],
        "pipeline": [2_486_430.0, 12_000.0],
        "won": [29, 0],
        "lost": [21, 0],
        "win_rate": [0.58, float("nan")],
        "revenue": [672_170.0, 0.0],
        "avg_deal_size": [23_178.3, float("nan")],
        "avg_cycle_days": [87.2, float("nan")],
        "median_cycle_days": [70.0, float("nan")],
    },
    index=pd.Index(["ABM", "non-ABM"], name="abm"),
)


def test_money_columns_take_the_currency_and_other_formats_stay():
    cells = _cells(leadership_table(DEALS, {"win_rate": "{:.1%}"}, money=["pipeline", "revenue"], currency="€"))
    assert cells[:6] == ["74", "€2.49M", "29", "21", "58.0%", "€672,170"]
    assert cells[9 : 9 + 6] == ["3", "€12,000", "0", "0", NO_VALUE, "€0"]  # a missing rate: no value


def test_money_true_formats_every_numeric_column_and_formats_win():
    credit = pd.DataFrame(
        {"linear": [1_792_689.4, 250.0], "Markov": [2_510_529.0, None], "note": ["a", "b"]},
        index=pd.Index(["email", "web"], name="channel"),
    )
    assert money_formats(credit, True) == {"linear": "money", "Markov": "money"}
    assert money_formats(credit, ["linear", "absent"]) == {"linear": "money"}
    assert money_formats(credit, False) == {}
    assert _cells(leadership_table(credit, money=True, currency="£")) == [
        "£1.79M",
        "£2.51M",
        "a",
        "£250",
        NO_VALUE,
        "b",
    ]
    # an explicit format of a column wins over money=True
    assert _cells(leadership_table(credit, {"linear": "{:.0f}"}, money=True))[:2] == ["1792689", "$2.51M"]


def test_text_tables_use_the_given_symbol_not_a_fixed_dollar():
    f = pd.DataFrame({"accounts": [10], "pipeline": [1_510_000.0], "engaged_to_mqa": [0.082]})
    out = format_text_table(f, {"pipeline": "money", "engaged_to_mqa": "pct", "missing_col": "int"}, "CHF ")
    assert out.to_dict("records") == [{"accounts": 10, "pipeline": "CHF 1.51M", "engaged_to_mqa": "8.2%"}]


@pytest.mark.parametrize(
    ("params", "symbol"),
    [({"run": {"currency": "EUR"}}, "€"), ({"run": {"currency": "CHF"}}, "CHF "), ({}, "$")],
)
def test_the_symbol_comes_from_the_params(params, symbol):
    assert currency_symbol(params) == symbol


def test_money_columns_of_the_deal_kpis_are_its_amounts():
    """:data:`kpis.MONEY_COLUMNS` names exactly the deal KPI columns that are sums or means of ``amount``."""
    o = pd.DataFrame(
        {
            "opportunity_id": ["o1", "o2", "o3"],
            "account_id": ["a", "a", "b"],
            "created_date": pd.to_datetime(["2026-10-02", "2026-10-05", "2026-11-01"]),
            "close_date": pd.to_datetime(["2026-11-02", pd.NaT, "2026-12-01"]),
            "amount": [1000.0, 500.0, 3000.0],
            "is_won": [True, False, False],
            "is_closed": [True, False, True],
            "stage": ["closed_won", "proposal", "closed_lost"],
        }
    )
    d = kpis.deal_kpis(o, window=("2026-10-01", "2026-12-31"))
    assert set(kpis.MONEY_COLUMNS) <= set(d.columns)
    row = d.iloc[0]
    assert (row["pipeline"], row["revenue"], row["avg_deal_size"]) == (4500.0, 1000.0, 1000.0)


def test_page_05_deal_funnel_and_attribution_tables_show_the_currency():
    """The notebook 05 tables that showed bare amounts: deals, funnel (Styler and text) and attribution credit."""
    deals = _cells(plots.deals_styler(DEALS, currency="€"))
    assert deals[:9] == ["74", "€2.49M", "29", "21", "58.0%", "€672,170", "€23,178", "87", "70"]
    assert deals[9 + 4] == plots.NO_CLOSED_DEALS
    funnel = pd.DataFrame({"accounts": [1515], "with_opp": [53], "pipeline": [1_510_000.0], "revenue": [33_870.0]})
    assert _cells(plots.funnel_styler(funnel, currency="€"))[2:] == ["€1.51M", "€33,870"]
    text = plots.funnel_table(funnel, currency="€")
    assert text.iloc[0].tolist()[2:] == ["€1.51M", "€33,870"]
    assert plots.funnel_table(funnel).iloc[0].tolist()[2:] == ["$1.51M", "$33,870"]  # USD by default


def test_attribution_value_tables_are_money():
    class View:
        def __init__(self, t: pd.DataFrame) -> None:
            self.t = t
            self.markov = type("M", (), {"removal_effects": pd.DataFrame({"removal effect": [0.8122]})})()

        def table(self, what: str, share: bool = False) -> pd.DataFrame:
            return self.t

    credit = pd.DataFrame({"first touch": [1_523_110.0], "Markov": [2_510_529.0]}, index=["email"])
    att = type("Att", (), {"channel": View(credit), "program": View(credit), "won": View(credit)})()
    value, removal = plots.attribution_tables(att, "channel_value", currency="€")
    assert _cells(value) == ["€1.52M", "€2.51M"] and _cells(removal) == ["0.8122"]
    programme = plots.attribution_tables(att, "programme", currency="€")[0]
    assert _cells(programme) == ["€1.52M", "€2.51M"]
