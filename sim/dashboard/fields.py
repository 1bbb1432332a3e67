"""Form fields of the dashboard: checking what the user typed and turning it into run arguments.

A bad seed or days value is a UsageError (as `--seed` and `--days` are on the command line), a bad override a
ScenarioError; either message is shown on the page next to the form.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Any

from sim.errors import ScenarioError, UsageError
from sim.scenario import Scenario, parse_assignments
from sim.scenario.overrides import slug

MAX_DAYS = 3650


def whole_number(text: Any, field: str, lo: int, hi: int | None = None, default: int | None = None) -> int | None:
    """A whole number in [lo, hi] from a text field; empty gives `default`."""
    if text is None or str(text).strip() == "":
        return default
    try:
        value = int(str(text).strip())
    except ValueError:
        raise UsageError("form", field, "a whole number", str(text)) from None
    if value < lo or (hi is not None and value > hi):
        bounds = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        raise UsageError("form", field, f"a whole number {bounds}", value)
    return value


def seed_field(text: Any) -> int | None:
    return whole_number(text, "seed", 0, 2**63 - 1)


def days_field(text: Any) -> int | None:
    return whole_number(text, "days", 1, MAX_DAYS)


def overrides_text(text: str | None) -> dict[str, Any]:
    """`key=value` lines (blank lines and # comments ignored) as overrides."""
    lines = [ln.strip() for ln in (text or "").splitlines()]
    return parse_assignments([ln for ln in lines if ln and not ln.startswith("#")], source="overrides")


MAX_UNIT_ROWS = 8  # up to this many units get a strength each; beyond, each faction gets its strength_scale


@dataclass(frozen=True)
class Parameter:
    """A named parameter of the form: its --set key, the scenario's value, and what the schema says of it
    (bounds, unit, description; sim.formats.scenario)."""

    key: str
    default: float
    lo: float | None
    hi: float | None
    unit: str
    description: str

    @property
    def slider(self) -> bool:
        """Bounded on both sides within a span of 1 (doctrine weights, fractions): a slider shows it well; wider
        ranges (a rate up to 10, a distance up to 1,000 km) get a number input."""
        return self.lo is not None and self.hi is not None and 0 < self.hi - self.lo <= 1

    @property
    def label(self) -> str:
        return self.key + (f" ({self.unit})" if self.unit else "")


def schema_field(key: str) -> Any:
    """The pydantic field (FieldInfo) of a dotted --set key in the scenario format, None if the key does not name
    one: list tables are addressed by an item's slug (`units.<slug>.strength`), which is skipped."""
    from sim.formats.scenario import ScenarioFile

    model: Any = ScenarioFile
    parts = key.split(".")
    i, info = 0, None
    while i < len(parts):
        fields = getattr(model, "model_fields", None)
        if fields is None or parts[i] not in fields:
            return None
        info = fields[parts[i]]
        ann = info.annotation
        args = typing.get_args(ann)
        if typing.get_origin(ann) is list and args and hasattr(args[0], "model_fields"):
            model, i = args[0], i + 2  # skip the item's slug
        elif hasattr(ann, "model_fields"):
            model, i = ann, i + 1
        else:
            model, i = None, i + 1
    return info


def parameter_of(key: str, value: Any) -> Parameter:
    """A Parameter for `key` with the scenario's `value`, its bounds, unit and description from the schema."""
    from sim.formats.fields import doc_meta

    info = schema_field(key)
    lo = hi = None
    unit = description = ""
    if info is not None:
        for c in info.metadata:
            lo = getattr(c, "ge", getattr(c, "gt", lo))
            hi = getattr(c, "le", getattr(c, "lt", hi))
        unit = doc_meta(info).unit
        description = (info.description or "").replace("`", "")
    return Parameter(key, float(value), None if lo is None else float(lo), None if hi is None else float(hi), unit,
                     description)


def named_parameters(sc: Scenario) -> list[Parameter]:
    """The scenario's main named parameters: doctrine of each faction with units, unit strengths (or each
    faction's strength_scale when there are many units), air sorties and the rule parameters most often varied."""
    rows: list[tuple[str, Any]] = []
    with_units = {u.faction for u in sc.units}
    many = len(sc.units) > MAX_UNIT_ROWS
    for f in sc.factions:
        if f.id in with_units:
            rows.append((f"factions.{f.id}.doctrine.aggression", f.doctrine.aggression))
            if sc.zones:
                rows.append((f"factions.{f.id}.doctrine.zone_respect", f.doctrine.zone_respect))
            if sc.orders:
                rows.append((f"factions.{f.id}.doctrine.follow_orders", f.doctrine.follow_orders))
            if many:
                rows.append((f"factions.{f.id}.doctrine.strength_scale", f.doctrine.strength_scale))
    if not many:
        rows += [(f"units.{slug(u.name)}.strength", u.strength) for u in sc.units]
    rows += [(f"air_power.{slug(r.name)}.sorties_per_day", r.sorties_per_day) for r in sc.air_power]
    rows += [("control.zoc_km", sc.control.zoc_km), ("combat.aimed_rate", sc.combat.aimed_rate),
             ("supply.range_hours", sc.supply.range_hours), ("supply.attrition_per_day", sc.supply.attrition_per_day)]
    return [parameter_of(k, v) for k, v in rows]


def parameter_values(keys: list[str], defaults: list[float], values: list[Any]) -> dict[str, Any]:
    """Overrides for the parameters whose value the user moved away from the scenario's; a value that is not a
    number, or out of the schema's bounds, is a ScenarioError naming the key."""
    changed = []
    for key, default, value in zip(keys, defaults, values, strict=False):
        if value is None or str(value).strip() == "":
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ScenarioError("parameters", key, "a number", value) from None
        if not math.isclose(number, float(default), rel_tol=1e-9, abs_tol=1e-12):
            changed.append(f"{key}={_text(number)}")
    return parse_assignments(changed, source="parameters")


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.10g}" if isinstance(v, float) else str(v)
