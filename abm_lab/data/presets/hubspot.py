"""HubSpot reader preset (``preset: hubspot``): a folder of HubSpot CRM UI exports as canonical tables.

HubSpot's UI exports (``hubspot-crm-exports-all-companies-2026-03-04.csv`` …) name columns by the property
*labels* ("Record ID", "Company name", "Deal Stage", ``Date entered "Closed Won (Sales Pipeline)"``) and write
date-times as ``2026-03-04 17:22`` in the portal's time zone (``data.timezone``). This module reads

* companies → ``accounts`` (Lifecycle Stage → ``is_customer`` through :data:`LIFECYCLE_CUSTOMER`),
* contacts → ``contacts`` (HubSpot has no lead object: a contact without an associated company is a ``lead``),
* deals → ``opportunities`` (stage labels through :data:`DEAL_STAGES`; Close Date only once closed) and their
  ``Date entered …`` columns → ``stage_history``,
* the programme from company properties (``data.program``: target, tier and holdout-arm properties),

and hands the activity files to :mod:`.hubspot_activity` (email events, form submissions, page views with the
ads' UTM landing URLs, marketing events; meetings and calls through :mod:`.hubspot_sales`), joined to contacts by
e-mail or contact id. Every mapping is documented in docs/import.md and overridable
through ``data.column_map`` / ``data.value_map``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import ABMDataError
from ..parse import Lines
from .base import ImportReport, RawTable, Source, SourceFolder, map_values, truthy
from .columns import region_of

PRESET = "hubspot"
_SUF = r"\.(?:csv|csv\.gz|parquet|tsv|txt)"
#: Object -> file-name pattern (lower-cased names; several files of one object are concatenated, in name order).
OBJECT_FILES: dict[str, str] = {
    "companies": rf".*compan(?:y|ies).*{_SUF}",
    "contacts": rf".*contacts?.*{_SUF}",
    "deals": rf".*deals?.*{_SUF}",
}

#: Lifecycle Stage (label or internal value) -> customer flag. Evangelists are customers in HubSpot's definition.
LIFECYCLE_CUSTOMER: dict[str, str] = {
    "Subscriber": "false",
    "Lead": "false",
    "Marketing Qualified Lead": "false",
    "Sales Qualified Lead": "false",
    "Opportunity": "false",
    "Customer": "true",
    "Evangelist": "true",
    "Other": "false",
    "subscriber": "false",
    "lead": "false",
    "marketingqualifiedlead": "false",
    "salesqualifiedlead": "false",
    "opportunity": "false",
    "customer": "true",
    "evangelist": "true",
    "other": "false",
}

#: Deal stages of HubSpot's default "Sales Pipeline" (labels and internal values) -> canonical stages.
DEAL_STAGES: dict[str, str] = {
    "Appointment Scheduled": "prospecting",
    "Qualified To Buy": "discovery",
    "Presentation Scheduled": "solution",
    "Decision Maker Bought-In": "proposal",
    "Contract Sent": "negotiation",
    "Closed Won": "closed_won",
    "Closed Lost": "closed_lost",
    "appointmentscheduled": "prospecting",
    "qualifiedtobuy": "discovery",
    "presentationscheduled": "solution",
    "decisionmakerboughtin": "proposal",
    "contractsent": "negotiation",
    "closedwon": "closed_won",
    "closedlost": "closed_lost",
}
CLOSED = ("closed_won", "closed_lost")

#: Canonical column -> HubSpot property labels (first found wins), per object.
COMPANY_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Company name", "Name"),
    "domain": ("Company Domain Name", "Domain"),
    "website": ("Website URL", "Website"),
    "alt_domains": ("Additional Domains",),
    "industry": ("Industry",),
    "employees": ("Number of Employees",),
    "annual_revenue": ("Annual Revenue",),
    "country": ("Country/Region", "Country"),
    "founded_year": ("Year Founded",),
    "created_date": ("Create Date", "Created Date"),
    "owner": ("Company owner", "Owner"),
}
CONTACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("Email",),
    "first_name": ("First Name",),
    "last_name": ("Last Name",),
    "job_title": ("Job Title",),
    "company_name": ("Company Name",),
    "website": ("Website URL", "Website"),
    "country": ("Country/Region", "Country"),
    "source": ("Original Source", "Lead Source"),
    "created_date": ("Create Date", "Created Date"),
}
DEAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "amount": ("Amount",),
    "created_date": ("Create Date", "Created Date"),
    "owner": ("Deal owner", "Owner"),
}
ID = ("Record ID", "ID", "hs_object_id")
COMPANY_OF = (
    "Associated Company IDs (Primary)",
    "Associated Company ID (Primary)",
    "Associated Company IDs",
    "Associated Company ID",
    "Primary Associated Company ID",
)
DATE_ENTERED = re.compile(r'^\s*date entered\s+"?(.+?)"?\s*$', re.IGNORECASE)
_PIPELINE = re.compile(r"^(.*?)\s*\(([^()]*)\)\s*$")


def read_hubspot(folder: Path, params, report: ImportReport) -> dict[str, RawTable]:
    """Canonical tables from a folder of HubSpot exports (see the module docstring and docs/import.md)."""
    from .hubspot_activity import read_activity
    from .hubspot_program import read_programme

    sf = SourceFolder(Path(folder), report)
    d = params.data
    skip = _param_files(d)
    found = _object_files(sf, skip)
    for obj in ("companies", "contacts", "deals"):
        if not found[obj]:
            raise ABMDataError(
                f"{folder}: no HubSpot {obj} export (a file named like hubspot-crm-exports-all-{obj}-<date>.csv or "
                f"{obj}.csv); export it from the {obj.capitalize()} index page (Export, all properties).",
                file=str(Path(folder) / f"{obj}.csv"),
                reason="missing table",
            )
    companies = [sf.read(p, "accounts") for p in found["companies"]]
    out: dict[str, RawTable] = {}
    out["accounts"] = RawTable.concat([_accounts(s, params, report) for s in companies])
    account_ids = set(out["accounts"].df["account_id"].dropna().astype(str))
    out["contacts"] = RawTable.concat(
        [_contacts(sf.read(p, "contacts"), params, account_ids, report) for p in found["contacts"]]
    )
    deal_parts = [_deals(sf.read(p, "opportunities"), params, report) for p in found["deals"]]
    out["opportunities"] = RawTable.concat([o for o, _ in deal_parts])
    for p in found["deals"]:
        report.use(p, "stage_history")
    out["stage_history"] = RawTable.concat([h for _, h in deal_parts])
    program = read_programme(companies, params, report)
    if program is not None:
        out["programs"] = program
    touches = read_activity(sf, params, report, out["contacts"].df, skip, out["accounts"].df)
    if touches is not None:
        out["touchpoints"] = touches
    elif not d.files.get("touchpoints"):  # without touches of its own, io gives an empty touchpoints table
        report.warn(
            "no HubSpot activity file (email events, form submissions, page views, marketing events, meetings, "
            "calls): "
            "touchpoints are empty, so engagement and attribution have nothing to work on"
        )
    sf.finish(skip=skip)
    return out


def _param_files(d) -> list[str]:
    """Names of the files params give to io (data.files, data.ad_spend): not read here, not 'ignored'."""
    names: list[str] = []
    for v in d.files.values():
        for e in v if isinstance(v, list) else [v]:
            names.append(Path(e if isinstance(e, str) else e.path).name)
    names += [Path(a.path).name for a in d.ad_spend]
    return names


def _object_files(sf: SourceFolder, skip: list[str]) -> dict[str, list[Path]]:
    """Files of each object (activity patterns are matched first, so 'email-events' is never a contacts file)."""
    from .hubspot_activity import ACTIVITY_FILES

    skip_l = {s.lower() for s in skip}
    taken: set[Path] = set()
    out: dict[str, list[Path]] = {}
    for obj, pat in {**ACTIVITY_FILES, **OBJECT_FILES}.items():
        out[obj] = [p for p in sf.glob(pat) if p not in taken and p.name.lower() not in skip_l]
        taken.update(out[obj])
    return out


def need(src: Source, names: tuple[str, ...], what: str) -> str:
    """The file's spelling of the first of ``names`` it has; an error naming the file and column otherwise."""
    c = src.column(*names)
    if c is None:
        raise ABMDataError(
            f"{src.path} ({PRESET} preset): missing column {names[0]!r}"
            + (f" (or {', '.join(repr(n) for n in names[1:])})" if len(names) > 1 else "")
            + f"; {what}",
            file=str(src.path),
            column=names[0],
            reason="missing column",
        )
    return c


def _take(src: Source, spec: dict[str, tuple[str, ...]], df: pd.DataFrame) -> None:
    for canon, names in spec.items():
        if src.has(*names):
            df[canon] = src.col(*names).to_numpy()


def _custom(src: Source, params, table: str, df: pd.DataFrame) -> None:
    """``data.column_map[table]``: a property label -> canonical column (custom properties, e.g. tech flags)."""
    for label, canon in params.data.column_map.get(table, {}).items():
        if src.has(label):
            df[canon] = src.col(label).to_numpy()


def values(params, table: str, df: pd.DataFrame, handled: tuple[str, ...] = ()) -> None:
    """``data.value_map[table]`` on the columns this reader does not map itself."""
    for col, m in params.data.value_map.get(table, {}).items():
        if col in df.columns and col not in handled:
            df[col] = map_values(df[col], {}, m)


def first_id(values: pd.Series) -> pd.Series:
    """First id of a ';'-separated association list ("123;456" -> "123"), blanks kept blank."""
    s = values.astype("string").str.split(";").str[0].str.strip()
    return s.mask(s == "").astype("object")


def _accounts(src: Source, params, report: ImportReport) -> RawTable:
    idc = need(src, ID, "the companies export needs the Record ID (Company ID) of each company")
    need(src, COMPANY_COLUMNS["name"], "the companies export needs the company name")
    df = pd.DataFrame({"account_id": src.df[idc].to_numpy()})
    _take(src, COMPANY_COLUMNS, df)
    if src.has("Parent Company", "Parent Company ID"):
        df["parent_account_id"] = _parent(src, df, report)
    stage = src.col("Lifecycle Stage")
    if src.has("Lifecycle Stage"):
        override = params.data.value_map.get("accounts", {}).get("is_customer")
        mapped = map_values(stage, LIFECYCLE_CUSTOMER, override)
        flag = truthy(mapped)
        blank = stage.isna() | (stage.astype("string").str.strip() == "").fillna(True)
        other = flag.isna() & ~blank
        if other.any():
            labels = sorted(set(stage[other].astype(str)))
            report.note(
                f"{src.name}: {int(other.sum())} compan(ies) with Lifecycle Stage {labels[:6]} read as not customers "
                "(map them in data.value_map.accounts.is_customer)"
            )
        if not bool(blank.all()):
            flag = flag.fillna(False)
            if blank.any():
                report.note(
                    f"{src.name}: {int(blank.sum())} compan(ies) without a Lifecycle Stage read as not customers"
                )
        df["is_customer"] = flag.to_numpy()
        n_cust = int(flag.fillna(False).sum())
        report.note(f"{src.name}: {n_cust} customer(s) from Lifecycle Stage (Customer, Evangelist)")
    _custom(src, params, "accounts", df)
    values(params, "accounts", df, handled=("is_customer",))
    if "country" in df.columns and "region" not in df.columns:
        df["region"] = df["country"].map(region_of).astype("object")
    return src.table(df)


def _parent(src: Source, df: pd.DataFrame, report: ImportReport) -> pd.Series:
    """Parent Company as a Record ID (HubSpot exports the parent's id; a name is looked up among the companies)."""
    raw = first_id(src.col("Parent Company ID", "Parent Company"))
    numeric = raw.astype("string").str.fullmatch(r"\d+").fillna(False).astype(bool)
    if numeric.all() or "name" not in df.columns:
        return raw
    by_name = dict(zip(df["name"].astype("string").str.strip().str.lower(), df["account_id"], strict=False))
    names = raw.astype("string").str.strip().str.lower()
    out = raw.where(numeric | raw.isna(), names.map(by_name))
    unknown = raw.notna() & ~numeric & out.isna()
    if (raw.notna() & ~numeric).any():
        report.note(
            f"{src.name}: Parent Company given by name in {int((raw.notna() & ~numeric).sum())} row(s), looked "
            f"up among the companies; {int(unknown.sum())} not found (left blank)"
        )
    return out.astype("object")


def _contacts(src: Source, params, account_ids: set[str], report: ImportReport) -> RawTable:
    idc = need(src, ID, "the contacts export needs the Record ID (Contact ID) of each contact")
    df = pd.DataFrame({"contact_id": src.df[idc].to_numpy()})
    _take(src, CONTACT_COLUMNS, df)
    acc = first_id(src.col(*COMPANY_OF)) if src.has(*COMPANY_OF) else pd.Series(pd.NA, index=src.df.index)
    unknown = acc.notna() & ~acc.astype("object").isin(account_ids).to_numpy(dtype=bool)
    if unknown.any():
        lines = src.row_lines[np.asarray(unknown)][:5].tolist() if src.row_lines is not None else []
        report.warn(
            f"{src.name}: {int(unknown.sum())} contact(s) associated with a company that is not in the companies "
            f"export (lines {lines}); read as unlinked (leads). Export all companies to keep them linked."
        )
        acc = acc.where(~unknown)
    df["account_id"] = acc.to_numpy()
    df["record_type"] = np.where(acc.notna().to_numpy(), "contact", "lead")
    _custom(src, params, "contacts", df)
    values(params, "contacts", df)
    n_lead = int((df["record_type"] == "lead").sum())
    report.note(
        f"{src.name}: {len(df) - n_lead} contact(s) with an associated company, {n_lead} without (read as leads; "
        "HubSpot has no separate lead object)"
    )
    return src.table(df)


def stage_labels(params) -> dict[str, str]:
    """The deal stage map: :data:`DEAL_STAGES` updated by ``data.value_map.opportunities.stage``."""
    return {**DEAL_STAGES, **params.data.value_map.get("opportunities", {}).get("stage", {})}


def _deals(src: Source, params, report: ImportReport) -> tuple[RawTable, RawTable]:
    idc = need(src, ID, "the deals export needs the Record ID (Deal ID) of each deal")
    stc = need(src, ("Deal Stage",), "the deals export needs the deal stage")
    smap = stage_labels(params)
    df = pd.DataFrame({"opportunity_id": src.df[idc].to_numpy()})
    df["stage"] = map_values(src.df[stc], smap).to_numpy()
    if src.has(*COMPANY_OF):
        df["account_id"] = first_id(src.col(*COMPANY_OF)).to_numpy()
    _take(src, DEAL_COLUMNS, df)
    closed = df["stage"].isin(CLOSED).to_numpy()
    if src.has("Close Date"):
        close = src.col("Close Date")
        df["close_date"] = close.where(closed).to_numpy()
        expected = int((close.notna().to_numpy() & ~closed).sum())
        if expected:
            report.note(
                f"{src.name}: Close Date of {expected} open deal(s) is HubSpot's expected close date, not used "
                "(close_date stays blank while a deal is open)"
            )
    if src.has("Pipeline"):
        pipes = src.col("Pipeline").astype("string").value_counts()
        if len(pipes) > 1:
            report.note(f"{src.name}: deals of {len(pipes)} pipelines read together: {dict(pipes.head(5))}")
    _custom(src, params, "opportunities", df)
    values(params, "opportunities", df, handled=("stage",))
    return src.table(df), _history(src, df["opportunity_id"], smap, report)


def _history(src: Source, ids: pd.Series, smap: dict[str, str], report: ImportReport) -> RawTable:
    """``Date entered "<stage> (<pipeline>)"`` columns as one stage_history row per deal and stage entered."""
    rows, pos = [], []
    for c in src.df.columns:
        m = DATE_ENTERED.match(str(c))
        if not m:
            continue
        src.used.add(c)
        label = m.group(1).strip()
        pm = _PIPELINE.match(label)
        stage_label = pm.group(1) if pm else label
        stage = map_values(pd.Series([stage_label]), smap).iloc[0]
        if stage == stage_label and label in smap:
            stage = smap[label]
        vals = src.df[c]
        has = vals.notna().to_numpy()
        idx = np.flatnonzero(has)
        rows.append(
            pd.DataFrame({"opportunity_id": ids.to_numpy()[idx], "stage": stage, "entered_date": vals.to_numpy()[idx]})
        )
        pos.append(idx)
    if not rows:
        report.note(f"{src.name}: no 'Date entered …' columns, so no stage history (add them to the deals export)")
        df = pd.DataFrame(columns=["opportunity_id", "stage", "entered_date"])
        return RawTable(
            df, [src.path], Lines.simple(str(src.path), np.zeros(0, np.int64)) if src.row_lines is not None else None
        )
    df = pd.concat(rows, ignore_index=True)
    at = np.concatenate(pos)
    order = np.lexsort((at,))  # deal order of the file, then column order
    df, at = df.iloc[order].reset_index(drop=True), at[order]
    lines = Lines.simple(str(src.path), src.row_lines[at]) if src.row_lines is not None else None
    report.note(f"{src.name}: {len(df)} stage history row(s) from the 'Date entered …' columns")
    return RawTable(df, [src.path], lines)


__all__ = ["DEAL_STAGES", "LIFECYCLE_CUSTOMER", "OBJECT_FILES", "read_hubspot"]
