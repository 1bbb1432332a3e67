"""The vocabularies of the scenario format: terrain and road classes, place kinds, postures, rules, ...

They are the allowed values of keys (`Literal` choices of the models in `sim.formats.scenario`) and the
names the engine indexes by (`sim.scenario.schema` re-exports them), so they live apart from both.
"""

from __future__ import annotations

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
