"""Supply: travel time from a faction's supply sources through cells it or its allies hold.

A unit farther than `range_hours` from every held source, or cut off from them by hostile ground, is out
of supply: it loses `attrition_per_day` of its strength each day and cannot attack. Supplied units not in
combat recover `replenish_per_day` of their initial strength. Cutting a road lengthens or breaks the route,
so a pocket whose link passes through lost cells withers.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.rules.control import by_owner
from sim.rules.movement import follow
from sim.world.graph import FlowField, GridGraph


class SupplyArea:
    """The part of the map a faction's supply could ever reach, with its own small search graph.

    A route through friendly ground is also a route through open ground, so no network can reach beyond
    the cells within `range_hours` of the sources over the whole map. That set never changes (sources,
    cell costs and range are fixed), so it is found once and every daily search runs on its bounding
    window alone, with the same distances and routes as a whole-map search (tests/test_graph.py). On the
    Badia map the four factions' windows are 24-65% of the map.
    """

    NETWORKS_KEPT = 4  # ~1 MB each on the Badia map

    def __init__(self, graph: GridGraph, supply_hours: np.ndarray, source_cells: np.ndarray,
                 range_hours: float, open_costs: np.ndarray | None = None) -> None:
        """`open_costs`, if given, are the hours from the sources over open ground with no limit
        (`open_ground_costs`): the area is read off them instead of searched, the same cells (a limited
        search settles exactly the cells an unlimited one puts within the limit, at the same costs). A study
        that varies the range reuses one such search for every range."""
        self.shape = supply_hours.shape
        self.range_hours = range_hours
        source_cells = np.asarray(source_cells, dtype=np.int64)
        if open_costs is None:
            reach = graph.search(supply_hours, source_cells, limit=range_hours).reachable()
        else:
            reach = open_costs <= range_hours
        rows, cols = np.flatnonzero(reach.any(axis=1)), np.flatnonzero(reach.any(axis=0))
        if len(rows) == 0:
            rows = cols = np.zeros(1, dtype=np.int64)
        self.window = (slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1))
        self.hours = supply_hours[self.window].copy()
        self.reach = reach[self.window].copy()
        self.graph = GridGraph(*self.hours.shape)
        r, c = np.divmod(source_cells, self.shape[1])
        self.sources = (r - rows[0]) * self.hours.shape[1] + (c - cols[0])
        # the last networks searched, by their ground: the runs of a batch start from the same ground, so
        # their first days' networks are found here (a network is immutable, so runs may share it)
        self._networks: OrderedDict[bytes, SupplyNetwork] = OrderedDict()

    @staticmethod
    def open_ground_costs(graph: GridGraph, supply_hours: np.ndarray, source_cells: np.ndarray) -> np.ndarray:
        """Hours from the nearest source to every cell over the whole map, whoever holds it (inf if never)."""
        return graph.search(supply_hours, np.asarray(source_cells, dtype=np.int64)).cost.copy()

    def ground(self, owner: np.ndarray, friendly_row: np.ndarray) -> np.ndarray:
        """Cells the network could reach that the faction or its allies hold (the ground it may cross).

        Outside the area the network could ever reach, who holds a cell does not matter: those cells are
        left out, so a day's gains far from the sources leave the ground, and the network, unchanged.
        """
        return by_owner(friendly_row, owner[self.window], unowned=False) & self.reach

    def network(self, ground: np.ndarray) -> SupplyNetwork:
        """Cost distance from the held sources through `ground`, up to the range.

        The window's graph keeps the edge weights of the last network and refreshes only those around
        cells whose side changed since (a day's gains and losses are a thin band along the front).
        """
        key = hashlib.blake2b(np.packbits(ground).tobytes(), digest_size=16).digest()
        known = self._networks.get(key)
        if known is not None and np.array_equal(known.ground, ground):
            self._networks.move_to_end(key)
            return known
        hours = np.where(ground, self.hours, np.inf)
        sources = self.sources[ground.ravel()[self.sources]] if len(self.sources) else self.sources
        network = SupplyNetwork(self.graph.search(hours, sources, limit=self.range_hours), self.window, self.shape,
                                ground.copy())
        self._networks[key] = network
        while len(self._networks) > self.NETWORKS_KEPT:
            self._networks.popitem(last=False)
        return network


@dataclass(frozen=True)
class SupplyNetwork:
    """A faction's supply network for a day, kept on its area's window (the rest of the map is out of reach)."""

    local: FlowField
    window: tuple[slice, slice]
    shape: tuple[int, int]
    ground: np.ndarray | None = None  # the window's ground it was searched on (for `known_reach`)
    ROUTES_TRIED = 4  # routes `known_reach` follows before it gives up and lets a search decide

    def _to_local(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Local flat indices of the map cells, and which of them lie in the window."""
        rows, cols = self.window
        r, c = np.divmod(np.asarray(cells, dtype=np.int64), self.shape[1])
        inside = (r >= rows.start) & (r < rows.stop) & (c >= cols.start) & (c < cols.stop)
        return (r - rows.start) * self.local.cost.shape[1] + (c - cols.start), inside

    def _to_map(self, local_cells: np.ndarray) -> np.ndarray:
        rows, cols = self.window
        r, c = np.divmod(local_cells, self.local.cost.shape[1])
        return (r + rows.start) * self.shape[1] + c + cols.start

    @cached_property
    def _reached(self) -> np.ndarray:
        """Flat map mask of the cells reached (one byte a cell: cheaper per unit than mapping indices)."""
        reached = np.zeros(self.shape, dtype=bool)
        reached[self.window] = np.isfinite(self.local.cost)
        return reached.ravel()

    def reaches_any(self, cells: np.ndarray) -> bool:
        """Whether the network reaches any of these map cells (flat indices) within range."""
        return bool(self._reached[cells].any())

    def known_reach(self, cells: np.ndarray, ground: np.ndarray) -> bool | None:
        """Whether a network searched on `ground` (a later day's, same area) would reach any of these map
        cells, when this network proves it without a search; None when it cannot tell.

        Cell costs never change, only which cells may be crossed. So a route of this network that lies wholly
        in `ground` is still open, at the same cost: the new network reaches its cells at that cost or less
        (rounding is monotone, so the new distances are never above the old sums), within range. And on
        ground that only shrank, no cell this network missed can be reached. Either way the answer is the
        one the search would give; a unit's supply is judged this way most days without a search.
        """
        if self.ground is None:
            return None
        local, inside = self._to_local(cells)
        local = local[inside]
        cost = self.local.cost.ravel()
        reached = local[np.isfinite(cost[local])]
        added = ground & ~self.ground
        if len(reached) == 0:
            return None if added.any() else False
        removed = (self.ground & ~ground).ravel()
        if not removed.any():
            return True
        for start in reached[np.argsort(cost[reached], kind="stable")[:self.ROUTES_TRIED]]:
            route = follow(self.local.next_cell, int(start))
            if self.local.next_cell[route[-1]] < 0 and not removed[route].any():  # whole, and still open
                return True
        return None

    def route_to_source(self, cell: int) -> list[int]:
        """Map cells from `cell` back along the network to its source (just `cell` if it is not reached)."""
        local, inside = self._to_local(np.array([cell]))
        if not inside[0]:
            return [int(cell)]
        return self._to_map(np.array(follow(self.local.next_cell, int(local[0])))).tolist()

    def cost_map(self) -> np.ndarray:
        """Hours from the nearest held source for every map cell (inf where out of reach)."""
        cost = np.full(self.shape, np.inf)
        cost[self.window] = self.local.cost
        return cost

    def next_cell_map(self) -> np.ndarray:
        """For every map cell (flat), the next map cell towards the source, or -1."""
        nxt = np.full(self.shape, -1, dtype=np.int64)
        local = self.local.next_cell.reshape(self.local.cost.shape)
        nxt[self.window] = np.where(local >= 0, self._to_map(local), -1)
        return nxt.ravel()


def apply_supply(strength: np.ndarray, initial: np.ndarray, in_supply: np.ndarray, engaged: np.ndarray,
                 days: float, attrition_per_day: float, replenish_per_day: float) -> np.ndarray:
    """Strengths after `days` of attrition (unsupplied) or recovery (supplied, not fighting)."""
    worn = strength * (1.0 - attrition_per_day) ** days
    recovered = np.minimum(initial, strength + replenish_per_day * initial * days)
    return np.where(in_supply, np.where(engaged, strength, recovered), worn)
