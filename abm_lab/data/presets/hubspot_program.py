"""HubSpot programme (``data.program`` with the hubspot preset): targets, tiers and holdout arm from company
properties.

HubSpot's ABM tools mark target accounts with the company property ``Target Account`` and their tier with
``Ideal Customer Profile Tier`` (labels ``Tier 1``..``Tier 3``, internal values ``tier_1``..``tier_3``); a
randomised holdout lives in a custom property (``arm_field``). HubSpot keeps no enrolment or exit date, so every
target starts on ``data.program.start_date`` and none has an end date (docs/import.md).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ...errors import ABMDataError, ABMParamsError
from .base import ImportReport, RawTable, Source, first_present, map_values, recognise_tiers, truthy
from .hubspot import ID, need, values

#: Holdout-arm property values -> canonical arm.
ARMS: dict[str, str] = {"treatment": "treatment", "control": "control", "holdout": "control", "held out": "control"}


def read_programme(companies: list[Source], params, report: ImportReport) -> RawTable | None:
    """``data.program``: companies with the target property true are the targets from ``start_date``."""
    prog = params.data.program
    if prog is None:
        for src in companies:
            hit = next((c for c in src.df.columns if re.search(r"target account", str(c), re.IGNORECASE)), None)
            if hit is not None and bool(truthy(src.df[hit]).fillna(False).any()):
                report.warn(
                    f"{src.name}: column {hit!r} marks {int(truthy(src.df[hit]).fillna(False).sum())} target "
                    "account(s) but no data.program is set: no programme, so no ROI, will be estimated. Set "
                    f"data.program: {{id: <programme id>, start_date: <first day>, target_property: {hit!r}, "
                    "tier_property: 'Ideal Customer Profile Tier'}} (docs/import.md)."
                )
        return None
    if not prog.target_property:
        raise ABMParamsError(
            "data.program.target_property is needed with the hubspot preset: the company property marking the "
            "programme's target accounts (e.g. 'Target Account')",
            column="data.program.target_property",
            reason="missing param",
        )
    mapped = set(params.data.column_map.get("programs", {}).values())
    if prog.start_date is None and "start_date" not in mapped:
        raise ABMParamsError(
            f"data.program.start_date is needed with data.program.target_property ({prog.target_property!r}): "
            "HubSpot keeps no enrolment date, so the programme's first day must be given (or a company date "
            "property through data.column_map.programs, e.g. {'ABM Start Date': start_date})",
            column="data.program.start_date",
            reason="missing param",
        )
    pid = prog.id or prog.campaign
    if not pid:
        raise ABMParamsError(
            "data.program.id is needed with the hubspot preset (the programme id used in programs and costs)",
            column="data.program.id",
            reason="missing param",
        )
    parts = [_program_rows(src, prog, str(pid), params, report) for src in companies]
    table = RawTable.concat(parts)
    if "start_date" in mapped:
        report.note(
            f"programme {pid}: {len(table.df)} target account(s) from company property {prog.target_property!r}, "
            f"start and end from the properties mapped in data.column_map.programs (blank start: {prog.start_date})"
        )
    else:
        report.note(
            f"programme {pid}: {len(table.df)} target account(s) from company property {prog.target_property!r}, "
            f"all starting {prog.start_date} (HubSpot keeps no enrolment or exit date)"
        )
    return table


def _program_rows(src: Source, prog, pid: str, params, report: ImportReport) -> RawTable:
    tc = need(src, (prog.target_property,), "data.program.target_property names it")
    flag = truthy(src.df[tc])
    odd = flag.isna() & src.df[tc].notna() & (src.df[tc].astype("string").str.strip() != "").fillna(False)
    if odd.any():
        lines = src.row_lines[np.asarray(odd)][:5].tolist() if src.row_lines is not None else []
        raise ABMDataError(
            f"{src.path}: column {tc!r} (data.program.target_property) must be true/false; {int(odd.sum())} row(s) "
            f"hold {sorted(set(src.df.loc[odd, tc].astype(str)))[:5]} (lines {lines})",
            file=str(src.path),
            column=tc,
            rows=lines,
            reason="not a boolean",
        )
    mask = flag.fillna(False).to_numpy(dtype=bool)
    idc = need(src, ID, "the companies export needs the Record ID")
    df = pd.DataFrame(
        {"program_id": pid, "account_id": src.df.loc[mask, idc].to_numpy(), "start_date": prog.start_date}
    )
    if prog.tier_property:
        col = need(src, (prog.tier_property,), "data.program.tier_property names it")
        raw = src.df.loc[mask, col].astype("string").str.replace(r"^(tier)_(\d)$", r"\1 \2", regex=True, case=False)
        df["tier"] = recognise_tiers(raw.astype("object"), prog.tier_values).to_numpy()
    if prog.arm_field:
        col = need(src, (prog.arm_field,), "data.program.arm_field names it")
        arm = map_values(src.df.loc[mask, col], ARMS, params.data.value_map.get("programs", {}).get("arm"))
        df["arm"] = arm.to_numpy()
        n_ctl = int((df["arm"] == "control").sum())
        report.note(f"{src.name}: {n_ctl} of {len(df)} target(s) held out (control) by {col!r}")
    for label, canon in params.data.column_map.get("programs", {}).items():  # e.g. a custom 'ABM Start Date'
        if canon not in ("start_date", "end_date", "tier", "arm"):
            continue
        col = need(src, (label,), f"data.column_map.programs names it (for {canon})")
        got = src.df.loc[mask, col].to_numpy()
        df[canon] = first_present(pd.Series(got), df[canon]).to_numpy() if canon in df.columns else got
    values(params, "programs", df, handled=("arm",))
    return src.table(df, mask)
