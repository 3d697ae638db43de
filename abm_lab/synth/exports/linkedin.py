"""The synthetic world's paid-social spend as a LinkedIn Campaign Manager campaign performance report.

What LinkedIn really gives a marketer, and what it loses compared with the world's ``costs`` table:

* spend per **campaign and day** (report type "Campaign performance", time breakdown "Daily"), not per
  programme and quarter: each quarter's amount is spread over its days (random daily weights) and over the
  programme's campaigns, **to the cent**, so that the days of a quarter sum exactly to its amount; days with no
  spend have no row, as in a real export;
* no programme id and no canonical channel: the programme is a *campaign group* (``campaign_group``), the
  reader is told the programme id (``data.program.id``) and the channel (``ad_spend[].channel``);
* the account's other campaign groups (brand awareness, employer branding) are in the same report: rows the
  reader's group filter must remove;
* only LinkedIn's own spend: display, events, e-mail, direct mail and sales costs of the programme are not in
  it (they come from other sources);
* the metrics columns (impressions, clicks, CTR, CPM, CPC, leads) are LinkedIn's, made up here from the spend
  with a random CPM and CTR; ABM Lab does not use them.

The file is written as LinkedIn writes it: UTF-16 LE with a byte-order mark, tab-separated, CRLF line ends, a
preamble of report lines and a blank line before the header, dates ``M/D/YYYY``, amounts ``1,234.56``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from ...config.core import AdSpendFile, RunParams

FILE_NAME = "campaign_performance_report.csv"
ACCOUNT_NAME = "ABM Lab Demo"
HEADER = (
    "Start Date (in UTC)",
    "Account Name",
    "Campaign Group Name",
    "Campaign Group ID",
    "Campaign Name",
    "Campaign ID",
    "Campaign Type",
    "Campaign Status",
    "Currency",
    "Total Spent",
    "Impressions",
    "Clicks",
    "Click Through Rate",
    "Average CPM",
    "Average CPC",
    "Leads",
)
#: the programme's campaigns inside its campaign group (name, LinkedIn campaign type)
PROGRAM_CAMPAIGNS = (
    ("ABM - Sponsored Content", "Sponsored Content"),
    ("ABM - Conversation Ads", "Sponsored Messaging"),
)
#: the account's other campaign groups: (group, campaign, type, spend per day relative to the programme's mean)
OTHER_GROUPS = (
    ("Brand Awareness", "Brand - Video", "Sponsored Content", 0.8),
    ("Recruiting - Employer Brand", "Employer Brand - Jobs", "Sponsored Content", 0.2),
)
#: shape of the gamma daily weights spreading a period's spend over its days (larger = steadier days)
DAILY_WEIGHT_SHAPE = 4.0
#: median CPM (USD per 1,000 impressions) and CTR behind the made-up metrics columns
MEDIAN_CPM, MEDIAN_CTR = 35.0, 0.005
#: share of clicks that become LinkedIn lead-form leads (metrics column only)
LEAD_RATE = 0.02


def split_cents(total_cents: int, weights: np.ndarray) -> np.ndarray:
    """Whole cents proportional to ``weights`` summing exactly to ``total_cents`` (largest remainders)."""
    w = np.asarray(weights, dtype=float)
    if total_cents == 0 or len(w) == 0:
        return np.zeros(len(w), dtype=np.int64)
    share = total_cents * w / w.sum()
    out = np.floor(share).astype(np.int64)
    rest = int(total_cents - out.sum())
    if rest:
        out[np.argsort(-(share - out), kind="stable")[:rest]] += 1
    return out


def _day(d: pd.Timestamp) -> str:
    return f"{d.month}/{d.day}/{d.year}"


def _row(day, group, gid, name, cid, kind, currency, cents, rng) -> list[str]:
    cost = cents / 100
    impressions = int(round(cost / (MEDIAN_CPM * rng.lognormal(0, 0.3)) * 1000))
    clicks = int(rng.binomial(impressions, min(1.0, MEDIAN_CTR * rng.lognormal(0, 0.3)))) if impressions else 0
    ctr = f"{clicks / impressions:.4f}" if impressions else "0"
    cpm = f"{cost / impressions * 1000:.2f}" if impressions else "0"
    cpc = f"{cost / clicks:.2f}" if clicks else "0"
    leads = int(rng.binomial(clicks, LEAD_RATE)) if clicks else 0
    cells = [_day(day), ACCOUNT_NAME, group, gid, name, cid, kind, "ACTIVE", currency, f"{cost:,.2f}"]
    return cells + [f"{impressions:,}", f"{clicks:,}", ctr, cpm, cpc, str(leads)]


def export_linkedin(
    costs: pd.DataFrame,
    out: Path,
    *,
    campaign_group: str,
    channel: str = "paid_social",
    start: dt.date | str | pd.Timestamp,
    end: dt.date | str | pd.Timestamp,
    seed: int = 0,
    currency: str | None = None,
) -> dict:
    """Write the ``channel`` rows of ``costs`` as a LinkedIn daily campaign performance report in folder ``out``.

    Every period's amount is spread over its days and the programme's campaigns to the cent (summing exactly);
    days outside ``start``..``end`` (the report's range) are not in the report. Rows of other campaign groups
    are added as noise. Returns the ``data.ad_spend`` entry that reads the file back:
    ``{path, platform, campaign_group}`` (and ``channel`` when it is not the default)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    currency = currency or RunParams().currency
    start_t, end_t = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    rng = np.random.default_rng(seed)
    spend = costs[(costs["channel"].astype("string") == channel).fillna(False).astype(bool)]
    if spend.empty:
        raise ValueError(f"export_linkedin: no costs rows of channel '{channel}' to export")
    rows: list[tuple[pd.Timestamp, int, list[str]]] = []  # (day, order, cells)
    gid = str(600_000_000 + int(rng.integers(0, 10**7)))
    cids = [str(290_000_000 + int(rng.integers(0, 10**7))) for _ in PROGRAM_CAMPAIGNS]
    daily: list[float] = []
    for r in spend.itertuples(index=False):
        days = pd.date_range(pd.Timestamp(r.period_start), pd.Timestamp(r.period_end), freq="D")
        per_day = split_cents(int(round(float(r.amount) * 100)), rng.gamma(DAILY_WEIGHT_SHAPE, size=len(days)))
        daily += list(per_day / 100)
        for d, cents in zip(days, per_day, strict=True):
            if not start_t <= d <= end_t:
                continue
            parts = split_cents(int(cents), rng.dirichlet(np.ones(len(PROGRAM_CAMPAIGNS))))
            for k, ((name, kind), c) in enumerate(zip(PROGRAM_CAMPAIGNS, parts, strict=True)):
                if c > 0:
                    rows.append((d, k, _row(d, campaign_group, gid, name, cids[k], kind, currency, int(c), rng)))
    mean_day = float(np.mean(daily))
    for j, (group, name, kind, rel) in enumerate(OTHER_GROUPS):
        ogid, ocid = str(600_000_000 + 1 + j), str(280_000_000 + 1 + j)
        for d in pd.date_range(start_t, end_t, freq="D"):
            cents = int(round(mean_day * rel * rng.gamma(DAILY_WEIGHT_SHAPE) / DAILY_WEIGHT_SHAPE * 100))
            if cents > 0:
                order = len(PROGRAM_CAMPAIGNS) + j
                rows.append((d, order, _row(d, group, ogid, name, ocid, kind, currency, cents, rng)))
    rows.sort(key=lambda t: (t[0], t[1]))
    generated = end_t + pd.Timedelta(days=1)
    preamble = [
        "Campaign Performance Report (in UTC)",
        f"Report Start: {_day(start_t)}, 12:00 AM",
        f"Report End: {_day(end_t)}, 11:59 PM",
        f"Date Generated: {_day(generated)}, 9:14 AM",
        f"Account Name: {ACCOUNT_NAME}",
        f"Account ID: {500_000_000 + int(rng.integers(0, 10**7))}",
        "",
    ]
    lines = preamble + ["\t".join(HEADER)] + ["\t".join(cells) for _, _, cells in rows]
    (out / FILE_NAME).write_bytes(b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le"))
    entry: dict = {"path": FILE_NAME, "platform": "linkedin", "campaign_group": campaign_group}
    if channel != AdSpendFile.model_fields["channel"].default:
        entry["channel"] = channel
    return entry
