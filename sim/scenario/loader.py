"""Read a scenario TOML file (and the GeoJSON it names), apply overrides, validate, freeze.

Every problem is raised as `ScenarioError` naming the file, the key path, what was expected and what
was found. The result is a `Scenario` of frozen dataclasses; nothing downstream re-checks input.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shapely.geometry import shape as geojson_shape

from sim.errors import ScenarioError, did_you_mean
from sim.scenario import schema as s
from sim.scenario.overrides import apply_overrides
from sim.scenario.reader import Table, check_datetime, check_lonlat, check_number

DEFAULT_MOBILITY: dict[str, dict[str, float]] = {
    # Operational speeds in km/h averaged over the whole day (movement, halts, consolidation), not
    # driving speeds: a motorised column in open desert makes ~35 km a day, on a highway ~100 km.
    "motorised": {"desert": 1.5, "hills": 0.6, "mountains": 0.3, "valley": 1.0, "cultivated": 1.0,
                  "urban": 0.5, "track": 2.5, "road": 3.5, "highway": 4.5},
    "foot": {"desert": 0.8, "hills": 0.5, "mountains": 0.3, "valley": 0.7, "cultivated": 0.7,
             "urban": 0.4, "track": 1.0, "road": 1.1, "highway": 1.2},
    # Supply convoys on ground the faction holds: real driving speeds (used by the supply rule).
    "logistics": {"desert": 15.0, "hills": 6.0, "mountains": 3.0, "valley": 10.0, "cultivated": 12.0,
                  "urban": 10.0, "track": 25.0, "road": 40.0, "highway": 60.0},
}
KIND_VALUE = {"city": 10, "town": 5, "village": 2, "base": 6, "airbase": 6, "oil_field": 6, "gas_field": 6,
              "mine": 6, "junction": 3, "crossing": 4, "border": 1, "station": 3, "dam": 2}
KIND_RADIUS = {"city": 4.0, "town": 2.0}

TOP_KEYS = ("scenario", "map", "terrain", "places", "roads", "zones", "factions", "units", "mobility",
            "control", "combat", "supply", "air_power", "events", "orders", "barriers")


def read_toml(path: Path) -> dict:
    """Parse a TOML file; malformed TOML becomes a ScenarioError naming the line."""
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
    """Load, override and validate a scenario file.

    Raises ScenarioError for any invalid input (missing file, malformed TOML, unknown key, bad value,
    unknown reference, place outside the map).
    """
    path = Path(path)
    raw = read_toml(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if overrides:
        raw = apply_overrides(raw, overrides)
    return parse_scenario(raw, str(path), path.parent, digest)


def parse_scenario(raw: dict, source: str, base_dir: Path, sha256: str = "") -> s.Scenario:
    """Validate a scenario table (already parsed from TOML) and build the frozen Scenario."""
    top = Table(raw, source, "", TOP_KEYS)
    meta = _meta(top.sub("scenario", ("name", "title", "description", "start", "end", "step_hours", "seed",
                                      "claims"), required=True), base_dir)
    mapspec = _map(top.sub("map", ("bbox", "cell_km", "base_terrain", "region", "context", "localities"),
                           required=True),
                   base_dir)
    places = _places(top, mapspec)
    names = {p.name: p for p in places}
    resolve = _Resolver(source, names)
    terrain = tuple(_terrain(Table(d, source, key, ("class", "name", "polygon", "circle")), resolve)
                    for key, d in top.tables("terrain"))
    roads = tuple(_road(Table(d, source, key, ("name", "class", "through")), resolve)
                  for key, d in top.tables("roads"))
    zones = tuple(_zone(Table(d, source, key, ("name", "polygon", "circle", "active")), resolve)
                  for key, d in top.tables("zones"))
    _unique(source, "zones", [z.name for z in zones])
    _unique(source, "roads", [r.name for r in roads])
    mobility = _mobility(top.sub("mobility"))
    factions = _factions(top, names)
    fids = [f.id for f in factions]
    for i, p in enumerate(places):
        if p.holder is not None and p.holder not in fids:
            raise ScenarioError(source, f"places[{i}].holder", "a faction id", p.holder, did_you_mean(p.holder, fids))
        for f in p.value_for:
            if f not in fids:
                raise ScenarioError(source, f"places[{i}].value_for.{f}", "a faction id", f,
                                    did_you_mean(f, fids) or f"Factions: {', '.join(fids)}.")
    units = tuple(_unit(Table(d, source, key, ("name", "faction", "at", "strength", "mobility", "posture", "fire",
                                               "firepower", "speed")), resolve, fids, mobility)
                  for key, d in top.tables("units"))
    _unique(source, "units", [u.name for u in units])
    zone_names = [z.name for z in zones]
    air = tuple(_air(Table(d, source, key, ("name", "actor", "rule", "zone", "targets", "sorties_per_day",
                                            "damage_per_sortie", "supports", "center", "radius_km",
                                            "multiplier", "active_from", "active_until")),
                     resolve, fids, zone_names)
                for key, d in top.tables("air_power"))
    _unique(source, "air_power", [a.name for a in air])
    events = tuple(sorted((_event(Table(d, source, key, None), resolve, fids, zone_names, mobility)
                           for key, d in top.tables("events")), key=lambda e: e.date))
    barriers = tuple(_barrier(Table(d, source, key, ("name", "through", "crossing_hours", "combat", "crossings",
                                                     "bridges_at_roads")), resolve)
                     for key, d in top.tables("barriers"))
    _unique(source, "barriers", [b.name for b in barriers])
    orders = _orders(top, resolve, fids, units, events, meta)
    scenario = s.Scenario(
        meta=meta, map=mapspec, terrain=terrain, places=places, roads=roads, zones=zones,
        factions=factions, units=units, mobility=s.frozen_map(mobility),
        control=_control(top.sub("control", ("zoc_km", "presence_km", "contest_ratio", "fill_initial",
                                             "front_link_km"))),
        combat=_combat(top.sub("combat", ("range_km", "aimed_rate", "dispersed_rate", "stochastic",
                                          "dissolve_below", "substep_hours", "terrain_defence",
                                          "posture_defence"))),
        supply=_supply(top.sub("supply", ("range_hours", "mobility", "attrition_per_day", "replenish_per_day")),
                       mobility),
        air_power=air, events=events, orders=orders, barriers=barriers, source=source, sha256=sha256,
        resolved=s.frozen_map(raw),
    )
    _check_inside(scenario)
    return scenario


class _Resolver:
    """Turns a place name or a [lon, lat] pair into coordinates, with errors naming the key."""

    def __init__(self, source: str, places: Mapping[str, s.Place]) -> None:
        self.source = source
        self.places = places

    def point(self, value: Any, key: str) -> tuple[tuple[float, float], str | None]:
        if isinstance(value, str):
            place = self.places.get(value)
            if place is None:
                hint = did_you_mean(value, self.places) or "Declare it under [[places]] or give [lon, lat]."
                raise ScenarioError(self.source, key, "a place name or [lon, lat]", value, hint)
            return (place.lon, place.lat), value
        return check_lonlat(value, self.source, key), None

    def shape(self, t: Table) -> s.Shape:
        if t.has("polygon") == t.has("circle"):
            raise t.fail("polygon", "exactly one of 'polygon' or 'circle'", None)
        if t.has("polygon"):
            return s.Shape(polygon=ring(t.raw("polygon"), t.source, t.key("polygon")))
        c = t.sub("circle", ("center", "radius_km"))
        center, _ = self.point(c.raw("center"), c.key("center"))
        return s.Shape(center=center, radius_km=c.number("radius_km", lo=0, lo_open=True))


def ring(value: Any, source: str, key: str) -> tuple[tuple[float, float], ...]:
    """A polygon ring: at least three [lon, lat] points."""
    if not isinstance(value, list) or len(value) < 3:
        raise ScenarioError(source, key, "a list of at least 3 [lon, lat] points", value)
    return tuple(check_lonlat(v, source, f"{key}[{i}]") for i, v in enumerate(value))


def _unique(source: str, key: str, names: list[str]) -> None:
    seen = set()
    for i, n in enumerate(names):
        if n in seen:
            raise ScenarioError(source, f"{key}[{i}]", "a unique name", n, "The name is used twice.")
        seen.add(n)


def _meta(t: Table, base_dir: Path) -> s.Meta:
    name = t.string("name")
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise t.fail("name", "an id of letters, digits, '_' or '-'", name)
    start, end = t.when("start"), t.when("end")
    if end <= start:
        raise t.fail("end", f"a date after start ({start:%Y-%m-%d})", f"{end:%Y-%m-%d}")
    step = t.integer("step_hours", 6, lo=1)
    claims = t.string("claims", None)
    if claims is not None:
        claims = str((base_dir / claims).resolve())
        if not Path(claims).is_file():
            raise t.fail("claims", "the path of an existing claims CSV (relative to the scenario file)", claims)
    if 24 % step:
        raise t.fail("step_hours", "a divisor of 24 (1, 2, 3, 4, 6, 8, 12 or 24)", step)
    return s.Meta(name=name, title=t.string("title", name), description=t.string("description", ""),
                  start=start, end=end, step_hours=step, seed=t.integer("seed", 0, lo=0), claims=claims)


def _read_features(t: Table, key: str, base_dir: Path) -> dict[str, Any]:
    ref = t.sub(key)
    file = ref.string("file")
    path = (base_dir / file).resolve()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        feats = data["features"] if data.get("type") == "FeatureCollection" else [data]
        out = {}
        for i, f in enumerate(feats):
            name = (f.get("properties") or {}).get("name", f"feature {i}")
            out[name] = geojson_shape(f["geometry"])
        return out
    except FileNotFoundError:
        raise ref.fail("file", "an existing GeoJSON file", str(path)) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ref.fail("file", "a GeoJSON FeatureCollection", str(path), f"It could not be read: {exc}") from None


def _map(t: Table, base_dir: Path) -> s.MapSpec:
    bbox = t.raw("bbox")
    if not isinstance(bbox, list) or len(bbox) != 4:
        raise t.fail("bbox", "[lon_min, lat_min, lon_max, lat_max]", bbox)
    b = [check_number(v, t.source, f"{t.key('bbox')}[{i}]") for i, v in enumerate(bbox)]
    if not (b[0] < b[2] and b[1] < b[3] and b[0] >= -180 and b[2] <= 180 and b[1] >= -85 and b[3] <= 85):
        raise t.fail("bbox", "lon_min < lon_max and lat_min < lat_max within the globe", bbox)
    cell = t.number("cell_km", 2.0, lo=0.05, lo_open=True)
    base = t.string("base_terrain", "desert", choices=s.TERRAIN_CLASSES)
    region, region_name = None, ""
    if t.has("region"):
        rt = t.sub("region", ("file", "feature"))
        feats = _read_features(t, "region", base_dir)
        region_name = rt.string("feature")
        if region_name not in feats:
            raise rt.fail("feature", "the name of a feature in the file", region_name,
                          did_you_mean(region_name, feats) or f"Features: {', '.join(feats)}.")
        region = feats[region_name]
    context: list[tuple[str, Any]] = []
    if t.has("context"):
        ct = t.sub("context", ("file", "features"))
        feats = _read_features(t, "context", base_dir)
        for name in ct.strings("features"):
            if name not in feats:
                raise ct.fail("features", "names of features in the file", name, did_you_mean(name, feats))
            context.append((name, feats[name]))
    localities = _localities(t, base_dir) if t.has("localities") else ()
    return s.MapSpec(bbox=tuple(b), cell_km=cell, base_terrain=base, region=region,
                     region_name=region_name, context=tuple(context), localities=localities)


def _localities(t: Table, base_dir: Path) -> tuple[s.Locality, ...]:
    """Extra localities for locality-based counting: a CSV with name, lon and lat columns."""
    ref = t.sub("localities", ("file",))
    file = ref.string("file")
    path = (base_dir / file).resolve()
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError:
        raise ref.fail("file", "an existing CSV file (relative to the scenario file)", str(path)) from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ref.fail("file", "a readable UTF-8 CSV file with name, lon and lat columns", str(path), str(exc)) from None
    out = []
    for i, r in enumerate(rows, start=2):
        key = f"{ref.key('file')} ({path.name}, line {i})"
        if not {"name", "lon", "lat"} <= set(r):
            raise ScenarioError(t.source, key, "columns name, lon and lat", sorted(k for k in r if k))
        lon = check_number(_float_or(r["lon"]), t.source, f"{key}.lon", -180, 180)
        lat = check_number(_float_or(r["lat"]), t.source, f"{key}.lat", -90, 90)
        out.append(s.Locality(name=str(r["name"]), lon=lon, lat=lat))
    return tuple(out)


def _float_or(text: Any) -> Any:
    """A CSV cell as a float if it reads as one, else unchanged (so the error shows what was found)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return text


def _places(top: Table, mapspec: s.MapSpec) -> tuple[s.Place, ...]:
    out = []
    for key, d in top.tables("places"):
        t = Table(d, top.source, key, ("name", "lon", "lat", "kind", "value", "holder", "estimated",
                                       "radius_km", "note", "value_for"))
        kind = t.string("kind", choices=s.PLACE_KINDS)
        vf = t.sub("value_for")
        value_for = {k: vf.number(k) for k in vf.data}  # faction ids are checked once factions are read
        out.append(s.Place(
            name=t.string("name"), lon=t.number("lon", lo=-180, hi=180), lat=t.number("lat", lo=-90, hi=90),
            kind=kind, value=t.number("value", KIND_VALUE[kind], lo=0), holder=t.string("holder", None),
            estimated=t.boolean("estimated", False), radius_km=t.number("radius_km", KIND_RADIUS.get(kind, 0.0), lo=0),
            note=t.string("note", ""), value_for=s.frozen_map(value_for)))
    _unique(top.source, "places", [p.name for p in out])
    return tuple(out)


def _terrain(t: Table, resolve: _Resolver) -> s.TerrainArea:
    return s.TerrainArea(terrain=t.string("class", choices=s.TERRAIN_CLASSES), name=t.string("name", ""),
                         shape=resolve.shape(t))


def _road(t: Table, resolve: _Resolver) -> s.Road:
    through = t.raw("through")
    if not isinstance(through, list) or len(through) < 2:
        raise t.fail("through", "a list of at least 2 place names or [lon, lat] points", through)
    pts = tuple(resolve.point(v, f"{t.key('through')}[{i}]")[0] for i, v in enumerate(through))
    return s.Road(name=t.string("name"), road_class=t.string("class", choices=s.ROAD_CLASSES), points=pts)


def _barrier(t: Table, resolve: _Resolver) -> s.Barrier:
    through = t.raw("through")
    if not isinstance(through, list) or len(through) < 2:
        raise t.fail("through", "a list of at least 2 place names or [lon, lat] points", through)
    pts = tuple(resolve.point(v, f"{t.key('through')}[{i}]")[0] for i, v in enumerate(through))
    crossings = t.raw("crossings", [])
    if not isinstance(crossings, list):
        raise t.fail("crossings", "a list of place names or [lon, lat] points", crossings)
    cross = tuple(resolve.point(v, f"{t.key('crossings')}[{i}]")[0] for i, v in enumerate(crossings))
    return s.Barrier(name=t.string("name"), points=pts, crossing_hours=t.number("crossing_hours", 24.0, lo=0),
                     combat=t.number("combat", 0.0, lo=0, hi=1), crossings=cross,
                     bridges_at_roads=t.boolean("bridges_at_roads", True))


ORDER_KEYS = ("name", "faction", "units", "then", "source", "objectives")
OBJECTIVE_KEYS = ("place", "at", "line", "polygon", "circle", "from", "after", "until", "pause_days", "label")


def _orders(top: Table, resolve: _Resolver, fids: list[str], units: tuple[s.UnitSpec, ...],
            events: tuple[s.Event, ...], meta: s.Meta) -> tuple[s.Order, ...]:
    """Campaign plans; every unit they name exists (in [[units]] or a reinforce event) and is ordered once."""
    unit_faction = {u.name: u.faction for u in units}
    for e in events:
        if e.kind == "reinforce":
            unit_faction.setdefault(e.unit_name or f"{e.faction} reinforcement {e.date:%Y-%m-%d}", e.faction)
    out: list[s.Order] = []
    named: dict[str, str] = {}
    faction_wide: dict[str, str] = {}
    for key, d in top.tables("orders"):
        t = Table(d, top.source, key, ORDER_KEYS)
        faction = _faction_ref(t, "faction", fids)
        name = t.string("name", key)
        members = t.strings("units", [])
        for i, u in enumerate(members):
            if u not in unit_faction:
                raise t.fail(f"units[{i}]", "the name of a unit (in [[units]] or a reinforce event)", u,
                             did_you_mean(u, unit_faction))
            if unit_faction[u] != faction:
                raise t.fail(f"units[{i}]", f"a unit of faction '{faction}'", u, f"It belongs to '{unit_faction[u]}'.")
            if u in named:
                raise t.fail(f"units[{i}]", "a unit named by one order only", u, f"Order '{named[u]}' names it too.")
            named[u] = name
        if not members:
            if faction in faction_wide:
                raise t.fail("units", "the units it applies to (a faction has one faction-wide order at most)",
                             None, f"Order '{faction_wide[faction]}' already applies to all of '{faction}'.")
            faction_wide[faction] = name
        objectives = tuple(_objective(Table(o, top.source, k, OBJECTIVE_KEYS), resolve, meta)
                           for k, o in t.tables("objectives"))
        if not objectives:
            raise t.fail("objectives", "at least one [[orders.objectives]] table", None)
        out.append(s.Order(name=name, faction=faction, units=members, objectives=objectives,
                           then=t.string("then", "hold", choices=s.ORDER_THEN), source=t.string("source", "")))
    _unique(top.source, "orders", [o.name for o in out])
    return tuple(out)


def _objective(t: Table, resolve: _Resolver, meta: s.Meta) -> s.Objective:
    given = [k for k in ("place", "at", "line", "polygon", "circle") if t.has(k)]
    if len(given) != 1:
        raise t.fail("place", "exactly one of 'place', 'at', 'line', 'polygon' or 'circle'",
                     given or None, "Say what the objective is: a place to take, a point or line to reach, "
                                    "or an area to clear.")
    common = {"start": t.when("from", None), "until": t.when("until", None),
              "pause_days": t.number("pause_days", 0.0, lo=0), "label": t.string("label", "")}
    after = t.strings("after", [])
    for i, name in enumerate(after):
        if name not in resolve.places:
            raise t.fail(f"after[{i}]", "a place name declared under [[places]]", name,
                         did_you_mean(name, resolve.places))
    common["after"] = after
    for key in ("start", "until"):
        when = common[key]
        if when is not None and when < meta.start:
            raise t.fail("from" if key == "start" else key, f"a date on or after the scenario's start "
                         f"({meta.start:%Y-%m-%d})", f"{when:%Y-%m-%d}")
    kind = given[0]
    if kind == "place":
        name = t.string("place")
        if name not in resolve.places:
            raise t.fail("place", "a place name declared under [[places]]", name, did_you_mean(name, resolve.places))
        return s.Objective(kind="place", place=name, **common)
    if kind == "at":
        point, _ = resolve.point(t.raw("at"), t.key("at"))
        return s.Objective(kind="point", point=point, **common)
    if kind == "line":
        pts = t.raw("line")
        if not isinstance(pts, list) or len(pts) < 2:
            raise t.fail("line", "a list of at least 2 place names or [lon, lat] points", pts)
        line = tuple(resolve.point(v, f"{t.key('line')}[{i}]")[0] for i, v in enumerate(pts))
        return s.Objective(kind="line", line=line, **common)
    return s.Objective(kind="area", area=resolve.shape(t), **common)


def _zone(t: Table, resolve: _Resolver) -> s.Zone:
    return s.Zone(name=t.string("name"), shape=resolve.shape(t), active=t.boolean("active", True))


def _mobility(t: Table) -> dict[str, dict[str, float]]:
    out = {k: dict(v) for k, v in DEFAULT_MOBILITY.items()}
    keys = s.TERRAIN_CLASSES + s.ROAD_CLASSES
    for mtype in t.data:
        mt = t.sub(mtype, keys)
        speeds = dict(out.get(mtype, {}))
        for k in keys:
            if mt.has(k) or k not in speeds:
                speeds[k] = mt.number(k, lo=0, lo_open=True)
        out[mtype] = speeds
    return out


# Allowed range of each doctrine value: (low, high, low excluded).
DOCTRINE_BOUNDS: dict[str, tuple[float, float | None, bool]] = {
    "aggression": (0, 1, False), "retreat_threshold": (0, 1, False), "caution": (0, None, False),
    "value_hours": (0, None, False), "territory_value": (0, None, False), "horizon_hours": (0, None, True),
    "zone_respect": (0, 1, False), "strength_scale": (0, None, True), "speed_scale": (0, None, True),
    "pocket_days": (0, None, False), "follow_orders": (0, 1, False),
}


def _doctrine(t: Table) -> s.Doctrine:
    d = s.Doctrine()
    return s.Doctrine(**{k: t.number(k, getattr(d, k), lo=lo, hi=hi, lo_open=open_)
                         for k, (lo, hi, open_) in DOCTRINE_BOUNDS.items()})


def _factions(top: Table, places: Mapping[str, s.Place]) -> tuple[s.Faction, ...]:
    rows = top.tables("factions")
    if not rows:
        raise top.fail("factions", "at least one [[factions]] table", None)
    ids = []
    for key, d in rows:
        t = Table(d, top.source, key)
        ids.append(t.string("id"))
    _unique(top.source, "factions", ids)
    allies: dict[str, set[str]] = {i: set() for i in ids}
    neutral: dict[str, set[str]] = {i: set() for i in ids}
    parsed = []
    for key, d in rows:
        t = Table(d, top.source, key, ("id", "name", "colour", "allies", "neutral", "supply_sources", "holds",
                                       "hold_areas", "doctrine"))
        fid = t.string("id")
        for rel, store in (("allies", allies), ("neutral", neutral)):
            for other in t.strings(rel, []):
                if other not in ids:
                    raise t.fail(rel, "faction ids", other, did_you_mean(other, ids))
                if other == fid:
                    raise t.fail(rel, "other factions' ids", other, "A faction cannot list itself.")
                store[fid].add(other)
                store[other].add(fid)
        for k in ("supply_sources", "holds"):
            for name in t.strings(k, []):
                if name not in places:
                    raise t.fail(k, "place names declared under [[places]]", name, did_you_mean(name, places))
        areas = t.raw("hold_areas", [])
        if not isinstance(areas, list):
            raise t.fail("hold_areas", "a list of polygons", areas)
        colour = t.string("colour", "#888888")
        if not (colour.startswith("#") and len(colour) in (4, 7)):
            raise t.fail("colour", "a hex colour such as '#c0392b'", colour)
        parsed.append((t, fid, colour, tuple(ring(a, t.source, f"{t.key('hold_areas')}[{i}]")
                                             for i, a in enumerate(areas))))
    out = []
    for t, fid, colour, areas in parsed:
        both = allies[fid] & neutral[fid]
        if both:
            raise t.fail("allies", "factions that are either allies or neutral, not both", sorted(both))
        out.append(s.Faction(
            id=fid, name=t.string("name", fid), colour=colour, allies=tuple(sorted(allies[fid])),
            neutral=tuple(sorted(neutral[fid])), supply_sources=t.strings("supply_sources", []),
            holds=t.strings("holds", []), hold_areas=areas,
            doctrine=_doctrine(t.sub("doctrine", [f for f in s.Doctrine.__dataclass_fields__]))))
    return tuple(out)


def _faction_ref(t: Table, key: str, fids: list[str]) -> str:
    """A required key naming a declared faction."""
    value = t.string(key)
    if value is not None and value not in fids:
        raise t.fail(key, "a faction id", value, did_you_mean(value, fids) or f"Factions: {', '.join(fids)}.")
    return value


def _unit(t: Table, resolve: _Resolver, fids: list[str], mobility: Mapping[str, Any]) -> s.UnitSpec:
    (lon, lat), _ = resolve.point(t.raw("at"), t.key("at"))
    return s.UnitSpec(
        name=t.string("name"), faction=_faction_ref(t, "faction", fids), lon=lon, lat=lat,
        strength=t.number("strength", lo=0, lo_open=True),
        mobility=t.string("mobility", "motorised", choices=list(mobility)),
        posture=t.string("posture", "attack", choices=s.POSTURES),
        fire=t.string("fire", "aimed", choices=s.FIRE_TYPES),
        firepower=t.number("firepower", 1.0, lo=0), speed=t.number("speed", 1.0, lo=0, lo_open=True))


def _air(t: Table, resolve: _Resolver, fids: list[str], zones: list[str]) -> s.AirRule:
    rule = t.string("rule", choices=s.AIR_RULES)
    actor = _faction_ref(t, "actor", fids)
    zone = None
    center = None
    if rule == "zone_denial":
        zone = t.string("zone")
        if zone not in zones:
            raise t.fail("zone", "a zone name declared under [[zones]]", zone, did_you_mean(zone, zones))
    if t.has("center"):
        center, _ = resolve.point(t.raw("center"), t.key("center"))
    for key in ("targets", "supports"):
        for f in t.strings(key, []):
            if f not in fids:
                raise t.fail(key, "faction ids", f, did_you_mean(f, fids))
    radius = t.number("radius_km", None, lo=0, lo_open=True)
    if radius is not None and center is None:
        raise t.fail("center", "a centre (place name or [lon, lat]) when radius_km is given", None)
    return s.AirRule(
        name=t.string("name"), actor=actor, rule=rule, zone=zone, targets=t.strings("targets", []),
        sorties_per_day=t.number("sorties_per_day", lo=0), damage_per_sortie=t.number("damage_per_sortie", 0.0, lo=0),
        supports=t.strings("supports", []), center=center, radius_km=radius,
        multiplier=t.number("multiplier", 1.0, lo=0), active_from=t.when("active_from", None),
        active_until=t.when("active_until", None))


_EVENT_KEYS = {
    "strike": ("actor", "at", "radius_km", "damage"),
    "reinforce": ("faction", "at", "strength", "name", "mobility", "posture", "fire"),
    "zone": ("zone", "active"),
    "relation": ("a", "b", "relation"),
    "doctrine": ("faction", "key", "value"),
}


def _event(t: Table, resolve: _Resolver, fids: list[str], zones: list[str],
           mobility: Mapping[str, Any]) -> s.Event:
    kind = t.string("kind", choices=s.EVENT_KINDS)
    t = Table(t.data, t.source, t.path, ("date", "kind", "description") + _EVENT_KEYS[kind])
    base = {"date": check_datetime(t.raw("date"), t.source, t.key("date")), "kind": kind,
            "description": t.string("description", "")}
    if kind == "strike":
        at, at_name = resolve.point(t.raw("at"), t.key("at"))
        return s.Event(**base, actor=_faction_ref(t, "actor", fids), at=at,
                       at_name=at_name, radius_km=t.number("radius_km", 10.0, lo=0, lo_open=True),
                       damage=t.number("damage", lo=0))
    if kind == "reinforce":
        at, at_name = resolve.point(t.raw("at"), t.key("at"))
        return s.Event(**base, faction=_faction_ref(t, "faction", fids), at=at,
                       at_name=at_name, strength=t.number("strength", lo=0, lo_open=True),
                       unit_name=t.string("name", None),
                       mobility=t.string("mobility", "motorised", choices=list(mobility)),
                       posture=t.string("posture", "attack", choices=s.POSTURES),
                       fire=t.string("fire", "aimed", choices=s.FIRE_TYPES))
    if kind == "zone":
        zone = t.string("zone")
        if zone not in zones:
            raise t.fail("zone", "a zone name declared under [[zones]]", zone, did_you_mean(zone, zones))
        return s.Event(**base, zone=zone, active=t.boolean("active", True))
    if kind == "relation":
        a = _faction_ref(t, "a", fids)
        b = t.string("b")
        if b not in fids or b == a:
            raise t.fail("b", "another faction id", b, did_you_mean(b, fids))
        return s.Event(**base, a=a, b=b, relation=t.string("relation", choices=s.RELATIONS))
    key = t.string("key", choices=[f for f in DOCTRINE_BOUNDS if f not in ("strength_scale", "speed_scale")])
    lo, hi, open_ = DOCTRINE_BOUNDS[key]
    return s.Event(**base, faction=_faction_ref(t, "faction", fids), key=key,
                   value=t.number("value", lo=lo, hi=hi, lo_open=open_))


def _control(t: Table) -> s.ControlParams:
    d = s.ControlParams()
    return s.ControlParams(zoc_km=t.number("zoc_km", d.zoc_km, lo=0, lo_open=True),
                           presence_km=t.number("presence_km", d.presence_km, lo=0),
                           contest_ratio=t.number("contest_ratio", d.contest_ratio, lo=1),
                           fill_initial=t.boolean("fill_initial", d.fill_initial),
                           front_link_km=t.number("front_link_km", d.front_link_km, lo=0))


def _multipliers(t: Table, key: str, keys: tuple[str, ...], default: Mapping[str, float]) -> Any:
    sub = t.sub(key, keys)
    out = dict(default)
    for k in sub.data:
        out[k] = sub.number(k, lo=0, lo_open=True)
    return s.frozen_map(out)


def _combat(t: Table) -> s.CombatParams:
    d = s.CombatParams()
    return s.CombatParams(
        range_km=t.number("range_km", d.range_km, lo=0, lo_open=True),
        aimed_rate=t.number("aimed_rate", d.aimed_rate, lo=0),
        dispersed_rate=t.number("dispersed_rate", d.dispersed_rate, lo=0),
        stochastic=t.boolean("stochastic", d.stochastic),
        dissolve_below=t.number("dissolve_below", d.dissolve_below, lo=0),
        substep_hours=t.number("substep_hours", d.substep_hours, lo=0, lo_open=True),
        terrain_defence=_multipliers(t, "terrain_defence", s.TERRAIN_CLASSES, d.terrain_defence),
        posture_defence=_multipliers(t, "posture_defence", s.POSTURES, d.posture_defence))


def _supply(t: Table, mobility: Mapping[str, Any]) -> s.SupplyParams:
    d = s.SupplyParams()
    return s.SupplyParams(range_hours=t.number("range_hours", d.range_hours, lo=0, lo_open=True),
                          mobility=t.string("mobility", d.mobility, choices=list(mobility)),
                          attrition_per_day=t.number("attrition_per_day", d.attrition_per_day, lo=0, hi=1),
                          replenish_per_day=t.number("replenish_per_day", d.replenish_per_day, lo=0, hi=1))


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


