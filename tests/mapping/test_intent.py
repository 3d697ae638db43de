"""Intent rows mapped to accounts by registered domain (as anonymous web visits), with coverage counted."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.errors import ABMDataError
from abm_lab.mapping.intent import map_intent

ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["A1", "A2", "A3", "A4", "A5"],
        "name": ["Acme", "Globex", "Initech", "Umbrella", "Umbrella Labs"],
        "domain": ["acme.com", "globex.co.uk", None, "umbrella.com", "umbrella.com"],
        "website": [None, None, "https://www.initech.io/about", None, None],
        "alt_domains": ["acme-group.com", None, None, None, None],
    }
)


def intent(domains, account_id=None):
    n = len(domains)
    return pd.DataFrame(
        {
            "domain": domains,
            "week_start": pd.date_range("2026-03-02", periods=n, freq="7D"),
            "topic": ["Marketing Automation"] * n,
            "score": [70.0] * n,
            "account_id": account_id if account_id is not None else [None] * n,
        }
    )


def test_domains_map_through_www_subdomains_websites_and_alt_domains():
    rows = intent(["acme.com", "www.acme.com", "eu.mail.globex.co.uk", "INITECH.IO", "acme-group.com"])
    m = map_intent(rows, ACCOUNTS)
    assert m.table["account_id"].tolist() == ["A1", "A1", "A2", "A3", "A1"]
    assert set(m.table["match_method"]) == {"domain"} and (m.table["status"] == "matched").all()
    assert len(m.table) == len(rows)


def test_unknown_shared_and_freemail_domains_are_counted_not_guessed():
    rows = intent(["acme.com", "nobody.org", "umbrella.com", "gmail.com", "www.globex.co.uk", "nobody.org"])
    m = map_intent(rows, ACCOUNTS)
    t = m.table
    assert t["account_id"].tolist()[:1] == ["A1"] and t["account_id"].isna().tolist() == [
        False, True, True, True, False, True,
    ]  # fmt: skip
    assert t["status"].tolist() == ["matched", "unmatched", "ambiguous", "unmatched", "matched", "unmatched"]
    assert t.loc[1, "reason"] == "domain not in accounts"
    assert t.loc[2, "reason"] == "domain shared by several accounts"
    assert t.loc[3, "reason"] == "domain is an ISP/free-mail domain"
    cov = m.coverage
    assert cov.loc["rows", "covered"] == 2 and cov.loc["rows", "of"] == 6
    assert cov.loc["domains", "covered"] == 2 and cov.loc["domains", "of"] == 5  # nobody.org counted once
    assert cov.loc["accounts", "covered"] == 2 and cov.loc["accounts", "of"] == 5
    assert m.share("accounts") == pytest.approx(0.4)
    assert len(m.mapped) == 2
    assert "domain not in accounts" in m.summary().as_text()


def test_the_exports_own_account_id_wins_when_it_is_known():
    rows = intent(["acme.com", "nobody.org", "acme.com"], account_id=["A2", "A3", "A9"])
    t = map_intent(rows, ACCOUNTS).table
    assert t["account_id"].tolist() == ["A2", "A3", "A1"]  # A9 is unknown: the domain decides
    assert t["match_method"].tolist() == ["source_account", "source_account", "domain"]


def test_without_accounts_or_with_bad_scores_a_clear_error():
    with pytest.raises(ABMDataError, match="accounts table"):
        map_intent(intent(["acme.com"]))
    with pytest.raises(ABMDataError) as e:
        map_intent(intent(["acme.com"]).assign(score=[140.0]), ACCOUNTS)
    assert e.value.column == "score"
