"""Responsive layer of the report style sheet: pages that read well from a 390 px phone to a 1440 px screen.

``abm_lab/resources/report.css`` is the desktop look; :data:`RESPONSIVE_CSS` is inlined after it in every page
(:func:`abm_lab.report.page.css`) and only relaxes the layout, so the desktop pages look as before:

* the top bar grows instead of overflowing: brand and run on the first line, navigation on the second (at most
  two lines on a phone, the brand shortened with an ellipsis rather than wrapped);
* tiles and report cards collapse to one column on a phone (compact run tiles to two);
* tables scroll inside their own box, never the page; pandas tables keep their first column in view
  (``sticky-first``, set by :func:`abm_lab.report.html.align_tables` when no cell spans rows);
* figures scale down with the page but never below :data:`FIGURE_MIN_PX` (or their natural width when it is
  smaller): a narrower screen scrolls the figure inside its box instead of shrinking the axis labels;
* long tokens (commit hashes, SHA-256 digests, paths) wrap anywhere instead of widening the page.

Nothing here is fetched: the pages stay self-contained.
"""

from __future__ import annotations

#: Narrowest width (CSS px) a figure is shown at; below it the figure scrolls inside its box. Matplotlib figures
#: of the reports are 7-9 in. wide at 100 dpi, so 560 px keeps their 10-11 pt axis labels at about 8 px or more.
FIGURE_MIN_PX = 560
#: Widths (CSS px) where the layout changes: below ``TABLET_PX`` two columns, below ``PHONE_PX`` one.
TABLET_PX = 900
PHONE_PX = 600

RESPONSIVE_CSS = f"""
/* ---- responsive layer (abm_lab/report/css.py) ---- */
.topbar {{ height: auto; min-height: 56px; flex-wrap: wrap; gap: 4px 18px; padding-top: 6px; padding-bottom: 6px; }}
.brand {{ min-width: 0; flex: 0 1 auto; }}
.brand-text {{ min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.logo, .run-badge {{ flex: none; white-space: nowrap; }}
.topnav {{ display: flex; flex-wrap: nowrap; gap: 22px; min-width: 0; overflow-x: auto; }}
.topnav a {{ margin-left: 0; white-space: nowrap; }}
.container, .footer {{ overflow-wrap: break-word; }}
.page-meta, .hero-sub, .muted, .run-head, .footer, .report p, .report li, .method-notes p, .exec-summary p,
  .summary-problems li, code {{ overflow-wrap: anywhere; }}

/* key-value tables (run manifest): hashes and paths wrap inside the card */
table.kv {{ width: 100%; }}
table.kv td {{ overflow-wrap: anywhere; }}
table.kv td:first-child {{ min-width: 7em; }}
pre.yaml {{ white-space: pre-wrap; overflow-wrap: anywhere; }}

/* data tables scroll inside their own box, never the page */
.table-scroll, .report .output_html, .report .output_subarea {{ overflow-x: auto; max-width: 100%; }}
.report .text_cell_render table {{ display: block; overflow-x: auto; max-width: 100%; }}
.report table thead th, table.compare thead th {{ white-space: nowrap; }}
table.compare {{ min-width: 100%; width: auto; }}
table.compare th, table.compare td {{ white-space: nowrap; }}  /* figures and changes on one line; the box scrolls */
.report table.sticky-first tr > :first-child, table.compare tr > :first-child {{ position: sticky; left: 0;
  z-index: 1; background: var(--card); box-shadow: inset -1px 0 0 var(--line); }}
.report table.sticky-first tbody tr:nth-child(even) > :first-child {{ background: #f9fafc; }}
.report table.sticky-first thead tr > :first-child, table.compare thead tr > :first-child {{ background: #eef2f7; }}
.report table.sticky-first tbody tr:hover > :first-child {{ background: #eef4fb; }}

/* printed output: prose wraps, printed tables keep their columns and scroll */
.report .output_area pre, .report .output_text pre {{ overflow-wrap: anywhere; }}
.report .output_area pre.tabular, .report .output_text pre.tabular {{ white-space: pre; overflow-wrap: normal; }}

/* figures: down to {FIGURE_MIN_PX}px (or their natural width), then they scroll inside their box */
.report .output_png {{ overflow-x: auto; max-width: 100%; }}
.report .output_png img {{ max-width: 100%; min-width: min(var(--natural-width, 0px), {FIGURE_MIN_PX}px); }}

@media (max-width: {TABLET_PX}px) {{
  .topbar {{ padding-left: 20px; padding-right: 20px; }}
  .container {{ padding: 20px 20px 32px; }}
  .footer {{ padding: 12px 20px 24px; }}
  .report {{ padding: 8px 22px 22px; }}
}}
@media (max-width: {PHONE_PX}px) {{
  body {{ font-size: 15px; }}
  .topbar {{ position: static; padding: 8px 12px; gap: 2px 14px; }}
  .brand {{ flex: 1 1 100%; gap: 8px; font-size: 15px; }}
  .topnav {{ flex: 1 1 100%; gap: 18px; }}
  .topnav a {{ font-size: 13.5px; }}
  .container {{ padding: 14px 12px 28px; }}
  .footer {{ padding: 10px 12px 22px; }}
  .card, .manifest, .method-notes {{ padding: 16px 14px; margin-bottom: 16px; }}
  .report {{ padding: 6px 12px 16px; margin-bottom: 16px; }}
  .celltag_exec-summary.text_cell, .celltag_exec-summary.code_cell {{ padding: 2px 10px 4px; }}
  .hero h1, .page-title {{ font-size: 22px; }}
  .report h1 {{ font-size: 20px; }} .report h2 {{ font-size: 18px; }} h2 {{ font-size: 17px; }}
  .exec-summary p, .celltag_exec-summary .output_markdown p, .celltag_exec-summary p {{ font-size: 15.5px; }}
  .tiles, .tiles.small, .page-grid {{ grid-template-columns: minmax(0, 1fr); gap: 12px; }}
  .tiles.compact {{ grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }}
  .tile {{ min-height: 0; }}
  .tile-value {{ font-size: 28px; }}
  .legend .dot {{ margin-left: 8px; }}
  .run-open {{ margin-left: 0; }}
  .report table th, .report table td, table.kv td, table.kv th,
    table.compare th, table.compare td {{ padding: 6px 8px; }}
  .report .output_area pre, .report .output_text pre {{ font-size: 12px; }}
}}
"""
