"""Real-data check of notebooks 01 and 02: ICP and grading on Maven Analytics' public CRM sample.

85 accounts, every one with a won deal: :func:`maven_check` runs :func:`abm_lab.icp.discover` and
:func:`abm_lab.grading.grade_accounts` on it through the ``maven_crm`` column mapping and says, in words,
what so small a real account list can and cannot support.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Params
from ..config.grading import GRADES
from ..grading import GradingResult, grade_accounts
from ..icp import IcpResult, discover
from ..results import Results, Summary

__all__ = ["MAVEN_DIRS", "MAVEN_PRESET", "MavenCheck", "find_maven", "maven_check"]

#: Where the Maven CRM files are looked for, relative to the project root (first found wins).
MAVEN_DIRS = ("data/real/maven_crm", "../shared/datasets/maven_crm")
#: Files the check needs in that folder.
MAVEN_FILES = ("accounts.csv", "sales_pipeline.csv")
MAVEN_PRESET = "maven_crm"
#: Tier sizes for 85 accounts (the demo's defaults are capped at these): strategic, ABM-lite, clusters.
MAVEN_STRATEGIC_N = 5
MAVEN_ABM_LITE_N = 20
MAVEN_N_CLUSTERS = 3


@dataclass
class MavenCheck(Results):
    """The Maven CRM check: ``available`` (files found), ``message`` (Markdown: what 85 accounts can and cannot
    support, or why the check was skipped) and, when available, ``icp`` (IcpResult), ``grading``
    (GradingResult), ``value_by_grade`` (won revenue per account by grade) and ``path`` (the folder read)."""

    available: bool
    message: str
    icp: IcpResult | None = None
    grading: GradingResult | None = None
    value_by_grade: pd.DataFrame | None = None
    path: str | None = None

    def summary(self) -> Summary:
        out = Summary("Real data: Maven CRM sample" + ("" if self.available else " (not found)"))
        if self.value_by_grade is not None:
            out.add_table(self.value_by_grade, "Won revenue per account by grade")
        return out.add_note(self.message)


def find_maven(root: str | Path = ".") -> Path | None:
    """The Maven CRM folder (``data/real/maven_crm`` or ``../shared/datasets/maven_crm``), or None."""
    for d in MAVEN_DIRS:
        p = (Path(root) / d).resolve()
        if all((p / f).exists() for f in MAVEN_FILES):
            return p
    return None


def maven_check(root: str | Path = ".", params: Params | None = None, folder: str | Path | None = None) -> MavenCheck:
    """Run ICP + grading on the Maven CRM sample (85 accounts) through the column mapping (see :class:`MavenCheck`)."""
    from ..config import parse_params
    from ..data.io import load_dataset

    path = Path(folder) if folder else find_maven(root)
    if path is None or not (path / "accounts.csv").exists():
        return MavenCheck(
            False, "Maven CRM files not found in " + " or ".join(MAVEN_DIRS) + ": real-data check skipped."
        )
    base = params.model_dump(mode="json") if params is not None else {}
    base["data"] = {"source": "folder", "path": str(path.resolve()), "preset": MAVEN_PRESET}
    mp = parse_params(base)
    ds = load_dataset(mp, root)
    acc, opp = ds.tables["accounts"], ds.tables["opportunities"]
    res = discover(acc, opp, mp.icp, seed=mp.run.seed)
    gp = mp.grading.model_copy(
        update={
            "score_source": "model",
            "exclude_customers": False,
            "strategic_n": min(mp.grading.strategic_n, MAVEN_STRATEGIC_N),
            "abm_lite_n": min(mp.grading.abm_lite_n, MAVEN_ABM_LITE_N),
            "n_clusters": min(mp.grading.n_clusters, MAVEN_N_CLUSTERS),
        }
    )
    gr = grade_accounts(acc, opp, res.fit_scores, gp, seed=mp.run.seed, score_origin=res.headline()["model"])
    won = opp[opp["is_won"]].groupby("account_id")["amount"].sum()
    g = gr.grades.assign(
        won_revenue=gr.grades["account_id"].map(won).fillna(0.0).to_numpy(), high_value=np.asarray(res.y, bool)
    )
    vbg = g.groupby("grade").agg(
        accounts=("account_id", "size"),
        won_revenue_per_account=("won_revenue", "mean"),
        high_value=("high_value", "sum"),
    )
    vbg = vbg.reindex(list(GRADES)).dropna(how="all").reset_index()
    vbg["accounts"] = vbg["accounts"].astype(int)
    vbg["high_value"] = vbg["high_value"].astype(int)
    return MavenCheck(True, _message(acc, opp, res, mp), res, gr, vbg, str(path))


def _message(acc: pd.DataFrame, opp: pd.DataFrame, res: IcpResult, mp: Params) -> str:
    """What 85 accounts can and cannot support, in Markdown."""
    n, n_c = len(acc), int(acc["is_customer"].astype(bool).sum())
    n_ind = acc["industry"].nunique()
    small = int(res.lifts.table["small_sample"].sum())
    na_share = float((acc["region"] == "NA").mean())
    st = res.rules.stats
    return (
        f"**Real data (Maven CRM, {n} accounts, {len(opp):,} opportunities).** {n_c} of {n} accounts have a won deal, "
        f"so every account is a customer: there are no prospects to contrast them with, and a customers-vs-rest "
        f"lookalike model is impossible (it would need at least {mp.icp.min_customers} customers *and* a universe of "
        f"non-customers). What 85 accounts can support: a descriptive value profile, contrasting the top "
        f"{mp.icp.high_value_share:.0%} of customers by won revenue ({int(res.y.sum())} accounts) with the rest, with "
        f"wide intervals — {small} of {len(res.lifts.table)} segments have fewer than {mp.icp.min_segment_size} "
        f"accounts, {n_ind} industries share 85 accounts, {na_share:.0%} are in North America and there are no "
        f'technographic flags. The readable rule ("{res.rules.describe()}", held-out precision '
        f"{st.get('precision', float('nan')):.0%}, recall {st.get('recall', float('nan')):.0%}) "
        f"is a hypothesis to test, not a validated ICP. What it cannot support: a fitted model, calibrated "
        f"probabilities, SHAP drivers, or grades that predict new-logo wins; the grades below only rank existing "
        f"customers by resemblance to the high-value group (useful for expansion, not acquisition)."
    )
