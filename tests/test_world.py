"""The grid: equal-area projection, vectorised rasterisation, roads and places on the right cells."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point, Polygon

from sim.world.projection import AUTHALIC_RADIUS_KM, EqualArea
from sim.world.raster import GridGeometry, disk_mask, line_cells, polygon_mask


def test_projection_round_trip():
    proj = EqualArea(38.0, 34.0)
    lon = np.array([35.5, 38.0, 41.2, 36.7])
    lat = np.array([32.3, 34.0, 36.9, 33.5])
    x, y = proj.forward(lon, lat)
    lon2, lat2 = proj.inverse(x, y)
    assert np.allclose(lon, lon2, atol=1e-9) and np.allclose(lat, lat2, atol=1e-9)


def test_projection_preserves_area_of_a_lat_lon_box():
    # A 1 degree box's area on the sphere has a closed form; the projected polygon must match it.
    proj = EqualArea(38.0, 34.0)
    lon0, lon1, lat0, lat1 = 40.0, 41.0, 35.0, 36.0
    t = np.linspace(0, 1, 400)
    lons = np.concatenate([lon0 + t, np.full_like(t, lon1), lon1 - t, np.full_like(t, lon0)])
    lats = np.concatenate([np.full_like(t, lat0), lat0 + t, np.full_like(t, lat1), lat1 - t])
    x, y = proj.forward(lons, lats)
    projected = Polygon(np.column_stack([x, y])).area
    exact = AUTHALIC_RADIUS_KM ** 2 * np.radians(1.0) * (np.sin(np.radians(lat1)) - np.sin(np.radians(lat0)))
    assert projected == pytest.approx(exact, rel=1e-4)


@pytest.mark.parametrize("cell_km", [1.0, 2.0, 4.0])
def test_polygon_raster_area_matches_polygon_area(cell_km):
    grid = GridGeometry.covering((36.0, 33.0, 38.0, 34.5), cell_km)
    ring = [(36.3, 33.2), (37.8, 33.4), (37.5, 34.3), (36.6, 34.1), (36.2, 33.7)]
    mask = polygon_mask(grid, Polygon(ring))
    true_area = grid.project_geometry(Polygon(ring)).area
    assert mask.sum() * grid.cell_area_km2 == pytest.approx(true_area, rel=0.02)


def test_disk_mask_area():
    grid = GridGeometry.covering((36.0, 33.0, 38.0, 34.5), 1.0)
    mask = disk_mask(grid, 37.0, 33.7, 30.0)
    assert mask.sum() == pytest.approx(np.pi * 30.0 ** 2, rel=0.02)


def test_line_cells_are_connected_and_reach_both_ends():
    grid = GridGeometry.covering((36.0, 33.0, 38.0, 34.5), 2.0)
    rows, cols = line_cells(grid, ((36.1, 33.1), (37.9, 34.4)))
    steps = np.maximum(np.abs(np.diff(rows)), np.abs(np.diff(cols)))
    assert steps.max() <= 1  # 8-connected: no gaps a unit could not follow
    assert (rows[0], cols[0]) == tuple(int(v) for v in grid.cell_of(36.1, 33.1))
    assert (rows[-1], cols[-1]) == tuple(int(v) for v in grid.cell_of(37.9, 34.4))


def test_grid_cell_of_is_inside_the_cell():
    grid = GridGeometry.covering((36.0, 33.0, 38.0, 34.5), 2.0)
    x, y = grid.projection.forward(37.1, 33.9)
    r, c = grid.cell_of(37.1, 33.9)
    assert grid.x0 + c * 2 <= x < grid.x0 + (c + 1) * 2
    assert grid.y0 + r * 2 <= y < grid.y0 + (r + 1) * 2
    assert Point(0, 0).within(Polygon([(grid.x0, grid.y0), (-grid.x0, grid.y0), (-grid.x0, -grid.y0),
                                       (grid.x0, -grid.y0)]))  # the grid is centred on the box centre
