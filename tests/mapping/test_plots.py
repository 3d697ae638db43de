"""Figures and formatted tables of notebook 03 (abm_lab.mapping.plots)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from abm_lab.config.mapping import MappingParams
from abm_lab.mapping import plots


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_status_method_and_review_texts(small):
    assert plots.status_counts_text(small).splitlines() == [
        "contacts and leads: 14",
        "  matched           9  64.3%",
        "  ambiguous         1  7.1%",
        "  unmatched         4  28.6%",
    ]
    mt = plots.method_table(small)
    assert list(mt.columns) == ["rows", "share of all rows", "mean confidence"]
    assert mt.loc["email_domain", "rows"] == "4" and mt.loc["crm_link", "mean confidence"] == 1.0
    txt = plots.review_queue_text(small)
    assert txt.startswith("unmatched: 4\nreason\n")
    assert "free-mail address only" in txt and "ambiguous: 1; candidates per row (median): 2" in txt
    assert txt.endswith("  at step email_domain: 1")


def test_review_share_chart(small):
    fig = plots.review_share_by_source(small)
    ax = fig.axes[0]
    assert ax.get_xlabel().endswith("(%)") and ax.get_ylabel() == "Lead source"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ambiguous", "unmatched"]
    assert any(t.get_text().startswith("Source:") for t in fig.texts)  # source line


def test_accuracy_tables_are_formatted():
    acc = pd.DataFrame(
        {
            "matched": [10, 12],
            "correct": [9, 11],
            "precision": [0.9, 11 / 12],
            "recall": [0.45, 0.55],
            "recall_identifiable": [0.5, 0.6],
        },
        index=pd.Index(["email_domain", "all"], name="method"),
    )
    t = plots.accuracy_table(acc)
    assert t.loc["all", "precision"] == "91.67%" and t.loc["email_domain", "matched"] == "10"
    assert list(t.columns)[-1] == "recall, identifiable leads"
    tp = pd.DataFrame({"precision": [1.0], "recall": [0.9933]}, index=pd.Index(["all"], name="method"))
    assert plots.touchpoint_accuracy_text(tp) == "touchpoints: precision 100.00% recall 99.33%"
    ev = pd.DataFrame([{"rows_with_title": 3, "function_accuracy": 1.0, "seniority_accuracy": 0.5}])
    assert plots.persona_accuracy_text(ev).startswith("title parser vs truth: function 100.0%, seniority 50.0% ")


def test_run_tables_and_texts(mapping_run):
    run = mapping_run
    tr = plots.touchpoint_rates_table(run.touchpoints)
    assert list(tr.columns) == ["source", "status", "match_method", "rows", "share"]
    assert "all" not in set(tr["source"]) and tr["share"].str.endswith("%").all()
    tab = plots.persona_table(run.contacts)
    assert tab.to_numpy().sum() == (run.contacts["status"] == "matched").sum()
    assert list(tab.columns) == [c for c in ["c_level", "vp", "director", "manager", "ic", "(no title)"] if c in tab]
    committee = MappingParams().committee
    txt = plots.committee_text(run.coverage, len(committee))
    assert txt.startswith("accounts by number of committee seats known (of 5):\nseats known\n")
    assert "ABM tier" not in txt
    by_tier = pd.DataFrame(
        {"coverage_share": [0.5], "engaged_share": [0.25]}, index=pd.Index(["strategic"], name="tier")
    )
    assert "by ABM tier (from notebook 02):\n" in plots.committee_text(run.coverage, 5, by_tier)
    inv = plots.involvement_text(run.involvement)
    assert inv.splitlines()[0].split() == ["outcome", "lost", "deals", "(%)", "won", "deals", "(%)"]
    assert "any_key_persona" in inv
    table = plots.involvement_table(run.involvement)  # the leadership page's table of the same shares
    assert list(table.columns) == ["won deals (%)", "lost deals (%)"] and table.index.name == "committee seat"
    assert "any key persona" in table.index and not any("_" in s for s in table.index)
    piv = run.involvement.pivot(index="seat", columns="outcome", values="share")
    assert table.loc["any key persona", "won deals (%)"] == 100 * piv.loc["any_key_persona", "won"]


def test_run_charts(mapping_run):
    committee = MappingParams().committee
    fig = plots.committee_chart(mapping_run.coverage, committee)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == [r.name.replace("_", " ") for r in committee]
    assert ax.get_ylim() == (0, 100) and ax.get_ylabel() == "Accounts (%)"
    fig = plots.persona_involvement_chart(mapping_run.involvement)
    assert fig.axes[0].get_ylabel().endswith("(%)")
    assert [t.get_text().split(" ")[0] for t in fig.axes[0].get_legend().get_texts()] == ["won", "lost"]
    fig2, ax2 = plt.subplots()
    assert plots.persona_involvement_chart(mapping_run.involvement, ax=ax2) is fig2
