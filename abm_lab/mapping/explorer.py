"""Interactive view for notebook 03 (ipywidgets): match rates by lead source under a stricter confidence cut-off."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .contacts import MappingResult

__all__ = ["match_explorer"]


def match_explorer(result: MappingResult) -> Any:
    """Interactive view (ipywidgets): rows by status and method for one lead source, with a
    minimum-confidence slider showing how many matches a stricter cut-off would send to review.

    Returns a ``widgets.VBox`` (source dropdown, confidence slider, HTML table). Counts only,
    no personal data. The HTML updates when a control changes (testable without a browser).
    """
    import ipywidgets as widgets

    t = result.table
    sources = ["all"] + sorted(t["source"].dropna().astype(str).unique().tolist())
    dd = widgets.Dropdown(options=sources, value="all", description="Source")
    sl = widgets.FloatSlider(
        value=0.0, min=0.0, max=1.0, step=0.01, description="Min conf.", continuous_update=False, readout_format=".2f"
    )
    out = widgets.HTML()

    def render(*_: Any) -> None:
        g = t if dd.value == "all" else t[t["source"].astype("string") == dd.value]
        status = g["status"].astype(str).to_numpy().copy()
        low = (status == "matched") & (g["match_confidence"].fillna(0).to_numpy() < sl.value)
        status[low] = "below min confidence"
        meth = g["match_method"].astype("string").fillna("-").to_numpy()
        tab = pd.DataFrame({"status": status, "method": meth}).value_counts().rename("rows").reset_index()
        tab["share"] = (tab["rows"] / max(len(g), 1)).map(lambda v: f"{v:.1%}")
        tab = tab.sort_values(["status", "rows"], ascending=[True, False])
        out.value = f"<b>{len(g):,} rows</b>; {int(low.sum()):,} matches below confidence {sl.value:.2f}" + tab.to_html(
            index=False
        )

    dd.observe(render, names="value")
    sl.observe(render, names="value")
    render()
    from ..report.widgets import with_fallback

    return with_fallback(widgets.VBox([widgets.HBox([dd, sl]), out]), "Match explorer")
