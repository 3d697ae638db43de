"""No personal data in any rendered page of a run.

Rule (``abm_lab.report.PiiScanner``, in ``abm_lab/report/pii.py``), applied to each page's text with CSS,
markup and embedded images removed (``alt`` / ``title`` attributes kept):

* any e-mail address pattern ``local@domain.tld`` fails the page;
* any contact's full name, ``First Last`` or ``Last, First`` (adjacent words, case as stored, also
  transliterated to ASCII) fails the page;
* a last name alone fails the page only when it is distinctive: ≥ 5 letters, not an ordinary English
  or business word (``report.COMMON_WORDS``, e.g. Young, Green, Walker) and not a word of any company
  name, domain, job title, industry or country in the run's data (so account names, which reports
  may show, never count). First names alone are not checked (Mark, Grace, Will are words too).

The contacts are the run's own canonical tables (``<run>/artefacts/canonical/``), else the data folder
named in the run's params, else (for the example run) a small synthetic world.
Which run: ``$ABM_PII_RUN`` if set, else ``reports/demo`` when rendered, else an example run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from abm_lab import report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, example_run) -> Path:
    env = os.environ.get("ABM_PII_RUN")
    if env:
        d = Path(env) if Path(env).is_absolute() else ROOT / env
        assert (d / "index.html").exists(), f"ABM_PII_RUN={env}: no index.html in {d}"
        return d
    demo = ROOT / "reports" / "demo"
    if (demo / "index.html").exists() and (demo / report.MANIFEST_FILE).exists():
        return demo
    d = tmp_path_factory.mktemp("reports") / "example"
    example_run(d)
    return d


def _tables(run_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    canon = run_dir / "artefacts" / "canonical"
    if (canon / "contacts.parquet").exists():
        acc = canon / "accounts.parquet"
        return pd.read_parquet(canon / "contacts.parquet"), pd.read_parquet(acc) if acc.exists() else None
    m = json.loads((run_dir / report.MANIFEST_FILE).read_text()) if (run_dir / report.MANIFEST_FILE).exists() else {}
    path = (m.get("params") or {}).get("data", {}).get("path")
    folder = (ROOT / path) if path and not Path(path).is_absolute() else Path(path) if path else None
    if folder is not None and (folder / "contacts.parquet").exists():
        acc = folder / "accounts.parquet"
        return pd.read_parquet(folder / "contacts.parquet"), pd.read_parquet(acc) if acc.exists() else None
    from abm_lab.config import DemoParams
    from abm_lab.synth import generate_world

    w = generate_world(DemoParams(n_accounts=100, n_contacts=1000, n_touchpoints=2000), "2026-09-30")
    return w.tables["contacts"], w.tables["accounts"]


@pytest.fixture(scope="module")
def scanner_and_tables(run_dir):
    contacts, accounts = _tables(run_dir)
    assert {"first_name", "last_name"} <= set(contacts.columns) and len(contacts) > 0
    return report.PiiScanner.from_tables(contacts, accounts), contacts, accounts


def test_no_personal_data_in_any_page(run_dir, scanner_and_tables):
    scanner, _, _ = scanner_and_tables
    pages = sorted(run_dir.glob("*.html"))
    if (run_dir.parent / "index.html").exists():
        pages.append(run_dir.parent / "index.html")
    assert len(pages) >= 2
    findings = scanner.scan_files(pages)
    assert not findings, "personal data in rendered pages:\n" + "\n".join(
        f"  {Path(k).name}: {', '.join(v[:5])}" for k, v in findings.items()
    )


def test_scanner_catches_planted_personal_data(run_dir, scanner_and_tables):
    scanner, contacts, _ = scanner_and_tables
    page = (run_dir / "index.html").read_text(encoding="utf-8")
    row = contacts.dropna(subset=["first_name", "last_name"]).iloc[0]
    first, last = str(row["first_name"]), str(row["last_name"])
    plants = {
        f"<td>{first}</td><td>{last}</td>": "full name",
        f"<p>Owner: {last}, {first}</p>": "full name",
        "<li>contact: jane.doe+abm@corp.example.co.uk</li>": "e-mail",
    }
    distinctive = sorted(scanner.last_names)
    if distinctive:
        plants[f"<p>Call {distinctive[0]} about renewal</p>"] = "last name"
    for snippet, kind in plants.items():
        found = scanner.scan_text(page.replace("</main>", snippet + "</main>"))
        assert any(f.startswith(kind) for f in found), (snippet, found)


def test_company_names_titles_and_ordinary_words_are_not_flagged(scanner_and_tables):
    scanner, contacts, accounts = scanner_and_tables
    names = accounts["name"].dropna().astype(str).tolist()[:300] if accounts is not None else []
    companies = contacts["company_name"].dropna().astype(str).tolist()[:300] if "company_name" in contacts else []
    titles = contacts["job_title"].dropna().astype(str).tolist()[:300] if "job_title" in contacts else []
    words = "Young accounts grew; Green light for Walker Capital; Marketing Director; Stone Ridge Inc; @media print"
    html = "<table>" + "".join(f"<tr><td>{x}</td></tr>" for x in names + companies + titles) + f"</table><p>{words}</p>"
    assert scanner.scan_text(html) == []
