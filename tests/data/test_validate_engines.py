"""One definition of the row checks, two engines: bad inputs give the same error text and file line numbers on
DuckDB and Spark (the texts the pandas checks always gave), clean data gives no failure on either, and the
counts and positions the query returns agree with an independent pandas count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm_lab.compute import DuckDBEngine
from abm_lab.data import rowchecks
from abm_lab.data.parse import Lines, ParseOptions, read_csv
from abm_lab.data.schema import TABLES
from abm_lab.data.validate import check_foreign_keys, validate_table
from abm_lab.errors import ABMDataError

HEADER = "touchpoint_id,timestamp,contact_id,account_id,channel,activity_type,funnel_stage"
# line 3-4 hold one record (a quoted newline), so every later record's line is its row number + 3
GOOD = [
    "T1,2026-01-05,C1,A1,email,email_open,tofu",
    'T2,2026-01-06,C2,A1,web,"web visit\nfrom the blog",mofu',
    "T3,2026-01-07,C1,A2,paid_social,ad_click,bofu",
    "T4,2026-01-08,C2,A2,event,booth_visit,",
]


def _csv(tmp_path: Path, rows: list[str], name: str = "touchpoints.csv") -> tuple[pd.DataFrame, Lines, str]:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    df, lines = read_csv(path)
    return df, Lines.simple(str(path), lines), str(path)


def _error(fn) -> ABMDataError:
    with pytest.raises(ABMDataError) as e:
        fn()
    return e.value


#: Bad inputs: (rows after the good ones, expected message after "<file>: ", column, reason, file lines).
BAD = {
    "blank required": (
        ["T5,2026-01-09,C1,A1,,email_open,tofu"],
        "required column 'channel' is blank in 1 row(s):\n    line 7: touchpoint_id='T5', channel=<NA>",
        "channel",
        "blank required value",
        [7],
    ),
    "duplicate key": (
        ["T6,2026-01-09,C1,A1,email,email_open,tofu", "T3,2026-01-10,C2,A2,web,web_visit,tofu"],
        "column 'touchpoint_id' must be unique; 2 rows share an id:\n"
        "    line 5: touchpoint_id='T3'\n    line 8: touchpoint_id='T3'",
        "touchpoint_id",
        "duplicate key",
        [5, 8],
    ),
    "value not allowed": (
        ["T5,2026-01-09,C1,A1,carrier_pigeon,coo,tofu"],
        "column 'channel' has values outside ",
        "channel",
        "value not allowed",
        [7],
    ),
    "unparsable date": (
        ["T5,2026-01-09,C1,A1,email,email_open,tofu", "T6,next tuesday,C1,A1,email,email_open,tofu"],
        "column 'timestamp' must be a date; 1 row(s) are not a date (YYYY-MM-DD):\n"
        "    line 8: timestamp='next tuesday'",
        "timestamp",
        "not a date",
        [8],
    ),
    "null text in a date": (
        ["T5,NULL,C1,A1,email,email_open,tofu"],
        "column 'timestamp' holds the text ['NULL'] in 1 row(s) instead of a value; leave such cells blank in the "
        "export:\n    line 7: timestamp='NULL'",
        "timestamp",
        "null text",
        [7],
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_touchpoints_same_error_on_each_engine(case, tmp_path, any_engine):
    rows, text, column, reason, at = BAD[case]
    df, lines, file = _csv(tmp_path, GOOD + rows)
    err = _error(lambda: validate_table(df, "touchpoints", file=file, lines=lines, engine=any_engine))
    assert str(err).startswith(f"{file}: {text}")
    assert (err.column, err.reason, err.rows) == (column, reason, at)


def test_unknown_foreign_keys_same_error_on_each_engine(tmp_path, any_engine):
    df, lines, file = _csv(tmp_path, [*GOOD, "T5,2026-01-09,C9,A1,email,email_open,tofu", *GOOD[2:3]])
    df.loc[len(df) - 1, "touchpoint_id"] = "T7"
    tp = validate_table(df, "touchpoints", file=file, lines=lines, engine=any_engine)
    accounts = pd.DataFrame({"account_id": pd.array(["A1", "A2"], dtype="string")})
    contacts = pd.DataFrame({"contact_id": pd.array(["C1", "C2"], dtype="string")})
    tables = {"accounts": accounts, "contacts": contacts, "touchpoints": tp}
    err = _error(lambda: check_foreign_keys(tables, {"touchpoints": file}, {"touchpoints": lines}, engine=any_engine))
    assert str(err) == (
        f"{file}: column 'contact_id' points at 1 unknown contacts.contact_id value(s):\n"
        "    line 7: touchpoint_id='T5', contact_id='C9'"
    )
    assert (err.column, err.reason, err.rows) == ("contact_id", "unknown foreign key", [7])
    contacts.loc[2] = "C9"  # now the only miss is an account
    tables["touchpoints"].loc[4, "account_id"] = "A404"
    err = _error(lambda: check_foreign_keys(tables, {"touchpoints": file}, {"touchpoints": lines}, engine=any_engine))
    assert str(err).endswith(
        "1 unknown accounts.account_id value(s):\n    line 7: touchpoint_id='T5', account_id='A404'"
    )


def test_warnings_same_on_each_engine(tmp_path, any_engine):
    rows = ["null,2026-01-09,C1,A1,email,email_open,tofu", "T6,2027-02-01,N/A,A1,email,email_open,tofu"]
    df, lines, file = _csv(tmp_path, GOOD + rows)
    opts = ParseOptions.default()
    opts = ParseOptions(opts.date_format, opts.timezone, opts.decimal, opts.thousands, pd.Timestamp("2026-12-31"))
    warnings: list[str] = []
    out = validate_table(df, "touchpoints", file=file, lines=lines, opts=opts, warnings=warnings, engine=any_engine)
    assert len(out) == len(df)
    assert warnings == [
        f"{file}: text column 'touchpoint_id' holds ['null'] in 1 row(s) (lines [7]); kept as text, not as a "
        "missing value",
        f"{file}: text column 'contact_id' holds ['N/A'] in 1 row(s) (lines [8]); kept as text, not as a missing value",
        f"{file}: column 'timestamp' has 1 date(s) after run.as_of 2026-12-31 (lines [8])",
    ]


def test_opportunity_checks_same_on_each_engine(any_engine):
    opps = pd.DataFrame(
        {
            "opportunity_id": ["O1", "O2", "O3"],
            "account_id": ["A1", "A1", "A2"],
            "stage": ["closed_won", "closed_lost", "closed_won"],
            "created_date": ["2026-01-01", "2026-03-01", "2026-02-01"],
            "close_date": ["2026-02-01", "2026-02-01", "2026-01-15"],
            "amount": ["100", "50", "20"],
        }
    )
    err = _error(lambda: validate_table(opps, "opportunities", engine=any_engine))
    assert str(err).startswith("opportunities: column 'close_date' is before 'created_date' in 2 row(s):\n    line 3: ")
    assert err.rows == [3, 4]
    opps["close_date"] = "2026-06-01"
    opps.loc[1, "amount"] = "-5"
    err = _error(lambda: validate_table(opps, "opportunities", engine=any_engine))
    assert str(err) == (
        "opportunities: column 'amount' must not be negative:\n    line 3: opportunity_id='O2', amount=np.float64(-5.0)"
    )


def test_clean_world_has_no_failures(small_world, any_engine):
    """The test world passes every check on each engine (errors, warnings, links)."""
    raw = small_world.tables["touchpoints"]
    opts = ParseOptions.default()
    opts = ParseOptions(opts.date_format, opts.timezone, opts.decimal, opts.thousands, pd.Timestamp("2026-12-31"))
    warnings: list[str] = []
    tp = validate_table(raw, "touchpoints", opts=opts, warnings=warnings, engine=any_engine)  # no error
    assert warnings == [] and len(tp) == len(raw)
    tables = {k: validate_table(small_world.tables[k], k) for k in ("accounts", "contacts")}
    check_foreign_keys({**tables, "touchpoints": tp}, engine=any_engine)  # no unknown id


def test_counts_and_lines_match_an_independent_count(small_world):
    """Corrupt the test world at random rows (DuckDB): the counts and first lines the checks report equal a
    numpy count of the same corruption."""
    rng = np.random.default_rng(5)
    raw = small_world.tables["touchpoints"].reset_index(drop=True)
    n = len(raw)
    blank = np.sort(rng.choice(n, 37, replace=False))
    bad = raw.copy()
    bad["channel"] = bad["channel"].astype("object")
    bad.loc[blank, "channel"] = None
    err = _error(lambda: validate_table(bad, "touchpoints"))
    assert f"is blank in {len(blank)} row(s)" in str(err) and err.rows == list(blank[:5] + 2)
    dup_src, dup_dst = rng.choice(n, 2, replace=False), rng.choice(n, 2, replace=False)
    bad = raw.copy()
    bad.loc[dup_dst, "touchpoint_id"] = bad.loc[dup_src, "touchpoint_id"].to_numpy()
    ids = bad["touchpoint_id"]
    shared = ids.duplicated(keep=False).to_numpy()
    err = _error(lambda: validate_table(bad, "touchpoints"))
    assert f"{int(shared.sum())} rows share an id" in str(err)
    assert err.rows == list(np.flatnonzero(shared)[:5] + 2)
    tables = {k: validate_table(small_world.tables[k], k) for k in ("accounts", "contacts")}
    tp = validate_table(raw, "touchpoints")
    t = TABLES["touchpoints"]
    plan = rowchecks.table_plan(t, "tp", pd.Timestamp("2026-12-31"), 0)
    eng = DuckDBEngine()
    rowchecks.register(eng, "tp", rowchecks.arrow_frame(tp, plan.columns))
    res = rowchecks.run_counts(eng, plan)  # every row seen, no check failing on the clean world
    assert res.n_rows == len(tp) and res.counts == [0] * len(plan.checks) and len(plan.checks) > len(t.required)
    eng.close()
    missing = rng.choice(tp["contact_id"].dropna().unique(), 3, replace=False)  # people who have touches
    tables["contacts"] = tables["contacts"][~tables["contacts"]["contact_id"].isin(missing)].reset_index(drop=True)
    miss = tp["contact_id"].isin(missing).to_numpy()
    err = _error(lambda: check_foreign_keys({**tables, "touchpoints": tp}))
    assert f"points at {int(miss.sum())} unknown contacts.contact_id" in str(err)
    assert err.rows == list(np.flatnonzero(miss)[:5] + 2)


def test_null_texts_in_categorical_and_text_columns_in_column_order():
    """A categorical raw column is searched on its categories, the others on the engine: the warnings come in
    the columns' order with their counts and lines, as from a row-by-row search."""
    n = 40
    df = pd.DataFrame(
        {
            "touchpoint_id": [f"T{i}" for i in range(n)],
            "timestamp": pd.Timestamp("2026-03-01"),
            "contact_id": pd.Categorical(["C1", "none", "C2", "None"] * (n // 4)),
            "account_id": ["A1"] * (n - 2) + ["NaN", "A1"],
            "channel": pd.Categorical(["email"] * n),
            "activity_type": "email_open",
        }
    )
    warnings: list[str] = []
    validate_table(df, "touchpoints", warnings=warnings)
    assert warnings == [
        "touchpoints: text column 'contact_id' holds ['None', 'none'] in 20 row(s) (lines [3, 5, 7]); kept as "
        "text, not as a missing value",
        f"touchpoints: text column 'account_id' holds ['NaN'] in 1 row(s) (lines [{n}]); kept as text, not as a "
        "missing value",
    ]
