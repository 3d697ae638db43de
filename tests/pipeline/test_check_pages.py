"""The runner itself fails a run whose rendered pages show a person (issue 16, class 12)."""

from __future__ import annotations

import pandas as pd
import pytest

from abm_lab.errors import ABMRunError
from abm_lab.pipeline.runner import check_pages

CONTACTS = pd.DataFrame(
    {
        "contact_id": ["C1", "C2"],
        "first_name": ["Marguerite", "Tobias"],
        "last_name": ["Vandersloot", "Quenneville"],
        "email": ["m.vandersloot@acme.com", "tobias.q@globex.io"],
    }
)


def _page(tmp_path, name, body):
    (tmp_path / name).write_text(f"<html><body><p>{body}</p></body></html>")


def test_clean_pages_pass(tmp_path):
    _page(tmp_path, "05_program_roi.html", "ROI realised 24% (95% CI -10% to 102%)")
    check_pages(tmp_path, {"contacts": CONTACTS})


@pytest.mark.parametrize("leak", ["m.vandersloot@acme.com", "Tobias Quenneville", "call Vandersloot"])
def test_a_page_with_a_contact_fails_the_run_naming_page_and_match(tmp_path, leak):
    _page(tmp_path, "00_data_health.html", "all good")
    _page(tmp_path, "04_engagement.html", f"Call first: {leak}")
    with pytest.raises(ABMRunError, match="04_engagement.html") as info:
        check_pages(tmp_path, {"contacts": CONTACTS})
    assert any(w in str(info.value) for w in ("vandersloot", "Vandersloot", "Quenneville"))
