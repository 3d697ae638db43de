"""The ABM programme of a Salesforce export (``data.program.campaign``): programs from the programme campaign's
account members, costs from the ``ActualCost`` of the campaign and its descendants (see
:mod:`.salesforce_activity` for the rules and docs/import.md for the params)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...config.core import ProgramSource
from ...errors import ABMParamsError
from ..parse import ParseOptions
from .base import ImportReport, RawTable, Source, recognise_tiers
from .salesforce import dates, ids, rows_table, text
from .salesforce_activity import _CONTROL, _Campaigns


def suggest_programmes(camps: _Campaigns, account_members: pd.DataFrame, report: ImportReport) -> None:
    """The warning of an export read without ``data.program``: no programme, so no ROI; candidate campaigns."""
    names = camps.df.set_index("id")["name"]
    found = sorted({str(names.get(c, c)) for c in account_members.get("campaign", pd.Series(dtype=object)).dropna()})
    hint = (
        f"; campaigns with account members (ABM programmes?): {', '.join(repr(n) for n in found)}"
        if found
        else "; no campaign has account members"
    )
    report.warn(
        "no ABM programme: data.program is not set, so no programs or costs are read and no ROI will be estimated "
        "(set data.program.campaign to the programme's campaign)" + hint
    )


def program_tables(
    prog: ProgramSource,
    camps: _Campaigns,
    account_members: pd.DataFrame,
    msrc: Source | None,
    account_src: Source,
    report: ImportReport,
    opts: ParseOptions,
) -> dict[str, RawTable]:
    if not prog.campaign:
        raise ABMParamsError(
            "data.program: the salesforce preset needs data.program.campaign (the programme campaign's Name or Id)"
        )
    root = camps.find(prog.campaign)
    pid = prog.id or str(camps.df.set_index("id").loc[root, "name"])
    out: dict[str, RawTable] = {}
    mem = account_members.loc[account_members["campaign"] == root] if len(account_members) else account_members
    if msrc is None or not len(mem):
        report.warn(
            f"programme campaign {prog.campaign!r} has no account members (CampaignMember Type Account): no targets"
        )
    else:
        out["programs"] = _programs(prog, pid, mem, msrc, account_src, report, opts)
    costs = _costs(camps, root, pid, report)
    if costs is not None:
        out["costs"] = costs
    return out


def _programs(
    prog: ProgramSource,
    pid: str,
    mem: pd.DataFrame,
    msrc: Source,
    account_src: Source,
    report: ImportReport,
    opts: ParseOptions,
) -> RawTable:
    start = dates(msrc, mem["created"], "CreatedDate", opts).dt.normalize()
    mem = mem.assign(_start=start).sort_values("_start", kind="stable")
    dup = mem["account_id"].duplicated()
    if dup.any():
        report.note(f"{msrc.name}: {int(dup.sum()):,} repeated account member(s) of the programme: the first kept")
        mem = mem.loc[~dup]
    acc_ids = ids(account_src.col("Id"))

    def account_field(field: str, what: str) -> pd.Series:
        account_src.require(field, preset="salesforce", what=f"data.program.{what} names it")
        return mem["account_id"].map(dict(zip(acc_ids, text(account_src.col(field)), strict=True)))

    labels = account_field(prog.tier_field, "tier_field") if prog.tier_field else mem["status"]
    tier = recognise_tiers(labels, prog.tier_values)
    if not tier.isin(["strategic", "abm_lite", "programmatic"]).any() and not prog.tier_field:
        report.note(
            f"{msrc.name}: the programme members' Status holds no tier label ({sorted(set(labels.dropna()))[:5]}): "
            "tiers blank (set data.program.tier_field or tier_values)"
        )
        tier = pd.Series(pd.NA, index=mem.index, dtype="object")
    arm_src = account_field(prog.arm_field, "arm_field") if prog.arm_field else pd.Series(pd.NA, index=mem.index)
    control = mem["status"].astype("string").str.contains(_CONTROL).fillna(False)
    control |= arm_src.astype("string").str.contains(_CONTROL).fillna(False)
    start_date = mem["created"]
    if prog.start_date is not None:
        start_date = start_date.where(start_date.notna(), prog.start_date.isoformat())
    df = pd.DataFrame(
        {
            "program_id": pid,
            "account_id": mem["account_id"].to_numpy(),
            "tier": tier.to_numpy(),
            "start_date": start_date.to_numpy(),
            "arm": np.where(control.to_numpy(dtype=bool), "control", "treatment"),
        }
    )
    n_ctrl = int(control.sum())
    report.note(
        f"programme {pid!r}: {len(df):,} target account(s) from the campaign's account members"
        + (f", {n_ctrl:,} of them held out (control)" if n_ctrl else "")
    )
    return rows_table(msrc, df, mem.index.to_numpy())


def _costs(camps: _Campaigns, root: str, pid: str, report: ImportReport) -> RawTable | None:
    src = camps.src
    assert src is not None
    tree = camps.tree(root)
    c = pd.DataFrame(
        {
            "id": camps.df["id"],
            "name": camps.df["name"],
            "channel": camps.df["channel"],
            "start": text(src.col("StartDate")),
            "end": text(src.col("EndDate")),
            "cost": text(src.col("ActualCost")),
        }
    )
    top = c.set_index("id").loc[root]
    in_tree = c["id"].isin(tree).to_numpy()
    has_cost = c["cost"].notna().to_numpy()
    no_cost = in_tree & ~has_cost & (c["id"] != root).to_numpy()
    if no_cost.any():
        names = ", ".join(repr(n) for n in c.loc[no_cost, "name"].head(8))
        report.note(
            f"{src.name}: {int(no_cost.sum()):,} campaign(s) of the programme without ActualCost ({names}): no cost "
            "counted for them (BudgetedCost is a plan, not spend)"
        )
    pos = np.flatnonzero(in_tree & has_cost)
    if not len(pos):
        report.warn(f"programme {pid!r}: no ActualCost on its campaign or the campaigns below it: no costs, no ROI")
        return None
    sub = c.iloc[pos]
    df = pd.DataFrame(
        {
            "program_id": pid,
            "channel": sub["channel"].to_numpy(),
            "period_start": sub["start"].where(sub["start"].notna(), top["start"]).to_numpy(),
            "period_end": sub["end"].where(sub["end"].notna(), top["end"]).to_numpy(),
            "amount": sub["cost"].to_numpy(),
        }
    )
    report.note(f"programme {pid!r}: costs from the ActualCost of {len(df):,} campaign(s) of its hierarchy")
    return rows_table(src, df, pos)
