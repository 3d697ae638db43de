"""The cascade's steps (abm_lab.mapping.cascade) one by one, on the hand-made leads."""

from __future__ import annotations

import numpy as np
import pandas as pd

from abm_lab.config.mapping import MappingParams
from abm_lab.mapping import METHODS, AccountIndex
from abm_lab.mapping.cascade import Cascade, StepTimer


def _cascade(leads, accounts, **kw):
    params = MappingParams(**kw)
    return Cascade(leads.reset_index(drop=True), AccountIndex.build(accounts, params), params)


def _ids(c, mask):
    return c.contacts.loc[mask, "contact_id"].tolist()


def test_steps_in_order_each_on_the_rows_left(leads, accounts):
    c = _cascade(leads, accounts)
    assert METHODS == ("crm_link", "email_domain", "website", "exact_name", "fuzzy_name")
    c.crm_link()
    assert _ids(c, c.method == "crm_link") == ["c12"]
    c.domains()
    assert _ids(c, c.method == "email_domain") == ["c1", "c2", "c3", "c9", "c10"]
    assert _ids(c, c.method == "website") == ["c4"]
    assert _ids(c, c.ambiguous) == ["c9"]  # shared alt domain, no tie-breaker decides
    rows = c.normalise_open_names()
    assert _ids(c, np.isin(np.arange(c.n), rows)) == ["c5", "c6", "c11", "c13"]
    c.exact_name(rows)
    assert _ids(c, c.method == "exact_name") == ["c5"]
    c.fuzzy_name()
    assert _ids(c, c.method == "fuzzy_name") == ["c6", "c13"]
    assert not np.isnan(c.best_score[[5, 12]]).any()
    assert c.open_rows().sum() == 4  # c7, c8, c11, c14
    assert c.contact_counts().sum() == (c.account >= 0).sum()


def test_switched_off_steps_do_nothing(leads, accounts):
    c = _cascade(leads, accounts, use_crm_link=False, use_email_domain=False, use_website=False)
    c.crm_link()
    c.domains()
    assert (c.account < 0).all() and not c.ambiguous.any()


def test_tie_breakers_see_the_current_state(leads, accounts):
    c = _cascade(leads, accounts)
    tb = c.tie_breakers()
    assert set(tb) == {"name", "country", "contact_count"}
    r, a = np.array([9, 9]), np.array([3, 4])  # c10 (United Kingdom) against Cedar UK / Cedar US
    vals, tol = tb["country"](r, a)
    assert vals.tolist() == [1, 0] and tol == 0.0
    vals, tol = tb["contact_count"](r, a)
    assert vals.tolist() == [0.0, 0.0] and tol == np.log(2.0)


def test_run_records_each_step_time(leads, accounts):
    timer = StepTimer()
    c = _cascade(leads, accounts).run(timer)
    assert list(timer.timings) == ["crm_link", "domains", "normalise_names", "exact_name", "fuzzy_name"]
    assert (c.account >= 0).sum() == 9
    assert isinstance(c.candidates[0], pd.DataFrame) and set(c.candidates[0]["method"]) == {"email_domain"}
