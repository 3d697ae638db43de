"""Readable ICP: one rule a marketer can read, saved as an editable ``icp.yaml``.

:func:`learn_rules` builds the rule ("Software or Financial Services, 200–4,999 employees, uses CRM") with
its coverage and precision; :func:`save_icp` / :func:`load_icp` write and read ``icp.yaml``, which notebook
02 can apply instead of the model (:func:`apply_icp`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from sklearn.model_selection import StratifiedKFold

from ..artefacts import artefact
from ..config.icp import IcpParams
from ..errors import ABMDataError
from .features import (
    CATEGORICAL,
    UNKNOWN,
    account_features,
    band_labels,
    band_order,
    bands_of,
    tech_label,
    value_labels,
)

__all__ = ["IcpRules", "learn_rules", "held_out_rule_stats", "apply_icp", "save_icp", "load_icp", "ICP_YAML_HEADER"]

#: The comment block at the top of every ``icp.yaml``.
ICP_YAML_HEADER = (
    "# Ideal customer profile (ICP) from notebook 01 - editable.\n"
    "# An account matches when it meets ALL conditions; each condition lists allowed values.\n"
    "# Attributes: industry, employee_band, revenue_band, region, founded_band, tech_* (values yes/no).\n"
    "# Band labels come from 'bands' (inner edges). Set grading.score_source: rules to grade with this file.\n"
)

#: The rules file notebook 01 writes (name from the artefact registry).
ICP_RULES_FILE = artefact("icp_rules").file


def _merge_bands(values: list[str], order: list[str]) -> list[str]:
    """Merge contiguous bands into ranges for reading: ['200–999', '1,000–4,999'] -> ['200–4,999']."""
    pos = sorted(order.index(v) for v in values if v in order)
    groups: list[list[int]] = []
    cur: list[int] = []
    for i in pos:
        if cur and i == cur[-1] + 1:
            cur.append(i)
        else:
            if cur:
                groups.append(cur)
            cur = [i]
    if cur:
        groups.append(cur)
    out = []
    for g in groups:
        a, b = order[g[0]], order[g[-1]]
        if a == b:
            out.append(a)
            continue
        lo = a.split("–")[0] if "–" in a else a
        hi = b.split("–")[-1] if "–" in b else b
        if a.startswith("<") or a.startswith("before"):
            out.append(f"up to {hi}" if "–" in b else "any")
        elif b.endswith("+") or b.endswith("or later"):
            out.append(f"{lo}+" if not lo.endswith("+") else lo)
        else:
            out.append(f"{lo}–{hi}")
    return out


@dataclass
class IcpRules:
    """A readable ICP: all ``conditions`` must hold; each is (attribute, allowed values).

    ``stats``: coverage (share of accounts matching), precision (target rate among them), recall (share of
    targets matched) and lift (precision / base rate), these three held out (cross-validated, see
    :func:`held_out_rule_stats`), with their in-sample values as ``*_in_sample``; matched, base_rate,
    coverage_held_out, cv_folds.
    ``bands`` keeps the band edges so the rule can be applied to raw accounts later.
    """

    conditions: list[tuple[str, list[str]]]
    stats: dict[str, float] = field(default_factory=dict)
    bands: dict[str, list[float]] = field(default_factory=dict)
    target: str = "customer"
    steps: pd.DataFrame | None = None

    def describe_condition(self, attr: str, values: list[str]) -> str:
        if attr.startswith("tech_"):
            if values == ["yes"]:
                return f"uses {tech_label(attr)}"
            if values == ["no"]:
                return f"does not use {tech_label(attr)}"
            return f"{tech_label(attr)}: {' or '.join(values)}"
        if attr == "employee_band":
            order = band_labels(self.bands.get("employees", IcpParams().employee_bands), "employees")
            return " or ".join(_merge_bands(values, order)) + " employees"
        if attr == "revenue_band":
            order = band_labels(self.bands.get("revenue", IcpParams().revenue_bands), "revenue")
            return " or ".join(_merge_bands(values, order)) + " revenue"
        if attr == "founded_band":
            return "founded " + " or ".join(values)
        if attr == "region":
            return "region " + " or ".join(values)
        return " or ".join(values)

    def describe(self) -> str:
        """The rule in words, e.g. 'Software or Financial Services, 200–4,999 employees, uses CRM'."""
        if not self.conditions:
            return "all accounts (no condition improved on the base rate)"
        return ", ".join(self.describe_condition(a, v) for a, v in self.conditions)

    def table(self) -> pd.DataFrame:
        """The rule built step by step: condition, accounts kept, precision, recall."""
        return self.steps if self.steps is not None else pd.DataFrame()

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "description": self.describe(),
            "target": self.target,
            "match": "all",
            "conditions": [
                {"attribute": a, "in": list(v), "reads": self.describe_condition(a, v)} for a, v in self.conditions
            ],
            "bands": {k: [float(x) for x in v] for k, v in self.bands.items()},
            "stats": {k: (round(float(v), 4) if isinstance(v, float) else v) for k, v in self.stats.items()},
        }

    @classmethod
    def from_dict(cls, d: Any, file: str | None = None) -> IcpRules:
        file = file or ICP_RULES_FILE
        if not isinstance(d, dict) or "conditions" not in d:
            raise ABMDataError(
                f"{file}: expected a mapping with a 'conditions' list",
                file=file,
                column="conditions",
                reason="bad icp file",
            )
        conds = []
        for i, c in enumerate(d.get("conditions") or []):
            if not isinstance(c, dict) or "attribute" not in c or "in" not in c:
                raise ABMDataError(
                    f"{file}: condition {i + 1} needs 'attribute' and 'in' (list of values), got {c!r}",
                    file=file,
                    column=f"conditions.{i}",
                    reason="bad condition",
                )
            attr = str(c["attribute"])
            if attr not in CATEGORICAL and not attr.startswith("tech_"):
                raise ABMDataError(
                    f"{file}: condition {i + 1} uses unknown attribute '{attr}'; use one of "
                    f"{list(CATEGORICAL)} or a tech_* flag",
                    file=file,
                    column=f"conditions.{i}",
                    reason="unknown attribute",
                )
            vals = c["in"] if isinstance(c["in"], list) else [c["in"]]
            vals = [("yes" if v is True else "no" if v is False else str(v)) for v in vals]
            conds.append((attr, vals))
        return cls(
            conds,
            dict(d.get("stats") or {}),
            {k: list(v) for k, v in (d.get("bands") or {}).items()},
            str(d.get("target", "customer")),
        )


def _greedy_rule(
    features: pd.DataFrame, y: np.ndarray, p: IcpParams
) -> tuple[list[tuple[str, list[str]]], np.ndarray, list[dict[str, Any]]]:
    """The greedy search of :func:`learn_rules` on (features, y): (conditions, accounts kept, steps)."""
    labels = value_labels(features)
    n, pos = len(y), int(y.sum())
    base = y.mean() if n else 0.0
    keep = np.ones(n, bool)
    conds: list[tuple[str, list[str]]] = []
    steps: list[dict[str, Any]] = [
        {
            "step": 0,
            "condition": "all accounts",
            "accounts": n,
            "coverage": 1.0,
            "precision": base,
            "recall": 1.0,
            "lift": 1.0,
        }
    ]
    attrs = list(labels.columns)
    cols = {a: labels[a].to_numpy() for a in attrs}
    for step in range(1, p.rule_max_conditions + 1):
        best = None
        kept_rate = y[keep].mean() if keep.any() else 0.0
        for attr in attrs:
            if any(a == attr for a, _ in conds):
                continue
            v = cols[attr]
            codes, uniq = pd.factorize(v[keep], use_na_sentinel=False)
            size = np.bincount(codes, minlength=len(uniq))
            rate = np.bincount(codes, weights=y[keep], minlength=len(uniq)) / np.maximum(size, 1)
            good = (size >= p.min_segment_size) & (rate >= kept_rate * p.rule_value_lift)
            good &= np.asarray([u != UNKNOWN for u in uniq], bool)
            if not good.any() or good.sum() == len(uniq):
                continue
            vals = sorted(str(x) for x in np.asarray(uniq, dtype=object)[good])
            new = keep & np.isin(v, vals)
            if pos == 0 or y[new].sum() / pos < p.rule_min_recall:
                continue
            prec = y[new].mean()
            # weighted relative accuracy inside the accounts already kept
            score = (new.sum() / keep.sum()) * (prec - kept_rate)
            if best is None or score > best[0]:
                best = (score, attr, vals, new)
        if best is None or best[0] <= 0:
            break
        _, attr, vals, keep = best
        order = band_order(features, attr, p) if attr in CATEGORICAL else ["yes", "no"]
        vals = sorted(vals, key=lambda s: order.index(s) if s in order else len(order))
        conds.append((attr, vals))
        rules_tmp = IcpRules(conds, bands=bands_of(p))
        steps.append(
            {
                "step": step,
                "condition": rules_tmp.describe_condition(attr, vals),
                "accounts": int(keep.sum()),
                "coverage": keep.mean(),
                "precision": y[keep].mean(),
                "recall": y[keep].sum() / max(pos, 1),
                "lift": (y[keep].mean() / base) if base else float("nan"),
            }
        )
    return conds, keep, steps


def _matches(labels: pd.DataFrame, conds: list[tuple[str, list[str]]]) -> np.ndarray:
    """Rows of ``labels`` (value labels) that meet every condition."""
    m = np.ones(len(labels), bool)
    for attr, vals in conds:
        m &= np.isin(labels[attr].to_numpy(), vals)
    return m


def held_out_rule_stats(features: pd.DataFrame, y: Any, p: IcpParams | None = None, seed: int = 0) -> dict[str, float]:
    """Precision, recall, lift and coverage of the rule search scored on accounts it did not learn from.

    Stratified ``icp.cv_folds``-fold cross-validation: the rule is learned on k-1 folds (same search and params as
    :func:`learn_rules`) and applied to the fold left out; every account is scored once, by a rule learned
    without it, and the figures pool the held-out folds. On data without a real profile the in-sample precision
    of a greedy rule is optimistic (it picked the values that happened to have more targets); the held-out
    precision is not. Fewer than 2 targets or non-targets: NaN figures and ``cv_folds`` 0.
    """
    p = p or IcpParams()
    y = np.asarray(y, dtype=bool)
    n, pos = len(y), int(y.sum())
    k = min(p.cv_folds, pos, n - pos)
    nan = float("nan")
    if k < 2:
        return {"precision": nan, "recall": nan, "lift": nan, "coverage": nan, "cv_folds": 0}
    labels = value_labels(features)
    matched = np.zeros(n, bool)
    for train, test in StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(n), y):
        conds, _, _ = _greedy_rule(features.iloc[train], y[train], p)
        matched[test] = _matches(labels.iloc[test], conds)
    prec = float(y[matched].mean()) if matched.any() else nan
    return {
        "precision": prec,
        "recall": float(y[matched].sum() / pos),
        "lift": prec / float(y.mean()),
        "coverage": float(matched.mean()),
        "cv_folds": k,
    }


def learn_rules(
    features: pd.DataFrame, y: Any, p: IcpParams | None = None, target_name: str = "customer", seed: int = 0
) -> IcpRules:
    """Greedy readable rule (subgroup discovery): repeatedly add the condition
    'attribute in {values}' with the highest weighted relative accuracy inside the
    accounts already kept, share kept x (new precision - current precision), as long as
    the rule keeps at least ``icp.rule_min_recall`` of the targets, up to
    ``icp.rule_max_conditions`` conditions. Values qualify when their rate inside the
    kept accounts is ``icp.rule_value_lift`` times the kept rate and they have at least
    ``icp.min_segment_size`` kept accounts.

    The rule's ``stats`` report precision, recall and lift **held out** (:func:`held_out_rule_stats`, folds
    shuffled with ``seed``); the figures on the accounts the rule was learned from are kept as
    ``precision_in_sample``, ``recall_in_sample`` and ``lift_in_sample`` (and in the step table, which shows
    how the rule was built). ``coverage`` is the share of all accounts the final rule matches.
    """
    p = p or IcpParams()
    y = np.asarray(y, dtype=bool)
    n, pos = len(y), int(y.sum())
    base = y.mean() if n else 0.0
    conds, keep, steps = _greedy_rule(features, y, p)
    ho = held_out_rule_stats(features, y, p, seed)
    stats_ = {
        "accounts": n,
        "matched": int(keep.sum()),
        "coverage": float(keep.mean()) if n else 0.0,
        "precision": ho["precision"],
        "recall": ho["recall"],
        "lift": ho["lift"],
        "base_rate": float(base),
        "precision_in_sample": float(y[keep].mean()) if keep.any() else 0.0,
        "recall_in_sample": float(y[keep].sum() / pos) if pos else 0.0,
        "lift_in_sample": float(y[keep].mean() / base) if base and keep.any() else float("nan"),
        "coverage_held_out": ho["coverage"],
        "cv_folds": ho["cv_folds"],
    }
    return IcpRules(conds, stats_, bands_of(p), target_name, pd.DataFrame(steps))


def apply_icp(accounts: pd.DataFrame, rules: IcpRules | dict | str | Path) -> pd.DataFrame:
    """Apply ICP rules (object, dict or path of icp.yaml) to canonical accounts.

    Returns one row per account (index account_id): conditions_met, matches (bool),
    rule_score (0–100 = share of conditions met; 100 when the rule has no conditions).
    A tech_* attribute absent from the accounts counts as not used.
    """
    if isinstance(rules, (str, Path)):
        rules = load_icp(rules)
    elif isinstance(rules, dict):
        rules = IcpRules.from_dict(rules)
    feats = value_labels(account_features(accounts, bands=rules.bands))
    met = np.zeros(len(feats), int)
    for attr, vals in rules.conditions:
        if attr in feats.columns:
            met += np.isin(feats[attr].to_numpy(), vals)
        elif attr.startswith("tech_") and "no" in vals:
            met += 1
    k = len(rules.conditions)
    return pd.DataFrame(
        {
            "conditions_met": met,
            "matches": met == k,
            "rule_score": 100.0 * met / k if k else np.full(len(feats), 100.0),
        },
        index=feats.index,
    )


def save_icp(rules: IcpRules, path: str | Path) -> Path:
    """Write the rules as an editable YAML file (with a header explaining how to edit it)."""
    path = Path(path)
    path.write_text(ICP_YAML_HEADER + yaml.safe_dump(rules.to_dict(), sort_keys=False, allow_unicode=True))
    return path


def load_icp(path: str | Path) -> IcpRules:
    """Read an icp.yaml written by :func:`save_icp` (possibly edited); clear error if malformed."""
    path = Path(path)
    if not path.exists():
        raise ABMDataError(f"{path}: ICP file not found (run notebook 01 first)", file=str(path), reason="not found")
    try:
        d = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ABMDataError(f"{path}: not valid YAML: {exc}", file=str(path), reason="bad yaml") from None
    return IcpRules.from_dict(d, str(path))
