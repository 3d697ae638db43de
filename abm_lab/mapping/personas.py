"""Job titles to personas (function, seniority) and buying-committee coverage per account.

The title parser is rule based and explainable: a title is cleaned (case, accents,
punctuation, common abbreviations such as ``VP``, ``Sr.``, ``Dir.``, ``Mktg``, ``Ops``,
``Mgr``), then

* **seniority** is the first level whose pattern matches, from the top: ``c_level``
  (Chief … Officer, CEO/CFO/…, President, Founder, Owner, Managing Director/Partner),
  ``vp`` (Vice President, VP, SVP, EVP), ``director`` (Director, Head of, Executive
  Director, Chief of Staff, General Manager), ``manager`` (Manager, Team Lead, Supervisor),
  else ``ic`` (individual contributor);
* **function** is the first function whose keywords match, in an order that resolves
  compound titles the way a marketer reads them ("Marketing Operations" is marketing,
  "People Operations" is HR, "Sales Operations" and "Revenue" are sales, "IT & Security" is
  IT); C-level acronyms map directly (CMO → marketing, CRO → sales, CFO → finance, …);
  top-level leadership titles (CEO, Founder, President, Managing Director, General Manager,
  Partner) are ``executive``.

The buying committee (``mapping.committee`` in params) lists seats such as marketing leader
(marketing, director and above) or executive; :func:`committee_coverage` says per account
which seats are known (a mapped contact fills it) and engaged (that contact touched us in
the window), and :func:`persona_involvement` compares seat involvement in won vs lost deals.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
from unidecode import unidecode

from ..config.mapping import SENIORITY_LEVELS, CommitteeRole, MappingParams

__all__ = [
    "parse_title",
    "parse_titles",
    "SENIORITY_RANK",
    "committee_flags",
    "committee_coverage",
    "persona_involvement",
    "coverage_by_tier",
]

SENIORITY_RANK = {s: i for i, s in enumerate(SENIORITY_LEVELS)}  # ic=0 ... c_level=4

_ABBREV = [  # (pattern, replacement) applied to the lower-cased title, in order
    (r"\bsr\b\.?", "senior"),
    (r"\bjr\b\.?", "junior"),
    (r"\bdir\b\.?", "director"),
    (r"\bmgr\b\.?", "manager"),
    (r"\bmktg\b", "marketing"),
    (r"\bmkt\b", "marketing"),
    (r"\bops\b", "operations"),
    (r"\bexec\b\.?", "executive"),
    (r"\bassoc\b\.?", "associate"),
    (r"\bacct\b", "account"),
    (r"\bbiz\s*dev\b", "business development"),
    (r"\bbdr\b", "business development representative"),
    (r"\bsdr\b", "sales development representative"),
    (r"\bdemand gen\b", "demand generation"),
    (r"\beng\b\.?", "engineering"),
    (r"\bengr\b", "engineer"),
    (r"\bmgmt\b", "management"),
    (r"\bfin\b\.?", "finance"),
    (r"\bhr\b", "hr"),
    (r"\bintl\b", "international"),
    (r"\bgm\b", "general manager"),
    (r"\bmd\b", "managing director"),
    (r"\bco ?founder\b", "founder"),
    (r"\bvice[\s-]*president\b", "vp"),
    (r"\b(s|e|a)\s?vp\b", "vp"),
    (r"\bv\.p\.?", "vp"),
]
_ABBREV_RX = [(re.compile(p), r) for p, r in _ABBREV]

_C_ACRONYM = {  # acronym -> function
    "ceo": "executive",
    "coo": "operations",
    "cfo": "finance",
    "cmo": "marketing",
    "cro": "sales",
    "cso": "sales",
    "cco": "sales",
    "cio": "it",
    "cto": "it",
    "ciso": "it",
    "cdo": "it",
    "chro": "hr",
    "cpo": "hr",
    "cao": "finance",
}
_EXEC_PHRASES = re.compile(
    r"\b(chief executive|founder|owner|president|managing director|managing partner|general manager|"
    r"executive director|chief of staff|ceo|principal)\b|^(senior |equity )?partner$"
)
_C_LEVEL = re.compile(
    r"\bchief\b(?!\s+of\s+staff)|\b(" + "|".join(_C_ACRONYM) + r")\b|\bpresident\b|\bfounder\b|"
    r"\bowner\b|\bmanaging (director|partner)\b|\bgeneral counsel\b"
)
_VP = re.compile(r"\bvp\b")
_DIRECTOR = re.compile(r"\bdirector\b|\bhead\b|\bchief of staff\b|\bgeneral manager\b|^(senior |equity )?partner$")
_MANAGER = re.compile(r"\bmanager\b|\bteam lead\b|\blead\b|\bsupervisor\b|\bmanaging\b")

_FUNCTION_RULES: list[tuple[str, re.Pattern]] = [
    (
        "marketing",
        re.compile(
            r"\bmarketing\b|\bdemand generation\b|\bgrowth\b|\bbrand\b|\bcontent\b|"
            r"\bcommunications\b|\bpr\b|\bevents?\b|\bseo\b|\bcmo\b"
        ),
    ),
    ("hr", re.compile(r"\bhr\b|\bhuman resources\b|\bpeople\b|\btalent\b|\brecruit\w*|\bchro\b|\bcpo\b")),
    (
        "sales",
        re.compile(
            r"\bsales\b|\bbusiness development\b|\brevenue\b|\baccount management\b|"
            r"\baccount (executive|manager|director)\b|\bpartnerships?\b|\bchannel\b|\bcro\b|\bcso\b|"
            r"\bcommercial\b"
        ),
    ),
    (
        "finance",
        re.compile(
            r"\bfinanc\w*|\baccounting\b|\baccountant\b|\bfp ?& ?a\b|\bfpa\b|\bprocurement\b|"
            r"\bpurchasing\b|\bcontroll\w*|\btreasur\w*|\bcfo\b|\baudit\w*|\btax\b"
        ),
    ),
    (
        "it",
        re.compile(
            r"\bit\b|\binformation\b|\bsecurity\b|\binfrastructure\b|"
            r"\bengineering\b|\bengineer\b|\bdata\b|\btechnology\b|\bcio\b|\bcto\b|\bciso\b|\bdevops\b|"
            r"\bsoftware\b|\bsystems?\b|\bcloud\b|\bnetwork\w*|\bdeveloper\b|\barchitect\b"
        ),
    ),
    (
        "operations",
        re.compile(
            r"\boperations\b|\boperating\b|\bsupply chain\b|\bcustomer success\b|\blogistics\b|\bcoo\b|"
            r"\bcustomer (service|support|experience)\b|\bprocess\b"
        ),
    ),
    (
        "other",
        re.compile(
            r"\blegal\b|\bcounsel\b|\bresearch\b|\bfacilities\b|\badministrat\w*|\bquality\b|"
            r"\bcompliance\b|\bscientist\b"
        ),
    ),
]


def _clean(title: str) -> str:
    t = unidecode(str(title)).lower()
    t = t.replace("&", " & ")
    t = re.sub(r"[,;:/|()\[\]]+", " ", t)
    t = re.sub(r"(?<=\w)-(?=\w)", " ", t)
    t = re.sub(r"\.(?=\s|$)", " ", t)
    for rx, rep in _ABBREV_RX:
        t = rx.sub(rep, t)
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"\bfp & a\b", "fp&a", t)
    return t


@lru_cache(maxsize=200_000)
def parse_title(title: str | None) -> tuple[str | None, str | None]:
    """(function, seniority) of a job title; (None, None) when blank.

    >>> parse_title("VP, Mktg Ops")
    ('marketing', 'vp')
    >>> parse_title("Chief Revenue Officer")
    ('sales', 'c_level')
    >>> parse_title("Head of IT & Security")
    ('it', 'director')
    """
    if title is None or (isinstance(title, float) and np.isnan(title)) or title is pd.NA or not str(title).strip():
        return None, None
    t = _clean(title)
    # seniority
    if _C_LEVEL.search(t) and not re.search(r"\bvp\b", t):
        sen = "c_level"
    elif _VP.search(t):
        sen = "vp"
    elif _DIRECTOR.search(t):
        sen = "director"
    elif _MANAGER.search(t):
        sen = "manager"
    else:
        sen = "ic"
    # function
    fn = None
    acr = re.findall(r"\b(" + "|".join(_C_ACRONYM) + r")\b", t)
    if sen == "c_level" and acr:
        fn = _C_ACRONYM[acr[0]]
    elif sen == "c_level" and re.search(r"\bchief executive\b", t):
        fn = "executive"
    if fn is None:
        for name, rx in _FUNCTION_RULES:
            if rx.search(t):
                fn = name
                break
    if fn is None and (_EXEC_PHRASES.search(t) or sen == "c_level"):
        fn = "executive"
    if fn is None and _EXEC_PHRASES.search(t):
        fn = "executive"
    if fn is None:
        fn = "other"
    # top-level leadership phrases are executive even with a functional word ("Founder & CEO")
    if re.search(
        r"\b(ceo|chief executive|founder|owner|managing director|managing partner|general manager|"
        r"executive director|chief of staff)\b|^president$|^(senior |equity )?partner$",
        t,
    ):
        fn = "executive"
    return fn, sen


def parse_titles(titles: pd.Series) -> pd.DataFrame:
    """Parse a column of titles (one parse per distinct title): columns persona_function, persona_seniority."""
    titles = pd.Series(titles) if not isinstance(titles, pd.Series) else titles
    codes, uniq = pd.factorize(titles.astype("string"), use_na_sentinel=True)
    parsed = [parse_title(u) for u in uniq]
    fn = np.array([p[0] for p in parsed] + [None], dtype=object)
    sen = np.array([p[1] for p in parsed] + [None], dtype=object)
    return pd.DataFrame(
        {
            "persona_function": pd.array(fn[codes], dtype="string"),
            "persona_seniority": pd.array(sen[codes], dtype="string"),
        },
        index=titles.index,
    )


def _fills(role: CommitteeRole, fn: np.ndarray, sen: np.ndarray) -> np.ndarray:
    rank = np.array([SENIORITY_RANK.get(s, -1) if isinstance(s, str) else -1 for s in sen])
    ok = pd.Series(fn, dtype=object).isin(role.functions).to_numpy(dtype=bool) & (
        rank >= SENIORITY_RANK[role.min_seniority]
    )
    if role.any_function_from:
        ok |= rank >= SENIORITY_RANK[role.any_function_from]
    return ok


def committee_flags(personas: pd.DataFrame, committee: list[CommitteeRole]) -> pd.DataFrame:
    """Bool column ``role_<name>`` per committee seat plus ``is_key_persona`` (fills any seat)."""
    fn = personas["persona_function"].astype("string").to_numpy(dtype=object, na_value=None)
    sen = personas["persona_seniority"].astype("string").to_numpy(dtype=object, na_value=None)
    out = pd.DataFrame(index=personas.index)
    for r in committee:
        out[f"role_{r.name}"] = _fills(r, fn, sen)
    out["is_key_persona"] = out.any(axis=1) if len(committee) else False
    return out


def _window(params: MappingParams, window_start, window_end) -> tuple[pd.Timestamp, pd.Timestamp]:
    end = pd.Timestamp(window_end) + pd.Timedelta(days=1)  # inclusive last day
    start = (
        end - pd.Timedelta(days=params.engagement_window_days)
        if params.engagement_window_days
        else pd.Timestamp(window_start)
    )
    return start, end


def committee_coverage(
    contacts_mapped: pd.DataFrame,
    touchpoints_mapped: pd.DataFrame,
    accounts: pd.DataFrame,
    params: MappingParams,
    window_start,
    window_end,
) -> pd.DataFrame:
    """Per account: committee seats known and engaged, and coverage shares (0–1).

    ``contacts_mapped`` needs contact_id, status, account_id, persona_function, persona_seniority.
    A seat is *known* when a matched contact of the account fills it, *engaged* when such a
    contact has a touchpoint in [window_start, window_end] (or the last
    ``engagement_window_days`` before window_end). One row per account of ``accounts``.
    """
    roles = params.committee
    cm = contacts_mapped[contacts_mapped["status"] == "matched"].reset_index(drop=True)
    flags = committee_flags(cm, roles)
    start, end = _window(params, window_start, window_end)
    tp = touchpoints_mapped
    ts = pd.to_datetime(tp["timestamp"])
    in_win = ((ts >= start) & (ts < end)).to_numpy() & tp["contact_id"].notna().to_numpy()
    active = tp["contact_id"][in_win].drop_duplicates()
    engaged_c = cm["contact_id"].isin(active).to_numpy()
    acc_ids = accounts["account_id"].astype("string")
    g = pd.DataFrame({"account_id": cm["account_id"].to_numpy()})
    out = pd.DataFrame({"account_id": acc_ids.to_numpy()})
    n_contacts = g.groupby("account_id").size()
    out["n_contacts"] = out["account_id"].map(n_contacts).fillna(0).astype(int).to_numpy()
    known_cols, eng_cols = [], []
    for r in roles:
        f = flags[f"role_{r.name}"].to_numpy()
        k = pd.Series(f, index=g["account_id"]).groupby(level=0).any()
        e = pd.Series(f & engaged_c, index=g["account_id"]).groupby(level=0).any()
        out[f"known_{r.name}"] = out["account_id"].map(k).fillna(False).astype(bool).to_numpy()
        out[f"engaged_{r.name}"] = out["account_id"].map(e).fillna(False).astype(bool).to_numpy()
        known_cols.append(f"known_{r.name}")
        eng_cols.append(f"engaged_{r.name}")
    kp = pd.Series(flags["is_key_persona"].to_numpy(), index=g["account_id"]).groupby(level=0).sum()
    out["n_key_personas"] = out["account_id"].map(kp).fillna(0).astype(int).to_numpy()
    nr = max(len(roles), 1)
    out["roles_known"] = out[known_cols].sum(axis=1).astype(int)
    out["roles_engaged"] = out[eng_cols].sum(axis=1).astype(int)
    out["coverage_share"] = out["roles_known"] / nr
    out["engaged_share"] = out["roles_engaged"] / nr
    return out


def persona_involvement(
    opportunities: pd.DataFrame, contacts_mapped: pd.DataFrame, touchpoints_mapped: pd.DataFrame, params: MappingParams
) -> pd.DataFrame:
    """Share of won vs lost deals in which each committee seat was involved.

    A seat is involved in a closed deal when a matched contact of the deal's account filling
    that seat had a touchpoint in the ``deal_lookback_days`` before the close date (and not
    after it). Returns one row per (seat, outcome) with deals, deals_involved and share (0–1),
    plus seat 'any_key_persona'.
    """
    roles = params.committee
    opp = opportunities.copy()
    if "is_closed" not in opp.columns:
        opp["is_closed"] = opp["stage"].isin(["closed_won", "closed_lost"])
        opp["is_won"] = opp["stage"] == "closed_won"
    opp = opp[opp["is_closed"].astype(bool) & opp["close_date"].notna() & opp["account_id"].notna()]
    opp = opp[["opportunity_id", "account_id", "close_date", "is_won"]].reset_index(drop=True)
    cm = contacts_mapped[contacts_mapped["status"] == "matched"].reset_index(drop=True)
    flags = committee_flags(cm, roles)
    key = pd.concat([cm[["contact_id", "account_id"]], flags], axis=1)
    key = key[key["is_key_persona"]]
    tp = touchpoints_mapped.loc[touchpoints_mapped["contact_id"].isin(key["contact_id"]), ["contact_id", "timestamp"]]
    # first and last touch per contact are not enough (touches must fall before each close): join touches to deals
    tk = tp.merge(key, on="contact_id", how="inner")
    j = tk.merge(opp, on="account_id", how="inner")
    ts = pd.to_datetime(j["timestamp"])
    close = pd.to_datetime(j["close_date"]) + pd.Timedelta(days=1)
    j = j[(ts < close) & (ts >= close - pd.Timedelta(days=params.deal_lookback_days))]
    seat_cols = [f"role_{r.name}" for r in roles] + ["is_key_persona"]
    inv = j.groupby("opportunity_id")[seat_cols].any()
    rows = []
    for won, g in opp.groupby("is_won"):
        ids = g["opportunity_id"]
        sub = inv.reindex(ids).fillna(False).astype(bool)
        for c in seat_cols:
            name = "any_key_persona" if c == "is_key_persona" else c[len("role_") :]
            rows.append(
                {
                    "seat": name,
                    "outcome": "won" if won else "lost",
                    "deals": len(g),
                    "deals_involved": int(sub[c].sum()),
                    "share": float(sub[c].mean()) if len(g) else np.nan,
                }
            )
    return pd.DataFrame(rows)


def coverage_by_tier(coverage: pd.DataFrame, grades: pd.DataFrame) -> pd.DataFrame:
    """Mean coverage and engaged share per ABM tier (``grades``: account_id, tier; accounts without one: 'none')."""
    return (
        coverage.merge(grades[["account_id", "tier"]], on="account_id", how="left")
        .fillna({"tier": "none"})
        .groupby("tier")[["coverage_share", "engaged_share"]]
        .mean()
    )
