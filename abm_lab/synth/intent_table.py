"""The synthetic world's third-party intent export: a noisy, partial-coverage proxy of latent buying intent.

Written as the canonical ``intent`` table (``intent.parquet``), in the layout of weekly "company surge" files
(Bombora Company Surge): one row per company domain, week and topic with a composite score 0-100.

What such a file loses, and so what this one loses:

* **Coverage**: the vendor only sees companies whose research it can resolve (its data co-op of publisher
  sites), larger companies more often. A share ``demo.intent_coverage`` of accounts (on average) is covered,
  with odds rising with log employees; the others never appear.
* **Noise**: each topic's weekly score is a monotone (logistic) transform of the account's latent intent,
  scaled by how relevant the topic is to that account, plus a persistent account-topic bias and weekly noise.
* **Reporting floor**: rows scoring under :data:`REPORT_FLOOR` are not in the file (no reported research).

The generator draws from its own random stream (:data:`INTENT_STREAM`, keyed on ``demo.seed``), after and
apart from the world's main generator: switching intent on or off changes no other table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import Calendar, sigmoid

#: Spawn key of the intent generator's own stream (``SeedSequence(demo.seed, spawn_key=(INTENT_STREAM,))``).
INTENT_STREAM = 15_004
#: Topics researched (product categories near the product sold), with their category in the vendor taxonomy.
TOPICS = {
    "Account-Based Marketing": "Marketing",
    "Marketing Automation": "Marketing",
    "Intent Data": "Marketing",
    "Sales Intelligence": "Sales",
    "Customer Data Platform": "Technology",
    "Predictive Analytics": "Technology",
}
#: Per-account odds of coverage rise by this factor (in log-odds) per unit of log employees.
COVER_SLOPE = 0.8
#: Relevance of a topic to an account: uniform in this range (how much of the account's intent shows on it).
RELEVANCE = (0.3, 1.0)
#: Composite score = 100 * sigmoid(SLOPE * relevance * standardised intent - OFFSET + bias + weekly noise).
SLOPE = 1.3
OFFSET = 1.6
BIAS_SD = 0.5
NOISE_SD = 0.7
#: Scores under this are not reported (the row is absent from the export).
REPORT_FLOOR = 30.0
SOURCE = "Bombora"


def _coverage_intercept(x: np.ndarray, share: float) -> float:
    """Intercept ``a`` with mean(sigmoid(a + COVER_SLOPE * x)) = share (bisection; x centred log employees)."""
    lo, hi = -30.0, 30.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if float(np.mean(sigmoid(mid + COVER_SLOPE * x))) < share:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def intent_rng(seed: int) -> np.random.Generator:
    """The intent export's own random generator, independent of the world's main stream."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(INTENT_STREAM,)))


def covered_accounts(rng: np.random.Generator, employees: np.ndarray, share: float) -> np.ndarray:
    """Which accounts the vendor covers (bool per account): a share ``share`` on average, larger firms likelier."""
    x = np.log(np.maximum(np.asarray(employees, float), 1.0))
    x = x - x.mean()
    a = _coverage_intercept(x, share)
    return rng.random(len(x)) < sigmoid(a + COVER_SLOPE * x)


def intent_table(seed: int, accounts: pd.DataFrame, intent: np.ndarray, cal: Calendar, coverage: float) -> pd.DataFrame:
    """The canonical ``intent`` table of the world: ``intent`` is latent intent, accounts x observed weeks."""
    rng = intent_rng(seed)
    emp = accounts["employees"].to_numpy(dtype=float)
    cov = covered_accounts(rng, emp, coverage)
    mu, sd = float(intent.mean()), float(intent.std()) or 1.0
    z = (intent - mu) / sd
    topics = list(TOPICS)
    n_acc, n_weeks, n_top = intent.shape[0], intent.shape[1], len(topics)
    rel = rng.uniform(RELEVANCE[0], RELEVANCE[1], (n_acc, n_top))
    bias = rng.normal(0.0, BIAS_SD, (n_acc, n_top))
    noise = rng.normal(0.0, NOISE_SD, (n_acc, n_weeks, n_top))
    lin = SLOPE * rel[:, None, :] * z[:, :, None] - OFFSET + bias[:, None, :] + noise
    score = np.round(100.0 * sigmoid(lin), 1)
    keep = cov[:, None, None] & (score >= REPORT_FLOOR)
    a, w, k = np.nonzero(keep)
    names = np.asarray(topics, dtype=object)
    return pd.DataFrame(
        {
            "domain": accounts["domain"].to_numpy(dtype=object)[a],
            "company_name": accounts["name"].to_numpy(dtype=object)[a],
            "week_start": cal.weeks.values[w],
            "topic": names[k],
            "topic_category": np.asarray([TOPICS[t] for t in topics], dtype=object)[k],
            "score": score[a, w, k],
            "source": SOURCE,
        }
    )
