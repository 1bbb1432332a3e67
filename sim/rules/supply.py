"""Supply: travel time from a faction's supply sources through cells it or its allies hold.

A unit farther than `range_hours` from every held source, or cut off from them by hostile ground, is out
of supply: it loses `attrition_per_day` of its strength each day and cannot attack. Supplied units not in
combat recover `replenish_per_day` of their initial strength. Cutting a road lengthens or breaks the route,
so a pocket whose link passes through lost cells withers.
"""

from __future__ import annotations

import functools
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
            open_costs = graph.search(supply_hours, source_cells, limit=range_hours).cost
        reach = open_costs <= range_hours
        rows, cols = np.flatnonzero(reach.any(axis=1)), np.flatnonzero(reach.any(axis=0))
        if len(rows) == 0:
            rows = cols = np.zeros(1, dtype=np.int64)
        self.window = (slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1))
        self.hours = supply_hours[self.window].copy()
        self.reach = reach[self.window].copy()
        # hours from the sources over open ground (inf beyond the range), and the cheapest cell: together a
        # floor under any network's cost to a cell (`beyond_range`)
        self.open_cost = np.where(self.reach, open_costs[self.window], np.inf)
        finite = self.hours[np.isfinite(self.hours)]
        self.min_hours = float(finite.min()) if finite.size else np.inf
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

    FLOOR_MARGIN_HOURS = 1e-6  # far above the rounding of a path's summed hours, far below any cell's cost

    def beyond_range(self, added: np.ndarray, cells: np.ndarray, last_cost: np.ndarray) -> bool:
        """Whether no network of this area can reach any of `cells` (window-local flat indices) within range
        by a route through one of the `added` cells ((h, w) bool of the window), given `last_cost`, the costs
        of a network searched on ground that lacked them.

        Take the first gained cell a on such a route. The route up to it runs on the old ground, so it costs
        at least the old cost of a's neighbour it comes from, plus a step; a source that was regained costs
        nothing. No route does better than open ground either. From a to a cell x, every step of length l
        between cells of hours h1 and h2 costs (h1 + h2) / 2 x l, so the rest costs at least the straight-line
        distance, in cells, times the cheapest cell's hours. When that floor exceeds the range for every gained
        cell, by a margin well above rounding, the answer is certain; otherwise it is "maybe" (False).
        """
        if len(cells) == 0:
            return True
        limit = self.range_hours + self.FLOOR_MARGIN_HOURS
        gained = np.flatnonzero(added.ravel())
        neighbours = self.graph.neighbours(gained)  # (n, 8), the sink (= size) off the window
        old = np.append(last_cost.ravel(), np.inf)
        floor = old[neighbours].min(axis=1) + self.min_hours
        floor[np.isin(gained, self.sources)] = 0.0
        floor = np.maximum(floor, self.open_cost.ravel()[gained])
        near = floor <= limit
        if not near.any():
            return True
        width = self.hours.shape[1]
        ar, ac = np.divmod(gained[near], width)
        xr, xc = np.divmod(np.asarray(cells, dtype=np.int64), width)
        cr, cc = xr.mean(), xc.mean()
        spread = float(np.sqrt(((xr - cr) ** 2 + (xc - cc) ** 2).max()))
        gap = np.maximum(np.hypot(ar - cr, ac - cc) - spread, 0.0)
        return bool((floor[near] + self.min_hours * gap).min() > limit)

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
    ground: np.ndarray  # the window's ground it was searched on (for `changes` and `known_reach`)
    ROUTES_TRIED = 4  # routes `known_reach` follows before it gives up and lets a search decide

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

    def changes(self, ground: np.ndarray) -> GroundChange:
        """How a later day's `ground` (same area) differs from the ground this network was searched on."""
        added = ground & ~self.ground
        removed = (self.ground & ~ground).ravel()
        return GroundChange(added, removed, bool(added.any()), bool(removed.any()))

    def known_reach(self, cells: np.ndarray, change: GroundChange, area: SupplyArea | None = None) -> bool | None:
        """Whether a network searched on a later day's ground (same area; `change` = `changes(ground)`) would
        reach any of these map cells, when this network proves it without a search; None when it cannot tell.

        Cell costs never change, only which cells may be crossed. So a route of this network that lies wholly
        in the new ground is still open, at the same cost: the new network reaches its cells at that cost or
        less (rounding is monotone, so the new distances are never above the old sums), within range. And on
        ground that only shrank, no cell this network missed can be reached. Either way the answer is the
        one the search would give; a unit's supply is judged this way most days without a search.

        When this network missed the cells and the ground grew, only a route through a gained cell could reach
        them: with `area` (the network's own), `SupplyArea.beyond_range` rules that out when the gains lie too
        far away.
        """
        local = self._lut()[np.asarray(cells, dtype=np.int64)]
        local = local[local >= 0]
        cost = self.local.cost.ravel()
        reached = local[np.isfinite(cost[local])]
        if len(reached) == 0:
            if not change.added_any or (area is not None and area.beyond_range(change.added, local, self.local.cost)):
                return False
            return None
        if not change.removed_any:
            return True
        removed = change.removed
        for start in reached[np.argsort(cost[reached], kind="stable")[:self.ROUTES_TRIED]]:
            route = follow(self.local.next_cell, int(start))
            if self.local.next_cell[route[-1]] < 0 and not removed[route].any():  # whole, and still open
                return True
        return None

    def _lut(self) -> np.ndarray:
        """Map cell (flat) -> window-local flat index, -1 outside the window (shared by the area's networks)."""
        rows, cols = self.window
        return _window_lut(rows.start, rows.stop, cols.start, cols.stop, self.shape[0], self.shape[1])

    def route_to_source(self, cell: int) -> list[int]:
        """Map cells from `cell` back along the network to its source (just `cell` if it is not reached)."""
        local = int(self._lut()[int(cell)])
        if local < 0:
            return [int(cell)]
        return self._to_map(np.array(follow(self.local.next_cell, local))).tolist()

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


@dataclass(frozen=True)
class GroundChange:
    """A day's supply ground against the ground of an earlier network (`SupplyNetwork.changes`)."""

    added: np.ndarray  # (h, w) bool of the window: cells crossable now and not then
    removed: np.ndarray  # (h * w,) bool: cells crossable then and not now
    added_any: bool
    removed_any: bool


@functools.lru_cache(maxsize=16)
def _window_lut(r0: int, r1: int, c0: int, c1: int, height: int, width: int) -> np.ndarray:
    lut = np.full((height, width), -1, dtype=np.int64)
    lut[r0:r1, c0:c1] = np.arange((r1 - r0) * (c1 - c0), dtype=np.int64).reshape(r1 - r0, c1 - c0)
    lut = lut.ravel()
    lut.flags.writeable = False
    return lut


def apply_supply(strength: np.ndarray, initial: np.ndarray, in_supply: np.ndarray, engaged: np.ndarray,
                 days: float, attrition_per_day: float, replenish_per_day: float) -> np.ndarray:
    """Strengths after `days` of attrition (unsupplied) or recovery (supplied, not fighting)."""
    worn = strength * (1.0 - attrition_per_day) ** days
    recovered = np.minimum(initial, strength + replenish_per_day * initial * days)
    return np.where(in_supply, np.where(engaged, strength, recovered), worn)
