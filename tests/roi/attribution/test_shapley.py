"""Shapley attribution: the equal split over distinct channels (Zhao et al. 2018), rate variant, pooling."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.roi import attribution as A


def test_shapley_conversions_equals_equal_split_over_distinct_channels():
    df = pd.DataFrame(
        {
            "path": ["a > b > a", "b > c", "c", "a > c > b", "b"],
            "conv": [3, 1, 2, 1, 0],
            "null": [1, 4, 3, 0, 5],
            "value": [30, 10, 20, 5, 0],
        }
    )
    pdata = A.paths_from_frame(df, conversions="conv", nulls="null", value="value")
    sh = A.shapley_values(pdata, "conversions")
    # Zhao et al. (2018): phi_i = sum over journeys containing i of conversions / |distinct channels|
    exp = {"a": 3 / 2 + 1 / 3, "b": 3 / 2 + 1 / 2 + 1 / 3, "c": 1 / 2 + 2 + 1 / 3}
    assert sh["shapley_conversions"].to_dict() == pytest.approx(exp)
    assert sh["shapley_value"].sum() == pytest.approx(65.0)
    rate = A.shapley_values(pdata, "rate", prior_paths=5)
    assert rate["shapley_conversions"].sum() == pytest.approx(7.0)
    assert rate["shapley_value"].sum() == pytest.approx(65.0)
    # defaults come from the params (roi.attribution.shapley_value = "conversions")
    assert A.shapley_values(pdata).equals(sh)


def test_shapley_pools_rare_channels():
    paths = [" > ".join(f"c{j}" for j in range(i % 6, i % 6 + 3)) for i in range(30)]
    df = pd.DataFrame({"path": paths, "total_conversions": 1, "total_null": 1})
    sh = A.shapley_values(A.paths_from_frame(df, value=None), max_channels=4)
    assert "other" in sh.index and len(sh) == 4
    assert sh["shapley_conversions"].sum() == pytest.approx(30)
