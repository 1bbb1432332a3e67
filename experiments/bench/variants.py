"""Scaled versions of a scenario for the scaling benchmark: finer cells, or more units.

More cells is an override (`map.cell_km`). More units is done on the raw scenario table: every unit is
duplicated `factor - 1` times, each copy a few kilometres from the original (deterministic jitter from a
seeded generator), then the table goes through the normal validation (`parse_scenario`), so the scaled
scenario is a real scenario, not a patched model.
"""

from __future__ import annotations

import copy
import tomllib

import numpy as np

import sim
from sim import catalog
from sim.scenario import Scenario, parse_scenario

JITTER_DEG = 0.04  # about 4 km: copies start near the original, in the same fight


def with_cell_km(name: str, cell_km: float) -> Scenario:
    """The scenario with its cell size overridden (2 km -> 1 km is 4x the cells, 0.5 km is 16x)."""
    return sim.load(name, {"map.cell_km": cell_km})


def with_units_times(name: str, factor: int, seed: int = 0) -> Scenario:
    """The scenario with every unit present `factor` times (copies jittered around the original)."""
    path = catalog.resolve(name)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    base = sim.load(name)
    lon0, lat0, lon1, lat1 = base.map.bbox
    rng = np.random.default_rng(seed)
    units = []
    for table, spec in zip(raw.get("units", []), base.units, strict=True):
        units.append(table)
        for k in range(1, factor):
            dup = copy.deepcopy(table)
            dlon, dlat = rng.uniform(-JITTER_DEG, JITTER_DEG, size=2)
            dup["name"] = f"{spec.name} (copy {k})"
            dup["at"] = [float(np.clip(spec.lon + dlon, lon0, lon1)), float(np.clip(spec.lat + dlat, lat0, lat1))]
            units.append(dup)
    raw["units"] = units
    return parse_scenario(raw, f"{path} (units x{factor})", path.parent)
