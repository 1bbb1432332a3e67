"""Localities and their nearest-locality (Voronoi) areas, for locality-based counting of territory.

Conflict-mapping projects give control to localities (towns, villages, posts) and then give the land to
the nearest locality (Voronoi / Thiessen polygons): desert between localities belongs to whoever holds the
nearest ones (docs/territory-counting.md). Here every cell of the region is assigned once, when the world is
built, to the locality whose cell is nearest (Euclidean distance on the equal-area grid); a day's
locality-based areas are then a weighted count over the localities' owners, not a pass over the map.
"""

from __future__ import annotations

import numpy as np


def nearest_locality(shape: tuple[int, int], locality_cells: np.ndarray, region: np.ndarray) -> np.ndarray:
    """(H, W) int32: index (into `locality_cells`) of each region cell's nearest locality; -1 outside.

    Two localities in one cell share it: the first listed wins. Without localities every cell is -1.
    """
    from scipy import ndimage  # imported on first use: ~0.1 s that `import sim` need not pay
    out = np.full(shape, -1, dtype=np.int32)
    cells = np.asarray(locality_cells, dtype=np.int64)
    if len(cells) == 0:
        return out
    lookup = np.full(shape[0] * shape[1], -1, dtype=np.int32)
    lookup[cells[::-1]] = np.arange(len(cells), dtype=np.int32)[::-1]
    empty = np.ones(shape, dtype=bool)
    empty.flat[cells] = False
    _, (ri, ci) = ndimage.distance_transform_edt(empty, return_indices=True)
    nearest = lookup[ri * shape[1] + ci]
    out[region] = nearest[region]
    return out


def locality_areas(nearest: np.ndarray, n_localities: int, cell_area_km2: float) -> np.ndarray:
    """km² of land each locality stands for (its Voronoi cell within the region)."""
    inside = nearest[nearest >= 0]
    return np.bincount(inside, minlength=n_localities).astype(float) * cell_area_km2


def area_by_locality_owner(locality_owner: np.ndarray, areas: np.ndarray, n_factions: int) -> np.ndarray:
    """km² per faction when each locality's land goes to the holder of the locality (-1: nobody)."""
    held = locality_owner >= 0
    return np.bincount(locality_owner[held].astype(np.int64), weights=areas[held], minlength=n_factions)[:n_factions]
