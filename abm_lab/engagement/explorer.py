"""The account explorer (ipywidgets): find any scored account by name or id, see its score, reasons, waterfall and
touch timeline.

:func:`search_accounts` is the search behind the picker (testable without a browser); :func:`account_explorer`
wires it to a text box and a dropdown.
"""

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
#: Tolerance under which an explanation is taken to add up to the displayed probability (else: log-odds).
ADDS_UP_TOL = 1e-6


def _label(r: pd.Series) -> str:
    name = r["name"] if pd.notna(r["name"]) else r["account_id"]
    return f"{name} ({r['account_id']}, score {int(r['score'])})"


def search_accounts(scores: pd.DataFrame, query: str = "", limit: int | None = None) -> list[tuple[str, str]]:
    """``(label, account_id)`` of the scored accounts whose name or id contains ``query`` (case- and
    accent-insensitive, surrounding blanks ignored; an empty query matches every account), best score first,
    at most ``limit`` (None = all)."""
    from unidecode import unidecode

    sc = scores.reset_index(drop=True)
    order = sc.sort_values(["score", "probability"], ascending=False, kind="stable").index
    sc = sc.loc[order]
    q = unidecode(str(query or "")).strip().lower()
    if q:
        hay = (sc["name"].fillna("").astype(str) + " " + sc["account_id"].astype(str)).map(
            lambda t: unidecode(t).lower()
        )
        sc = sc[hay.str.contains(q, regex=False).to_numpy()]
    if limit is not None:
        sc = sc.head(limit)
    return [(_label(r), str(r["account_id"])) for _, r in sc.iterrows()]


def account_explorer(
    scores: pd.DataFrame,
    shap_values: Any,
    touchpoints: pd.DataFrame,
    *,
    end: Any = None,
    params: EngagementParams | None = None,
    max_accounts: int | None = None,
) -> Any:
    """An ipywidgets explorer: type part of a name or id, pick the account, see its score, reasons, waterfall
    and timeline.

    ``scores`` rows align with ``shap_values`` (a ``shap.Explanation``; on the probability scale, e.g.
    ``ScoredAccounts.shap_probability``, the waterfall adds up to the probability shown, else the log-odds map
    is stated). The search covers every scored account; the dropdown lists the matches, best first (at most
    ``max_accounts`` at a time; None = all). Returns a ``widgets.VBox`` (search box, dropdown, text, figures);
    headless-safe (figures are drawn into an Output widget and closed).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    p = params or EngagementParams()
    sc = scores.reset_index(drop=True)
    end = pd.Timestamp(end) if end is not None else pd.to_datetime(sc["snapshot_date"]).max()
    search = widgets.Text(
        placeholder="search by name or account id", description="Search", layout=widgets.Layout(width="480px")
    )
    opts = search_accounts(sc, "", max_accounts)
    dd = widgets.Dropdown(options=opts, description="Account", layout=widgets.Layout(width="480px"))
    count = widgets.HTML(f"{len(opts):,} of {len(sc):,} accounts")
    info = widgets.HTML()
    out = widgets.Output()
    reasons = [c for c in sc.columns if c.startswith("reason_")]
    base = np.asarray(shap_values.base_values, dtype=float)
    on_prob = bool(
        np.max(np.abs(base + np.asarray(shap_values.values).sum(axis=1) - sc["probability"].to_numpy(float)))
        < ADDS_UP_TOL
    )

    def render(account_id: str) -> None:
        i = int(np.flatnonzero(sc["account_id"].to_numpy() == account_id)[0])
        r = sc.iloc[i]
        grade = r.get("grade")
        items = "".join(f"<li>{r[c]}</li>" for c in reasons if pd.notna(r[c]))
        scale = (
            f"Waterfall: base {base[i]:.1%} + pushes = the probability shown."
            if on_prob
            else "Waterfall in log-odds z; probability = 1 / (1 + exp(-z))."
        )
        info.value = (
            f"<b>{r['name'] if pd.notna(r['name']) else r['account_id']}</b> ({r['account_id']}) - "
            f"score <b>{int(r['score'])}</b> of 5, probability {r['probability']:.1%} of an opportunity "
            f"in {p.horizon_days} days; grade {grade if pd.notna(grade) else 'n/a'}"
            f"<ul>{items}</ul><i>{scale}</i>"
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

    def on_search(change: dict[str, Any]) -> None:
        hits = search_accounts(sc, change.get("new") or "", max_accounts)
        count.value = f"{len(hits):,} of {len(sc):,} accounts"
        dd.options = hits  # selects the first match (or none), which renders it

    dd.observe(on_change, names="value")
    search.observe(on_search, names="value")
    if opts:
        render(dd.value)
    from ..report.widgets import with_fallback

    return with_fallback(widgets.VBox([search, dd, count, info, out]), "Account explorer")


def _show(fig: Any) -> None:
    import matplotlib.pyplot as plt
    from IPython.display import display

    display(fig)
    plt.close(fig)
