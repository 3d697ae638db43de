"""Numbers, changes, money symbols and dates as the leadership pages show them (numbers via :mod:`abm_lab.style`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from .. import style
from .load import get

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥", "INR": "₹"}


def fmt_kpi(x: float | None, kind: str, currency: str = "$", digits: int = 1) -> str:
    """Format a KPI value: money ('$4.35M'), pct (share in, '31.0%' out), int ('1,234') or num ('0.81')."""
    if kind == "money":
        return style.fmt_money(x, currency)
    if kind == "pct":
        return style.fmt_pct(x, digits)
    if kind == "num":
        return style.fmt_num(x, digits)
    return style.fmt(x, kind)


def fmt_delta(
    now: float | None, prev: float | None, kind: str, currency: str = "$", digits: int = 1
) -> tuple[str, str]:
    """('▲ +12 (+5.0%)', 'up') style change from prev to now; ('', 'none') when either is missing."""
    if now is None or prev is None:
        return "", "none"
    d = now - prev
    if abs(d) < 1e-12:
        return "● no change", "flat"
    arrow, cls, sign = ("▲", "up", "+") if d > 0 else ("▼", "down", "−")
    rel = f" ({sign}{abs(d) / abs(prev) * 100:.1f}%)" if prev and kind in ("int", "money") else ""
    if kind == "pct":
        body = f"{sign}{abs(d) * 100:.{digits}f} pts"
    elif kind == "money":
        body = f"{sign}{style.fmt_money(abs(d), currency)}"
    elif kind == "int":
        body = f"{sign}{abs(d):,.0f}"
    else:
        body = f"{sign}{abs(d):.2f}"
    return f"{arrow} {body}{rel}", cls


def currency_symbol(params: dict) -> str:
    """``report.currency_symbol``, else the symbol of ``run.currency`` (USD → '$'), else the code plus a space."""
    sym = get(params, "report", "currency_symbol")
    if sym:
        return str(sym)
    code = str(get(params, "run", "currency") or "USD").upper()
    return _SYMBOLS.get(code, code + " ")


def cap(s: str) -> str:
    """``s`` with its first letter in upper case."""
    return s[:1].upper() + s[1:]


def parse_date(x: Any) -> dt.date | None:
    """A date from a date or an ISO string (its first 10 characters), else None."""
    if isinstance(x, dt.date):
        return x
    try:
        return dt.date.fromisoformat(str(x)[:10])
    except (TypeError, ValueError):
        return None


def fmt_date(x: Any) -> str:
    """'1 Jul 2026' ('–' when missing, the text itself when not a date)."""
    d = parse_date(x)
    return f"{d.day} {d:%b %Y}" if d else ("–" if x in (None, "") else str(x))


def window_text(params: dict) -> str:
    """'1 Jul 2026 to 30 Sep 2026' for the run's reporting window ('' when not set)."""
    ws, we = parse_date(get(params, "run", "window_start")), parse_date(get(params, "run", "window_end"))
    return f"{fmt_date(ws)} to {fmt_date(we)}" if ws and we else ""


def fmt_ts(x: Any) -> str:
    """An ISO timestamp as '2026-09-30 18:00 UTC' ('–' when missing)."""
    if not x:
        return "–"
    try:
        t = dt.datetime.fromisoformat(str(x).replace("Z", "+00:00"))
    except ValueError:
        return str(x)
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC)
        return f"{t:%Y-%m-%d %H:%M} UTC"
    return f"{t:%Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------- tables on leadership pages

#: What a table cell shows for a missing or undefined figure (e.g. a win rate with no closed deals).
NO_VALUE = "—"

#: Leadership labels of the raw column, index and category names that the pages' tables show: the ONE mapping
#: every page uses (through :func:`label` and :func:`leadership_table`), so a figure is named the same way on
#: every page. Keys are the names in the code's frames; a name not listed keeps its own text, with ``_`` read
#: as a space (:func:`label`).
LABELS: dict[str, str] = {
    "in_market": "in-market",
    # funnel (notebook 05)
    "abm": "ABM",
    "accounts": "accounts",
    "engaged": "engaged",
    "mqa": "MQA",
    "with_opp": "with opportunity",
    "won": "won",
    "engaged_to_mqa": "engaged → MQA",
    "mqa_to_opp": "MQA → opportunity",
    "opp_to_won": "opportunity → won",
    "pipeline": "pipeline",
    "revenue": "won revenue",
    "penetration": "penetration",
    "mqa_carried": "MQA when the window opened",
    "mqa_from_engaged": "MQA after engaged",
    "opp_from_mqa": "opportunity after MQA",
    "opp_not_from_mqa": "opportunity not from MQA",
    # customer acquisition cost (notebook 05)
    "targets": "target accounts",
    "new_customers": "new customers",
    "new_customers_low": "new customers: low",
    "new_customers_high": "new customers: high",
    "cost": "programme cost",
    "cac": "CAC",
    "cac_low": "CAC: low",
    "cac_high": "CAC: high",
    "cost_lagged": "programme cost (lagged)",
    "cac_lagged": "CAC (lagged cost)",
    "cac_lagged_low": "CAC (lagged cost): low",
    "cac_lagged_high": "CAC (lagged cost): high",
    "cost_basis": "cost basis",
    # deals
    "opps": "opportunities",
    "lost": "lost",
    "win_rate": "win rate",
    "avg_deal_size": "average deal size",
    "avg_cycle_days": "average cycle (days)",
    "median_cycle_days": "median cycle (days)",
    # velocity
    "n": "count",
    "events": "reached",
    "censored": "not yet reached",
    "median_days": "median (days)",
    "ci_low": "CI low",
    "ci_high": "CI high",
    "hazard_ratio": "hazard ratio",
    "p_value": "p-value",
    "log_amount": "log deal amount",
    # attribution models and views
    "first_touch": "first touch",
    "last_touch": "last touch",
    "linear": "linear",
    "u_shaped": "U-shaped",
    "w_shaped": "W-shaped",
    "full_path": "full path",
    "time_decay": "time decay",
    "markov": "Markov",
    "shapley": "Shapley",
    "removal_effect_conv": "removal effect (conversions)",
    "removal_effect_value": "removal effect (value)",
    # channels and tiers (row labels)
    "paid_social": "paid social",
    "direct_mail": "direct mail",
    "abm_lite": "ABM-lite",
    "programmatic": "programmatic",
    "strategic": "strategic",
    # grading
    "cluster_label": "cluster profile",
    "mean_score": "mean fit score",
    "potential_value": "potential value",
    "won_revenue_per_account": "won revenue per account",
    "high_value": "high-value customers",
    "account_id": "account id",
    "fit_score": "fit score",
    # ICP truth check
    "true_rank": "true rank",
    "true_coef": "true coefficient",
    "model_feature": "model feature",
    "model_rank": "model rank",
    # lead-to-account mapping
    "match_method": "match method",
    "crm_link": "CRM link",
    "email_domain": "e-mail domain",
    "exact_name": "exact name",
    "fuzzy_name": "fuzzy name",
    "reverse_ip_domain": "reverse-IP domain",
    "persona_function": "function",
    "persona_seniority": "seniority",
    "c_level": "C-level",
    "vp": "VP",
    "ic": "individual contributor",
    # engagement
    "n_snapshots": "number of snapshots",
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "auc_ci_low": "AUC CI low",
    "auc_ci_high": "AUC CI high",
    "brier": "Brier score",
    "reason_1": "first reason",
    "reason_2": "second reason",
    "reason_3": "third reason",
    "probability": "probability",
    "gbm": "gradient boosting",
    "logistic": "logistic regression",
    # lift checked against the synthetic truth (notebook 05)
    "opp_rate": "opportunity rate",
    "won_revenue": "won revenue",
    "open_value": "open pipeline value",
    "ra_ipw": "RA-IPW",
    "rel_low": "relative: low",
    "rel_high": "relative: high",
    "truth_relative": "true relative effect",
    "rel_covered": "relative covered",
    "roles_known": "committee seats known",
    "coverage_share": "seats known (share)",
    "engaged_share": "seats engaged (share)",
}

_SNAKE = r"^[a-z0-9]+(?:_[a-z0-9]+)+$"


def label(name: Any) -> Any:
    """The leadership label of a column / index name: :data:`LABELS`, else a snake_case name with spaces
    (``won_revenue_per_account`` → ``won revenue per account``); other names (and non-strings) unchanged."""
    import re

    if not isinstance(name, str):
        return name
    if name in LABELS:
        return LABELS[name]
    return name.replace("_", " ") if re.match(_SNAKE, name) else name


def labelled(df: Any, values: bool = True) -> Any:
    """A copy of ``df`` with column names, index names and (``values``) row labels through :func:`label`.

    Row labels are relabelled only when listed in :data:`LABELS` (ids and names are left alone)."""
    out = df.rename(columns=label)
    out.index = out.index.set_names([label(n) for n in out.index.names])
    out.columns = out.columns.set_names([label(n) for n in out.columns.names])
    if values and not _default_index(out):
        out = out.rename(index=lambda v: LABELS.get(v, v) if isinstance(v, str) else v)
    return out


def _default_index(df: Any) -> bool:
    """An unnamed whole-number row index (0, 1, 2, …): row numbers, which a leadership table does not show."""
    import pandas as pd

    idx = df.index
    return idx.nlevels == 1 and idx.name is None and pd.api.types.is_integer_dtype(idx.dtype)


def leadership_table(
    df: Any,
    formats: dict[str, Any] | None = None,
    *,
    na: str = NO_VALUE,
    missing: dict[str, str] | None = None,
    digits: int = 3,
    currency: str = "$",
    money: Sequence[str] | bool = (),
) -> Any:
    """``df`` as a leadership-page table (a pandas Styler): human labels (:data:`LABELS`), no row numbers,
    missing figures as :data:`NO_VALUE` (never ``nan`` or ``nan%``).

    ``formats``: {column (raw name): 'money' | 'pct' | 'int' | 'num' | a format string such as ``'{:.1%}'`` |
    a function}; other decimal columns show ``digits`` decimals, or none with thousands separators when every
    value is whole (or ``digits`` is 0). ``missing``: {column: text} for a missing figure that means something
    there (e.g. a win rate without closed deals: "no closed deals"). ``money``: columns shown as money in
    ``currency`` (:func:`abm_lab.style.fmt_money`, as the KPI tiles: '$1.51M', '$33,870'), or True for every
    numeric column (a table of amounts only, e.g. revenue credited per channel and model); ``formats`` wins."""
    import pandas as pd

    formats = money_formats(df, money) | dict(formats or {})
    kinds = {
        "money": lambda x: style.fmt_money(x, currency),
        "pct": style.fmt_pct,
        "int": style.fmt_int,
        "num": lambda x: style.fmt_num(x, digits),
    }

    def fn(spec: Any, blank: str) -> Any:
        if callable(spec):
            return lambda x: blank if _missing(x) else spec(x)
        if spec in kinds:
            return lambda x, f=kinds[spec]: blank if _missing(x) else f(x)
        return lambda x: blank if _missing(x) else spec.format(x)

    cols = {}
    for c in df.columns:
        blank = (missing or {}).get(c, na)
        if c in formats:
            cols[c] = fn(formats[c], blank)
        elif pd.api.types.is_float_dtype(df[c].dtype):
            d = _decimals(df[c].to_numpy(float), digits)
            cols[c] = fn("{:,.0f}" if d == 0 else f"{{:.{d}f}}", blank)
        else:
            cols[c] = fn("{}", blank)
    hide = _default_index(df)
    out = labelled(df)
    # every column has its formatter, each saying its own missing text (a Styler na_rep would override them)
    sty = out.style.format({label(c): f for c, f in cols.items()})
    return sty.hide(axis="index") if hide else sty


def money_formats(df: Any, money: Sequence[str] | bool) -> dict[str, str]:
    """``{column: 'money'}`` for the ``money`` columns of ``df`` that it has (True: its numeric columns)."""
    import pandas as pd

    if money is True:
        return {c: "money" for c in df.columns if pd.api.types.is_numeric_dtype(df[c].dtype)}
    if money is False:
        return {}
    return {c: "money" for c in money if c in df.columns}


def format_text_table(df: Any, formats: Mapping[str, str], currency: str = "$") -> Any:
    """Copy of ``df`` with the named columns as text (:func:`abm_lab.style.format_table`'s kinds 'money', 'pct',
    'int', 'num'), money in ``currency`` (the run's symbol, :func:`currency_symbol`) rather than a fixed '$'."""
    out = df.copy()
    for col, kind in formats.items():
        if col in out.columns:
            values = out[col].tolist()
            out[col] = [style.fmt_money(v, currency) if kind == "money" else style.fmt(v, kind) for v in values]
    return out


def _decimals(v: Any, digits: int) -> int:
    """Fewest decimals (at most ``digits``) that show every value of ``v`` as it is: a column already rounded
    to one decimal keeps one, whole numbers none."""
    import numpy as np

    v = v[np.isfinite(v)]
    for d in range(digits):
        if np.allclose(np.round(v, d), v, rtol=0, atol=1e-9):
            return d
    return digits


def _missing(x: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- page hygiene

#: Cell texts of a missing figure printed raw by pandas (a leadership table shows :data:`NO_VALUE` instead).
RAW_MISSING = ("nan", "NaN", "nan%", "<NA>", "NaT")


def page_defects(page_html: str) -> list[str]:
    """What makes a rendered leadership page read like a debug dump, one line per defect (empty = clean):

    * a table header that is a raw snake_case name (``engaged_to_mqa``) or a row label listed in :data:`LABELS`
      with an underscore (``abm_lite``);
    * a first column of row numbers 0, 1, 2, … (a DataFrame index);
    * a missing figure shown as ``nan``, ``nan%``, ``NaN`` or ``<NA>``;
    * a debug print: a Python dict (``{'A': 161, …}``) or ``name: True`` / ``name: False``, or a raw name listed
      in :data:`LABELS` (with an underscore) in printed text (a printed DataFrame).

    The run manifest (the params as YAML), styles, scripts, embedded images and ``<code>`` spans are not read."""
    import re
    from html.parser import HTMLParser

    body = re.sub(r"<section class=\"manifest\".*?</section>", " ", page_html, flags=re.S)
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", body, flags=re.S | re.I)
    body = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+", "", body)
    body = re.sub(r"<code>.*?</code>", " ", body, flags=re.S)  # code named in a note (e.g. E.plot_waterfall)
    raw_rows = {k for k in LABELS if "_" in k}
    found: list[str] = []

    class _Tables(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.part = ""  # thead / tbody
            self.cell: list[str] | None = None
            self.row: list[tuple[str, str]] = []
            self.heads: list[str] = []  # first cell (th) of each body row of the current table
            self.all_th = True
            self.text: list[str] = []  # text outside tables

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag in ("thead", "tbody"):
                self.part = tag
            elif tag == "table":
                self.heads, self.all_th = [], True
            elif tag == "tr":
                self.row = []
            elif tag in ("th", "td"):
                self.cell = []

        def handle_endtag(self, tag: str) -> None:
            if tag in ("th", "td") and self.cell is not None:
                self.row.append((tag, "".join(self.cell).strip()))
                self.cell = None
            elif tag == "tr":
                self._row()
            elif tag == "table":
                n = len(self.heads)
                if self.all_th and n >= 2 and self.heads == [str(i) for i in range(n)]:
                    found.append(f"table with row numbers 0–{n - 1} as its first column (a DataFrame index)")
                self.part = ""

        def _row(self) -> None:
            for _tag, text in self.row:
                if text in RAW_MISSING or "nan%" in text:
                    found.append(f"missing figure shown as '{text}'")
            if self.part == "thead":
                found.extend(f"raw column name '{t}'" for tag, t in self.row if tag == "th" and re.match(_SNAKE, t))
            elif self.row:
                first_tag, first = self.row[0]
                self.heads.append(first)
                self.all_th &= first_tag == "th"
                found.extend(f"raw row label '{t}'" for tag, t in self.row if tag == "th" and t in raw_rows)

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)
            elif not self.part:
                self.text.append(data)

    p = _Tables()
    p.feed(body)
    text = "".join(p.text)
    for m in re.finditer(r"\{'[^'\n]{1,40}': ", text):
        found.append(f"debug print of a dict: {text[m.start() : m.start() + 40]!r}")
    for m in re.finditer(r"[A-Za-z][\w ]*: (True|False)\b", text):
        found.append(f"debug print of a flag: {m.group(0)!r}")
    for m in re.finditer(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", text):
        if m.group(0) in raw_rows:
            found.append(f"raw name '{m.group(0)}' in printed text")
    return list(dict.fromkeys(found))
