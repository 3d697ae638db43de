"""Open every page of a rendered run in headless Chromium, as a reader would.

Uses Debian's ``chromium`` (``/usr/bin/chromium``) driven by Playwright's Python package;
never downloads a browser. Install on a fresh Debian/Ubuntu machine with::

    apt-get update && apt-get install -y chromium
    .venv/bin/pip install -e '.[test]'          # includes playwright (the Python package only)

Which run is tested: ``$ABM_BROWSER_RUN`` (a run folder) if set, else ``reports/demo`` when it
has been rendered (index.html + manifest.json), else a small example run built here with
``abm_lab.report`` (the ``example_run`` fixture of ``tests/report/conftest.py``, independent of the
notebooks). Screenshots (the index page, and every page at a phone and two desktop widths) go to
``$ABM_BROWSER_SHOTS`` when set, else to ``screenshots/`` in the run folder tested (``reports/demo/screenshots``
after ``make test``'s run): the test writes only the files it names there (``<run>_<page>_<width>.png``,
``<run>_index_full.png``), overwriting its own earlier shots, and never deletes anything.

The layout test loads each page once, lays it out at 390, 1280 and 1440 px and measures it in the page (one
script, :data:`LAYOUT_PROBE`): sideways page scroll, header lines and overlapping text, figure widths, clipped
table headers, whether a table's first column stays in view when the table scrolls, tile and card columns.

Without /usr/bin/chromium the test is skipped, except under CI (env ``CI`` set), where it fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from abm_lab import report
from abm_lab.report.css import FIGURE_MIN_PX

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
#: Viewports the layout test uses: a phone (iPhone 12-15 class) and two desktop screens.
PHONE, DESKTOPS = 390, (1280, 1440)
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


def test_index_summary_tiles_and_screenshot(browser, run_dir):
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
        shot = _shots_dir(run_dir) / f"{run_dir.name}_index_full.png"
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


#: One pass over the laid-out page: everything the layout test asserts, measured in the browser.
LAYOUT_PROBE = """
() => {
  const vw = window.innerWidth;
  const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const inScrollBox = (e) => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) if (scrolls(p)) return true;
    return false;
  };
  const label = (e) => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '')
    + ' "' + (e.textContent || '').trim().slice(0, 24) + '"';
  const shown = (sel) => [...document.querySelectorAll(sel)].filter(e => e.offsetParent);
  // elements reaching past the right edge of the screen with no scroll box of their own around them
  const escaped = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 1 && !inScrollBox(e)) escaped.push(label(e) + ' right=' + Math.round(r.right));
  }
  // header: the text lines it takes (line boxes of its text, grouped by their vertical centre)
  const HEAD = ['.logo', '.brand-text', '.run-badge', '.topnav a'].map(s => 'header.topbar ' + s).join(', ');
  const walker = document.createTreeWalker(document.querySelector('header.topbar'), NodeFilter.SHOW_TEXT);
  const centres = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) if (r.width > 0) centres.push((r.top + r.bottom) / 2);
  }
  centres.sort((a, b) => a - b);
  const lines = centres.filter((c, i) => i === 0 || c - centres[i - 1] > 6);
  const cut = (sel) => shown(sel).filter(e => e.scrollWidth > e.clientWidth + 1).map(label);
  const overlaps = (sel) => {
    const es = shown(sel), out = [];
    for (let i = 0; i < es.length; i++) for (let j = i + 1; j < es.length; j++) {
      if (es[i].contains(es[j]) || es[j].contains(es[i])) continue;
      const a = es[i].getBoundingClientRect(), b = es[j].getBoundingClientRect();
      const ox = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const oy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (ox > 1 && oy > 1) out.push(label(es[i]) + ' / ' + label(es[j]));
    }
    return out;
  };
  const columns = (sel) => {
    const g = document.querySelector(sel);
    return g ? [new Set([...g.children].map(c => Math.round(c.getBoundingClientRect().x))).size, g.children.length]
      : null;
  };
  // tables wider than their box: the box scrolls, and the first column stays in view while it does
  const sticky_moved = [];
  let scrolled_tables = 0;
  for (const t of shown('.report table.sticky-first, table.compare')) {
    let b = t.parentElement;
    while (b && b !== document.body && !scrolls(b)) b = b.parentElement;
    const cell = t.querySelector('tbody tr > :first-child');
    if (!b || b === document.body || !cell || b.scrollWidth <= b.clientWidth + 1) continue;
    scrolled_tables++;
    const x0 = cell.getBoundingClientRect().left, keep = b.scrollLeft;
    b.scrollLeft = keep + 60;
    const moved = Math.abs(cell.getBoundingClientRect().left - x0);
    b.scrollLeft = keep;
    if (moved > 1) sticky_moved.push(label(cell) + ' moved ' + Math.round(moved) + 'px');
  }
  return {
    scrolled_tables, sticky_moved: sticky_moved.slice(0, 3),
    scroll: document.scrollingElement.scrollWidth - vw, escaped: escaped.slice(0, 5), header_lines: lines.length,
    brand_cut: cut('header.topbar .brand-text').length, nav_cut: cut('header.topbar .topnav a'),
    overlap: [HEAD, '.page-head > *', '.hero > *', '#kpis .tile', '.page-card'].flatMap(s => overlaps(s)),
    figures: shown('.report img').map(i => [Math.round(i.getBoundingClientRect().width), i.naturalWidth]),
    clipped_th: cut('th').slice(0, 5),
    tile_columns: columns('#kpis .tiles'), card_columns: columns('.page-grid'),
  };
}
"""


#: Folder of the run tested that the screenshots go to (unless ``$ABM_BROWSER_SHOTS`` names another).
SHOTS_DIR = "screenshots"


def _shots_dir(run_dir: Path) -> Path:
    """``$ABM_BROWSER_SHOTS`` (relative to the project root) when set, else ``<run_dir>/screenshots``; created if
    missing, nothing in it removed."""
    env = os.environ.get("ABM_BROWSER_SHOTS")
    d = (Path(env) if Path(env).is_absolute() else ROOT / env) if env else run_dir / SHOTS_DIR
    d.mkdir(parents=True, exist_ok=True)
    return d


def test_screenshots_go_to_the_run_folder_and_keep_what_is_there(tmp_path, monkeypatch):
    """No browser needed: the default folder is the run's ``screenshots/``, an existing one (and the run's other
    files) are kept as they are, and ``$ABM_BROWSER_SHOTS`` overrides it."""
    run = tmp_path / "2026Q4"
    (run / SHOTS_DIR).mkdir(parents=True)
    (run / "index.html").write_text("<html></html>")
    (run / SHOTS_DIR / "notes.txt").write_text("mine")
    monkeypatch.delenv("ABM_BROWSER_SHOTS", raising=False)
    assert _shots_dir(run) == run / SHOTS_DIR
    assert (run / SHOTS_DIR / "notes.txt").read_text() == "mine" and (run / "index.html").exists()
    fresh = tmp_path / "2027Q1"
    fresh.mkdir()
    assert _shots_dir(fresh).is_dir() and sorted(p.name for p in fresh.iterdir()) == [SHOTS_DIR]
    monkeypatch.setenv("ABM_BROWSER_SHOTS", str(tmp_path / "elsewhere"))
    assert _shots_dir(run) == tmp_path / "elsewhere" and (tmp_path / "elsewhere").is_dir()


def _layout_problems(m: dict, name: str, width: int) -> list[str]:
    """What is wrong with one page at one width, from the measurements of :data:`LAYOUT_PROBE`."""
    problems = []
    if m["scroll"] > 1 or m["escaped"]:
        problems.append(f"page scrolls sideways by {m['scroll']}px; past the edge: {m['escaped']}")
    if m["header_lines"] > (2 if width == PHONE else 1):
        problems.append(f"header takes {m['header_lines']} lines")
    if m["overlap"]:
        problems.append(f"overlapping text boxes {m['overlap'][:3]}")
    if m["nav_cut"] or (width != PHONE and m["brand_cut"]):
        problems.append(f"header text cut off: {m['nav_cut'] or 'brand'}")
    small = [(w, n) for w, n in m["figures"] if w + 1 < min(n, FIGURE_MIN_PX)]
    if small:
        problems.append(f"figures (shown, natural px) narrower than min(natural, {FIGURE_MIN_PX}px): {small}")
    if m["sticky_moved"]:
        problems.append(f"first column scrolls away with its table: {m['sticky_moved']}")
    if m["clipped_th"]:
        problems.append(f"table header cells cut off: {m['clipped_th']}")
    want = 1 if width == PHONE else 3  # one column on a phone, a dashboard row on a desktop
    grids = [g for g in (m["tile_columns"], m["card_columns"]) if g is not None]  # [columns, items]
    if any(cols != min(want, items) for cols, items in grids):
        problems.append(
            f"{m['tile_columns']} tile / {m['card_columns']} card [columns, items], {want} column(s) wanted"
        )
    return [f"{width}px {name}: {p}" for p in problems]


def test_pages_fit_phone_and_desktop_screens(browser, run_dir):
    """At 390, 1280 and 1440 px: no sideways page scroll, header on at most two lines (one on a desktop) with no
    overlapping or cut text, figures at a readable width, table headers whole, tiles and cards in one column on a
    phone and three on a desktop. Each page is loaded once and laid out again at each width."""
    shots = _shots_dir(run_dir)
    problems: list[str] = []
    measured: list[str] = []
    for path in _pages(run_dir):
        page, errors, _ = _open(browser, path, width=PHONE)
        name = f"{path.parent.name}/{path.name}"
        try:
            assert not errors, f"{name}: {errors}"
            for width in (PHONE, *DESKTOPS):
                page.set_viewport_size({"width": width, "height": 900})
                m = page.evaluate(LAYOUT_PROBE)
                figs = [w for w, _ in m["figures"]]
                measured.append(
                    f"{width}px {name}: scroll {m['scroll']}px, header {m['header_lines']} line(s), "
                    f"narrowest figure {min(figs) if figs else '-'}px, "
                    f"{m['scrolled_tables']} table(s) scrolling in a box, tile/card columns "
                    f"{(m['tile_columns'] or ['-'])[0]}/{(m['card_columns'] or ['-'])[0]}"
                )
                problems += _layout_problems(m, name, width)
                page.screenshot(path=str(shots / f"{path.parent.name}_{path.stem}_{width}.png"))
        finally:
            page.close()
    print("\n" + "\n".join(sorted(measured, key=lambda x: int(x.split("px")[0]))))
    assert not problems, "\n".join(problems)
