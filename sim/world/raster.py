"""Vectorised rasterisation of polygons, circles, polylines and points onto the grid.

Shapely 2 tests all cell centres of a polygon's bounding window in one call; lines are sampled at a
third of a cell and mapped to cells with array arithmetic. No Python loop runs over cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon

from sim.world.projection import EqualArea


@dataclass(frozen=True)
class GridGeometry:
    """Where the grid lies: projection, origin (south-west corner, km), cell size and shape.

    Row 0 is the southern edge; rows grow northwards, columns eastwards.
    """

    projection: EqualArea
    x0: float
    y0: float
    cell_km: float
    height: int
    width: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    @property
    def cell_area_km2(self) -> float:
        return self.cell_km * self.cell_km

    @classmethod
    def covering(cls, bbox: tuple[float, float, float, float], cell_km: float) -> GridGeometry:
        """The smallest grid of `cell_km` cells covering a lon/lat box, centred on the box."""
        lon0, lat0, lon1, lat1 = bbox
        proj = EqualArea((lon0 + lon1) / 2, (lat0 + lat1) / 2)
        t = np.linspace(0, 1, 200)
        lons = np.concatenate([lon0 + (lon1 - lon0) * t, np.full_like(t, lon1), lon1 - (lon1 - lon0) * t,
                               np.full_like(t, lon0)])
        lats = np.concatenate([np.full_like(t, lat0), lat0 + (lat1 - lat0) * t, np.full_like(t, lat1),
                               lat1 - (lat1 - lat0) * t])
        x, y = proj.forward(lons, lats)
        width = int(np.ceil((x.max() - x.min()) / cell_km))
        height = int(np.ceil((y.max() - y.min()) / cell_km))
        return cls(proj, float(x.min()), float(y.min()), float(cell_km), height, width)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Projected x and y (km) of every cell centre, as (H, W) arrays."""
        xs = self.x0 + (np.arange(self.width) + 0.5) * self.cell_km
        ys = self.y0 + (np.arange(self.height) + 0.5) * self.cell_km
        return np.meshgrid(xs, ys)

    def cell_of(self, lon: float | np.ndarray, lat: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of the cell holding each lon/lat point, clipped to the grid."""
        x, y = self.projection.forward(lon, lat)
        return self.cell_of_xy(x, y)

    def cell_of_xy(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        col = np.clip(np.floor((np.asarray(x) - self.x0) / self.cell_km).astype(int), 0, self.width - 1)
        row = np.clip(np.floor((np.asarray(y) - self.y0) / self.cell_km).astype(int), 0, self.height - 1)
        return row, col

    def project_geometry(self, geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geom, self.projection.transform_coords)


def polygon_mask(grid: GridGeometry, geom_lonlat: shapely.Geometry) -> np.ndarray:
    """Cells whose centre lies inside a lon/lat (multi)polygon."""
    geom = grid.project_geometry(geom_lonlat)
    mask = np.zeros(grid.shape, dtype=bool)
    if geom.is_empty:
        return mask
    minx, miny, maxx, maxy = geom.bounds
    r0, c0 = grid.cell_of_xy(minx, miny)
    r1, c1 = grid.cell_of_xy(maxx, maxy)
    xs = grid.x0 + (np.arange(c0, c1 + 1) + 0.5) * grid.cell_km
    ys = grid.y0 + (np.arange(r0, r1 + 1) + 0.5) * grid.cell_km
    gx, gy = np.meshgrid(xs, ys)
    shapely.prepare(geom)
    mask[r0:r1 + 1, c0:c1 + 1] = shapely.contains_xy(geom, gx, gy)
    return mask


def ring_mask(grid: GridGeometry, ring_lonlat: tuple[tuple[float, float], ...]) -> np.ndarray:
    return polygon_mask(grid, Polygon(ring_lonlat))


def disk_mask(grid: GridGeometry, lon: float, lat: float, radius_km: float) -> np.ndarray:
    """Cells whose centre lies within radius_km of a point; always at least the point's own cell."""
    x, y = grid.projection.forward(lon, lat)
    gx, gy = grid.centres()
    mask = (gx - x) ** 2 + (gy - y) ** 2 <= radius_km ** 2
    r, c = grid.cell_of_xy(x, y)
    mask[r, c] = True
    return mask


def line_cells(grid: GridGeometry, points_lonlat: tuple[tuple[float, float], ...]) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the cells a polyline passes through, sampled at a third of a cell."""
    lon = np.array([p[0] for p in points_lonlat])
    lat = np.array([p[1] for p in points_lonlat])
    x, y = grid.projection.forward(lon, lat)
    seg = np.hypot(np.diff(x), np.diff(y))
    n = np.maximum(np.ceil(seg / (grid.cell_km / 3)).astype(int), 1)
    idx = np.repeat(np.arange(len(seg)), n)
    frac = np.concatenate([np.arange(k) / k for k in n])
    sx = np.append(x[idx] + (x[idx + 1] - x[idx]) * frac, x[-1])
    sy = np.append(y[idx] + (y[idx + 1] - y[idx]) * frac, y[-1])
    # Samples more than a cell off the grid are dropped, not clipped: a road that leaves the map (an included
    # layer drawn for a larger one) must not be painted along its edge.
    col = (sx - grid.x0) / grid.cell_km
    row = (sy - grid.y0) / grid.cell_km
    keep = (col >= -1) & (col <= grid.width + 1) & (row >= -1) & (row <= grid.height + 1)
    return grid.cell_of_xy(sx[keep], sy[keep])


def segment_cells(r0: np.ndarray, c0: np.ndarray, r1: np.ndarray, c1: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells of straight segments between pairs of cells, 4-connected: (segment index, rows, cols).

    No 8-neighbour step can cross a segment without entering one of its cells (a 4-connected line
    separates 8-connected paths). Each
    segment is sampled at twice its length in cells; where two samples differ in both row and column the
    corner cell (row of the first, column of the second) is added.
    """
    r0, c0, r1, c1 = (np.asarray(a, dtype=np.int64) for a in (r0, c0, r1, c1))
    n = len(r0)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    steps = 2 * np.maximum(np.abs(r1 - r0), np.abs(c1 - c0)) + 1
    seg = np.repeat(np.arange(n), steps)
    start = np.repeat(np.cumsum(steps) - steps, steps)
    t = (np.arange(len(seg)) - start) / np.maximum(steps[seg] - 1, 1)
    rows = np.rint(r0[seg] + (r1 - r0)[seg] * t).astype(np.int64)
    cols = np.rint(c0[seg] + (c1 - c0)[seg] * t).astype(np.int64)
    same = np.r_[False, seg[1:] == seg[:-1]]
    corner = same & (rows != np.r_[rows[:1], rows[:-1]]) & (cols != np.r_[cols[:1], cols[:-1]])
    k = np.flatnonzero(corner)
    seg = np.concatenate([seg, seg[k]])
    rows, cols = np.concatenate([rows, rows[k - 1]]), np.concatenate([cols, cols[k]])
    return seg, rows, cols


def polyline_cells_4(grid: GridGeometry, points_lonlat: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Flat cells of a polyline as a 4-connected chain (no 8-neighbour step can cross it without entering it)."""
    lon = np.array([p[0] for p in points_lonlat])
    lat = np.array([p[1] for p in points_lonlat])
    r, c = grid.cell_of(lon, lat)
    r, c = np.asarray(r, dtype=np.int64), np.asarray(c, dtype=np.int64)
    _, rows, cols = segment_cells(r[:-1], c[:-1], r[1:], c[1:])
    return np.unique(rows * grid.width + cols)
