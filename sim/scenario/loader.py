"""Read a scenario TOML file (and the GeoJSON it names), apply overrides, validate, freeze.

The keys, types, defaults and bounds are declared once, in `sim.formats.scenario`; the file is validated
against those models first. This module then checks what one table cannot say (references between
tables, unique names, files on disk, positions inside the map) and builds the engine's frozen
dataclasses. Every problem is raised as `ScenarioError` naming the file, the key path, what was
expected and what was found; nothing downstream re-checks input.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from shapely.errors import ShapelyError
from shapely.geometry import shape as geojson_shape

from sim.errors import ScenarioError, did_you_mean
from sim.formats import scenario as f
from sim.formats.errors import describe_error, validate
from sim.formats.scenario import DEFAULT_MOBILITY, KIND_RADIUS, KIND_VALUE  # noqa: F401 - re-exported
from sim.io.claimsfile import check_claims_file
from sim.limits import MAX_DAYS, check_grid, check_radius_cells
from sim.scenario import schema as s
from sim.scenario.filecache import cached_build, cached_parse
from sim.scenario.gazetteer import announce, default_gazetteer
from sim.scenario.hold_areas import check_rest, faction_shapes, read_hold_features
from sim.scenario.includes import Included, complete_places, expand_includes, unknown_name
from sim.scenario.overrides import apply_overrides


def read_toml(path: Path) -> dict:
    """Parse a TOML file; malformed TOML becomes a ScenarioError naming the line (kept per process: filecache)."""
    return cached_parse(path, "toml", lambda: _parse_toml(path))


def _parse_toml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path), "", "an existing scenario file", None, "The file does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), "", "a readable UTF-8 text file", None, str(exc)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), "", "valid TOML", None, f"Malformed TOML: {exc}") from None


def load_scenario(path: str | Path, overrides: Mapping[str, Any] | None = None) -> s.Scenario:
    """Load, merge includes, override and validate a scenario file.

    Includes (sim.scenario.includes) are merged first, so `--set` can address included entries. A position
    taken from the gazetteer is announced with a `GazetteerWarning` (sim.scenario.gazetteer).
    Raises ScenarioError for any invalid input (missing file, malformed TOML, unknown key, bad value,
    unknown reference, place outside the map, a bad include).
    """
    path = Path(path)
    raw, included, sha256 = _merged(path)
    if overrides:
        raw = apply_overrides(raw, overrides)
    return parse_scenario(raw, str(path), path.parent, sha256, included)


def _merged(path: Path) -> tuple[dict, Included, str]:
    """The scenario's table with its includes merged, what they brought, and the sha256 of the files together.

    Kept per process while the scenario file and every file it includes are unchanged (sim.scenario.filecache): a
    batch loads its scenario for every run, and merging the layers cost more than copying the merged table.
    """
    def build() -> tuple[tuple[dict, Included, str], list[Path]]:
        raw, included = expand_includes(read_toml(path), path, str(path))
        digest = hashlib.sha256(path.read_bytes())
        for p in included.files:  # the sha256 names the scenario as merged: its includes count
            digest.update(p.read_bytes())
        return (raw, included, digest.hexdigest()), included.files

    return cached_build(path, "merged scenario", build)


def parse_scenario(raw: dict, source: str, base_dir: Path, sha256: str = "",
                   included: Included | None = None) -> s.Scenario:
    """Validate a scenario table (already parsed from TOML) and build the frozen Scenario.

    A table that still has `include` has its includes merged here (relative paths against `base_dir`).
    """
    if "include" in raw:
        raw, included = expand_includes(raw, base_dir / "<scenario>", source)
    included = included or Included()
    raw = complete_places(raw, included, source)
    spec: f.ScenarioFile = validate(f.ScenarioFile, raw, source)
    meta = _meta(spec.scenario, source, base_dir)
    check_grid(spec.map.bbox, spec.map.cell_km, source, "map.cell_km")
    for name in ("zoc_km", "presence_km"):
        check_radius_cells(getattr(spec.control, name), spec.map.cell_km, source, f"control.{name}")
    mapspec = _map(spec.map, source, base_dir)
    places = _places(spec.places, source)
    resolve = _Resolver(source, {p.name: p for p in places}, included.points, spec.map.bbox)
    terrain = tuple(s.TerrainArea(terrain=t.terrain, name=t.name, shape=resolve.shape(t, f"terrain[{i}]"))
                    for i, t in enumerate(spec.terrain))
    roads = tuple(s.Road(name=r.name, road_class=r.road_class, points=resolve.points(r.through, f"roads[{i}].through"))
                  for i, r in enumerate(spec.roads))
    zones = tuple(s.Zone(name=z.name, shape=resolve.shape(z, f"zones[{i}]"), active=z.active)
                  for i, z in enumerate(spec.zones))
    _unique(source, "zones", [z.name for z in zones])
    _unique(source, "roads", [r.name for r in roads])
    mobility = spec.mobility.model_dump()
    factions = _factions(spec.factions, source, resolve)
    fids = [fa.id for fa in factions]
    hold_file = spec.control.hold_areas
    hold_features = () if hold_file is None else read_hold_features(hold_file, source, base_dir, fids, spec.map.bbox)
    for i, p in enumerate(places):
        if p.holder is not None and p.holder not in fids:
            raise ScenarioError(source, f"places[{i}].holder", "a faction id", p.holder, did_you_mean(p.holder, fids))
        for fid in p.value_for:
            if fid not in fids:
                raise ScenarioError(source, f"places[{i}].value_for.{fid}", "a faction id", fid,
                                    did_you_mean(fid, fids) or f"Factions: {', '.join(fids)}.")
    refs = _Refs(source, fids, list(mobility))
    units = tuple(_unit(u, f"units[{i}]", resolve, refs) for i, u in enumerate(spec.units))
    _unique(source, "units", [u.name for u in units])
    zone_names = [z.name for z in zones]
    air = tuple(_air(a, f"air_power[{i}]", resolve, refs, zone_names) for i, a in enumerate(spec.air_power))
    _unique(source, "air_power", [a.name for a in air])
    events = tuple(sorted((_event(e, f"events[{i}]", resolve, refs, zone_names) for i, e in enumerate(spec.events)),
                          key=lambda e: e.date))
    barriers = tuple(_barrier(b, f"barriers[{i}]", resolve) for i, b in enumerate(spec.barriers))
    _unique(source, "barriers", [b.name for b in barriers])
    orders = _orders(spec.orders, resolve, refs, units, events, meta)
    c = spec.combat
    scenario = s.Scenario(
        meta=meta, map=mapspec, terrain=terrain, places=places, roads=roads, zones=zones,
        factions=factions, units=units, mobility=s.frozen_map(mobility),
        control=s.ControlParams(**spec.control.model_dump(exclude={"hold_areas"})),
        combat=s.CombatParams(range_km=c.range_km, aimed_rate=c.aimed_rate, dispersed_rate=c.dispersed_rate,
                              stochastic=c.stochastic, dissolve_below=c.dissolve_below,
                              substep_hours=c.substep_hours,
                              terrain_defence=s.frozen_map(c.terrain_defence.model_dump()),
                              posture_defence=s.frozen_map(c.posture_defence.model_dump())),
        supply=_supply(spec.supply, refs),
        air_power=air, events=events, orders=orders, barriers=barriers, hold_features=hold_features,
        source=source, sha256=sha256,
        resolved=s.frozen_map(raw),
    )
    _check_inside(scenario)
    return scenario


class _Resolver:
    """Turns a place name or a [lon, lat] pair into coordinates, with errors naming the key.

    A name is looked up among the places, then among the included places that are not places of the scenario
    (omitted, or outside the bbox), then in the gazetteer (with a GazetteerWarning).
    """

    def __init__(self, source: str, places: Mapping[str, s.Place],
                 points: Mapping[str, tuple[float, float, str]] | None = None,
                 bbox: tuple[float, float, float, float] | None = None) -> None:
        self.source = source
        self.places = places
        self.named = points or {}
        self.bbox = bbox

    def point(self, value: str | tuple[float, float], key: str) -> tuple[tuple[float, float], str | None]:
        if isinstance(value, str):
            place = self.places.get(value)
            if place is not None:
                return (place.lon, place.lat), value
            if value in self.named:
                return self.named[value][:2], value
            gazetteer = default_gazetteer()
            match = gazetteer.lookup(value, self.bbox)
            if match is None:
                raise unknown_name(self.source, key, value, [*self.places, *self.named], gazetteer,
                                   "a place name or [lon, lat]")
            r = match.record
            announce(self.source, key, f"'{value}' is not a place of the scenario: its position [{r.lon}, {r.lat}] "
                     f"is taken from the {match.describe()}", value)
            return (r.lon, r.lat), value
        return value, None

    def points(self, values: tuple[Any, ...], key: str) -> tuple[tuple[float, float], ...]:
        return tuple(self.point(v, f"{key}[{i}]")[0] for i, v in enumerate(values))

    def shape(self, spec: Any, key: str) -> s.Shape:
        """The polygon or circle of a terrain area, zone or objective: exactly one of them."""
        if (spec.polygon is None) == (spec.circle is None):
            raise ScenarioError(self.source, f"{key}.polygon", "exactly one of 'polygon' or 'circle'", None)
        if spec.polygon is not None:
            return s.Shape(polygon=spec.polygon)
        center, _ = self.point(spec.circle.center, f"{key}.circle.center")
        return s.Shape(center=center, radius_km=spec.circle.radius_km)


class _Refs:
    """Checks references to factions and mobility types, with errors naming the key."""

    def __init__(self, source: str, fids: list[str], mobility: list[str]) -> None:
        self.source = source
        self.fids = fids
        self.mobility = mobility

    def faction(self, value: str, key: str) -> str:
        if value not in self.fids:
            raise ScenarioError(self.source, key, "a faction id", value,
                                did_you_mean(value, self.fids) or f"Factions: {', '.join(self.fids)}.")
        return value

    def factions(self, values: list[str], key: str) -> tuple[str, ...]:
        for v in values:
            if v not in self.fids:
                raise ScenarioError(self.source, key, "faction ids", v, did_you_mean(v, self.fids))
        return tuple(values)

    def mobility_type(self, value: str, key: str) -> str:
        if value not in self.mobility:
            hint = did_you_mean(value, self.mobility) or f"Choose one of: {', '.join(self.mobility)}."
            raise ScenarioError(self.source, key, f"one of {', '.join(self.mobility)}", value, hint)
        return value


def _unique(source: str, key: str, names: list[str]) -> None:
    seen = set()
    for i, n in enumerate(names):
        if n in seen:
            raise ScenarioError(source, f"{key}[{i}]", "a unique name", n, "The name is used twice.")
        seen.add(n)


def _meta(m: f.ScenarioMeta, source: str, base_dir: Path) -> s.Meta:
    if m.end <= m.start:
        raise ScenarioError(source, "scenario.end", f"a date after start ({m.start:%Y-%m-%d})", f"{m.end:%Y-%m-%d}")
    if (m.end - m.start).days > MAX_DAYS:
        raise ScenarioError(source, "scenario.end", f"a date at most {MAX_DAYS} days after start "
                            f"({m.start:%Y-%m-%d})", f"{m.end:%Y-%m-%d}", f"Runs are limited to {MAX_DAYS} days.")
    claims = m.claims
    if claims is not None:
        claims = str((base_dir / claims).resolve())
        check_claims_file(claims, source, "scenario.claims")
    return s.Meta(name=m.name, title=m.name if m.title is None else m.title, description=m.description,
                  start=m.start, end=m.end, step_hours=m.step_hours, seed=m.seed, claims=claims)


GEOJSON = "a GeoJSON file (a FeatureCollection or a Feature, as UTF-8 JSON)"


def _read_features(file: str, source: str, key: str, base_dir: Path) -> dict[str, Any]:
    """The named shapes of a GeoJSON file; errors name the file but never quote its contents.

    Kept per process (sim.scenario.filecache): shapely geometries are immutable, so runs share them.
    """
    path = (base_dir / file).resolve()
    return dict(cached_parse(path, f"features {source} {key}",
                             lambda: _parse_features(path, source, key), copy_result=False))


def _parse_features(path: Path, source: str, key: str) -> dict[str, Any]:
    if not path.exists():
        raise ScenarioError(source, f"{key}.file", "an existing GeoJSON file", str(path),
                            "The file does not exist (the path is relative to the scenario file).")
    if not path.is_file():
        raise ScenarioError(source, f"{key}.file", GEOJSON, str(path),
                            "It is a directory, not a file." if path.is_dir() else "It is not a regular file.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(source, f"{key}.file", GEOJSON, str(path), "It is not UTF-8 text (a binary file?).") from None
    except OSError as exc:
        raise ScenarioError(source, f"{key}.file", GEOJSON, str(path),
                            f"It cannot be read ({exc.strerror or exc}).") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(source, f"{key}.file", GEOJSON, str(path),
                            f"It is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    except RecursionError:
        raise ScenarioError(source, f"{key}.file", GEOJSON, str(path), "Its JSON is nested too deeply.") from None
    try:
        feats = data["features"] if data.get("type") == "FeatureCollection" else [data]
        out = {}
        for i, feat in enumerate(feats):
            name = (feat.get("properties") or {}).get("name", f"feature {i}")
            out[name] = geojson_shape(feat["geometry"])
        return out
    except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, ShapelyError) as exc:
        raise ScenarioError(source, f"{key}.file", GEOJSON, str(path),
                            f"Its features could not be read ({type(exc).__name__}): each needs a valid `geometry` "
                            "and a `properties.name`.") from None


def _map(m: f.MapSpec, source: str, base_dir: Path) -> s.MapSpec:
    region, region_name = None, ""
    if m.region is not None:
        feats = _read_features(m.region.file, source, "map.region", base_dir)
        region_name = m.region.feature
        if region_name not in feats:
            raise ScenarioError(source, "map.region.feature", "the name of a feature in the file", region_name,
                                did_you_mean(region_name, feats) or f"Features: {', '.join(feats)}.")
        region = feats[region_name]
    context: list[tuple[str, Any]] = []
    if m.context is not None:
        feats = _read_features(m.context.file, source, "map.context", base_dir)
        for name in m.context.features:
            if name not in feats:
                raise ScenarioError(source, "map.context.features", "names of features in the file", name,
                                    did_you_mean(name, feats))
            context.append((name, feats[name]))
    localities = _localities(m.localities.file, source, base_dir) if m.localities is not None else ()
    return s.MapSpec(bbox=m.bbox, cell_km=m.cell_km, base_terrain=m.base_terrain, region=region,
                     region_name=region_name, context=tuple(context), localities=localities)


def _localities(file: str, source: str, base_dir: Path) -> tuple[s.Locality, ...]:
    """Extra localities for locality-based counting: a CSV with name, lon and lat columns (read once per process
    while the file is unchanged, sim.scenario.filecache: a batch loads its scenario for every run)."""
    path = (base_dir / file).resolve()
    return cached_parse(path, f"localities {source}", lambda: _read_localities(path, source), copy_result=False)


def _read_localities(path: Path, source: str) -> tuple[s.Locality, ...]:
    key = "map.localities.file"
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise ScenarioError(source, key, "an existing CSV file (relative to the scenario file)", str(path)) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ScenarioError(source, key, "a readable UTF-8 CSV file with name, lon and lat columns", str(path),
                            str(exc)) from None
    out = []
    for i, r in enumerate(rows, start=2):
        where = f"{key} ({path.name}, line {i})"
        if not {"name", "lon", "lat"} <= set(r):
            raise ScenarioError(source, where, "columns name, lon and lat", sorted(k for k in r if k))
        lon = _csv_number(r["lon"], source, f"{where}.lon", 180)
        lat = _csv_number(r["lat"], source, f"{where}.lat", 90)
        out.append(s.Locality(name=str(r["name"]), lon=lon, lat=lat))
    return tuple(out)


def _csv_number(text: Any, source: str, key: str, limit: float) -> float:
    """A CSV cell as a number in [-limit, limit] (degrees of lon or lat)."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ScenarioError(source, key, "a number", text) from None
    if math.isnan(value):
        raise ScenarioError(source, key, "a number", value)
    if value < -limit:
        raise ScenarioError(source, key, f"a number >= {-limit:g}", value)
    if value > limit:
        raise ScenarioError(source, key, f"a number <= {limit:g}", value)
    return value


def _places(specs: list[f.Place], source: str) -> tuple[s.Place, ...]:
    out = tuple(s.Place(
        name=p.name, lon=p.lon, lat=p.lat, kind=p.kind,
        value=float(KIND_VALUE[p.kind] if p.value is None else p.value), holder=p.holder, estimated=p.estimated,
        radius_km=float(KIND_RADIUS.get(p.kind, 0.0) if p.radius_km is None else p.radius_km), note=p.note,
        value_for=s.frozen_map(p.value_for)) for p in specs)  # faction ids are checked once factions are read
    _unique(source, "places", [p.name for p in out])
    return out


def _barrier(b: f.Barrier, key: str, resolve: _Resolver) -> s.Barrier:
    return s.Barrier(name=b.name, points=resolve.points(b.through, f"{key}.through"),
                     crossing_hours=b.crossing_hours, combat=b.combat,
                     crossings=resolve.points(b.crossings, f"{key}.crossings"), bridges_at_roads=b.bridges_at_roads)


def _orders(specs: list[f.Order], resolve: _Resolver, refs: _Refs, units: tuple[s.UnitSpec, ...],
            events: tuple[s.Event, ...], meta: s.Meta) -> tuple[s.Order, ...]:
    """Campaign plans; every unit they name exists (in [[units]] or a reinforce event) and is ordered once."""
    source = resolve.source
    unit_faction = {u.name: u.faction for u in units}
    for e in events:
        if e.kind == "reinforce":
            unit_faction.setdefault(e.unit_name or f"{e.faction} reinforcement {e.date:%Y-%m-%d}", e.faction)
    out: list[s.Order] = []
    named: dict[str, str] = {}
    faction_wide: dict[str, str] = {}
    for i, o in enumerate(specs):
        key = f"orders[{i}]"
        faction = refs.faction(o.faction, f"{key}.faction")
        name = key if o.name is None else o.name
        for k, u in enumerate(o.units):
            where = f"{key}.units[{k}]"
            if u not in unit_faction:
                raise ScenarioError(source, where, "the name of a unit (in [[units]] or a reinforce event)", u,
                                    did_you_mean(u, unit_faction))
            if unit_faction[u] != faction:
                raise ScenarioError(source, where, f"a unit of faction '{faction}'", u,
                                    f"It belongs to '{unit_faction[u]}'.")
            if u in named:
                raise ScenarioError(source, where, "a unit named by one order only", u,
                                    f"Order '{named[u]}' names it too.")
            named[u] = name
        if not o.units:
            if faction in faction_wide:
                raise ScenarioError(source, f"{key}.units",
                                    "the units it applies to (a faction has one faction-wide order at most)", None,
                                    f"Order '{faction_wide[faction]}' already applies to all of '{faction}'.")
            faction_wide[faction] = name
        objectives = tuple(_objective(obj, f"{key}.objectives[{k}]", resolve, meta)
                           for k, obj in enumerate(o.objectives))
        out.append(s.Order(name=name, faction=faction, units=tuple(o.units), objectives=objectives, then=o.then,
                           source=o.source))
    _unique(source, "orders", [o.name for o in out])
    return tuple(out)


OBJECTIVE_TARGETS = ("place", "at", "line", "polygon", "circle")


def _objective(o: f.Objective, key: str, resolve: _Resolver, meta: s.Meta) -> s.Objective:
    source = resolve.source
    given = [k for k in OBJECTIVE_TARGETS if getattr(o, k) is not None]
    if len(given) != 1:
        raise ScenarioError(source, f"{key}.place", "exactly one of 'place', 'at', 'line', 'polygon' or 'circle'",
                            given or None, "Say what the objective is: a place to take, a point or line to reach, "
                                           "or an area to clear.")
    for i, name in enumerate(o.after):
        if name not in resolve.places:
            raise ScenarioError(source, f"{key}.after[{i}]", "a place name declared under [[places]]", name,
                                did_you_mean(name, resolve.places))
    for name, when in (("from", o.start), ("until", o.until)):
        if when is not None and when < meta.start:
            raise ScenarioError(source, f"{key}.{name}",
                                f"a date on or after the scenario's start ({meta.start:%Y-%m-%d})", f"{when:%Y-%m-%d}")
    common = {"start": o.start, "until": o.until, "pause_days": o.pause_days, "label": o.label,
              "after": tuple(o.after)}
    kind = given[0]
    if kind == "place":
        if o.place not in resolve.places:
            raise ScenarioError(source, f"{key}.place", "a place name declared under [[places]]", o.place,
                                did_you_mean(o.place, resolve.places))
        return s.Objective(kind="place", place=o.place, **common)
    if kind == "at":
        point, _ = resolve.point(o.at, f"{key}.at")
        return s.Objective(kind="point", point=point, **common)
    if kind == "line":
        return s.Objective(kind="line", line=resolve.points(o.line, f"{key}.line"), **common)
    return s.Objective(kind="area", area=resolve.shape(o, key), **common)


def _factions(specs: list[f.Faction], source: str, resolve: _Resolver) -> tuple[s.Faction, ...]:
    places = resolve.places
    ids = [fa.id for fa in specs]
    _unique(source, "factions", ids)
    check_rest(specs, source)
    allies: dict[str, set[str]] = {i: set() for i in ids}
    neutral: dict[str, set[str]] = {i: set() for i in ids}
    for i, fa in enumerate(specs):
        key = f"factions[{i}]"
        for rel, store in (("allies", allies), ("neutral", neutral)):
            for other in getattr(fa, rel):
                if other not in ids:
                    raise ScenarioError(source, f"{key}.{rel}", "faction ids", other, did_you_mean(other, ids))
                if other == fa.id:
                    raise ScenarioError(source, f"{key}.{rel}", "other factions' ids", other,
                                        "A faction cannot list itself.")
                store[fa.id].add(other)
                store[other].add(fa.id)
        for k in ("supply_sources", "holds"):
            for name in getattr(fa, k):
                if name not in places:
                    raise ScenarioError(source, f"{key}.{k}", "place names declared under [[places]]", name,
                                        did_you_mean(name, places))
    out = []
    for i, fa in enumerate(specs):
        both = allies[fa.id] & neutral[fa.id]
        if both:
            raise ScenarioError(source, f"factions[{i}].allies",
                                "factions that are either allies or neutral, not both", sorted(both))
        out.append(s.Faction(
            id=fa.id, name=fa.id if fa.name is None else fa.name, colour=fa.colour,
            allies=tuple(sorted(allies[fa.id])), neutral=tuple(sorted(neutral[fa.id])),
            supply_sources=tuple(fa.supply_sources), holds=tuple(fa.holds),
            hold_areas=faction_shapes(fa.hold_areas, resolve.point, f"factions[{i}].hold_areas"), rest=fa.rest,
            doctrine=s.Doctrine(**fa.doctrine.model_dump())))
    return tuple(out)


def _unit(u: f.Unit, key: str, resolve: _Resolver, refs: _Refs) -> s.UnitSpec:
    (lon, lat), _ = resolve.point(u.at, f"{key}.at")
    return s.UnitSpec(name=u.name, faction=refs.faction(u.faction, f"{key}.faction"), lon=lon, lat=lat,
                      strength=u.strength, mobility=refs.mobility_type(u.mobility, f"{key}.mobility"),
                      posture=u.posture, fire=u.fire, firepower=u.firepower, speed=u.speed)


def _air(a: f.AirRule, key: str, resolve: _Resolver, refs: _Refs, zones: list[str]) -> s.AirRule:
    actor = refs.faction(a.actor, f"{key}.actor")
    zone = None
    if a.rule == "zone_denial":
        if a.zone is None:
            raise ScenarioError(resolve.source, f"{key}.zone", "a value (the key is required)", None,
                                "The key is missing.")
        if a.zone not in zones:
            raise ScenarioError(resolve.source, f"{key}.zone", "a zone name declared under [[zones]]", a.zone,
                                did_you_mean(a.zone, zones))
        zone = a.zone
    center = None if a.center is None else resolve.point(a.center, f"{key}.center")[0]
    targets = refs.factions(a.targets, f"{key}.targets")
    supports = refs.factions(a.supports, f"{key}.supports")
    if a.radius_km is not None and center is None:
        raise ScenarioError(resolve.source, f"{key}.center",
                            "a centre (place name or [lon, lat]) when radius_km is given", None)
    return s.AirRule(name=a.name, actor=actor, rule=a.rule, zone=zone, targets=targets,
                     sorties_per_day=a.sorties_per_day, damage_per_sortie=a.damage_per_sortie, supports=supports,
                     center=center, radius_km=a.radius_km, multiplier=a.multiplier, active_from=a.active_from,
                     active_until=a.active_until)


def _event(e: Any, key: str, resolve: _Resolver, refs: _Refs, zones: list[str]) -> s.Event:
    base = {"date": e.date, "kind": e.kind, "description": e.description}
    if e.kind == "strike":
        at, at_name = resolve.point(e.at, f"{key}.at")
        return s.Event(**base, actor=refs.faction(e.actor, f"{key}.actor"), at=at, at_name=at_name,
                       radius_km=e.radius_km, damage=e.damage)
    if e.kind == "reinforce":
        at, at_name = resolve.point(e.at, f"{key}.at")
        return s.Event(**base, faction=refs.faction(e.faction, f"{key}.faction"), at=at, at_name=at_name,
                       strength=e.strength, unit_name=e.name, mobility=refs.mobility_type(e.mobility, f"{key}.mobility"),
                       posture=e.posture, fire=e.fire)
    if e.kind == "zone":
        if e.zone not in zones:
            raise ScenarioError(resolve.source, f"{key}.zone", "a zone name declared under [[zones]]", e.zone,
                                did_you_mean(e.zone, zones))
        return s.Event(**base, zone=e.zone, active=e.active)
    if e.kind == "relation":
        a = refs.faction(e.a, f"{key}.a")
        if e.b not in refs.fids or e.b == a:
            raise ScenarioError(resolve.source, f"{key}.b", "another faction id", e.b, did_you_mean(e.b, refs.fids))
        return s.Event(**base, a=a, b=e.b, relation=e.relation)
    faction = refs.faction(e.faction, f"{key}.faction")
    try:  # the value is checked against the bounds of its doctrine key, declared once in f.Doctrine
        value = getattr(f.Doctrine.model_validate({e.key: e.value}), e.key)
    except ValidationError as exc:
        _, expected, found, hint = describe_error(exc.errors(include_url=False)[0], f.Doctrine)
        raise ScenarioError(resolve.source, f"{key}.value", expected, found, hint) from None
    return s.Event(**base, faction=faction, key=e.key, value=value)


def _supply(sp: f.Supply, refs: _Refs) -> s.SupplyParams:
    return s.SupplyParams(range_hours=sp.range_hours, mobility=refs.mobility_type(sp.mobility, "supply.mobility"),
                          attrition_per_day=sp.attrition_per_day, replenish_per_day=sp.replenish_per_day)


def _check_inside(sc: s.Scenario) -> None:
    lon0, lat0, lon1, lat1 = sc.map.bbox

    def inside(lon: float, lat: float) -> bool:
        return lon0 <= lon <= lon1 and lat0 <= lat <= lat1

    box = f"the map's bbox [{lon0:g}, {lat0:g}, {lon1:g}, {lat1:g}]"
    for i, p in enumerate(sc.places):
        if not inside(p.lon, p.lat):
            raise ScenarioError(sc.source, f"places[{i}] ({p.name})", f"a position inside {box}",
                                [p.lon, p.lat], "Move the place or widen map.bbox.")
    for i, u in enumerate(sc.units):
        if not inside(u.lon, u.lat):
            raise ScenarioError(sc.source, f"units[{i}].at ({u.name})", f"a position inside {box}", [u.lon, u.lat])
    for i, e in enumerate(sc.events):
        if e.at is not None and not inside(*e.at):
            raise ScenarioError(sc.source, f"events[{i}].at", f"a position inside {box}", list(e.at))
    for i, o in enumerate(sc.orders):
        for k, obj in enumerate(o.objectives):
            for pt in ((obj.point,) if obj.point else ()) + obj.line:
                if not inside(*pt):
                    raise ScenarioError(sc.source, f"orders[{i}].objectives[{k}] ({o.name})",
                                        f"points inside {box}", list(pt))


