"""The account explorer: the search covers every scored account by name or id; the widget follows it."""

from __future__ import annotations

import pandas as pd

from abm_lab import engagement as E


def _scores():
    return pd.DataFrame(
        {
            "account_id": ["A001", "A002", "A003", "A004"],
            "name": ["Nordwind Logistik GmbH", "Société Générale Tech", None, "Acme Corp."],
            "score": [2, 5, 3, 5],
            "probability": [0.03, 0.30, 0.07, 0.25],
        }
    )


def test_search_accounts_by_name_or_id():
    sc = _scores()
    everyone = E.search_accounts(sc)
    assert [a for _, a in everyone] == ["A002", "A004", "A003", "A001"]  # best score first, all accounts
    assert [a for _, a in E.search_accounts(sc, "a003")] == ["A003"]  # id, case-insensitive
    assert [a for _, a in E.search_accounts(sc, "  logistik ")] == ["A001"]  # part of a name, blanks ignored
    assert [a for _, a in E.search_accounts(sc, "societe")] == ["A002"]  # accents ignored
    assert E.search_accounts(sc, "no such account") == []
    assert len(E.search_accounts(sc, "A00", limit=2)) == 2
    label = dict((a, lab) for lab, a in everyone)
    assert label["A003"] == "A003 (A003, score 3)" and label["A002"].startswith("Société Générale Tech (A002")


def test_search_covers_every_scored_account(scored):
    sc = scored.scores
    hits = E.search_accounts(sc)
    assert sorted(a for _, a in hits) == sorted(sc["account_id"])
    worst = sc.sort_values(["score", "probability"]).iloc[0]  # beyond any top-N list
    assert worst["account_id"] in [a for _, a in E.search_accounts(sc, str(worst["name"]))]
    assert [a for _, a in E.search_accounts(sc, str(worst["account_id"]))] == [worst["account_id"]]


def test_account_explorer_searches_and_updates(scored, world, params):
    import matplotlib

    matplotlib.use("Agg")
    sc = scored.scores
    w = E.account_explorer(sc, scored.shap_probability, world[1], params=params)
    search, dd, count, info = w.children[:4]
    assert len(dd.options) == len(sc) and f"{len(sc):,} of {len(sc):,}" in count.value
    first = info.value
    assert dd.value in first and "base" in first  # the probability-scale waterfall says it adds up
    worst = sc.sort_values(["score", "probability"]).iloc[0]["account_id"]
    search.value = worst
    assert [a for _, a in dd.options] == [worst] and dd.value == worst
    assert worst in info.value and info.value != first
    search.value = ""
    assert len(dd.options) == len(sc)
    logodds = E.account_explorer(sc, scored.shap, world[1], params=params, max_accounts=5)
    assert len(logodds.children[1].options) == 5 and "1 / (1 + exp(-z))" in logodds.children[3].value
