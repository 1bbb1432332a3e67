"""Typed access to one TOML table with error messages that name the file and the key path.

The loader walks the scenario through `Table` objects, so every check (type, range, unknown key) reports
the same way: file, dotted key path, what was expected, what was found, and a 'did you mean' for typos.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sim.errors import ScenarioError, did_you_mean

_MISSING = object()


class Table:
    """A dict from a TOML file, with the file name and key path it came from."""

    def __init__(self, data: Any, source: str, path: str, allowed: Iterable[str] | None = None) -> None:
        if not isinstance(data, dict):
            raise ScenarioError(source, path, "a table", type(data).__name__)
        self.data = data
        self.source = source
        self.path = path
        if allowed is not None:
            allowed = list(allowed)
            for key in data:
                if key not in allowed:
                    hint = did_you_mean(key, allowed) or f"Allowed keys: {', '.join(sorted(allowed))}."
                    raise ScenarioError(source, self.key(key), "a known key", None, f"Unknown key. {hint}")

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, expected: str, found: object = None, hint: str = "") -> ScenarioError:
        return ScenarioError(self.source, self.key(name), expected, found, hint)

    def has(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str, default: Any = _MISSING) -> Any:
        if name in self.data:
            return self.data[name]
        if default is _MISSING:
            raise self.fail(name, "a value (the key is required)", None, "The key is missing.")
        return default

    def sub(self, name: str, allowed: Iterable[str] | None = None, required: bool = False) -> Table:
        if name not in self.data:
            if required:
                raise self.fail(name, "a table", None, "The table is missing.")
            return Table({}, self.source, self.key(name), allowed)
        return Table(self.data[name], self.source, self.key(name), allowed)

    def tables(self, name: str) -> list[tuple[str, dict]]:
        """An array of tables ([[name]]) as (key path, dict) pairs."""
        items = self.data.get(name, [])
        if not isinstance(items, list):
            raise self.fail(name, "an array of tables ([[...]])", type(items).__name__)
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise ScenarioError(self.source, f"{self.key(name)}[{i}]", "a table", item)
            out.append((f"{self.key(name)}[{i}]", item))
        return out

    def string(self, name: str, default: Any = _MISSING, choices: Iterable[str] | None = None) -> str:
        value = self.raw(name, default)
        if value is None:
            return value
        if not isinstance(value, str):
            raise self.fail(name, "a string", value)
        if choices is not None:
            choices = list(choices)
            if value not in choices:
                hint = did_you_mean(value, choices) or f"Choose one of: {', '.join(choices)}."
                raise self.fail(name, f"one of {', '.join(choices)}", value, hint)
        return value

    def number(self, name: str, default: Any = _MISSING, lo: float | None = None, hi: float | None = None,
               lo_open: bool = False) -> float:
        value = self.raw(name, default)
        if value is None:
            return value
        return check_number(value, self.source, self.key(name), lo, hi, lo_open)

    def integer(self, name: str, default: Any = _MISSING, lo: int | None = None) -> int:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, "an integer", value)
        if lo is not None and value < lo:
            raise self.fail(name, f"an integer >= {lo}", value)
        return value

    def boolean(self, name: str, default: Any = _MISSING) -> bool:
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise self.fail(name, "true or false", value)
        return value

    def strings(self, name: str, default: Any = _MISSING) -> tuple[str, ...]:
        value = self.raw(name, default)
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.fail(name, "a list of strings", value)
        return tuple(value)

    def when(self, name: str, default: Any = _MISSING) -> datetime | None:
        value = self.raw(name, default)
        if value is None:
            return None
        return check_datetime(value, self.source, self.key(name))


def check_number(value: Any, source: str, key: str, lo: float | None = None, hi: float | None = None,
                 lo_open: bool = False) -> float:
    """Check a numeric value against an optional range; return it as float."""
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ScenarioError(source, key, "a number", value)
    value = float(value)
    if lo is not None and (value < lo or (lo_open and value == lo)):
        op = ">" if lo_open else ">="
        raise ScenarioError(source, key, f"a number {op} {lo:g}", value)
    if hi is not None and value > hi:
        raise ScenarioError(source, key, f"a number <= {hi:g}", value)
    return value


def check_datetime(value: Any, source: str, key: str) -> datetime:
    """Accept a TOML date/datetime or an ISO string and return a naive datetime."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            pass
    raise ScenarioError(source, key, "a date such as 2017-05-18 or 2017-05-18T06:00", value)


def check_lonlat(value: Any, source: str, key: str) -> tuple[float, float]:
    """A [lon, lat] pair in degrees."""
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        raise ScenarioError(source, key, "a [lon, lat] pair of numbers", value)
    lon, lat = float(value[0]), float(value[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ScenarioError(source, key, "lon in [-180, 180] and lat in [-90, 90]", value)
    return lon, lat
