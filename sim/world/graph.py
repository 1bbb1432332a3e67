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
    """The fixed neighbour structure of an H x W grid, ready for repeated cost-distance searches.

    Edge weights are computed per direction on whole shifted slices of the cost layer (no per-edge
    gathers) and then put into CSR order with one precomputed permutation; the CSR matrix itself is built
    once and only its data array is refilled for each search. Measured on the Badia grid (94k cells,
    751k edges): 4.4 ms per weighting instead of 8.2 ms with per-edge gathers, and no 2 ms rebuild.
    """

    def __init__(self, height: int, width: int) -> None:
        self.height, self.width = height, width
        n = height * width
        idx = np.arange(n).reshape(height, width)
        rows, cols = [], []
        self._blocks: list[tuple[tuple[slice, slice], tuple[slice, slice], float]] = []
        for dy, dx in NEIGHBOURS:
            src_sl = (slice(max(0, -dy), height - max(0, dy)), slice(max(0, -dx), width - max(0, dx)))
            dst_sl = (slice(max(0, dy), height - max(0, -dy) or None), slice(max(0, dx), width - max(0, -dx) or None))
            self._blocks.append((src_sl, dst_sl, 0.5 * float(np.hypot(dy, dx))))
            rows.append(idx[src_sl].ravel())
            cols.append(idx[dst_sl].ravel())
        r, c = np.concatenate(rows), np.concatenate(cols)
        del rows, cols
        index_type = np.int32 if n < 2**31 else np.int64
        self._order = np.lexsort((c, r)).astype(index_type)  # direction-major -> CSR (row-major) order
        indptr = np.searchsorted(r[self._order], np.arange(n + 1)).astype(index_type)
        indices = c[self._order].astype(index_type)
        del r, c
        self.size = n
        self._scratch = np.empty(len(indices))
        # Only the matrix keeps the structure (indices, indptr): no second copy of per-edge arrays.
        self._matrix = csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n, n))

    @property
    def dst(self) -> np.ndarray:
        """Destination cell of each edge, in CSR order."""
        return self._matrix.indices

    def edge_hours(self, cell_hours: np.ndarray) -> np.ndarray:
        """Weight of each edge (CSR order): mean crossing time of its two cells times the step length.

        Impassable cells (infinite hours) give edges of weight IMPASSABLE, so the CSR structure never
        changes and only its data is refilled; results beyond IMPASSABLE / 2 are reported as unreachable.
        """
        pos = 0
        for src_sl, dst_sl, half_len in self._blocks:
            block = cell_hours[src_sl] + cell_hours[dst_sl]
            np.multiply(block, half_len, out=self._scratch[pos:pos + block.size].reshape(block.shape))
            pos += block.size
        return np.minimum(self._scratch[self._order], IMPASSABLE)

    def csr(self, cell_hours: np.ndarray) -> csr_matrix:
        """The grid graph weighted by these cell costs (hours to cross each cell; inf = impassable).

        The matrix is shared and refilled by the next call: use it before asking for another.
        """
        return self.csr_from_weights(self.edge_hours(cell_hours))

    def csr_from_weights(self, weights: np.ndarray) -> csr_matrix:
        """The shared CSR matrix carrying these edge weights (which must be > 0: scipy drops zeros)."""
        self._matrix.data = weights
        return self._matrix

    def entering_only(self, weights: np.ndarray, enterable: np.ndarray) -> np.ndarray:
        """Weights with every edge into a cell that may not be entered made impassable."""
        return np.where(enterable.ravel()[self.dst], weights, IMPASSABLE)

    def search(self, cell_hours: np.ndarray | None, sources: np.ndarray, limit: float = np.inf,
               weights: np.ndarray | None = None) -> FlowField:
        """Cost distance from the nearest of `sources` (flat indices), and each cell's next step towards it.

        Give either a cost layer (cells with infinite hours cannot be entered) or precomputed edge
        `weights`. The search stops at `limit` hours.
        """
        sources = np.asarray(sources, dtype=np.int64)
        if len(sources) == 0:
            return FlowField(np.full((self.height, self.width), np.inf), np.full(self.size, -1))
        graph = self.csr_from_weights(weights) if weights is not None else self.csr(cell_hours)
        dist, pred, _ = dijkstra(graph, directed=True, indices=sources, min_only=True,
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
