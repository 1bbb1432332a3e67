"""Form fields of the dashboard: checking what the user typed and turning it into run arguments.

A bad seed or days value is a UsageError (as `--seed` and `--days` are on the command line), a bad override a
ScenarioError; either message is shown on the page next to the form.
"""

from __future__ import annotations

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


def named_parameters(sc: Scenario) -> list[dict[str, str]]:
    """The scenario's main named parameters as editable rows: doctrine of each faction, unit strengths,
    air sorties and the rule parameters most often varied."""
    rows: list[tuple[str, Any]] = []
    with_units = {u.faction for u in sc.units}
    for f in sc.factions:
        if f.id in with_units:
            rows.append((f"factions.{f.id}.doctrine.aggression", f.doctrine.aggression))
            if sc.zones:
                rows.append((f"factions.{f.id}.doctrine.zone_respect", f.doctrine.zone_respect))
    rows += [(f"units.{slug(u.name)}.strength", u.strength) for u in sc.units]
    rows += [(f"air_power.{slug(r.name)}.sorties_per_day", r.sorties_per_day) for r in sc.air_power]
    rows += [("control.zoc_km", sc.control.zoc_km), ("combat.aimed_rate", sc.combat.aimed_rate),
             ("supply.range_hours", sc.supply.range_hours), ("supply.attrition_per_day", sc.supply.attrition_per_day)]
    return [{"key": k, "default": _text(v), "value": _text(v)} for k, v in rows]


def _text(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def parameter_overrides(rows: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Overrides for the rows whose value the user changed; rows that are not {key, default, value} objects with a
    text key are a UsageError."""
    if rows is not None and not isinstance(rows, list):
        raise UsageError("form", "parameters", "a table of parameter rows", type(rows).__name__)
    for r in rows or []:
        if not isinstance(r, dict) or not isinstance(r.get("key"), str):
            raise UsageError("form", "parameters", "rows with a parameter name in 'key'", r)
    changed = [f"{r['key']}={str(r.get('value', '')).strip()}" for r in rows or []
               if str(r.get("value", "")).strip() != str(r.get("default", "")).strip()]
    for item in changed:
        if item.endswith("="):
            raise ScenarioError("parameters", item[:-1], "a value", "")
    return parse_assignments(changed, source="parameters")
