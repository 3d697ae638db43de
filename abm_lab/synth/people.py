"""People: contacts and leads with a true account and persona, observed through noisy CRM fields.

What is observed is messy on purpose (that is what lead-to-account mapping must undo): company-name
variants, free-mail addresses, alternative and sub-domains, messy job titles, missing fields; only a
share of the records (CRM contacts) carry their account id.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import vocab as V
from .accounts import Accounts, company_variant
from .common import Calendar, arrow_ids, arrow_str, pick

ALT_DOMAIN_EMAIL = 0.3  # e-mail on the account's alternative domain (when it has one)
SUB_DOMAIN_EMAIL = (0.3, 0.36)  # [low, high) of the same draw: e-mail on a sub-domain
SUB_DOMAINS = ["mail.", "eu.", "us.", "corp."]
FREEMAIL_SHARE = 0.14  # free-mail address instead of a corporate one
NO_EMAIL_ABOVE = 0.96  # the same draw above this: no e-mail at all
FIRST_DOT_LAST = 0.6  # e-mail local part "first.last" (else "flast")
CRM_CONTACT_SHARE = 0.35  # CRM contacts linked to their account; the rest are leads
NO_COMPANY_SHARE = 0.07
WEBSITE_SHARE = 0.15  # records that carry the company website
COUNTRY_SHARE = 0.85  # records that carry the account's country
CREATED_DAYS_FROM_START = -200  # records are created from this many days before the world starts to its end
LEAD_SOURCES = {
    "web_form": 0.35,
    "event": 0.15,
    "list_import": 0.15,
    "webinar": 0.1,
    "sales_prospecting": 0.15,
    "content_syndication": 0.1,
}
TITLE_LOWER = 0.08  # job title typed in lower case
TITLE_UPPER = (0.08, 0.12)  # [low, high) of the same draw: in upper case
TITLE_MISSING_ABOVE = 0.97


@dataclass
class People:
    """The contacts table and its truth (both sorted by contact_id), and what touchpoints need."""

    contacts: pd.DataFrame
    truth: pd.DataFrame
    account_index: np.ndarray  # account row of each person, in generation order (sorted by account)
    contact_ids: np.ndarray  # contact id of each person, in generation order


def _titles_pools() -> dict[tuple[str, str], list[str]]:
    pools: dict[tuple[str, str], list[str]] = {}
    for f in V.FUNCTIONS:
        for s_ in V.SENIORITY:
            if f == "executive":
                pools[f, s_] = V.C_TITLES["executive"] if s_ == "c_level" else V.EXEC_LOWER
            elif s_ == "c_level":
                pools[f, s_] = V.C_TITLES[f]
            else:
                pools[f, s_] = [t.format(f=w) for t in V.SEN_TEMPLATES[s_] for w in V.FN_WORDS[f]]
    return pools


def job_titles(rng: np.random.Generator, fn: np.ndarray, sen: np.ndarray) -> np.ndarray:
    """Messy job titles: a template per (function, seniority), vectorised over unique combinations."""
    n = len(fn)
    u = rng.random(n)
    v = rng.random(n)
    pools = _titles_pools()
    out = np.empty(n, dtype=object)
    key = pd.Series(fn).astype(str) + "|" + pd.Series(sen).astype(str)
    for k, idx in key.groupby(key).groups.items():
        f, s_ = k.split("|")
        pool = np.array(pools[f, s_], dtype=object)
        idx = np.asarray(idx)
        out[idx] = pool[(u[idx] * len(pool)).astype(int)]
    lower = v < TITLE_LOWER
    upper = (v >= TITLE_UPPER[0]) & (v < TITLE_UPPER[1])
    out[lower] = pd.Series(out[lower], dtype="string").str.lower().to_numpy(dtype=object)
    out[upper] = pd.Series(out[upper], dtype="string").str.upper().to_numpy(dtype=object)
    out[v > TITLE_MISSING_ABOVE] = None
    return out


def _emails(
    rng: np.random.Generator, first: np.ndarray, last: np.ndarray, dom: np.ndarray, alt_d: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """E-mail addresses (None when missing), and which are free-mail and which are missing."""
    nc = len(first)
    u = rng.random(nc)
    email_dom = dom.astype(object).copy()
    use_alt = (u < ALT_DOMAIN_EMAIL) & pd.notna(alt_d)
    email_dom[use_alt] = alt_d[use_alt]
    sub_dom = (u >= SUB_DOMAIN_EMAIL[0]) & (u < SUB_DOMAIN_EMAIL[1])
    email_dom[sub_dom] = np.char.add(
        pick(rng, SUB_DOMAINS, np.ones(len(SUB_DOMAINS)), int(sub_dom.sum())).astype(str), dom[sub_dom]
    )
    v = rng.random(nc)
    freemail = v < FREEMAIL_SHARE
    email_dom[freemail] = pick(rng, V.FREEMAIL, np.ones(len(V.FREEMAIL)), int(freemail.sum()))
    fl = arrow_str(first).str.lower()
    ll = arrow_str(last).str.lower().str.replace("ü", "ue", regex=False)
    local = (fl + "." + ll).where(rng.random(nc) < FIRST_DOT_LAST, fl.str.slice(0, 1) + ll)
    serial = arrow_str(rng.integers(0, 1000, nc).astype(str)).str.zfill(3)
    local = (local + serial).where(freemail, local)
    email = (local + "@" + arrow_str(email_dom)).to_numpy(dtype=object)
    no_email = v > NO_EMAIL_ABOVE
    email[no_email] = None
    return email, freemail, no_email


def make_people(rng: np.random.Generator, accounts: Accounts, n_contacts: int, cal: Calendar) -> People:
    """``n_contacts`` people spread over accounts by sqrt(employees), with noisy observed fields."""
    acc = accounts.table
    n, nc = len(acc), n_contacts
    w = np.sqrt(acc["employees"].to_numpy().astype(float))
    c_acc = np.sort(rng.choice(n, size=nc, p=w / w.sum()))
    fn = pick(rng, V.FUNCTIONS, V.FUNCTION_P, nc)
    sen = pick(rng, V.SENIORITY, V.SENIORITY_P, nc)
    sen = np.where((fn == "executive") & (sen != "c_level"), "director", sen).astype(object)
    first = pick(rng, V.FIRST, np.ones(len(V.FIRST)), nc)
    last = pick(rng, V.LAST, np.ones(len(V.LAST)), nc)
    dom = acc["domain"].to_numpy()[c_acc].astype(str)
    email, freemail, no_email = _emails(rng, first, last, dom, acc["alt_domains"].to_numpy()[c_acc])
    is_contact = rng.random(nc) < CRM_CONTACT_SHARE
    company = company_variant(rng, accounts, c_acc)
    no_company = rng.random(nc) < NO_COMPANY_SHARE
    company[no_company] = None
    website = np.where(rng.random(nc) < WEBSITE_SHARE, "http://" + dom, None)
    c_country = np.where(rng.random(nc) < COUNTRY_SHARE, acc["country"].to_numpy()[c_acc], None)
    c_perm = rng.permutation(nc)
    contact_ids = arrow_ids("C", nc, 7).to_numpy(dtype=object)[c_perm]  # ids do not reveal the account grouping
    account_ids = acc["account_id"].to_numpy()[c_acc]
    title = job_titles(rng, fn, sen)
    source = pick(rng, list(LEAD_SOURCES), list(LEAD_SOURCES.values()), nc)
    created = cal.start + pd.to_timedelta(rng.integers(CREATED_DAYS_FROM_START, cal.n_weeks * 7 - 1, nc), unit="D")
    contacts = pd.DataFrame(
        {
            "contact_id": contact_ids,
            "record_type": np.where(is_contact, "contact", "lead"),
            "email": email,
            "first_name": first,
            "last_name": last,
            "job_title": title,
            "company_name": company,
            "website": website,
            "country": c_country,
            "account_id": np.where(is_contact, account_ids, None),
            "source": source,
            "created_date": created,
        }
    )
    corporate_email = ~freemail & ~no_email
    identifiable = is_contact | corporate_email | (~no_company) | pd.notna(website)
    truth = pd.DataFrame(
        {
            "contact_id": contacts["contact_id"],
            "true_account_id": account_ids,
            "persona_function": fn,
            "persona_seniority": sen,
            "is_freemail": freemail,
            "identifiable": identifiable,
        }
    )
    order = np.argsort(c_perm, kind="stable")  # sorted by contact_id
    return People(
        contacts=contacts.iloc[order].reset_index(drop=True),
        truth=truth.iloc[order].reset_index(drop=True),
        account_index=c_acc,
        contact_ids=contact_ids,
    )
