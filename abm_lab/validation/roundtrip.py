"""Round trip of the synthetic world through real export formats (issue 13, item 6).

The demo world is re-exported as a tool really exports it (Salesforce Data Export CSVs or HubSpot UI exports,
plus a reverse-IP web-visits file, and for HubSpot, which holds no costs, a LinkedIn Campaign Manager report
for paid social and a costs spreadsheet for the other channels: :func:`compose_export`), loaded back through
the presets with only the ``data:`` params the exporter documents (:attr:`abm_lab.synth.exports.Export.data`),
and its headline figures (:func:`headline`) are compared with the canonical path, where the same world is
loaded from its canonical Parquet files (:func:`round_trip`). Account ids differ between systems (18-character
Salesforce ids, numeric HubSpot ids): the imported figures are translated back through the exporter's
crosswalk (``Export.ids``) before they are compared.

The checks and their tolerances (:class:`abm_lab.config.validation.RoundTripParams`, ``validation.round_trip``):

* **customers**: the same set of customer accounts, exactly — the customer flag is a field of every export
  (``Account.Type``, HubSpot lifecycle stage) and nothing in the formats loses it.
* **target list**: the graded target list (ICP discovery then grading, as notebooks 01–02) overlaps the
  canonical one by at least ``target_overlap_min`` (95%): the fit model is refitted on rows in another order
  and fields the tool keeps at a coarser grain, so accounts at the grade cut-off may change side; the
  programme's own target accounts (``programs``) must overlap by the same share.
* **engaged accounts / MQAs** (:func:`abm_lab.roi.kpis.funnel` over the reporting window, touches given an
  account by the lead-to-account mapping as ``abm-lab lift`` does): within ``funnel_rel_tol`` (5%) of the
  canonical counts, or ``funnel_abs_tol`` (2) accounts on a small world — person-level activity goes through
  e-mail joins (activity of people without an address is lost), repeated campaign responses collapse into one
  campaign member and anonymous visits go through the reverse-IP domain, so accounts near the thresholds move.
* **ROI**: present (programme and costs found in the export) and its point estimate inside the canonical
  headline ROI's interval.

:func:`compare` runs the checks on two :class:`Headline`; :class:`RoundTrip` holds them with the timings and the
remaining differences (table sizes, ICP, load warnings) in words.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import Params
from ..config.validation import RoundTripParams
from ..data.io import Dataset
from ..results import Results, Summary
from ..synth.exports import Export
from .roundtrip_exports import compose_export, identity_export, load_export

__all__ = [
    "CheckRow",
    "Headline",
    "RoundTrip",
    "canonical_headline",
    "compare",
    "compose_export",
    "differences",
    "headline",
    "identity_export",
    "load_export",
    "round_trip",
]

#: ``export_fn(world_tables, folder) -> Export``: one way of re-exporting the world (:func:`compose_export`).
ExportFn = Callable[[dict[str, pd.DataFrame], Path], Export]


# --------------------------------------------------------------------------- headline figures
@dataclass
class Headline:
    """The figures a round trip compares, with account ids as the loaded data spell them.

    ``customers``, ``graded_targets`` (grading's target list), ``program_targets`` (``programs`` members),
    ``engaged`` and ``mqa`` (accounts engaged / MQA in the reporting window) are sets of account ids;
    ``funnel`` the all-accounts funnel row; ``roi`` the headline ROI with its interval (None when the lift
    could not be estimated, ``roi_error`` says why); ``icp`` the ICP headline; ``rows`` table sizes."""

    customers: frozenset[str]
    graded_targets: frozenset[str]
    program_targets: frozenset[str]
    engaged: frozenset[str]
    mqa: frozenset[str]
    funnel: dict[str, float]
    roi: dict[str, Any] | None
    icp: dict[str, Any]
    rows: dict[str, int]
    roi_error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def translate(self, to_canonical: Mapping[str, str]) -> Headline:
        """The same figures with account ids translated (exported id -> canonical id); unknown ids kept."""

        def tr(s: frozenset[str]) -> frozenset[str]:
            return frozenset(to_canonical.get(a, a) for a in s)

        return replace(
            self,
            customers=tr(self.customers),
            graded_targets=tr(self.graded_targets),
            program_targets=tr(self.program_targets),
            engaged=tr(self.engaged),
            mqa=tr(self.mqa),
        )


def headline(ds: Dataset, params: Params) -> Headline:
    """Headline figures of a loaded dataset: customers, graded target list (ICP discovery + grading, as
    notebooks 01–02), programme targets, engaged accounts and MQAs of the reporting window, and the lift
    report's headline ROI with its interval (touches given accounts by the lead-to-account mapping)."""
    from ..grading import grade_accounts
    from ..icp import discover
    from ..roi.kpis import account_funnel_flags, funnel
    from ..roi.lift.report import estimated_touch_accounts, run_lift

    t = ds.tables
    secs: dict[str, float] = {}
    t0 = time.perf_counter()
    acc, opp = t["accounts"], t["opportunities"]
    ids = acc["account_id"].astype(str)
    customers = frozenset(ids[acc["is_customer"].astype("boolean").fillna(False).to_numpy(bool)])
    icp = discover(acc, opp, params.icp, seed=params.run.seed)
    gr = grade_accounts(
        acc,
        opp,
        icp.fit_scores,
        params.grading,
        seed=params.run.seed,
        currency=params.run.currency,
        score_origin=icp.headline()["model"],
    )
    g = gr.grades
    graded = frozenset(g.loc[g["is_target"].to_numpy(bool), "account_id"].astype(str))
    secs["icp_grading"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    touches = estimated_touch_accounts(t, params.mapping)
    tp = touches if len(touches) else t["touchpoints"]
    window = (params.run.window_start, params.run.window_end)
    flags = account_funnel_flags(acc, tp, opp, window, params.roi)
    fun = funnel(acc, tp, opp, window, params=params.roi).iloc[0]
    secs["mapping_funnel"] = time.perf_counter() - t0

    prog = t.get("programs")
    program_targets = frozenset() if prog is None else frozenset(prog["account_id"].dropna().astype(str))
    t0 = time.perf_counter()
    roi: dict[str, Any] | None = None
    roi_error = None
    try:
        rep = run_lift(t, touches, as_of=params.run.as_of, params=params.roi, experiment=params.experiment)
        roi = {k: _num(rep.roi.get(k)) for k in ROI_KEYS}
        if roi["estimate"] is None:
            roi_error = "no finite ROI (no programme cost?)"
    except Exception as exc:  # noqa: BLE001 - the reason is reported, the check fails
        roi_error = f"{type(exc).__name__}: {exc}"
    secs["lift"] = time.perf_counter() - t0
    h = icp.headline()
    return Headline(
        customers=customers,
        graded_targets=graded,
        program_targets=program_targets,
        engaged=frozenset(flags.loc[flags["engaged"], "account_id"].astype(str)),
        mqa=frozenset(flags.loc[flags["mqa"], "account_id"].astype(str)),
        funnel={k: float(fun[k]) for k in ("accounts", "engaged", "mqa", "with_opp", "won")},
        roi=roi,
        icp={"model": h["model"], "cv_auc": h.get("cv_auc"), "positives": h["positives"]},
        rows={k: len(v) for k, v in t.items()},
        roi_error=roi_error,
        seconds=secs,
    )


#: What :attr:`Headline.roi` keeps of the lift report's ROI.
ROI_KEYS = ("estimate", "ci_low", "ci_high", "projected", "projected_low", "projected_high", "cost", "method")


def _num(v: Any) -> Any:
    """Plain floats (None when not finite); text kept."""
    if isinstance(v, str) or v is None:
        return v
    f = float(v)
    return f if np.isfinite(f) else None


# --------------------------------------------------------------------------- exports
@dataclass
class CheckRow:
    """One check of a round trip: the canonical and imported figures, what was required, and the verdict."""

    check: str
    canonical: str
    imported: str
    required: str
    passed: bool


@dataclass
class RoundTrip(Results):
    """Canonical vs imported headline figures (imported ids translated to canonical ones) and the checks."""

    kind: str
    canonical: Headline
    imported: Headline
    checks: list[CheckRow]
    export: Export | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def check(self, name: str) -> CheckRow:
        for c in self.checks:
            if c.check == name:
                return c
        raise KeyError(name)

    def failed(self) -> list[str]:
        return [c.check for c in self.checks if not c.passed]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([c.__dict__ for c in self.checks]).set_index("check")

    def summary(self) -> Summary:
        verdict = "pass" if self.passed else "FAIL: " + ", ".join(self.failed())
        s = Summary(f"Round trip through the {self.kind} export: {verdict}")
        s.add_table(self.table(), "Headline figures, canonical path vs export (account ids translated)")
        if self.seconds:
            s.add_table(pd.DataFrame({"seconds": self.seconds}).round(1).rename_axis("step"), "Timings")
        for d in self.differences:
            s.add_note(d)
        return s


def _overlap(canon: frozenset[str], imp: frozenset[str]) -> float:
    return len(canon & imp) / len(canon) if canon else 1.0


def _signed_rel(a: int, b: int) -> str:
    return f"{(b - a) / a:+.1%}" if a else ("+0.0%" if a == b else "new")


def compare(
    kind: str, canon: Headline, imp: Headline, tol: RoundTripParams | None = None, export: Export | None = None
) -> RoundTrip:
    """The checks of :mod:`this module <abm_lab.validation.roundtrip>` on two headlines (``imp`` translated)."""
    tol = tol or RoundTripParams()
    rows = []
    miss, extra = canon.customers - imp.customers, imp.customers - canon.customers
    rows.append(
        CheckRow(
            "customers",
            f"{len(canon.customers):,}",
            f"{len(imp.customers):,} ({len(miss)} missing, {len(extra)} extra)",
            "the same accounts",
            not miss and not extra,
        )
    )
    for name, a, b in (
        ("graded target list", canon.graded_targets, imp.graded_targets),
        ("programme targets", canon.program_targets, imp.program_targets),
    ):
        ov = _overlap(a, b)
        rows.append(
            CheckRow(
                name,
                f"{len(a):,}",
                f"{len(b):,} ({ov:.1%} of canonical)",
                f">= {tol.target_overlap_min:.0%} of canonical",
                bool(a) and ov >= tol.target_overlap_min,
            )
        )
    for name, a, b in (("engaged accounts", canon.engaged, imp.engaged), ("MQAs", canon.mqa, imp.mqa)):
        diff = len(b) - len(a)
        allowed = max(tol.funnel_rel_tol * len(a), tol.funnel_abs_tol)
        rows.append(
            CheckRow(
                name,
                f"{len(a):,}",
                f"{len(b):,} ({diff:+d}, {_signed_rel(len(a), len(b))}; {_overlap(a, b):.0%} same accounts)",
                f"within {tol.funnel_rel_tol:.0%} (or {tol.funnel_abs_tol} accounts)",
                abs(diff) <= allowed,
            )
        )
    rows.append(_roi_row(canon, imp))
    rt = RoundTrip(kind, canon, imp, rows, export)
    return rt


def _fmt_roi(r: dict[str, Any] | None, err: str | None) -> str:
    if r is None or r.get("estimate") is None:
        return f"none ({err})" if err else "none"
    lo, hi = r.get("ci_low"), r.get("ci_high")
    iv = f" [{lo:.0%}, {hi:.0%}]" if lo is not None and hi is not None else ""
    return f"{r['estimate']:.0%}{iv} ({r.get('method')}, cost {r.get('cost', 0) or 0:,.0f})"


def _roi_row(canon: Headline, imp: Headline) -> CheckRow:
    c, i = canon.roi, imp.roi
    ok = False
    if c is not None and i is not None and imp.roi_error is None:
        est, lo, hi = (i.get("estimate"), c.get("ci_low"), c.get("ci_high"))
        ok = est is not None and lo is not None and hi is not None and float(lo) <= float(est) <= float(hi)
    return CheckRow(
        "ROI (realised)",
        _fmt_roi(c, canon.roi_error),
        _fmt_roi(i, imp.roi_error),
        "present, inside the canonical interval",
        ok,
    )


def round_trip(
    world_tables: Mapping[str, pd.DataFrame],
    export_fn: ExportFn,
    out: str | Path,
    params_overlay: Mapping[str, Any] | None = None,
    *,
    kind: str | None = None,
    canonical: Headline | None = None,
) -> RoundTrip:
    """Export ``world_tables`` with ``export_fn(tables, folder)`` into ``out``, load the files through the
    export's documented ``data:`` block, and compare its :func:`headline` with the canonical path's (the same
    tables loaded from canonical Parquet files; pass ``canonical`` to reuse one already computed).

    ``params_overlay``: params other than ``data`` (run window and as_of, roi, experiment, ...), the same for
    both paths; tolerances from its ``validation.round_trip``."""
    out = Path(out)
    secs: dict[str, float] = {}
    overlay = dict(params_overlay or {})
    if canonical is None:
        canonical = canonical_headline(world_tables, out / "canonical", overlay)
    secs.update({f"canonical {k}": v for k, v in canonical.seconds.items()})
    t0 = time.perf_counter()
    ex = export_fn(dict(world_tables), out / (kind or "export"))
    secs["export"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ds, params = load_export(ex, overlay)
    secs["load"] = time.perf_counter() - t0
    imp = headline(ds, params)
    secs.update({f"import {k}": v for k, v in imp.seconds.items()})
    back = {str(v): str(k) for k, v in ex.ids["accounts"].items()}
    imp_c = imp.translate(back)
    rt = compare(kind or str(ex.data.get("preset", "export")), canonical, imp_c, params.validation.round_trip, ex)
    rt.seconds = secs
    rt.differences = differences(canonical, imp_c, ds)
    return rt


def canonical_headline(
    world_tables: Mapping[str, pd.DataFrame], out: str | Path, overlay: Mapping[str, Any] | None = None
) -> Headline:
    """:func:`headline` of the canonical path: the tables written as canonical Parquet files and loaded back."""
    t0 = time.perf_counter()
    ds, params = load_export(identity_export(world_tables, out), overlay)
    h = headline(ds, params)
    h.seconds = {"load": time.perf_counter() - t0 - sum(h.seconds.values()), **h.seconds}
    return h


def differences(canon: Headline, imp: Headline, ds: Dataset) -> list[str]:
    """What differs besides the checks, in words (table sizes, ICP model and AUC, funnel counts)."""
    out = []
    for t in sorted(set(canon.rows) | set(imp.rows)):
        a, b = canon.rows.get(t, 0), imp.rows.get(t, 0)
        if a != b:
            out.append(f"{t}: {a:,} rows on the canonical path, {b:,} from the export")
    if canon.icp != imp.icp:
        out.append(f"ICP: canonical {canon.icp}, export {imp.icp}")
    for k in ("with_opp", "won"):
        if canon.funnel.get(k) != imp.funnel.get(k):
            out.append(f"funnel {k}: canonical {canon.funnel.get(k):,.0f}, export {imp.funnel.get(k):,.0f}")
    out += [f"load warning: {w}" for w in ds.warnings]
    return out
