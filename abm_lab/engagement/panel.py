"""The account x snapshot panel: one row per account and snapshot date, built in DuckDB.

Every feature uses only what was knowable at the snapshot (:mod:`~abm_lab.engagement.pointintime`): touchpoints
with ``timestamp < snapshot_date`` whose account link was knowable by then, people whose record existed by then,
a fit score computed from static firmographics (no grade, tier or target flag); the label is an opportunity
created in ``[snapshot_date, snapshot_date + H days)``. Account-snapshots with an open opportunity or that
are customers at the snapshot stay in the frame flagged ``eligible = False`` (so every account-snapshot is
accounted for, :func:`panel_accounting`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..compute import Engine, make_engine, round_floats
from ..config.compute import ComputeParams
from ..config.engagement import EngagementParams
from ..errors import ABMDataError
from .pointintime import ConversionCheck, person_dates, touch_dates
from .sql import panel_sql

ID_COLS = ("account_id", "snapshot_date")
FLAG_COLS = ("is_customer_at", "has_open_opp", "created_after", "eligible", "label", "label_observed", "next_opp_date")
#: Touchpoint columns the panel reads (the last two are optional).
TOUCH_COLUMNS = (
    "touchpoint_id",
    "timestamp",
    "account_id",
    "contact_id",
    "channel",
    "activity_type",
    "funnel_stage",
    "program_id",
    "link_method",
)
#: Account columns that encode programme membership or customer status at ``as_of``: never panel features.
AS_OF_COLUMNS = ("grade", "tier", "is_target", "is_customer", "priority", "cluster", "cluster_label")


def activity_types(touchpoints: pd.DataFrame, params: EngagementParams) -> list[str]:
    """Activity types that get a decayed-points column: those in params plus those in the data."""
    seen = set(touchpoints["activity_type"].dropna().astype(str).unique()) if len(touchpoints) else set()
    return sorted(set(params.points) | seen)


def _need(df: pd.DataFrame, table: str, cols: list[str]) -> None:
    miss = [c for c in cols if c not in df.columns]
    if miss:
        raise ABMDataError(
            f"{table}: missing column(s) {miss} needed for the engagement panel",
            file=table,
            column=miss[0],
            reason="missing column",
        )


def _given(df: pd.DataFrame | None, table: str, cols: tuple[str, ...]) -> bool:
    """True for a non-empty optional table (its needed columns checked)."""
    if df is None or len(df) == 0:
        return False
    _need(df, table, list(cols))
    return True


def _persona_table(personas: pd.DataFrame | None, people: pd.DataFrame) -> pd.DataFrame | None:
    """contact_id, is_key_persona [, account_id, known_from, linked_from] - one row per contact (None without
    personas); ``people`` is :func:`~abm_lab.engagement.pointintime.person_dates`."""
    if personas is None or not _given(personas, "personas", ("contact_id", "is_key_persona")):
        return None
    pers = personas[["contact_id"]].copy()
    pers["contact_id"] = pers["contact_id"].astype("string")
    pers["is_key_persona"] = personas["is_key_persona"].fillna(False).astype(bool).to_numpy()
    if "account_id" in personas.columns:
        pers["account_id"] = personas["account_id"].to_numpy()
        pers = pers.merge(people, on="contact_id", how="left")
    return pers.drop_duplicates("contact_id")


def _program_table(programs: pd.DataFrame | None) -> pd.DataFrame | None:
    if programs is None or len(programs) == 0:
        return None
    g = programs[["account_id", "start_date", "end_date"]].copy()
    g["start_date"] = pd.to_datetime(g["start_date"])
    g["end_date"] = pd.to_datetime(g["end_date"])
    return g


#: Panel columns that stay integers (everything else numeric is a float feature).
_INT_COLS = ("label", "days_since_last_touch", "in_abm_program", "is_customer_at", "has_open_opp", "created_after")


def _engine_neutral(out: pd.DataFrame, digits: int) -> pd.DataFrame:
    """The same panel whichever engine ran the query: numeric features as rounded floats, rows in key order."""
    for c in out.columns:
        if c in ID_COLS or c in _INT_COLS or c == "next_opp_date":
            continue
        if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            out[c] = out[c].astype("float64")
    out = round_floats(out, digits)
    return out.sort_values(list(ID_COLS[::-1]), kind="stable").reset_index(drop=True)


def build_panel(
    touchpoints: pd.DataFrame,
    accounts: pd.DataFrame,
    opportunities: pd.DataFrame,
    snapshots: Any,
    as_of: Any,
    params: EngagementParams | None = None,
    personas: pd.DataFrame | None = None,
    fit: pd.DataFrame | None = None,
    programs: pd.DataFrame | None = None,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
) -> pd.DataFrame:
    """Account x snapshot panel (one row per account and snapshot date), one portable query run on a compute
    engine (:mod:`abm_lab.compute`): ``engine`` if given, else one made from ``compute`` (DuckDB by default).

    ``touchpoints`` must carry ``account_id`` (see :func:`abm_lab.mapping.resolve.resolve_touch_accounts`); touches
    without an account are ignored (count them with :func:`panel_accounting`).
    ``link_method`` (optional, notebook 03's ``match_method``): ``contact`` = linked only through the contact.
    ``personas``: contact_id, is_key_persona, optionally account_id, created_date and account_linked_date (then
    people on file per account count as features) (optional). ``fit``: account_id, fit_score
    (0-100, from static firmographics; other columns such as grade or tier are ignored) (optional).
    ``programs``: the canonical programs table (optional).
    Features use only ``timestamp < snapshot_date`` and what was knowable then: a person counts from their
    ``created_date``, a touch linked through its contact from the later of touch and link date
    (:mod:`~abm_lab.engagement.pointintime`). ``label`` = an opportunity created in
    ``[snapshot_date, snapshot_date + horizon_days)``; ``label_observed`` = that window
    ends by ``as_of + 1 day``. ``eligible`` = not a customer (if excluded), no open
    opportunity (if excluded), account created before the snapshot.
    Floating features are rounded to ``compute.float_digits`` decimals and counts are floats, so every engine
    gives the same panel (float sums depend on the order of addition).
    """

    p = params or EngagementParams()
    _need(
        touchpoints,
        "touchpoints",
        ["touchpoint_id", "timestamp", "account_id", "contact_id", "channel", "activity_type"],
    )
    _need(accounts, "accounts", ["account_id"])
    _need(opportunities, "opportunities", ["account_id", "created_date", "close_date", "stage"])
    tp = touchpoints[[c for c in TOUCH_COLUMNS if c in touchpoints.columns]]  # copy-on-write: no 10M-row copy
    for c in ("funnel_stage", "program_id"):
        if c not in tp.columns:
            tp[c] = pd.Series(pd.NA, index=tp.index, dtype="string")
    tp["timestamp"] = pd.to_datetime(tp["timestamp"])
    people = person_dates(personas if _given(personas, "personas", ("contact_id",)) else None, tp)
    when = touch_dates(tp, people)
    tp["person_from"], tp["link_from"] = when["person_from"].to_numpy(), when["link_from"].to_numpy()
    tp = tp.drop(columns=[c for c in ("link_method",) if c in tp.columns])
    acc = accounts[["account_id"]].copy()
    acc["created_date"] = pd.to_datetime(accounts["created_date"]) if "created_date" in accounts else pd.NaT
    acc["is_customer"] = accounts["is_customer"].fillna(False).astype(bool) if "is_customer" in accounts else False
    opp = opportunities[["account_id", "created_date", "close_date"]].copy()
    opp["is_won"] = (opportunities["stage"] == "closed_won").to_numpy(dtype=bool)
    snaps = pd.DataFrame({"snapshot_date": pd.DatetimeIndex(pd.to_datetime(snapshots)).normalize()})
    cp = compute or ComputeParams()
    eng = engine or make_engine(cp)
    try:
        eng.register("touchpoints", tp)
        eng.register("accounts", acc)
        eng.register("opportunities", opp)
        eng.register("snapshots", snaps)
        pers = _persona_table(personas, people)
        has_roster = pers is not None and "account_id" in pers.columns
        if pers is not None:
            eng.register("personas", pers)
        fit_t = (
            fit[["account_id", "fit_score"]].drop_duplicates("account_id")
            if fit is not None and _given(fit, "fit", ("account_id", "fit_score"))
            else None
        )
        if fit_t is not None:
            eng.register("fit", fit_t)
        prog = _program_table(programs)
        if prog is not None:
            eng.register("programs", prog)
        has_personas, has_fit, has_prog = pers is not None, fit_t is not None, prog is not None
        sql = panel_sql(p, activity_types(tp, p), has_personas, has_fit, has_prog, has_roster)
        out = eng.sql(sql)
    finally:
        if engine is None:
            eng.close()
    out = _engine_neutral(out, cp.float_digits)
    out["account_id"] = out["account_id"].astype("string")
    out["snapshot_date"] = pd.to_datetime(out["snapshot_date"]).astype("datetime64[ns]")
    out["next_opp_date"] = pd.to_datetime(out["next_opp_date"]).astype("datetime64[ns]")
    for c in ("is_customer_at", "has_open_opp", "created_after", "in_abm_program"):
        out[c] = out[c].astype(bool)
    out["label"] = out["label"].fillna(0).astype(int)
    end = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)
    out["label_observed"] = (out["snapshot_date"] + pd.Timedelta(days=p.horizon_days)) <= end
    elig = ~out["created_after"]
    if p.exclude_customers:
        elig &= ~out["is_customer_at"]
    if p.exclude_open_opportunities:
        elig &= ~out["has_open_opp"]
    out["eligible"] = elig
    drop = ["trend_recent_n", "trend_prior_n"]
    return out.drop(columns=drop)


def panel_accounting(
    panel: pd.DataFrame, touchpoints: pd.DataFrame, conversion: ConversionCheck | None = None
) -> pd.DataFrame:
    """Where every account-snapshot (and touchpoint) went: a small table for the notebook.

    With ``conversion`` (:func:`~abm_lab.engagement.pointintime.conversion_leak_check`) two more rows: people
    created within the window after an opportunity of their account opened, and how many chance would give."""
    n = len(panel)
    cust = panel["is_customer_at"]
    openo = panel["has_open_opp"] & ~cust
    after = panel["created_after"] & ~cust & ~openo
    rows = [
        ("account-snapshots", n),
        ("  customer at the snapshot (excluded)", int(cust.sum())),
        ("  open opportunity at the snapshot (excluded)", int(openo.sum())),
        ("  account created after the snapshot (excluded)", int(after.sum())),
        ("  eligible", int(panel["eligible"].sum())),
        ("    of which label observed (train/test)", int((panel["eligible"] & panel["label_observed"]).sum())),
        (
            "    of which latest snapshot (scored)",
            int((panel["eligible"] & (panel["snapshot_date"] == panel["snapshot_date"].max())).sum()),
        ),
        ("touchpoints", len(touchpoints)),
        ("  with an account (used)", int(touchpoints["account_id"].notna().sum())),
        ("  without an account (not used)", int(touchpoints["account_id"].isna().sum())),
    ]
    if conversion is not None and conversion.people:
        w = conversion.window_days
        rows += [
            ("people with an account and a creation date", conversion.people),
            (f"  created within {w} days after an opportunity opened", round(conversion.share * conversion.people)),
            (
                "  expected if creation did not depend on opportunities",
                round(conversion.expected_share * conversion.people),
            ),
        ]
    return pd.DataFrame(rows, columns=["item", "rows"])


def feature_columns(panel: pd.DataFrame) -> list[str]:
    """Model features: everything except ids, flags, label and the decayed-points columns.

    Columns that are missing everywhere (e.g. fit_score without notebook 02) are left out, and so are columns
    that hold status at ``as_of`` (:data:`AS_OF_COLUMNS`: grade, tier, target flag, customer flag) should a
    caller merge them onto the panel: the grade is a cut of the fit score (no information beyond it) and tier
    and target encode programme membership decided with hindsight.
    """
    skip = set(ID_COLS) | set(FLAG_COLS) | set(AS_OF_COLUMNS)
    return [c for c in panel.columns if c not in skip and not c.startswith("decay_") and panel[c].notna().any()]
