"""Barriers (rivers and the like): fire across them is weakened or blocked away from crossings.

The world layer `barrier_combat` holds, for every cell, the factor by which fire crossing it is multiplied:
1 off barriers and at crossings (bridges, fords, where roads cross), the barrier's `combat` elsewhere (0: no
fire across it). Between two cells the factor is the lowest one on the straight 4-connected segment joining
them, end cells excluded, so a line of fire cannot slip diagonally between two barrier cells. Movement pays
the barrier's `crossing_hours` in the world's crossing times (sim.world.world.rasterise_barriers).
"""

from __future__ import annotations

import numpy as np

from sim.world.raster import segment_cells


def fire_factor(combat: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For cell pairs (a[i], b[i]) (flat indices), the factor applying to fire between them."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    out = np.ones(len(a), dtype=np.float32)
    if len(a) == 0:
        return out
    width = combat.shape[1]
    ra, ca = np.divmod(a, width)
    rb, cb = np.divmod(b, width)
    seg, rows, cols = segment_cells(ra, ca, rb, cb)
    flat = rows * width + cols
    inner = (flat != a[seg]) & (flat != b[seg])
    np.minimum.at(out, seg[inner], combat.ravel()[flat[inner]])
    return out


def pair_factors(combat: np.ndarray, cells: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """(n, n) fire factors between units (their cells) for the pairs marked in `pairs`; 1 elsewhere."""
    n = len(cells)
    out = np.ones((n, n), dtype=np.float32)
    i, j = np.nonzero(np.triu(pairs | pairs.T, k=1))
    if len(i):
        f = fire_factor(combat, cells[i], cells[j])
        out[i, j] = f
        out[j, i] = f
    return out
