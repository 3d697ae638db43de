"""One look for charts and tables (abm_lab.style): number formatting used by notebooks and reports."""

from __future__ import annotations

import pytest

from abm_lab import style


def test_style_formatting():
    assert style.fmt_money(1_234_567) == "$1.23M" and style.fmt_money(12_345) == "$12,345"
    assert style.fmt_pct(0.1234) == "12.3%" and style.fmt_int(12345.4) == "12,345"
    assert style.fmt_money(None) == style.fmt_pct(float("nan")) == style.fmt_int("x") == "–"
    assert style.fmt_ci(0.12, 0.04, 0.2) == "12.0% (95% CI 4.0% to 20.0%)"
    import pandas as pd

    t = style.format_table(pd.DataFrame({"a": [1e6], "b": [0.5], "c": ["x"]}), {"a": "money", "b": "pct"})
    assert t.iloc[0].tolist() == ["$1.00M", "50.0%", "x"]
    with pytest.raises(ValueError, match="unknown number format"):
        style.fmt(1, "euros")


def test_apply_sets_the_palette():
    import matplotlib as mpl

    style.apply()
    assert mpl.rcParams["axes.prop_cycle"].by_key()["color"] == style.PALETTE
