"""The panel query in portable SQL (CTEs, CASE, conditional aggregates, DATEDIFF, INTERVAL), written in DuckDB's
dialect and translated by sqlglot for Spark (:mod:`abm_lab.compute`). Fractional arithmetic casts to DOUBLE
explicitly: Spark reads ``1.0`` as a DECIMAL and would round its quotients to six places.

:func:`panel_sql` writes the account x snapshot query of :func:`abm_lab.engagement.panel.build_panel`;
:func:`connect` opens the in-memory DuckDB connection it (and the oracle of
:mod:`abm_lab.validation.engagement`) runs in. Parameters are inlined as literals (:func:`lit`), column
names derived from activity types are made SQL-safe by :func:`ident`.
"""

from __future__ import annotations

import re

from ..config.engagement import EngagementParams
from ..data.schema import CHANNELS, FUNNEL_STAGES

#: ln(2): decay weight of a touch ``age`` days old is ``exp(-LN2 * age / half_life)``.
LN2 = "CAST(0.6931471805599453 AS DOUBLE)"


def ident(s: str) -> str:
    """A lower-case SQL identifier from any label (``"Pricing page"`` -> ``pricing_page``)."""
    return re.sub(r"[^a-z0-9]+", "_", str(s).lower()).strip("_")


def lit(s: str) -> str:
    """A quoted SQL string literal."""
    return "'" + str(s).replace("'", "''") + "'"


def panel_sql(
    params: EngagementParams,
    acts: list[str],
    has_personas: bool,
    has_fit: bool,
    has_programs: bool,
    has_roster: bool = False,
) -> str:
    """The panel query (portable SQL: CTEs, CASE, conditional aggregates, DATEDIFF, INTERVAL).

    Expects relations ``accounts``, ``opportunities``, ``touchpoints`` (with ``person_from`` and ``link_from``,
    :func:`abm_lab.engagement.pointintime.touch_dates`), ``snapshots`` and optionally ``personas``
    (contact_id, is_key_persona[, account_id, known_from, linked_from]), ``fit``, ``programs``; parameters are
    literals. Point in time: a touch counts at snapshot ``s`` when ``timestamp < s`` and ``link_from < s``; its
    person (contacts, key personas) only when ``person_from < s``; a person on file when known and linked before ``s``.
    """
    W = params.windows_days
    L = params.lookback_days
    H = params.horizon_days
    hl = params.points_half_life_days
    recent, prior = params.trend_recent_days, params.trend_prior_days
    bofu = ", ".join(lit(a) for a in params.bofu_activities) or "''"
    agg = []
    # distinct people: count contact-level rows (stage 1 below) instead of COUNT(DISTINCT ...)
    pagg = []
    for w in W:
        inw = f"age < {w}"
        agg += [
            f"SUM(CASE WHEN {inw} THEN 1 ELSE 0 END) AS touches_{w}d",
            f"SUM(CASE WHEN {inw} AND contact_id IS NULL THEN 1 ELSE 0 END) AS anon_visits_{w}d",
            f"SUM(CASE WHEN {inw} AND activity_type IN ({bofu}) THEN 1 ELSE 0 END) AS bofu_{w}d",
        ]
        pagg.append(f"SUM(CASE WHEN min_age < {w} THEN 1 ELSE 0 END) AS contacts_{w}d")
        if has_personas:
            pagg.append(f"SUM(CASE WHEN min_age < {w} AND key_persona THEN 1 ELSE 0 END) AS key_personas_{w}d")
        for f in FUNNEL_STAGES:
            agg.append(f"SUM(CASE WHEN {inw} AND funnel_stage = {lit(f)} THEN 1 ELSE 0 END) AS stage_{f}_{w}d")
        for a in params.bofu_activities:
            agg.append(f"SUM(CASE WHEN {inw} AND activity_type = {lit(a)} THEN 1 ELSE 0 END) AS {ident(a)}_{w}d")
    wmax = max(W)
    for ch in CHANNELS:
        agg.append(f"SUM(CASE WHEN age < {wmax} AND channel = {lit(ch)} THEN 1 ELSE 0 END) AS ch_{ident(ch)}_{wmax}d")
    agg.append(f"SUM(CASE WHEN age < {wmax} AND program_id IS NOT NULL THEN 1 ELSE 0 END) AS program_touches_{wmax}d")
    agg.append(f"SUM(CASE WHEN age < {recent} THEN 1 ELSE 0 END) AS trend_recent_n")
    agg.append(f"SUM(CASE WHEN age >= {recent} AND age < {recent + prior} THEN 1 ELSE 0 END) AS trend_prior_n")
    for a in acts:
        agg.append(
            f"SUM(CASE WHEN activity_type = {lit(a)} THEN EXP(-{LN2} * age / {hl}) ELSE 0 END) AS decay_{ident(a)}"
        )
    feat_cols = [x.rsplit(" AS ", 1)[1] for x in agg + pagg]
    pcols = {x.rsplit(" AS ", 1)[1] for x in pagg}
    zero_fill = ",\n       ".join(
        f"COALESCE({'pf' if c in pcols else 'f'}.{c}, 0) AS {c}" for c in feat_cols if c not in ("min_age",)
    )
    persona_join = "LEFT JOIN personas p ON p.contact_id = t.contact_id" if has_personas else ""
    key_expr = "COALESCE(p.is_key_persona, FALSE)" if has_personas else "FALSE"
    fit_sel = "fit.fit_score AS fit_score" if has_fit else "CAST(NULL AS DOUBLE) AS fit_score"
    fit_join = "LEFT JOIN fit ON fit.account_id = b.account_id" if has_fit else ""
    prog_sel = "CASE WHEN pr.n_prog > 0 THEN 1 ELSE 0 END AS in_abm_program" if has_programs else "0 AS in_abm_program"
    roster_cte = (
        """,
roster AS (
  SELECT b.account_id, b.snapshot_date, COUNT(*) AS contacts_on_file,
         SUM(CASE WHEN r.is_key_persona THEN 1 ELSE 0 END) AS key_personas_on_file
  FROM base b JOIN personas r ON r.account_id = b.account_id
   AND r.known_from < b.snapshot_date AND r.linked_from < b.snapshot_date
  GROUP BY b.account_id, b.snapshot_date)"""
        if has_roster
        else ""
    )
    roster_sel = (
        "COALESCE(ro.contacts_on_file, 0) AS contacts_on_file,\n       "
        "COALESCE(ro.key_personas_on_file, 0) AS key_personas_on_file,\n       "
        f"CAST(COALESCE(f.touches_{wmax}d, 0) AS DOUBLE) / GREATEST(COALESCE(ro.contacts_on_file, 0), 1)"
        f" AS touches_per_person_{wmax}d,"
        if has_roster
        else ""
    )
    roster_join = (
        "LEFT JOIN roster ro ON ro.account_id = b.account_id AND ro.snapshot_date = b.snapshot_date"
        if has_roster
        else ""
    )
    share = ",\n       ".join(
        f"CASE WHEN COALESCE(f.touches_{w}d, 0) > 0 THEN CAST(f.stage_bofu_{w}d AS DOUBLE) / f.touches_{w}d "
        f"ELSE 0 END AS bofu_share_{w}d"
        for w in W
        if w >= 30
    )
    prog_cte = (
        """,
prog AS (
  SELECT b.account_id, b.snapshot_date, COUNT(*) AS n_prog
  FROM base b JOIN programs g ON g.account_id = b.account_id
   AND g.start_date < b.snapshot_date AND (g.end_date IS NULL OR g.end_date >= b.snapshot_date)
  GROUP BY b.account_id, b.snapshot_date)"""
        if has_programs
        else ""
    )
    prog_join = (
        "LEFT JOIN prog pr ON pr.account_id = b.account_id AND pr.snapshot_date = b.snapshot_date"
        if has_programs
        else ""
    )
    return f"""
WITH snaps AS (SELECT CAST(snapshot_date AS TIMESTAMP) AS snapshot_date FROM snapshots),
acc AS (SELECT account_id, CAST(created_date AS TIMESTAMP) AS created_date,
               COALESCE(is_customer, FALSE) AS is_customer FROM accounts),
base AS (SELECT a.account_id, s.snapshot_date, a.created_date, a.is_customer FROM acc a CROSS JOIN snaps s),
opp AS (SELECT account_id, CAST(created_date AS TIMESTAMP) AS created_date,
               CAST(close_date AS TIMESTAMP) AS close_date, is_won
        FROM opportunities WHERE account_id IS NOT NULL AND created_date IS NOT NULL),
won_any AS (SELECT account_id, MAX(CASE WHEN is_won THEN 1 ELSE 0 END) AS has_won FROM opp GROUP BY account_id),
state AS (
  SELECT b.account_id, b.snapshot_date,
    MAX(CASE WHEN o.is_won AND o.close_date < b.snapshot_date THEN 1 ELSE 0 END) AS won_before,
    MAX(CASE WHEN o.created_date < b.snapshot_date
              AND (o.close_date IS NULL OR o.close_date >= b.snapshot_date) THEN 1 ELSE 0 END) AS has_open_opp,
    MAX(CASE WHEN o.created_date >= b.snapshot_date
              AND o.created_date < b.snapshot_date + INTERVAL '{H}' DAY THEN 1 ELSE 0 END) AS label,
    MIN(CASE WHEN o.created_date >= b.snapshot_date THEN o.created_date END) AS next_opp_date
  FROM base b LEFT JOIN opp o ON o.account_id = b.account_id
  GROUP BY b.account_id, b.snapshot_date),
tp AS (
  SELECT t.account_id, t.contact_id, CAST(t.timestamp AS TIMESTAMP) AS ts, t.channel, t.funnel_stage,
         t.activity_type, t.program_id, {key_expr} AS key_persona,
         CAST(t.person_from AS TIMESTAMP) AS person_from, CAST(t.link_from AS TIMESTAMP) AS link_from
  FROM touchpoints t {persona_join}
  WHERE t.account_id IS NOT NULL),
j AS (
  SELECT tp.account_id, s.snapshot_date,
         CASE WHEN tp.person_from < s.snapshot_date THEN tp.contact_id END AS contact_id,
         tp.channel, tp.funnel_stage, tp.activity_type, tp.program_id,
         tp.key_persona AND tp.person_from < s.snapshot_date AS key_persona,
         DATEDIFF('second', tp.ts, s.snapshot_date) / CAST(86400 AS DOUBLE) AS age
  FROM tp JOIN snaps s ON tp.ts < s.snapshot_date AND tp.ts >= s.snapshot_date - INTERVAL '{L}' DAY
   AND tp.link_from < s.snapshot_date),
f AS (
  SELECT account_id, snapshot_date,
       {("," + chr(10) + "       ").join(agg)}
  FROM j GROUP BY account_id, snapshot_date),
pc AS (
  SELECT account_id, snapshot_date, contact_id, MIN(age) AS min_age,
         MAX(CASE WHEN key_persona THEN 1 ELSE 0 END) = 1 AS key_persona
  FROM j WHERE contact_id IS NOT NULL GROUP BY account_id, snapshot_date, contact_id),
pf AS (
  SELECT account_id, snapshot_date,
       {("," + chr(10) + "       ").join(pagg)}
  FROM pc GROUP BY account_id, snapshot_date),
active_days AS (SELECT account_id, CAST(ts AS DATE) AS d, MIN(link_from) AS link_from FROM tp GROUP BY 1, 2),
rec AS (
  SELECT a.account_id, s.snapshot_date, MIN(DATEDIFF('day', a.d, CAST(s.snapshot_date AS DATE))) AS min_age
  FROM active_days a JOIN snaps s ON a.d < CAST(s.snapshot_date AS DATE) AND a.link_from < s.snapshot_date
   AND a.d >= CAST(s.snapshot_date AS DATE) - INTERVAL '{params.recency_cap_days}' DAY
  GROUP BY a.account_id, s.snapshot_date){roster_cte}{prog_cte}
SELECT b.account_id, b.snapshot_date,
       {zero_fill},
       LEAST(COALESCE(rec.min_age - 1, {params.recency_cap_days}), {params.recency_cap_days}) AS days_since_last_touch,
       ((COALESCE(f.trend_recent_n, 0) + CAST(1 AS DOUBLE)) / {recent})
         / ((COALESCE(f.trend_prior_n, 0) + CAST(1 AS DOUBLE)) / {prior}) AS trend_ratio,
       {share},
       {roster_sel}
       {fit_sel},
       {prog_sel},
       CASE WHEN s.won_before = 1 OR (b.is_customer AND COALESCE(w.has_won, 0) = 0) THEN 1 ELSE 0 END AS is_customer_at,
       s.has_open_opp,
       CASE WHEN b.created_date IS NOT NULL AND b.created_date >= b.snapshot_date THEN 1 ELSE 0 END AS created_after,
       s.label, s.next_opp_date
FROM base b
LEFT JOIN f ON f.account_id = b.account_id AND f.snapshot_date = b.snapshot_date
LEFT JOIN pf ON pf.account_id = b.account_id AND pf.snapshot_date = b.snapshot_date
LEFT JOIN rec ON rec.account_id = b.account_id AND rec.snapshot_date = b.snapshot_date
LEFT JOIN state s ON s.account_id = b.account_id AND s.snapshot_date = b.snapshot_date
LEFT JOIN won_any w ON w.account_id = b.account_id
{fit_join}
{roster_join}
{prog_join}
ORDER BY b.snapshot_date, b.account_id
"""
