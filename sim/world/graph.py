"""Cost distance on the grid: multi-source Dijkstra over the 8-connected cell graph.

The edge structure is built once per world; each query only fills in edge weights from a per-cell
cost layer (hours to cross the cell) and hands the CSR matrix to scipy's compiled Dijkstra. A
multi-source search gives every cell its cost to the nearest source and, through its predecessor, the next
cell towards that source: a flow field shared by every unit of a faction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

IMPASSABLE = 1e12  # edge weight standing for "cannot be crossed" (keeps the CSR structure fixed)
NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


@dataclass(frozen=True)
class FlowField:
    """Result of one search: cost (hours) to the nearest source, and the next cell to step to.

    `next_cell[i]` is the flat index of the neighbour one step closer to the source, or -1 where the cell
    is itself a source or unreachable.
    """

    cost: np.ndarray  # (H, W) float, inf where unreachable
    next_cell: np.ndarray  # (H*W,) int

    def reachable(self) -> np.ndarray:
        return np.isfinite(self.cost)


class GridGraph:
    """The fixed neighbour structure of an H x W grid, ready for repeated cost-distance searches."""

    def __init__(self, height: int, width: int) -> None:
        self.height, self.width = height, width
        n = height * width
        idx = np.arange(n).reshape(height, width)
        rows, cols, lens = [], [], []
        for dy, dx in NEIGHBOURS:
            src = idx[max(0, -dy):height - max(0, dy), max(0, -dx):width - max(0, dx)]
            dst = idx[max(0, dy):height - max(0, -dy) or None, max(0, dx):width - max(0, -dx) or None]
            rows.append(src.ravel())
            cols.append(dst.ravel())
            lens.append(np.full(src.size, np.hypot(dy, dx)))
        r, c, ln = np.concatenate(rows), np.concatenate(cols), np.concatenate(lens)
        order = np.lexsort((c, r))
        self.src, self.dst, self.length = r[order], c[order], ln[order]
        self.indptr = np.searchsorted(self.src, np.arange(n + 1)).astype(np.int64)
        self.size = n

    def edge_hours(self, cell_hours: np.ndarray) -> np.ndarray:
        """Weight of each edge: mean crossing time of its two cells times the step length (1 or sqrt 2).

        Impassable cells (infinite hours) give edges of weight IMPASSABLE, so the CSR structure never
        changes and only its data is refilled; results beyond IMPASSABLE / 2 are reported as unreachable.
        """
        flat = cell_hours.ravel()
        w = (flat[self.src] + flat[self.dst]) * 0.5 * self.length
        return np.minimum(w, IMPASSABLE)

    def csr(self, cell_hours: np.ndarray) -> csr_matrix:
        """The grid graph weighted by these cell costs (hours to cross each cell; inf = impassable)."""
        return self.csr_from_weights(self.edge_hours(cell_hours))

    def csr_from_weights(self, weights: np.ndarray) -> csr_matrix:
        # scipy's sparse graphs drop explicit zeros; a tiny floor keeps zero-cost edges as edges.
        return csr_matrix((np.maximum(weights, 1e-9), self.dst, self.indptr), shape=(self.size, self.size))

    def search(self, cell_hours: np.ndarray, sources: np.ndarray, limit: float = np.inf) -> FlowField:
        """Cost distance from the nearest of `sources` (flat indices), and each cell's next step towards it.

        Cells with infinite `cell_hours` cannot be entered. The search stops at `limit` hours.
        """
        sources = np.asarray(sources, dtype=np.int64)
        if len(sources) == 0:
            return FlowField(np.full((self.height, self.width), np.inf), np.full(self.size, -1))
        dist, pred, _ = dijkstra(self.csr(cell_hours), directed=True, indices=sources, min_only=True,
                                 return_predecessors=True, limit=min(limit, IMPASSABLE / 2))
        nxt = pred.astype(np.int64)
        nxt[nxt < 0] = -1
        return FlowField(dist.reshape(self.height, self.width), nxt)

    def nearest_source(self, cell_hours: np.ndarray, sources: np.ndarray, limit: float = np.inf) -> np.ndarray:
        """For each cell, the position (in `sources`) of the source cheapest to reach from it; -1 if none."""
        sources = np.asarray(sources, dtype=np.int64)
        if len(sources) == 0:
            return np.full((self.height, self.width), -1, dtype=np.int64)
        _, _, origin = dijkstra(self.csr(cell_hours), directed=True, indices=sources, min_only=True,
                                return_predecessors=True, limit=min(limit, IMPASSABLE / 2))
        lookup = np.full(self.size, -1, dtype=np.int64)
        lookup[sources[::-1]] = np.arange(len(sources))[::-1]  # the first listed source wins a shared cell
        label = np.where(origin >= 0, lookup[np.maximum(origin, 0)], -1)
        return label.reshape(self.height, self.width)
