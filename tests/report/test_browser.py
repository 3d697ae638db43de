"""Open every page of a rendered run in headless Chromium, as a reader would.

Uses Debian's ``chromium`` (``/usr/bin/chromium``) driven by Playwright's Python package;
never downloads a browser. Install on a fresh Debian/Ubuntu machine with::

    apt-get update && apt-get install -y chromium
    .venv/bin/pip install -e '.[test]'          # includes playwright (the Python package only)

Which run is tested: ``$ABM_BROWSER_RUN`` (a run folder) if set, else ``reports/demo`` when it
has been rendered (index.html + manifest.json), else a small example run built here with
``abm_lab.report`` (the ``example_run`` fixture of ``tests/report/conftest.py``, independent of the
notebooks). The screenshot of the run's index page is saved in the test's temporary folder (never in the run folder).

Without /usr/bin/chromium the test is skipped, except under CI (env ``CI`` set), where it fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from abm_lab import report

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("ABM_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
INSTALL = "apt-get update && apt-get install -y chromium"


def _need(what: str) -> None:
    msg = f"{what}; install with: {INSTALL} && .venv/bin/pip install -e '.[test]'"
    if os.environ.get("CI"):
        pytest.fail(f"browser test cannot run in CI: {msg}")
    pytest.skip(f"browser test skipped: {msg}")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _need(f"{CHROMIUM} not found (Debian package 'chromium')")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("the Python package 'playwright' is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, example_run) -> Path:
    env = os.environ.get("ABM_BROWSER_RUN")
    if env:
        d = Path(env)
        d = d if d.is_absolute() else ROOT / d
        assert (d / "index.html").exists(), f"ABM_BROWSER_RUN={env}: no index.html in {d}"
        return d
    demo = ROOT / "reports" / "demo"
    if (demo / "index.html").exists() and (demo / report.MANIFEST_FILE).exists():
        return demo
    root = tmp_path_factory.mktemp("reports")
    example_run(
        root / "2026Q2",
        run="2026Q2",
        window=("2026-04-01", "2026-06-30"),
        summaries={
            "grading": {"target_accounts": 310},
            "roi": {
                "engaged_accounts": 260,
                "mqas": 125,
                "pipeline": 3_950_000,
                "win_rate": 0.29,
                "roi": 1.1,
                "roi_low": 0.1,
                "roi_high": 2.1,
            },
        },
    )
    example_run(root / "2026Q3", run="2026Q3", previous_run_dir=root / "2026Q2")
    report.build_reports_index(root)
    return root / "2026Q3"


def _pages(run_dir: Path) -> list[Path]:
    pages = sorted(p for p in run_dir.glob("*.html") if p.name != "index.html")
    runs_index = run_dir.parent / "index.html"
    return [run_dir / "index.html", *pages, *([runs_index] if runs_index.exists() else [])]


def _open(browser, path: Path, width: int = 1360):
    """Open a page; return (page, console errors, external or failed requests)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    bad_requests: list[str] = []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: bad_requests.append(f"failed: {r.url}"))

    def _route(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:  # a self-contained report fetches nothing from the network
            bad_requests.append(f"external: {url}")
            route.abort()

    page.route("**/*", _route)
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, errors, bad_requests


def test_every_page_opens_cleanly(browser, run_dir):
    pages = _pages(run_dir)
    assert len(pages) >= 2, f"no report pages next to {run_dir / 'index.html'}"
    for path in pages:
        page, errors, bad = _open(browser, path)
        try:
            assert not errors, f"{path.name}: {errors}"
            assert not bad, f"{path.name}: {bad}"
            imgs = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete && e.naturalWidth > 0, e.src.slice(0, 40)])"
            )
            broken = [src for ok, src in imgs if not ok]
            assert not broken, f"{path.name}: images not loaded: {broken}"
            assert page.locator("header.topbar").is_visible(), path.name
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
            dead = [
                h
                for h in hrefs
                if not h.startswith(("#", "mailto:"))
                and "://" not in h
                and not (path.parent / h.split("#")[0]).exists()
            ]
            assert not dead, f"{path.name}: links to missing files: {dead}"
            if path.parent == run_dir and path.name != "index.html":  # a report page
                assert page.locator(".page-title").first.is_visible(), path.name
                assert page.locator("article.report").is_visible(), path.name
                assert page.locator("a[href='index.html']").first.is_visible(), f"{path.name}: no way back to the index"
                assert page.get_by_text("Method notes", exact=False).first.is_visible(), f"{path.name}: no method notes"
                assert page.locator("#run-manifest").is_visible(), f"{path.name}: no run manifest"
                summary = page.locator(".celltag_exec-summary")
                assert summary.count() > 0 and summary.first.is_visible(), f"{path.name}: no executive summary"
        finally:
            page.close()


def test_index_summary_tiles_and_screenshot(browser, run_dir, tmp_path):
    page, errors, bad = _open(browser, run_dir / "index.html")
    try:
        assert not errors and not bad, (errors, bad)
        summary = page.locator("#executive-summary")
        tiles = page.locator("#kpis .tile")
        with_values = sum(
            1 for i in range(tiles.count()) if tiles.nth(i).locator(".tile-value").inner_text().strip() != "–"
        )
        assert summary.is_visible() and len(summary.inner_text().split()) > (25 if with_values >= 3 else 8)
        assert tiles.count() == len(report.HEADLINE)
        for i in range(tiles.count()):
            t = tiles.nth(i)
            assert t.is_visible()
            box = t.bounding_box()
            assert box and box["width"] > 150 and box["height"] > 100, f"tile {i} too small: {box}"
            assert t.locator(".tile-value").inner_text().strip()
        assert page.locator("#kpis .tile[data-kpi='roi'] .tile-ci").count() in (0, 1)
        links = page.locator("#reports a.page-card")
        assert links.count() >= 1 and links.first.is_visible()
        # tiles sit side by side on a laptop screen (a dashboard, not a list)
        ys = {round(tiles.nth(i).bounding_box()["y"]) for i in range(3)}
        assert len(ys) == 1, "first three KPI tiles are not on one row"
        shot = tmp_path / "index.png"  # never into the run folder: a run's --force only replaces what a run wrote
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
    finally:
        page.close()


def test_index_is_readable_on_a_narrow_screen(browser, run_dir):
    page, errors, _ = _open(browser, run_dir / "index.html", width=760)
    try:
        assert not errors
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"page scrolls sideways by {overflow}px on a 760px screen"
        assert page.locator("#executive-summary").is_visible()
    finally:
        page.close()
