"""Normalising the keys used to tie people to companies: domains and company names, in one import.

* **Domains** (:mod:`abm_lab.mapping.domains`): the *registered* domain (``mail.eu.acme.co.uk`` ->
  ``acme.co.uk``) of an e-mail address, a website URL or a bare host, with tldextract's bundled
  public-suffix snapshot only; the shipped free-mail / ISP list.
* **Company names** (:mod:`abm_lab.mapping.names`): case, accents, scripts, punctuation, legal forms,
  trailing locations and noise words removed, one key per company.
* **Pairs and clusters of names** (:mod:`abm_lab.mapping.name_match`): :func:`match_names` says whether
  two raw names are the same company and which rule fired; :func:`cluster_names` groups a column.
"""

from __future__ import annotations

from .domains import (
    decode,
    domain_codes,
    email_domains,
    freemail_domains,
    is_freemail,
    registered_array,
    registered_domain,
    registered_domains,
    split_domains,
)
from .name_match import NameMatch, cluster_names, match_names
from .names import compact_key, initialism, normalize_company_name, normalize_company_names

__all__ = [
    "freemail_domains",
    "is_freemail",
    "registered_domain",
    "registered_domains",
    "registered_array",
    "email_domains",
    "domain_codes",
    "decode",
    "split_domains",
    "normalize_company_name",
    "normalize_company_names",
    "compact_key",
    "initialism",
    "NameMatch",
    "match_names",
    "cluster_names",
]
