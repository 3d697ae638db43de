"""Column helpers (abm_lab.mapping.arrays)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.errors import ABMDataError
from abm_lab.mapping import arrays as A


def test_object_and_arrow_conversions():
    s = pd.Series(["a", None, "b"], dtype="string")
    assert A.as_object(s).tolist() == ["a", None, "b"]
    assert A.as_object(pd.Series([1, 2])).tolist() == ["1", "2"]  # non-string columns become strings
    arr = A.arrow_strings(s)
    assert arr.to_pylist() == ["a", None, "b"]
    assert A.arrow_strings(["x", None]).to_pylist() == ["x", None]
    codes, uniq = A.encode(A.arrow_strings(pd.Series(["b", None, "b", "a"])))
    assert [uniq[c] if c >= 0 else None for c in codes] == ["b", None, "b", "a"] and codes[1] == -1


def test_positions_isin_casefold_and_missing():
    assert A.positions(pd.Series(["b", "z", None]), pd.Series(["a", "b"])).tolist() == [1, -1, -1]
    assert A.positions(["a"], ["a"]).tolist() == [0]
    assert A.isin(np.array(["x", None, "y"], dtype=object), {"y"}).tolist() == [False, False, True]
    assert A.casefold(pd.Series([" Germany ", None])).tolist() == ["germany", ""]
    m = A.append_missing(np.array(["a", "b"], dtype=object))
    assert m[np.array([1, -1])].tolist() == ["b", None]


def test_columns_and_required_columns():
    df = pd.DataFrame({"a": ["x", None]})
    assert A.string_column(df, "a").tolist()[0] == "x" and A.string_column(df, "b").isna().all()
    assert A.object_column(df, "b").tolist() == [None, None]
    A.require_columns(df, ["a"], "t")
    with pytest.raises(ABMDataError, match="missing column"):
        A.require_columns(df, ["a", "b"], "t")
