"""Notebook 05's experiment views and the leadership 'how we know' on a small synthetic world with a holdout."""

from __future__ import annotations

import json

import pytest

from abm_lab.config import parse_params
from abm_lab.config.core import DemoParams
from abm_lab.errors import ABMParamsError
from abm_lab.experiment import views
from abm_lab.experiment.estimators import METHODS
from abm_lab.roi.lift.report import run_lift
from abm_lab.roi.narrative import how_we_know, leadership_summary
from abm_lab.style import fmt_pct
from abm_lab.synth import generate_world

AS_OF = "2026-12-31"


@pytest.fixture(scope="module")
def reports():
    w = generate_world(
        DemoParams(seed=11, n_accounts=1000, n_contacts=1000, n_touchpoints=5000, holdout_share=0.3), AS_OF
    )
    p = parse_params({"demo": {"holdout_share": 0.3}})
    with_exp = run_lift(w.tables, None, as_of=AS_OF, params=p.roi, experiment=p.experiment)
    no_arm = dict(w.tables, programs=w.tables["programs"].loc[lambda d: d["arm"] != "control"].drop(columns="arm"))
    without = run_lift(no_arm, None, as_of=AS_OF, params=p.roi, experiment=p.experiment)
    return with_exp, without


def test_summary_and_tables_read_the_report(reports):
    rep, plain = reports
    text = views.summary_markdown(rep)
    x = rep.experiment
    assert "is the headline" in text and f"{x['n_control']:,} were held out" in text
    assert "Sample ratio" in text and "Contamination" in text
    assert views.summary_markdown(plain) == views.NO_EXPERIMENT == views.effects_table(plain)
    tab = views.effects_table(rep)
    methods = set(tab.index.get_level_values("Method"))
    assert any(m.endswith("— headline") and m.startswith("Experiment") for m in methods)
    assert not methods & set(METHODS)  # readable labels, never the raw method keys
    assert "Observational: imputation DiD" in methods
    assert len(views.balance_table(rep)) > 0


def test_how_we_know_quotes_both_estimates_and_the_preregistration(reports):
    rep, plain = reports
    e, o = rep.get("opp_rate", "experiment"), rep.get("opp_rate", "imputation")
    assert rep.headline_method == "experiment" and rep.get("opp_rate")["method"] == "experiment"
    assert rep.get("win_rate")["method"] == "imputation"  # not randomised: the observational estimate
    txt = how_we_know(rep)
    assert f"rose {fmt_pct(e['relative'], 0)}" in txt and f"lift is {fmt_pct(o['relative'], 0)}" in txt
    assert "no pre-registration on file" in txt and "difference-in-differences" in txt
    design = {
        "primary_metric": "opp_rate",
        "analysis_date": "2026-12-31",
        "metrics": {"opp_rate": {"mde_relative": 0.42}},
        "provenance": {"created_at": "2025-12-15T10:00:00+00:00"},
    }
    reg = how_we_know(rep, design)
    assert "pre-registered on 2025-12-15" in reg and "42%" in reg and "opportunity rate" in reg
    assert "No randomised holdout" in how_we_know(plain)
    assert "randomly held-out controls" in leadership_summary(rep, {}, "$")
    assert "randomly held-out" not in leadership_summary(plain, {}, "$")
    assert o["method"] == "imputation"


def test_preregistration_from_params(tmp_path):
    p = parse_params({})
    assert views.preregistration(p) is None
    missing = parse_params({"experiment": {"preregistration": "nope/holdout_design.json"}})
    with pytest.raises(ABMParamsError, match="experiment.preregistration"):
        views.preregistration(missing, tmp_path)
    f = tmp_path / "holdout_design.json"
    f.write_text(json.dumps({"primary_metric": "pipeline"}))
    given = parse_params({"experiment": {"preregistration": str(f)}})
    assert views.preregistration(given)["primary_metric"] == "pipeline"
