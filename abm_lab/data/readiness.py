"""Is a loaded dataset enough for the notebooks a run will execute? ``validate`` and ``run`` ask the same question.

A dataset can be valid table by table and still be unusable by a notebook: a header-only opportunities
table passes validation and then crashes notebook 03 (no closed deals to measure buying-committee
involvement), a header-only touchpoints table stops notebook 04 (no engagement panel). :func:`check_ready`
checks, for each notebook in ``run.notebooks``, the minimum input that notebook cannot do without, and
raises one :class:`~abm_lab.errors.ABMDataError` listing every blocking problem (table, what is missing,
which notebook needs it) — so ``abm-lab validate`` reports it and ``abm-lab run`` stops before executing a
notebook. Inputs a notebook handles itself (no customers: notebook 01 fits no model and says so; no
programs: notebook 05 reports no programme) are returned as notes, not errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import ABMDataError

if TYPE_CHECKING:
    from ..config import Params
    from .io import Dataset

ALL = "every notebook"


@dataclass(frozen=True)
class Problem:
    """One readiness finding: the table, what is wrong, the notebooks affected, and whether it blocks the run."""

    table: str
    message: str
    notebooks: tuple[str, ...]
    blocking: bool

    def __str__(self) -> str:
        who = ", ".join(self.notebooks)
        return f"{self.table}: {self.message} (needed by {who})" if self.blocking else f"{self.table}: {self.message}"


def _rows(ds: Dataset, table: str) -> pd.DataFrame:
    return ds.tables.get(table, pd.DataFrame())


def _closed(opp: pd.DataFrame) -> pd.Series:
    if "is_closed" in opp.columns:
        return opp["is_closed"].fillna(False).astype(bool)
    stage = opp["stage"] if "stage" in opp.columns else pd.Series("", index=opp.index)
    return stage.isin(["closed_won", "closed_lost"])


def _usable_closed_deals(opp: pd.DataFrame) -> int:
    """Closed deals with an account and a close date (what notebook 03's committee involvement counts)."""
    if opp.empty:
        return 0
    ok = _closed(opp)
    for col in ("account_id", "close_date"):
        ok &= opp[col].notna() if col in opp.columns else False
    return int(ok.sum())


def problems(dataset: Dataset, params: Params) -> list[Problem]:
    """Every readiness finding for the notebooks in ``params.run.notebooks`` (blocking ones first)."""
    nbs = list(params.run.notebooks)
    out: list[Problem] = []

    def need(table: str, message: str, *notebooks: str) -> None:
        hit = tuple(nb for nb in nbs if nb in notebooks) if notebooks else (ALL,)
        if hit:
            out.append(Problem(table, message, hit, True))

    accounts, opp, tp = _rows(dataset, "accounts"), _rows(dataset, "opportunities"), _rows(dataset, "touchpoints")
    if accounts.empty:
        need("accounts", "no rows (header only or empty file); every analysis is per account")
    if opp.empty:
        need("opportunities", "no rows (header only or empty file)", "03_lead_to_account", "04_engagement")
    elif _usable_closed_deals(opp) == 0:
        need(
            "opportunities",
            "no closed (won or lost) opportunity with an account_id and a close_date, so buying-committee "
            "involvement cannot be measured",
            "03_lead_to_account",
        )
    if tp.empty:
        need("touchpoints", "no rows (header only or empty file); the engagement panel needs touches", "04_engagement")
    if "01_icp_discovery" in nbs and not accounts.empty and "is_customer" in accounts.columns:
        if not accounts["is_customer"].fillna(False).astype(bool).any():
            out.append(
                Problem("accounts", "no customers: notebook 01 fits no model and says so", ("01_icp_discovery",), False)
            )
    prog = _rows(dataset, "programs")
    if "05_program_roi" in nbs and prog.empty:
        out.append(Problem("programs", "no rows: notebook 05 reports no programme", ("05_program_roi",), False))
    elif "05_program_roi" in nbs and params.roi.program_cost is None:
        costs = _rows(dataset, "costs")
        ids = set(prog["program_id"].dropna().astype(str)) if "program_id" in prog.columns else set()
        has = not costs.empty and "program_id" in costs.columns and costs["program_id"].astype(str).isin(ids).any()
        if not has:
            need(
                "costs",
                f"no spend rows for programme {', '.join(sorted(ids)) or '?'}, so ROI has no denominator; load a "
                "costs table or set roi.program_cost",
                "05_program_roi",
            )
    return sorted(out, key=lambda p: not p.blocking)


def check_ready(dataset: Dataset, params: Params) -> list[Problem]:
    """Raise :class:`ABMDataError` listing every blocking problem; return the non-blocking notes otherwise."""
    found = problems(dataset, params)
    blocking = [p for p in found if p.blocking]
    if blocking:
        first = blocking[0]
        raise ABMDataError(
            "the data cannot feed this run's notebooks (run.notebooks in params):\n"
            + "\n".join(f"  - {p}" for p in blocking)
            + "\nFix the export, or remove those notebooks from run.notebooks.",
            file=dataset.files.get(first.table, first.table),
            reason="not ready",
        )
    return found
