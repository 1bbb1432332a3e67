"""Set simulated curves against reported claims: the simulated value at each claim's date and faction."""

from __future__ import annotations

import numpy as np
import pandas as pd

COMPARE_COLUMNS = ["date", "faction", "measure", "claimed", "low", "high", "simulated", "difference", "in_range",
                   "source"]


def compare_claims(curves: pd.DataFrame, claims: pd.DataFrame, region_km2: float) -> pd.DataFrame:
    """One row per claim: the simulated value that day, the difference (simulated - claimed), in range or not.

    `held_pct` is compared as a share of the region's area. A claim dated outside the run has no
    simulated value and counts as not in range.
    """
    rows = []
    for _, c in claims.iterrows():
        day = curves[(curves["date"] == c["date"]) & (curves["faction"] == c["faction"])]
        if day.empty:
            sim = np.nan
        elif c["measure"] == "gained_km2":
            sim = float(day["gained_km2"].iloc[0])
        elif c["measure"] == "held_km2":
            sim = float(day["area_km2"].iloc[0])
        else:
            sim = 100.0 * float(day["area_km2"].iloc[0]) / region_km2
        rows.append({"date": c["date"], "faction": c["faction"], "measure": c["measure"], "claimed": c["value"],
                     "low": c["low"], "high": c["high"], "simulated": sim, "difference": sim - c["value"],
                     "in_range": bool(np.isfinite(sim) and c["low"] <= sim <= c["high"]), "source": c["source"]})
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS)
