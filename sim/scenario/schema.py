"""Typed, frozen description of a scenario: what the loader produces and everything else consumes.

Nothing here reads files or computes on grids; these are plain values. Coordinates are (lon, lat) in
degrees, distances in km, speeds in km/h, durations in hours, rates per day.

The file format's keys, defaults and bounds are declared once, in `sim.formats.scenario`; the loader fills
every field of these dataclasses from it, so they carry no defaults of their own beyond "not given"
(None, empty) for fields that only some kinds of event, objective or shape use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

LonLat = tuple[float, float]

# The format's vocabularies, declared with the format (sim/formats/vocab.py) and used by the engine.
from sim.formats.vocab import (  # noqa: E402, F401 - re-exported
    AIR_RULES,
    EVENT_KINDS,
    FIRE_TYPES,
    OBJECTIVE_KINDS,
    ORDER_THEN,
    PLACE_KINDS,
    POSTURES,
    RELATIONS,
    RESOURCE_KINDS,
    ROAD_CLASSES,
    TERRAIN_CLASSES,
)


def frozen_map(d: dict[str, Any] | None = None) -> MappingProxyType:
    """A read-only view of a dict, for mapping fields of frozen dataclasses."""
    return MappingProxyType(dict(d or {}))


@dataclass(frozen=True)
class Meta:
    name: str
    title: str
    description: str
    start: datetime
    end: datetime
    step_hours: int
    seed: int
    claims: str | None = None  # path of the reported-claims CSV to compare runs against

    @property
    def days(self) -> int:
        """Length of the default window in whole days."""
        return (self.end - self.start).days


@dataclass(frozen=True)
class Shape:
    """A polygon (ring of lon/lat points), a circle (centre and radius in km), or a GeoJSON area.

    `geometry`, when given, is a shapely Polygon or MultiPolygon in lon/lat (holes kept): an area read from a
    GeoJSON file, used instead of `polygon`.
    """

    polygon: tuple[LonLat, ...] = ()
    center: LonLat | None = None
    radius_km: float = 0.0
    geometry: Any = None

    @property
    def is_circle(self) -> bool:
        return self.center is not None


@dataclass(frozen=True)
class Locality:
    """A settlement or post used only to count territory by localities (it is no objective and has no footprint)."""

    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class MapSpec:
    bbox: tuple[float, float, float, float]
    cell_km: float
    base_terrain: str
    region: Any | None  # shapely geometry in lon/lat, or None for "the whole box"
    region_name: str
    context: tuple[tuple[str, Any], ...]  # (name, shapely geometry) drawn for orientation only
    localities: tuple[Locality, ...] = ()  # extra localities for locality-based counting (besides the places)


@dataclass(frozen=True)
class TerrainArea:
    terrain: str
    name: str
    shape: Shape


@dataclass(frozen=True)
class Place:
    name: str
    lon: float
    lat: float
    kind: str
    value: float
    holder: str | None
    estimated: bool
    radius_km: float
    note: str
    # What the place is worth to particular factions, overriding `value` for them; a negative value means
    # the faction keeps away from it (never its objective, never taken by it): a political limit.
    value_for: MappingProxyType

    @property
    def is_resource(self) -> bool:
        return self.kind in RESOURCE_KINDS

    def value_to(self, faction: str) -> float:
        """The place's value to one faction."""
        return float(self.value_for.get(faction, self.value))


@dataclass(frozen=True)
class Road:
    name: str
    road_class: str
    points: tuple[LonLat, ...]


@dataclass(frozen=True)
class Barrier:
    """A line that slows movement and blocks or weakens fire across it (a river, a canal, a ridge).

    Crossing a cell of it costs `crossing_hours` more, except at crossings: where a road crosses it (a bridge
    or a ford) and at the listed `crossings`. Fire between units on either side, along a line that crosses it
    away from a crossing, is multiplied by `combat` (0: no fire across it).
    """

    name: str
    points: tuple[LonLat, ...]
    crossing_hours: float
    combat: float
    crossings: tuple[LonLat, ...]
    bridges_at_roads: bool


@dataclass(frozen=True)
class Objective:
    """One step of an order: take a place, reach a point or a line, or clear an area.

    It starts no earlier than `start` (TOML `from`) and not before every place in `after` is held by the
    faction or an ally. Once achieved, the units stay `pause_days`, and until `until`, before the next step.
    """

    kind: str  # one of OBJECTIVE_KINDS
    place: str | None = None
    point: LonLat | None = None
    line: tuple[LonLat, ...] = ()
    area: Shape | None = None
    start: datetime | None = None
    after: tuple[str, ...] = ()
    until: datetime | None = None
    pause_days: float = 0.0
    label: str = ""

    @property
    def title(self) -> str:
        """A short name for logs: the label, or the place, or the kind."""
        return self.label or self.place or self.kind


@dataclass(frozen=True)
class Order:
    """A campaign plan: ordered objectives for some units of a faction (or all of them without orders)."""

    name: str
    faction: str
    units: tuple[str, ...]  # empty: every unit of the faction that no other order names
    objectives: tuple[Objective, ...]
    then: str  # after the last objective: "hold" where they are, or "free" (choose as without orders)
    source: str


@dataclass(frozen=True)
class Zone:
    name: str
    shape: Shape
    active: bool


@dataclass(frozen=True)
class Doctrine:
    aggression: float
    retreat_threshold: float
    caution: float
    value_hours: float
    territory_value: float
    horizon_hours: float
    zone_respect: float
    strength_scale: float
    speed_scale: float  # multiplies the speed of every unit of the faction (a calibration knob)
    pocket_days: float  # days ground cut off from the faction's sources, with no garrison, holds out
    follow_orders: float  # 1: units follow their [[orders]]; 0: they choose their own objectives


@dataclass(frozen=True)
class Faction:
    id: str
    name: str
    colour: str
    allies: tuple[str, ...]
    neutral: tuple[str, ...]
    supply_sources: tuple[str, ...]
    holds: tuple[str, ...]
    hold_areas: tuple[Shape, ...]  # polygons and circles, in file order (a later one paints over an earlier)
    doctrine: Doctrine
    rest: bool = False  # the faction holds the rest of the region (painted first, under every other area)


@dataclass(frozen=True)
class HoldArea:
    """An area of a GeoJSON file of starting control (`control.hold_areas`): the faction holding it and its shape."""

    faction: str
    shape: Shape  # `geometry` set: a Polygon or MultiPolygon in lon/lat
    label: str  # where it comes from, for messages: "front.geojson, features[3]"


@dataclass(frozen=True)
class UnitSpec:
    name: str
    faction: str
    lon: float
    lat: float
    strength: float
    mobility: str
    posture: str
    fire: str
    firepower: float
    speed: float


@dataclass(frozen=True)
class ControlParams:
    zoc_km: float
    presence_km: float
    contest_ratio: float
    fill_initial: bool
    front_link_km: float  # positions of a faction this close hold the line between them (0: no links)


@dataclass(frozen=True)
class CombatParams:
    range_km: float
    aimed_rate: float
    dispersed_rate: float
    stochastic: bool
    dissolve_below: float
    substep_hours: float
    terrain_defence: MappingProxyType  # terrain class -> multiplier
    posture_defence: MappingProxyType  # posture -> multiplier


@dataclass(frozen=True)
class SupplyParams:
    range_hours: float
    mobility: str
    attrition_per_day: float
    replenish_per_day: float


@dataclass(frozen=True)
class AirRule:
    name: str
    actor: str
    rule: str
    sorties_per_day: float
    zone: str | None  # zone_denial only
    targets: tuple[str, ...]
    damage_per_sortie: float
    supports: tuple[str, ...]  # close_support only, as the three below
    center: LonLat | None
    radius_km: float | None
    multiplier: float
    active_from: datetime | None
    active_until: datetime | None


@dataclass(frozen=True)
class Event:
    """A dated change to the world. `kind` says which of the optional fields are used."""

    date: datetime
    kind: str
    description: str = ""
    actor: str | None = None
    faction: str | None = None
    at: LonLat | None = None
    at_name: str | None = None
    radius_km: float | None = None
    damage: float | None = None
    strength: float | None = None
    unit_name: str | None = None
    mobility: str | None = None
    posture: str | None = None
    fire: str | None = None
    zone: str | None = None
    active: bool | None = None
    a: str | None = None
    b: str | None = None
    relation: str | None = None
    key: str | None = None
    value: float | None = None


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the single input of the world builder and the model."""

    meta: Meta
    map: MapSpec
    terrain: tuple[TerrainArea, ...]
    places: tuple[Place, ...]
    roads: tuple[Road, ...]
    zones: tuple[Zone, ...]
    factions: tuple[Faction, ...]
    units: tuple[UnitSpec, ...]
    mobility: MappingProxyType  # mobility type -> {terrain or road class: km/h}
    control: ControlParams
    combat: CombatParams
    supply: SupplyParams
    air_power: tuple[AirRule, ...]
    events: tuple[Event, ...]
    orders: tuple[Order, ...] = ()
    barriers: tuple[Barrier, ...] = ()
    hold_features: tuple[HoldArea, ...] = ()  # control.hold_areas: GeoJSON areas, in file order
    source: str = "<memory>"
    sha256: str = ""
    resolved: MappingProxyType = field(default_factory=frozen_map)  # the raw table after overrides

    def faction(self, fid: str) -> Faction:
        for f in self.factions:
            if f.id == fid:
                return f
        raise KeyError(fid)

    def place(self, name: str) -> Place:
        for p in self.places:
            if p.name == name:
                return p
        raise KeyError(name)

    @property
    def faction_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.factions)
