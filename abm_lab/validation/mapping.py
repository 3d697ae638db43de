"""Lead-to-account mapping and personas against the synthetic world's truth (notebook 03, demo world only).

The demo world knows each lead's true account and each contact's true persona, so the mapping's
precision and recall can be measured per cascade step (:func:`evaluate_mapping`), the touchpoints'
accounts checked (:func:`evaluate_touchpoints`) and the title parser scored (:func:`evaluate_personas`).
:func:`check_mapping` runs all three on a :class:`~abm_lab.mapping.MappingRun`; its headline figures
(precision, recall) go into ``summary_mapping.json`` next to the mapping's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..mapping.arrays import append_missing, as_object, positions
from ..mapping.cascade import METHODS
from ..mapping.contacts import MappingResult
from ..mapping.stage import MappingRun
from ..results import Results, Summary

__all__ = ["evaluate_mapping", "evaluate_touchpoints", "evaluate_personas", "MappingCheck", "check_mapping"]

#: Sort position of a method outside the cascade's steps (after them).
_OTHER_METHOD = len(METHODS)


def _correct_by_method(t: pd.DataFrame) -> pd.DataFrame:
    """Among matched rows of ``t`` (status, match_method, correct): rows and correct rows per method."""
    mt = (t["status"] == "matched").to_numpy()
    agg = pd.DataFrame({"m": as_object(t["match_method"])[mt], "c": t["correct"].to_numpy()[mt]}).groupby("m")["c"]
    return pd.concat([agg.size(), agg.sum()], axis=1)


def evaluate_mapping(result: MappingResult | pd.DataFrame, truth_contacts: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall against known truth, per method and overall.

    ``truth_contacts`` needs contact_id and true_account_id (and optionally ``identifiable``).
    Compares ``matched_account_id`` (before any roll-up). Per method: rows matched, correct,
    precision (correct / matched) and the method's share of the recall (its correct matches /
    all rows, resp. / identifiable rows; the per-method recalls add up to the total). Row 'all':
    precision over all matched rows, ``recall`` = correct / all rows, ``recall_identifiable`` =
    correct / rows the data could identify (the generator's ``identifiable`` flag: CRM link,
    corporate e-mail, company name or website present).
    """
    t = result.table if isinstance(result, MappingResult) else result
    pos = positions(t["contact_id"], truth_contacts["contact_id"])
    true_acc = append_missing(as_object(truth_contacts["true_account_id"]))[pos]
    if "identifiable" in truth_contacts.columns:
        ident_all = np.append(truth_contacts["identifiable"].fillna(True).to_numpy(dtype=bool), True)
        ident = pd.Series(ident_all[pos], index=t.index)
    else:
        ident = pd.Series(True, index=t.index)
    m = t[["status", "match_method"]].copy()
    got = as_object(t["matched_account_id"])
    m["correct"] = (m["status"] == "matched").to_numpy() & pd.notna(got) & (got == true_acc)
    rows = []
    for meth, (size, corr) in _correct_by_method(m).iterrows():
        rows.append(
            {
                "method": meth,
                "rows": int(size),
                "matched": int(size),
                "correct": int(corr),
                "precision": corr / size,
                "recall": corr / max(len(m), 1),
                "recall_identifiable": corr / max(int(ident.sum()), 1),
            }
        )
    rows.sort(key=lambda r: METHODS.index(r["method"]) if r["method"] in METHODS else _OTHER_METHOD)
    mt = m["status"] == "matched"
    rows.append(
        {
            "method": "all",
            "rows": len(m),
            "matched": int(mt.sum()),
            "correct": int(m["correct"].sum()),
            "precision": m.loc[mt, "correct"].mean() if mt.any() else np.nan,
            "recall": m["correct"].mean(),
            "recall_identifiable": m.loc[ident.to_numpy(), "correct"].mean() if ident.any() else np.nan,
        }
    )
    out = pd.DataFrame(rows).set_index("method")
    out.attrs["n_identifiable"] = int(ident.sum())
    out.attrs["n_ambiguous"] = int((m["status"] == "ambiguous").sum())
    out.attrs["n_unmatched"] = int((m["status"] == "unmatched").sum())
    return out


def evaluate_touchpoints(tp_mapped: pd.DataFrame, truth_touchpoints: pd.DataFrame) -> pd.DataFrame:
    """Precision/recall of touchpoint accounts against truth, per match method and overall."""
    pos = positions(tp_mapped["touchpoint_id"], truth_touchpoints["touchpoint_id"])
    true_acc = append_missing(as_object(truth_touchpoints["true_account_id"]))[pos]
    t = tp_mapped[["status", "match_method"]].copy()
    got = as_object(tp_mapped["account_id"])
    t["correct"] = (t["status"] == "matched").to_numpy() & pd.notna(got) & (got == true_acc)
    rows = []
    for meth, (size, corr) in _correct_by_method(t).iterrows():
        rows.append(
            {"method": meth, "matched": int(size), "correct": int(corr), "precision": corr / size, "recall": np.nan}
        )
    mt = t["status"] == "matched"
    rows.append(
        {
            "method": "all",
            "matched": int(mt.sum()),
            "correct": int(t["correct"].sum()),
            "precision": t.loc[mt, "correct"].mean() if mt.any() else np.nan,
            "recall": t["correct"].mean(),
        }
    )
    return pd.DataFrame(rows).set_index("method")


def evaluate_personas(parsed: pd.DataFrame, truth: pd.DataFrame, titles: pd.Series | None = None) -> pd.DataFrame:
    """Accuracy of parsed function / seniority against truth (rows with a title only)."""
    t = truth.set_index("contact_id")
    p = parsed.copy()
    ok = p["persona_function"].notna()
    f_true = p["contact_id"].map(t["persona_function"])
    s_true = p["contact_id"].map(t["persona_seniority"])
    res = {
        "rows_with_title": int(ok.sum()),
        "function_accuracy": float((p.loc[ok, "persona_function"] == f_true[ok]).mean()),
        "seniority_accuracy": float((p.loc[ok, "persona_seniority"] == s_true[ok]).mean()),
    }
    return pd.DataFrame([res])


@dataclass
class MappingCheck(Results):
    """The mapping of one run against the synthetic world's truth."""

    contacts: pd.DataFrame  # evaluate_mapping: per method and 'all'
    personas: pd.DataFrame  # evaluate_personas: one row
    touchpoints: pd.DataFrame | None = None  # evaluate_touchpoints (None with a parent roll-up)

    def headline(self) -> dict[str, Any]:
        """The truth-check fields of ``summary_mapping.json`` (:class:`~abm_lab.artefacts.MappingSummary`)."""
        a = self.contacts.loc["all"]
        return {
            "precision": float(a["precision"]),
            "recall": float(a["recall"]),
            "recall_identifiable": float(a["recall_identifiable"]),
            "precision_by_method": {k: float(v) for k, v in self.contacts["precision"].drop("all").items()},
        }

    def summary(self) -> Summary:
        out = Summary("Lead-to-account mapping against the synthetic truth")
        out.add_table(self.contacts, "contacts and leads, by cascade step")
        if self.touchpoints is not None:
            out.add_table(self.touchpoints, "touchpoints, by method")
        out.add_table(self.personas, "title parser")
        return out


def check_mapping(run: MappingRun, truth: dict[str, pd.DataFrame]) -> MappingCheck:
    """All truth checks of notebook 03 (touchpoints only without a parent roll-up: truth holds the
    matched account, not its parent)."""
    tp = None
    if "touchpoints" in truth and not run.result.params.rollup_to_parent:
        tp = evaluate_touchpoints(run.touchpoints, truth["touchpoints"])
    return MappingCheck(
        contacts=evaluate_mapping(run.result, truth["contacts"]),
        personas=evaluate_personas(
            run.contacts[["contact_id", "persona_function", "persona_seniority"]], truth["contacts"]
        ),
        touchpoints=tp,
    )
