"""Accounts: firmographics and company names, the true fit function, and how people type a company's name.

The fit function (``FIT_COEFS``, logit scale, intercept calibrated to the customer rate) is the truth that
ICP discovery should recover; current customers are drawn from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import vocab as V
from .common import ids, pick, sigmoid

#: True fit function (logit scale). Keys are readable feature names.
FIT_COEFS: dict[str, float] = {
    "industry=Software": 1.4,
    "industry=Financial Services": 1.0,
    "industry=Healthcare": 0.4,
    "industry=Retail": -0.6,
    "industry=Education": -0.9,
    "employees 200-5,000": 1.0,
    "tech_crm": 1.2,
    "tech_marketing_automation": 0.8,
    "tech_cloud_dw": 0.5,
    "tech_competitor": -0.7,
    "region=NA": 0.4,
}

COM_SHARE = 0.55  # share of accounts on .com whatever their country
EMPLOYEES_MEDIAN = 300  # employees: log-normal around the median, clipped
EMPLOYEES_LOG_SD = 1.4
EMPLOYEES_RANGE = (5, 250_000)
REVENUE_PER_EMPLOYEE = 150_000  # annual revenue: employees x this x log-normal noise, rounded to 1,000
REVENUE_LOG_SD = 0.5
SOFTWARE_CLOUD_DW = 0.3  # extra chance of a cloud data warehouse at software firms
LARGE_FIRM_CRM = (500, 0.25)  # firms above this many employees: extra chance of a CRM
FOUNDED_YEARS = (1950, 2023)  # [low, high)
CREATED_DAYS_BEFORE_START = (30, 3000)  # CRM record created this many days before the world starts, [low, high)
N_OWNERS = 40  # sales reps rep_01 .. rep_40
ALT_DOMAIN_SHARE = 0.15  # accounts with an alternative domain (rebrand, product site)
SUBSIDIARY_SHARE = 0.04  # accounts that are a country subsidiary of another account
#: subsidiary country -> (domain tld, legal suffix, region)
SUBSIDIARY_COUNTRIES = {
    "Germany": ("de", "GmbH", "EMEA"),
    "United Kingdom": ("co.uk", "Ltd", "EMEA"),
    "France": ("fr", "SAS", "EMEA"),
    "Japan": ("co.jp", "K.K.", "APAC"),
    "Brazil": ("com.br", "Ltda.", "LATAM"),
}
#: EMEA countries with their own legal suffixes (``vocab.LEGAL`` keys); other EMEA countries use "EMEA"
EMEA_LEGAL_KEYS = {"United Kingdom": "EMEA_UK", "Germany": "EMEA_DE", "France": "EMEA_FR"}

#: How a person types the company name: style -> [low, high) of one uniform draw on [0, 1) (below 0.30: exact)
NAME_STYLES = {
    "lower": (0.30, 0.45),
    "no_suffix": (0.45, 0.62),
    "other_suffix": (0.62, 0.70),
    "typo": (0.70, 0.82),
    "upper": (0.82, 0.88),
    "abbreviated": (0.88, 0.93),
    "the": (0.93, 1.0),
}
OTHER_SUFFIXES = [" Inc", ", LLC", " Ltd.", " GmbH", " Corp", " Co."]


@dataclass
class Accounts:
    """The account table and each account's name without legal suffix (what people type most)."""

    table: pd.DataFrame
    base_name: np.ndarray


@dataclass
class Fit:
    """The true fit of each account and the customers drawn from it."""

    logit: np.ndarray
    prob: np.ndarray
    intercept: float
    is_customer: np.ndarray
    importance: dict[str, float]  # |coefficient| x feature sd
    drivers: list[str]  # features by importance, strongest first

    @property
    def std(self) -> np.ndarray:
        """The fit logit standardised (mean 0, sd 1): how fit enters intent and the opportunity hazard."""
        return (self.logit - self.logit.mean()) / self.logit.std()


def _names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Industry, core word and stem of each account, with (stem, core) unique: syllable pairs x core word."""
    n_stem = len(V.SYLL_A) * len(V.SYLL_B)
    industry = pick(rng, V.INDUSTRIES, V.INDUSTRY_P, n)
    core = np.empty(n, dtype=object)
    for ind in V.INDUSTRIES:
        m = industry == ind
        core[m] = pick(rng, V.CORE[ind], np.ones(len(V.CORE[ind])), int(m.sum()))
    combo = core.astype(str)
    # per core word, a permutation of stems
    stem_idx = np.empty(n, dtype=np.int64)
    for c in np.unique(combo):
        m = np.flatnonzero(combo == c)
        if len(m) > n_stem:
            raise ValueError("too many accounts for the name vocabulary")
        stem_idx[m] = rng.permutation(n_stem)[: len(m)]
    a = np.array(V.SYLL_A, dtype=object)[stem_idx // len(V.SYLL_B)]
    b = np.array(V.SYLL_B, dtype=object)[stem_idx % len(V.SYLL_B)]
    return industry, core, a + b


def _geography(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Region, country, domain tld and legal suffix of each account."""
    region = pick(rng, V.REGIONS, V.REGION_P, n)
    country = np.empty(n, dtype=object)
    tld = np.empty(n, dtype=object)
    for r in V.REGIONS:
        m = region == r
        opts = V.COUNTRIES[r]
        k = rng.choice(len(opts), size=int(m.sum()), p=np.array([o[1] for o in opts]) / sum(o[1] for o in opts))
        country[m] = np.array([o[0] for o in opts], dtype=object)[k]
        tld[m] = np.array([o[2] for o in opts], dtype=object)[k]
    tld = np.where(rng.random(n) < COM_SHARE, "com", tld)
    legal_key = region.copy()
    emea = region == "EMEA"
    legal_key[emea] = pd.Series(country[emea], dtype=object).map(EMEA_LEGAL_KEYS).fillna("EMEA").to_numpy()
    legal = np.empty(n, dtype=object)
    for k in np.unique(legal_key):
        m = legal_key == k
        legal[m] = pick(rng, V.LEGAL[k], np.ones(len(V.LEGAL[k])), int(m.sum()))
    return region, country, tld, legal


def _technographics(rng: np.random.Generator, n: int, industry: np.ndarray, employees: np.ndarray) -> dict:
    """Technology flags, correlated: software firms use more cloud DWs, large firms more CRMs."""
    tech = {t: rng.random(n) < p for t, p in zip(V.TECH, V.TECH_P, strict=True)}
    tech["tech_cloud_dw"] |= (industry == "Software") & (rng.random(n) < SOFTWARE_CLOUD_DW)
    tech["tech_crm"] |= (employees > LARGE_FIRM_CRM[0]) & (rng.random(n) < LARGE_FIRM_CRM[1])
    return tech


def _add_subsidiaries(
    rng: np.random.Generator, acc: pd.DataFrame, base_name: np.ndarray, slug: np.ndarray
) -> np.ndarray:
    """Turn ~4% of the accounts into a parent's country subsidiary (in place); return the base names after it."""
    n = len(acc)
    sub = np.flatnonzero(rng.random(n) < SUBSIDIARY_SHARE)
    parents = rng.choice(np.setdiff1d(np.arange(n), sub), size=len(sub), replace=False)
    countries = list(SUBSIDIARY_COUNTRIES)
    sub_country = pick(rng, countries, np.ones(len(countries)), len(sub))
    tld, legal, region = (
        pd.Series(sub_country).map({c: v[i] for c, v in SUBSIDIARY_COUNTRIES.items()}).to_numpy() for i in range(3)
    )
    acc.loc[sub, "parent_account_id"] = acc["account_id"].to_numpy()[parents]
    acc.loc[sub, "name"] = base_name[parents] + " " + sub_country + " " + legal
    acc.loc[sub, "domain"] = np.char.add(np.char.add(slug[parents], "."), tld.astype(str))
    acc.loc[sub, "website"] = "https://www." + acc.loc[sub, "domain"]
    acc.loc[sub, "country"] = sub_country
    acc.loc[sub, "region"] = region
    acc.loc[sub, "industry"] = acc["industry"].to_numpy()[parents]
    # a subsidiary's domain may collide with another account's country domain: make unique
    for _ in range(5):
        dup = acc["domain"].duplicated(keep="first").to_numpy()
        if not dup.any():
            break
        acc.loc[dup, "domain"] = np.char.add("group-", acc.loc[dup, "domain"].to_numpy().astype(str))
        acc.loc[dup, "website"] = "https://www." + acc.loc[dup, "domain"]
    if acc["domain"].duplicated().any() or acc["name"].duplicated().any():  # pragma: no cover
        raise ValueError("synthetic world: account names/domains are not unique; report this seed")
    out = base_name.copy()
    out[sub] = base_name[parents] + " " + sub_country
    return out


def make_accounts(rng: np.random.Generator, n: int, start: pd.Timestamp) -> Accounts:
    """``n`` accounts with unique names and domains, firmographics, technographics, alt domains, subsidiaries."""
    industry, core, stem = _names(rng, n)
    region, country, tld, legal = _geography(rng, n)
    base_name = stem + " " + core
    name = np.where(legal == "", base_name, base_name + " " + legal)
    slug = np.char.lower(np.char.replace(np.char.replace((stem + core).astype(str), " ", ""), "&", "and"))
    domain = np.char.add(np.char.add(slug, "."), tld.astype(str)).astype(object)
    employees = np.clip(
        np.round(np.exp(rng.normal(np.log(EMPLOYEES_MEDIAN), EMPLOYEES_LOG_SD, n))), *EMPLOYEES_RANGE
    ).astype(np.int64)
    revenue = np.round(employees * REVENUE_PER_EMPLOYEE * np.exp(rng.normal(0, REVENUE_LOG_SD, n)), -3)
    tech = _technographics(rng, n, industry, employees)
    acc = pd.DataFrame(
        {
            "account_id": ids("A", n, 6),
            "name": name,
            "domain": domain,
            "website": np.where(rng.random(n) < 0.5, "https://www." + domain, "www." + domain + "/"),
            "alt_domains": None,
            "parent_account_id": None,
            "industry": industry,
            "employees": employees,
            "annual_revenue": revenue,
            "country": country,
            "region": region,
            "founded_year": rng.integers(*FOUNDED_YEARS, n),
            "created_date": start - pd.to_timedelta(rng.integers(*CREATED_DAYS_BEFORE_START, n), unit="D"),
            "owner": np.char.add("rep_", np.char.zfill(rng.integers(1, N_OWNERS + 1, n).astype(str), 2)).astype(object),
            **tech,
        }
    )
    alt = rng.random(n) < ALT_DOMAIN_SHARE
    alt_dom = np.char.add(slug, np.where(rng.random(n) < 0.5, ".io", ".net"))
    acc.loc[alt, "alt_domains"] = alt_dom[alt]
    base_name = _add_subsidiaries(rng, acc, base_name, slug)
    return Accounts(table=acc, base_name=base_name)


def fit_design(acc: pd.DataFrame) -> pd.DataFrame:
    """The fit function's design matrix: one column per ``FIT_COEFS`` key (0/1 indicators and flags)."""
    X = pd.DataFrame(index=acc.index)
    for k in FIT_COEFS:
        if k.startswith("industry="):
            X[k] = (acc["industry"] == k.split("=", 1)[1]).astype(float)
        elif k.startswith("region="):
            X[k] = (acc["region"] == k.split("=", 1)[1]).astype(float)
        elif k == "employees 200-5,000":
            X[k] = acc["employees"].between(200, 5000).astype(float)
        else:
            X[k] = acc[k].astype(float)
    return X


def calibrate_intercept(lin: np.ndarray, rate: float) -> float:
    """The intercept b0 with mean(sigmoid(lin + b0)) = ``rate`` (bisection on [-15, 15])."""
    lo, hi = -15.0, 15.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if sigmoid(lin + mid).mean() > rate:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def draw_fit(rng: np.random.Generator, acc: pd.DataFrame, customer_rate: float) -> Fit:
    """The true fit of each account (intercept calibrated to ``customer_rate``) and customers drawn from it."""
    X = fit_design(acc)
    lin = X.to_numpy() @ np.array(list(FIT_COEFS.values()))
    b0 = calibrate_intercept(lin, customer_rate)
    logit = lin + b0
    prob = sigmoid(logit)
    is_customer = rng.random(len(acc)) < prob
    importance = {k: abs(c) * float(X[k].std()) for k, c in FIT_COEFS.items()}
    drivers = sorted(importance, key=lambda k: -importance[k])
    return Fit(logit=logit, prob=prob, intercept=b0, is_customer=is_customer, importance=importance, drivers=drivers)


def company_variant(rng: np.random.Generator, accounts: Accounts, idx: np.ndarray) -> np.ndarray:
    """Company name as a person types it: exact, lower, no/other legal suffix, typo, '&'/'and', abbreviation."""
    n = len(idx)
    name = accounts.table["name"].to_numpy()[idx].astype(str)
    base = accounts.base_name[idx].astype(str)
    u = rng.random(n)
    out = name.astype(object).copy()

    def style(s: str) -> np.ndarray:
        lo, hi = NAME_STYLES[s]
        return (u >= lo) & (u < hi)

    m = style("lower")
    out[m] = np.char.lower(name[m])
    m = style("no_suffix")
    out[m] = base[m]
    m = style("other_suffix")
    out[m] = np.char.add(base[m], pick(rng, OTHER_SUFFIXES, np.ones(len(OTHER_SUFFIXES)), int(m.sum())).astype(str))
    m = style("typo")  # one-character typo (swap two adjacent letters) in the stem
    for i in np.flatnonzero(m):
        s = base[i]
        j = int(rng.integers(1, max(2, min(len(s) - 2, 8))))
        out[i] = s[:j] + s[j + 1] + s[j] + s[j + 2 :]
    m = style("upper")
    out[m] = np.char.upper(base[m])
    m = style("abbreviated")
    out[m] = np.char.replace(
        np.char.replace(np.char.replace(name[m], "&", "and"), "Technologies", "Tech"), "International", "Intl"
    )
    m = style("the")
    out[m] = np.char.add("The ", base[m])
    return out
