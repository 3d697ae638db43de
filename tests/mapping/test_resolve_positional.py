"""Touches line up with notebook 03's mapped table by position when it lists the same rows in the same order;
the answer is the same as the by-id lookup in every case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt

from abm_lab.engagement.inputs import link_methods
from abm_lab.mapping.resolve import lookup_by_touch, resolve_touch_accounts, same_touch_rows


def _touches(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = pd.Series([f"T{i:05d}" for i in range(n)], dtype="string")
    src = pd.Series(np.where(rng.random(n) < 0.3, "A0", None), dtype="string")  # the source links 30%
    tp = pd.DataFrame({"touchpoint_id": ids, "account_id": src})
    acc = pd.Series(np.where(rng.random(n) < 0.6, np.char.add("A", rng.integers(1, 50, n).astype(str)), None))
    mapped = pd.DataFrame(
        {
            "touchpoint_id": ids.copy(),
            "account_id": acc.astype("string"),
            "match_method": pd.Series(rng.choice(["contact", "reverse_ip_domain"], n), dtype="string"),
        }
    )
    return tp, mapped


def _by_id(tp: pd.DataFrame, mapped: pd.DataFrame) -> pd.Series:
    m = mapped.drop_duplicates("touchpoint_id").set_index("touchpoint_id")["account_id"]
    src = tp["account_id"].astype("string")
    return src.mask(src.str.len() == 0).fillna(tp["touchpoint_id"].map(m).astype("string"))


def test_positional_and_by_id_lookups_agree_for_any_row_order():
    rng = np.random.default_rng(5)
    tp, mapped = _touches(2000, rng)
    assert same_touch_rows(tp, mapped)
    shuffled = mapped.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert not same_touch_rows(tp, shuffled)
    expect = _by_id(tp, mapped)
    for m in (mapped, shuffled):
        got = resolve_touch_accounts(tp, m)["account_id"].astype("string")
        pdt.assert_series_equal(got.reset_index(drop=True), expect.reset_index(drop=True), check_names=False)
    pdt.assert_series_equal(link_methods(tp, mapped), link_methods(tp, shuffled))
    lm = link_methods(tp, mapped)
    assert (lm[tp["account_id"].notna()] == "source_account").all()
    assert lm[tp["account_id"].isna() & mapped["account_id"].isna()].isna().all()


def test_duplicate_or_missing_ids_take_the_by_id_path():
    rng = np.random.default_rng(6)
    tp, mapped = _touches(300, rng)
    dup = mapped.copy()
    dup.loc[1, "touchpoint_id"] = dup.loc[0, "touchpoint_id"]
    tp_dup = tp.copy()
    tp_dup.loc[1, "touchpoint_id"] = tp_dup.loc[0, "touchpoint_id"]
    assert not same_touch_rows(tp_dup, dup)  # equal order but a repeated id: first row per id wins
    got = lookup_by_touch(tp_dup, dup, "account_id")
    assert got.iloc[1] is pd.NA or got.iloc[1] == dup.loc[0, "account_id"]
    assert pd.isna(got.iloc[1]) == pd.isna(dup.loc[0, "account_id"])
    short = mapped.iloc[:-10]
    assert not same_touch_rows(tp, short)
    assert lookup_by_touch(tp, short, "account_id").iloc[-10:].isna().all()
