"""Fixtures of the attribution tests: peer data (ChannelAttribution) and a synthetic world's account journeys."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

PEER = Path(__file__).resolve().parents[4] / "shared" / "datasets" / "attribution_paths"


@pytest.fixture(scope="session")
def peer() -> Path:
    """The folder of published attribution examples and ChannelAttribution's reference results."""
    if not PEER.is_dir():
        pytest.skip(f"peer data not found at {PEER} (../shared/datasets/attribution_paths); peer checks skipped")
    return PEER


@pytest.fixture(scope="session")
def pathdata(peer):
    """ChannelAttribution's PathData, its reference results and every model's credits on it."""
    from abm_lab.roi import attribution as A

    df = pd.read_csv(peer / "ChannelAttribution_PathData.csv", sep=";")
    ref = pd.read_csv(peer / "reference_results_ChannelAttribution_2.2.5.computed.csv").set_index("channel_name")
    pdata = A.paths_from_frame(df)
    return pdata, ref, A.attribute(pdata)
