"""The power chart of a holdout design: relative MDE of the primary metric by holdout share and by experiment
length, with the target MDE, drawn with the Agg canvas (no display, no global backend switch) in the ABM Lab
style (:mod:`abm_lab.style`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .. import style

#: Size (inches) of the two-panel chart.
FIGSIZE = (11, 4.2)


def power_figure(d: dict[str, Any]) -> Figure:
    """Two panels from design record ``d``: relative MDE of the primary metric against the holdout share (at the
    design's length) and against the length in quarters (at the design's share); the dashed line is the target."""
    pm, target = d["primary_metric"], d["target_mde"]
    share = pd.DataFrame(d["mde_curves"]["share"])
    length = pd.DataFrame(d["mde_curves"]["length"])
    share, length = share[share["metric"] == pm], length[length["metric"] == pm]
    with mpl.rc_context():
        style.apply()
        fig = Figure(figsize=FIGSIZE)
        FigureCanvasAgg(fig)
        ax1, ax2 = fig.subplots(1, 2, sharey=True)
        y1 = share["mde_relative"].to_numpy(float)
        ax1.plot(share["share"], y1, marker="o", color=style.PALETTE[0])
        mine = d["metrics"][pm]["mde_relative"]
        ax1.plot([d["share"]], [mine], marker="o", ms=10, mfc="none", color=style.PALETTE[1], label="this design")
        style.titles(
            ax1,
            "MDE by holdout share",
            "holdout share (% of randomised targets)",
            f"relative MDE of {pm} (%)",
            subtitle=f"{d['length_quarters']} quarter(s), power {d['power']:.0%}, two-sided α {d['alpha']}",
        )
        ax1.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        y2 = length["mde_relative"].to_numpy(float)
        ax2.plot(length["quarters"], y2, marker="o", color=style.PALETTE[0])
        ax2.plot([d["length_quarters"]], [mine], marker="o", ms=10, mfc="none", color=style.PALETTE[1])
        style.titles(
            ax2,
            "MDE by experiment length",
            "experiment length (quarters)",
            subtitle=f"holdout share {d['share']:.0%} ({d['n']['control']} control accounts)",
        )
        ax2.set_xticks(length["quarters"].to_numpy(int))
        for ax in (ax1, ax2):
            ax.axhline(target, ls="--", color=style.MUTED_COLOR, lw=1, label=f"target MDE {target:.0%}")
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        finite = np.concatenate([y1, y2, [target]])
        finite = finite[np.isfinite(finite)]
        ax1.set_ylim(0, 1.1 * float(finite.max()) if len(finite) else 1)
        ax1.legend(loc="upper right")
        style.source_line(fig, f"{style.SOURCE_NOTE} '{d['run']}': history of the randomised targets to {d['as_of']}")
    return fig


def save_power_chart(d: dict[str, Any], path: str | Path) -> Path:
    """Write :func:`power_figure` as PNG (no timestamp in the file, so a rerun gives the same bytes)."""
    fig = power_figure(d)
    fig.savefig(path, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return Path(path)
