"""Supply: travel time from a faction's supply sources through cells it or its allies hold.

A unit farther than `range_hours` from every held source, or cut off from them by hostile ground, is out
of supply: it loses `attrition_per_day` of its strength each day and cannot attack. Supplied units not in
combat recover `replenish_per_day` of their initial strength. Cutting a road lengthens or breaks the route,
so a pocket whose link passes through lost cells withers.
"""

from __future__ import annotations

import numpy as np

from sim.rules.control import by_owner
from sim.world.graph import FlowField, GridGraph


def supply_field(graph: GridGraph, edge_hours: np.ndarray, owner: np.ndarray, friendly_row: np.ndarray,
                 source_cells: np.ndarray, range_hours: float) -> FlowField:
    """Cost distance from held sources through friendly cells, up to the supply range.

    `edge_hours` are the graph's static edge weights for the supply mobility; only edges into friendly
    cells stay open (a route can never stand on a hostile cell, so what leaves one does not matter).
    """
    friendly_cells = by_owner(friendly_row, owner, unowned=False)
    sources = source_cells[friendly_cells.ravel()[source_cells]] if len(source_cells) else source_cells
    return graph.search(None, sources, limit=range_hours, weights=graph.entering_only(edge_hours, friendly_cells))


def apply_supply(strength: np.ndarray, initial: np.ndarray, in_supply: np.ndarray, engaged: np.ndarray,
                 days: float, attrition_per_day: float, replenish_per_day: float) -> np.ndarray:
    """Strengths after `days` of attrition (unsupplied) or recovery (supplied, not fighting)."""
    worn = strength * (1.0 - attrition_per_day) ** days
    recovered = np.minimum(initial, strength + replenish_per_day * initial * days)
    return np.where(in_supply, np.where(engaged, strength, recovered), worn)
