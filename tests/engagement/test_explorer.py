"""The account explorer widget switches account."""

from __future__ import annotations

from abm_lab import engagement as E


def test_account_explorer_updates(scored, world, params):
    import matplotlib

    matplotlib.use("Agg")
    w = E.account_explorer(scored.scores, scored.shap, world[1], params=params, max_accounts=5)
    dd, info = w.children[0], w.children[1]
    first = info.value
    assert dd.value in first
    other = dd.options[1][1]
    dd.value = other
    assert info.value != first and other in info.value
