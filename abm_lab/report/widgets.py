"""A visible note for an explorer widget seen without a live kernel.

A saved widget output holds the widget view (which needs the running kernel's widget model) and a text fallback;
JupyterLab shows the fallback when the notebook is opened before it is run (an untrusted notebook never renders
the widget view; nbviewer and GitHub have none). ipywidgets' own fallback is the widget's repr,
``VBox(children=(…``. :func:`with_fallback` gives an explorer a readable one instead — "Run the notebook to
activate this explorer" as text and HTML — and keeps the widget view, so the live widget is unchanged.
The HTML reports replace widget outputs with their own note (:data:`abm_lab.report.html.WIDGET_NOTE`).
"""

from __future__ import annotations

import html
from typing import Any, TypeVar

W = TypeVar("W")

#: What a reader sees in place of an explorer until the notebook runs.
FALLBACK_TEXT = "Run the notebook to activate this explorer"
#: Mimetypes of the fallback (the widget view itself stays in the bundle).
FALLBACK_MIMES = ("text/plain", "text/html")


def fallback_html(title: str) -> str:
    """The HTML note: the explorer's name and how to activate it (plain tags: JupyterLab sanitises untrusted
    HTML)."""
    return (
        f'<div class="abm-widget-fallback"><p><b>{html.escape(title)}</b> (interactive explorer)</p>'
        f"<p><i>{FALLBACK_TEXT}:</i> run its cells in JupyterLab (Run → Run All Cells) to use the controls. "
        "Without a running kernel only this note is shown.</p></div>"
    )


def fallback_bundle(widget: Any, title: str, **kwargs: Any) -> dict[str, Any]:
    """The widget's own mime bundle with the readable fallback in place of its repr."""
    data = dict(type(widget)._repr_mimebundle_(widget, **kwargs) or {})
    data["text/plain"] = f"{title}: {FALLBACK_TEXT} (interactive explorer)."
    data["text/html"] = fallback_html(title)
    return data


def with_fallback(widget: W, title: str) -> W:
    """``widget`` itself, displayed with the readable fallback (see the module docstring); its behaviour and
    attributes are unchanged."""

    def _repr_mimebundle_(**kwargs: Any) -> dict[str, Any]:
        return fallback_bundle(widget, title, **kwargs)

    widget._repr_mimebundle_ = _repr_mimebundle_  # type: ignore[attr-defined]
    return widget
