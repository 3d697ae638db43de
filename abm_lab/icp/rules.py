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

__all__ = ["IcpRules", "learn_rules", "apply_icp", "save_icp", "load_icp", "ICP_YAML_HEADER"]

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

    ``stats``: coverage (share of accounts matching), precision (target rate among them),
    recall (share of targets matched), lift (precision / base rate), matched, base_rate.
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


def learn_rules(features: pd.DataFrame, y: Any, p: IcpParams | None = None, target_name: str = "customer") -> IcpRules:
    """Greedy readable rule (subgroup discovery): repeatedly add the condition
    'attribute in {values}' with the highest weighted relative accuracy inside the
    accounts already kept, share kept x (new precision - current precision), as long as
    the rule keeps at least ``icp.rule_min_recall`` of the targets, up to
    ``icp.rule_max_conditions`` conditions. Values qualify when their rate inside the
    kept accounts is ``icp.rule_value_lift`` times the kept rate and they have at least
    ``icp.min_segment_size`` kept accounts.
    """
    p = p or IcpParams()
    y = np.asarray(y, dtype=bool)
    labels = value_labels(features)
    n, pos = len(y), int(y.sum())
    base = y.mean() if n else 0.0
    keep = np.ones(n, bool)
    conds: list[tuple[str, list[str]]] = []
    steps = [
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
    for step in range(1, p.rule_max_conditions + 1):
        best = None
        kept_rate = y[keep].mean() if keep.any() else 0.0
        for attr in attrs:
            if any(a == attr for a, _ in conds):
                continue
            v = labels[attr].to_numpy()
            g = pd.DataFrame({"v": v[keep], "y": y[keep]}).groupby("v")["y"].agg(["size", "mean"])
            good = g[(g["size"] >= p.min_segment_size) & (g["mean"] >= kept_rate * p.rule_value_lift)]
            good = good[good.index != UNKNOWN]
            if good.empty or len(good) == len(g):
                continue
            vals = [str(x) for x in good.index]
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
    stats_ = {
        "accounts": n,
        "matched": int(keep.sum()),
        "coverage": float(keep.mean()) if n else 0.0,
        "precision": float(y[keep].mean()) if keep.any() else 0.0,
        "recall": float(y[keep].sum() / pos) if pos else 0.0,
        "base_rate": float(base),
        "lift": float(y[keep].mean() / base) if base and keep.any() else float("nan"),
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
