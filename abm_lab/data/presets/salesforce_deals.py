"""Salesforce Opportunity, OpportunityHistory and OpportunityFieldHistory -> opportunities and stage_history.

* ``StageName`` -> stage through :data:`.salesforce.STAGES` merged with ``data.value_map.opportunities.stage``;
  a custom stage in neither takes closed_won / closed_lost from ``IsClosed`` / ``IsWon`` (Salesforce sets those
  from the stage's definition), and a closed flag contradicting the mapped stage is a report warning (the flags
  win);
* ``CloseDate`` is kept only for closed deals: on an open deal Salesforce requires it as the *expected* close
  date, which is not a close;
* ``Opportunity.Type`` (New Business / Existing Business) is not a product: only ``data.column_map`` maps it;
* stage history: OpportunityHistory rows (a snapshot on every change of stage, amount or close date: a new row
  counts only when the stage changed) and/or OpportunityFieldHistory rows of the field ``StageName`` (the stage
  entered on each change; the first change's OldValue is the stage at the deal's CreatedDate, and a deal with no
  change is in its current stage since its creation). Rows found in both are counted once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...config import Params
from ..parse import ParseOptions
from ..schema import STAGES as CANONICAL_STAGES
from .base import ImportReport, RawTable, Source, SourceFolder, map_values, truthy
from .salesforce import (
    PRESET,
    STAGES,
    apply_column_map,
    apply_value_map,
    dates,
    ids,
    require,
    rows_table,
    value_override,
)


def _stage_map(params: Params) -> dict[str, str]:
    return {**STAGES, **value_override(params, "opportunities", "stage")}


def read_deals(folder: SourceFolder, params: Params, report: ImportReport, opts: ParseOptions) -> dict[str, RawTable]:
    src = require(folder, "Opportunity", "opportunities")
    src.require("Id", "StageName", preset=PRESET)
    raw_stage = src.col("StageName")
    stage = map_values(raw_stage, _stage_map(params))
    closed = truthy(src.col("IsClosed"))
    won = truthy(src.col("IsWon"))
    is_closed_stage = stage.isin(["closed_won", "closed_lost"])
    flag_stage = pd.Series(np.where(won.fillna(False), "closed_won", "closed_lost"), index=stage.index)
    unknown = ~stage.isin(CANONICAL_STAGES) & stage.notna()
    by_flag = unknown & closed.fillna(False).astype(bool)
    if by_flag.any():
        labels = sorted(set(raw_stage[by_flag].astype(str)))
        report.note(
            f"{src.name}: {int(by_flag.sum()):,} deal(s) in custom closed stage(s) {labels} read as won / lost from "
            "IsWon"
        )
    clash = (
        closed.notna()
        & ~unknown
        & (
            (closed.fillna(False).astype(bool) != is_closed_stage)
            | (is_closed_stage & won.notna() & (stage != flag_stage))
        )
    )
    if clash.any():
        counts = raw_stage[clash].astype(str).value_counts().head(3)
        ex = ", ".join(f"'{k}' ({n:,})" for k, n in counts.items())
        report.warn(
            f"{src.name}: {int(clash.sum()):,} deal(s) whose StageName contradicts IsClosed / IsWon (e.g. {ex}); "
            "the flags were taken for closed deals; check data.value_map.opportunities.stage"
        )
    stage = stage.where(~(by_flag | (clash & closed.fillna(False).astype(bool))), flag_stage)
    closed_now = stage.isin(["closed_won", "closed_lost"])
    close = src.col("CloseDate")
    open_with_date = ~closed_now & close.notna()
    if open_with_date.any():
        report.note(
            f"{src.name}: CloseDate of {int(open_with_date.sum()):,} open deal(s) not used (Salesforce requires an "
            "expected close date on open deals; it is not a close)"
        )
    df = pd.DataFrame(
        {
            "opportunity_id": ids(src.col("Id")),
            "account_id": ids(src.col("AccountId")),
            "created_date": src.col("CreatedDate"),
            "stage": stage,
            "close_date": close.where(closed_now),
            "amount": src.col("Amount"),
            "owner": ids(src.col("OwnerId")),
        }
    )
    df = apply_column_map(src, df, params, "opportunities")
    df = apply_value_map(df, params, "opportunities", done=("stage",))
    for f in ("IsClosed", "IsWon"):
        src.column(f)
    out = {"opportunities": rows_table(src, df)}
    seen: dict[str, object] = dict(zip(raw_stage.astype("string").str.strip(), stage, strict=True))
    created = dates(src, df["created_date"], "CreatedDate", opts)
    hist = _history(folder, params, report, opts, (src, df, created), seen)
    if hist is not None:
        out["stage_history"] = hist
    return out


def _history(
    folder: SourceFolder,
    params: Params,
    report: ImportReport,
    opts: ParseOptions,
    opp: tuple[Source, pd.DataFrame, pd.Series],
    seen: dict[str, object],
) -> RawTable | None:
    """stage_history from OpportunityHistory and/or OpportunityFieldHistory (see the module docstring)."""
    opp_src, opps, created = opp
    smap = {**{k: str(v) for k, v in seen.items()}, **_stage_map(params)}
    frames: list[pd.DataFrame] = []
    sources: list[Source] = []

    def frame(src: Source, opp_id: pd.Series, stage: pd.Series, when: pd.Series, entered: pd.Series) -> pd.DataFrame:
        sources.append(src)
        return pd.DataFrame(
            {
                "opportunity_id": opp_id.to_numpy(),
                "stage": map_values(stage, smap).to_numpy(),
                "when": when.to_numpy(),
                "entered_date": entered.to_numpy(),
                "_pos": opp_id.index.to_numpy(),  # rows of the source file (its RangeIndex)
                "_src": len(sources) - 1,
            }
        )

    oh = folder.open("OpportunityHistory", table="stage_history")
    if oh is not None:
        oh.require("OpportunityId", "StageName", "CreatedDate", preset=PRESET)
        when = dates(oh, oh.col("CreatedDate"), "CreatedDate", opts)
        frames.append(frame(oh, ids(oh.col("OpportunityId")), oh.col("StageName"), when, oh.col("CreatedDate")))
    fh = folder.open("OpportunityFieldHistory", table="stage_history")
    if fh is not None:
        fh.require("OpportunityId", "Field", "NewValue", "CreatedDate", preset=PRESET)
        is_stage = (fh.col("Field").astype("string").str.strip().str.lower() == "stagename").fillna(False)
        keep = is_stage.to_numpy(dtype=bool)
        when = dates(fh, fh.col("CreatedDate"), "CreatedDate", opts)
        oid = ids(fh.col("OpportunityId"))
        t = pd.DataFrame({"opportunity_id": oid, "old": map_values(fh.col("OldValue"), smap), "when": when}).loc[keep]
        # the stage each deal was created in: the first change's OldValue, else (no change) its current stage
        first = t.sort_values("when", kind="stable").drop_duplicates("opportunity_id").set_index("opportunity_id")
        initial = opps["opportunity_id"].map(first["old"]).where(opps["opportunity_id"].isin(first.index))
        initial = initial.where(initial.notna(), opps["stage"])
        in_oh = opps["opportunity_id"].isin(set(frames[0]["opportunity_id"])) if frames else False
        ok = created.notna() & initial.notna() & opps["opportunity_id"].notna() & ~in_oh
        frames.append(frame(opp_src, opps["opportunity_id"][ok], initial[ok], created[ok], opps["created_date"][ok]))
        sub = fh.df.index[keep]
        frames.append(frame(fh, oid[sub], fh.col("NewValue")[sub], when[sub], fh.col("CreatedDate")[sub]))
        report.note(
            f"{fh.name}: stage at creation taken from the first StageName change's OldValue (or the current stage of "
            "deals that never changed stage)" + (" for deals not in OpportunityHistory" if oh is not None else "")
        )
    if not frames:
        report.note("no OpportunityHistory / OpportunityFieldHistory in the export: no stage history")
        return None
    h = pd.concat(frames, ignore_index=True)
    h["_day"] = pd.to_datetime(h["when"]).dt.normalize()
    h["_order"] = h["_src"].map(lambda i: 0 if sources[i] is opp_src else 1)
    h = h.sort_values(["opportunity_id", "_day", "_order", "_src", "_pos"], kind="stable")
    # one row per stage entered: consecutive rows in the same stage (OpportunityHistory snapshots of amount or
    # date changes, or the same change in both objects) count once
    same = (h["opportunity_id"] == h["opportunity_id"].shift()) & (h["stage"] == h["stage"].shift())
    h = h.loc[~same.fillna(False).to_numpy(dtype=bool)]
    parts = []
    for i, src in enumerate(sources):
        sub = h.loc[h["_src"] == i]
        if len(sub):
            parts.append(rows_table(src, sub[["opportunity_id", "stage", "entered_date"]], sub["_pos"].to_numpy()))
    return RawTable.concat(parts)
