"""Path data for attribution: journeys of channels (or programs) with their conversions, nulls and value.

* :func:`paths_from_frame` reads the generic aggregate format used by peers (``"a > b > c"`` path strings
  with conversions / nulls / value columns), so published examples and ChannelAttribution's demo data run
  through the same code;
* :func:`account_paths` builds account-level journeys from the canonical tables: the touches of *all
  contacts of an account* before an opportunity was created (variant ``"created"``; value = the opportunity
  amount, i.e. pipeline) or before it was closed (variant ``"closed"``; conversions = won deals, nulls =
  lost deals, value = revenue), with the milestone touches of the position models (:mod:`.milestones`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ...compute import Engine, open_engine
from ...config.compute import ComputeParams
from ...config.roi import AttributionParams
from ...errors import ABMDataError
from ..sql import JOURNEY_TABLE, PERSON_TABLE, TOUCH_TABLE, journey_sql
from .milestones import DAY

START, CONV, NULL = "(start)", "(conversion)", "(null)"
NO_PROGRAM = "(no program)"
#: Milestone flag of each touch -> its column in :func:`abm_lab.roi.sql.journey_sql` (the milestone's ``ord``).
MILESTONES = {"is_first_touch": "ft", "is_lead_creation": "lcr", "is_opp_creation": "oc", "is_closed_won": "cw"}


# --------------------------------------------------------------------------- path data
@dataclass
class PathData:
    """Journeys as touch-level arrays (one entry per touch) plus per-path totals.

    ``touches`` has columns path_id, pos (0-based), n (path length), channel, and
    optionally age_days (days before the conversion / end), is_first_touch, is_lead_creation,
    is_opp_creation, is_closed_won (milestone flags for the position models; a milestone found
    before the look-back flags no touch, see :mod:`.milestones`).
    ``paths`` has one row per path: path_id, conversions, nulls, value.
    """

    touches: pd.DataFrame
    paths: pd.DataFrame
    excluded: dict = field(default_factory=dict)  # conversions / value without any touch

    @property
    def channels(self) -> list[str]:
        return sorted(map(str, self.codes()[1]))

    def codes(self) -> tuple[np.ndarray, list[str]]:
        """Integer code of each touch's channel and the channel names (codes index the names)."""
        ch = self.touches["channel"]
        if not isinstance(ch.dtype, pd.CategoricalDtype):
            ch = pd.Categorical(ch.to_numpy(object))
            self.touches["channel"] = ch
            ch = self.touches["channel"]
        cats = [str(c) for c in ch.cat.categories]
        return ch.cat.codes.to_numpy(np.int64), cats

    @property
    def total_conversions(self) -> float:
        return float(self.paths["conversions"].sum())

    @property
    def total_value(self) -> float:
        return float(self.paths["value"].sum())

    def sequences(self) -> list[list[str]]:
        """Channel sequence of each path, in path_id order."""
        t = self.touches.sort_values(["path_id", "pos"], kind="stable")
        codes, names = self.codes()
        codes = codes[t.index.to_numpy()] if not t.index.equals(self.touches.index) else codes
        pid = t["path_id"].to_numpy()
        cuts = np.flatnonzero(np.diff(pid)) + 1
        out: list[list[str]] = [[] for _ in range(len(self.paths))]
        for p_, seg in zip(
            np.r_[pid[:1], pid[cuts]] if len(pid) else [], np.split(codes, cuts) if len(pid) else [], strict=False
        ):
            out[int(p_)] = [names[c] for c in seg]
        return out

    def to_frame(self, sep: str = " > ") -> pd.DataFrame:
        """Aggregate format: path string, conversions, nulls, value."""
        seqs = self.sequences()
        df = self.paths[["conversions", "nulls", "value"]].copy()
        df.insert(0, "path", [sep.join(s) for s in seqs])
        return df


def paths_from_frame(
    df: pd.DataFrame,
    path: str = "path",
    conversions: str = "total_conversions",
    nulls: str | None = "total_null",
    value: str | None = "total_conversion_value",
    sep: str = ">",
    file: str = "paths",
) -> PathData:
    """Generic aggregate path data (``"a > b > c"`` strings) → :class:`PathData`.

    ``nulls`` / ``value`` may be None (or absent columns): then 0 nulls and value = 0.
    Raises :class:`ABMDataError` for missing columns, blank paths or negative counts.
    """
    for c in (path, conversions):
        if c not in df.columns:
            raise ABMDataError(
                f"{file}: missing column '{c}' (columns: {list(df.columns)})",
                file=file,
                column=c,
                reason="missing column",
            )
    d = df.reset_index(drop=True)
    conv = pd.to_numeric(d[conversions], errors="coerce")
    nul = pd.to_numeric(d[nulls], errors="coerce") if nulls and nulls in d.columns else pd.Series(0.0, index=d.index)
    val = pd.to_numeric(d[value], errors="coerce") if value and value in d.columns else pd.Series(0.0, index=d.index)
    for name, s in ((conversions, conv), (nulls, nul), (value, val)):
        bad = s.isna() | (s < 0)
        if bad.any():
            rows = [int(i) + 2 for i in np.flatnonzero(bad.to_numpy())[:5]]
            raise ABMDataError(
                f"{file}: column '{name}' must be a non-negative number; bad at lines {rows}",
                file=file,
                column=name,
                rows=rows,
                reason="not a non-negative number",
            )
    seqs = [[c.strip() for c in str(p).split(sep) if c.strip()] for p in d[path].fillna("")]
    empty = np.array([len(s) == 0 for s in seqs])
    if empty.any():
        rows = [int(i) + 2 for i in np.flatnonzero(empty)[:5]]
        raise ABMDataError(
            f"{file}: column '{path}' is blank in {int(empty.sum())} row(s) (lines {rows})",
            file=file,
            column=path,
            rows=rows,
            reason="blank path",
        )
    return _build(seqs, conv.to_numpy(float), nul.to_numpy(float), val.to_numpy(float))


def _build(seqs: Sequence[Sequence[str]], conv, nul, val, ages=None, flags=None) -> PathData:
    lens = np.array([len(s) for s in seqs], dtype=int)
    pid = np.repeat(np.arange(len(seqs)), lens)
    pos = np.concatenate([np.arange(n) for n in lens]) if len(lens) else np.array([], int)
    t = pd.DataFrame(
        {
            "path_id": pid,
            "pos": pos,
            "n": np.repeat(lens, lens),
            "channel": pd.Categorical(np.array([c for s in seqs for c in s], dtype=object)),
        }
    )
    if ages is not None:
        t["age_days"] = np.concatenate(ages) if len(ages) else np.array([], float)
    if flags is not None:
        for k, v in flags.items():
            t[k] = np.concatenate(v) if len(v) else np.array([], bool)
    paths = pd.DataFrame(
        {
            "path_id": np.arange(len(seqs)),
            "conversions": np.asarray(conv, float),
            "nulls": np.asarray(nul, float),
            "value": np.asarray(val, float),
        }
    )
    return PathData(t, paths)


def account_paths(
    touchpoints: pd.DataFrame,
    opportunities: pd.DataFrame,
    *,
    as_of,
    variant: Literal["created", "closed"] = "created",
    dimension: str = "channel",
    params: AttributionParams | None = None,
    window: tuple | None = None,
    accounts_with_touches_as_nulls: bool = True,
    contacts: pd.DataFrame | None = None,
    accounts: pd.DataFrame | None = None,
    engine: Engine | None = None,
    compute: ComputeParams | None = None,
) -> PathData:
    """Account-level journeys from canonical tables.

    ``touchpoints`` needs account_id (mapped), timestamp, ``dimension`` (channel or
    program_id; blank program → "(no program)"), activity_type and contact_id.
    Variant ``"created"``: one converting path per opportunity with an account and created
    date (value = amount = pipeline, USD); touches of the account in the ``lookback_days``
    before the creation day (inclusive). Accounts with touches but no opportunity ever give
    one null path (their touches in the lookback before ``as_of``), except customers
    (``accounts.is_customer``, when ``accounts`` is given): an account already a customer is not a
    non-converting prospect; their journeys are counted in ``excluded["customer_paths"]``.
    Variant ``"closed"``: won deals are conversions (value = amount, USD revenue), lost
    deals are nulls; touches in the lookback before the close day.
    ``window`` = (start, end) restricts opportunities to those created (closed) in it.
    Conversions without any touch are not attributed; they are counted in ``excluded``.
    Milestones (flags ``is_first_touch``, ``is_lead_creation``, ``is_opp_creation``, ``is_closed_won``) are
    found over all the account's touches before the conversion, not only the look-back
    (:mod:`.milestones`); ``contacts`` (contact_id, created_date) gives the lead-creation touch.
    The touch-level work (journey joins, milestone ranking, look-back) is one query
    (:func:`abm_lab.roi.sql.journey_sql`) on ``engine`` or one made from ``compute`` (DuckDB by default).
    """
    p = params or AttributionParams()
    as_of = pd.Timestamp(as_of).normalize()
    tp = touchpoints.loc[touchpoints["account_id"].notna()]
    if dimension not in tp.columns:
        raise ABMDataError(
            f"touchpoints: no column '{dimension}' to attribute by",
            file="touchpoints",
            column=dimension,
            reason="missing column",
        )
    opps = opportunities.loc[opportunities["account_id"].notna()]
    # integer codes for accounts and channels: joins and group-bys on ints, not strings
    acc_codes, acc_names = pd.factorize(
        pd.concat([tp["account_id"], opps["account_id"]], ignore_index=True).astype("string")
    )
    t_acc, o_acc = acc_codes[: len(tp)], acc_codes[len(tp) :]
    fill = NO_PROGRAM if dimension == "program_id" else "other"
    ch_codes, ch_names = pd.factorize(tp[dimension].astype("string").fillna(fill))
    has_person = "contact_id" in tp.columns
    person, person_ids = (
        pd.factorize(tp["contact_id"].astype("string")) if has_person else (np.full(len(tp), -1), pd.Index([]))
    )
    # the touches as the journey query reads them (ord: the touch's row, the tie-break of equal times)
    t = pd.DataFrame(
        {
            "acc": t_acc.astype(np.int64),
            "ts": pd.to_datetime(tp["timestamp"]).to_numpy("datetime64[ns]"),
            "ord": np.arange(len(tp), dtype=np.int64),
            "ch": ch_codes.astype(np.int64),
            "person": np.asarray(person, np.int64),
            "lc": tp["activity_type"].isin(set(p.lead_creation_activities)).to_numpy(bool)
            if "activity_type" in tp.columns
            else np.zeros(len(tp), bool),
        }
    )
    if variant == "created":
        sel = opps["created_date"].notna().to_numpy(bool)
        end = opps["created_date"].to_numpy()[sel]
        conv = np.ones(int(sel.sum()))
    elif variant == "closed":
        sel = (opps["is_closed"].astype(bool) & opps["close_date"].notna()).to_numpy(bool)
        end = opps["close_date"].to_numpy()[sel]
        conv = opps["is_won"].astype(bool).to_numpy(float)[sel]
    else:
        raise ValueError(f"variant must be 'created' or 'closed', got {variant!r}")
    c = pd.DataFrame(
        {
            "acc": o_acc[sel],
            "end": end,
            "created": opps["created_date"].to_numpy()[sel],
            "conv": conv,
            "value": opps["amount"].astype(float).fillna(0.0).to_numpy()[sel] * conv,
            "oid": opps["opportunity_id"].astype("string").to_numpy(object)[sel],
        }
    )
    if window is not None:
        w0, w1 = pd.Timestamp(window[0]), pd.Timestamp(window[1])
        c = c.loc[(c["end"] >= w0) & (c["end"] <= w1)]
    c = c.sort_values(["end", "oid"], kind="stable")
    n_customer = 0
    if variant == "created" and accounts_with_touches_as_nulls:
        no_opp = np.setdiff1d(np.unique(t_acc), np.unique(o_acc))
        customers = _customer_codes(accounts, acc_names)
        n_customer = int(np.isin(no_opp, customers).sum())
        no_opp = no_opp[~np.isin(no_opp, customers)]
        c = pd.concat(
            [c, pd.DataFrame({"acc": no_opp, "end": as_of, "created": pd.NaT, "conv": 0.0, "value": 0.0, "oid": ""})],
            ignore_index=True,
        )
    c = c.reset_index(drop=True)
    c["key"] = np.arange(len(c))
    c["end_excl"] = c["end"] + DAY
    j = _journey_touches(t, c, variant, _person_created(contacts, person_ids), p.lookback_days, engine, compute)
    has = np.zeros(len(c), bool)
    has[j["jkey"].unique()] = True
    miss = c.loc[~has]
    excluded = {
        "conversions": float(miss["conv"].sum()),
        "value": float(miss["value"].sum()),
        "nulls": float((1 - miss["conv"]).sum()),
        "paths": int(len(miss)),
        "customer_paths": n_customer,
    }
    kept = c.loc[has].reset_index(drop=True)
    new_id = np.full(len(c), -1)
    new_id[kept["key"].to_numpy()] = np.arange(len(kept))
    key = j["jkey"].to_numpy(np.int64)
    pid = new_id[key]
    pos = j.groupby("jkey", sort=False).cumcount().to_numpy()
    n = np.bincount(pid)[pid]
    order = j["ord"].to_numpy(np.int64)
    ts = pd.Series(t["ts"].to_numpy()[order])  # each touch's own timestamp, whichever engine ran
    touches = pd.DataFrame(
        {
            "path_id": pid,
            "pos": pos,
            "n": n,
            "channel": pd.Categorical.from_codes(j["ch"].to_numpy(np.int64), categories=list(map(str, ch_names))),
            "age_days": ((pd.Series(c["end_excl"].to_numpy()[key]) - ts).dt.total_seconds() / 86400.0).to_numpy(),
        }
    )
    first = np.r_[0, np.flatnonzero(np.diff(pid)) + 1] if len(pid) else np.zeros(0, np.int64)
    for name, col in MILESTONES.items():
        target = j[col].to_numpy(dtype=float, na_value=np.nan)
        flag = target == order  # NaN (no milestone) is never equal
        touches[name] = flag
        # conversions whose milestone exists but lies before the look-back (its share is redistributed)
        credited = np.bincount(pid, weights=flag.astype(float), minlength=len(kept)) > 0
        exists = ~np.isnan(target[first])
        excluded[f"{name[3:]}_before_lookback"] = float(kept["conv"].to_numpy(float)[exists & ~credited].sum())
    paths = pd.DataFrame(
        {
            "path_id": np.arange(len(kept)),
            "conversions": kept["conv"].to_numpy(float),
            "nulls": 1.0 - kept["conv"].to_numpy(float),
            "value": kept["value"].to_numpy(float),
        }
    )
    return PathData(touches, paths, excluded)


def _journey_touches(
    t: pd.DataFrame,
    c: pd.DataFrame,
    variant: str,
    created_by_person: pd.Series | None,
    lookback_days: int,
    engine: Engine | None,
    compute: ComputeParams | None,
) -> pd.DataFrame:
    """The credited touches of every journey with its milestone touches, from :func:`abm_lab.roi.sql.journey_sql`
    on the engine over the touches ``t`` (acc, ts, ord, ch, person, lc) and the journeys ``c``: jkey, ts, ord,
    ch and the ``ord`` of each milestone (NaN: none), sorted by journey, time and the touch's row (``ord``), as
    :mod:`.milestones` defines them over the journey's touches before its end."""
    journeys = pd.DataFrame(
        {
            "jkey": c["key"].to_numpy(np.int64),
            "acc": c["acc"].to_numpy(np.int64),
            "end_excl": c["end_excl"].to_numpy("datetime64[ns]"),
            "lb_from": (c["end_excl"] - pd.Timedelta(days=lookback_days)).to_numpy("datetime64[ns]"),
            "created_excl": (pd.to_datetime(c["created"]) + DAY).to_numpy("datetime64[ns]"),
            "conv": c["conv"].to_numpy(float),
        }
    )
    by_person = created_by_person is not None and bool(created_by_person.notna().any())
    with open_engine(engine, compute) as eng:
        eng.register(TOUCH_TABLE, t)
        eng.register(JOURNEY_TABLE, journeys)
        if by_person:
            assert created_by_person is not None
            made = created_by_person.dropna()
            eng.register(
                PERSON_TABLE,
                pd.DataFrame(
                    {
                        "person": made.index.to_numpy(np.int64),
                        "made": made.to_numpy("datetime64[ns]"),
                        "made_excl": (made + DAY).to_numpy("datetime64[ns]"),
                    }
                ),
            )
        j = eng.sql(journey_sql(variant == "closed", by_person))
    return j.sort_values(["jkey", "ts", "ord"], kind="stable").reset_index(drop=True)


def _customer_codes(accounts: pd.DataFrame | None, acc_names: pd.Index) -> np.ndarray:
    """Account codes (indexes into ``acc_names``) of accounts flagged ``is_customer``."""
    if accounts is None or "is_customer" not in accounts.columns or "account_id" not in accounts.columns:
        return np.zeros(0, np.int64)
    flag = accounts["is_customer"].astype("boolean").fillna(False).to_numpy(bool)
    ids = accounts.loc[flag, "account_id"].astype("string")
    codes = pd.Index(acc_names.astype("string")).get_indexer(ids)
    return codes[codes >= 0]


def _person_created(contacts: pd.DataFrame | None, person_ids: pd.Index) -> pd.Series | None:
    """Creation day of each touch person code (index = code), from ``contacts.created_date``; None without."""
    if contacts is None or not {"contact_id", "created_date"} <= set(contacts.columns):
        return None
    made = contacts.loc[contacts["contact_id"].notna()].drop_duplicates("contact_id")
    when = pd.Series(
        pd.to_datetime(made["created_date"], errors="coerce").dt.normalize().to_numpy(),
        index=pd.Index(made["contact_id"].astype("string")),
    )
    return pd.Series(when.reindex(pd.Index(person_ids.astype("string"))).to_numpy(), index=np.arange(len(person_ids)))
