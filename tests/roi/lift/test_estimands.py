"""What the lift is: the grid, treated cells from each account's own dates, controls from pre-programme status,
outcomes by close date with nothing after as_of, deal maturity, and the exact ATT from two potential outcomes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abm_lab.config.roi import LiftParams
from abm_lab.roi.lift import estimands as E

AS_OF = pd.Timestamp("2026-12-31")


def ts(v):
    return pd.to_datetime(v)


def test_grid_ends_on_as_of_with_complete_periods():
    g = E.PeriodGrid.from_params(AS_OF, LiftParams(), "2025-01-03")
    assert g.n_periods == 8 and list(g.periods) == list(range(-7, 1))
    t = g.table()
    assert t["end"].iloc[-1] == AS_OF
    assert ((t["end"] - t["start"]).dt.days + 1 == 91).all()
    assert (t["start"].iloc[1:].to_numpy() == (t["end"].iloc[:-1] + pd.Timedelta(days=1)).to_numpy()).all()
    per = g.period_of(ts(["2026-12-31", "2026-10-02", "2026-10-01", "2025-01-03", "2025-01-02", "2027-01-01"]))
    assert per[:4].tolist() == [0, 0, -1, -7] and np.isnan(per[4:]).all()
    assert E.PeriodGrid.from_params(AS_OF, LiftParams(max_periods=5), "2020-01-01").n_periods == 5


def test_treatment_cells_staggered_entry_exit_and_partial():
    g = E.PeriodGrid.from_params(AS_OF, LiftParams(), "2025-01-03")
    starts = g.start(g.periods)
    prog = pd.DataFrame(
        {
            "program_id": "P",
            "account_id": ["a", "b", "c", "d"],
            "start_date": [starts[4], starts[6], starts[4] + pd.Timedelta(days=40), starts[4]],
            "end_date": [pd.NaT, pd.NaT, pd.NaT, g.end(-2)],
        }
    )
    c = E.treatment_cells(["a", "b", "c", "d", "e"], prog, g, partial_days=7).set_index(["account_id", "period"])
    tr = c["treated"].unstack()
    assert tr.loc["a"].tolist() == [False] * 4 + [True] * 4  # from period -3 on
    assert tr.loc["b"].tolist() == [False] * 6 + [True] * 2  # staggered: two periods later
    assert not tr.loc["e"].any()
    assert c.loc[("c", -3), "partial"] and not c.loc[("c", -3), "treated"] and c.loc[("c", -2), "treated"]
    assert tr.loc["d"].tolist() == [False] * 4 + [True, True, False, False]  # left after period -2
    assert c.loc[("d", -1), "exited"] and c.loc[("d", 0), "exited"]
    assert c.loc[("a", 0), "cohort"] == -3 and c.loc[("b", 0), "cohort"] == -1 and pd.isna(c.loc[("e", 0), "cohort"])
    # a start one day into a period still counts the whole period (within partial_days)
    late = prog.assign(start_date=prog["start_date"] + pd.Timedelta(days=1))
    c1 = E.treatment_cells(["a"], late.iloc[:1], g, partial_days=7)
    assert c1.loc[c1["period"] == -3, "treated"].item()
    c0 = E.treatment_cells(["a"], late.iloc[:1], g, partial_days=0)
    assert c0.loc[c0["period"] == -3, "partial"].item()


def _opps(rows):
    o = pd.DataFrame(rows, columns=["opportunity_id", "account_id", "created_date", "close_date", "stage", "amount"])
    o["created_date"], o["close_date"] = ts(o["created_date"]), ts(o["close_date"])
    o["is_won"] = o["stage"].eq("closed_won")
    o["is_closed"] = o["stage"].isin(["closed_won", "closed_lost"])
    return o


def test_won_revenue_by_close_date_and_nothing_after_as_of():
    g = E.PeriodGrid.from_params(AS_OF, LiftParams(), "2025-01-03")
    o = _opps(
        [
            ("o1", "a", "2026-05-01", "2026-11-15", "closed_won", 100.0),  # created -2, closed in period 0
            ("o2", "a", "2026-11-01", "2027-01-20", "closed_won", 1e6),  # closed after as_of: open at as_of
            ("o3", "a", "2026-12-01", None, "discovery", 50.0),
            ("o4", "a", "2027-01-05", None, "discovery", 1e6),  # created after as_of
            ("o5", "b", "2026-03-01", "2026-04-10", "closed_lost", 70.0),
        ]
    )
    y = E.account_period_outcomes(o, ["a", "b"], g, AS_OF).set_index(["account_id", "period"])
    assert y.loc[("a", 0), "won_revenue"] == 100.0  # by close date, not by created date
    assert y.loc[("a", -2), "won_revenue"] == 0.0 and y.loc[("a", -2), "pipeline"] == 100.0
    assert y.loc[("a", 0), "opp_rate"] == 2 and y.loc[("a", 0), "pipeline"] == 1e6 + 50
    assert y["won_revenue"].sum() == 100.0  # o2's 1e6 closed after as_of never enters
    assert y.loc[("a", 0), "open_pipeline"] == 1e6 + 50
    # changing what happens after as_of changes nothing
    o_later = o.copy()
    o_later.loc[o_later["opportunity_id"] == "o2", ["stage", "close_date"]] = ["closed_lost", ts("2027-03-01")]
    y2 = E.account_period_outcomes(o_later, ["a", "b"], g, AS_OF).set_index(["account_id", "period"])
    pd.testing.assert_frame_equal(y, y2)


def test_deal_outcomes_maturity_rule():
    g = E.PeriodGrid.from_params(AS_OF, LiftParams(), "2025-01-03")
    o = _opps(
        [
            ("o1", "a", "2026-01-10", "2026-03-01", "closed_won", 10.0),  # mature, won in 50 days
            ("o2", "a", "2026-01-10", "2026-12-01", "closed_won", 10.0),  # mature, won after 325 days: not won
            ("o3", "a", "2026-11-10", "2026-12-01", "closed_won", 10.0),  # too young: not mature
            ("o4", "a", "2026-02-10", None, "proposal", 10.0),  # mature, still open: not won
        ]
    )
    d = E.deal_outcomes(o, g, AS_OF, maturity_days=180).set_index("opportunity_id")
    assert d["mature"].tolist() == [True, True, False, True]
    assert d["won"].tolist() == [True, False, True, False]
    p = E.win_prob_by_age(o, AS_OF, 180)
    assert len(p) == 181 and p[-1] == 0 and 0 <= p.min() and p.max() <= 1


def test_control_group_uses_pre_programme_status_only():
    acc = pd.DataFrame({"account_id": ["t", "c1", "c2", "old"], "is_customer": [False, False, True, True]})
    prog = pd.DataFrame({"program_id": "P", "account_id": ["t"], "start_date": ts(["2026-01-01"])})
    o = _opps(
        [
            ("o1", "c2", "2026-03-01", "2026-05-01", "closed_won", 10.0),  # became a customer after the start
            ("o2", "old", "2025-03-01", "2025-05-01", "closed_won", 10.0),  # a customer before the start
        ]
    )
    start = E.first_start(prog)
    ctl = E.control_status(acc, o, start, prog)
    assert ctl.to_dict() == {"t": False, "c1": True, "c2": True, "old": False}
    # post-programme outcomes of a non-target never change who is a control
    more = pd.concat(
        [
            o,
            _opps(
                [
                    ("o3", "c1", "2026-02-01", "2026-06-01", "closed_won", 5e5),
                    ("o4", "c2", "2026-07-01", "2026-09-01", "closed_lost", 1.0),
                ]
            ),
        ],
        ignore_index=True,
    )
    pd.testing.assert_series_equal(E.control_status(acc, more, start, prog), ctl)
    lost = o.assign(stage="closed_lost", is_won=False).iloc[:1]  # c2's post-start deal lost instead of won
    assert E.control_status(
        acc.assign(is_customer=[False, False, False, True]), pd.concat([lost, o.iloc[1:]]), start, prog
    )["c2"]


def test_design_never_selects_on_post_outcomes(toy):
    t = toy["tables"]
    d = E.design(t["accounts"], t["opportunities"], t["programs"], AS_OF)
    ctl = t["accounts"].loc[~t["accounts"]["account_id"].isin(toy["targets"]), "account_id"].iloc[0]
    o = t["opportunities"]
    extra = o.iloc[:3].assign(
        opportunity_id=["X1", "X2", "X3"],
        account_id=ctl,
        created_date=ts(["2026-06-01"] * 3),
        close_date=ts(["2026-08-01"] * 3),
    )
    extra = extra.assign(stage="closed_won", is_won=True, is_closed=True, amount=1e6)
    d2 = E.design(t["accounts"], pd.concat([o, extra], ignore_index=True), t["programs"], AS_OF)
    assert list(d2.account_ids) == list(d.account_ids)
    pd.testing.assert_frame_equal(d2.cells, d.cells)
    assert d.excluded["customers_at_start"] == int(t["accounts"]["is_customer"].sum())


def test_true_att_is_exact(toy):
    t = toy["tables"]
    same = E.true_att(t["opportunities"], t["opportunities"], t["accounts"], t["programs"], AS_OF)
    assert all(v["att"] == pytest.approx(0.0, abs=1e-12) for v in same.values())
    tr = E.true_att(t["opportunities"], toy["untreated"], t["accounts"], t["programs"], AS_OF)
    d = E.design(t["accounts"], t["opportunities"], t["programs"], AS_OF)
    y1 = E.account_period_outcomes(t["opportunities"], d.account_ids, d.grid, AS_OF)
    y0 = E.account_period_outcomes(toy["untreated"], d.account_ids, d.grid, AS_OF)
    est = d.cells["estimand"].to_numpy()
    n_extra = len(t["opportunities"]) - len(toy["untreated"])
    assert tr["opp_rate"]["total"] == pytest.approx((y1["opp_rate"] - y0["opp_rate"])[est].sum())
    assert tr["opp_rate"]["total"] == pytest.approx(n_extra)  # every extra deal is in a treated cell
    assert tr["opp_rate"]["n"] == est.sum()
    assert 0.6 < tr["opp_rate"]["relative"] < 1.4  # the toy world doubles the rate while treated
    assert set(tr) == {"opp_rate", "pipeline", "won_revenue", "open_value", "win_rate", "deal_size"}
