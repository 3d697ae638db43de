"""Design of the randomised holdout of the next quarter's target list (``abm-lab design-holdout``).

:func:`design_holdout` stratifies the target accounts (tier × grade × pre-period engagement band, as
``experiment.strata`` says), holds out a share of each stratum with :func:`abm_lab.experiment.assign.assign_arms`
(tiers in ``experiment.exclude_tiers`` are never held out), and works out from the targets' own history what the
experiment can detect (:mod:`abm_lab.experiment.power`) and what holding out costs. The result,
:class:`HoldoutDesign`, writes the four artefacts of the design: the assignment, the design record (JSON), the
pre-registration (Markdown, :mod:`.prereg`) and the power chart (:mod:`.plots`).

Everything is a function of the target list, the data, the params and the seed: only ``created_at`` differs
between two runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..artefacts import artefact
from ..config import Params
from ..errors import ABMArtefactError, ABMDataError, ABMParamsError, format_rows
from ..results import Results, Summary
from ..utils import finite_json
from . import power as pw
from .assign import ARMS, assign_arms, stratum_counts
from .prereg import SMALL_ARM

#: Registry names of the design's artefacts (file names live in :mod:`abm_lab.artefacts.registry`).
OUTPUTS = ("holdout_assignment", "holdout_design", "holdout_preregistration", "holdout_power")
ASSIGNMENT_COLUMNS = ("account_id", "stratum", "arm", "tier", "grade", "engagement_band", "randomised")
TARGET_COLUMNS = ("account_id", "tier", "grade")
#: Plain-words definitions of the metrics (per target account per period; the lift panel's outcomes).
METRIC_DEFINITIONS = {
    "opp_rate": "opportunities created per target account per period",
    "pipeline": "amount of the opportunities created per target account per period",
    "won_revenue": "amount of the deals won (by close date) per target account per period",
}


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_target_list(path: str | Path, *, from_run: bool = True) -> pd.DataFrame:
    """The target list with ``account_id``, ``tier`` and ``grade`` as text; a clear error when the file is missing,
    lacks a column, has blank values or lists an account twice."""
    p = Path(path)
    if not p.exists():
        how = (
            "run `abm-lab run PARAMS` first (notebook 02 writes it), or set experiment.target_list"
            if from_run
            else "check experiment.target_list"
        )
        raise ABMArtefactError(f"target list {p} not found: {how}", artefact="target_accounts", file=str(p))
    df = pd.read_csv(p, dtype=str, keep_default_na=False, na_values=[""])
    missing = [c for c in TARGET_COLUMNS if c not in df.columns]
    if missing:
        raise ABMDataError(
            f"{p}: target list lacks column(s) {missing} (needs {list(TARGET_COLUMNS)})",
            file=str(p),
            column=missing[0],
            reason="missing column",
        )
    if df.empty:
        raise ABMDataError(f"{p}: target list has no accounts", file=str(p), column="account_id", reason="empty")
    for col in TARGET_COLUMNS:
        blank = df[col].isna() | (df[col].str.strip() == "")
        if blank.any():
            rows, text = format_rows(df, blank, list(TARGET_COLUMNS))
            raise ABMDataError(f"{p}: blank {col} in the target list:\n{text}", file=str(p), column=col, rows=rows)
    df["account_id"] = df["account_id"].str.strip()
    dup = df["account_id"].duplicated(keep=False)
    if dup.any():
        rows, text = format_rows(df, dup, ["account_id"])
        raise ABMDataError(
            f"{p}: accounts listed more than once in the target list:\n{text}",
            file=str(p),
            column="account_id",
            rows=rows,
        )
    return df


def touch_counts(touches: pd.DataFrame, account_ids: Any, start: Any, end: Any) -> pd.Series:
    """Touches with an account per account of ``account_ids`` from ``start`` to ``end`` (days, inclusive)."""
    ids = pd.Index(np.asarray(account_ids, dtype=object)).astype(str)
    ts = pd.to_datetime(touches["timestamp"])
    keep = touches["account_id"].notna() & (ts >= pd.Timestamp(start)) & (ts < pd.Timestamp(end) + pd.Timedelta(days=1))
    counts = touches.loc[keep, "account_id"].astype(str).value_counts()
    return counts.reindex(ids, fill_value=0).astype(int)


def engagement_bands(counts: Any, reference: Any, n_bands: int) -> np.ndarray:
    """Band 1 (least engaged) … ``n_bands`` of each count by its mid-rank among ``reference`` (the randomised
    accounts): tied counts share a band and bands are equal quantiles otherwise, so many zero-touch accounts form
    one low band instead of being split at random."""
    ref = np.sort(np.asarray(reference, float))
    v = np.asarray(counts, float)
    if not len(ref):
        return np.ones(len(v), int)
    lo, hi = np.searchsorted(ref, v, "left"), np.searchsorted(ref, v, "right")
    mid = (lo + (hi - lo) / 2) / len(ref)
    return np.minimum(np.floor(mid * n_bands).astype(int) + 1, n_bands)


def stratum_labels(frame: pd.DataFrame, variables: list[str], randomised: np.ndarray) -> np.ndarray:
    """``tier|grade|E<band>`` (the variables of ``experiment.strata``); ``excluded:<tier>`` when not randomised."""
    parts = [("E" + frame[v].astype(str)) if v == "engagement_band" else frame[v].astype(str) for v in variables]
    lab = parts[0].str.cat(parts[1:], sep="|") if parts else pd.Series("all", index=frame.index)
    return np.where(randomised, lab.to_numpy(object), ("excluded:" + frame["tier"].astype(str)).to_numpy(object))


def parse_share(value: Any, params: Params) -> float | str:
    ep = params.experiment
    if value is None:
        return ep.holdout_share
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    try:
        share = float(value)
    except (TypeError, ValueError):
        raise ABMParamsError(
            f"--share must be 'auto' or a share such as 0.1, not {value!r}", reason="bad share"
        ) from None
    if not 0 < share < 0.9:
        raise ABMParamsError(f"--share must be strictly between 0 and 0.9, not {share}", reason="bad share")
    return share


def _version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("abm-lab")
    except metadata.PackageNotFoundError:
        return None


@dataclass
class HoldoutDesign(Results):
    """The assignment (one row per target account) and the design record (JSON-ready dict)."""

    assignment: pd.DataFrame
    design: dict[str, Any]

    def summary(self) -> Summary:
        d = self.design
        n = d["n"]
        s = Summary(f"Holdout design: {n['control']} control of {n['randomised']} randomised target accounts")
        arms = pd.DataFrame(
            {"accounts": [n["treatment"], n["control"], n["excluded"]]}, index=["treatment", "control", "excluded"]
        )
        s.add_table(arms, "Arms")
        rows = {
            m: {
                "baseline": v["baseline"],
                "mde": v["mde"],
                "mde_relative": v["mde_relative"],
                "textbook_relative": v["mde_textbook_relative"],
            }
            for m, v in d["metrics"].items()
        }
        s.add_table(pd.DataFrame(rows).T, f"Minimum detectable effect per account-period (power {d['power']:.0%})")
        how = "given"
        if d["share_auto"]:
            reached = d["target_reachable"]
            how = "auto: smallest share reaching the target MDE" if reached else "auto: share with the smallest MDE"
        s.add_note(
            f"holdout share {d['share']:.0%} ({how}), seed {d['seed']}; {d['start_date']} to {d['analysis_date']}"
        )
        if d["share_auto"] and not d["target_reachable"]:
            s.add_note(
                f"target MDE {d['target_mde']:.0%} is not reachable on the share grid; "
                "the share with the smallest MDE is used"
            )
        c = d["cost_of_holdout"]
        s.add_note(f"expected cost of holding out: {c['foregone_pipeline']:,.0f} {d['currency']} of pipeline")
        if d["checks"].get("small_control_arm"):
            s.add_note(SMALL_ARM.format(n=d["n"]["control"], m=d["checks"]["min_control_accounts"]))
        if d.get("power_check"):
            pc = d["power_check"]
            s.add_note(
                f"placebo check: simulated power {pc['simulated_power']:.1%} ± {pc['mc_se']:.1%} at the formula's MDE "
                f"({pc['n_simulations']} simulations, target {pc['target_power']:.0%})"
            )
        return s

    def json_text(self) -> str:
        return json.dumps(finite_json(self.design), indent=2, default=str) + "\n"

    def write(self, folder: str | Path, *, force: bool = False) -> dict[str, Path]:
        """Write the four artefacts into ``folder``; existing ones only with ``force`` (nothing else is touched)."""
        from .plots import save_power_chart
        from .prereg import render

        folder = Path(folder)
        paths = {name: folder / artefact(name).file for name in OUTPUTS}
        existing = [str(p) for p in paths.values() if p.exists()]
        if existing and not force:
            raise ABMArtefactError(
                f"holdout design files exist already: {', '.join(existing)}; pass --force to overwrite them",
                artefact=OUTPUTS[0],
                file=existing[0],
            )
        folder.mkdir(parents=True, exist_ok=True)
        self.assignment.to_csv(paths["holdout_assignment"], index=False)
        paths["holdout_design"].write_text(self.json_text())
        paths["holdout_preregistration"].write_text(render(self.design))
        save_power_chart(self.design, paths["holdout_power"])
        return paths


def design_holdout(
    targets: pd.DataFrame,
    opportunities: pd.DataFrame,
    touches: pd.DataFrame | None,
    params: Params,
    *,
    share: Any = None,
    seed: int | None = None,
    provenance: dict[str, Any] | None = None,
) -> HoldoutDesign:
    """Design the holdout of ``targets`` (:func:`read_target_list`). ``touches``: touchpoints with ``account_id``
    (for the engagement bands; may be None when the strata do not use them). ``share``: a share, ``"auto"`` or
    None (``experiment.holdout_share``); ``seed``: None = ``experiment.seed``, else ``run.seed``."""
    ep, as_of = params.experiment, pd.Timestamp(params.run.as_of)
    days = params.roi.lift.panel_days
    chosen = parse_share(share, params)
    seed = seed if seed is not None else ep.seed if ep.seed is not None else params.run.seed
    start = pd.Timestamp(ep.start_date) if ep.start_date is not None else as_of + pd.Timedelta(days=1)
    if start <= as_of:
        raise ABMParamsError(
            f"experiment.start_date ({start.date()}) must be after run.as_of ({as_of.date()}): the pre-period is the "
            "history up to as_of",
            column="experiment.start_date",
            reason="start before as_of",
        )
    length = ep.length_quarters
    t = targets.assign(account_id=targets["account_id"].astype(str))
    t = t.sort_values("account_id", kind="stable").reset_index(drop=True)  # row order never matters
    randomised = ~t["tier"].astype(str).isin(ep.exclude_tiers).to_numpy()
    ids = t["account_id"].to_numpy(object)
    panel, grid = pw.history_panel(opportunities, ids, as_of, params.roi, ep.history_quarters)
    if touches is None:
        if "engagement_band" in ep.strata:
            raise ABMDataError("engagement bands need touchpoints with account_id", file="touchpoints")
        t["engagement_band"] = pd.NA
        band_info: list[dict[str, Any]] = []
    else:
        counts = touch_counts(touches, ids, grid.first_day, as_of).to_numpy()
        t["engagement_band"] = engagement_bands(counts, counts[randomised], ep.engagement_bands)
        band_info = [
            {
                "band": int(b),
                "accounts": int(sel.sum()),
                "min_touches": int(counts[sel].min()),
                "max_touches": int(counts[sel].max()),
            }
            for b in range(1, ep.engagement_bands + 1)
            if (sel := randomised & (t["engagement_band"].to_numpy() == b)).any()
        ]
    strata = stratum_labels(t, list(ep.strata), randomised)
    n_rand = int(randomised.sum())
    if n_rand < 4:
        raise ABMDataError(
            f"only {n_rand} target accounts can be randomised (tiers {list(ep.exclude_tiers)} are never held out); "
            "an experiment needs at least two accounts per arm",
            file="target list",
            column="tier",
            reason="too few accounts",
        )
    metrics = list(dict.fromkeys([ep.primary_metric, *ep.secondary_metrics]))
    rand_ids = ids[randomised]
    vcs = {m: pw.VarianceComponents.from_panel(panel, m, rand_ids) for m in metrics}
    kw = {"alpha": ep.alpha, "power": ep.power}
    reachable = None
    if chosen == "auto":
        chosen, reachable = pw.auto_share(
            vcs[ep.primary_metric], n_rand, ep.share_grid, ep.target_mde, length=length, **kw
        )
    share_f = float(chosen)
    arms = assign_arms(ids, strata, share_f, np.random.default_rng(seed), randomised)
    n_t, n_c = int((arms[randomised] == ARMS[0]).sum()), int((arms[randomised] == ARMS[1]).sum())
    if n_t < 2 or n_c < 2:
        raise ABMDataError(
            f"a holdout share of {share_f} of {n_rand} randomised target accounts gives {n_t} treatment and {n_c} "
            "control accounts; an experiment needs at least two per arm (raise --share or add targets)",
            file="target list",
            column="account_id",
            reason="too few accounts",
        )
    t["stratum"], t["arm"], t["randomised"] = strata, arms, randomised
    assignment = t[list(ASSIGNMENT_COLUMNS)].sort_values("account_id", kind="stable").reset_index(drop=True)

    out_metrics: dict[str, Any] = {}
    share_rows, length_rows = [], []
    for m, vc in vcs.items():
        r = pw.mde(vc, n_t, n_c, length=length, **kw)
        out_metrics[m] = {
            "definition": METRIC_DEFINITIONS[m],
            "baseline": vc.baseline,
            "sigma_b2": vc.sigma_b2,
            "sigma_w2": vc.sigma_w2,
            "between_relative_variance": vc.between,
            "dispersion": vc.dispersion,
            "residual_skewness": vc.skewness,
            "residual_kurtosis": vc.kurtosis,
            "variance_raw": vc.raw_variance(length),
            "variance_cuped": vc.residual_variance(length),
            "mde": r.absolute,
            "mde_relative": r.relative,
            "mde_textbook_relative": r.textbook,
            "balance": _balance(pw.panel_array(panel, m, rand_ids).mean(axis=1), arms[randomised]),
        }
        for row in pw.mde_curve_share(vc, n_rand, ep.share_grid, length=length, **kw).to_dict("records"):
            share_rows.append({"metric": m, **row})
        lengths = range(1, ep.max_length_quarters + 1)
        for row in pw.mde_curve_length(vc, n_t, n_c, lengths, **kw).to_dict("records"):
            length_rows.append({"metric": m, **row})

    power_check = None
    if ep.power_simulations > 0:
        post = min(length, grid.n_periods - 1)
        sim = pw.simulate_power(
            pw.panel_array(panel, ep.primary_metric, rand_ids),
            rand_ids,
            strata[randomised],
            share_f,
            length=post,
            n_simulations=ep.power_simulations,
            alpha=ep.alpha,
            power=ep.power,
            rng=np.random.default_rng([seed, 1]),
            metric=ep.primary_metric,
        )
        power_check = sim.to_dict()

    base_pipe = (
        vcs["pipeline"].baseline
        if "pipeline" in vcs
        else pw.VarianceComponents.from_panel(panel, "pipeline", rand_ids).baseline
    )
    counts_tbl = stratum_counts(strata[randomised], arms[randomised])
    design: dict[str, Any] = {
        "run": params.run.name,
        "as_of": str(as_of.date()),
        "start_date": str(start.date()),
        "analysis_date": str((start + pd.Timedelta(days=length * days - 1)).date()),
        "length_quarters": length,
        "period_days": days,
        "currency": params.run.currency,
        "primary_metric": ep.primary_metric,
        "secondary_metrics": [m for m in metrics if m != ep.primary_metric],
        "alpha": ep.alpha,
        "power": ep.power,
        "share": share_f,
        "share_auto": reachable is not None,
        "target_mde": ep.target_mde,
        "target_reachable": reachable,
        "seed": int(seed),
        "n": {"targets": len(t), "randomised": n_rand, "treatment": n_t, "control": n_c, "excluded": len(t) - n_rand},
        "exclude_tiers": list(ep.exclude_tiers),
        "excluded_by_tier": {str(k): int(v) for k, v in t.loc[~randomised, "tier"].value_counts().sort_index().items()},
        "strata": {
            "variables": list(ep.strata),
            "engagement_bands": ep.engagement_bands,
            "bands": band_info,
            "n_strata": len(counts_tbl),
            "table": [
                {"stratum": r.stratum, "treatment": int(r.treatment), "control": int(r.control), "n": int(r.n)}
                for r in counts_tbl.itertuples()
            ],
        },
        "history": {
            "periods": grid.n_periods,
            "first_day": str(grid.first_day.date()),
            "last_day": str(as_of.date()),
            "accounts": n_rand,
        },
        "metrics": out_metrics,
        "cost_of_holdout": {
            "baseline_pipeline_per_account_period": base_pipe,
            "assumed_lift": ep.assumed_lift,
            "periods": length,
            "n_control": n_c,
            "foregone_pipeline": n_c * base_pipe * ep.assumed_lift * length,
        },
        "checks": {
            "srm_alpha": ep.srm_alpha,
            "balance_alpha": ep.balance_alpha,
            "contamination_share": ep.contamination_share,
            "min_control_accounts": ep.min_control_accounts,
            "small_control_arm": bool(n_c < ep.min_control_accounts),
        },
        "mde_curves": {"share": share_rows, "length": length_rows},
        "power_check": power_check,
        "provenance": {
            **(provenance or {}),
            "abm_lab_version": _version(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    }
    return HoldoutDesign(assignment, design)


def _balance(x: np.ndarray, arms: np.ndarray) -> dict[str, float]:
    """History mean per arm and the standardised mean difference (the design-time balance of the draw)."""
    t, c = x[arms == ARMS[0]], x[arms == ARMS[1]]
    sd = np.sqrt((t.var(ddof=1) + c.var(ddof=1)) / 2) if len(t) > 1 and len(c) > 1 else float("nan")
    smd = float((t.mean() - c.mean()) / sd) if sd and np.isfinite(sd) and sd > 0 else 0.0
    return {"treatment_mean": float(t.mean()), "control_mean": float(c.mean()), "smd": smd}
