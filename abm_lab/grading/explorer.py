"""The grade cut-off explorer of notebook 02: sliders for the cut-offs, Table 1 and the tier budget live, and a
button that saves the chosen cut-offs to a params file (JupyterLab).

What a person sees is built by the functions that build notebook 02's tables, so the explorer cannot drift from
the report: :func:`~abm_lab.grading.grades.assign_grades` and :func:`~abm_lab.grading.grades.grade_rates` with
:func:`~abm_lab.grading.plots.format_rates` (Table 1: fit-score range, accounts, rates with intervals, targets per
grade), :func:`~abm_lab.grading.tiers.assign_tiers` and :func:`~abm_lab.grading.plan.orchestration_plan` (tier
counts and budget, when the accounts are given). Out-of-order cut-offs clear the tables and say why (the params
validator's own message), so a stale table is never shown beside sliders it does not match.

Saving never overwrites: :func:`save_cutoffs` writes a new file (``overwrite=True`` to replace one), either only
the ``grading`` block or a copy of the run's params file with the cut-offs merged in, and re-reads it with
:func:`abm_lab.config.load_params` before saying it is saved. :func:`cutoffs_yaml` is the block to paste.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from pydantic import ValidationError

from ..config import load_params, parse_params
from ..config.grading import GRADES, GradingParams
from ..errors import ABMDataError, ABMParamsError
from .grades import assign_grades, grade_rates
from .plan import budget_column, orchestration_plan
from .plots import format_plan, format_rates
from .tiers import assign_tiers
from .workflow import GradingResult

if TYPE_CHECKING:
    from ..pipeline import RunContext

__all__ = ["CutoffView", "regrade", "cutoffs_yaml", "save_cutoffs", "default_save_path", "grade_cutoff_explorer"]

_SLIDER_STEP = 0.5
_SLIDER_RANGE = (0.0, 100.0)
_NEEDED = ("fit_score", "is_customer", "has_opportunity")
#: Columns of the orchestration plan the explorer shows (plays are long and do not change with the cut-offs).
_PLAN_DROP = ("plays",)
_WIDE = {"description_width": "initial"}


@dataclass
class CutoffView:
    """What the explorer shows for one set of cut-offs (also usable without widgets)."""

    params: GradingParams
    grades: pd.DataFrame  #: one row per account, regraded (grade, is_target; tier when the accounts were given)
    rates: pd.DataFrame  #: :func:`grade_rates`
    table: pd.DataFrame  #: Table 1 of notebook 02 (:func:`format_rates`)
    plan: pd.DataFrame | None  #: :func:`orchestration_plan` (None without the accounts)
    currency: str = "USD"

    @property
    def budget(self) -> float | None:
        """Total budget per quarter of the target list (None without the accounts)."""
        return None if self.plan is None else float(self.plan.iloc[-1][budget_column(self.currency)])

    @property
    def tier_counts(self) -> dict[str, int] | None:
        """Target accounts per tier (None without the accounts)."""
        return (
            None if self.plan is None else dict(zip(self.plan["tier"], self.plan["accounts"].astype(int), strict=True))
        )


def _validated(params: GradingParams, cutoffs: Mapping[str, float], mode: str) -> GradingParams:
    """``params`` with these cut-offs, validated by the params schema (ABMParamsError with its reason)."""
    raw = params.model_dump() | {"cutoffs": {k: float(v) for k, v in cutoffs.items()}, "cutoff_mode": mode}
    try:
        return GradingParams.model_validate(raw)
    except ValidationError as exc:
        why = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise ABMParamsError(why, column="grading.cutoffs", reason="invalid cut-offs") from None


def regrade(
    grades: pd.DataFrame,
    cutoffs: Mapping[str, float],
    params: GradingParams | None = None,
    mode: str | None = None,
    *,
    accounts: pd.DataFrame | None = None,
    features: pd.DataFrame | None = None,
    seed: int = 0,
    currency: str = "USD",
) -> CutoffView:
    """Grades, Table 1 and (with ``accounts``) tiers and budget for ``cutoffs``, as :func:`grade_accounts` would
    give them with ``grading.cutoffs`` set to these (same target rule, tiers, seed). Out-of-order cut-offs raise
    :class:`~abm_lab.errors.ABMParamsError` with the reason. ``grades``: e.g. ``GradingResult.grades``."""
    p = _validated(params or GradingParams(), cutoffs, mode or (params or GradingParams()).cutoff_mode)
    g = grades.copy()
    g["grade"] = assign_grades(g["fit_score"], p.cutoffs, p.cutoff_mode)
    customer = g["is_customer"].astype(bool)
    g["is_target"] = g["grade"].isin(p.target_grades) & ~(customer & p.exclude_customers)  # as grade_accounts
    plan = None
    if accounts is not None:
        if "fit_prob" not in g:
            raise ABMDataError(
                "grade_cutoff_explorer: tiers need the grades' fit_prob column (pass GradingResult.grades)",
                file="grades",
                column="fit_prob",
                reason="missing column",
            )
        g = assign_tiers(g, accounts, p, seed, features)
        plan = orchestration_plan(g, p, currency)
    rates = grade_rates(g)
    return CutoffView(p, g, rates, format_rates(rates), plan, currency)


def cutoffs_yaml(cutoffs: Mapping[str, float], mode: str = "score") -> str:
    """The ``grading`` block to paste into a params file (validated first)."""
    p = _validated(GradingParams(), cutoffs, mode)
    return yaml.safe_dump({"grading": {"cutoff_mode": p.cutoff_mode, "cutoffs": p.cutoffs}}, sort_keys=False)


def default_save_path(params_path: str | Path | None, run_name: str | None = None, root: str | Path = ".") -> Path:
    """Where the explorer offers to save: ``<params folder>/<run>-cutoffs.yaml`` (``params/`` without a file)."""
    folder = Path(params_path).parent if params_path else Path(root) / "params"
    stem = run_name or (Path(params_path).stem if params_path else "grading")
    return folder / f"{stem}-cutoffs.yaml"


def save_cutoffs(
    path: str | Path,
    cutoffs: Mapping[str, float],
    mode: str = "score",
    base: str | Path | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the cut-offs to the params file ``path``, never over an existing file unless ``overwrite``.

    With ``base`` (the run's params file) the new file is a copy of it with ``grading.cutoffs`` (and
    ``cutoff_mode``) set: its text kept as written, comments included, when it has no ``grading`` section,
    else re-written from its values (comments are not kept: the header says so). Without ``base`` the file holds
    only the ``grading`` block (every other setting at its default). The result is validated before it is
    written and re-read with :func:`~abm_lab.config.load_params` after; returns the path written.
    """
    out = Path(path)
    block = cutoffs_yaml(cutoffs, mode)
    if base is not None and Path(base).resolve() == out.resolve() and not overwrite:
        raise ABMParamsError(
            f"{out}: that is the params file the cut-offs were read from; save to a new file or pass overwrite=True",
            file=str(out),
            reason="would overwrite the source",
        )
    if out.exists() and not overwrite:
        raise ABMParamsError(
            f"{out} already exists: choose a new file name, or pass overwrite=True to replace it",
            file=str(out),
            reason="file exists",
        )
    stamp = f"grade cut-offs chosen in notebook 02's cut-off explorer on {dt.date.today().isoformat()}"
    if base is None:
        text = f"# {stamp}. Only the grading block: every other setting is at its default.\n" + block
    else:
        src = Path(base).read_text()
        raw = yaml.safe_load(src) or {}
        if not isinstance(raw, dict):
            raise ABMParamsError(f"{base}: params must be a mapping of sections", file=str(base), reason="bad yaml")
        if "grading" not in raw:
            text = src.rstrip("\n") + f"\n# {stamp}\n" + block
        else:
            raw["grading"] = {**(raw["grading"] or {}), **yaml.safe_load(block)["grading"]}
            text = f"# Copy of {Path(base).name} with the {stamp} (comments of the original are not kept).\n"
            text += yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)
    parse_params(yaml.safe_load(text), str(out))  # never write a file that does not load
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w" if overwrite else "x", encoding="utf-8") as fh:
        fh.write(text)
    back = load_params(out).grading
    want = _validated(GradingParams(), cutoffs, mode)
    if back.cutoffs != want.cutoffs or back.cutoff_mode != want.cutoff_mode:
        raise ABMParamsError(f"{out}: re-read cut-offs {back.cutoffs} differ from {want.cutoffs}", file=str(out))
    return out


def _html_table(df: pd.DataFrame) -> str:
    """A compact HTML table (one ``<tr>`` per line, cells escaped)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _plan_html(view: CutoffView) -> str:
    if view.plan is None:
        return "<p><i>Tier counts and budget: pass the accounts (or context=ctx) to see them.</i></p>"
    plan = format_plan(view.plan.drop(columns=[c for c in _PLAN_DROP if c in view.plan]))
    return "<p><b>Tiers and budget per quarter</b> (as Table 4)</p>" + _html_table(plan)


def grade_cutoff_explorer(
    grades: pd.DataFrame | GradingResult,
    cutoffs: Mapping[str, float] | None = None,
    mode: str | None = None,
    *,
    params: GradingParams | None = None,
    accounts: pd.DataFrame | None = None,
    seed: int = 0,
    currency: str = "USD",
    params_path: str | Path | None = None,
    save_path: str | Path | None = None,
    overwrite: bool = False,
    context: RunContext | None = None,
) -> Any:
    """ipywidgets control: one slider per cut-off (A–E); Table 1 (fit-score range, accounts, customer and
    opportunity rates with intervals, targets per grade), the tiers and budget (with ``accounts``), the YAML
    block to paste, and a *Save* button that writes the cut-offs to a new params file (:func:`save_cutoffs`).

    ``grades``: a :class:`GradingResult` (its grades and params) or its ``grades`` table (needs fit_score,
    is_customer, has_opportunity). ``context``: the notebook's run context, giving the accounts, seed, currency
    and project root. ``params_path``: the run's params file; saving then writes a copy of it with the new
    cut-offs. Returns an ``ipywidgets.VBox`` with ``.sliders``, ``.table``, ``.plan``, ``.message``, ``.yaml``,
    ``.path``, ``.save_button``, ``.status`` and ``.view`` (the :class:`CutoffView` shown; None when invalid).
    """
    import ipywidgets as widgets

    if isinstance(grades, GradingResult):
        params = params or grades.params
        grades = grades.grades
    params = params or GradingParams()
    root = Path(context.root) if context is not None else Path.cwd()
    if context is not None:
        accounts = context.tables["accounts"] if accounts is None else accounts
        seed, currency = context.params.run.seed, context.params.run.currency
    mode = mode or params.cutoff_mode
    need = [c for c in _NEEDED if c not in grades.columns]
    if need:
        raise ABMDataError(f"grade_cutoff_explorer: grades table lacks column(s) {need}", file="grades", column=need[0])
    features = None
    if accounts is not None:
        from ..icp import account_features

        features = account_features(accounts)
    base = (
        None if params_path is None else (Path(params_path) if Path(params_path).is_absolute() else root / params_path)
    )
    run_name = context.params.run.name if context is not None else None
    target = Path(save_path) if save_path else default_save_path(base, run_name, root)

    start = dict(cutoffs or params.cutoffs)
    lo, hi = _SLIDER_RANGE
    sliders = {
        k: widgets.FloatSlider(
            value=float(start[k]),
            min=lo,
            max=hi,
            step=_SLIDER_STEP,
            description=f"{k} from",
            continuous_update=False,
            style=_WIDE,
            layout=widgets.Layout(width="32%"),
        )
        for k in GRADES[:5]
    }
    message, table, plan, block, status = (widgets.HTML("") for _ in range(5))
    path = widgets.Text(
        value=str(target), description="Save to (new file)", style=_WIDE, layout=widgets.Layout(width="70%")
    )
    button = widgets.Button(description="Save cut-offs", button_style="primary", icon="save")

    def kw() -> dict[str, Any]:
        return {"accounts": accounts, "features": features, "seed": seed, "currency": currency}

    def update(_: Any = None) -> None:
        cur = {k: s.value for k, s in sliders.items()}
        status.value = ""
        try:
            view = regrade(grades, cur, params, mode, **kw())
        except ABMParamsError as exc:  # clear every stale figure and say why
            box.view = None
            table.value = plan.value = block.value = ""
            message.value = f"<b>These cut-offs cannot be used:</b> {html.escape(str(exc), quote=False)}"
            button.disabled = True
            return
        box.view = view
        message.value = ""
        table.value = "<p><b>Grades A–F</b> (as Table 1)</p>" + _html_table(view.table)
        plan.value = _plan_html(view)
        block.value = (
            "<p>To keep these cut-offs, save them below, or paste this block into your params file:</p><pre>"
            + html.escape(cutoffs_yaml(view.params.cutoffs, view.params.cutoff_mode))
            + "</pre>"
        )
        button.disabled = False

    def save(_: Any = None) -> None:
        if box.view is None:
            status.value = "<b>Nothing saved:</b> the cut-offs are not valid."
            return
        where = Path(path.value.strip()).expanduser()
        where = where if where.is_absolute() else root / where
        try:
            out = save_cutoffs(where, box.view.params.cutoffs, box.view.params.cutoff_mode, base, overwrite)
        except (ABMDataError, OSError) as exc:
            status.value = f"<b>Nothing saved:</b> {html.escape(str(exc), quote=False)}"
            return
        what = f"a copy of {base.name} with these cut-offs" if base is not None else "the grading block only"
        status.value = (
            f"Saved {html.escape(str(out))} ({what}; re-read with load_params: same cut-offs). "
            f"Run it with <code>abm-lab run {html.escape(str(out))}</code>."
        )

    box = widgets.VBox(
        [widgets.HBox(list(sliders.values())[:3]), widgets.HBox(list(sliders.values())[3:])]
        + [message, table, plan, block, widgets.HBox([path, button]), status]
    )
    box.view = None
    for s in sliders.values():
        s.observe(update, names="value")
    button.on_click(save)
    update()
    box.sliders, box.table, box.plan, box.message, box.yaml = sliders, table, plan, message, block
    box.path, box.save_button, box.status = path, button, status
    from ..report.widgets import with_fallback

    return with_fallback(box, "Grade cut-off explorer")
