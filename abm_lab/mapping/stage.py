"""Notebook 03 as one object: map contacts and touchpoints, read personas, measure committee coverage, save.

:func:`run_stage` reads the run's tables and notebook 02's ``account_grades`` through the
:class:`~abm_lab.pipeline.RunContext` (a registered dependency: a missing file is a clear
:class:`~abm_lab.errors.ABMArtefactError` naming notebook 02, never a silent gap in the report);
:meth:`MappingRun.save` writes ``contacts_mapped``, ``touchpoints_mapped``, the two review queues,
``match_rates``, ``committee_coverage`` and ``summary_mapping`` (:class:`~abm_lab.artefacts.MappingSummary`).
Checks against the synthetic world's truth live in :mod:`abm_lab.validation.mapping`; attach them as
``run.truth_check`` before saving so their precision and recall land in the summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..artefacts import MappingSummary
from ..compute import Engine, open_engine
from ..config.compute import ComputeParams
from ..config.mapping import MappingParams
from ..results import Results, Summary
from .contacts import MappingResult, map_contacts
from .index import AccountIndex
from .personas import committee_coverage, committee_flags, coverage_by_tier, parse_titles, persona_involvement
from .touchpoints import map_touchpoints, touchpoint_match_rates

if TYPE_CHECKING:
    from ..pipeline import RunContext
    from ..validation.mapping import MappingCheck

__all__ = ["MappingRun", "run_mapping", "run_stage"]


@dataclass
class MappingRun(Results):
    """Everything notebook 03 produces: mapped contacts (with personas), mapped touchpoints, committee
    coverage per account, persona involvement in won vs lost deals; the ABM tier per account (from
    notebook 02) and, on synthetic data, the checks against truth when attached."""

    result: MappingResult
    contacts: pd.DataFrame  # contacts_mapped: mapping + persona columns
    touchpoints: pd.DataFrame  # touchpoints_mapped
    coverage: pd.DataFrame  # committee_coverage
    involvement: pd.DataFrame  # persona_involvement
    grades: pd.DataFrame | None = None  # account_id, tier (account_grades of notebook 02)
    truth_check: MappingCheck | None = None  # abm_lab.validation.mapping.check_mapping (synthetic data only)

    CONTACT_COLUMNS = (
        "contact_id",
        "status",
        "account_id",
        "match_method",
        "match_confidence",
        "persona_function",
        "persona_seniority",
        "is_key_persona",
        "matched_account_id",
        "match_score",
        "tie_break",
        "reason",
        "source",
        "record_type",
    )

    def match_rates(self) -> pd.DataFrame:
        """Rates by source, status and method for contacts and for touchpoints (one table)."""
        return pd.concat([self.result.match_rates(), touchpoint_match_rates(self.touchpoints)], ignore_index=True)

    def coverage_by_tier(self) -> pd.DataFrame | None:
        """Mean committee coverage and engaged share per ABM tier (None without the grades)."""
        return None if self.grades is None else coverage_by_tier(self.coverage, self.grades)

    def headline(self) -> MappingSummary:
        """The headline figures written to ``summary_mapping.json`` (no timings: those are in the manifest)."""
        c = self.result.counts()
        n = max(sum(c.values()), 1)
        t = self.touchpoints
        anon = t["contact_id"].isna()
        fields: dict[str, Any] = {
            "contacts": int(n),
            "matched": c["matched"],
            "ambiguous": c["ambiguous"],
            "unmatched": c["unmatched"],
            "match_rate": c["matched"] / n,
            "by_method": {k: int(v) for k, v in self.result.method_table()["n"].items()},
            "touchpoints": int(len(t)),
            "touchpoint_match_rate": float((t["status"] == "matched").mean()) if len(t) else None,
            "anonymous_visits": int(anon.sum()),
            "anonymous_match_rate": float((t.loc[anon, "status"] == "matched").mean()) if anon.any() else None,
            "accounts_with_key_persona": int((self.coverage["n_key_personas"] > 0).sum()),
            "mean_coverage_share": float(self.coverage["coverage_share"].mean()),
            "mean_engaged_share": float(self.coverage["engaged_share"].mean()),
        }
        if self.truth_check is not None:
            fields.update(self.truth_check.headline())
        return MappingSummary(**fields)

    def executive_summary(self) -> str:
        """3–5 sentences of Markdown with the key numbers (generated, never hard-coded)."""
        h = self.headline()
        meth = self.result.method_table()
        top = meth["n"].idxmax() if len(meth) else "-"
        reasons = self.result.unmatched_reasons()
        why = f", most often: {reasons.index[0]} ({reasons.iloc[0] / max(h.unmatched, 1):.0%})" if len(reasons) else ""
        s = [
            f"**{h.match_rate:.1%}** of {h.contacts:,} contacts and leads were tied to an account "
            f"({h.matched:,}); {h.ambiguous:,} wait in the ambiguous review queue and {h.unmatched:,} "
            f"are unmatched{why}."
        ]
        s.append(
            f"The most used step was **{top.replace('_', ' ')}** ({meth.loc[top, 'n']:,} rows); fuzzy name "
            f"matching placed {int(meth['n'].get('fuzzy_name', 0)):,} rows that exact keys missed."
        )
        if h.anonymous_match_rate is not None:
            s.append(
                f"{h.anonymous_match_rate:.1%} of {h.anonymous_visits:,} anonymous web visits were tied to an "
                f"account through their reverse-IP domain; {h.touchpoint_match_rate:.1%} of all touchpoints "
                "now carry an account."
            )
        if h.precision is not None:
            s.append(
                f"Against the synthetic world's truth the matches are **{h.precision:.2%} precise**, with recall "
                f"{h.recall_identifiable:.2%} over identifiable leads ({h.recall:.2%} over all leads)."
            )
        s.append(
            f"{h.accounts_with_key_persona:,} accounts have at least one buying-committee persona; on average "
            f"{h.mean_coverage_share:.0%} of committee seats are known and {h.mean_engaged_share:.0%} engaged "
            "in the window."
        )
        return " ".join(s)

    def summary(self) -> Summary:
        """Headline figures, matched rows per step and (with the grades) coverage per ABM tier."""
        h = self.headline().model_dump(exclude_none=True)
        flat = {k: v for k, v in h.items() if not isinstance(v, dict)}
        out = Summary("Lead-to-account mapping and buying committees")
        out.add_table(pd.Series(flat, name="value").to_frame(), "headline figures")
        out.add_table(self.result.method_table(), "matched by method")
        by_tier = self.coverage_by_tier()
        if by_tier is not None:
            out.add_table(by_tier, "committee coverage by ABM tier")
        out.add_note(self.executive_summary().replace("**", ""))
        return out

    def save(self, ctx: RunContext) -> dict[str, str]:
        """Write the notebook's artefacts into the run folder; returns {name: path}."""
        paths = {}
        cm = self.contacts[[c for c in self.CONTACT_COLUMNS if c in self.contacts.columns]].copy()
        for c in cm.columns:
            if c == "status" or cm[c].dtype == object or str(cm[c].dtype) == "str":
                cm[c] = cm[c].astype("string")
        tables: list[tuple[str, pd.DataFrame]] = [
            ("contacts_mapped", cm),
            ("touchpoints_mapped", self.touchpoints),
            ("review_ambiguous", self.result.ambiguous),
            ("review_unmatched", self.result.unmatched),
            ("match_rates", self.match_rates()),
            ("committee_coverage", self.coverage),
        ]
        for name, df in tables:
            p = ctx.path(name)
            if p.suffix == ".parquet":
                df.to_parquet(p, index=False)
            else:
                df.to_csv(p, index=False)
            paths[name] = str(p)
        paths["summary_mapping"] = str(ctx.save_summary("mapping", self.headline()))
        return paths


def run_mapping(
    tables: dict[str, pd.DataFrame],
    params: MappingParams,
    window_start: Any,
    window_end: Any,
    compute: ComputeParams | None = None,
    engine: Engine | None = None,
) -> MappingRun:
    """Map contacts and touchpoints, parse personas, committee coverage in the window [window_start,
    window_end] and involvement in won vs lost deals (``tables``: accounts, contacts, touchpoints,
    opportunities). The mapping's key joins run on ``engine`` if given, else on one engine made from
    ``compute`` (DuckDB by default) for both the contacts and the touchpoints."""
    idx = AccountIndex.build(tables["accounts"], params)
    with open_engine(engine, compute) as eng:
        res = map_contacts(tables["contacts"], tables["accounts"], params, index=idx, engine=eng)
        tp = map_touchpoints(tables["touchpoints"], res, tables["accounts"], params, index=idx, engine=eng)
    con = tables["contacts"].reset_index(drop=True)
    titles = con["job_title"] if "job_title" in con.columns else pd.Series(pd.NA, index=con.index, dtype="string")
    per = parse_titles(titles)
    cm = pd.concat([res.table.reset_index(drop=True), per.reset_index(drop=True)], axis=1)
    cm["is_key_persona"] = (
        committee_flags(cm, params.committee)["is_key_persona"].to_numpy() & (cm["status"] == "matched").to_numpy()
    )
    cov = committee_coverage(cm, tp, tables["accounts"], params, window_start, window_end)
    inv = persona_involvement(tables["opportunities"], cm, tp, params)
    return MappingRun(result=res, contacts=cm, touchpoints=tp, coverage=cov, involvement=inv)


def run_stage(ctx: RunContext) -> MappingRun:
    """Notebook 03 on a run: :func:`run_mapping` on the run's tables and window, its key joins on the run's
    compute engine (``compute`` params), with the ABM tiers of notebook 02 (``account_grades``, required:
    loaded first, so a missing file fails before any work)."""
    grades = ctx.load("account_grades")[["account_id", "tier"]]
    p = ctx.params
    run = run_mapping(ctx.tables, p.mapping, p.run.window_start, p.run.window_end, compute=p.compute)
    run.grades = grades
    return run
