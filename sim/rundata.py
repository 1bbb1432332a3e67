"""The run dataset: one immutable `Run`, the only thing that leaves the model.

A `Run` holds what a run produced and what is needed to draw and judge it, as plain numpy arrays and pandas
DataFrames: the owner grid of every recorded day (with who was hostile to whom that day, for the front line),
the daily curves, the event log, the map's layers (grid geometry, region, terrain, road cells, places) and how
the run was made (`RunMeta`, what manifest.json records). It is built from a finished model (`Run.from_model`)
or read from a run directory (`sim.io.rundir.read_run`), and every consumer (the report, the dashboard, the
comparison with claims, the CLI summary, batch runs) takes one.

It is a frozen dataclass of numpy and pandas rather than an xarray Dataset: the grids are the only labelled
arrays (day x row x column), the curves and events are tables that consumers filter as DataFrames anyway, and
the project has no xarray dependency to add for this. Its arrays are read-only; its DataFrames are not to be
changed (take a copy). It holds no reference to the model, so a run leaves nothing behind but its data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.rules.front import front_mask
from sim.world.raster import GridGeometry

if TYPE_CHECKING:
    from pathlib import Path

    from sim.model import ConflictModel
    from sim.scenario.schema import Scenario

CURVE_KEYS = ("date", "day", "faction", "area_km2", "gained_km2")  # the columns every run's curves have
PLACE_COLUMNS = ["name", "kind", "lon", "lat", "x", "y", "row", "col", "resource", "estimated"]
UNIT_COLUMNS = ["day", "name", "faction", "x", "y", "strength"]  # one row per recorded day and living unit


@dataclass(frozen=True, eq=False)
class RunMeta:
    """How a run was made: what manifest.json records about it (besides the map, which the Run holds)."""

    scenario: str  # the scenario's name
    scenario_path: str
    scenario_sha256: str
    seed: int | None
    days: int
    start: str  # ISO date and time of the first step
    end: str  # ISO date and time after the last step
    step_hours: int
    claims: str | None = None  # the scenario's claims file, if it names one
    overrides: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    parameters: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # as resolved, overridden
    wall_seconds: float = 0.0
    title: str = ""
    description: str = ""


@dataclass(frozen=True, eq=False)
class Run:
    """One run: owner grids by date, curves, events, map layers and metadata (see the module docstring)."""

    meta: RunMeta
    curves: pd.DataFrame  # one row per day and faction (sim.model.CURVE_COLUMNS)
    events: pd.DataFrame  # the dated log (sim.model.EVENT_COLUMNS), time as ISO text to the minute
    owner: np.ndarray  # (days + 1, H, W) int8: the faction index holding each cell each day, -1 nobody
    dates: tuple[str, ...]  # ISO date of each owner grid
    hostile: np.ndarray | None  # (days + 1, F, F) bool: who was hostile to whom each day (None: not recorded)
    factions: tuple[str, ...]
    names: Mapping[str, str]
    colours: Mapping[str, str]
    grid: GridGeometry
    bbox: tuple[float, float, float, float]  # lon/lat box of the map
    region: np.ndarray  # (H, W) bool: cells that can be held
    terrain: np.ndarray  # (H, W) terrain class index (sim.scenario.schema.TERRAIN_CLASSES)
    road: np.ndarray  # (H, W) road class of each cell (0 none)
    places: pd.DataFrame  # PLACE_COLUMNS: name, kind, lon/lat, projected x/y km, grid row/col, resource, estimated
    scenario: Scenario | None = None  # the scenario it was run from, for its outlines, roads and zones (if known)
    units: pd.DataFrame | None = None  # UNIT_COLUMNS: where each unit stood each recorded day (None: not recorded)

    @classmethod
    def from_model(cls, model: ConflictModel, overrides: Mapping[str, Any] | None = None,
                   wall_seconds: float = 0.0) -> Run:
        """The Run of a model that has run: copies of its records and views of its map, nothing of the model."""
        from sim.model import EVENT_COLUMNS

        sc, world = model.spec, model.world
        grid = world.grid
        events = pd.DataFrame(model.log, columns=EVENT_COLUMNS)
        events["time"] = [t.isoformat(timespec="minutes") for t in events["time"]]
        meta = RunMeta(
            scenario=sc.meta.name, scenario_path=sc.source, scenario_sha256=sc.sha256, seed=model.seed,
            days=model.days, start=sc.meta.start.isoformat(), end=model.now.isoformat(),
            step_hours=sc.meta.step_hours, claims=sc.meta.claims, overrides=MappingProxyType(dict(overrides or {})),
            parameters=sc.resolved, wall_seconds=wall_seconds, title=sc.meta.title, description=sc.meta.description)
        lon = np.array([p.lon for p in sc.places], dtype=float)
        lat = np.array([p.lat for p in sc.places], dtype=float)
        places = place_table([p.name for p in sc.places], [p.kind for p in sc.places], lon, lat, grid,
                             resource=[p.is_resource for p in sc.places], estimated=[p.estimated for p in sc.places])
        ids = tuple(model.factions.ids)
        return cls(
            meta=meta, curves=pd.DataFrame(model.curves()), events=events,
            owner=_frozen(np.stack(model.snapshots)),
            dates=tuple(d.date().isoformat() for d in model.snapshot_dates),
            hostile=_frozen(np.stack(model.snapshot_hostile)), factions=ids,
            names=MappingProxyType({f: model.factions.names[f] for f in ids}),
            colours=MappingProxyType({f: model.factions.colours[f] for f in ids}),
            grid=grid, bbox=tuple(float(v) for v in sc.map.bbox), region=_frozen(world.region),
            terrain=_frozen(world.terrain), road=_frozen(world.road), places=places, scenario=sc,
            units=unit_table(getattr(model, "snapshot_units", None), ids, grid))

    # ------------------------------------------------------------------ what users ask of a run
    @property
    def control(self) -> np.ndarray:
        """Owner grids, one per recorded day: (days + 1, H, W) int8, -1 for nobody (the same as `owner`)."""
        return self.owner

    @property
    def days(self) -> int:
        """Days simulated (the last recorded day)."""
        return self.owner.shape[0] - 1

    @property
    def seed(self) -> int | None:
        return self.meta.seed

    @property
    def wall_seconds(self) -> float:
        return self.meta.wall_seconds

    @property
    def region_km2(self) -> float:
        """The area of the region (km²): what held_pct claims are a share of."""
        return float(self.region.sum()) * self.grid.cell_area_km2

    def front_cells(self, day: int) -> np.ndarray:
        """(H, W) bool: the cells on a front line on a recorded day (none if the relations were not recorded)."""
        if self.hostile is None:
            return np.zeros(self.owner.shape[1:], dtype=bool)
        return front_mask(self.owner[day], self.region, self.hostile[min(day, len(self.hostile) - 1)])

    def save(self, out_dir: str | Path, claims: pd.DataFrame | None = None) -> Path:
        """Write the run directory (curves.csv, control.npz, events.csv, manifest.json, report.html): a thin
        delegate to sim.io.rundir.write_run, kept because `result.save(...)` is how users write a run."""
        from pathlib import Path

        from sim.io.rundir import write_run

        return write_run(self, Path(out_dir), claims=claims)


def place_table(names: list[str], kinds: list[str], lon: np.ndarray, lat: np.ndarray, grid: GridGeometry,
                resource: list[bool], estimated: list[bool]) -> pd.DataFrame:
    """The places of a run (PLACE_COLUMNS), projected onto its grid."""
    x, y = grid.projection.forward(lon, lat)
    row, col = grid.cell_of_xy(x, y)
    return pd.DataFrame({"name": names, "kind": kinds, "lon": lon, "lat": lat, "x": np.asarray(x, float),
                         "y": np.asarray(y, float), "row": np.asarray(row, int), "col": np.asarray(col, int),
                         "resource": np.asarray(resource, bool), "estimated": np.asarray(estimated, bool)},
                        columns=PLACE_COLUMNS)


def unit_table(days: list[list[tuple[str, int, int, float]]] | None, factions: tuple[str, ...],
               grid: GridGeometry) -> pd.DataFrame | None:
    """The units of each recorded day (UNIT_COLUMNS: the faction by id, x/y the km of the unit's cell centre)
    from a model's daily (name, faction index, flat cell, strength) records; None if none were recorded."""
    if days is None:
        return None
    rows = [(d, name, fi, cell, strength) for d, units in enumerate(days) for name, fi, cell, strength in units]
    day, name, fi, cell, strength = (list(c) for c in zip(*rows, strict=True)) if rows else ([],) * 5
    row, col = np.divmod(np.asarray(cell, dtype=np.int64), grid.width)
    return pd.DataFrame({"day": np.asarray(day, dtype=np.int32), "name": name,
                         "faction": np.array(factions, dtype=object)[np.asarray(fi, dtype=int)],
                         "x": grid.x0 + (col + 0.5) * grid.cell_km, "y": grid.y0 + (row + 0.5) * grid.cell_km,
                         "strength": np.asarray(strength, dtype=float)}, columns=UNIT_COLUMNS)


def _frozen(a: np.ndarray) -> np.ndarray:
    """A read-only view of `a` (the array it views, e.g. a world's layer shared with other runs, is untouched)."""
    v = a.view()
    v.flags.writeable = False
    return v
