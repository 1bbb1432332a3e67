"""The scenario file format: every table and key, with its type, default, bounds, unit and description.

This is the single declaration of the format. `sim.scenario.loader` validates a file against
`ScenarioFile`, then checks what a model of one table cannot (references between tables, unique names,
files on disk) and builds the engine's frozen dataclasses (`sim.scenario.schema`). The key tables of
`docs/scenario-format.md` and `docs/scenario.schema.json` are generated from these models.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, ConfigDict, Field, ValidationError, create_model

from sim.formats.fields import (
    LONLAT_SCHEMA,
    Bbox,
    Colour,
    Date,
    Ident,
    Number,
    Point,
    Ring,
    Spec,
    _ring,
    bad,
    custom,
    key,
    points,
)
from sim.formats.vocab import (
    AIR_RULES,
    EVENT_KINDS,
    FIRE_TYPES,
    ORDER_THEN,
    PLACE_KINDS,
    POSTURES,
    RELATIONS,
    ROAD_CLASSES,
    TERRAIN_CLASSES,
)

Terrain = Literal[TERRAIN_CLASSES]  # type: ignore[valid-type]
RoadClass = Literal[ROAD_CLASSES]  # type: ignore[valid-type]
PlaceKind = Literal[PLACE_KINDS]  # type: ignore[valid-type]
Posture = Literal[POSTURES]  # type: ignore[valid-type]
Fire = Literal[FIRE_TYPES]  # type: ignore[valid-type]

# Defaults of `value` and `radius_km` by place kind.
KIND_VALUE: dict[str, float] = {
    "city": 10, "town": 5, "village": 2, "base": 6, "airbase": 6, "oil_field": 6, "gas_field": 6, "mine": 6,
    "junction": 3, "crossing": 4, "border": 1, "station": 3, "dam": 2}
KIND_RADIUS: dict[str, float] = {"city": 4.0, "town": 2.0}

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
SPEED_KEYS: tuple[str, ...] = TERRAIN_CLASSES + ROAD_CLASSES

# Upper bounds of magnitudes (docs/scenario-format.md, "Limits"): far above any real campaign, and low enough
# that the products the rules form (strength x scale x rate x firepower x support, value x value_hours) stay
# finite, so a run never meets an overflow.
MAX_STRENGTH = 1_000_000  # personnel-equivalents: a unit, a reinforcement, a strike's or a sortie's damage
MAX_SCALE = 100  # multipliers: strength_scale, speed_scale, speed, firepower, defence, air support
MAX_VALUE = 1_000_000  # objective points of a place or a cell
MAX_KM = 1000  # distances: radii, zone of control, presence, range, front links
MAX_HOURS = 8760  # hours (a year): crossing a barrier, value of a point, horizon, supply range
MAX_DAYS_KEY = 1000  # days: pocket_days, pause_days (as sim.limits.MAX_DAYS)
MIN_SPEED, MAX_SPEED = 0.01, 1000  # km/h: slower is a wall (use a barrier), faster is not a ground speed
MAX_SORTIES = 10_000  # sorties per day


def _one_of(*keys: str) -> dict[str, Any]:
    """JSON Schema: exactly one of these keys (an editor flags none or two)."""
    return {"oneOf": [{"required": [k]} for k in keys]}


def _divides_24(step: int) -> int:
    if 24 % step:
        raise bad("a divisor of 24 (1, 2, 3, 4, 6, 8, 12 or 24)", step)
    return step


class ScenarioMeta(Spec):
    """Name, dates, step and seed of the scenario."""

    name: Ident = key(description="Identifier of the scenario. The default run directory is "
                      "`runs/<name>-<timestamp>`.", allowed="letters, digits, `_`, `-`; not empty")
    title: str | None = key(None, "Title shown in the run banner and the HTML report, and by `badia scenarios` "
                            "(which shows it empty if the key is absent).", default_text="`name`")
    description: str = key("", "Text shown in the HTML report.")
    start: Date = key(description="Model time at step 0 and day 0 of the curves.")
    end: Date = key(description="Ends the default run window. `badia run` runs `(end − start)` whole days "
                    "unless `--days` is given.", allowed="after `start`")
    step_hours: Annotated[int, AfterValidator(_divides_24)] = key(6, "Length of one model step. Supply, attack routes and the daily sortie count are "
                          "refreshed once every `24 / step_hours` steps.", unit="hours",
                          allowed="a divisor of 24 (1, 2, 3, 4, 6, 8, 12, 24)", ge=1,
                          schema={"enum": [1, 2, 3, 4, 6, 8, 12, 24]})
    seed: int = key(0, "Default random seed. `--seed` overrides it.", ge=0)
    claims: str | None = key(None, "CSV of reported claims: areas, each naming the measure it counts, and dated "
                             "captures. `badia run` and `badia compare` set the run against it. See \"Claims "
                             "files\" below.", type="string (path)", default_text="none (no claims to compare)",
                             allowed="an existing file, relative to the scenario file")


class RegionRef(Spec):
    """The claimable territory: a feature of a GeoJSON file."""

    file: str = key(description="Path of a GeoJSON file, relative to the scenario file.")
    feature: str = key(description="Name of a feature in the file.")


class ContextRef(Spec):
    """Outlines drawn on the report map for orientation."""

    file: str = key(description="Path of a GeoJSON file, relative to the scenario file.")
    features: list[str] = key(description="Names of features in the file.")


class LocalitiesRef(Spec):
    """Extra localities for counting territory by localities."""

    file: str = key(description="Path of a CSV file with `name`, `lon`, `lat` columns, relative to the "
                    "scenario file.")


class MapSpec(Spec):
    """The grid: its extent, cell size, base terrain, region and context."""

    bbox: Bbox = key(description="Extent of the grid. Places, units and `events.at` must lie inside it.",
                     type="`[lon_min, lat_min, lon_max, lat_max]`", unit="degrees",
                     allowed="min < max; lon in [-180, 180]; lat in [-85, 85]")
    cell_km: Number = key(2.0, "Side of a square cell. Smaller cells give a finer map and a slower run.",
                          unit="km", gt=0.05)
    base_terrain: Terrain = key("desert", "Terrain of every cell that no `[[terrain]]` area covers.")
    region: RegionRef | None = key(None, "The claimable territory: only cells whose centre is inside this "
                                   "geometry can be held. Area figures count only these cells. Supply cannot pass "
                                   "outside the region.", type="table `{file, feature}`",
                                   default_text="none (the whole bbox)",
                                   allowed="`file`: path to GeoJSON; `feature`: a feature name in it (both "
                                           "**required**)")
    context: ContextRef | None = key(None, "Outlines drawn on the report map for orientation only. They have no "
                                     "effect on the simulation.", type="table `{file, features}`",
                                     allowed="`file`: path to GeoJSON; `features`: list of feature names in it "
                                             "(both **required**)", default_text="none (no outlines)")
    localities: LocalitiesRef | None = key(None, "Extra localities for counting territory by localities "
                                           "(`locality_km2`, see \"Outputs\"). The places of the scenario are always "
                                           "localities; these are added to them. Localities outside the bbox or the "
                                           "region are ignored. They are not objectives and have no footprint.",
                                           type="table `{file}`", default_text="none (the places only)",
                                           allowed="`file`: a CSV with `name`, `lon`, `lat` columns (more columns "
                                                   "are ignored)")


class Circle(Spec):
    """A circle: centre and radius."""

    center: Point = key(description="Centre of the circle.", type="point")
    radius_km: Number = key(description="Radius.", unit="km", gt=0, le=MAX_KM)


def _hold_shape(value: Any) -> tuple[tuple[float, float], ...] | Circle:
    """A hold area: a polygon ring (a list of [lon, lat]) or a circle table `{center, radius_km}`."""
    if isinstance(value, dict):
        try:
            return Circle.model_validate(value)
        except ValidationError as exc:
            from sim.formats.errors import describe_error  # errors imports fields, not this module

            errors = exc.errors(include_url=False)  # a misspelt key first, as sim.formats.errors does
            first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
            path, expected, found, hint = describe_error(first, Circle)
            raise bad(expected, found, hint, suffix=f".{path}") from None
    if isinstance(value, list | tuple):
        return _ring(value)
    raise bad("a polygon (a list of 3 or more [lon, lat]) or a circle table {center, radius_km}", value)


HoldShape = custom("a polygon or a circle", "polygons or circles", _hold_shape,
                   {"anyOf": [{"type": "array", "minItems": 3, "items": LONLAT_SCHEMA,
                                "description": "a polygon ring of 3 or more [lon, lat] points"},
                               {k: v for k, v in Circle.model_json_schema().items() if k != "title"}]},
                   "polygon or circle")
"""A hold area: a polygon ring or a circle (its centre a place name or [lon, lat])."""


def _polygon() -> Any:
    return key(None, "Covers the cells whose centre is inside the polygon (3 or more `[lon, lat]` points).",
               type="list of `[lon, lat]`", default_text="one of `polygon`, `circle` **required**")


def _circle() -> Any:
    return key(None, "Covers the cells whose centre is within `radius_km` of the centre, and always the centre cell.",
               type="table `{center, radius_km}`", default_text="one of `polygon`, `circle` **required**")


class TerrainArea(Spec):
    """An area of one terrain class, painted over `base_terrain` in file order."""

    model_config = ConfigDict(json_schema_extra=_one_of("polygon", "circle"))

    terrain: Terrain = key(description="Terrain class of the covered cells.", alias="class")
    name: str = key("", "Label. `--set` can address the area by this name.")
    polygon: Ring | None = _polygon()
    circle: Circle | None = _circle()


class Place(Spec):
    """A town, base, resource or junction: an objective worth `value`, with a footprint of `radius_km`."""

    name: str = key(description="Name used by references (`at`, `through`, `holds`, `supply_sources`, `center`).",
                    allowed="unique")
    lon: Number | None = key(None, "Position. Leave `lon` and `lat` out to take them from an included place of the "
                             "same name or from the gazetteer (see \"Includes and the gazetteer\").", unit="degrees",
                             allowed="inside `bbox`", default_text="**required** unless included or in the gazetteer",
                             ge=-180, le=180)
    lat: Number | None = key(None, "Position (as `lon`).", unit="degrees", allowed="inside `bbox`",
                             default_text="as `lon`", ge=-90, le=90)
    kind: PlaceKind | None = key(None, "Sets the defaults of `value` and `radius_km`. `oil_field`, `gas_field` and "
                                 "`mine` are resources (drawn as diamonds in the report). The kind has no other "
                                 "effect.", default_text="**required** unless included")
    value: Number | None = key(None, "Objective value. Attackers prefer hostile-held or unowned places of higher "
                               "value (see `doctrine.value_hours`). A place of value `0` is never an objective.",
                               unit="points", default_text="by kind (table below)", ge=0, le=MAX_VALUE)
    holder: str | None = key(None, "Faction holding the place at the start. The same as listing the place in "
                             "that faction's `holds`.", allowed="a faction id",
                             default_text="none (unless a `holds` list names it; otherwise its cells go with the areas and the "
                                          "initial fill around it)")
    estimated: bool = key(False, "Marks an estimated position. Shown in the report only.")
    radius_km: Number | None = key(None, "Radius of the footprint. `0` means the place's own cell only. Where "
                                   "footprints overlap, the smaller one is drawn last, so it keeps its cells.",
                                   unit="km", default_text="by kind (table below)", ge=0, le=MAX_KM)
    note: str = key("", "Free text. Not used by the simulation.")
    source: str = key("", "Where the position comes from (a dataset record, an article, an estimate's reasoning). "
                      "Required in shared layers; filled in by the gazetteer. Not used by the simulation.")
    value_for: dict[str, Annotated[Number, Field(ge=-MAX_VALUE, le=MAX_VALUE)]] = key(
        description="What the place is worth to particular factions, replacing `value` for them. `0`: the faction "
                    "ignores it as an objective. **Negative: the faction keeps away from it**, a political limit (a "
                    "truce town, a foreign garrison): it is never its objective, its routes avoid the footprint and "
                    "`presence_km` around it as they avoid a believed air-denial zone, and it never takes the "
                    "footprint, whether by presence or when a pocket collapses.",
        factory=dict, type="table `{faction id = number}`", unit="points",
        allowed="faction ids; numbers from −1,000,000 to 1,000,000")


class Road(Spec):
    """A polyline rasterised onto the cells it crosses."""

    name: str = key(description="Label.", allowed="unique")
    road_class: RoadClass = key(description="Picks the speed column in `[mobility.X]`.", alias="class")
    through: points(2) = key(description="The waypoints, in order.", type="list of points",  # type: ignore[valid-type]
                             allowed="≥ 2 place names or `[lon, lat]`")


class Zone(Spec):
    """A named area used by `zone_denial` air rules and by `zone` events."""

    model_config = ConfigDict(json_schema_extra=_one_of("polygon", "circle"))

    name: str = key(description="Referenced by `air_power.zone` and `events.zone`.", allowed="unique")
    polygon: Ring | None = _polygon()
    circle: Circle | None = _circle()
    active: bool = key(True, "Whether the zone is in force at the start. An inactive zone is not enforced and is "
                       "not avoided. `zone` events switch it on and off.")


class Barrier(Spec):
    """A line that slows movement and blocks or weakens fire across it: a river, a canal, an escarpment."""

    name: str = key(description="`--set barriers.<slug>.…` addresses it.", allowed="unique")
    through: points(2) = key(description="The line.", type="list of points",  # type: ignore[valid-type]
                             allowed="≥ 2 place names or `[lon, lat]`")
    crossing_hours: Number = key(24.0, "Extra hours to cross one of its cells, for every mobility type (supply "
                                 "convoys too, so a supply line across it is longer), except at crossings.",
                                 unit="hours", ge=0, le=MAX_HOURS)
    combat: Number = key(0.0, "Fire between two units whose line of fire crosses the barrier away from a crossing "
                         "is multiplied by this: `0` blocks it (they do not engage), `0.5` halves it. A unit is not "
                         "halted by a hostile unit it cannot fire at.", unit="×", ge=0, le=1)
    crossings: points(0) = key(description="Bridges and fords: the barrier cells within one cell of each point "  # type: ignore[valid-type]
                               "are open (no extra time, fire passes).", factory=tuple, type="list of points",
                               allowed="place names or `[lon, lat]`")
    bridges_at_roads: bool = key(True, "Where a road's line meets the barrier's line there is a bridge (a "
                                 "crossing). `false`: the bridges are down.")


class Doctrine(Spec):
    """A faction's behaviour. Every key is optional."""

    aggression: Number = key(0.5, "Consider a unit with posture `attack`. It presses on only while the non-hostile "
                             "strength (own, allied and neutral units) within `2 × combat.range_km` is at least "
                             "`2 × (1 − aggression)` times the hostile strength there. At `1` it never halts, at "
                             "`0.5` it needs parity and at `0` it needs 2:1.", ge=0, le=1)
    retreat_threshold: Number = key(0.35, "A unit retreats once its strength falls below this fraction of its "
                                    "initial strength. It then moves back along the supply network and defends with "
                                    "the `attack` posture multiplier. It turns back once it reaches threshold + 0.15 "
                                    "and is in supply.", unit="fraction", ge=0, le=1)
    caution: Number = key(1.0, "Weight of danger in route choice. Crossing a cell costs `hours × (1 + caution × "
                          "hostile strength within zoc_km / 1000)`.", ge=0, le=1000)
    value_hours: Number = key(24.0, "Trades distance against value. Each attacking unit picks the objective in its "
                              "sector with the highest `value × value_hours − travel hours`. One point of value is "
                              "therefore worth `value_hours` hours of travel.", unit="hours per point", ge=0, le=MAX_HOURS)
    territory_value: Number = key(1.0, "Objective value of each plain cell that can be taken (hostile-held or "
                                  "unowned region cells). `0` removes plain territory from the objectives, so only "
                                  "places are sought.", unit="points", ge=0, le=MAX_VALUE)
    horizon_hours: Number = key(120.0, "Objectives farther than this perceived travel time from a unit are "
                                "ignored. A unit with none left inside the horizon stays put.", unit="hours", gt=0, le=MAX_HOURS)
    zone_respect: Number = key(0.0, "Initial belief that air-denial zones are enforced (see `[[zones]]`).",
                               ge=0, le=1)
    strength_scale: Number = key(1.0, "Multiplies the strength of every unit of the faction when it is created, "
                                 "including units from `reinforce` events. A `doctrine` event cannot change it.",
                                 unit="×", gt=0, le=MAX_SCALE)
    speed_scale: Number = key(1.0, "Multiplies the `speed` of every unit of the faction when it is created, "
                              "including reinforcements (a calibration knob for a faction's pace). A `doctrine` "
                              "event cannot change it.", unit="×", gt=0, le=MAX_SCALE)
    pocket_days: Number = key(7.0, "How long the faction's ground holds out once it is cut off from its supply "
                              "sources with none of its units in it (see \"Territory\" under `[control]`). `0`: it "
                              "passes at the first daily check. A faction with no `supply_sources` is never cut "
                              "off.", unit="days", ge=0, le=MAX_DAYS_KEY)
    follow_orders: Number = key(1.0, "`1`: the faction's units follow their `[[orders]]`; `0` (below 0.5): they "
                                "ignore them and choose their own objectives. A `doctrine` event can switch it "
                                "during a run (a change of plan).", ge=0, le=1)


# Doctrine keys fixed at unit creation, which a `doctrine` event cannot change.
DOCTRINE_FIXED: tuple[str, ...] = ("strength_scale", "speed_scale")
DOCTRINE_EVENT_KEYS: tuple[str, ...] = tuple(k for k in Doctrine.model_fields if k not in DOCTRINE_FIXED)


class Faction(Spec):
    """A side: its relations, supply sources, initial holdings and doctrine."""

    id: str = key(description="Referenced by `holder`, `units.faction`, `allies`, `neutral`, air rules and events. "
                  "`--set` addresses the faction by this id.", allowed="unique (the characters are not checked)")
    name: str | None = key(None, "Display name.", default_text="`id`")
    colour: Colour = key("#888888", "Colour on the map and the curves.", type="string",
                         allowed="starts with `#`, length 4 or 7")
    allies: list[str] = key(description="Allied pairs do not fight and do not take each other's cells. Supply runs "
                            "through an ally's cells, but each faction draws only from its own `supply_sources`.",
                            factory=list, type="list of faction ids", allowed="other factions; not also neutral")
    neutral: list[str] = key(description="Neutral pairs do not fight and do not take each other's cells. They do "
                             "not share supply.", factory=list, type="list of faction ids",
                             allowed="other factions; not also allied")
    supply_sources: list[str] = key(description="Origins of the faction's supply network. A source counts only "
                                    "while its own cell is held by the faction or an ally. **A faction with units "
                                    "but no supply sources has all its units permanently out of supply.**",
                                    factory=list, type="list of place names", allowed="declared places")
    holds: list[str] = key(description="Places whose footprint the faction holds at the start.", factory=list,
                           type="list of place names", allowed="declared places")
    hold_areas: list[HoldShape] = key(  # type: ignore[valid-type]
        description="Areas the faction holds at the start (clipped to the region). Each is a polygon or a circle "
                    "table. A later area paints over an earlier one, and a later faction's over an earlier "
                    "faction's (see \"How initial control is filled\").",
        factory=list, type="list of polygons and circles", unit="degrees; circle radius in km",
        allowed="each a polygon (≥ 3 `[lon, lat]`) or `{center = point, radius_km = number}` (radius in (0, 1000])")
    rest: bool = key(False, "The faction holds every region cell that no other hold area, GeoJSON area or held "
                     "place gives to a faction: the rest of the region. It is painted first, under everything "
                     "else, so no cell is left for `control.fill_initial`.",
                     allowed="`true` for one faction at most")
    doctrine: Doctrine = key(description="The faction's behaviour.", factory=Doctrine, type="table",
                             default_text="all defaults", allowed="see below")


class Unit(Spec):
    """A unit of a faction: where it starts, how strong and how it moves and fights."""

    name: str = key(description="Label in logs. `--set` addresses the unit by this name.", allowed="unique")
    faction: str = key(description="Owner of the unit.", allowed="a faction id")
    at: Point = key(description="Starting cell.", type="point", unit="place name or `[lon, lat]`",
                    allowed="inside `bbox`")
    strength: Number = key(description="Initial strength, multiplied by the faction's `strength_scale`. Combat "
                           "fire, zone-of-control influence and replenishment scale with it.", unit="personnel-eq.",
                           gt=0, le=MAX_STRENGTH)
    mobility: str = key("motorised", "Speed table used for its movement.",
                        allowed="a key of `[mobility]`: `motorised`, `foot`, `logistics` or a declared type")
    posture: Posture = key("attack", "`attack`: moves towards objectives and gives battle, while supplied and not "
                           "retreating. `defend` and `hold`: never advance, and fire at hostile units in range. They "
                           "differ only in `combat.posture_defence`.")
    fire: Fire = key("aimed", "`aimed`: Lanchester square law at `combat.aimed_rate`. `dispersed` (guerrilla "
                     "fire): linear law at `combat.dispersed_rate`.")
    firepower: Number = key(1.0, "Multiplies the unit's fire coefficient. `0` means it deals no damage.", unit="×",
                            ge=0, le=MAX_SCALE)
    speed: Number = key(1.0, "Multiplies the travel budget of each step (`step_hours × speed` hours of crossing "
                        "time).", unit="×", gt=0, le=MAX_SCALE)


class Objective(Spec):
    """One step of an order: exactly one of `place`, `at`, `line`, `polygon`, `circle`, and its conditions."""

    model_config = ConfigDict(json_schema_extra=_one_of("place", "at", "line", "polygon", "circle"))

    place: str | None = key(None, "Take a place: achieved when the faction or an ally holds it.", type="place name",
                            default_text="one of `place`, `at`, `line`, `polygon`, `circle` **required**")
    at: Point | None = key(None, "Reach a point: a unit within `max(presence_km, cell_km)` of it.", type="point",
                           default_text="(one of them)")
    line: points(2) | None = key(None, "Reach a line (e.g. a border): a unit within that distance of any of its "  # type: ignore[valid-type]
                                 "cells.", type="list of points", default_text="(one of them)",
                                 allowed="≥ 2 place names or `[lon, lat]`")
    polygon: Ring | None = key(None, "Clear an area: the faction and its allies hold 90% of its region cells; the "
                               "unit heads for the nearest cell not yet held.", type="list of `[lon, lat]`",
                               default_text="(one of them)")
    circle: Circle | None = key(None, "Clear an area, as `polygon`.", type="table `{center, radius_km}`",
                                default_text="(one of them)")
    start: Date | None = key(None, "The unit does not take up the objective before this date (it holds where it "
                             "stands: it defends if attacked).", alias="from", allowed="on or after the "
                             "scenario's `start`", default_text="none (at once)")
    after: list[str] = key(description="…nor before every one of these places is held by the faction or an ally "
                           "(\"after X falls\").", factory=list, type="list of place names", allowed="declared places")
    until: Date | None = key(None, "Once achieved, the unit stays until this date before the next objective "
                             "(\"hold until\").", allowed="on or after the scenario's `start`",
                             default_text="none (no wait)")
    pause_days: Number = key(0.0, "Once achieved, the unit stays this many days (\"pause to regroup\").",
                             unit="days", ge=0, le=MAX_DAYS_KEY)
    label: str = key("", "A name for the log.", default_text="the place's name")


class Order(Spec):
    """A campaign plan: ordered objectives for some units of a faction, or for all its units no other order names."""

    faction: str = key(description="Whose units.", allowed="a faction id")
    units: list[str] = key(description="Who follows the order. A faction has one faction-wide order at most.",
                           factory=list, type="list of unit names",
                           default_text="`[]` (all the faction's units no other order names)",
                           allowed="units of that faction, in `[[units]]` or the `name` of a `reinforce` event; each "
                                   "unit in one order at most")
    name: str | None = key(None, "Shown in the event log.", default_text="its key path", allowed="unique")
    then: Literal[ORDER_THEN] = key("hold", "After the last objective: hold where they are, or choose objectives "  # type: ignore[valid-type]
                                    "as units without orders do.")
    source: str = key("", "Where the plan comes from (a citation).")
    objectives: list[Objective] = key(description="In order.", type="array of tables", min_length=1,
                                      allowed="≥ 1; see below")


def _speeds(name: str, defaults: dict[str, float] | None) -> type[Spec]:
    """A speed table: km/h per terrain and road class (every key required without defaults)."""
    fields: dict[str, Any] = {
        k: (Number, key(... if defaults is None else defaults[k], f"Speed on {k} cells.", unit="km/h",
                 ge=MIN_SPEED, le=MAX_SPEED))
        for k in SPEED_KEYS}
    return create_model(name, __base__=Spec, __doc__="Speeds in km/h per terrain and road class.", **fields)


NewSpeeds = _speeds("NewSpeeds", None)
MotorisedSpeeds = _speeds("MotorisedSpeeds", DEFAULT_MOBILITY["motorised"])
FootSpeeds = _speeds("FootSpeeds", DEFAULT_MOBILITY["foot"])
LogisticsSpeeds = _speeds("LogisticsSpeeds", DEFAULT_MOBILITY["logistics"])


_SPEED_ALLOWED = (f"keys: the {len(SPEED_KEYS)} terrain and road classes; each given key replaces its default; "
                  f"values in [{MIN_SPEED:g}, {MAX_SPEED:g}]")


class Mobility(Spec):
    """Speed tables by mobility type. A built-in type's table overrides only the keys it gives; a new type gives all."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, NewSpeeds]  # type: ignore[valid-type]

    motorised: MotorisedSpeeds = key(  # type: ignore[valid-type]
        description="The default type of units (`units.mobility`) and of `reinforce` events: operational speeds "
                    "averaged over the whole day (halts and consolidation included). Its crossing hours are also "
                    "the cost distance of the initial fill of control (`control.fill_initial`), whatever the "
                    "units' types.", factory=MotorisedSpeeds, type="table class → km/h", unit="km/h",
        default_text="the `motorised` row below", allowed=_SPEED_ALLOWED)
    foot: FootSpeeds = key(  # type: ignore[valid-type]
        description="Units on foot: operational speeds averaged over the whole day.", factory=FootSpeeds,
        type="table class → km/h", unit="km/h", default_text="the `foot` row below", allowed=_SPEED_ALLOWED)
    logistics: LogisticsSpeeds = key(  # type: ignore[valid-type]
        description="Supply convoys: the table `supply.mobility` names by default. Real driving speeds, not "
                    "operational ones: the supply network reaches the cells within `supply.range_hours` of convoy "
                    "driving from a held source, through ground the faction or its allies hold. No unit uses it "
                    "unless its `mobility` names it.", factory=LogisticsSpeeds, type="table class → km/h",
        unit="km/h", default_text="the `logistics` row below", allowed=_SPEED_ALLOWED)


class HoldAreasFile(Spec):
    """A GeoJSON file of starting areas: a FeatureCollection of Polygon or MultiPolygon features."""

    file: str = key(description="Path of the GeoJSON file, relative to the scenario file. It must be a "
                    "FeatureCollection of `Polygon` or `MultiPolygon` features (holes are kept), with every "
                    "position `[lon, lat]` inside `map.bbox`.", type="string (path)",
                    allowed="an existing GeoJSON file, relative to the scenario file")
    property: str = key("faction", "The feature property that names the faction holding the feature's area.",
                        allowed="every feature has it, naming a faction id")


class Control(Spec):
    """Zones of control, presence, contests and front links."""

    zoc_km: Number = key(10.0, "Zone of control. A unit adds its strength to its faction's influence on every cell "
                         "within `zoc_km` of any cell it passed this step. The same influence drives the `caution` "
                         "route cost.", unit="km", gt=0, le=MAX_KM)
    presence_km: Number = key(3.0, "Place footprints change hands only when the faction has a unit within "
                              "`presence_km` and no hostile unit is within `presence_km`. A unit is supplied if the "
                              "supply network reaches any cell within this radius of it.", unit="km", ge=0, le=MAX_KM)
    contest_ratio: Number = key(2.0, "A faction takes a non-footprint region cell that is hostile-held or unowned "
                                "when its influence there is > 0 and at least `contest_ratio` times the summed "
                                "influence of the factions hostile to it. Otherwise the cell keeps its owner. If "
                                "several factions qualify, the one with the most influence takes the cell.",
                                unit="×", ge=1, le=1000)
    fill_initial: bool = key(True, "Fill the unowned part of the region at the start by cost distance from held "
                             "places and areas (see \"How initial control is filled\").")
    hold_areas: HoldAreasFile | None = key(
        None, "Starting control drawn in a GIS or on geojson.io: a GeoJSON file of areas, each naming the faction "
        "holding it. The areas are painted over a `rest` faction and under every faction's own `hold_areas` (see "
        "\"How initial control is filled\").", type="table `{file, property}`",
        default_text="none (no GeoJSON file)",
        allowed="`file`: path to GeoJSON (**required**), relative to the scenario file; `property`: see below")
    front_link_km: Number = key(0.0, "Two positions of a faction (its units, and the places it holds) this close "
                                "to each other hold the line between them: see \"Territory\" below. `0`: no links.",
                                unit="km", ge=0, le=MAX_KM)


def _multipliers(name: str, keys: tuple[str, ...], defaults: dict[str, float], what: str) -> type[Spec]:
    fields = {k: (Number, key(defaults.get(k, 1.0), f"Divides the losses of a unit {what} `{k}`.", unit="×",
                     ge=0.01, le=MAX_SCALE))
              for k in keys}
    return create_model(name, __base__=Spec, __doc__="Defence multipliers (values in [0.01, 100]).", **fields)


TerrainDefence = _multipliers("TerrainDefence", TERRAIN_CLASSES,
                              {"hills": 1.5, "mountains": 2.0, "urban": 2.0, "valley": 1.2, "cultivated": 1.2},
                              "standing in terrain")
PostureDefence = _multipliers("PostureDefence", POSTURES, {"attack": 1.0, "defend": 1.3, "hold": 1.5},
                              "with posture")


class Combat(Spec):
    """Lanchester attrition between hostile units in range."""

    range_km: Number = key(6.0, "Engagement range between unit cells. It also sets the attackers' odds window "
                           "(`2 × range_km`) and the distance at which advancing units stop.", unit="km", gt=0, le=MAX_KM)
    aimed_rate: Number = key(0.05, "Square-law coefficient: losses inflicted per day per point of the shooter's "
                             "strength.", unit="per day", ge=0, le=10)
    dispersed_rate: Number = key(0.00005, "Linear-law coefficient. It is multiplied by both strengths, so "
                                 "`0.00005 × 1000` is about `0.05`.", unit="per day per point", ge=0, le=1)
    stochastic: bool = key(True, "`true`: each step's losses are Poisson draws around the expectation, and "
                           "zone-denial targets and damage are random. `false`: expectations, and zone-denial always "
                           "hits the strongest target.")
    dissolve_below: Number = key(50.0, "A unit whose strength is below this value at the end of a step is removed "
                                 "(logged as `dissolved`).", unit="strength", ge=0, le=MAX_STRENGTH)
    substep_hours: Number = key(1.0, "Integration sub-step. Each step uses `ceil(step_hours / substep_hours)` "
                                "midpoint sub-steps.", unit="hours", ge=0.01)
    terrain_defence: TerrainDefence = key(  # type: ignore[valid-type]
        description="Divides the losses of a unit standing in that terrain. The given keys replace their defaults.",
        factory=TerrainDefence, type="table class → number", unit="×",
        default_text="`hills 1.5, mountains 2.0, urban 2.0, valley 1.2, cultivated 1.2` (others 1.0)",
        allowed="keys: terrain classes; values in [0.01, 100]")
    posture_defence: PostureDefence = key(  # type: ignore[valid-type]
        description="Divides the losses by posture. Retreating units use `attack`. The given keys replace their "
                    "defaults.", factory=PostureDefence, type="table posture → number", unit="×",
        default_text="`attack 1.0, defend 1.3, hold 1.5`", allowed="keys: `attack`, `defend`, `hold`; values in [0.01, 100]")


SUPPLY_RANGE_HOURS = 6.0
_LOGISTICS = DEFAULT_MOBILITY["logistics"]


class Supply(Spec):
    """The daily supply network of each faction."""

    range_hours: Number = key(SUPPLY_RANGE_HOURS, "Reach of the supply network: hours of travel from a held source "
                              "at the speeds of `supply.mobility`, through ground the faction or its allies hold "
                              f"(the default {SUPPLY_RANGE_HOURS:g} h of convoy driving at the default `logistics` "
                              f"speeds is {SUPPLY_RANGE_HOURS * _LOGISTICS['highway']:g} km of highway or "
                              f"{SUPPLY_RANGE_HOURS * _LOGISTICS['desert']:g} km of open desert).", unit="hours", gt=0,
                              le=MAX_HOURS)
    mobility: str = key("logistics", "The speed table supply convoys travel at (`logistics`: "
                        + ", ".join(f"{k} {_LOGISTICS[k]:g}" for k in ("desert", "track", "road", "highway"))
                        + " km/h by default; change it under `[mobility.logistics]`). Barrier crossing hours are "
                        "added to it, as to every type.", allowed="a mobility type")
    attrition_per_day: Number = key(0.03, "An out-of-supply unit keeps `(1 − attrition_per_day)^days` of its "
                                    "strength (compounded).", unit="fraction per day", ge=0, le=1)
    replenish_per_day: Number = key(0.02, "A supplied unit that is not in combat regains this fraction of its "
                                    "initial strength per day, up to its initial strength.",
                                    unit="fraction of initial per day", ge=0, le=1)


class AirRule(Spec):
    """An air rule of an `actor` faction, in force while `active_from ≤ time < active_until`."""

    name: str = key(description="Label in logs. `--set` addresses the rule by this name.", allowed="unique")
    actor: str = key(description="The faction flying the sorties.", allowed="a faction id")
    rule: Literal[AIR_RULES] = key(description="Which rule applies (see below).")  # type: ignore[valid-type]
    sorties_per_day: Number = key(description="Daily sortie budget.", unit="sorties per day", ge=0, le=MAX_SORTIES)
    active_from: Date | None = key(None, "First moment the rule is in force.", default_text="none (from the start)")
    active_until: Date | None = key(None, "The rule is no longer in force from this moment.",
                                    default_text="none (to the end of the run)")
    zone: str | None = key(None, "The zone denied.", group="zone_denial", default_text="**required**",
                           allowed="a `[[zones]]` name")
    targets: list[str] = key(description="The factions that are struck and that avoid the zone. A target may be "
                             "formally allied or neutral (a \"red line\").", factory=list, group="zone_denial",
                             type="list of faction ids", default_text="`[]` = every faction hostile to `actor`",
                             allowed="faction ids")
    damage_per_sortie: Number = key(0.0, "Strength removed per sortie. With `0`, the rule hits nothing.",
                                    group="zone_denial", unit="strength", ge=0, le=MAX_STRENGTH)
    supports: list[str] = key(description="Factions whose units can be supported.", factory=list,
                              group="close_support", type="list of faction ids",
                              default_text="`[]` = the actor itself", allowed="faction ids")
    center: Point | None = key(None, "Centre of the support area. Without `radius_km`, it has no effect.",
                               group="close_support", type="point", unit="place name or `[lon, lat]`",
                               default_text="none (no limit)")
    radius_km: Number | None = key(None, "Only units within this distance of `center` are supported.",
                                   group="close_support", unit="km", default_text="none (no limit)",
                                   allowed="requires `center`", gt=0, le=MAX_KM)
    multiplier: Number = key(1.0, "Fire multiplier for supported units. Only values > 1 have an effect.",
                             group="close_support", unit="×", ge=0, le=MAX_SCALE)


class _Event(Spec):
    """Keys every event has; each kind adds its own."""

    date: Date = key(description="When the event happens.")
    kind: Literal[EVENT_KINDS] = key(description="Selects the other allowed keys. A key belonging to another "  # type: ignore[valid-type]
                                     "kind is an \"Unknown key\" error.")
    description: str = key("", "Copied to the event log.")


class StrikeEvent(_Event):
    """A one-off strike by `actor` on every hostile unit within `radius_km` of `at`."""

    kind: Literal["strike"] = key(description="A strike.")
    actor: str = key(description="The faction striking.", allowed="a faction id")
    at: Point = key(description="Centre of the strike.", type="point", unit="place name or `[lon, lat]`",
                    allowed="inside `bbox`")
    radius_km: Number = key(10.0, "Units hostile to `actor` within this distance of `at` are hit.", unit="km", gt=0, le=MAX_KM)
    damage: Number = key(description="Strength removed, split among the units hit in proportion to their "
                         "strength.", unit="strength (total)", ge=0, le=MAX_STRENGTH)


class ReinforceEvent(_Event):
    """A new unit appears at `at`."""

    kind: Literal["reinforce"] = key(description="A new unit.")
    faction: str = key(description="Owner of the new unit.", allowed="a faction id")
    at: Point = key(description="Where it appears.", type="point", unit="place name or `[lon, lat]`",
                    allowed="inside `bbox`")
    strength: Number = key(description="Initial strength, multiplied by the faction's `strength_scale`.",
                           unit="personnel-eq.", gt=0, le=MAX_STRENGTH)
    name: str | None = key(None, "The unit's name (orders can name it).",
                           default_text="`\"<faction> reinforcement YYYY-MM-DD\"`")
    mobility: str = key("motorised", "Its speed table.", allowed="a mobility type")
    posture: Posture = key("attack", "Its posture.")
    fire: Fire = key("aimed", "Its fire law.")


class ZoneEvent(_Event):
    """Declares or lifts a zone."""

    kind: Literal["zone"] = key(description="A zone switched on or off.")
    zone: str = key(description="The zone.", allowed="a `[[zones]]` name")
    active: bool = key(True, "`true` declares the zone, `false` lifts it.")


class RelationEvent(_Event):
    """Sets the relation between two factions, in both directions."""

    kind: Literal["relation"] = key(description="A change of relation.")
    a: str = key(description="One faction.", allowed="a faction id")
    b: str = key(description="The other faction.", allowed="a faction id other than `a`")
    relation: Literal[RELATIONS] = key(description="The new relation.")  # type: ignore[valid-type]


_key = key  # the class below has a field named `key`


class DoctrineEvent(_Event):
    """Sets one doctrine value of a faction."""

    kind: Literal["doctrine"] = key(description="A change of doctrine.")
    faction: str = key(description="The faction.", allowed="a faction id")
    key: Literal[DOCTRINE_EVENT_KEYS] = key(  # type: ignore[valid-type]
        description="The doctrine key: any `[factions.doctrine]` key except "
                    + " and ".join(f"`{k}`" for k in DOCTRINE_FIXED) + ".")
    value: Number = _key(description="The new value.", allowed="within the bounds of that key in "
                        "`[factions.doctrine]`")


EVENT_MODELS: dict[str, type[_Event]] = {"strike": StrikeEvent, "reinforce": ReinforceEvent, "zone": ZoneEvent,
                                         "relation": RelationEvent, "doctrine": DoctrineEvent}
assert tuple(EVENT_MODELS) == EVENT_KINDS
Event = Annotated[Union[tuple(EVENT_MODELS.values())], Field(discriminator="kind")]  # noqa: UP007


def _include_list(value: Any) -> list[Any]:
    """`include`: a list of paths, or of `{file, omit}` tables (read by sim.scenario.includes before validation)."""
    if not isinstance(value, list):
        raise bad("a list of include paths or {file, omit} tables", value)
    for i, item in enumerate(value):
        if isinstance(item, dict):
            IncludeRef.model_validate(item)
        elif not isinstance(item, str):
            raise bad("a path (a string) or a {file, omit} table", item, suffix=f"[{i}]")
    return value


class IncludeRef(Spec):
    """One include with names left out."""

    file: str = key(description="Path of a TOML layer file: under `scenarios/data/`, or relative to this file when "
                    "it starts with `./` or `../`.")
    omit: list[str] = key(description="Names of entries of the file not to take (they still name points).",
                          factory=list)


_INCLUDE_SCHEMA = {"type": "array", "items": {"anyOf": [{"type": "string"}, {
    "type": "object", "required": ["file"], "additionalProperties": False,
    "properties": {"file": {"type": "string"}, "omit": {"type": "array", "items": {"type": "string"}}}}]}}
IncludeList = custom("a list of include paths or {file, omit} tables", "include lists", _include_list,
                     _INCLUDE_SCHEMA, "list of paths")


class ScenarioFile(Spec):
    """A Badia scenario file (docs/scenario-format.md)."""

    include: IncludeList = key(description="Shared layers (places, roads, terrain, rivers, zones) merged into the "  # type: ignore[valid-type]
                               "file before it is read; its own entries override them by name. See \"Includes and "
                               "the gazetteer\".", factory=list)
    scenario: ScenarioMeta = key(description="Name, dates, step and seed.")
    map: MapSpec = key(description="The grid.")
    terrain: list[TerrainArea] = key(description="Terrain areas, painted in file order.", factory=list)
    places: list[Place] = key(description="Towns, bases, resources, junctions.", factory=list)
    roads: list[Road] = key(description="Roads.", factory=list)
    zones: list[Zone] = key(description="Named areas (air denial).", factory=list)
    barriers: list[Barrier] = key(description="Rivers, canals, escarpments.", factory=list)
    factions: list[Faction] = key(description="The sides (at least one).", min_length=1)
    units: list[Unit] = key(description="Units at the start.", factory=list)
    orders: list[Order] = key(description="Campaign plans.", factory=list)
    mobility: Mobility = key(description="Speed tables by mobility type.", factory=Mobility)
    control: Control = key(description="Control rules.", factory=Control)
    combat: Combat = key(description="Combat rules.", factory=Combat)
    supply: Supply = key(description="Supply rules.", factory=Supply)
    air_power: list[AirRule] = key(description="Air rules.", factory=list)
    events: list[Event] = key(description="Dated events.", factory=list)  # type: ignore[valid-type]

