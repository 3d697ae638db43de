"""Exports of the synthetic world for the round trip (:mod:`abm_lab.validation.roundtrip`): the identity export,
the composed Salesforce / HubSpot exports (CRM files, reverse-IP web visits, LinkedIn spend and a costs sheet for
HubSpot, which holds no costs) and loading an export with only its documented params."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..config import Params, parse_params
from ..data.io import Dataset, load_dataset
from ..synth.exports import Export


def identity_export(tables: Mapping[str, pd.DataFrame], out: str | Path) -> Export:
    """The canonical path: the world's tables as the canonical Parquet files the demo world is read from."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_parquet(out / f"{name}.parquet", index=False)
    keys = (("accounts", "account_id"), ("contacts", "contact_id"), ("opportunities", "opportunity_id"))
    ids = {k: pd.Series(v, index=v) for k, c in keys for v in [tables[k][c].astype(str).to_numpy()]}
    return Export(out, {"source": "folder", "path": str(out.resolve()), "preset": "canonical"}, ids)


def compose_export(
    kind: Literal["salesforce", "hubspot"],
    world_tables: Mapping[str, pd.DataFrame],
    out: str | Path,
    as_of: Any,
    seed: int = 0,
) -> Export:
    """A whole re-export of the world as a user would bring it: the CRM export (Salesforce or HubSpot) plus the
    reverse-IP web-visits file; for HubSpot, which holds no costs, also the LinkedIn Campaign Manager report of
    the paid-social spend and a costs spreadsheet (canonical ``costs.csv``) for the other channels."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = dict(world_tables)
    if kind == "salesforce":
        from ..synth.exports.salesforce import export_salesforce

        ex = export_salesforce(tables, out, as_of=as_of, seed=seed)
    elif kind == "hubspot":
        from ..synth.exports.hubspot import export_hubspot

        ex = export_hubspot(tables, out, as_of=as_of, seed=seed)
    else:
        raise ValueError(f"unknown export kind {kind!r} (salesforce or hubspot)")
    from ..synth.exports.webvisits import export_web_visits

    data = dict(ex.data)
    files = dict(data.get("files") or {})
    visits = export_web_visits(tables["touchpoints"], ex.folder, seed=seed)
    files["touchpoints"] = [*_as_list(files.get("touchpoints")), visits]
    if kind == "hubspot":
        from ..synth.exports.linkedin import export_linkedin

        costs = tables["costs"]
        social = costs["channel"].astype(str) == PAID_SOCIAL
        if social.any():
            prog = str(costs.loc[social, "program_id"].iloc[0])
            spend = export_linkedin(
                costs.loc[social],
                ex.folder,
                campaign_group=f"{prog} {LINKEDIN_GROUP_SUFFIX}",
                channel=PAID_SOCIAL,
                start=costs.loc[social, "period_start"].min(),
                end=costs.loc[social, "period_end"].max(),
                seed=seed,
            )
            data["ad_spend"] = [*list(data.get("ad_spend") or []), spend]
        rest = costs.loc[~social].copy()
        for c in ("period_start", "period_end"):
            rest[c] = pd.to_datetime(rest[c]).dt.strftime("%Y-%m-%d")
        rest.to_csv(ex.folder / COSTS_SHEET, index=False)
        files["costs"] = [*_as_list(files.get("costs")), COSTS_SHEET]
    data["files"] = files
    return Export(ex.folder, data, ex.ids)


def _as_list(v: object) -> list:
    return [] if v is None else list(v) if isinstance(v, list) else [v]


#: Channel of the spend HubSpot users export from LinkedIn Campaign Manager.
PAID_SOCIAL = "paid_social"
#: Name of the programme's LinkedIn campaign group: "<programme id> Target Accounts".
LINKEDIN_GROUP_SUFFIX = "Target Accounts"
#: The costs spreadsheet of the channels HubSpot holds no spend for (canonical layout, one row per channel
#: and quarter).
COSTS_SHEET = "costs.csv"


def load_export(ex: Export, overlay: Mapping[str, Any] | None = None) -> tuple[Dataset, Params]:
    """Load an export through its documented ``data:`` block (plus ``overlay``: run, roi, ... never data)."""
    raw = {k: v for k, v in dict(overlay or {}).items() if k != "data"}
    raw["data"] = ex.data
    params = parse_params(raw, file=f"<round trip {ex.folder}>")
    return load_dataset(params, ex.folder), params


# --------------------------------------------------------------------------- comparison
