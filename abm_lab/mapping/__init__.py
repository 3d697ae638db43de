"""Lead-to-account mapping: an open, measured cascade that explains every match, and buying-committee personas.

Each contact/lead goes through the cascade (CRM link → e-mail domain → website → exact company name →
fuzzy company name) and stops at the first step that finds an account; the step is recorded as
``match_method`` with a ``match_confidence`` (0–1). Too-close candidates go through tie-breakers, else
to the **ambiguous** review queue; rows no step can place go to the **unmatched** queue with the reason.
Anonymous web visits carrying a reverse-IP ``visitor_domain`` go through the same domain lookup. Job
titles become personas (function, seniority), and each account's buying-committee seats are checked.

Modules, one concern each:

* :mod:`~abm_lab.mapping.domains`, :mod:`~abm_lab.mapping.names`, :mod:`~abm_lab.mapping.name_match`
  (together :mod:`~abm_lab.mapping.normalize`): the keys — registered domains, free-mail, company names;
* :mod:`~abm_lab.mapping.index`: :class:`AccountIndex` over the accounts;
* :mod:`~abm_lab.mapping.cascade`, :mod:`~abm_lab.mapping.fuzzy`, :mod:`~abm_lab.mapping.tiebreak`:
  the steps, fuzzy candidates and tie-breaks;
* :mod:`~abm_lab.mapping.contacts` (:func:`map_contacts`, :class:`MappingResult`) and
  :mod:`~abm_lab.mapping.touchpoints` (:func:`map_touchpoints`);
* :mod:`~abm_lab.mapping.resolve`: the one rule for which account a touch belongs to;
* :mod:`~abm_lab.mapping.personas`: job titles → personas, committee coverage and involvement;
* :mod:`~abm_lab.mapping.stage`: notebook 03 as one object (:func:`run_stage`, :class:`MappingRun`);
* :mod:`~abm_lab.mapping.plots` (figures, formatted tables) and :mod:`~abm_lab.mapping.explorer` (widget).

Checks against the synthetic world's truth: :mod:`abm_lab.validation.mapping`.
"""

from __future__ import annotations

from .cascade import METHODS
from .contacts import STATUSES, MappingResult, map_contacts
from .explorer import match_explorer
from .index import AccountIndex
from .intent import IntentMapping, map_intent
from .normalize import (
    cluster_names,
    email_domains,
    is_freemail,
    match_names,
    normalize_company_name,
    normalize_company_names,
    registered_domain,
    registered_domains,
)
from .personas import (
    SENIORITY_RANK,
    committee_coverage,
    committee_flags,
    coverage_by_tier,
    parse_title,
    parse_titles,
    persona_involvement,
)
from .resolve import resolve_touch_accounts
from .stage import MappingRun, run_mapping, run_stage
from .touchpoints import map_touchpoints, touchpoint_match_rates

__all__ = [
    "IntentMapping",
    "map_intent",
    "STATUSES",
    "METHODS",
    "AccountIndex",
    "MappingResult",
    "map_contacts",
    "map_touchpoints",
    "touchpoint_match_rates",
    "resolve_touch_accounts",
    "parse_title",
    "parse_titles",
    "SENIORITY_RANK",
    "committee_flags",
    "committee_coverage",
    "persona_involvement",
    "coverage_by_tier",
    "MappingRun",
    "run_mapping",
    "run_stage",
    "match_explorer",
    "registered_domain",
    "registered_domains",
    "email_domains",
    "is_freemail",
    "normalize_company_name",
    "normalize_company_names",
    "match_names",
    "cluster_names",
]
