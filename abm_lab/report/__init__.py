"""Leadership HTML: one page per executed notebook, a run index with KPI tiles, and a list of runs.

Every page is a single self-contained file (images embedded as data URIs, CSS inline,
no scripts, nothing fetched from the internet), so it can be e-mailed or put on a share.

* :func:`render_notebook_html` (:mod:`.html`) turns an executed notebook into a report page: no code,
  no prompts, no stderr / warnings / tracebacks, interactive widgets replaced by a note;
  header with run name and navigation; ends with method notes and the run manifest.
* :func:`build_run_index` (:mod:`.run_index`) writes ``<run_dir>/index.html``: headline KPI tiles
  (:mod:`.kpis`) against the targets in params (``report.targets``, falling back to ``roi.targets``),
  an executive summary generated from the numbers (:mod:`.narrative`), links to the pages, and the
  change since the previous run when one is given.
* :func:`build_reports_index` (:mod:`.runs_index`) writes ``<reports_dir>/index.html`` listing every run;
  :func:`find_previous_run` finds the run a new one is compared with.
* :class:`PiiScanner` (:mod:`.pii`) finds personal data in rendered pages.

Headline figures come from the typed ``<run_dir>/artefacts/summary_<section>.json`` (:mod:`.load`; the models
of :mod:`abm_lab.artefacts.summaries`, written by the notebooks with ``RunContext.save_summary``). Missing
files or figures show '–'; a file that does not match its model shows '–' and is named on the index page.
"""

from .formatting import currency_symbol, fmt_delta, fmt_kpi
from .html import WIDGET_MIME, align_tables, escape_currency, prepare_notebook, render_notebook_html
from .kpis import HEADLINE, SECONDARY, Kpi, KpiSpec, ci_level, headline_kpis, on_track_share, resolve_targets
from .load import ARTEFACTS, MANIFEST_FILE, RunSummaries, load_summaries, read_manifest
from .narrative import executive_summary, page_summary
from .page import manifest_html
from .pii import COMMON_WORDS, EMAIL_RE, PiiScanner
from .run_index import build_run_index
from .runs_index import build_reports_index, find_previous_run, list_runs

__all__ = [
    "ARTEFACTS",
    "COMMON_WORDS",
    "EMAIL_RE",
    "HEADLINE",
    "MANIFEST_FILE",
    "SECONDARY",
    "WIDGET_MIME",
    "Kpi",
    "KpiSpec",
    "PiiScanner",
    "RunSummaries",
    "align_tables",
    "build_reports_index",
    "build_run_index",
    "ci_level",
    "currency_symbol",
    "escape_currency",
    "executive_summary",
    "find_previous_run",
    "fmt_delta",
    "fmt_kpi",
    "headline_kpis",
    "list_runs",
    "load_summaries",
    "manifest_html",
    "on_track_share",
    "page_summary",
    "prepare_notebook",
    "read_manifest",
    "render_notebook_html",
    "resolve_targets",
]
