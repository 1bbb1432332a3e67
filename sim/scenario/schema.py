"""Typed, frozen description of a scenario: what the loader produces and everything else consumes.

Nothing here reads files or computes on grids; these are plain values. Coordinates are (lon, lat) in
degrees, distances in km, speeds in km/h, durations in hours, rates per day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

LonLat = tuple[float, float]

TERRAIN_CLASSES: tuple[str, ...] = ("desert", "hills", "mountains", "valley", "cultivated", "urban")
ROAD_CLASSES: tuple[str, ...] = ("track", "road", "highway")
PLACE_KINDS: tuple[str, ...] = (
    "city", "town", "village", "base", "airbase", "oil_field", "gas_field", "mine",
    "junction", "crossing", "border", "station", "dam",
)
RESOURCE_KINDS: frozenset[str] = frozenset({"oil_field", "gas_field", "mine"})
POSTURES: tuple[str, ...] = ("attack", "defend", "hold")
FIRE_TYPES: tuple[str, ...] = ("aimed", "dispersed")
AIR_RULES: tuple[str, ...] = ("zone_denial", "close_support")
EVENT_KINDS: tuple[str, ...] = ("strike", "reinforce", "zone", "relation", "doctrine")
OBJECTIVE_KINDS: tuple[str, ...] = ("place", "point", "line", "area")
ORDER_THEN: tuple[str, ...] = ("hold", "free")
RELATIONS: tuple[str, ...] = ("hostile", "allied", "neutral")


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
    """A polygon (ring of lon/lat points) or a circle (centre and radius in km)."""

    polygon: tuple[LonLat, ...] = ()
    center: LonLat | None = None
    radius_km: float = 0.0

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
    note: str = ""
    # What the place is worth to particular factions, overriding `value` for them; a negative value means
    # the faction keeps away from it (never its objective, never taken by it): a political limit.
    value_for: MappingProxyType = field(default_factory=frozen_map)

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
    crossing_hours: float = 24.0
    combat: float = 0.0
    crossings: tuple[LonLat, ...] = ()
    bridges_at_roads: bool = True


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
    then: str = "hold"  # after the last objective: "hold" where they are, or "free" (choose as without orders)
    source: str = ""


@dataclass(frozen=True)
class Zone:
    name: str
    shape: Shape
    active: bool


@dataclass(frozen=True)
class Doctrine:
    aggression: float = 0.5
    retreat_threshold: float = 0.35
    caution: float = 1.0
    value_hours: float = 24.0
    territory_value: float = 1.0
    horizon_hours: float = 120.0
    zone_respect: float = 0.0
    strength_scale: float = 1.0
    speed_scale: float = 1.0  # multiplies the speed of every unit of the faction (a calibration knob)
    pocket_days: float = 7.0  # days ground cut off from the faction's sources, with no garrison, holds out
    follow_orders: float = 1.0  # 1: units follow their [[orders]]; 0: they choose their own objectives


@dataclass(frozen=True)
class Faction:
    id: str
    name: str
    colour: str
    allies: tuple[str, ...]
    neutral: tuple[str, ...]
    supply_sources: tuple[str, ...]
    holds: tuple[str, ...]
    hold_areas: tuple[tuple[LonLat, ...], ...]
    doctrine: Doctrine


@dataclass(frozen=True)
class UnitSpec:
    name: str
    faction: str
    lon: float
    lat: float
    strength: float
    mobility: str = "motorised"
    posture: str = "attack"
    fire: str = "aimed"
    firepower: float = 1.0
    speed: float = 1.0


@dataclass(frozen=True)
class ControlParams:
    zoc_km: float = 10.0
    presence_km: float = 3.0
    contest_ratio: float = 2.0
    fill_initial: bool = True
    front_link_km: float = 0.0  # positions of a faction this close hold the line between them (0: no links)


@dataclass(frozen=True)
class CombatParams:
    range_km: float = 6.0
    aimed_rate: float = 0.05
    dispersed_rate: float = 0.00005
    stochastic: bool = True
    dissolve_below: float = 50.0
    substep_hours: float = 1.0
    terrain_defence: MappingProxyType = field(default_factory=lambda: frozen_map(
        {"hills": 1.5, "mountains": 2.0, "urban": 2.0, "valley": 1.2, "cultivated": 1.2}))
    posture_defence: MappingProxyType = field(default_factory=lambda: frozen_map(
        {"attack": 1.0, "defend": 1.3, "hold": 1.5}))


@dataclass(frozen=True)
class SupplyParams:
    range_hours: float = 6.0
    mobility: str = "logistics"
    attrition_per_day: float = 0.03
    replenish_per_day: float = 0.02


@dataclass(frozen=True)
class AirRule:
    name: str
    actor: str
    rule: str
    sorties_per_day: float
    zone: str | None = None
    targets: tuple[str, ...] = ()
    damage_per_sortie: float = 0.0
    supports: tuple[str, ...] = ()
    center: LonLat | None = None
    radius_km: float | None = None
    multiplier: float = 1.0
    active_from: datetime | None = None
    active_until: datetime | None = None


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
    radius_km: float = 10.0
    damage: float = 0.0
    strength: float = 0.0
    unit_name: str | None = None
    mobility: str = "motorised"
    posture: str = "attack"
    fire: str = "aimed"
    zone: str | None = None
    active: bool = True
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
