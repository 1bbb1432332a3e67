"""Where units go: one shared cost-distance search per faction a day, objectives chosen from it, routes walked.

Each day, for each faction and mobility type, a single multi-source search runs from the cells of all the
faction's attacking units over its perceived route costs (travel time, raised by hostile strength nearby
per `caution`, and by air-denial zones it believes will be enforced). Every cell then knows which unit
reaches it first and how long that takes: the faction's front is split into sectors, one per unit, the way
a staff would assign them. Each unit picks, inside its sector, the objective with the best value for the
time it costs (`value_hours` hours of travel per point of value): hostile-held places and resources by
their value, hostile-held ground at `territory_value`; an objective whose perceived cost exceeds its worth
is not pursued (so a unit holds rather than walk into a zone it believes is enforced). Units sharing a sector do not pick the same place.
Units left without a free objective in their sector search again among themselves (rarely more than
one extra search). Objectives beyond `horizon_hours` are ignored. The route to the chosen objective is
read off the search's predecessor tree; no unit runs a search of its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import dijkstra

from sim.world.graph import IMPASSABLE, GridGraph

RISK_STRENGTH = 1000.0  # hostile strength at which a cell costs twice as much to cross (caution 1)
ZONE_AVOIDANCE_HOURS = 24.0  # extra crossing time of a cell in a zone the faction fully believes in
MAX_ROUTE_CELLS = 100_000


def route_cost(cell_hours: np.ndarray, enemy_influence: np.ndarray, caution: float,
               zone_masks: Sequence[np.ndarray], zone_beliefs: Sequence[float]) -> np.ndarray:
    """Perceived hours to cross each cell for one faction: travel time, weighted by risk."""
    cost = cell_hours * (1.0 + caution * enemy_influence / RISK_STRENGTH)
    for mask, belief in zip(zone_masks, zone_beliefs, strict=True):
        if belief > 0:
            cost = cost + np.where(mask, belief * ZONE_AVOIDANCE_HOURS, 0.0)
    return cost


@dataclass(frozen=True)
class Objectives:
    """A faction's objectives: flat cells, their value, and which of them are places (claimable once)."""

    cells: np.ndarray
    values: np.ndarray
    is_place: np.ndarray


def objectives(takeable_cells: np.ndarray, region: np.ndarray, place_cells: np.ndarray, place_values: np.ndarray,
               territory_value: float) -> Objectives:
    """Hostile-held (or unowned) places by value, and hostile-held ground at `territory_value`."""
    flat_take = (takeable_cells & region).ravel()
    open_places = flat_take[place_cells] & (place_values > 0)
    terr = np.flatnonzero(flat_take) if territory_value > 0 else np.zeros(0, dtype=np.int64)
    cells = np.concatenate([place_cells[open_places], terr]).astype(np.int64)
    values = np.concatenate([place_values[open_places], np.full(len(terr), territory_value)])
    is_place = np.concatenate([np.ones(int(open_places.sum()), bool), np.zeros(len(terr), bool)])
    return Objectives(cells, values, is_place)


def plan_routes(graph: GridGraph, cost: np.ndarray, unit_cells: Sequence[int], unit_order: Sequence[int],
                goals: Objectives, value_hours: float, horizon_hours: float = np.inf) -> list[list[int] | None]:
    """One route per unit (cells from its position to its chosen objective), or None if it has none.

    `unit_order` lists unit positions in the order they choose (strongest first). Units whose sector
    holds no free objective search again among themselves, so a unit is idle only when no objective is
    left within `horizon_hours` of it.
    """
    routes: list[list[int] | None] = [None] * len(unit_cells)
    claimed = np.zeros(len(goals.cells), dtype=bool)
    pending = list(unit_order)
    graph_csr = graph.csr(cost)
    while pending and len(goals.cells) and not claimed.all():
        starts = np.unique(np.asarray([unit_cells[k] for k in pending], dtype=np.int64))
        dist, pred, origin = dijkstra(graph_csr, directed=True, indices=starts, min_only=True,
                                      return_predecessors=True, limit=min(horizon_hours, IMPASSABLE / 2))
        score = goals.values * value_hours - dist[goals.cells]
        worth = np.flatnonzero(score > 0)  # only objectives worth their cost (unreachable ones score -inf)
        by_sector = np.argsort(origin[goals.cells[worth]], kind="stable")
        worth, sector = worth[by_sector], origin[goals.cells[worth[by_sector]]]  # grouped by sector, in order
        idle = []
        for k in pending:
            start = int(unit_cells[k])
            lo, hi = np.searchsorted(sector, start, "left"), np.searchsorted(sector, start, "right")
            mine = worth[lo:hi][~claimed[worth[lo:hi]]]
            if not len(mine):
                idle.append(k)
                continue
            best = int(mine[np.argmax(score[mine])])
            if goals.is_place[best]:
                claimed[best] = True
            routes[k] = backtrack(pred, start, int(goals.cells[best]))
        if len(idle) == len(pending):
            break
        pending = idle
    return routes


def route_to(cost: np.ndarray, start: int, targets: np.ndarray, margin_cells: int = 15) -> list[int]:
    """The cheapest route (map cells) from `start` to the nearest of `targets`, searched in a window.

    For a unit under orders. The search runs from the targets (edge weights are symmetric, so the flow
    field's pointers lead from any cell to its nearest target) on the window spanning the start and the
    targets within 1.5x the nearest one's straight-line distance, widened by `margin_cells` or half the span,
    whichever is more: a few thousand cells instead of the whole map. If the targets cannot be reached in
    the window, the whole map is searched. Returns [start] if they cannot be reached at all.
    """
    height, width = cost.shape
    targets = np.asarray(targets, dtype=np.int64)
    if len(targets) == 0:
        return [int(start)]
    r0, c0 = divmod(int(start), width)
    tr, tc = np.divmod(targets, width)
    d2 = (tr - r0) ** 2 + (tc - c0) ** 2
    near = d2 <= 2.25 * d2.min() + 8
    tr, tc, targets = tr[near], tc[near], targets[near]
    span = max(int(np.abs(tr - r0).max()), int(np.abs(tc - c0).max()))
    pad = max(margin_cells, span // 2)
    rows = slice(max(0, min(r0, int(tr.min())) - pad), min(height, max(r0, int(tr.max())) + pad + 1))
    cols = slice(max(0, min(c0, int(tc.min())) - pad), min(width, max(c0, int(tc.max())) + pad + 1))
    route = _route_in(cost, rows, cols, r0, c0, tr, tc)
    if route is None and (rows.stop - rows.start < height or cols.stop - cols.start < width):
        route = _route_in(cost, slice(0, height), slice(0, width), r0, c0, tr, tc)
    return route if route is not None else [int(start)]


def _route_in(cost: np.ndarray, rows: slice, cols: slice, r0: int, c0: int, tr: np.ndarray,
              tc: np.ndarray) -> list[int] | None:
    """Route from (r0, c0) to the nearest target cell, searching only the window `rows` x `cols`."""
    width = cost.shape[1]
    local = cost[rows, cols]
    h, w = local.shape
    inside = (tr >= rows.start) & (tr < rows.stop) & (tc >= cols.start) & (tc < cols.stop)
    if not inside.any():
        return None
    sources = (tr[inside] - rows.start) * w + (tc[inside] - cols.start)
    field = _window_graph(h, w).search(local, sources)
    start = (r0 - rows.start) * w + (c0 - cols.start)
    if not np.isfinite(field.cost.flat[start]):
        return None
    lr, lc = np.divmod(np.asarray(follow(field.next_cell, start), dtype=np.int64), w)
    return ((lr + rows.start) * width + lc + cols.start).tolist()


_GRAPHS = threading.local()  # per thread: a graph's edge weights are rewritten by each search on it
GRAPH_CELLS_KEPT = 150_000  # cells of the graphs kept (~110 bytes a cell: ~16 MB; a Badia run uses ~24 sizes, 38k)


def _window_graph(height: int, width: int) -> GridGraph:
    """A search graph of this window size, kept for the next route of the same size: building the neighbour
    structure cost more than a small window's search. The graph refreshes its edge weights for each cost layer,
    so reusing it changes no route. The graphs kept are bounded by their cells (`GRAPH_CELLS_KEPT`), not their
    number: a run needs a few dozen small ones, and a whole-map fallback must not keep a dozen large ones."""
    graphs = getattr(_GRAPHS, "kept", None)
    if graphs is None:
        graphs = _GRAPHS.kept = OrderedDict()
    graph = graphs.get((height, width))
    if graph is None:
        graph = graphs[(height, width)] = GridGraph(height, width)
        cells = sum(g.size for g in graphs.values())
        while cells > GRAPH_CELLS_KEPT and len(graphs) > 1:
            _, dropped = graphs.popitem(last=False)
            cells -= dropped.size
    else:
        graphs.move_to_end((height, width))
    return graph


def backtrack(pred: np.ndarray, start: int, goal: int) -> list[int]:
    """The cells from `start` to `goal` along a predecessor tree rooted at `start`."""
    route = [goal]
    cell = goal
    while cell != start and len(route) < MAX_ROUTE_CELLS:
        cell = int(pred[cell])
        if cell < 0:
            return [start]
        route.append(cell)
    route.reverse()
    return route


def follow(next_cell: np.ndarray, start: int, max_cells: int = MAX_ROUTE_CELLS) -> list[int]:
    """The cells from `start` along a flow field's `next_cell` pointers (e.g. back to supply)."""
    route = [int(start)]
    while len(route) < max_cells:
        nxt = int(next_cell[route[-1]])
        if nxt < 0:
            break
        route.append(nxt)
    return route


def walk(route: Sequence[int], budget_hours: float, carry_hours: float, cell_hours: np.ndarray, width: int,
         stop: np.ndarray | None = None) -> tuple[list[int], float]:
    """Walk a route (starting at the unit's cell) with a travel-time budget; return (cells passed, carry).

    The cells passed start with the route's first cell and end with the cell reached. Progress short of
    the next cell is carried to the next step, so slow units still advance. The walk ends early on a cell
    where `stop` is true (e.g. within reach of a hostile unit).
    """
    path = [int(route[0])]
    flat_hours = cell_hours.ravel()
    available = budget_hours + carry_hours
    for nxt in route[1:]:
        cell = path[-1]
        if stop is not None and stop.flat[cell]:
            return path, 0.0
        r0, c0 = divmod(cell, width)
        r1, c1 = divmod(int(nxt), width)
        step = (flat_hours[cell] + flat_hours[nxt]) * 0.5 * (1.4142135623730951 if (r0 != r1 and c0 != c1) else 1.0)
        if step > available:
            return path, available
        available -= step
        path.append(int(nxt))
    return path, 0.0
