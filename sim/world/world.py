"""The world a scenario describes, as numpy layers on an equal-area grid.

Built once per run from a frozen Scenario: terrain class, road class, claimable region, per-mobility
crossing times, place footprints and objective values. Everything that covers the map is an array; the
only Python objects are the few places, roads and zones.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, box

from sim.errors import ScenarioError, UsageError
from sim.limits import check_grid
from sim.scenario.schema import ROAD_CLASSES, TERRAIN_CLASSES, Place, Scenario, Shape
from sim.world.graph import GridGraph
from sim.world.localities import locality_areas, nearest_locality
from sim.world.raster import GridGeometry, disk_mask, line_cells, polygon_mask, polyline_cells_4, ring_mask


class SearchCache(OrderedDict):
    """A dict that keeps only its `limit` most recently used entries."""

    def __init__(self, limit: int = 16) -> None:
        super().__init__()
        self.limit = limit

    def __getitem__(self, key: object) -> object:
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def __setitem__(self, key: object, value: object) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


@dataclass
class World:
    """Grid geometry plus the static layers of the map."""

    grid: GridGeometry
    terrain: np.ndarray  # int8 index into TERRAIN_CLASSES
    road: np.ndarray  # int8: 0 none, 1 track, 2 road, 3 highway
    region: np.ndarray  # bool: cells that count as territory
    place_cells: np.ndarray  # (n_places,) flat index of each place's own cell
    footprint: np.ndarray  # int16: index of the place whose footprint covers the cell, -1 none
    value: np.ndarray  # float32: objective value of each cell (place values on their footprints)
    cell_hours: dict[str, np.ndarray]  # mobility type -> hours to cross each cell
    places: tuple[Place, ...]
    zones: dict[str, np.ndarray]  # zone name -> bool mask
    graph: GridGraph = field(repr=False)
    # Locality-based counting (sim.world.localities): the places inside the region, then the map's extra
    # localities inside it; each region cell belongs to its nearest locality.
    locality_names: tuple[str, ...] = ()
    locality_cells: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    locality_of: np.ndarray | None = field(default=None, repr=False)
    locality_area_km2: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    # Barriers (rivers): fire across a barrier cell is multiplied by its factor (1 where there is none);
    # their crossing time is already in `cell_hours`.
    barrier_combat: np.ndarray | None = field(default=None, repr=False)
    # Searches that depend on the map alone, kept for the next run on the same world (a batch reuses
    # worlds): supply areas by (source cells, mobility, range). See sim.rules.supply.SupplyArea. Bounded: a
    # batch that varies the supply range would otherwise keep one set of areas per run it ever made.
    search_cache: SearchCache = field(default_factory=lambda: SearchCache(), repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.grid.shape

    @property
    def region_area_km2(self) -> float:
        return float(self.region.sum()) * self.grid.cell_area_km2

    def cell_index(self, lon: float, lat: float) -> int:
        """Flat index of the cell holding a lon/lat point."""
        r, c = self.grid.cell_of(lon, lat)
        return int(r) * self.grid.width + int(c)


def shape_mask(grid: GridGeometry, shape: Shape) -> np.ndarray:
    """Cells a shape covers: a circle's cells within its radius, a polygon's or a GeoJSON area's cell centres."""
    if shape.geometry is not None:
        return polygon_mask(grid, shape.geometry)
    if shape.is_circle:
        return disk_mask(grid, shape.center[0], shape.center[1], shape.radius_km)
    return ring_mask(grid, shape.polygon)


WORLD_SECTIONS = ("map", "terrain", "places", "roads", "zones", "mobility", "barriers")


def world_key(sc: Scenario) -> str:
    """A fingerprint of everything a scenario's world is built from (so equal keys give equal worlds).

    Runs that differ only in forces, doctrine, combat or events share a world: a batch can build it once.
    """
    raw = {k: sc.resolved.get(k) for k in WORLD_SECTIONS}
    text = json.dumps([sc.source, raw], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def build_world(sc: Scenario, cell_km: float | None = None) -> World:
    """Rasterise a scenario's map. `cell_km` overrides the scenario's cell size (a UsageError if the grid it
    makes is beyond sim.limits.MAX_CELLS). A region that holds no cell centre is a ScenarioError."""
    if cell_km:
        check_grid(sc.map.bbox, cell_km, "cell_km", "cell_km", UsageError)
    grid = GridGeometry.covering(sc.map.bbox, cell_km or sc.map.cell_km)
    terrain = np.full(grid.shape, TERRAIN_CLASSES.index(sc.map.base_terrain), dtype=np.int8)
    for area in sc.terrain:
        terrain[shape_mask(grid, area.shape)] = TERRAIN_CLASSES.index(area.terrain)

    road = np.zeros(grid.shape, dtype=np.int8)
    for r in sc.roads:
        rows, cols = line_cells(grid, r.points)
        rank = ROAD_CLASSES.index(r.road_class) + 1
        road[rows, cols] = np.maximum(road[rows, cols], rank)

    region_geom = sc.map.region if sc.map.region is not None else box(*sc.map.bbox)
    region = polygon_mask(grid, region_geom)
    if not region.any():
        key = "map.region" if sc.map.region is not None else "map.bbox"
        raise ScenarioError(sc.source, key, "a region holding at least one cell centre of the grid (an area > 0 km²)",
                            sc.map.region_name or list(sc.map.bbox),
                            f"No cell of {grid.cell_km:g} km has its centre inside it: the region lies outside the "
                            "bbox, or is smaller than a cell, or the bbox spans so much of the globe that the map's "
                            "equal-area projection folds it up.")

    footprint = np.full(grid.shape, -1, dtype=np.int16)
    value = np.zeros(grid.shape, dtype=np.float32)
    place_cells = np.zeros(len(sc.places), dtype=np.int64)
    # Smaller footprints are drawn last so that a town beside a city keeps its own cell.
    order = sorted(range(len(sc.places)), key=lambda i: -sc.places[i].radius_km)
    for i in order:
        p = sc.places[i]
        mask = disk_mask(grid, p.lon, p.lat, p.radius_km)
        footprint[mask] = i
        value[mask] = np.maximum(value[mask], p.value)
        place_cells[i] = int(np.ravel_multi_index(tuple(int(v) for v in grid.cell_of(p.lon, p.lat)), grid.shape))
    for i, cell in enumerate(place_cells):
        footprint.flat[cell] = i  # a place always owns its own cell

    barrier_hours, barrier_combat = rasterise_barriers(sc, grid)
    cell_hours = {m: crossing_hours(grid.cell_km, terrain, road, speeds) + barrier_hours
                  for m, speeds in sc.mobility.items()}
    zones = {z.name: shape_mask(grid, z.shape) for z in sc.zones}
    names, cells = _localities(sc, grid, region, place_cells)
    nearest = nearest_locality(grid.shape, cells, region)
    return World(grid=grid, terrain=terrain, road=road, region=region, place_cells=place_cells,
                 footprint=footprint, value=value, cell_hours=cell_hours, places=sc.places, zones=zones,
                 graph=GridGraph(*grid.shape), locality_names=names, locality_cells=cells, locality_of=nearest,
                 locality_area_km2=locality_areas(nearest, len(cells), grid.cell_area_km2),
                 barrier_combat=barrier_combat if sc.barriers else None)


def rasterise_barriers(sc: Scenario, grid: GridGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Extra hours to cross each cell, and the fire factor across it, from the scenario's barriers.

    A barrier is drawn as a 4-connected chain of cells, so no diagonal step slips through it. Its crossings
    (the listed points, and where a road's line meets it when `bridges_at_roads`) open the barrier cells
    within one cell of them.
    """
    hours = np.zeros(grid.shape)
    combat = np.ones(grid.shape, dtype=np.float32)
    for b in sc.barriers:
        cells = polyline_cells_4(grid, b.points)
        openings = list(b.crossings)
        if b.bridges_at_roads:
            line = LineString(b.points)
            for r in sc.roads:
                openings += _points_of(line.intersection(LineString(r.points)))
        closed = np.ones(len(cells), dtype=bool)
        if openings:
            rr, cc = grid.cell_of(np.array([p[0] for p in openings]), np.array([p[1] for p in openings]))
            br, bc = np.divmod(cells, grid.width)
            near = (np.abs(br[:, None] - np.asarray(rr)[None, :]) <= 1) & (np.abs(bc[:, None] - np.asarray(cc)[None, :]) <= 1)
            closed = ~near.any(axis=1)
        shut = cells[closed]
        hours.flat[shut] = np.maximum(hours.flat[shut], b.crossing_hours)
        combat.flat[shut] = np.minimum(combat.flat[shut], b.combat)
    return hours, combat


def _points_of(geom: shapely.Geometry) -> list[tuple[float, float]]:
    """The (lon, lat) points of an intersection (points, or the vertices of a shared stretch)."""
    if geom.is_empty:
        return []
    return [tuple(xy) for xy in shapely.get_coordinates(geom).tolist()]


def _localities(sc: Scenario, grid: GridGeometry, region: np.ndarray,
                place_cells: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """Names and flat cells of the localities inside the region: the places, then the map's localities."""
    inside = region.ravel()[place_cells]
    names = [p.name for p, ok in zip(sc.places, inside, strict=True) if ok]
    cells = [place_cells[inside]]
    extra = sc.map.localities
    if extra:
        r, c = grid.cell_of(np.array([q.lon for q in extra]), np.array([q.lat for q in extra]))
        flat = np.asarray(r, dtype=np.int64) * grid.width + np.asarray(c, dtype=np.int64)
        lon0, lat0, lon1, lat1 = sc.map.bbox
        in_box = np.array([lon0 <= q.lon <= lon1 and lat0 <= q.lat <= lat1 for q in extra])
        ok = region.ravel()[flat] & in_box
        names += [q.name for q, k in zip(extra, ok, strict=True) if k]
        cells.append(flat[ok])
    return tuple(names), np.concatenate(cells).astype(np.int64)


def crossing_hours(cell_km: float, terrain: np.ndarray, road: np.ndarray, speeds: dict[str, float]) -> np.ndarray:
    """Hours to cross each cell: the faster of its terrain and its road, if any."""
    terrain_speed = np.array([speeds[t] for t in TERRAIN_CLASSES])[terrain]
    road_speed = np.array([0.0] + [speeds[r] for r in ROAD_CLASSES])[road]
    return cell_km / np.maximum(terrain_speed, road_speed)
