"""`--set key=value` overrides applied to a scenario's raw table before validation.

Keys are dotted paths into the TOML. Arrays of tables are addressed by an element's `id` or `name`
(case-insensitive, spaces and punctuation as `_`) or by index: `factions.government.doctrine.aggression`,
`units.east_garrison.strength`, `events.0.damage`. Values are parsed as TOML values (`3`, `0.5`, `true`,
`"text"`, `[1, 2]`); anything that does not parse as TOML is taken as a plain string.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from sim.errors import ScenarioError, did_you_mean
from sim.scenario.tablecopy import copy_tables


def slug(name: str) -> str:
    """Normalise a name for addressing: 'Tiger Forces' -> 'tiger_forces'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def parse_value(text: str) -> Any:
    """Parse a command-line value as a TOML value, falling back to a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_assignments(items: Iterable[str], source: str = "--set") -> dict[str, Any]:
    """Turn ['a.b=1', ...] into {'a.b': 1, ...}; reject items without '='."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError(source, item, "key=value (for example combat.aimed_rate=0.04)", item)
        key, _, text = item.partition("=")
        key = key.strip()
        if not key:
            raise ScenarioError(source, item, "a non-empty key before '='", item)
        out[key] = parse_value(text.strip())
    return out


def _element(items: list, segment: str, source: str, path: str) -> dict:
    if segment.isdigit():
        i = int(segment)
        if i < len(items):
            return items[i]
        raise ScenarioError(source, path, f"an index below {len(items)}", segment)
    names = []
    for item in items:
        if isinstance(item, dict):
            label = item.get("id", item.get("name"))
            if isinstance(label, str):
                names.append(slug(label))
                if slug(label) == slug(segment):
                    return item
    hint = did_you_mean(slug(segment), names) or f"Known: {', '.join(names)}."
    raise ScenarioError(source, path, "the id or name of an existing element", segment, hint)


def apply_overrides(table: dict, overrides: Mapping[str, Any], source: str = "--set") -> dict:
    """Return a deep copy of `table` with every dotted-path override applied."""
    out = copy_tables(table)
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node: Any = out
        for depth, part in enumerate(parts[:-1]):
            here = ".".join(parts[: depth + 1])
            if isinstance(node, list):
                node = _element(node, part, source, here)
            elif isinstance(node, dict):
                if part not in node:
                    node[part] = {}
                node = node[part]
            else:
                raise ScenarioError(source, dotted, f"'{here}' to be a table", node)
        last = parts[-1]
        if isinstance(node, list):
            raise ScenarioError(source, dotted, "a key after the element name", None,
                                "Name a field of the element, e.g. units.NAME.strength.")
        if not isinstance(node, dict):
            raise ScenarioError(source, dotted, "a path into a table", node)
        node[last] = value
    return out
