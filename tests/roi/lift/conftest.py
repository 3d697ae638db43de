"""A hand-built B2B world for the lift tests: both potential outcomes from common random numbers, any starts.

Each account creates opportunities per 91-day period (the lift grid ending on AS_OF) at a Poisson rate that
grows with its size and a common trend; while the account is treated (its own start / end), the rate is
multiplied by 1 + effect (effects may differ by account). The untreated arm keeps each of the treated arm's
deals with probability 1 / (1 + effect) (thinning: the same random numbers), so the true effect is exact.
Deals win with probability 0.5, close after a Gamma cycle, and are open at AS_OF when that is later.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

AS_OF = pd.Timestamp("2026-12-31")
DAYS = 91
N_PERIODS = 8


def period_start(p: int) -> pd.Timestamp:
    """First day of grid period p (0 = the period ending on AS_OF)."""
    return AS_OF - pd.Timedelta(days=(-p + 1) * DAYS - 1)


def toy_world(
    n: int = 600,
    seed: int = 0,
    starts: dict[str, pd.Timestamp] | None = None,
    effect: float | np.ndarray = 1.0,
    target_share: float = 0.3,
    trend: float = 0.08,
    n_customers: int = 20,
) -> dict[str, object]:
    """Tables (accounts, opportunities, programs, costs), the untreated arm's opportunities and the targets."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"A{i:04d}" for i in range(n)], dtype=object)
    emp = np.exp(rng.normal(6.0, 1.0, n)).round()
    size = np.exp(0.5 * (np.log(emp) - 6.0))
    n_t = int(target_share * n)
    # targets: the larger accounts, with noise (selection on a level, parallel trends hold)
    order = np.argsort(-(np.log(emp) + rng.normal(0, 1.0, n)))
    targets = ids[order[:n_t]]
    customers = ids[order[n_t : n_t + n_customers]]
    if starts is None:
        starts = {a: period_start(-3) for a in targets}
    eff = np.broadcast_to(np.asarray(effect, float), (n,)).copy()
    start_of = pd.Series(starts).reindex(ids)
    rows = []
    for p in range(-(N_PERIODS - 1), 1):
        ps = period_start(p)
        rate = 0.25 * size * np.exp(trend * (p + N_PERIODS))
        rate = np.where(np.isin(ids, customers), 0.0, rate)
        treated = start_of.notna().to_numpy() & (start_of.fillna(AS_OF + pd.Timedelta(days=1)) <= ps).to_numpy()
        mult = np.where(treated, 1 + eff, 1.0)
        k = rng.poisson(rate * mult)
        for i in np.flatnonzero(k):
            for _ in range(k[i]):
                created = ps + pd.Timedelta(days=int(rng.integers(0, DAYS)))
                cycle = int(rng.gamma(3.0, 25.0)) + 7
                rows.append(
                    {
                        "account_id": ids[i],
                        "created_date": created,
                        "eventual_close": created + pd.Timedelta(days=cycle),
                        "won": bool(rng.random() < 0.5),
                        "amount": float(np.round(20000 * size[i] * np.exp(rng.normal(0, 0.4)), -1)),
                        "keep": bool(rng.random() < 1 / mult[i]),
                    }
                )
    d = pd.DataFrame(rows)
    d["opportunity_id"] = [f"O{i:06d}" for i in range(len(d))]

    def observable(x: pd.DataFrame) -> pd.DataFrame:
        closed = x["eventual_close"] <= AS_OF
        stage = np.where(~closed, "discovery", np.where(x["won"], "closed_won", "closed_lost"))
        out = pd.DataFrame(
            {
                "opportunity_id": x["opportunity_id"],
                "account_id": x["account_id"],
                "created_date": x["created_date"],
                "stage": stage,
                "close_date": x["eventual_close"].where(closed),
                "amount": x["amount"],
            }
        )
        out["is_won"] = out["stage"].eq("closed_won")
        out["is_closed"] = out["stage"].isin(["closed_won", "closed_lost"])
        return out.reset_index(drop=True)

    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "employees": emp,
            "annual_revenue": emp * 150_000 * np.exp(rng.normal(0, 0.3, n)),
            "industry": rng.choice(["Software", "Retail", "Energy"], n),
            "region": rng.choice(["NA", "EMEA"], n),
            "is_customer": np.isin(ids, customers),
        }
    )
    programs = pd.DataFrame(
        {
            "program_id": "ABM",
            "account_id": list(starts),
            "tier": "programmatic",
            "start_date": pd.to_datetime(list(starts.values())),
            "end_date": pd.NaT,
        }
    )
    quarters = pd.date_range(period_start(-3), AS_OF, freq="91D")
    costs = pd.DataFrame(
        {
            "program_id": ["ABM"] * len(quarters) + ["OTHER"],
            "channel": "display",
            "period_start": [*quarters, quarters[0]],
            "period_end": [*(q + pd.Timedelta(days=DAYS - 1) for q in quarters), AS_OF],
            "amount": [100_000.0] * len(quarters) + [1e9],
        }
    )
    return {
        "tables": {"accounts": accounts, "opportunities": observable(d), "programs": programs, "costs": costs},
        "untreated": observable(d.loc[d["keep"]]),
        "targets": targets,
    }


@pytest.fixture(scope="session")
def make_toy_world():
    """:func:`toy_world`."""
    return toy_world


@pytest.fixture(scope="session")
def toy():
    """One toy world: 600 accounts, a third of the targets start two periods later than the rest."""
    base = toy_world(seed=3)
    t = base["targets"]
    starts = {a: period_start(-3) if i % 3 else period_start(-1) for i, a in enumerate(t)}
    return toy_world(seed=3, starts=starts)
