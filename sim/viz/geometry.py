"""Map overlays (outlines, roads, places) in the grid's projected km, shared by every map figure."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from sim.scenario.schema import Scenario
from sim.world.raster import GridGeometry


def outline_xy(grid: GridGeometry, geom: Any) -> tuple[list[float | None], list[float | None]]:
    """Exterior rings of a lon/lat (multi)polygon as x/y lists separated by None (plotly's line breaks)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    proj = grid.project_geometry(geom)
    polys = list(proj.geoms) if hasattr(proj, "geoms") else [proj]
    for poly in polys:
        if not isinstance(poly, shapely.Polygon):
            continue
        x, y = poly.exterior.xy
        xs.extend(list(x) + [None])
        ys.extend(list(y) + [None])
    return xs, ys


def roads_xy(grid: GridGeometry, sc: Scenario) -> dict[str, tuple[list, list]]:
    """Road polylines by class, projected, as None-separated x/y lists."""
    out: dict[str, tuple[list, list]] = {}
    for r in sc.roads:
        lon = np.array([p[0] for p in r.points])
        lat = np.array([p[1] for p in r.points])
        x, y = grid.projection.forward(lon, lat)
        xs, ys = out.setdefault(r.road_class, ([], []))
        xs.extend(list(x) + [None])
        ys.extend(list(y) + [None])
    return out


def places_xy(grid: GridGeometry, sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
    lon = np.array([p.lon for p in sc.places])
    lat = np.array([p.lat for p in sc.places])
    return grid.projection.forward(lon, lat)
