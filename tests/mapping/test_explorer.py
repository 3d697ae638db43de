"""The match explorer widget (abm_lab.mapping.explorer); a renamed widget fails here, it never skips."""

from __future__ import annotations


def test_match_explorer_widget_updates(small):
    from abm_lab.mapping import match_explorer

    w = match_explorer(small)
    dd, sl = w.children[0].children
    html = w.children[1]
    assert "14 rows" in html.value and "0 matches below" in html.value
    sl.value = 0.99
    assert "matches below confidence 0.99" in html.value and "0 matches below" not in html.value
    dd.value = "web_form"
    assert "rows" in html.value and "@" not in html.value
