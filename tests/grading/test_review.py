"""The quarterly target-list review: statuses and reasons, knowledge columns, actions, the previous run."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from abm_lab import grading, icp
from abm_lab.config import Params, parse_params
from abm_lab.config.icp import IcpParams
from abm_lab.errors import ABMDataError
from abm_lab.grading import review as rv
from abm_lab.pipeline import RunContext

AS_OF = "2026-12-31"
FIRMO = {"domain": "x.com", "industry": "Software", "employees": 500, "annual_revenue": 1e8, "country": "US"}


def _params(**review) -> Params:
    return parse_params(
        {
            "run": {"as_of": AS_OF, "window_start": "2026-10-01", "window_end": AS_OF},
            "grading": {"review": {"trim_after_quarters": 2, **review}},
        }
    )


def _accounts(ids, customers=(), blank=None):
    rows = []
    for a in ids:
        r = {"account_id": a, "name": f"Co {a}", **FIRMO, "region": "NA", "is_customer": a in customers}
        for c in (blank or {}).get(a, ()):
            r[c] = None
        rows.append(r)
    return pd.DataFrame(rows)


def _targets(grades: dict[str, str], tier="programmatic"):
    return pd.DataFrame({"account_id": list(grades), "name": [f"Co {a}" for a in grades], "tier": tier})


def _grades(grades: dict[str, str], tier="programmatic"):
    return pd.DataFrame({"account_id": list(grades), "grade": list(grades.values()), "tier": tier})


@pytest.fixture()
def world():
    """Hand-made quarter change: every reason the review gives, with the known answer."""
    before = {"A1": "B", "A2": "C", "A3": "B", "A4": "A", "A5": "D", "A6": "B", "A8": "B"}
    prev_list = {k: before[k] for k in ("A1", "A2", "A3", "A4", "A6")}  # A8 was a customer, A5 a D
    now = {"A1": "B", "A2": "D", "A3": "B", "A5": "A", "A6": "A", "A7": "C", "A8": "B"}  # A4 gone from the CRM
    cur_list = {k: now[k] for k in ("A1", "A5", "A6", "A7", "A8")}  # A3 is a customer now
    accounts = _accounts(["A1", "A2", "A3", "A5", "A6", "A7", "A8"], customers={"A3"})
    return dict(
        current_targets=_targets(cur_list),
        previous_targets=_targets(prev_list),
        grades_now=_grades(now),
        grades_before=_grades(before),
        accounts=accounts,
    )


def _review(w, contacts=None, touches=None, params=None, **kw):
    cm = contacts if contacts is not None else pd.DataFrame(columns=["contact_id", "status", "account_id"])
    tp = touches if touches is not None else pd.DataFrame(columns=["account_id", "timestamp"])
    return rv.review_targets(**w, contacts_mapped=cm, touchpoints=tp, params=params or _params(), **kw).set_index(
        "account_id"
    )


def test_statuses_and_reasons_of_a_hand_made_quarter(world):
    t = _review(world)
    expect = {
        "A1": ("stayed", "unchanged"),
        "A2": ("left", "grade change"),  # B... C fell to D, below the target grades
        "A3": ("left", "became customer"),
        "A4": ("left", "disqualified"),  # no longer in the accounts table
        "A5": ("entered", "grade change"),  # D -> A
        "A6": ("stayed", "grade change"),  # B -> A, still a target
        "A7": ("entered", "new account"),
        "A8": ("entered", "no longer customer"),  # a B last quarter that was not on the list
    }
    assert {a: (r.status, r.reason) for a, r in t.iterrows()} == expect
    assert list(t.columns) == rv.REVIEW_COLUMNS[1:]
    assert t.loc["A2", ["grade_before", "grade_now"]].tolist() == ["C", "D"]
    assert t.loc["A4", "name"] == "Co A4" and pd.isna(t.loc["A4", "grade_now"])  # name from last quarter's list
    assert (t.loc[t["status"] == "left", "action"] == "remove").all()
    assert t["status"].tolist() == sorted(t["status"], key=rv.STATUSES.index)  # entered, left, stayed


def test_changed_target_grades_is_its_own_reason(world):
    p = parse_params({"run": {"as_of": AS_OF}, "grading": {"target_grades": ["A"]}})
    w = {**world, "current_targets": _targets({"A5": "A", "A6": "A"})}
    t = _review(w, params=p, previous_target_grades=["A", "B", "C"]).reset_index().set_index("account_id")
    assert t.loc["A1", "reason"] == "target grades changed"  # still a B; B no longer a target grade
    assert t.loc["A2", "reason"] == "grade change"


def test_no_previous_run_makes_every_target_a_first_review_entry(world):
    t = _review({**world, "previous_targets": None, "grades_before": None})
    assert set(t.index) == {"A1", "A5", "A6", "A7", "A8"}
    assert (t["status"] == "entered").all() and (t["reason"] == "first review").all()
    assert (t["quarters_on_list"] == 1).all()


def test_knowledge_columns_on_a_tiny_mapped_world(world):
    contacts = pd.DataFrame(
        {
            "contact_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "status": ["matched", "matched", "matched", "ambiguous", "matched", "matched"],
            "account_id": ["A1", "A1", "A1", "A1", "A6", "A7"],
            "persona_function": ["marketing", "finance", "other", "sales", "executive", None],
            "persona_seniority": ["director", "manager", "ic", "vp", "c_level", None],
        }
    )
    ts = pd.Timestamp(AS_OF)
    touches = pd.DataFrame(
        {
            "account_id": ["A1", "A1", "A1", "A7", None],
            "timestamp": [
                ts - pd.Timedelta(days=10, hours=-3),
                ts - pd.Timedelta(days=300),
                ts + pd.Timedelta(days=5),
                ts,
                ts,
            ],
        }
    )
    world["accounts"].loc[world["accounts"]["account_id"] == "A7", ["industry", "employees"]] = None
    t = _review(world, contacts, touches)
    a1 = t.loc["A1"]
    assert a1["contacts_mapped"] == 3 and a1["contacts_with_persona"] == 2  # the ambiguous one does not count
    assert a1["committee_size"] == 6 and a1["committee_coverage"] == pytest.approx(0.5)
    assert a1["seats_known"] == 2 and a1["seat_coverage"] == pytest.approx(0.4)
    assert a1["missing_personas"] == "sales_leader; it; executive"
    assert a1["days_since_last_touch"] == 10 and a1["recent_touches"] == 1  # the touch after as_of is not known
    assert str(a1["last_touch"]) == "2026-12-21"
    assert (
        t.loc["A6", "seats_known"] == 1
        and t.loc["A6", "missing_personas"] == "marketing_leader; sales_leader; it; finance"
    )
    assert t.loc["A7", "contacts_with_persona"] == 0 and t.loc["A7", "days_since_last_touch"] == 0
    assert t.loc["A7", "firmographic_completeness"] == pytest.approx(4 / 6)
    assert t.loc["A7", "missing_firmographics"] == "industry; employees"
    assert t.loc["A5", "contacts_mapped"] == 0 and pd.isna(t.loc["A5", "days_since_last_touch"])
    assert t.loc["A5", "firmographic_completeness"] == 1.0


def test_actions_trim_fill_gaps_and_keep(world):
    """A6 (on the list for two quarters, in the treated programme since Q2) has no touch: trim. A5 (just entered)
    and the hold-out H1 are never trimmed. A7 lacks firmographics and personas: fill gaps, naming them."""
    ts = pd.Timestamp(AS_OF)
    world["current_targets"] = _targets({"A1": "B", "A5": "A", "A6": "A", "A7": "C", "H1": "B"})
    world["grades_now"] = pd.concat([world["grades_now"], _grades({"H1": "B"})])
    world["grades_before"] = pd.concat([world["grades_before"], _grades({"H1": "B"})])
    world["previous_targets"] = _targets({"A1": "B", "A6": "B", "H1": "B"})
    world["accounts"] = _accounts(["A1", "A5", "A6", "A7", "H1"], blank={"A7": ["industry", "employees"]})
    seats = [("marketing", "director"), ("sales", "vp"), ("it", "manager"), ("finance", "manager"), ("ceo", "c_level")]
    rows = [(f"{a}{i}", a, f, s) for a in ("A1", "A5", "A6", "H1") for i, (f, s) in enumerate(seats)]
    rows += [("A7x", "A7", "other", "ic")]
    contacts = pd.DataFrame(rows, columns=["contact_id", "account_id", "persona_function", "persona_seniority"])
    contacts["status"] = "matched"
    contacts.loc[contacts["persona_function"] == "ceo", "persona_function"] = "executive"
    touches = pd.DataFrame(
        {"account_id": ["A1", "A6", "A7"], "timestamp": [ts - pd.Timedelta(days=5), ts - pd.Timedelta(days=200), ts]}
    )
    programs = pd.DataFrame(
        {
            "account_id": ["A6", "H1", "A5"],
            "start_date": pd.to_datetime(["2026-04-01", "2026-01-01", "2027-01-01"]),  # A5 starts after as_of
            "arm": ["treatment", "control", "treatment"],
        }
    )
    p = _params(min_committee_coverage=0.8)
    t = _review(world, contacts, touches, params=p, programs=programs)
    assert t.loc["A6", "action"] == "trim" and t.loc["A6", "quarters_in_programme"] == 3
    assert t.loc["A6", "recent_touches"] == 0 and "despite 3 quarters of spend" in t.loc["A6", "action_detail"]
    assert t.loc["H1", "holdout"] and t.loc["H1", "action"] == "keep"  # no touches, but a control account
    assert t.loc["A5", "action"] == "keep" and t.loc["A5", "quarters_in_programme"] == 0
    assert t.loc["A7", "action"] == "fill gaps"
    detail = t.loc["A7", "action_detail"]
    assert "contacts 1 of 6" in detail and "firmographics: industry, employees" in detail
    assert "find marketing_leader, sales_leader, it, finance, executive" in detail
    assert t.loc["A1", "action"] == "keep" and t.loc["A1", "action_detail"] == ""
    # one more quarter allowed before trimming: A6 is kept (seats all known, touches only 200 days ago)
    t3 = _review(
        world, contacts, touches, params=_params(min_committee_coverage=0.8, trim_after_quarters=4), programs=programs
    )
    assert t3.loc["A6", "action"] == "keep"


def test_quarters_on_list_carry_over_from_last_review(world):
    prev_review = pd.DataFrame(
        {"account_id": ["A1", "A6"], "status": ["stayed", "entered"], "quarters_on_list": [3, 1]}
    )
    t = _review(world, previous_review=prev_review)
    assert t.loc["A1", "quarters_on_list"] == 4 and t.loc["A6", "quarters_on_list"] == 2
    assert t.loc["A5", "quarters_on_list"] == 1


def test_bad_input_names_the_file_and_column(world):
    with pytest.raises(ABMDataError, match="previous target_accounts lacks column") as e:
        _review({**world, "previous_targets": pd.DataFrame({"id": ["A1"]})})
    assert e.value.column == "account_id"
    with pytest.raises(ABMDataError, match="touchpoints lacks column.*timestamp"):
        _review(world, touches=pd.DataFrame({"account_id": ["A1"]}))


def test_results_summary_and_save(world, tmp_path):
    res = rv.TargetReview(_review(world).reset_index(), "2026Q4", "2026Q3")
    assert res.counts() == {"entered": 3, "left": 3, "stayed": 2}
    acts = res.actions()
    assert acts.loc["left", "remove"] == 3 and acts.loc["total", "total"] == 8
    s = res.summary()
    assert s.title.startswith("Target-list review 2026Q4 vs 2026Q3: 3 entered, 3 left, 2 stayed")
    p = res.save(tmp_path)
    assert p.name == "target_list_review.csv" and len(pd.read_csv(p)) == 8


# ------------------------------------------------------------------ the previous run, quarter over quarter


def _manifest(run_dir, name, ws, we):
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "artefacts").mkdir(exist_ok=True)
    params = {
        "run": {"name": name, "window_start": ws, "window_end": we},
        "grading": {"target_grades": ["A", "B", "C"]},
    }
    (run_dir / "manifest.json").write_text(json.dumps({"run": name, "params": params}))


def _quarter_params(reports, name, ws, we, **grading):
    return parse_params(
        {
            "run": {
                "name": name,
                "as_of": we,
                "window_start": ws,
                "window_end": we,
                "output_dir": str(reports),
                "seed": 42,
            },
            "grading": grading,
        }
    )


def test_previous_run_is_the_latest_earlier_window(tmp_path, small_dataset):
    reports = tmp_path / "reports"
    ctx = RunContext.from_dataset(
        _quarter_params(reports, "2026Q4", "2026-10-01", AS_OF), small_dataset, reports / "2026Q4"
    )
    assert rv.previous_run_dir(ctx) is None and rv.previous_run_artefact(ctx, "target_accounts") is None
    _manifest(reports / "2026Q2", "2026Q2", "2026-04-01", "2026-06-30")
    _manifest(reports / "2026Q3", "2026Q3", "2026-07-01", "2026-09-30")
    _manifest(reports / "2027Q1", "2027Q1", "2027-01-01", "2027-03-31")
    assert rv.previous_run_dir(ctx) == reports / "2026Q3"
    assert rv.previous_run_artefact(ctx, "target_accounts") is None  # that run has no target list
    _targets({"A000001": "A"}).to_csv(reports / "2026Q3" / "artefacts" / "target_accounts.csv", index=False)
    assert rv.previous_run_artefact(ctx, "target_accounts")["account_id"].tolist() == ["A000001"]


def _won_in_q4_are_customers(ds):
    """What the CRM does when a deal is won: the account is a customer from then on (Q4 wins only)."""
    o = ds.tables["opportunities"]
    won = o.loc[o["is_won"].astype(bool) & (o["close_date"] >= "2026-10-01"), "account_id"]
    acc = ds.tables["accounts"].copy()
    acc.loc[acc["account_id"].isin(won), "is_customer"] = True
    ds.tables = {**ds.tables, "accounts": acc}
    return ds


def test_quarter_over_quarter_on_a_small_world(tmp_path, small_demo, small_dataset):
    """Grade Q3 and Q4 of a small demo world (Q4: stricter grade C, Q4's wins become customers), review Q4
    against Q3: entries and exits are exactly the two lists' differences, each with the reason the data gives."""
    import copy

    from abm_lab.synth import world_dataset

    reports = tmp_path / "reports"
    runs = {}
    quarters = [
        ("2026Q3", "2026-07-01", "2026-09-30", world_dataset(small_demo, "2026-09-30"), {}),
        (
            "2026Q4",
            "2026-10-01",
            AS_OF,
            _won_in_q4_are_customers(copy.copy(small_dataset)),
            {"cutoffs": {"A": 92, "B": 80, "C": 70, "D": 45, "E": 25}},
        ),
    ]
    for name, ws, we, ds, g in quarters:
        ctx = RunContext.from_dataset(_quarter_params(reports, name, ws, we, **g), ds, reports / name)
        fit = icp.discover(ds.tables["accounts"], ds.tables["opportunities"], IcpParams(), seed=42).fit_scores
        fit.to_parquet(ctx.path("fit_scores"), index=False)
        gr = grading.run(ctx)
        review = rv.review_run(ctx, gr)
        review.save(ctx)
        _manifest(ctx.run_dir, name, ws, we)  # what the runner writes when the run has finished
        runs[name] = (ctx, gr, review)

    q3 = runs["2026Q3"][2].table
    assert (q3["status"] == "entered").all() and (q3["reason"] == "first review").all()
    assert runs["2026Q3"][2].previous_run is None
    ctx4, gr4, review4 = runs["2026Q4"]
    assert review4.previous_run == "2026Q3"
    t = pd.read_csv(ctx4.path("target_list_review"), dtype={"account_id": str}).set_index("account_id")
    before = set(pd.read_csv(runs["2026Q3"][0].path("target_accounts"), dtype={"account_id": str})["account_id"])
    now = set(gr4.targets["account_id"])
    by = t.groupby("status").groups
    assert set(by["entered"]) == now - before and set(by["left"]) == before - now
    assert set(by["stayed"]) == now & before
    assert len(now - before) > 0 and len(before - now) > 0  # the check can fail both ways
    left = t[t["status"] == "left"]
    acc4 = ctx4.tables["accounts"].set_index("account_id")
    customers = set(acc4.index[acc4["is_customer"].astype(bool)])
    assert (left["reason"] == "became customer").any()
    assert set(left.index[left["reason"] == "became customer"]) == (before - now) & customers
    gc = left[left["reason"] == "grade change"]
    assert gc["grade_now"].isin(["D", "E", "F"]).all() and gc["grade_before"].isin(["A", "B", "C"]).all()
    entered = t[t["status"] == "entered"]
    assert entered["grade_now"].isin(["A", "B", "C"]).all()
    assert (t.loc[t["status"] == "stayed", "quarters_on_list"] == 2).all()
    assert set(t["action"]) <= set(rv.ACTIONS) and (left["action"] == "remove").all()
    h = review4.headline()
    assert h["entered"] + h["stayed"] == len(now) and h["left"] == len(before - now)


def test_quarter_over_quarter_of_the_evolving_world(tmp_path, small_demo, small_world):
    """The synthetic world evolves with as-of (:mod:`abm_lab.synth.evolution`). Graded in Q3 and Q4 on the same
    icp.yaml rules (a grade is a function of firmographics only) and nothing edited by hand, the review's exits
    and entries are exactly what the world's truth says: first wins after Q3 left as 'became customer', records
    deleted after Q3 as 'disqualified', and every 'grade change' (here: the entries) is an account whose rule
    columns changed after Q3."""
    import yaml

    from abm_lab.icp.features import band_labels
    from abm_lab.synth import evolution, world_dataset

    edges = [50.0, 200.0, 1000.0, 5000.0]
    rules = {
        "version": 1,
        "conditions": [
            {"attribute": "tech_crm", "in": ["yes"]},
            {"attribute": "employee_band", "in": band_labels(edges, "employees")[2:4]},  # 200-4,999
            {"attribute": "industry", "in": ["Software", "Financial Services", "Healthcare"]},
        ],
        "bands": {"employees": edges},
    }
    reports = tmp_path / "reports"
    runs = {}
    for name, ws, we, ds in (
        ("2026Q3", "2026-07-01", "2026-09-30", world_dataset(small_demo, "2026-09-30")),
        ("2026Q4", "2026-10-01", AS_OF, world_dataset(world=small_world)),
    ):
        ctx = RunContext.from_dataset(_quarter_params(reports, name, ws, we, score_source="rules"), ds, reports / name)
        ctx.path("icp_rules").write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
        gr = grading.run(ctx)
        rv.review_run(ctx, gr).save(ctx)
        _manifest(ctx.run_dir, name, ws, we)
        runs[name] = (ctx, gr)

    ev = small_world.truth["account_events"]
    since_q3 = ev.loc[ev["effective_date"].between(pd.Timestamp("2026-10-01"), pd.Timestamp(AS_OF))]
    won = set(since_q3.loc[since_q3["event"] == evolution.BECAME_CUSTOMER, "account_id"])
    deleted = set(since_q3.loc[since_q3["event"] == evolution.DELETED, "account_id"])
    moved = set(since_q3.loc[since_q3["column"].isin(["employees", "tech_crm", "industry"]), "account_id"])
    before = set(runs["2026Q3"][1].targets["account_id"])
    now = set(runs["2026Q4"][1].targets["account_id"])
    t = pd.read_csv(runs["2026Q4"][0].path("target_list_review"), dtype={"account_id": str}).set_index("account_id")
    left, entered = t[t["status"] == "left"], t[t["status"] == "entered"]
    assert set(left.index) == before - now and set(entered.index) == now - before
    by_reason = {r: set(g.index) for r, g in left.groupby("reason")}
    assert by_reason.get("became customer") == (before - now) & won != set()
    assert by_reason.get("disqualified") == (before - now) & deleted != set()
    assert set(by_reason) <= {"became customer", "disqualified", "grade change"}
    assert by_reason.get("grade change", set()) <= moved and set(entered.index) <= moved and len(entered) > 0
    assert (entered["reason"] == "grade change").all()
    gc = left[left["reason"] == "grade change"]
    assert not gc["grade_now"].isin(["A", "B", "C"]).any() and gc["grade_before"].isin(["A", "B", "C"]).all()
    assert not entered["grade_before"].isin(["A", "B", "C"]).any() and entered["grade_now"].isin(["A", "B", "C"]).all()
    stayed = t[t["status"] == "stayed"]
    assert (stayed.loc[stayed["grade_before"] != stayed["grade_now"]].index.isin(list(moved))).all()
    assert (left["action"] == "remove").all() and {"keep", "fill gaps"} & set(stayed["action"])


def test_highlights_put_exits_and_entries_first(world):
    res = rv.TargetReview(_review(world).reset_index(), "2026Q4", "2026Q3")
    h = res.highlights(5)
    assert h["status"].tolist() == ["left", "left", "left", "entered", "entered"]
    assert "account id" == h.index.name and "days since last touch" in h.columns


def test_an_empty_target_list_gives_an_empty_review(world):
    empty = world["current_targets"].iloc[0:0]
    t = rv.review_targets(empty, None, world["grades_now"], None, world["accounts"], None, None, _params())
    assert t.empty and list(t.columns) == rv.REVIEW_COLUMNS


def test_missing_personas_counts_current_targets_only(world):
    contacts = pd.DataFrame(
        {
            "contact_id": ["c1", "c2"],
            "status": "matched",
            "account_id": ["A1", "A2"],  # A2 left the list: not counted
            "persona_function": ["marketing", "finance"],
            "persona_seniority": ["director", "manager"],
        }
    )
    res = rv.TargetReview(_review(world, contacts).reset_index(), "2026Q4", "2026Q3")
    m = res.missing_personas()["targets missing it"]
    assert m.to_dict() == {"sales leader": 5, "it": 5, "finance": 5, "executive": 5, "marketing leader": 4}
    assert res.missing_personas()["share of targets"].iloc[0] == "100%"  # of the 5 current targets


def test_missing_personas_without_any_contact_is_empty_not_an_error(world):
    """Data without contacts (the Maven CRM export) leaves missing_personas without any text: no seat counted."""
    table = _review(world, None).reset_index()
    table["missing_personas"] = float("nan")  # what a merge gives when no target has a contact
    res = rv.TargetReview(table, "2026Q4", "2026Q3")
    out = res.missing_personas()
    assert out.empty and list(out.columns) == ["targets missing it", "share of targets"]
