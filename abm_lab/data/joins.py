"""Touches tied to their person after loading: ids of records a reader merged away (converted leads) pointed at
the surviving record, and touches carrying a person's e-mail instead of a contact id joined by e-mail."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .presets.base import ImportReport, RawTable


def aliased(rt: RawTable, report: ImportReport) -> RawTable:
    """Ids of records the reader merged away (a converted lead's id) replaced by the surviving record's id."""
    for table, col in (("contacts", "contact_id"), ("accounts", "account_id")):
        alias = report.aliases.get(table)
        if alias and col in rt.df.columns:
            ids = rt.df[col]
            hit = ids.isin(list(alias)).fillna(False)
            if hit.any():
                df = rt.df.copy()
                df[col] = ids.where(~hit, ids.map(alias))
                report.note(
                    f"{rt.label}: {int(hit.sum()):,} row(s) name a merged record's old id in {col}; "
                    "pointed at the record it was merged into"
                )
                rt = RawTable(df, rt.paths, rt.lines, rt.set_aside)
    return rt


def join_by_email(tp: RawTable, contacts: pd.DataFrame, report: ImportReport) -> RawTable:
    """Touches that carry a person's e-mail instead of a contact id (marketing-automation and e-mail tool
    exports): contact_id from the e-mail (case-insensitive; the earliest-created person when several share it).
    Rows whose e-mail matches nobody are set aside and counted (a touch of nobody cannot reach an account)."""
    df = tp.df
    if "email" not in df.columns:
        return tp
    cid = df["contact_id"] if "contact_id" in df.columns else pd.Series(pd.NA, index=df.index, dtype="object")
    blank = cid.isna() | (cid.astype("string").str.strip() == "").fillna(True)
    mail = df["email"].astype("string").str.strip().str.lower()
    todo = blank & mail.notna()
    if not todo.any():
        return RawTable(df.drop(columns=["email"]), tp.paths, tp.lines, tp.set_aside)
    people = contacts.loc[contacts["email"].notna(), ["contact_id", "email", "created_date"]].copy()
    people["key"] = people["email"].astype("string").str.strip().str.lower()
    people = people.sort_values(["key", "created_date", "contact_id"], na_position="last", kind="stable")
    lookup = people.drop_duplicates("key").set_index("key")["contact_id"]
    found = mail.map(lookup)
    df = df.copy()
    df["contact_id"] = cid.where(~todo, found).astype("object")
    unmatched = todo & found.isna()
    joined = int((todo & found.notna()).sum())
    report.note(f"touchpoints: {joined:,} touch(es) linked to their person by e-mail")
    keep = ~unmatched.to_numpy()
    if unmatched.any():
        first = tp.lines.label(int(np.flatnonzero(~keep)[0])) if tp.lines is not None else "row ?"
        report.note(
            f"touchpoints: {int(unmatched.sum()):,} touch(es) with an e-mail that matches no person were set aside "
            f"(first at {first}); load the people they belong to (contacts) to use them"
        )
    out = RawTable(df.drop(columns=["email"]), tp.paths, tp.lines, tp.set_aside)
    return out.subset(keep, "e-mail matches no person")
