"""Map overlays (outlines, roads, zones) in the grid's projected km, shared by every map figure (places are
projected with the Run: sim.rundata.place_table)."""

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


def zones_xy(grid: GridGeometry, sc: Scenario) -> dict[str, tuple[list, list]]:
    """Zone outlines (circles or polygons) projected, by zone name."""
    out: dict[str, tuple[list, list]] = {}
    for z in sc.zones:
        if z.shape.is_circle:
            cx, cy = grid.projection.forward(z.shape.center[0], z.shape.center[1])
            t = np.linspace(0, 2 * np.pi, 73)
            out[z.name] = (list(cx + z.shape.radius_km * np.cos(t)), list(cy + z.shape.radius_km * np.sin(t)))
        else:
            lon = np.array([p[0] for p in z.shape.polygon] + [z.shape.polygon[0][0]])
            lat = np.array([p[1] for p in z.shape.polygon] + [z.shape.polygon[0][1]])
            x, y = grid.projection.forward(lon, lat)
            out[z.name] = (list(x), list(y))
    return out
