"""The leakage check: a panel builder must not use any touch, person or account link from after a snapshot date.

:func:`check_no_leakage` rebuilds the panel after changing every touchpoint from a cut date on (dropped,
moved, recoded, and new touches exactly at the cut) and, given the personas, everything about people known
only from the cut on (their key-persona flag, creation date and account link, with their contact-linked
touches following the new link; new people created at the cut who claim earlier anonymous touches), and
asserts that no feature of a snapshot at or before the cut moved; :class:`LeakageError` names the features
that did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .panel import FLAG_COLS, ID_COLS
from .pointintime import CONTACT_LINK_METHODS

#: How the future is perturbed: share of later touches kept, days they move, share of accounts that get an
#: extra touch exactly at the cut, and the tolerance of "unchanged".
KEEP_SHARE = 0.5
SHIFT_DAYS = 2
EXTRA_SHARE = 0.3
TOLERANCE = 1e-9


class LeakageError(AssertionError):
    """A panel feature changed when only data at or after its snapshot date changed."""


def _perturb_after(tp: pd.DataFrame, cut: pd.Timestamp, rng: np.random.Generator) -> pd.DataFrame:
    """Change every touchpoint at or after ``cut``: drop half, move the rest, recode them,
    and add a touch exactly at ``cut`` for a few accounts."""
    ts = pd.to_datetime(tp["timestamp"])
    after = (ts >= cut).to_numpy()
    keep = tp[~after]
    late = tp[after]
    late = late[rng.random(len(late)) < KEEP_SHARE].copy()
    late["timestamp"] = pd.to_datetime(late["timestamp"]) + pd.Timedelta(days=SHIFT_DAYS)
    late["activity_type"] = "demo_request"
    late["funnel_stage"] = "bofu"
    accs = tp["account_id"].dropna().unique()
    pick = accs[rng.random(len(accs)) < EXTRA_SHARE]
    extra = pd.DataFrame(
        {
            "touchpoint_id": [f"LEAKTEST-{i}" for i in range(len(pick))],
            "timestamp": cut,
            "account_id": pick,
            "contact_id": None,
            "channel": "web",
            "activity_type": "pricing_page",
            "funnel_stage": "bofu",
            "program_id": None,
        }
    )
    extra = extra.reindex(columns=tp.columns)
    return pd.concat([keep, late, extra], ignore_index=True)


def _perturb_people(
    tp: pd.DataFrame, personas: pd.DataFrame, cut: pd.Timestamp, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Change what is known only from ``cut`` on: people created at or after ``cut`` get the other key-persona
    flag, a later creation date and (half of them) another account, their contact-linked touches following the
    link; new people created exactly at ``cut`` claim some earlier anonymous touches (whose account came from
    their own data, so it stays). Returns (touchpoints, personas, people changed)."""
    tp, pe = tp.copy(), personas.copy()
    if "link_method" not in tp.columns:  # make the panel's default explicit before touches get new people
        tp["link_method"] = np.where(tp["contact_id"].notna(), CONTACT_LINK_METHODS[0], "touch_data")
    created = pd.to_datetime(pe["created_date"])
    late = (created >= cut).fillna(False).to_numpy(dtype=bool)
    pe.loc[late, "is_key_persona"] = ~pe.loc[late, "is_key_persona"].fillna(False).astype(bool)
    pe.loc[late, "created_date"] = created[late] + pd.Timedelta(days=SHIFT_DAYS)
    accs = tp["account_id"].dropna().unique()
    move = late & (rng.random(len(pe)) < KEEP_SHARE)
    if "account_id" in pe.columns and move.any() and len(accs):
        new_acc = pd.Series(rng.choice(accs, int(move.sum())), index=pe["contact_id"][move].astype("string"))
        pe.loc[move, "account_id"] = new_acc.to_numpy()
        cid = tp["contact_id"].astype("string")
        via = cid.isin(new_acc.index).fillna(False) & tp["link_method"].isin(list(CONTACT_LINK_METHODS))
        tp.loc[via.to_numpy(dtype=bool), "account_id"] = cid[via].map(new_acc).to_numpy()
    anon = (tp["contact_id"].isna() & tp["account_id"].notna() & (pd.to_datetime(tp["timestamp"]) < cut)).to_numpy()
    claim = np.flatnonzero(anon & (rng.random(len(tp)) < EXTRA_SHARE))
    ids = [f"LEAKTEST-P{i}" for i in range(len(claim))]
    tp.loc[tp.index[claim], "contact_id"] = ids
    new = pd.DataFrame({"contact_id": ids, "is_key_persona": True, "created_date": cut})
    if "account_id" in pe.columns:
        new["account_id"] = tp["account_id"].to_numpy()[claim]
    pe = pd.concat([pe, new.reindex(columns=pe.columns)], ignore_index=True)
    return tp, pe, int(late.sum()) + len(ids)


def check_no_leakage(
    builder: Callable[..., pd.DataFrame],
    touchpoints: pd.DataFrame,
    *,
    snapshots: Any,
    personas: pd.DataFrame | None = None,
    n_cuts: int = 3,
    seed: int = 0,
    **kwargs: Any,
) -> pd.DataFrame:
    """Assert a panel builder uses no data at or after each snapshot date.

    For ``n_cuts`` snapshot dates ``c``, every touchpoint with ``timestamp >= c`` is changed
    (dropped, moved, recoded, and new touches at exactly ``c``) and the panel rebuilt:
    features of snapshots ``<= c`` must be identical. Raises :class:`LeakageError` naming
    the feature and snapshot otherwise; returns a table of what was checked.
    With ``personas`` (contact_id, is_key_persona, created_date[, account_id]) the people known only from
    ``c`` on are changed too (:func:`_perturb_people`) and passed as ``builder(..., personas=...)``.
    ``builder(touchpoints, snapshots=..., **kwargs)`` must return a panel like
    :func:`abm_lab.engagement.panel.build_panel`.
    """
    if personas is not None:
        kwargs["personas"] = personas
    rng = np.random.default_rng(seed)
    snaps = pd.DatetimeIndex(pd.to_datetime(snapshots))
    base = builder(touchpoints, snapshots=snaps, **kwargs)
    feats = [c for c in base.columns if c not in set(ID_COLS) | set(FLAG_COLS)]
    idx = np.unique(np.linspace(1, len(snaps) - 2, n_cuts).round().astype(int)) if len(snaps) > 2 else [0]
    rows: list[dict[str, Any]] = []
    for i in idx:
        cut = snaps[i]
        tp_cut, kw, n_people = _perturb_after(touchpoints, cut, rng), dict(kwargs), 0
        if personas is not None and "created_date" in personas.columns:
            tp_cut, kw["personas"], n_people = _perturb_people(tp_cut, personas, cut, rng)
        pert = builder(tp_cut, snapshots=snaps, **kw)
        a = base[base["snapshot_date"] <= cut].sort_values(list(ID_COLS)).reset_index(drop=True)
        b = pert[pert["snapshot_date"] <= cut].sort_values(list(ID_COLS)).reset_index(drop=True)
        changed = []
        for c in feats:
            x, y = a[c].to_numpy(dtype=float), b[c].to_numpy(dtype=float)
            if not np.allclose(x, y, equal_nan=True, rtol=TOLERANCE, atol=TOLERANCE):
                changed.append(c)
        # the future must be able to change something, otherwise the check proves nothing
        later = base[base["snapshot_date"] > cut]
        moved = bool(len(later)) and not np.allclose(
            later.sort_values(list(ID_COLS))[feats].to_numpy(dtype=float),
            pert[pert["snapshot_date"] > cut].sort_values(list(ID_COLS))[feats].to_numpy(dtype=float),
            equal_nan=True,
        )
        rows.append(
            {
                "cut": cut,
                "snapshots_checked": int((snaps <= cut).sum()),
                "features": len(feats),
                "people_changed": n_people,
                "changed_features": changed,
                "later_snapshots_changed": moved,
            }
        )
        if changed:
            raise LeakageError(
                f"features {changed} at snapshots <= {cut.date()} changed when only touchpoints "
                f"(or people and account links known) at or after {cut.date()} were changed: they use data "
                "from after the snapshot"
            )
    return pd.DataFrame(rows)
