"""Warnings about a scenario that loads but is probably not what its author meant.

A scenario can be valid and still quietly wrong: a faction with units and nothing to supply them, a unit set
down beyond its supply, a place outside the region nobody can hold, a place given to one faction inside
another's hold area, a longitude typed for a latitude. The loader cannot refuse these (each can be meant);
`scenario_warnings` finds them on the situation at the start (the world and the model at step 0, not run) and
returns `ScenarioWarning` records for `badia validate`, `badia map` and the Python API
(`sim.scenario_warnings`). Nothing here prints or writes: the caller shows them.

The checks:

- `no_supply`: a faction with units (at the start or by reinforcement) but no `supply_sources`: its units are
  out of supply from the first day and wear away (`supply.attrition_per_day`).
- `out_of_supply`: a unit whose presence disk its faction's supply network does not reach at the start (the
  test the model applies each day, sim.model.ConflictModel._supplied).
- `outside_region`: a place the scenario treats as holdable (a holder, a supply source, an order's
  objective) whose cell is outside the region, where nobody can hold or take it.
- `holder_mismatch`: a place whose stated holder (`holder`, or a faction's `holds`) is neither the faction
  whose hold area contains it nor an ally of it: it starts as an enclave the size of its footprint.
- `lonlat_swap`: a place or unit whose [lon, lat], read as [lat, lon], also lies inside the bbox and lands
  much nearer the other places (or inside the region where the given point is outside it): see `likely_swaps`;
  and a hold area centred outside the bbox whose swapped ring is centred inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import Point, Polygon, box

from sim.rules.control import Disks
from sim.scenario.schema import Shape

if TYPE_CHECKING:
    from sim.model import ConflictModel
    from sim.scenario.schema import Scenario

EARTH_RADIUS_KM = 6371.0
SWAP_NEIGHBOURS = 3  # a point's distance to "the other places" is the mean distance to its nearest three
SWAP_RATIO = 3.0  # the swapped point must be this many times nearer the other places ...
SWAP_SPACING = 2.0  # ... and the given point farther from them than this many typical place spacings
SWAP_RATIO_REGION = 1.5  # given point outside the region, swapped one inside it: this much nearer is enough


@dataclass(frozen=True)
class ScenarioWarning:
    """One warning: which check (`kind`), where in the scenario (`key`, a key path as errors name it) and what
    is wrong and why it matters (`message`)."""

    kind: str
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


def scenario_warnings(sc: Scenario, model: ConflictModel | None = None) -> list[ScenarioWarning]:
    """Every warning about a scenario, from its situation at the start.

    `model` is the scenario's model at step 0 if the caller has one (`badia map` builds it anyway); otherwise
    one is built (the world and the model, not run). Ordered by check, then as the scenario lists them.
    """
    if model is None:
        from sim.model import ConflictModel

        model = ConflictModel(sc)
    return [*no_supply(sc), *out_of_supply(sc, model), *outside_region(sc, model), *holder_mismatch(sc),
            *lonlat_swaps(sc)]


def supply_reach(model: ConflictModel) -> np.ndarray:
    """(F, H, W) bool: the cells each faction's supply network reaches now (at step 0: at the start).

    The network is the model's own (sim.rules.supply): travel within `supply.range_hours` from the faction's
    held sources through ground it or its allies hold. A faction without sources reaches nothing.
    """
    reach = np.zeros((len(model.factions), *model.world.shape), dtype=bool)
    for fi in range(len(model.factions)):
        if model.spec.factions[fi].supply_sources:
            reach[fi] = np.isfinite(model.supply_network(fi).cost_map())
    return reach


def no_supply(sc: Scenario) -> list[ScenarioWarning]:
    """Factions with units (at the start or arriving by a `reinforce` event) but no supply sources."""
    out = []
    for i, f in enumerate(sc.factions):
        if f.supply_sources:
            continue
        units = [u for u in sc.units if u.faction == f.id]
        later = [e for e in sc.events if e.kind == "reinforce" and e.faction == f.id]
        if not units and not later:
            continue
        what = [f"{len(units)} unit{'s' if len(units) != 1 else ''} at the start"] if units else []
        what += [f"{len(later)} reinforcement{'s' if len(later) != 1 else ''}"] if later else []
        out.append(ScenarioWarning(
            "no_supply", f"factions[{i}].supply_sources ({f.id})",
            f"faction '{f.id}' has {' and '.join(what)} but no supply sources: its units are out of supply from "
            f"the first day, cannot attack, and lose {sc.supply.attrition_per_day:.0%} of their strength a day. "
            "Name the places that supply it in supply_sources."))
    return out


def in_supply(model: ConflictModel, reach: np.ndarray) -> np.ndarray:
    """Whether each unit (in `model.unit_list()` order) is in supply: its faction's supply reach touches its
    presence disk (`control.presence_km` around it), the test the model applies to each unit every day."""
    w = model.world
    disks = Disks(w.shape, model.spec.control.presence_km / w.grid.cell_km)
    flat = reach.reshape(len(reach), -1)
    return np.array([bool(flat[u.faction, disks.cells([u.cell])].any()) for u in model.unit_list()], dtype=bool)


def out_of_supply(sc: Scenario, model: ConflictModel) -> list[ScenarioWarning]:
    """Units (of factions that have sources) their faction's supply network does not reach at the start."""
    w = model.world
    reach = supply_reach(model)
    supplied = in_supply(model, reach)
    gx, gy = w.grid.centres()
    out = []
    # at step 0 the model's units are the scenario's, in its order (sim.model.ConflictModel.__init__)
    for i, (u, ok) in enumerate(zip(model.unit_list(), supplied, strict=True)):
        spec = sc.units[i]
        if ok or not sc.factions[u.faction].supply_sources:
            continue  # a faction without sources is warned about once (no_supply)
        r, c = divmod(u.cell, w.grid.width)
        mine = reach[u.faction]
        if mine.any():
            gap = float(np.sqrt(((gx[mine] - gx[r, c]) ** 2 + (gy[mine] - gy[r, c]) ** 2).min()))
            where = f"the nearest ground it reaches is {gap:,.0f} km away"
        else:
            where = "it reaches no ground at all (are its sources held by the faction or an ally at the start?)"
        out.append(ScenarioWarning(
            "out_of_supply", f"units[{i}].at ({spec.name})",
            f"unit '{spec.name}' starts beyond the supply reach of '{spec.faction}': {where}. Supply runs "
            f"{sc.supply.range_hours:g} h of {sc.supply.mobility} travel from the faction's held sources through "
            f"ground it or its allies hold; out of it the unit cannot attack and loses "
            f"{sc.supply.attrition_per_day:.0%} of its strength a day. Move it, add a source, or widen the "
            "faction's hold areas."))
    return out


def outside_region(sc: Scenario, model: ConflictModel) -> list[ScenarioWarning]:
    """Places the scenario treats as holdable (a holder, a supply source, an order's objective) whose own cell
    lies outside the region, where nobody can hold or take them.

    A place outside the region with none of these is a label or a road's waypoint (a border crossing on the far
    side, drawn for orientation): that is allowed, and not warned about.
    """
    w = model.world
    inside = w.region.ravel()[w.place_cells]
    if inside.all():
        return []
    region = w.grid.project_geometry(sc.map.region if sc.map.region is not None else box(*sc.map.bbox))
    uses: dict[str, list[str]] = {}
    for i, holder in stated_holders(sc).items():
        uses.setdefault(sc.places[i].name, []).append(f"its holder is '{holder}'")
    for f in sc.factions:
        for name in f.supply_sources:
            uses.setdefault(name, []).append(f"it is a supply source of '{f.id}' (a source outside the region "
                                             "supplies nothing)")
    for o in sc.orders:
        named = {obj.place for obj in o.objectives if obj.kind == "place"} | {a for obj in o.objectives
                                                                              for a in obj.after}
        for name in sorted(n for n in named if n):
            uses.setdefault(name, []).append(f"order '{o.name}' names it (it can never be achieved)")
    out = []
    for i in np.flatnonzero(~inside):
        p = sc.places[i]
        if p.name not in uses:
            continue
        x, y = w.grid.projection.forward(p.lon, p.lat)
        gap = float(region.distance(Point(float(x), float(y))))
        out.append(ScenarioWarning(
            "outside_region", f"places[{i}] ({p.name})",
            f"place '{p.name}' lies outside the region, {sc.map.region_name or 'the bbox'} ({gap:,.1f} km from "
            f"it; the centre of its {w.grid.cell_km:g} km cell is outside), so nobody can hold or take it; yet "
            f"{'; '.join(uses[p.name])}. Move it inside the region, or drop what treats it as holdable."))
    return out


def stated_holders(sc: Scenario) -> dict[int, str]:
    """Place index -> the faction the scenario says holds it at the start (a faction's `holds` wins over the
    place's `holder`, as sim.rules.control.initial_owner applies them)."""
    holders = {i: p.holder for i, p in enumerate(sc.places) if p.holder is not None}
    index = {p.name: i for i, p in enumerate(sc.places)}
    for f in sc.factions:
        for name in f.holds:
            holders[index[name]] = f.id
    return holders


def shape_geometry(shape: Shape) -> Any:
    """A hold area's shape as a shapely geometry in lon/lat: a GeoJSON area as read, a drawn ring made valid (a
    hand-drawn ring may cross itself), a circle as a 64-sided polygon (km turned into degrees at its latitude)."""
    if shape.geometry is not None:
        return shape.geometry
    if shape.is_circle:
        lon, lat = shape.center
        turn = np.linspace(0.0, 2 * np.pi, 64, endpoint=False)
        dlat = shape.radius_km / 111.32
        dlon = dlat / max(np.cos(np.radians(lat)), 1e-6)
        return Polygon(zip(lon + dlon * np.cos(turn), lat + dlat * np.sin(turn), strict=True))
    return shapely.make_valid(Polygon(shape.polygon))


def holder_mismatch(sc: Scenario) -> list[ScenarioWarning]:
    """Places whose stated holder is neither a faction whose hold area contains them nor an ally of one."""
    from sim.factions import Factions

    factions = Factions(sc)
    friendly = factions.friendly
    areas = [(factions.index[a.faction], f"control.hold_areas feature {k}", shape_geometry(a.shape))
             for k, a in enumerate(sc.hold_features)]
    areas += [(fi, f"factions[{fi}].hold_areas[{k}]", shape_geometry(shape)) for fi, f in enumerate(sc.factions)
              for k, shape in enumerate(f.hold_areas)]
    out = []
    for i, holder in sorted(stated_holders(sc).items()):
        p = sc.places[i]
        point = Point(p.lon, p.lat)
        containing = [(fi, k) for fi, k, poly in areas if poly.covers(point)]
        h = factions.index[holder]
        if not containing or any(friendly[h, fi] for fi, _ in containing):
            continue
        fi, k = containing[-1]  # later hold areas are painted over earlier ones
        other = sc.factions[fi].id
        relation = "hostile to it" if factions.hostile[h, fi] else "not its ally"
        out.append(ScenarioWarning(
            "holder_mismatch", f"places[{i}] ({p.name})",
            f"place '{p.name}' is held by '{holder}' but lies inside a hold area of '{other}' "
            f"({k}), {relation}: it starts as an enclave of '{holder}' the size of its "
            f"footprint ({p.radius_km:g} km). If that is not meant, correct its holder or the hold area."))
    return out


def haversine_km(lon1: np.ndarray | float, lat1: np.ndarray | float, lon2: np.ndarray | float,
                 lat2: np.ndarray | float) -> np.ndarray:
    """Great-circle distance in km between lon/lat points (broadcasting)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def likely_swaps(points: np.ndarray, refs: np.ndarray, own: np.ndarray, bbox: tuple[float, float, float, float],
                 region: shapely.Geometry | None = None) -> np.ndarray:
    """Which of some [lon, lat] points were likely typed as [lat, lon]: a bool per point.

    `refs` are the places' [lon, lat] (what "the other places" are); `own[i]` is the index in `refs` of point
    i itself (-1 for a unit), left out of its own neighbours. A point is flagged when its swap [lat, lon]
    also lies inside the bbox (the loader refuses points outside it) and either
    - the swap is SWAP_RATIO times nearer the other places (mean distance to the nearest SWAP_NEIGHBOURS), and
      the point itself is farther from them than SWAP_SPACING typical place spacings (the median distance from
      a place to its nearest neighbour): a lone outpost is not flagged for being lonely, nor a point in a
      cluster for a swap that lands in another; or
    - the point lies outside the region and its swap inside it, SWAP_RATIO_REGION times nearer the others.
    Points that lie on the diagonal (lon ≈ lat) are never flagged: their swap is the same place. Needs at least
    two places to compare with; with fewer, nothing is flagged.
    """
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    refs = np.asarray(refs, dtype=float).reshape(-1, 2)
    flags = np.zeros(len(points), dtype=bool)
    if len(refs) < 3 or not len(points):
        return flags
    lon0, lat0, lon1, lat1 = bbox
    swapped = points[:, ::-1]
    in_box = (swapped[:, 0] >= lon0) & (swapped[:, 0] <= lon1) & (swapped[:, 1] >= lat0) & (swapped[:, 1] <= lat1)
    apart = haversine_km(points[:, 0], points[:, 1], swapped[:, 0], swapped[:, 1]) > 1.0
    pairwise = haversine_km(refs[:, None, 0], refs[:, None, 1], refs[None, :, 0], refs[None, :, 1])
    np.fill_diagonal(pairwise, np.inf)
    spacing = float(np.median(pairwise.min(axis=1)))

    def crowding(lonlat: np.ndarray) -> np.ndarray:
        d = haversine_km(lonlat[:, None, 0], lonlat[:, None, 1], refs[None, :, 0], refs[None, :, 1])
        mine = own >= 0
        d[np.flatnonzero(mine), own[mine]] = np.inf
        k = min(SWAP_NEIGHBOURS, len(refs) - 1)
        return np.sort(d, axis=1)[:, :k].mean(axis=1)

    given, swap = crowding(points), crowding(swapped)
    flags = (swap * SWAP_RATIO <= given) & (given >= SWAP_SPACING * spacing)
    if region is not None:
        inside = shapely.covers(region, shapely.points(points))
        swap_inside = shapely.covers(region, shapely.points(swapped))
        flags |= ~inside & swap_inside & (swap * SWAP_RATIO_REGION <= given)
    return flags & in_box & apart


def lonlat_swaps(sc: Scenario) -> list[ScenarioWarning]:
    """Places and units (given by coordinates) whose [lon, lat] look typed as [lat, lon] (see `likely_swaps`)."""
    refs = np.array([(p.lon, p.lat) for p in sc.places], dtype=float).reshape(-1, 2)
    at_place = {(p.lon, p.lat) for p in sc.places}
    units = [(i, u) for i, u in enumerate(sc.units) if (u.lon, u.lat) not in at_place]  # `at` a place: no typo
    points = np.concatenate([refs, np.array([(u.lon, u.lat) for _, u in units], dtype=float).reshape(-1, 2)])
    own = np.concatenate([np.arange(len(refs)), np.full(len(units), -1)])
    flags = likely_swaps(points, refs, own, sc.map.bbox, sc.map.region)
    out = swapped_hold_areas(sc)
    for j in np.flatnonzero(flags):
        lon, lat = points[j]
        if j < len(refs):
            key, what = f"places[{j}] ({sc.places[j].name})", f"place '{sc.places[j].name}'"
        else:
            i, u = units[j - len(refs)]
            key, what = f"units[{i}].at ({u.name})", f"unit '{u.name}'"
        given = _crowding_text(lon, lat, refs, j if j < len(refs) else -1)
        swapped = _crowding_text(lat, lon, refs, j if j < len(refs) else -1)
        out.append(ScenarioWarning(
            "lonlat_swap", key,
            f"{what} at [lon, lat] = [{lon:g}, {lat:g}] may have its longitude and latitude swapped: it lies "
            f"{given} from the nearest places, [{lat:g}, {lon:g}] would lie {swapped} from them. Coordinates are "
            "[lon, lat] (x first), as in GeoJSON."))
    return out


def swapped_hold_areas(sc: Scenario) -> list[ScenarioWarning]:
    """Hold areas typed as [lat, lon]: the ring's centre lies outside the bbox and the swapped ring's inside it
    (a hold area outside the map holds nothing, and nothing says so)."""
    frame = box(*sc.map.bbox)
    out = []
    for fi, f in enumerate(sc.factions):
        for k, shape in enumerate(f.hold_areas):
            if shape.is_circle or shape.geometry is not None:  # circles and GeoJSON areas are checked as read
                continue
            ring = shape.polygon
            given = shapely.make_valid(Polygon(ring)).centroid
            swapped = shapely.make_valid(Polygon([(lat, lon) for lon, lat in ring])).centroid
            if given.is_empty or swapped.is_empty or frame.covers(given) or not frame.covers(swapped):
                continue
            out.append(ScenarioWarning(
                "lonlat_swap", f"factions[{fi}].hold_areas[{k}] ({f.id})",
                f"a hold area of '{f.id}' centred at [lon, lat] = [{given.x:.2f}, {given.y:.2f}], outside the map, "
                f"may have its longitudes and latitudes swapped: read as [lat, lon] it lies inside the map. Points "
                "are [lon, lat] (x first), as in GeoJSON."))
    return out


def _crowding_text(lon: float, lat: float, refs: np.ndarray, own: int) -> str:
    d = haversine_km(lon, lat, refs[:, 0], refs[:, 1])
    if own >= 0:
        d[own] = np.inf
    return f"{np.sort(d)[:min(SWAP_NEIGHBOURS, len(refs) - 1)].mean():,.0f} km on average"
