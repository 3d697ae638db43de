"""The touch-level table work of the ROI notebook, defined once in portable SQL and run on a compute engine.

Each query is written in DuckDB's dialect and translated by sqlglot for Spark (:mod:`abm_lab.compute`); the
account-level logic around it stays in pandas. The queries:

* :func:`window_touch_sql` – per account, touches and distinct contacts in a window and the day of its n-th
  touch (:func:`abm_lab.roi.funnel_dates.window_touch_stats`, the funnel's engaged stage);
* :func:`mqa_sql` – the runs of days on which an account meets the MQA rule, from +1 / -1 events accumulated
  per account and day (:func:`abm_lab.roi.funnel_dates.mqa_spells`);
* :func:`touch_count_sql` – touches per account in given time ranges (the lift's engagement covariates);
* :func:`journey_sql` – the touches of every journey (an opportunity's account before its end day), the four
  milestone touches searched over the whole journey and the look-back touches that are credited
  (:func:`abm_lab.roi.attribution.paths.account_paths`).

Rows come back unordered: callers sort explicitly (engines order ties and NULLs differently). Time bounds are
inlined as ``TIMESTAMP`` literals (:func:`ts_lit`); table names are the ``*_TABLE`` constants.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

#: Engine table names of the registered inputs.
TOUCH_TABLE = "roi_touches"
JOURNEY_TABLE = "roi_journeys"
PERSON_TABLE = "roi_persons"
#: Every running frame of the window queries: from the partition's first row to the current one.
RUNNING = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"


def ts_lit(ts: pd.Timestamp) -> str:
    """A ``TIMESTAMP`` literal (microseconds: the finest unit both engines hold)."""
    return f"TIMESTAMP '{pd.Timestamp(ts).strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def date_lit(ts: pd.Timestamp) -> str:
    """A ``DATE`` literal of the day of ``ts``."""
    return f"DATE '{pd.Timestamp(ts).strftime('%Y-%m-%d')}'"


def _bounds(lo: pd.Timestamp | None, hi: pd.Timestamp | None) -> str:
    cond = ["acc IS NOT NULL"]
    if lo is not None:
        cond.append(f'"timestamp" >= {ts_lit(lo)}')
    if hi is not None:
        cond.append(f'"timestamp" < {ts_lit(hi)}')
    return " AND ".join(cond)


def window_touch_sql(n: int, lo: pd.Timestamp | None = None, hi: pd.Timestamp | None = None) -> str:
    """Per account (``acc``) with touches in [``lo``, ``hi``) (open ends when None): ``touches``, ``contacts``
    (distinct known contacts) and ``nth_day`` (midnight of its ``n``-th touch by time; NULL with fewer touches).

    Expects ``roi_touches`` (acc, contact: account and contact ids, NULL = none; timestamp). Touches at the same instant
    share a day, so the order among ties does not change ``nth_day``."""
    return f"""
WITH w AS (
  SELECT acc, contact, "timestamp",
         ROW_NUMBER() OVER (PARTITION BY acc ORDER BY "timestamp") AS rn
  FROM {TOUCH_TABLE} WHERE {_bounds(lo, hi)}
)
SELECT acc, COUNT(*) AS touches, COUNT(DISTINCT contact) AS contacts,
       MAX(CASE WHEN rn = {int(n)} THEN CAST(CAST("timestamp" AS DATE) AS TIMESTAMP) END) AS nth_day
FROM w GROUP BY acc
"""


def mqa_sql(w0: pd.Timestamp, w1: pd.Timestamp, lookback: int, min_touches: int, min_contacts: int) -> str:
    """Per account (``acc``) with touches from ``w0 - lookback`` days to ``w1``: ``mqa`` (1 when the MQA rule holds
    on ``w1``) and ``since`` (days from ``w0`` to the start of its first run of MQA days reaching into the
    window; -1 = the run began before the window; NULL = no MQA day in the window).

    Day ``d`` counts from ``w0``. The touches of a day add their number to the touch count on that day and
    take it away ``lookback`` days later; a contact's days (distinct, per account) form presence runs where
    gaps are < ``lookback`` days, each adding 1 to the contact count on its first day and taking it away
    ``lookback`` days after its last (a day opens a run when the contact's previous day is ``lookback`` or
    more days before, and closes one when the next is as far after). Events after ``w1`` are dropped and
    earlier ones land on the eve of the window (``d = -1``); their sums per account and day, accumulated in day
    order, are the two counts of each day with a change; the day before a change had the counts less that day's
    sums (the first day of an account starts from zero, never an MQA as the thresholds are at least 1). A run
    of MQA days starts on an MQA day whose eve was not one; ``since`` is the last such start on or before the
    first MQA day that reaches into the window (``reach``). Expects ``roi_touches`` (acc, contact, timestamp)."""
    L, end = int(lookback), int((w1 - w0).days)
    lo, hi = w0 - pd.Timedelta(days=L), w1 + pd.Timedelta(days=1)
    per_acc = "PARTITION BY acc ORDER BY d"
    per_contact = "PARTITION BY acc, contact ORDER BY d"
    return f"""
WITH k AS (
  SELECT acc, contact, DATE_DIFF('day', {date_lit(w0)}, CAST("timestamp" AS DATE)) AS d
  FROM {TOUCH_TABLE} WHERE {_bounds(lo, hi)}
),
td AS (SELECT acc, d, COUNT(*) AS n FROM k GROUP BY acc, d),
cd AS (SELECT DISTINCT acc, contact, d FROM k WHERE contact IS NOT NULL),
cl AS (
  SELECT acc, d, LAG(d) OVER ({per_contact}) AS prv, LEAD(d) OVER ({per_contact}) AS nxt FROM cd
),
ev AS (
  SELECT acc, d, n AS dt, 0 AS dc FROM td
  UNION ALL SELECT acc, d + {L} AS d, -n AS dt, 0 AS dc FROM td
  UNION ALL SELECT acc, d, 0 AS dt, 1 AS dc FROM cl WHERE prv IS NULL OR d - prv >= {L}
  UNION ALL SELECT acc, d + {L} AS d, 0 AS dt, -1 AS dc FROM cl WHERE nxt IS NULL OR nxt - d >= {L}
),
ev1 AS (SELECT acc, GREATEST(d, -1) AS d, dt, dc FROM ev WHERE d <= {end}),
e2 AS (SELECT acc, d, SUM(dt) AS t_sum, SUM(dc) AS c_sum FROM ev1 GROUP BY acc, d),
e3 AS (
  SELECT acc, d, t_sum, c_sum,
         SUM(t_sum) OVER ({per_acc} {RUNNING}) AS tc,
         SUM(c_sum) OVER ({per_acc} {RUNNING}) AS cc,
         LEAD(d) OVER ({per_acc}) AS nxt
  FROM e2
),
e4 AS (
  SELECT acc, d, nxt,
         CASE WHEN tc >= {int(min_touches)} AND cc >= {int(min_contacts)} THEN 1 ELSE 0 END AS ok,
         CASE WHEN tc - t_sum >= {int(min_touches)} AND cc - c_sum >= {int(min_contacts)} THEN 1 ELSE 0 END AS was_ok
  FROM e3
),
fin AS (
  SELECT acc, MAX(CASE WHEN nxt IS NULL THEN ok ELSE 0 END) AS mqa,
         MIN(CASE WHEN ok = 1 AND COALESCE(nxt - 1, {end}) >= 0 THEN d END) AS reach
  FROM e4 GROUP BY acc
),
starts AS (
  SELECT e4.acc, MAX(e4.d) AS since FROM e4 JOIN fin ON e4.acc = fin.acc
  WHERE e4.ok = 1 AND e4.was_ok = 0 AND e4.d <= fin.reach GROUP BY e4.acc
)
SELECT fin.acc, fin.mqa, starts.since FROM fin LEFT JOIN starts ON fin.acc = starts.acc
"""


def touch_count_sql(ranges: Sequence[tuple[pd.Timestamp, pd.Timestamp]]) -> str:
    """Per account (``acc``) with touches: ``n_0``, ``n_1``, … the touches in each [lo, hi) of ``ranges``. Expects
    ``roi_touches`` (acc, timestamp)."""
    cols = ", ".join(
        f'SUM(CASE WHEN "timestamp" >= {ts_lit(lo)} AND "timestamp" < {ts_lit(hi)} THEN 1 ELSE 0 END) AS n_{i}'
        for i, (lo, hi) in enumerate(ranges)
    )
    return f"SELECT acc, {cols} FROM {TOUCH_TABLE} WHERE {_bounds(None, None)} GROUP BY acc"


def journey_sql(closed: bool, by_person: bool) -> str:
    """The credited touches of every journey with its milestone touches (``ord`` of each, NULL = none).

    Expects ``roi_touches`` (acc, ts, ord, ch, person [-1 = anonymous], lc [a lead-creation activity]),
    ``roi_journeys`` (jkey, acc, end_excl [the day after the conversion], lb_from [first day of the look-back],
    created_excl [the day after the opportunity's creation; NULL for null journeys], conv) and, when
    ``by_person``, ``roi_persons`` (person, made [creation day], made_excl [the day after]).

    A journey holds its account's touches before ``end_excl``; the milestones are searched over all of them
    (:mod:`abm_lab.roi.attribution.milestones`): first touch ``ft``; lead creation ``lcr``; opportunity
    creation ``oc`` (the last touch before ``created_excl``); closed won ``cw`` (``closed`` only: the last
    touch of a won journey). Returned: the touches from ``lb_from`` on (jkey, ts, ord, ch) with the journey's
    four milestone ``ord`` values."""
    last = "ORDER BY ts DESC, ord DESC"
    if by_person:
        # per person: the first lead-creation activity on or after their creation day, else their last touch
        # before its end; the journey's LC is the earliest of these
        lead = f"""
cand AS (
  SELECT j.jkey, j.ts, j.ord, j.person,
         CASE WHEN j.ts >= p.made AND j.lc THEN 1 ELSE 0 END AS pref
  FROM j JOIN {PERSON_TABLE} p ON j.person = p.person
  WHERE j.ts < p.made_excl AND p.made < j.end_excl
),
pick AS (
  SELECT jkey, ts, ord, ROW_NUMBER() OVER (
    PARTITION BY jkey, person ORDER BY pref DESC, CASE WHEN pref = 1 THEN ts END,
    CASE WHEN pref = 1 THEN ord END, ts DESC, ord DESC) AS pr
  FROM cand
),
lcr AS (
  SELECT jkey, ord FROM (
    SELECT jkey, ord, ROW_NUMBER() OVER (PARTITION BY jkey ORDER BY ts, ord) AS r FROM pick WHERE pr = 1
  ) x WHERE r = 1
),"""
    else:
        # the first lead-creation activity, else the first touch of a known person
        lead = """
lcr AS (
  SELECT jkey, ord FROM (
    SELECT jkey, ord, ROW_NUMBER() OVER (PARTITION BY jkey ORDER BY CASE WHEN lc THEN 0 ELSE 1 END, ts, ord) AS r
    FROM j WHERE lc OR person >= 0
  ) x WHERE r = 1
),"""
    cw = (
        f"""cw AS (
  SELECT jkey, ord FROM (SELECT jkey, ord, ROW_NUMBER() OVER (PARTITION BY jkey {last}) AS r FROM j WHERE conv > 0) x
  WHERE r = 1
),"""
        if closed
        else "cw AS (SELECT jkey, ord FROM j WHERE 1 = 0),"
    )
    return f"""
WITH j AS (
  SELECT c.jkey, c.end_excl, c.lb_from, c.created_excl, c.conv, t.ts, t.ord, t.ch, t.person, t.lc
  FROM {JOURNEY_TABLE} c JOIN {TOUCH_TABLE} t ON t.acc = c.acc
  WHERE t.ts < c.end_excl
),
ft AS (
  SELECT jkey, ord FROM (SELECT jkey, ord, ROW_NUMBER() OVER (PARTITION BY jkey ORDER BY ts, ord) AS r FROM j) x
  WHERE r = 1
),{lead}
oc AS (
  SELECT jkey, ord FROM (
    SELECT jkey, ord, ROW_NUMBER() OVER (PARTITION BY jkey {last}) AS r
    FROM j WHERE created_excl IS NOT NULL AND ts < created_excl
  ) x WHERE r = 1
),
{cw}
credited AS (SELECT jkey, ts, ord, ch FROM j WHERE ts >= lb_from)
SELECT t.jkey, t.ts, t.ord, t.ch, ft.ord AS ft, lcr.ord AS lcr, oc.ord AS oc, cw.ord AS cw
FROM credited t
LEFT JOIN ft ON t.jkey = ft.jkey
LEFT JOIN lcr ON t.jkey = lcr.jkey
LEFT JOIN oc ON t.jkey = oc.jkey
LEFT JOIN cw ON t.jkey = cw.jkey
"""
