"""The account explorer (ipywidgets): pick an account, see its score, reasons, waterfall and touch timeline."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..config.engagement import EngagementParams
from .explain import import_shap, quiet_shap
from .plots import plot_timeline

#: Waterfall size in the explorer (features shown, inches).
WATERFALL_FEATURES = 8
WATERFALL_SIZE = (7, 3.8)


def account_explorer(
    scores: pd.DataFrame,
    shap_values: Any,
    touchpoints: pd.DataFrame,
    *,
    end: Any = None,
    params: EngagementParams | None = None,
    max_accounts: int = 500,
) -> Any:
    """An ipywidgets explorer: pick an account, see its score, reasons, waterfall and timeline.

    ``scores`` rows align with ``shap_values`` (a ``shap.Explanation``); the dropdown lists
    the ``max_accounts`` best-scored accounts. Returns a ``widgets.VBox``; headless-safe
    (figures are drawn into an Output widget and closed).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    p = params or EngagementParams()
    sc = scores.reset_index(drop=True)
    order = sc.sort_values(["score", "probability"], ascending=False, kind="stable").index[:max_accounts]
    opts = [
        (
            f"{sc.at[i, 'name'] if pd.notna(sc.at[i, 'name']) else sc.at[i, 'account_id']} "
            f"(score {int(sc.at[i, 'score'])})",
            sc.at[i, "account_id"],
        )
        for i in order
    ]
    end = pd.Timestamp(end) if end is not None else pd.to_datetime(sc["snapshot_date"]).max()
    dd = widgets.Dropdown(options=opts, description="Account", layout=widgets.Layout(width="480px"))
    info = widgets.HTML()
    out = widgets.Output()
    reasons = [c for c in sc.columns if c.startswith("reason_")]

    def render(account_id: str) -> None:
        i = int(np.flatnonzero(sc["account_id"].to_numpy() == account_id)[0])
        r = sc.iloc[i]
        grade = r.get("grade")
        items = "".join(f"<li>{r[c]}</li>" for c in reasons if pd.notna(r[c]))
        info.value = (
            f"<b>{r['name'] if pd.notna(r['name']) else r['account_id']}</b> ({r['account_id']}) - "
            f"score <b>{int(r['score'])}</b> of 5, probability {r['probability']:.1%} of an opportunity "
            f"in {p.horizon_days} days; grade {grade if pd.notna(grade) else 'n/a'}"
            f"<ul>{items}</ul>"
        )
        out.clear_output(wait=True)
        with out:
            shap = import_shap()
            with quiet_shap():
                plt.figure()
                shap.plots.waterfall(shap_values[i], max_display=WATERFALL_FEATURES, show=False)
                fig = plt.gcf()
                fig.set_size_inches(*WATERFALL_SIZE)
                _show(fig)
                fig2 = plot_timeline(touchpoints, account_id, end, p.timeline_days)
                _show(fig2)

    def on_change(change: dict[str, Any]) -> None:
        if change.get("name") == "value" and change.get("new") is not None:
            render(change["new"])

    dd.observe(on_change, names="value")
    if opts:
        render(dd.value)
    return widgets.VBox([dd, info, out])


def _show(fig: Any) -> None:
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)
