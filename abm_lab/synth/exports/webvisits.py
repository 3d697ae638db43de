"""The synthetic world's anonymous web visits as a reverse-IP tool export (Leadfeeder / Clearbit Reveal style).

A reverse-IP tool knows the company behind a visit, when, and which pages were seen; it knows no person. The
world's anonymous touches (``visitor_domain`` set, no ``contact_id``) are written as such a tool lists them:
one row per company, day and page, with the time of the first view and the number of page views.

What is lost compared with the world's ``touchpoints``:

* the time of every page view but the first of its company, day and page (the reader puts them all at that
  time: counts per company and day are kept exactly, times within a day are not);
* ``touchpoint_id``, ``campaign_id``, ``program_id`` (the tool does not know which visit an ABM campaign drove)
  and ``funnel_stage`` (the reader derives it from the page);
* the kind of activity beyond what the page says: ``pricing_page`` touches go to the pricing page, the other
  anonymous touches to one of the site's ordinary pages (home, blog, product, customers), read back as
  ``web_visit``;
* visits by people the CRM knows (``contact_id`` set) are not in this file: they come from the marketing
  automation export.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

FILE_NAME = "web_visits.csv"
#: the vendor's own site (the world's company selling to the accounts)
SITE = "https://www.abmlab-demo.com"
PAGES = {"pricing_page": "/pricing", "demo_request": "/request-a-demo", "contact_sales": "/contact-sales"}
ORDINARY_PAGES = ("/", "/blog/account-based-marketing-guide", "/product", "/customers", "/blog/intent-data")
HEADER = ("Company Domain", "Visit Date", "Page URL", "Page Views")


def export_web_visits(touchpoints: pd.DataFrame, out: Path, *, seed: int = 0) -> dict:
    """Write the anonymous visits of ``touchpoints`` as a reverse-IP visits CSV in folder ``out``.

    Returns the ``data.files`` touchpoints entry that reads it: ``{path, format: web_visits}`` (channel ``web``
    and the activity come from the reader's rules, no constant columns needed)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tp = touchpoints
    anon = (tp["visitor_domain"].notna() & tp["contact_id"].isna()).to_numpy(dtype=bool)
    v = pd.DataFrame(
        {
            "domain": tp["visitor_domain"].astype("string")[anon].to_numpy(),
            "ts": pd.to_datetime(tp["timestamp"][anon]).to_numpy(),
            "activity": tp["activity_type"].astype("string")[anon].to_numpy(),
        }
    )
    rng = np.random.default_rng(seed)
    ordinary = np.asarray(ORDINARY_PAGES, dtype=object)[rng.integers(0, len(ORDINARY_PAGES), len(v))]
    page = v["activity"].map(PAGES).to_numpy(dtype=object)
    v["page"] = SITE + pd.Series(np.where(pd.isna(page), ordinary, page), dtype="string")
    v["day"] = v["ts"].dt.normalize()
    g = v.groupby(["domain", "day", "page"], sort=False, observed=True).agg(first=("ts", "min"), views=("ts", "size"))
    g = g.reset_index().sort_values(["first", "domain", "page"], kind="stable")
    frame = pd.DataFrame(
        {
            HEADER[0]: g["domain"].to_numpy(),
            HEADER[1]: g["first"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
            HEADER[2]: g["page"].to_numpy(),
            HEADER[3]: g["views"].astype("int64").to_numpy(),
        }
    )
    frame.to_csv(out / FILE_NAME, index=False, lineterminator="\n")
    return {"path": FILE_NAME, "format": "web_visits"}
