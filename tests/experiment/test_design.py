"""``abm-lab design-holdout``: the assignment (strata, ±1 balance, exclusions), the design record (dates, MDEs,
cost), identical files on rerun and for any row order, clear refusals, no personal data, and the command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from abm_lab.artefacts import artefact
from abm_lab.config import parse_params
from abm_lab.errors import ABMArtefactError, ABMDataError, ABMParamsError
from abm_lab.experiment import design as dsg
from abm_lab.experiment.assign import ARMS

AS_OF = "2026-12-31"
FILES = {n: artefact(n).file for n in dsg.OUTPUTS}


@pytest.fixture(scope="module")
def targets(small_dataset) -> pd.DataFrame:
    """A target list like notebook 02's: every account, tiers from the programme (else programmatic), grades."""
    acc = small_dataset.tables["accounts"]
    prog = small_dataset.tables["programs"].drop_duplicates("account_id").set_index("account_id")["tier"]
    tier = acc["account_id"].map(prog).astype(object).fillna("programmatic").astype(str)
    grade = np.array(["A", "B", "C"])[np.arange(len(acc)) % 3]
    return pd.DataFrame(
        {
            "account_id": acc["account_id"].astype(str),
            "name": acc["name"].astype(str),
            "domain": acc["domain"].astype(str),
            "grade": grade,
            "tier": tier,
            "owner": acc["owner"].astype(str),
        }
    )


@pytest.fixture(scope="module")
def touches(small_dataset) -> pd.DataFrame:
    """Touchpoints with their account from the lead-to-account mapping (the demo world's touches have none)."""
    from abm_lab.roi.lift.report import estimated_touch_accounts

    return estimated_touch_accounts(small_dataset.tables)


def params(**experiment):
    return parse_params({"run": {"as_of": AS_OF}, "experiment": experiment})


@pytest.fixture(scope="module")
def run(small_dataset, touches):
    def design(targets, p=None, **kw) -> dsg.HoldoutDesign:
        return dsg.design_holdout(targets, small_dataset.tables["opportunities"], touches, p or params(), **kw)

    return design


@pytest.fixture(scope="module")
def design(run, targets) -> dsg.HoldoutDesign:
    return run(targets, share=0.2)


def test_assignment_strata_balance_and_exclusions(design, targets):
    a = design.assignment
    assert tuple(a.columns) == dsg.ASSIGNMENT_COLUMNS
    assert set(a["account_id"]) == set(targets["account_id"]) and a["account_id"].is_monotonic_increasing
    excluded = a["tier"].isin(params().experiment.exclude_tiers)
    assert excluded.any()
    assert (a.loc[excluded, "arm"] == ARMS[0]).all() and not a.loc[excluded, "randomised"].any()
    assert a.loc[excluded, "stratum"].str.startswith("excluded:").all()
    r = a.loc[~excluded]
    expected = r["tier"] + "|" + r["grade"] + "|E" + r["engagement_band"].astype(str)
    assert (r["stratum"] == expected).all()
    k = (r["arm"] == ARMS[1]).groupby(r["stratum"]).agg(["sum", "size"])
    assert ((k["sum"] >= np.floor(k["size"] * 0.2)) & (k["sum"] <= np.ceil(k["size"] * 0.2))).all()
    d = design.design
    assert d["n"] == {
        "targets": len(targets),
        "randomised": len(r),
        "treatment": int((r["arm"] == ARMS[0]).sum()),
        "control": int((r["arm"] == ARMS[1]).sum()),
        "excluded": int(excluded.sum()),
    }
    assert sum(row["n"] for row in d["strata"]["table"]) == len(r)


def test_design_record_dates_mdes_and_cost(design):
    d = design.design
    ep = params().experiment
    assert d["start_date"] == "2027-01-01"
    days = params().roi.lift.panel_days
    assert pd.Timestamp(d["analysis_date"]) - pd.Timestamp(d["start_date"]) == pd.Timedelta(days=days - 1)
    assert d["primary_metric"] == ep.primary_metric and d["secondary_metrics"] == ep.secondary_metrics
    assert d["share"] == 0.2 and d["share_auto"] is False and d["seed"] == params().run.seed
    for v in d["metrics"].values():
        assert v["mde"] > 0 and v["mde_relative"] == pytest.approx(v["mde"] / v["baseline"])
        assert v["variance_cuped"] <= v["variance_raw"] + 1e-12
    c = d["cost_of_holdout"]
    base = d["metrics"]["pipeline"]["baseline"]
    assert c["foregone_pipeline"] == pytest.approx(d["n"]["control"] * base * ep.assumed_lift * ep.length_quarters)
    shares = [r["share"] for r in d["mde_curves"]["share"] if r["metric"] == ep.primary_metric]
    quarters = [r["quarters"] for r in d["mde_curves"]["length"] if r["metric"] == ep.primary_metric]
    assert shares == ep.share_grid and quarters == list(range(1, ep.max_length_quarters + 1))
    assert d["power_check"] is None
    text = design.summary().as_text()
    assert "Holdout design" in text and "opp_rate" in text


def _strip_created(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\dT[\d:]+\+00:00", "<created>", text)


def test_rerun_and_row_order_give_identical_files(run, targets, design, tmp_path):
    first = design.write(tmp_path / "a")
    shuffled = targets.sample(frac=1, random_state=3).reset_index(drop=True)
    second = run(shuffled, share=0.2).write(tmp_path / "b")
    for name in dsg.OUTPUTS:
        a, b = first[name].read_bytes(), second[name].read_bytes()
        if name in ("holdout_design", "holdout_preregistration"):
            a, b = _strip_created(a.decode()).encode(), _strip_created(b.decode()).encode()
        assert a == b, name
    d = json.loads(first["holdout_design"].read_text())
    assert d["provenance"]["created_at"]
    assert list(pd.read_csv(first["holdout_assignment"]).columns) == list(dsg.ASSIGNMENT_COLUMNS)


def test_seed_precedence_and_effect(run, targets, design):
    assert run(targets, params(seed=7), share=0.2).design["seed"] == 7
    other = run(targets, params(seed=7), share=0.2, seed=8)
    assert other.design["seed"] == 8
    assert (other.assignment["arm"] != design.assignment["arm"]).any()


def test_auto_share_reachable_or_not(run, targets):
    grid = params().experiment.share_grid
    easy = run(targets, params(target_mde=1000.0), share="auto").design
    assert easy["share"] == min(grid) and easy["share_auto"] and easy["target_reachable"]
    hard = run(targets, params(target_mde=0.001), share="auto")
    curve = pd.DataFrame(hard.design["mde_curves"]["share"])
    curve = curve.loc[curve["metric"] == hard.design["primary_metric"]].reset_index(drop=True)
    best = float(curve.loc[curve["mde_relative"].idxmin(), "share"])  # unreachable: the share with the smallest MDE
    assert hard.design["share"] == best and hard.design["target_reachable"] is False
    assert "not reachable" in hard.summary().as_text()
    from abm_lab.experiment.prereg import render

    assert "not reachable" in render(hard.design)


def test_engagement_bands_are_touch_quantiles_of_the_randomised_targets(design, touches):
    a = design.assignment
    d = design.design
    counts = dsg.touch_counts(touches, a["account_id"], d["history"]["first_day"], d["as_of"]).to_numpy()
    r = a["randomised"].to_numpy()
    bands = a["engagement_band"].to_numpy(int)
    assert set(bands[r]) == {1, 2, 3}
    sizes = np.bincount(bands[r])[1:]
    assert sizes.max() - sizes.min() <= 0.1 * r.sum()  # about equal thirds (ties kept together)
    for lo, hi in zip(d["strata"]["bands"], d["strata"]["bands"][1:], strict=False):
        assert lo["max_touches"] < hi["min_touches"]  # bands are ordered ranges of touches
    assert (bands == dsg.engagement_bands(counts, counts[r], 3)).all()


def test_engagement_bands_keep_ties_together():
    counts = np.array([0, 0, 0, 0, 0, 0, 3, 4, 9, 12])
    bands = dsg.engagement_bands(counts, counts, 3)
    assert len(set(bands[counts == 0])) == 1 and bands[0] == 1  # 60% zeros: one low band, not split at random
    assert (np.diff(bands) >= 0).all() and bands[-1] == 3
    distinct = np.arange(30)
    assert np.bincount(dsg.engagement_bands(distinct, distinct, 3))[1:].tolist() == [10, 10, 10]
    assert len(set(dsg.engagement_bands(np.zeros(8), np.zeros(8), 3))) == 1  # no engagement at all: one band


def test_power_check_runs_inside_the_design(run, targets):
    d = run(targets, params(power_simulations=200), share=0.3).design
    pc = d["power_check"]
    assert pc["n_simulations"] == 200 and pc["metric"] == d["primary_metric"]
    assert abs(pc["simulated_power"] - pc["target_power"]) < 0.12  # 200 placebos: a sanity check only


def test_no_personal_data_in_any_file(design, targets, tmp_path):
    paths = design.write(tmp_path)
    text = "".join(paths[n].read_text() for n in ("holdout_assignment", "holdout_design", "holdout_preregistration"))
    for col in ("name", "owner"):
        leaked = [v for v in targets[col].unique() if len(v) > 3 and v in text]
        assert not leaked, (col, leaked[:3])
    assert "@" not in text


def test_bad_target_lists_are_refused_with_file_and_column(targets, tmp_path):
    with pytest.raises(ABMArtefactError, match=r"abm-lab run PARAMS.*experiment\.target_list"):
        dsg.read_target_list(tmp_path / "missing.csv")
    p = tmp_path / "t.csv"
    targets.drop(columns="grade").to_csv(p, index=False)
    with pytest.raises(ABMDataError, match=r"t\.csv.*'grade'") as e:
        dsg.read_target_list(p)
    assert e.value.column == "grade"
    bad = targets.copy()
    bad.loc[4, "tier"] = ""
    bad.to_csv(p, index=False)
    with pytest.raises(ABMDataError, match="blank tier") as e:
        dsg.read_target_list(p)
    assert e.value.rows == [6]
    pd.concat([targets, targets.iloc[[2]]]).to_csv(p, index=False)
    with pytest.raises(ABMDataError, match="more than once") as e:
        dsg.read_target_list(p)
    assert e.value.rows == [4, len(targets) + 2]
    with pytest.raises(ABMParamsError, match="--share"):
        dsg.parse_share("lots", params())
    with pytest.raises(ABMParamsError, match="between 0 and 0.9"):
        dsg.parse_share(0.95, params())


def test_write_never_overwrites_silently_and_force_touches_only_its_files(design, tmp_path):
    other = tmp_path / "keep.txt"
    other.write_text("mine")
    design.write(tmp_path)
    with pytest.raises(ABMArtefactError, match="--force"):
        design.write(tmp_path)
    (tmp_path / FILES["holdout_design"]).write_text("old")
    design.write(tmp_path, force=True)
    assert (tmp_path / FILES["holdout_design"]).read_text().startswith("{")
    assert other.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*FILES.values(), "keep.txt"])


def test_command_end_to_end(small_world, targets, tmp_path, capsys):
    from abm_lab.pipeline.cli import main
    from abm_lab.synth import save_world

    data = save_world(small_world, tmp_path / "data")
    folder = tmp_path / "reports" / "q1" / "artefacts"
    folder.mkdir(parents=True)
    targets.to_csv(folder / artefact("target_accounts").file, index=False)
    p = tmp_path / "p.yaml"
    p.write_text(
        f"run: {{name: q1, output_dir: {tmp_path / 'reports'}, as_of: {AS_OF}}}\n"
        f"data: {{source: folder, path: {data}}}\nexperiment: {{strata: [tier, grade]}}\n"
    )
    assert main(["design-holdout", str(p), "--share", "0.25", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "Holdout design" in out and all(f in out for f in FILES.values())
    d = json.loads((folder / FILES["holdout_design"]).read_text())
    assert d["share"] == 0.25 and d["seed"] == 3 and d["strata"]["variables"] == ["tier", "grade"]
    assert d["provenance"]["params_file"] == str(p) and len(d["provenance"]["target_list_sha256"]) == 64
    assert main(["design-holdout", str(p)]) == 3  # files exist: refused before any work
    assert "--force" in capsys.readouterr().err
    assert main(["design-holdout", str(p), "--share", "most"]) == 2
    p2 = tmp_path / "p2.yaml"
    p2.write_text(p.read_text().replace("name: q1", "name: q2"))
    assert main(["design-holdout", str(p2)]) == 3
    err = capsys.readouterr().err
    assert "abm-lab run PARAMS" in err and "Traceback" not in err
    assert not (tmp_path / "reports" / "q2").exists()  # nothing created on failure
    assert Path(data).is_dir()


def test_small_control_arm_is_flagged(run, targets):
    from abm_lab.experiment.prereg import render

    small = run(targets, params(min_control_accounts=100_000))
    assert small.design["checks"]["small_control_arm"] is True
    assert "fewer than 100000" in small.summary().as_text() and "Small control arm" in render(small.design)
    fine = run(targets, params(min_control_accounts=2))
    assert fine.design["checks"]["small_control_arm"] is False
    assert "Small control arm" not in render(fine.design) and "fewer than" not in fine.summary().as_text()
