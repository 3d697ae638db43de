"""The quarterly target-list review: what changed since last quarter, how much we know, and what to do.

Sales and marketing reassess the target list every quarter. :func:`review_targets` compares this run's target
list with the previous quarter's and gives one row per account that is or was on it:

* **status**: ``entered`` (on the list now, not last quarter), ``left`` (the reverse) or ``stayed``;
* **reason**: ``grade change`` (the grade moved into or out of ``grading.target_grades``), ``became customer``
  (a customer now, so off the new-logo list), ``no longer customer``, ``disqualified`` (gone from the accounts
  table: deleted, merged or disqualified in the CRM), ``new account`` (not graded last quarter),
  ``target grades changed`` (same grade, the params' target grades moved), ``excluded`` (any other rule),
  ``unchanged`` (stayed, same grade) and ``first review`` (no previous run to compare with);
* **knowledge** (:func:`target_knowledge`): contacts mapped against ``roi.buying_committee_size``, contacts with
  a known persona, the ``mapping.committee`` seats filled and the ones missing, the last touch and the touches in
  the last ``trim_after_quarters`` quarters, and how complete the firmographics are;
* **action** (:func:`recommend_actions`): ``trim`` (spend for at least ``trim_after_quarters`` quarters – on the
  list, or enrolled in a treated programme – and fewer than ``trim_min_touches`` touches in as many quarters;
  hold-out accounts are never trimmed: no engagement is what their arm is for), ``fill gaps`` (committee,
  seats or firmographics below the ``grading.review`` thresholds; which personas are missing), ``keep``, or
  ``remove`` for an account that left the list (take it off the audiences and sequences).

The previous run is found the way the run index finds the run it compares with
(:func:`abm_lab.report.find_previous_run`: the latest run in the reports folder whose reporting window ends
before this one starts); :func:`previous_run_artefact` reads one of its artefacts. :func:`review_run` does it all
for notebook 02 (it maps contacts and touchpoints itself, as notebook 03 will, because 02 runs first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..artefacts import artefact
from ..config.grading import ReviewParams
from ..errors import ABMArtefactError
from ..results import Results, Summary
from .knowledge import SEP, by_id, ids_of, need, programme_quarters, recommend_actions, target_knowledge
from .tiers import TIER_RANK

if TYPE_CHECKING:
    from ..config import Params
    from ..pipeline import RunContext
    from .workflow import GradingResult

__all__ = [
    "STATUSES",
    "ACTIONS",
    "REVIEW_COLUMNS",
    "TargetReview",
    "review_targets",
    "target_knowledge",
    "recommend_actions",
    "previous_run_dir",
    "previous_run_artefact",
    "review_run",
]

STATUSES = ("entered", "left", "stayed")
ACTIONS = ("trim", "fill gaps", "keep", "remove")
FIRST_REVIEW, GRADE_CHANGE, BECAME_CUSTOMER = "first review", "grade change", "became customer"
NO_LONGER_CUSTOMER, DISQUALIFIED, NEW_ACCOUNT = "no longer customer", "disqualified", "new account"
TARGET_GRADES_CHANGED, EXCLUDED, UNCHANGED = "target grades changed", "excluded", "unchanged"
UNKNOWN = "previous grades unavailable"
#: Columns of ``target_list_review.csv``, in order.
REVIEW_COLUMNS = (
    "account_id name status reason action action_detail grade_before grade_now tier quarters_on_list "
    "quarters_in_programme holdout contacts_mapped committee_size committee_coverage contacts_with_persona "
    "seats_known seat_coverage missing_personas last_touch days_since_last_touch recent_touches "
    "firmographic_completeness missing_firmographics"
).split()
_STATUS_RANK = {s: i for i, s in enumerate(STATUSES)}
#: Columns of :meth:`TargetReview.highlights`.
_HIGHLIGHT = (
    "account_id name status reason action action_detail grade_before grade_now contacts_mapped seats_known "
    "days_since_last_touch"
).split()


def review_targets(
    current_targets: pd.DataFrame,
    previous_targets: pd.DataFrame | None,
    grades_now: pd.DataFrame,
    grades_before: pd.DataFrame | None,
    accounts: pd.DataFrame,
    contacts_mapped: pd.DataFrame | None,
    touchpoints: pd.DataFrame | None,
    params: Params,
    *,
    previous_review: pd.DataFrame | None = None,
    programs: pd.DataFrame | None = None,
    previous_target_grades: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per account on this or the previous target list (columns :data:`REVIEW_COLUMNS`).

    ``current_targets`` / ``previous_targets``: ``target_accounts`` of this and the previous run (None: no
    previous run, every target 'entered' for 'first review'); ``grades_now`` / ``grades_before``: their
    ``account_grades`` (account_id, grade); ``previous_review``: last quarter's review (its quarters_on_list
    carries over); ``programs``: enrolments (account_id, start_date, arm); ``previous_target_grades``: the
    previous run's ``grading.target_grades`` (default: this run's). ``params``: the run's params.
    """
    need(current_targets, ["account_id"], "target_accounts")
    need(grades_now, ["account_id", "grade"], "account_grades")
    need(accounts, ["account_id"], "accounts")
    as_of = pd.Timestamp(params.run.as_of).normalize()
    g = params.grading
    tg_now, tg_before = set(g.target_grades), set(previous_target_grades or g.target_grades)
    cur = list(dict.fromkeys(ids_of(current_targets["account_id"])))
    prev: list[str] = []
    if previous_targets is not None:
        need(previous_targets, ["account_id"], "previous target_accounts")
        prev = list(dict.fromkeys(ids_of(previous_targets["account_id"])))
    prev_set, cur_set = set(prev), set(cur)
    ids = pd.Index(cur + [a for a in prev if a not in cur_set], name="account_id")
    acc = by_id(accounts)
    empty = pd.DataFrame(columns=["name", "tier"])
    cur_t, prev_t = by_id(current_targets), by_id(previous_targets) if previous_targets is not None else empty
    customer = acc["is_customer"].astype("boolean").fillna(False) if "is_customer" in acc else pd.Series(False)
    now = by_id(grades_now)
    before = None
    if grades_before is not None:
        need(grades_before, ["account_id", "grade"], "previous account_grades")
        before = by_id(grades_before)

    def reason(a: str, status: str) -> str:
        gn = now["grade"].get(a)
        gb = before["grade"].get(a) if before is not None else None
        if status == "entered":
            if previous_targets is None:
                return FIRST_REVIEW
            if before is None:
                return UNKNOWN
            if gb is None:
                return NEW_ACCOUNT
            if gb not in tg_before:
                return GRADE_CHANGE if gb != gn else TARGET_GRADES_CHANGED
            return NO_LONGER_CUSTOMER if g.exclude_customers else EXCLUDED
        if status == "left":
            if a not in acc.index:
                return DISQUALIFIED
            if bool(customer.get(a, False)) and g.exclude_customers:
                return BECAME_CUSTOMER
            if gn not in tg_now:
                return TARGET_GRADES_CHANGED if gb is not None and gb == gn else GRADE_CHANGE
            return EXCLUDED
        if before is None:
            return UNKNOWN
        return GRADE_CHANGE if gb is not None and gn is not None and gb != gn else UNCHANGED

    status = ["entered" if a not in prev_set else "stayed" for a in cur] + ["left"] * (len(ids) - len(cur))
    t = pd.DataFrame(index=ids)
    name = pd.Series(pd.NA, index=ids, dtype=object)
    for src in (cur_t, prev_t, acc):  # the name on the list, else the CRM's
        if "name" in src:
            name = name.fillna(src["name"].reindex(ids).astype(object))
    t["name"] = name.to_numpy()
    t["status"] = status
    t["reason"] = [reason(a, s) for a, s in zip(ids, status, strict=True)]
    t["grade_before"] = before["grade"].reindex(ids).to_numpy() if before is not None else None
    t["grade_now"] = now["grade"].reindex(ids).to_numpy()
    tier_now = now["tier"].reindex(ids) if "tier" in now else pd.Series(pd.NA, index=ids)
    tier_before = prev_t["tier"].reindex(ids) if "tier" in prev_t else pd.Series(pd.NA, index=ids)
    t["tier"] = np.where(t["status"] == "left", tier_before.to_numpy(), tier_now.to_numpy())
    q_prev = pd.Series(np.nan, index=ids)
    if previous_review is not None and {"account_id", "quarters_on_list"} <= set(previous_review.columns):
        pr = previous_review.assign(account_id=ids_of(previous_review["account_id"]))
        pr = pr[pr["status"] != "left"] if "status" in pr else pr
        q_prev = pr.drop_duplicates("account_id").set_index("account_id")["quarters_on_list"].reindex(ids)
    q = np.select(
        [t["status"] == "entered", t["status"] == "stayed"],
        [1.0, q_prev.fillna(1).to_numpy(float) + 1],
        q_prev.fillna(1).to_numpy(float),
    )
    t["quarters_on_list"] = q.astype(int)
    t = t.join(programme_quarters(ids, programs, as_of))
    t = t.join(target_knowledge(ids, accounts, contacts_mapped, touchpoints, params))
    t = recommend_actions(t.reset_index(), params)
    order = [t["status"].map(_STATUS_RANK), t["tier"].map(TIER_RANK).fillna(len(TIER_RANK)), t["name"].astype(str)]
    t = t.assign(_s=order[0], _t=order[1], _n=order[2]).sort_values(["_s", "_t", "_n"], kind="stable")
    return t[REVIEW_COLUMNS].reset_index(drop=True)


@dataclass
class TargetReview(Results):
    """The review table (``target_list_review.csv``), the run it compares with and notes for the meeting."""

    table: pd.DataFrame
    run: str = ""
    previous_run: str | None = None
    params: ReviewParams = field(default_factory=ReviewParams)
    notes: list[str] = field(default_factory=list)
    #: where :meth:`save` wrote the review
    path: Path | None = None

    def counts(self) -> dict[str, int]:
        """Accounts entered, left and stayed."""
        c = self.table["status"].value_counts()
        return {s: int(c.get(s, 0)) for s in STATUSES}

    def actions(self) -> pd.DataFrame:
        """Accounts per status (rows) and action (columns), with totals."""
        ct = pd.crosstab(self.table["status"], self.table["action"], margins=True, margins_name="total")
        rows = [s for s in (*STATUSES, "total") if s in ct.index]
        return ct.reindex(index=rows, columns=[a for a in (*ACTIONS, "total") if a in ct.columns], fill_value=0)

    def reasons(self) -> pd.DataFrame:
        """Accounts per status and reason."""
        return self.table.groupby(["status", "reason"]).size().rename("accounts").to_frame()

    def missing_personas(self) -> pd.DataFrame:
        """Targets (entered or stayed) missing each buying-committee seat, most often missing first."""
        cur = self.table[self.table["status"] != "left"]
        # astype: without contacts the column holds no text at all (a float column of NaN), e.g. the Maven CRM
        seats = cur["missing_personas"].astype("string").fillna("").str.split(SEP).explode()
        seats = seats[seats != ""]
        out = seats.value_counts().rename("targets missing it").to_frame()
        out.index = [str(i).replace("_", " ") for i in out.index]
        out.index.name = "committee seat"
        share = out["targets missing it"] / max(len(cur), 1)
        out["share of targets"] = share.map(lambda v: f"{v:.0%}")
        return out

    def highlights(self, n: int = 15) -> pd.DataFrame:
        """What the meeting discusses first: exits, entries, trims, then gaps (``n`` rows, plain column names)."""
        t = self.table
        rank = t["status"].map({"left": 0, "entered": 1, "stayed": 2}) * len(ACTIONS) + t["action"].map(
            {a: i for i, a in enumerate(ACTIONS)}
        )
        pick = t[(t["status"] != "stayed") | (t["action"] != "keep")].assign(_r=rank).sort_values("_r", kind="stable")
        cols = {c: c.replace("_", " ") for c in _HIGHLIGHT}
        return pick[list(_HIGHLIGHT)].head(n).rename(columns=cols).set_index("account id")

    def headline(self) -> dict[str, Any]:
        """Counts (JSON-able) for the notebook and the report."""
        a = self.table["action"].value_counts()
        return {
            "run": self.run,
            "previous_run": self.previous_run,
            **self.counts(),
            "actions": {k: int(a.get(k, 0)) for k in ACTIONS},
        }

    def summary(self) -> Summary:
        """Entered / left / stayed with their reasons, and the recommended actions."""
        c = self.counts()
        vs = f" vs {self.previous_run}" if self.previous_run else " (first review)"
        out = Summary(
            f"Target-list review {self.run}{vs}: {c['entered']:,} entered, {c['left']:,} left, {c['stayed']:,} stayed"
        )
        out.add_table(self.reasons(), "Why accounts entered, left or stayed")
        out.add_table(self.actions(), "Recommended action")
        out.add_table(self.missing_personas(), "Buying-committee seats to fill")
        for n in self.notes:
            out.add_note(n)
        return out

    def save(self, where: str | Path | RunContext) -> Path:
        """Write ``target_list_review.csv`` into a run context's artefacts or a folder; returns its path."""
        from ..pipeline import RunContext

        if isinstance(where, RunContext):
            p = where.path("target_list_review")
        else:
            Path(where).mkdir(parents=True, exist_ok=True)
            p = Path(where) / artefact("target_list_review").file
        self.table.to_csv(p, index=False)
        self.path = p
        return p


def previous_run_dir(ctx: RunContext) -> Path | None:
    """The previous quarter's run folder: what the run index compares this run with
    (:func:`abm_lab.report.find_previous_run` on ``run.output_dir``, then on the run folder's parent when the
    notebook runs in a scratch folder elsewhere). None when there is none."""
    from ..pipeline.paths import resolve_path
    from ..report.runs_index import find_previous_run

    manifest = {"run": ctx.params.run.name, "params": ctx.params.model_dump(mode="json")}
    here = ctx.run_dir.resolve()
    for reports in dict.fromkeys([resolve_path(ctx.params.run.output_dir, ctx.root), here.parent]):
        found = find_previous_run(reports, manifest)
        if found is not None and found.resolve() != here:
            return found
    return None


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    a = artefact(name)
    p = folder / "artefacts" / a.file
    if not p.exists():
        return None
    df = pd.read_parquet(p) if a.kind == "parquet" else pd.read_csv(p, dtype={"account_id": "string"})
    missing = [c for c in a.columns if c not in df.columns]
    if missing:
        raise ABMArtefactError(
            f"{p}: the previous run's {a.file} lacks column(s) {missing}; rerun that quarter with this version "
            f"of ABM Lab or remove it from {folder.parent}",
            artefact=a.name,
            file=str(p),
        )
    return df


def previous_run_artefact(ctx: RunContext, name: str) -> pd.DataFrame | None:
    """An artefact (registry name, e.g. ``"target_accounts"``) of the previous quarter's run
    (:func:`previous_run_dir`); None when there is no previous run or it lacks the file."""
    d = previous_run_dir(ctx)
    return None if d is None else _read(d, name)


def review_run(
    ctx: RunContext,
    result: GradingResult,
    contacts_mapped: pd.DataFrame | None = None,
    touchpoints: pd.DataFrame | None = None,
) -> TargetReview:
    """Notebook 02's review of ``result``'s target list against the previous quarter's run (not saved: call
    ``.save(ctx)``). Contacts and touchpoints are mapped here (:func:`abm_lab.mapping.run_mapping`, as
    notebook 03 maps them) unless given."""
    from ..report.load import params_dict, read_manifest

    p = ctx.params
    if contacts_mapped is None or touchpoints is None:
        from ..mapping.stage import run_mapping

        m = run_mapping(ctx.tables, p.mapping, p.run.window_start, p.run.window_end)
        contacts_mapped = m.contacts if contacts_mapped is None else contacts_mapped
        touchpoints = m.touchpoints if touchpoints is None else touchpoints
    prev_dir = previous_run_dir(ctx)
    notes: list[str] = []
    prev_targets = grades_before = prev_review = None
    prev_name, prev_tg = None, None
    if prev_dir is None:
        notes.append(
            f"No previous quarter's run in {p.run.output_dir}/ (a run whose reporting window ends before "
            f"{p.run.window_start}): every target is 'entered' (first review)."
        )
    else:
        manifest = read_manifest(prev_dir)
        prev_name = str(manifest.get("run") or prev_dir.name)
        prev_tg = (params_dict(manifest).get("grading") or {}).get("target_grades")
        prev_targets = _read(prev_dir, "target_accounts")
        grades_before = _read(prev_dir, "account_grades")
        prev_review = _read(prev_dir, "target_list_review")
        if prev_targets is None:
            notes.append(f"The previous run {prev_name} has no target list: every target is 'entered' (first review).")
            prev_name = None
    table = review_targets(
        result.targets,
        prev_targets,
        result.account_grades(),
        grades_before,
        ctx.tables["accounts"],
        contacts_mapped,
        touchpoints,
        p,
        previous_review=prev_review,
        programs=ctx.tables.get("programs"),
        previous_target_grades=prev_tg,
    )
    rp = p.grading.review
    few = "no touch" if rp.trim_min_touches == 1 else f"fewer than {rp.trim_min_touches} touches"
    notes.append(
        f"Trim: spend for at least {rp.trim_after_quarters} quarters and {few} in the last "
        f"{rp.trim_after_quarters}; fill gaps: contacts below {rp.min_committee_coverage:.0%} of a "
        f"{p.roi.buying_committee_size}-person committee, under {rp.min_seat_share:.0%} of committee seats known, or "
        f"firmographics under {rp.min_firmographic_completeness:.0%} complete (grading.review in the params)."
    )
    return TargetReview(table, p.run.name, prev_name, rp, notes)
