"""The starting areas of each faction painted onto the grid, in a fixed order of precedence.

Lowest first, so each layer paints over the ones before it:

1. the faction with `rest = true` takes every region cell;
2. the areas of the GeoJSON file `control.hold_areas`, in file order;
3. each faction's `hold_areas` (polygons and circles), faction by faction in file order, each list in order.

Held places' footprints are painted over all of these, and the initial fill of what is left follows
(sim.rules.control.initial_owner). Each area is one whole-layer mask (sim.world.raster): no loop over cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Scenario, Shape
from sim.world.world import World, shape_mask

UNOWNED = -1


@dataclass(frozen=True)
class HoldPaint:
    """Owner of every cell after the hold areas (-1: none yet), and the seeds of the initial fill.

    The seeds are the cells of every GeoJSON and `hold_areas` area in painting order, each with the faction of
    its area (a cell painted twice is a seed twice); the `rest` layer gives none, as it leaves no cell to fill.
    """

    owner: np.ndarray  # (H, W) int8
    seeds: np.ndarray  # flat cell indices
    seed_faction: np.ndarray  # faction index of each seed


def hold_layers(sc: Scenario) -> list[tuple[str, Shape]]:
    """The (faction id, shape) of every area in painting order: GeoJSON areas, then each faction's `hold_areas`."""
    layers = [(a.faction, a.shape) for a in sc.hold_features]
    for f in sc.factions:
        layers.extend((f.id, shape) for shape in f.hold_areas)
    return layers


def paint_hold_areas(sc: Scenario, world: World, faction_index: dict[str, int]) -> HoldPaint:
    """Paint the `rest` faction, the GeoJSON areas and the factions' `hold_areas`, inside the region only."""
    owner = np.full(world.shape, UNOWNED, dtype=np.int8)
    rest = next((f for f in sc.factions if f.rest), None)
    if rest is not None:
        owner[world.region] = faction_index[rest.id]
    seeds: list[np.ndarray] = []
    seed_faction: list[np.ndarray] = []
    for fid, shape in hold_layers(sc):
        fi = faction_index[fid]
        mask = shape_mask(world.grid, shape) & world.region
        owner[mask] = fi
        cells = np.flatnonzero(mask)
        seeds.append(cells)
        seed_faction.append(np.full(len(cells), fi, dtype=np.int64))
    empty = np.zeros(0, dtype=np.int64)
    return HoldPaint(owner, np.concatenate(seeds) if seeds else empty,
                     np.concatenate(seed_faction) if seed_faction else empty)
