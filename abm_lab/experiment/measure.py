"""The experiment inside :func:`abm_lab.roi.lift.run_lift`: effects, checks, and whether it is the headline.

The randomised comparison is the headline method whenever ``programs.arm`` marks controls, both arms hold at
least two accounts and the sample-ratio check passes; a failed check keeps the observational headline and says
why (:attr:`ExperimentResult.verdicts`). Balance and contamination warnings never demote it: randomisation
still holds, they say how to read it (bad luck, or an effect diluted towards zero).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..config.experiment import ExperimentParams
from ..roi.lift.sample import PeriodGrid
from .analysis import ExperimentSample, experiment_rows, experiment_sample
from .checks import arm_balance, contamination, joint_balance, sample_ratio


@dataclass
class ExperimentResult:
    """Effect rows of every outcome and method, the sample and the checks."""

    rows: list[dict[str, Any]]
    sample: ExperimentSample
    srm: dict[str, Any]
    balance: pd.DataFrame
    joint_balance: dict[str, Any]
    contamination: dict[str, Any]
    verdicts: list[str] = field(default_factory=list)
    valid: bool = True

    def diagnostics(self) -> dict[str, Any]:
        s = self.sample
        return {
            "headline": self.valid,
            "n_treatment": s.n_treatment,
            "n_control": s.n_control,
            "treatment_periods": int(s.weights[s.treat == 1].sum()),
            "control_periods": int(s.weights[s.treat == 0].sum()),
            "excluded": s.excluded,
            "tiers": sorted({str(t) for t in s.tier}),
            "sample_ratio": self.srm,
            "balance": self.balance,
            "joint_balance": self.joint_balance,
            "contamination": self.contamination,
            "verdicts": self.verdicts,
        }


def measure_experiment(
    programs: pd.DataFrame,
    arms: pd.Series,
    panel_ids: np.ndarray,
    grid: PeriodGrid,
    Y: np.ndarray,
    outcomes: list[str],
    covariates: pd.DataFrame,
    touchpoints: pd.DataFrame | None,
    params: ExperimentParams,
    level: float,
    partial_days: int = 0,
) -> ExperimentResult | None:
    """The experiment on the lift panel ``Y`` (eligible accounts × periods × ``outcomes``); ``covariates``: the
    pre-programme design frame of the panel's accounts (rows in ``panel_ids`` order) for the balance table.
    None when fewer than two randomised accounts are in an arm (nothing to compare)."""
    sample = experiment_sample(programs, arms, panel_ids, grid, params, partial_days)
    if min(sample.n_treatment, sample.n_control) < 2:
        return None
    srm = sample_ratio(sample.n_treatment, sample.n_control, params.holdout_share)
    cov = covariates.iloc[sample.rows].reset_index(drop=True)
    bal = arm_balance(cov, sample.treat.astype(bool))
    joint = joint_balance(cov, sample.treat)
    cont = contamination(touchpoints, sample, programs)
    rows = experiment_rows(Y, outcomes, sample, level)
    verdicts, valid = [], True
    if srm["p_value"] < params.srm_alpha:
        valid = False
        verdicts.append(
            f"Sample-ratio mismatch: {srm['n_control']} control vs {srm['n_treatment']} treatment accounts "
            f"(control share {srm['observed_share']:.1%}, pre-registered {srm['expected_share']:.1%}; χ² p = "
            f"{srm['p_value']:.2g}). The arms are not as randomised, so the experiment is not the headline."
        )
    if joint["p_value"] < params.balance_alpha:
        names = ", ".join(bal.reindex(bal["smd"].abs().sort_values(ascending=False).index)["covariate"].head(3))
        verdicts.append(
            f"Experiment balance: the pre-period covariates predict the arm (joint F-test p = {joint['p_value']:.2g}; "
            f"largest differences: {names}). Check the assignment; the regression adjustment accounts for the "
            "pre-period outcomes only."
        )
    if cont["checked"] and cont["share"] > params.contamination_share:
        verdicts.append(
            f"Contamination: {cont['contaminated']} of {cont['n_control']} control accounts ({cont['share']:.0%}) "
            "received programme touches after their start; the experiment measures a diluted effect (towards zero)."
        )
    if not cont["checked"]:
        verdicts.append("Contamination not checked: no touchpoints with program_id and account.")
    return ExperimentResult(rows, sample, srm, bal, joint, cont, verdicts, valid)


def experiment_cost(cost: float, treated: np.ndarray, sample: ExperimentSample) -> float:
    """The programme cost attributable to the experiment's treatment arm: ``cost`` × its share of the
    programme's treated account-periods (``treated``: the lift panel's treated-cell matrix)."""
    all_cells = float(treated.sum())
    arm_cells = float(treated[sample.rows[sample.treat == 1]].sum())
    return cost * arm_cells / all_cells if all_cells else float("nan")
