"""A synthetic B2B world with known truth, vectorised and deterministic by seed.

What is true (saved in ``truth/``) and what is observed (the canonical tables):

* **Fit**: a logistic fit function of industry, size, region and technographics
  (``FIT_COEFS``); current customers are drawn from it.
* **People**: every contact/lead has a true account and persona; what is observed is
  noisy: company-name variants, typos, legal suffixes, subsidiaries, free-mail
  addresses, sub-domains, messy titles, missing fields. Anonymous web visits carry a
  reverse-IP company domain.
* **Intent**: a latent weekly buying intent per account (AR(1) plus buying-cycle bursts)
  drives touchpoints (more bottom-of-funnel at high intent) and the weekly hazard of an
  opportunity being created (saved as the oracle ``p_opp_week``).
* **Program**: target accounts are chosen by fit plus judgement noise (confounded), the
  program starts at ``program_start`` and has a known lift on opportunity creation,
  win probability and deal size. Both potential outcomes are simulated with common
  random numbers, so the true effect on the targets is known exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config.core import DemoParams
from . import vocab as V

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
TRUTH_VERSION = 2

#: Latent intent dynamics (weekly). Buying cycles ramp up over several weeks (research before an
#: opportunity), so today's activity carries signal about the coming quarter.
INTENT = dict(
    rho=0.97,
    sd=0.2,
    fit_weight=0.2,
    burst_p=0.003,
    burst_len=(10, 21),
    burst_amp=1.5,
    burst_cap=2.0,
    ramp=True,
    h0=-6.5,
    h_slope=1.4,
    touch_slope=1.2,
    bofu_slope=1.2,
    fit_h=0.9,
)


@dataclass
class World:
    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    meta: dict = field(default_factory=dict)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _pick(rng, options, p, n):
    p = np.asarray(p, float)
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p / p.sum())]


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def _arrow_ids(prefix: str, n: int, width: int) -> pd.Series:
    """n string ids like T00000001 built in Arrow (fast, no Python objects)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    nums = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), width=width, padding="0")
    ids = pc.binary_join_element_wise(pa.scalar(prefix), nums, "")
    return pd.Series(pd.arrays.ArrowStringArray(ids))


def _arrow_nulls(n: int) -> pd.Series:
    import pyarrow as pa

    return pd.Series(pd.arrays.ArrowStringArray(pa.nulls(n, pa.string())))


def _fit_design(acc: pd.DataFrame) -> pd.DataFrame:
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


def _calibrate_intercept(lin: np.ndarray, rate: float) -> float:
    lo, hi = -15.0, 15.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _sigmoid(lin + mid).mean() > rate:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def _accounts(rng, n: int, demo: DemoParams, start: pd.Timestamp):
    # unique company stems: syllable pairs x industry core word
    n_stem = len(V.SYLL_A) * len(V.SYLL_B)
    industry = _pick(rng, V.INDUSTRIES, V.INDUSTRY_P, n)
    core = np.empty(n, dtype=object)
    for ind in V.INDUSTRIES:
        m = industry == ind
        core[m] = _pick(rng, V.CORE[ind], np.ones(len(V.CORE[ind])), int(m.sum()))
    combo = core.astype(str)
    # assign stems so (stem, core) is unique: per core word, a permutation of stems
    stem_idx = np.empty(n, dtype=np.int64)
    for c in np.unique(combo):
        m = np.flatnonzero(combo == c)
        if len(m) > n_stem:
            raise ValueError("too many accounts for the name vocabulary")
        stem_idx[m] = rng.permutation(n_stem)[: len(m)]
    a = np.array(V.SYLL_A, dtype=object)[stem_idx // len(V.SYLL_B)]
    b = np.array(V.SYLL_B, dtype=object)[stem_idx % len(V.SYLL_B)]
    stem = a + b
    region = _pick(rng, V.REGIONS, V.REGION_P, n)
    country = np.empty(n, dtype=object)
    tld = np.empty(n, dtype=object)
    for r in V.REGIONS:
        m = region == r
        opts = V.COUNTRIES[r]
        k = rng.choice(len(opts), size=int(m.sum()), p=np.array([o[1] for o in opts]) / sum(o[1] for o in opts))
        country[m] = np.array([o[0] for o in opts], dtype=object)[k]
        tld[m] = np.array([o[2] for o in opts], dtype=object)[k]
    tld = np.where(rng.random(n) < 0.55, "com", tld)
    legal_key = np.where(
        region == "NA",
        "NA",
        np.where(
            region == "APAC",
            "APAC",
            np.where(
                region == "LATAM",
                "LATAM",
                np.where(
                    country == "United Kingdom",
                    "EMEA_UK",
                    np.where(country == "Germany", "EMEA_DE", np.where(country == "France", "EMEA_FR", "EMEA")),
                ),
            ),
        ),
    )
    legal = np.empty(n, dtype=object)
    for k in np.unique(legal_key):
        m = legal_key == k
        legal[m] = _pick(rng, V.LEGAL[k], np.ones(len(V.LEGAL[k])), int(m.sum()))
    base_name = stem + " " + core
    name = np.where(legal == "", base_name, base_name + " " + legal)
    slug = np.char.lower(np.char.replace(np.char.replace((stem + core).astype(str), " ", ""), "&", "and"))
    domain = np.char.add(np.char.add(slug, "."), tld.astype(str)).astype(object)
    employees = np.clip(np.round(np.exp(rng.normal(np.log(300), 1.4, n))), 5, 250_000).astype(np.int64)
    revenue = np.round(employees * 150_000 * np.exp(rng.normal(0, 0.5, n)), -3)
    tech = {t: rng.random(n) < p for t, p in zip(V.TECH, V.TECH_P, strict=False)}
    # correlations: software firms use more cloud/CRM
    soft = industry == "Software"
    tech["tech_cloud_dw"] |= soft & (rng.random(n) < 0.3)
    tech["tech_crm"] |= (employees > 500) & (rng.random(n) < 0.25)
    acc = pd.DataFrame(
        {
            "account_id": _ids("A", n, 6),
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
            "founded_year": rng.integers(1950, 2023, n),
            "created_date": start - pd.to_timedelta(rng.integers(30, 3000, n), unit="D"),
            "owner": np.char.add("rep_", np.char.zfill(rng.integers(1, 41, n).astype(str), 2)).astype(object),
            **tech,
        }
    )
    # alternative domains (rebrands, product sites)
    alt = rng.random(n) < 0.15
    alt_dom = np.char.add(slug, np.where(rng.random(n) < 0.5, ".io", ".net"))
    acc.loc[alt, "alt_domains"] = alt_dom[alt]
    # subsidiaries: ~4% point at a parent; named after the parent with a country
    sub = np.flatnonzero(rng.random(n) < 0.04)
    parents = rng.choice(np.setdiff1d(np.arange(n), sub), size=len(sub), replace=False)
    sub_country = _pick(rng, ["Germany", "United Kingdom", "France", "Japan", "Brazil"], np.ones(5), len(sub))
    sub_tld = (
        pd.Series(sub_country)
        .map({"Germany": "de", "United Kingdom": "co.uk", "France": "fr", "Japan": "co.jp", "Brazil": "com.br"})
        .to_numpy()
    )
    sub_legal = (
        pd.Series(sub_country)
        .map({"Germany": "GmbH", "United Kingdom": "Ltd", "France": "SAS", "Japan": "K.K.", "Brazil": "Ltda."})
        .to_numpy()
    )
    acc.loc[sub, "parent_account_id"] = acc["account_id"].to_numpy()[parents]
    acc.loc[sub, "name"] = base_name[parents] + " " + sub_country + " " + sub_legal
    acc.loc[sub, "domain"] = np.char.add(np.char.add(slug[parents], "."), sub_tld.astype(str))
    acc.loc[sub, "website"] = "https://www." + acc.loc[sub, "domain"]
    acc.loc[sub, "country"] = sub_country
    acc.loc[sub, "region"] = (
        pd.Series(sub_country)
        .map({"Germany": "EMEA", "United Kingdom": "EMEA", "France": "EMEA", "Japan": "APAC", "Brazil": "LATAM"})
        .to_numpy()
    )
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
    acc["_base_name"] = base_name
    acc.loc[sub, "_base_name"] = base_name[parents] + " " + sub_country
    return acc


def _company_variant(rng, acc: pd.DataFrame, idx: np.ndarray) -> np.ndarray:
    """Company name as a person types it: exact, lower, no/other legal suffix, typo, '&'/'and', abbreviation."""
    n = len(idx)
    name = acc["name"].to_numpy()[idx].astype(str)
    base = acc["_base_name"].to_numpy()[idx].astype(str)
    u = rng.random(n)
    out = name.astype(object).copy()
    m = (u >= 0.30) & (u < 0.45)
    out[m] = np.char.lower(name[m])
    m = (u >= 0.45) & (u < 0.62)
    out[m] = base[m]
    m = (u >= 0.62) & (u < 0.70)
    out[m] = np.char.add(
        base[m], _pick(rng, [" Inc", ", LLC", " Ltd.", " GmbH", " Corp", " Co."], np.ones(6), int(m.sum())).astype(str)
    )
    m = (u >= 0.70) & (u < 0.82)  # one-character typo (swap two adjacent letters) in the stem
    for i in np.flatnonzero(m):
        s = base[i]
        j = int(rng.integers(1, max(2, min(len(s) - 2, 8))))
        out[i] = s[:j] + s[j + 1] + s[j] + s[j + 2 :]
    m = (u >= 0.82) & (u < 0.88)
    out[m] = np.char.upper(base[m])
    m = (u >= 0.88) & (u < 0.93)
    out[m] = np.char.replace(
        np.char.replace(np.char.replace(name[m], "&", "and"), "Technologies", "Tech"), "International", "Intl"
    )
    m = u >= 0.93
    out[m] = np.char.add("The ", base[m])
    return out


def _titles(rng, fn: np.ndarray, sen: np.ndarray) -> np.ndarray:
    """Messy job titles: a template per (function, seniority), vectorised over unique combinations."""
    n = len(fn)
    u = rng.random(n)
    v = rng.random(n)
    pools: dict[tuple[str, str], list[str]] = {}
    for f in V.FUNCTIONS:
        for s_ in V.SENIORITY:
            if f == "executive":
                pools[f, s_] = V.C_TITLES["executive"] if s_ == "c_level" else V.EXEC_LOWER
            elif s_ == "c_level":
                pools[f, s_] = V.C_TITLES[f]
            else:
                pools[f, s_] = [t.format(f=w) for t in V.SEN_TEMPLATES[s_] for w in V.FN_WORDS[f]]
    out = np.empty(n, dtype=object)
    key = pd.Series(fn).astype(str) + "|" + pd.Series(sen).astype(str)
    for k, idx in key.groupby(key).groups.items():
        f, s_ = k.split("|")
        pool = np.array(pools[f, s_], dtype=object)
        idx = np.asarray(idx)
        out[idx] = pool[(u[idx] * len(pool)).astype(int)]
    lower = v < 0.08
    upper = (v >= 0.08) & (v < 0.12)
    out[lower] = pd.Series(out[lower], dtype="string").str.lower().to_numpy(dtype=object)
    out[upper] = pd.Series(out[upper], dtype="string").str.upper().to_numpy(dtype=object)
    out[v > 0.97] = None
    return out


def generate_world(demo: DemoParams | None = None, as_of: dt.date | str = "2026-12-31") -> World:
    """Generate the synthetic world. Deterministic for the same params (sizes, seed, dates)."""
    demo = demo or DemoParams()
    rng = np.random.default_rng(demo.seed)
    as_of = pd.Timestamp(as_of).normalize()
    n_weeks = demo.n_quarters * 13
    end = as_of + pd.Timedelta(days=1)
    start = end - pd.Timedelta(weeks=n_weeks)
    weeks = start + pd.to_timedelta(np.arange(n_weeks) * 7, unit="D")
    prog_start = pd.Timestamp(demo.program_start)
    post = np.asarray(weeks >= prog_start)
    n = demo.n_accounts

    # ---------------------------------------------------------------- accounts and fit
    acc = _accounts(rng, n, demo, start)
    X = _fit_design(acc)
    coefs = np.array(list(FIT_COEFS.values()))
    lin = X.to_numpy() @ coefs
    b0 = _calibrate_intercept(lin, demo.customer_rate)
    fit_logit = lin + b0
    fit_prob = _sigmoid(fit_logit)
    is_customer = rng.random(n) < fit_prob
    acc["is_customer"] = is_customer
    importance = {k: abs(c) * float(X[k].std()) for k, c in FIT_COEFS.items()}
    drivers = sorted(importance, key=lambda k: -importance[k])
    fit_std = (fit_logit - fit_logit.mean()) / fit_logit.std()

    # ---------------------------------------------------------------- program targets (confounded by fit)
    judged = fit_logit + rng.normal(0, 0.7, n)
    cand = np.flatnonzero(~is_customer)
    n_target = max(1, int(round(demo.target_share * len(cand))))
    chosen = cand[np.argsort(-judged[cand], kind="stable")[:n_target]]
    is_target = np.zeros(n, bool)
    is_target[chosen] = True
    tier = np.full(n, None, dtype=object)
    order = chosen  # already sorted by judged fit
    n_strat = max(1, int(round(0.05 * n_target)))
    n_lite = int(round(0.30 * n_target))
    tier[order[:n_strat]] = "strategic"
    tier[order[n_strat : n_strat + n_lite]] = "abm_lite"
    tier[order[n_strat + n_lite :]] = "programmatic"

    # ---------------------------------------------------------------- latent intent (accounts x weeks)
    I = INTENT
    eps = rng.normal(0, I["sd"], (n, n_weeks)).astype(np.float32)
    z = np.empty((n, n_weeks), np.float32)
    z[:, 0] = rng.normal(0, 0.9, n)
    for t in range(1, n_weeks):
        z[:, t] = I["rho"] * z[:, t - 1] + eps[:, t]
    burst_start = rng.random((n, n_weeks)) < I["burst_p"]
    burst = np.zeros((n, n_weeks), np.float32)
    lengths = rng.integers(I["burst_len"][0], I["burst_len"][1], (n, n_weeks))
    for t in np.arange(n_weeks):  # bursts: add 1.6 for a buying cycle of 4-13 weeks
        rows = np.flatnonzero(burst_start[:, t])
        if len(rows):
            for L in np.unique(lengths[rows, t]):
                r = rows[lengths[rows, t] == L]
                if I["ramp"]:  # intent builds up over the cycle
                    for k in range(min(L, n_weeks - t)):
                        burst[r, t + k] += I["burst_amp"] * (k + 1) / L
                else:
                    burst[r, t : t + L] += I["burst_amp"]
    burst = np.minimum(burst, I["burst_cap"])
    intent = (I["fit_weight"] * fit_std[:, None] + z + burst).astype(np.float32)

    # ---------------------------------------------------------------- opportunities, both arms with common random numbers
    # sales qualify good-fit accounts: fit raises the opportunity hazard directly, beyond intent
    haz_base = _sigmoid(I["h0"] + I["h_slope"] * intent + I["fit_h"] * fit_std[:, None])
    u_create = rng.random((n, n_weeks))
    cycle_days = rng.gamma(3.0, 26.0, (n, n_weeks))
    u_win = rng.random((n, n_weeks))
    amt_noise = rng.normal(0, 0.5, (n, n_weeks))
    win_base = _sigmoid(-0.5 + 0.5 * fit_std[:, None] + 0.25 * intent)
    size_base = np.exp(np.log(24_000) + 0.35 * np.log(acc["employees"].to_numpy() / 500.0))[:, None] * np.exp(amt_noise)
    lift = demo.lift
    arms = {}
    for arm in (0, 1):
        treat = (is_target[:, None] & post[None, :]) if arm == 1 else np.zeros((n, n_weeks), bool)
        haz = np.where(treat, np.minimum(haz_base * (1 + lift.opp_rate), 0.95), haz_base)
        haz = np.where(is_customer[:, None], 0.0, haz)
        busy_until = np.full(n, -1.0)
        created = np.zeros((n, n_weeks), bool)
        oracle = np.zeros((n, n_weeks), np.float32)
        for t in range(n_weeks):
            free = busy_until < t
            oracle[:, t] = np.where(free, haz[:, t], 0.0)
            c = free & (u_create[:, t] < haz[:, t])
            created[:, t] = c
            busy_until[c] = t + cycle_days[c, t] / 7.0 + 2
        p_win = np.clip(win_base + np.where(treat, lift.win_rate, 0.0), 0.01, 0.99)
        amount = size_base * np.where(treat, 1 + lift.deal_size, 1.0)
        arms[arm] = dict(created=created, oracle=oracle, won=u_win < p_win, amount=np.round(amount, -1), treat=treat)
    obs = {k: np.where(is_target[:, None], arms[1][k], arms[0][k]) for k in ("created", "oracle", "won", "amount")}

    ai, wi = np.nonzero(obs["created"])
    n_opp = len(ai)
    created_date = weeks[wi] + pd.to_timedelta(rng.integers(0, 7, n_opp), unit="D")
    close_date = created_date + pd.to_timedelta(np.round(cycle_days[ai, wi]).astype(int) + 7, unit="D")
    is_open = close_date > as_of
    won = obs["won"][ai, wi]
    stage = np.where(is_open, "", np.where(won, "closed_won", "closed_lost")).astype(object)
    elapsed = (as_of - created_date).days.to_numpy() / np.maximum((close_date - created_date).days.to_numpy(), 1)
    open_stage = np.array(["prospecting", "discovery", "solution", "proposal", "negotiation"], dtype=object)[
        np.clip((elapsed * 5).astype(int), 0, 4)
    ]
    stage = np.where(is_open, open_stage, stage)
    opp = pd.DataFrame(
        {
            "opportunity_id": _ids("O", n_opp, 6),
            "account_id": acc["account_id"].to_numpy()[ai],
            "created_date": created_date,
            "stage": stage,
            "close_date": pd.Series(close_date).where(~is_open).to_numpy(),
            "amount": obs["amount"][ai, wi],
            "product": _pick(rng, ["Platform", "Analytics Add-on", "Enterprise Suite"], [0.6, 0.25, 0.15], n_opp),
            "owner": acc["owner"].to_numpy()[ai],
        }
    )
    # stage history: evenly spaced stage entries up to the current stage
    hist = []
    n_stages_reached = np.where(
        is_open, np.clip((elapsed * 5).astype(int), 0, 4) + 1, np.where(won, 6, rng.integers(1, 5, n_opp) + 1)
    )
    end_or_asof = pd.DatetimeIndex(np.where(is_open, as_of.to_datetime64(), close_date.values))
    span = np.maximum((end_or_asof - created_date).days.to_numpy(), 1)
    for k in range(6):
        m = n_stages_reached > k
        if not m.any():
            continue
        if k < 5:
            st = np.full(
                int(m.sum()), ["prospecting", "discovery", "solution", "proposal", "negotiation"][k], dtype=object
            )
            is_last_closed = (~is_open[m]) & (n_stages_reached[m] == k + 1)
            st = np.where(is_last_closed, "closed_lost", st)
            when = created_date[m] + pd.to_timedelta((span[m] * k / 5).astype(int), unit="D")
            when = pd.DatetimeIndex(np.where(is_last_closed, close_date.values[m], when.values))
        else:
            st = np.full(int(m.sum()), "closed_won", dtype=object)
            when = close_date[m]
        hist.append(
            pd.DataFrame({"opportunity_id": opp["opportunity_id"].to_numpy()[m], "stage": st, "entered_date": when})
        )
    stage_history = pd.concat(hist, ignore_index=True).sort_values(["opportunity_id", "entered_date"], kind="stable")
    stage_history = stage_history.reset_index(drop=True)

    # ---------------------------------------------------------------- contacts
    nc = demo.n_contacts
    w = np.sqrt(acc["employees"].to_numpy().astype(float))
    c_acc = np.sort(rng.choice(n, size=nc, p=w / w.sum()))
    fn = _pick(rng, V.FUNCTIONS, V.FUNCTION_P, nc)
    sen = _pick(rng, V.SENIORITY, V.SENIORITY_P, nc)
    sen = np.where((fn == "executive") & (sen != "c_level"), "director", sen).astype(object)
    first = _pick(rng, V.FIRST, np.ones(len(V.FIRST)), nc)
    last = _pick(rng, V.LAST, np.ones(len(V.LAST)), nc)
    dom = acc["domain"].to_numpy()[c_acc].astype(str)
    alt_d = acc["alt_domains"].to_numpy()[c_acc]
    u = rng.random(nc)
    email_dom = dom.astype(object).copy()
    use_alt = (u < 0.3) & pd.notna(alt_d)
    email_dom[use_alt] = alt_d[use_alt]
    sub_dom = (u >= 0.3) & (u < 0.36)
    email_dom[sub_dom] = np.char.add(
        _pick(rng, ["mail.", "eu.", "us.", "corp."], np.ones(4), int(sub_dom.sum())).astype(str), dom[sub_dom]
    )
    v = rng.random(nc)
    freemail = v < 0.14
    email_dom[freemail] = _pick(rng, V.FREEMAIL, np.ones(len(V.FREEMAIL)), int(freemail.sum()))
    S = lambda a: pd.Series(a, dtype="string")  # noqa: E731  (arrow string ops: fast at 1M rows)
    fl = S(first).str.lower()
    ll = S(last).str.lower().str.replace("ü", "ue", regex=False)
    local = (fl + "." + ll).where(rng.random(nc) < 0.6, fl.str.slice(0, 1) + ll)
    serial = S(rng.integers(0, 1000, nc).astype(str)).str.zfill(3)
    local = (local + serial).where(freemail, local)
    email = (local + "@" + S(email_dom)).to_numpy(dtype=object)
    no_email = v > 0.96
    email[no_email] = None
    is_contact = rng.random(nc) < 0.35  # CRM contacts linked to their account; the rest are leads
    company = _company_variant(rng, acc, c_acc)
    no_company = rng.random(nc) < 0.07
    company[no_company] = None
    website = np.where(rng.random(nc) < 0.15, "http://" + acc["domain"].to_numpy()[c_acc].astype(str), None)
    c_country = np.where(rng.random(nc) < 0.85, acc["country"].to_numpy()[c_acc], None)
    c_perm = rng.permutation(nc)
    contact_ids_all = _arrow_ids("C", nc, 7).to_numpy(dtype=object)[c_perm]  # ids do not reveal the account grouping
    contacts = pd.DataFrame(
        {
            "contact_id": contact_ids_all,
            "record_type": np.where(is_contact, "contact", "lead"),
            "email": email,
            "first_name": first,
            "last_name": last,
            "job_title": _titles(rng, fn, sen),
            "company_name": company,
            "website": website,
            "country": c_country,
            "account_id": np.where(is_contact, acc["account_id"].to_numpy()[c_acc], None),
            "source": _pick(
                rng,
                ["web_form", "event", "list_import", "webinar", "sales_prospecting", "content_syndication"],
                [0.35, 0.15, 0.15, 0.1, 0.15, 0.1],
                nc,
            ),
            "created_date": start + pd.to_timedelta(rng.integers(-200, n_weeks * 7 - 1, nc), unit="D"),
        }
    )
    corporate_email = ~freemail & ~no_email
    identifiable = is_contact | corporate_email | (~no_company) | pd.notna(website)
    truth_contacts = pd.DataFrame(
        {
            "contact_id": contacts["contact_id"],
            "true_account_id": acc["account_id"].to_numpy()[c_acc],
            "persona_function": fn,
            "persona_seniority": sen,
            "is_freemail": freemail,
            "identifiable": identifiable,
        }
    )

    # ---------------------------------------------------------------- touchpoints
    has_c = np.bincount(c_acc, minlength=n)
    c_start = np.concatenate([[0], np.cumsum(has_c)[:-1]])
    treat_obs = is_target[:, None] & post[None, :]
    lam = np.exp(I["touch_slope"] * intent) * (0.5 + np.sqrt(has_c))[:, None] * np.where(treat_obs, 1.5, 1.0)
    lam = lam * (demo.n_touchpoints / lam.sum())
    counts = rng.poisson(lam)
    ta, tw = np.nonzero(counts)
    reps = counts[ta, tw]
    ta = np.repeat(ta, reps)
    tw = np.repeat(tw, reps)
    nt = len(ta)
    ts = weeks[tw] + pd.to_timedelta(rng.integers(0, 7 * 86400, nt), unit="s")
    it = intent[ta, tw]
    abm_touch = treat_obs[ta, tw] & (rng.random(nt) < 0.5 / 1.5)
    p_bofu = _sigmoid(-3.0 + I["bofu_slope"] * it)
    uf = rng.random(nt)
    funnel_code = np.where(uf < p_bofu, 2, np.where(uf < p_bofu + 0.3, 1, 0))
    acts = list(V.ACTIVITIES)
    act_code = np.empty(nt, np.int16)
    for f_code, f in enumerate(("tofu", "mofu", "bofu")):
        opts, p = V.ORGANIC_MIX[f]
        m = funnel_code == f_code
        act_code[m] = np.array([acts.index(o) for o in opts])[
            rng.choice(len(opts), int(m.sum()), p=np.array(p) / sum(p))
        ]
    opts, p = V.ABM_MIX
    act_code[abm_touch] = np.array([acts.index(o) for o in opts])[
        rng.choice(len(opts), int(abm_touch.sum()), p=np.array(p) / sum(p))
    ]
    no_contact = has_c[ta] == 0
    web_like = np.isin(act_code, [acts.index("web_visit"), acts.index("pricing_page")])
    anon = no_contact | (web_like & (rng.random(nt) < 0.3))
    act_code[no_contact & ~web_like] = acts.index("web_visit")
    channels = sorted({v[0] for v in V.ACTIVITIES.values()})
    chan_of_act = np.array([channels.index(V.ACTIVITIES[a][0]) for a in acts])
    fun_of_act = np.array([("tofu", "mofu", "bofu").index(V.ACTIVITIES[a][1]) for a in acts])
    cidx = c_start[ta] + np.floor(rng.random(nt) * np.maximum(has_c[ta], 1)).astype(np.int64)
    cidx = np.minimum(cidx, nc - 1)
    quarters = pd.PeriodIndex(weeks, freq="Q").astype(str)
    q_code = pd.factorize(quarters)[0][tw]
    q_levels = list(pd.unique(quarters))
    camp_levels = [f"CMP-{c}-{q}" for c in channels for q in q_levels]
    camp_code = chan_of_act[act_code] * len(q_levels) + q_code
    order = np.argsort(ts.values, kind="stable")
    cid_code = np.where(anon, -1, cidx)[order]
    # categorical columns built from codes: 10M touchpoints without 10M Python strings
    tp = pd.DataFrame(
        {
            "touchpoint_id": _arrow_ids("T", nt, 8),
            "timestamp": ts.values[order],
            "contact_id": pd.Categorical.from_codes(cid_code, categories=contacts["contact_id"].to_numpy().astype(str)),
            "visitor_domain": pd.Categorical.from_codes(
                np.where(anon, ta, -1)[order], categories=acc["domain"].to_numpy().astype(str)
            ),
            "account_id": _arrow_nulls(nt),
            "channel": pd.Categorical.from_codes(chan_of_act[act_code][order], categories=channels),
            "activity_type": pd.Categorical.from_codes(act_code[order], categories=acts),
            "funnel_stage": pd.Categorical.from_codes(fun_of_act[act_code][order], categories=["tofu", "mofu", "bofu"]),
            "campaign_id": pd.Categorical.from_codes(camp_code[order], categories=camp_levels),
            "program_id": pd.Categorical.from_codes(np.where(abm_touch, 0, -1)[order], categories=["ABM-2026"]),
        }
    )
    truth_tp = pd.DataFrame(
        {
            "touchpoint_id": tp["touchpoint_id"],
            "true_account_id": pd.Categorical.from_codes(
                ta[order], categories=acc["account_id"].to_numpy().astype(str)
            ),
        }
    )

    # ---------------------------------------------------------------- program and costs
    programs = pd.DataFrame(
        {
            "program_id": "ABM-2026",
            "account_id": acc["account_id"].to_numpy()[chosen],
            "tier": tier[chosen],
            "start_date": prog_start,
            "end_date": pd.NaT,
        }
    )
    q_starts = pd.date_range(prog_start, as_of, freq="QS")
    cost_rows = []
    for qs in q_starts:
        qe = min(qs + pd.offsets.QuarterEnd(0), as_of)
        for ch, share in V.COST_CHANNELS.items():
            cost_rows.append(
                {
                    "program_id": "ABM-2026",
                    "channel": ch,
                    "period_start": qs,
                    "period_end": qe,
                    "amount": round(demo.cost_per_target_account * n_target * share, 2),
                }
            )
    costs = pd.DataFrame(cost_rows)

    # ---------------------------------------------------------------- truth
    def post_sum(arr):
        return (arr * post[None, :]).sum(axis=1)

    truth_acc = pd.DataFrame(
        {
            "account_id": acc["account_id"],
            "fit_logit": fit_logit,
            "fit_prob": fit_prob,
            "is_customer": is_customer,
            "is_target": is_target,
            "tier": tier,
            "exp_opps_post_treated": post_sum(
                np.where(is_customer[:, None], 0, np.minimum(haz_base * (1 + lift.opp_rate), 0.95))
            ),
            "exp_opps_post_untreated": post_sum(np.where(is_customer[:, None], 0, haz_base)),
            "opps_post_treated": post_sum(arms[1]["created"]).astype(int),
            "opps_post_untreated": post_sum(arms[0]["created"]).astype(int),
            "won_post_treated": post_sum(arms[1]["created"] & arms[1]["won"]).astype(int),
            "pipeline_post_treated": post_sum(arms[1]["created"] * arms[1]["amount"]),
            "pipeline_post_untreated": post_sum(arms[0]["created"] * arms[0]["amount"]),
            "won_post_untreated": post_sum(arms[0]["created"] & arms[0]["won"]).astype(int),
        }
    )
    weekly = pd.DataFrame(
        {
            "account_id": pd.Categorical.from_codes(
                np.repeat(np.arange(n), n_weeks), categories=acc["account_id"].to_numpy().astype(str)
            ),
            "week_start": np.tile(weeks.values, n),
            "intent": intent.ravel(),
            "p_opp_week": obs["oracle"].astype(np.float32).ravel(),
            "p_opp_week_free": np.where(
                is_customer[:, None],
                0.0,
                np.where(
                    is_target[:, None] & post[None, :], np.minimum(haz_base * (1 + lift.opp_rate), 0.95), haz_base
                ),
            )
            .astype(np.float32)
            .ravel(),
        }
    )
    accounts = acc.drop(columns=["_base_name"])
    meta = {
        "truth_version": TRUTH_VERSION,
        "seed": demo.seed,
        "as_of": str(as_of.date()),
        "start": str(start.date()),
        "program_start": str(prog_start.date()),
        "program_id": "ABM-2026",
        "fit_coefficients": FIT_COEFS,
        "fit_intercept": b0,
        "fit_drivers": drivers,
        "fit_importance": importance,
        "lift": lift.model_dump(),
        "sizes": {
            "accounts": n,
            "contacts": nc,
            "touchpoints": nt,
            "opportunities": n_opp,
            "weeks": n_weeks,
            "targets": int(n_target),
        },
        "notes": "Opportunities are new business only: customers have no opportunity hazard. "
        "Potential outcomes use common random numbers; *_treated/_untreated are realised counts "
        "after program start under each arm.",
    }
    c_order = np.argsort(c_perm, kind="stable")  # sorted by contact_id
    contacts = contacts.iloc[c_order].reset_index(drop=True)
    truth_contacts = truth_contacts.iloc[c_order].reset_index(drop=True)
    tables = {
        "accounts": accounts,
        "contacts": contacts,
        "opportunities": opp,
        "stage_history": stage_history,
        "touchpoints": tp,
        "programs": programs,
        "costs": costs,
    }
    truth = {"accounts": truth_acc, "contacts": truth_contacts, "touchpoints": truth_tp, "weekly": weekly}
    return World(tables=tables, truth=truth, meta=meta)
