"""The grade cut-off explorer: one slider per cut-off, the grade table updates live (JupyterLab)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..config.grading import GRADES, GradingParams
from ..errors import ABMDataError
from .grades import assign_grades, grade_rates, monotone_decreasing

__all__ = ["grade_cutoff_explorer"]

_SLIDER_STEP = 0.5


def _rates_html(grades: pd.DataFrame, cutoffs: dict[str, float], mode: str) -> str:
    g = grades.copy()
    g["grade"] = assign_grades(g["fit_score"], cutoffs, mode)
    r = grade_rates(g)
    rows = "".join(
        f"<tr><td>{x.grade}</td><td>{x.accounts:,}</td><td>{x.customers:,}</td><td>{x.customer_rate:.1%}</td>"
        f"<td>{x.opportunity_rate:.1%}</td></tr>"
        if x.accounts
        else f"<tr><td>{x.grade}</td><td>0</td><td>0</td><td>–</td><td>–</td></tr>"
        for x in r.itertuples()
    )
    mono = monotone_decreasing(r["customer_rate"].tolist())
    return (
        "<table><thead><tr><th>grade</th><th>accounts</th><th>customers</th><th>customer rate</th>"
        "<th>opportunity rate before the programme</th></tr></thead><tbody>" + rows + "</tbody></table>"
        f"<p>Customer rate falls from A to F: {'yes' if mono else 'no'}.</p>"
    )


def grade_cutoff_explorer(grades: pd.DataFrame, cutoffs: dict[str, float] | None = None, mode: str = "score") -> Any:
    """ipywidgets control: one slider per grade cut-off (A–E); the table of counts, customer
    rate and opportunity rate per grade updates on every change. ``grades`` needs
    fit_score, is_customer, has_opportunity (e.g. ``GradingResult.grades``).
    Returns an ``ipywidgets.VBox`` (``.sliders`` and ``.table`` attributes for scripting).
    """
    import ipywidgets as widgets

    cutoffs = dict(cutoffs or GradingParams().cutoffs)
    need = {"fit_score", "is_customer", "has_opportunity"} - set(grades.columns)
    if need:
        raise ABMDataError(
            f"grade_cutoff_explorer: grades table lacks column(s) {sorted(need)}",
            file="grades",
            column=sorted(need)[0],
            reason="missing column",
        )
    # the opportunity rate's base as in Table 1 (prospects at the programme start) when grading recorded it
    g = grades[[c for c in ("fit_score", "is_customer", "has_opportunity", "opportunity_base") if c in grades]].copy()
    sliders = {
        k: widgets.FloatSlider(
            value=float(v), min=0.0, max=100.0, step=_SLIDER_STEP, description=f"{k} from", continuous_update=False
        )
        for k, v in cutoffs.items()
    }
    table = widgets.HTML(_rates_html(g, cutoffs, mode))
    message = widgets.HTML("")

    def update(_: Any = None) -> None:
        cur = {k: s.value for k, s in sliders.items()}
        vals = [cur[k] for k in GRADES[:5]]
        if any(b >= a for a, b in zip(vals, vals[1:], strict=False)):
            message.value = "<b>Cut-offs must fall from A to E (A &gt; B &gt; C &gt; D &gt; E).</b>"
            return
        message.value = ""
        table.value = _rates_html(g, cur, mode)

    for s in sliders.values():
        s.observe(update, names="value")
    box = widgets.VBox(
        [widgets.HBox(list(sliders.values())[:3]), widgets.HBox(list(sliders.values())[3:]), message, table]
    )
    box.sliders = sliders
    box.table = table
    box.message = message
    return box
