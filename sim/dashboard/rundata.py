"""What the dashboard draws for one run, whether it was just run in memory or read from a run directory.

`RunData` holds the daily owner grids and the static layers (terrain, roads, region, places, outlines),
so that every figure can be drawn for one chosen day without keeping the model around.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.scenario.schema import TERRAIN_CLASSES, Scenario
from sim.viz.geometry import outline_xy, roads_xy
from sim.world.projection import EqualArea
from sim.world.raster import GridGeometry

if TYPE_CHECKING:
    from sim.api import RunResult

Lines = tuple[list, list]


@dataclass
class RunData:
    """One run, ready to draw: owner grids by day plus everything static about the map."""

    title: str
    owner: np.ndarray  # (days + 1, H, W) int8, -1 nobody
    dates: list[str]
    faction_ids: list[str]
    names: dict[str, str]
    colours: dict[str, str]
    grid: GridGeometry
    terrain: np.ndarray
    region: np.ndarray
    place_names: list[str]
    place_xy: np.ndarray  # (n, 2) projected km
    place_kinds: list[str]
    curves: pd.DataFrame
    events: pd.DataFrame
    region_km2: float
    claims: pd.DataFrame | None = None
    outlines: list[tuple[str, Lines]] = field(default_factory=list)
    roads: dict[str, Lines] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    hostile: np.ndarray | None = None  # (days + 1, F, F) relations each day, to draw the front line
    _nearest: np.ndarray | None = None

    @property
    def days(self) -> int:
        return self.owner.shape[0] - 1

    def nearest_place_grid(self) -> np.ndarray:
        """Name of the nearest place for every cell (H, W), computed once."""
        if self._nearest is None:
            h, w = self.owner.shape[1:]
            if not self.place_names:
                self._nearest = np.full((h, w), "", dtype=object)
            else:
                xs, ys = self.grid.centres()
                best = np.full((h, w), np.inf)
                idx = np.zeros((h, w), dtype=int)
                for i, (px, py) in enumerate(self.place_xy):
                    d = np.hypot(xs - px, ys - py)
                    closer = d < best
                    best[closer] = d[closer]
                    idx[closer] = i
                self._nearest = np.array(self.place_names, dtype=object)[idx]
        return self._nearest

    def front_cells(self, day: int) -> np.ndarray:
        """(H, W) bool: cells on a front line that day (none if the relations were not recorded)."""
        if self.hostile is None:
            return np.zeros(self.owner.shape[1:], dtype=bool)
        from sim.rules.front import front_mask

        return front_mask(self.owner[day], self.region, self.hostile[min(day, len(self.hostile) - 1)])

    def terrain_names(self) -> np.ndarray:
        return np.array(TERRAIN_CLASSES, dtype=object)[self.terrain]


def _overlays(sc: Scenario, grid: GridGeometry) -> tuple[list[tuple[str, Lines]], dict[str, Lines]]:
    outlines = [(name, outline_xy(grid, geom)) for name, geom in sc.map.context]
    if sc.map.region is not None:
        outlines.append((sc.map.region_name, outline_xy(grid, sc.map.region)))
    return outlines, roads_xy(grid, sc)


def from_result(result: RunResult, claims: pd.DataFrame | None = None, title: str = "") -> RunData:
    """A RunData from a run just made in memory."""
    m, sc = result.model, result.scenario
    grid = m.world.grid
    outlines, roads = _overlays(sc, grid)
    place_x, place_y = grid.projection.forward(np.array([p.lon for p in sc.places]),
                                               np.array([p.lat for p in sc.places]))
    return RunData(
        title=title or f"{sc.meta.name}, seed {result.seed}, {result.days} days",
        owner=result.control, dates=[d.date().isoformat() for d in m.snapshot_dates],
        faction_ids=list(m.factions.ids), names=dict(m.factions.names), colours=dict(m.factions.colours),
        grid=grid, terrain=m.world.terrain, region=m.world.region,
        place_names=[p.name for p in sc.places], place_xy=np.column_stack([place_x, place_y]).reshape(-1, 2),
        place_kinds=[p.kind for p in sc.places], curves=result.curves, events=result.events,
        region_km2=m.world.region_area_km2, claims=claims, outlines=outlines, roads=roads,
        meta={"scenario": sc.meta.name, "seed": result.seed, "days": result.days,
              "overrides": dict(result.overrides)}, hostile=np.stack(m.snapshot_hostile))


def from_run_dir(path: Path, title: str = "") -> RunData:
    """A RunData read from a run directory written by `badia run --out DIR`.

    Borders and road lines are drawn only when the run's scenario is a shipped one (the dashboard never
    opens other files); otherwise the map shows the region and road cells from control.npz.
    """
    from sim.dashboard import safety

    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        z = np.load(path / "control.npz", allow_pickle=False)
        curves = pd.read_csv(path / "curves.csv", dtype={"date": str})
        events = pd.read_csv(path / "events.csv", dtype=str).fillna("")
    except (OSError, ValueError, KeyError) as exc:
        raise ScenarioError(str(path.name), "", "a run directory written by `badia run --out`", None,
                            f"It could not be read ({exc}).") from None
    lon0, lat0 = (float(v) for v in z["projection_lon0_lat0"])
    owner = z["owner"]
    grid = GridGeometry(EqualArea(lon0, lat0), float(z["origin_xy_km"][0]), float(z["origin_xy_km"][1]),
                        float(z["cell_km"]), int(owner.shape[1]), int(owner.shape[2]))
    lonlat = z["place_lonlat"].reshape(-1, 2)
    px, py = grid.projection.forward(lonlat[:, 0], lonlat[:, 1])
    ids = [str(f) for f in z["faction_ids"]]
    outlines: list[tuple[str, Lines]] = []
    roads: dict[str, Lines] = {}
    claims = None
    names = dict(zip(ids, ids, strict=True))
    try:
        from sim import api
        sc = api.load(safety.allowed_scenario_path(manifest.get("scenario_path", "")), manifest.get("overrides"))
        outlines, roads = _overlays(sc, grid)
        names.update({f.id: f.name for f in sc.factions})
        if sc.meta.claims:
            from sim.io.claims import read_claims
            claims = read_claims(sc.meta.claims)
    except ScenarioError:
        pass  # not a shipped scenario, or it changed since: draw what control.npz holds
    return RunData(
        title=title or f"{manifest.get('scenario', path.name)}, seed {manifest.get('seed')}, "
                       f"{manifest.get('days')} days ({path.name})",
        owner=owner, dates=[str(d) for d in z["dates"]], faction_ids=ids, names=names,
        colours=dict(zip(ids, (str(c) for c in z["faction_colours"]), strict=True)), grid=grid,
        terrain=z["terrain"], region=z["region"].astype(bool), place_names=[str(n) for n in z["place_names"]],
        place_xy=np.column_stack([px, py]).reshape(-1, 2), place_kinds=[str(k) for k in z["place_kinds"]],
        curves=curves, events=events, region_km2=float(manifest.get("region_km2", 0.0)), claims=claims,
        outlines=outlines, roads=roads, meta={k: manifest.get(k) for k in ("scenario", "seed", "days", "overrides")},
        hostile=z["hostile"].astype(bool) if "hostile" in z.files else None)
