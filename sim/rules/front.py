"""Front lines: where hostile factions meet, and the links that hold the line between a faction's positions.

- **The front line** of a faction is the boundary between the ground it holds and ground held by factions
  hostile to it. Its length is estimated from the grid by the Cauchy-Crofton formula: the number of
  4-neighbour edges that cross the boundary, times the cell size, times pi/4. That is unbiased for lines of
  any orientation (a plain count of boundary cells is off by up to 41% on a diagonal).
- **Front links** model how a line is held in open desert: two positions of a faction (its units and the
  places it holds) no more than `link_km` apart hold the ground between them, as mapmakers join held posts
  into a front line. A link through ground where a hostile unit stands (its presence disk) is broken. Links
  take no ground by themselves: they bar the factions hostile to their owner from passing between the two
  positions, so ground that an advance cuts off behind them falls by the enclosure rule
  (`sim.rules.enclosure`).

Every function works on whole arrays; the links of a faction are rasterised for all its pairs at once.
"""

from __future__ import annotations

import functools

import numpy as np

from sim.world.raster import segment_cells


def link_pairs(x: np.ndarray, y: np.ndarray, link_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of positions no more than `link_km` apart (positions in projected km)."""
    if len(x) < 2 or link_km <= 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    i, j = np.triu_indices(len(x), k=1)
    near = (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2 <= link_km ** 2
    return i[near], j[near]


def link_mask(cells: np.ndarray, shape: tuple[int, int], cell_km: float, link_km: float,
              broken: np.ndarray) -> np.ndarray:
    """Flat bool mask of the cells on a faction's front links.

    `cells` are the flat cells of the faction's positions (units and held places); `broken` is a flat bool
    mask of cells where a hostile unit is present: a link crossing any of them is not drawn.
    """
    height, width = shape
    mask = np.zeros(height * width, dtype=bool)
    cells = np.unique(np.asarray(cells, dtype=np.int64))
    pairs, seg, flat = _link_cells(cells.tobytes(), width, float(cell_km), float(link_km))
    if pairs == 0:
        return mask
    bad = np.zeros(pairs, dtype=bool)
    np.logical_or.at(bad, seg, broken[flat])
    mask[flat[~bad[seg]]] = True
    return mask


@functools.lru_cache(maxsize=32)
def _link_cells(cells: bytes, width: int, cell_km: float, link_km: float) -> tuple[int, np.ndarray, np.ndarray]:
    """(number of links, link index of each cell, flat cells) of the links between these positions (sorted flat
    cells as bytes). Kept for the next day: garrisons and held places stay put, so most factions' links do."""
    r, c = np.divmod(np.frombuffer(cells, dtype=np.int64), width)
    i, j = link_pairs(c * cell_km, r * cell_km, link_km)
    seg, rows, cols = segment_cells(r[i], c[i], r[j], c[j])
    flat = rows * width + cols
    seg.flags.writeable = flat.flags.writeable = False
    return len(i), seg, flat


def boundary_edges(owner: np.ndarray, region: np.ndarray, hostile: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 4-neighbour edges between cells of hostile factions: (cells a, cells b, owner a, owner b), flat.

    Horizontal edges first, then vertical ones, each in row-major order of cell a (cell b is a's right or lower
    neighbour); the flat cells are read off the edge masks, with no index grid of the map.
    """
    height, width = owner.shape
    held = region & (owner >= 0)
    a_parts = []
    for a_sl, b_sl, row_width, step in (((slice(None), slice(0, width - 1)), (slice(None), slice(1, width)), width - 1, 1),
                                        ((slice(0, height - 1), slice(None)), (slice(1, height), slice(None)), width, width)):
        both = held[a_sl] & held[b_sl] & (owner[a_sl] != owner[b_sl])
        r, c = np.divmod(np.flatnonzero(both), row_width)
        a_parts.append((r * width + c, step))
    a = np.concatenate([cells for cells, _ in a_parts])
    b = np.concatenate([cells + step for cells, step in a_parts])
    flat_owner = owner.ravel()
    fa, fb = flat_owner[a].astype(np.int64), flat_owner[b].astype(np.int64)
    keep = hostile[fa, fb]
    return a[keep], b[keep], fa[keep], fb[keep]


def front_length_km(owner: np.ndarray, region: np.ndarray, hostile: np.ndarray, cell_km: float) -> np.ndarray:
    """Length (km) of each faction's front line with hostile factions (Cauchy-Crofton estimate)."""
    n = hostile.shape[0]
    _, _, fa, fb = boundary_edges(owner, region, hostile)
    edges = np.bincount(fa, minlength=n) + np.bincount(fb, minlength=n)
    return edges[:n] * cell_km * (np.pi / 4)


def front_mask(owner: np.ndarray, region: np.ndarray, hostile: np.ndarray) -> np.ndarray:
    """(H, W) bool: cells on a front line (held, with a 4-neighbour held by a hostile faction)."""
    a, b, _, _ = boundary_edges(owner, region, hostile)
    mask = np.zeros(owner.size, dtype=bool)
    mask[a] = True
    mask[b] = True
    return mask.reshape(owner.shape)
