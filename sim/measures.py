"""How territory is counted: the measures a claim can name, and which curve column each one reads.

Reported km² figures count different things (docs/territory-counting.md), so every claim names its measure:

- `held_km2`, `gained_km2`, `held_pct`: the model's held ground (`area_km2` in the curves): every cell a
  faction holds, including desert it swept past or enclosed. Official "liberated N km²" figures count this way.
- `locality_held_km2`, `locality_gained_km2`, `locality_held_pct`: counted by localities (`locality_km2`):
  each locality (the scenario's places and the map's extra localities) goes to whoever holds its cell, and
  the land goes to its nearest locality (Voronoi), as locality-based conflict maps assign desert between
  localities to whoever holds the nearest ones.
- `captured`: a dated capture of a place (sim.compare.compare_captures).

This table is the one place that maps a claim's measure to the curves; the run comparison, the batch scores
and the report all read it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# measure -> (curve column, share of the region in percent)
AREA_MEASURES: dict[str, tuple[str, bool]] = {
    "gained_km2": ("gained_km2", False),
    "held_km2": ("area_km2", False),
    "held_pct": ("area_km2", True),
    "locality_gained_km2": ("locality_gained_km2", False),
    "locality_held_km2": ("locality_km2", False),
    "locality_held_pct": ("locality_km2", True),
}
CAPTURED = "captured"
MEASURES: tuple[str, ...] = (*AREA_MEASURES, CAPTURED)
# What each measure counts, for tables and docs.
COUNTING = {"gained_km2": "held ground", "held_km2": "held ground", "held_pct": "held ground",
            "locality_gained_km2": "by localities", "locality_held_km2": "by localities",
            "locality_held_pct": "by localities", CAPTURED: "capture date"}


def column(measure: str) -> str:
    """The curve column an area measure reads."""
    return AREA_MEASURES[measure][0]


def is_share(measure: str) -> bool:
    """Whether the measure is a share of the region (percent) rather than km²."""
    return AREA_MEASURES[measure][1]


def values(rows: pd.DataFrame, measure: str, region_km2: float | None = None) -> np.ndarray:
    """The simulated values of an area measure in some curve rows (one per run for a batch), in the claim's
    units: km², or percent of the region for a share (the inverse of `to_curve_units`)."""
    unit = to_curve_units(measure, region_km2)
    if unit is None:
        raise ValueError(f"{measure} claims need the region's area")
    col, factor = unit
    x = rows[col].to_numpy(float)
    return x if factor == 1.0 else x / factor


def claims_on(claims, column_name: str):  # noqa: ANN001, ANN201 - a claims DataFrame in and out
    """The area claims (in km², not shares) that a curve column is compared with."""
    names = [m for m, (col, share) in AREA_MEASURES.items() if col == column_name and not share]
    return claims[claims["measure"].isin(names)]


def to_curve_units(measure: str, region_km2: float | None) -> tuple[str, float] | None:
    """(curve column, factor) turning a claimed value into the units of the curve (km²); None if impossible
    (a share without the region's area). The one place a share of the region becomes km²."""
    if is_share(measure):
        return (column(measure), region_km2 / 100.0) if region_km2 else None
    return column(measure), 1.0
