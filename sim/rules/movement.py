"""Where units go: shared per-faction flow fields towards objectives, and walking along them.

One cost-distance search per faction and mobility type ranks every objective at once: hostile-held
places (by value) and hostile-held territory, each starting at an offset of `value_hours` per point of
value it lacks against the best objective. Route costs grow with hostile strength nearby (`caution`)
and with air-denial zones the faction believes will be enforced. A unit then follows `next_cell` from
wherever it stands; no unit runs a path search of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.world.graph import FlowField, GridGraph

RISK_STRENGTH = 1000.0  # hostile strength at which a cell costs twice as much to cross (caution 1)
ZONE_AVOIDANCE_HOURS = 500.0  # extra crossing time of a cell in a zone the faction fully believes in


def route_cost(cell_hours: np.ndarray, enemy_influence: np.ndarray, caution: float,
               zone_masks: Sequence[np.ndarray], zone_beliefs: Sequence[float]) -> np.ndarray:
    """Perceived hours to cross each cell for one faction: travel time, weighted by risk."""
    cost = cell_hours * (1.0 + caution * enemy_influence / RISK_STRENGTH)
    for mask, belief in zip(zone_masks, zone_beliefs, strict=True):
        if belief > 0:
            cost = cost + np.where(mask, belief * ZONE_AVOIDANCE_HOURS, 0.0)
    return cost


def objectives(owner: np.ndarray, takeable_cells: np.ndarray, region: np.ndarray, place_cells: np.ndarray,
               place_values: np.ndarray, territory_value: float, value_hours: float) -> tuple[np.ndarray, np.ndarray]:
    """Flat source cells and start offsets (hours) of a faction's objectives."""
    flat_take = (takeable_cells & region).ravel()
    places_open = flat_take[place_cells]
    p_cells, p_vals = place_cells[places_open], place_values[places_open]
    terr = np.flatnonzero(flat_take)
    vals = np.concatenate([p_vals, np.full(len(terr), territory_value)])
    cells = np.concatenate([p_cells, terr])
    if len(cells) == 0:
        return cells, vals
    offsets = value_hours * (vals.max() - vals)
    return cells, offsets


def flow_field(graph: GridGraph, cost: np.ndarray, cells: np.ndarray, offsets: np.ndarray) -> FlowField:
    return graph.search(cost, cells, offsets)


def walk(start: int, budget_hours: float, carry_hours: float, next_cell: np.ndarray, cell_hours: np.ndarray,
         width: int, stop: np.ndarray | None = None) -> tuple[list[int], float]:
    """Follow `next_cell` from `start` with a travel-time budget; return (cells passed, carried hours).

    The path starts with `start` and ends with the cell reached. Progress short of the next cell is
    carried over to the next step, so slow units still advance. The walk ends early on a cell where
    `stop` is true (e.g. within reach of a hostile unit).
    """
    cell = int(start)
    path = [cell]
    flat_hours = cell_hours.ravel()
    available = budget_hours + carry_hours
    while True:
        nxt = int(next_cell[cell])
        if nxt < 0 or (stop is not None and stop.flat[cell]):
            return path, 0.0
        r0, c0 = divmod(cell, width)
        r1, c1 = divmod(nxt, width)
        step = (flat_hours[cell] + flat_hours[nxt]) * 0.5 * (1.4142135623730951 if (r0 != r1 and c0 != c1) else 1.0)
        if step > available:
            return path, available
        available -= step
        cell = nxt
        path.append(cell)
