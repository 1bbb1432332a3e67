"""Building blocks of the format models: the strict base model, `key()` and the value types TOML lacks.

`key()` declares one key: default, bounds, description and the few facts the docs table shows that a type
cannot say (unit, allowed values in words, a default that depends on another key). The custom types
(a date, a point, a polygon ring, ...) check a value the way the loader always has, raise errors in our
format (what was expected, what was found) and declare their own JSON Schema.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

ERROR_TYPE = "badia"  # the pydantic error type of errors raised here; their ctx carries our fields


class Spec(BaseModel):
    """Base of every format model: unknown keys are errors, values are not coerced, instances are frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, hide_input_in_errors=False)


def bad(expected: str, found: Any = None, hint: str = "", suffix: str = "") -> PydanticCustomError:
    """An error in our format. `suffix` extends the key path below the key (an index: `[2]`)."""
    return PydanticCustomError(ERROR_TYPE, "expected {expected}",
                               {"expected": expected, "found": found, "hint": hint, "suffix": suffix})


@dataclass(frozen=True)
class DocMeta:
    """What the docs table says of a key beyond its type, default and bounds.

    It is the key's `json_schema_extra`: called with the key's JSON Schema, it adds the unit and any extra
    schema keywords, so an editor shows the same facts as the docs.
    """

    unit: str = ""
    allowed: str = ""  # allowed values in words, shown before the bounds derived from the constraints
    type: str = ""  # the type column, when the annotation does not say it well ("list of faction ids")
    default: str = ""  # the default column, when the default depends on something ("`id`", "by kind")
    group: str = ""  # docs sub-table the key belongs to (air rules: "zone_denial", "close_support")
    schema: tuple[tuple[str, Any], ...] = ()  # extra JSON Schema keywords

    def __call__(self, schema: dict[str, Any]) -> None:
        if self.unit and schema.get("description"):
            schema["description"] = f"{schema['description']} Unit: {self.unit}."
        schema.update(dict(self.schema))


def key(default: Any = ..., description: str = "", *, unit: str = "", allowed: str = "", type: str = "",
        default_text: str = "", group: str = "", alias: str | None = None, factory: Any = None,
        schema: dict[str, Any] | None = None, **constraints: Any) -> Any:
    """Declare a key: its default (`...`: required), description, docs facts and constraints (ge, gt, le...)."""
    meta = DocMeta(unit=unit, allowed=allowed, type=type, default=default_text, group=group,
                   schema=tuple((schema or {}).items()))
    if factory is not None:
        return Field(default_factory=factory, description=description, alias=alias, json_schema_extra=meta,
                     **constraints)
    return Field(default, description=description, alias=alias, json_schema_extra=meta, **constraints)


def doc_meta(field: Any) -> DocMeta:
    """The DocMeta of a model field (an empty one for fields declared without `key()`)."""
    extra = getattr(field, "json_schema_extra", None)
    return extra if isinstance(extra, DocMeta) else DocMeta()


@dataclass(frozen=True)
class Custom:
    """Marks a custom value type: how errors and docs name it."""

    label: str  # in errors: "a place name or [lon, lat]"
    plural: str  # in errors: "points"
    doc_type: str  # in the docs' type column: "point"


def custom(label: str, plural: str, check: Any, schema: dict[str, Any], doc_type: str) -> Any:
    """A value type checked by `check` (which returns the value to keep) with its own JSON Schema."""
    return Annotated[Any, Custom(label, plural, doc_type), PlainValidator(check), WithJsonSchema(schema)]


Number = Annotated[float, Field(allow_inf_nan=False)]
"""A number: an integer or a float in the file, a float after loading; NaN and infinities are refused."""


def number_text(value: float) -> str:
    """A bound as the docs and the errors spell it: `0.05`, `24`, `1,000,000` (not `1e+06`)."""
    if float(value).is_integer() and abs(value) >= 10_000:
        return f"{int(value):,}"
    return f"{value:g}"


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def lonlat(value: Any, suffix: str = "") -> tuple[float, float]:
    """A [lon, lat] pair in degrees."""
    if not isinstance(value, list | tuple) or len(value) != 2 or not all(is_number(v) for v in value):
        raise bad("a [lon, lat] pair of numbers", value, suffix=suffix)
    lon, lat = float(value[0]), float(value[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise bad("lon in [-180, 180] and lat in [-90, 90]", value, suffix=suffix)
    return lon, lat


def _point(value: Any, suffix: str = "") -> str | tuple[float, float]:
    """A place name (resolved once the places are known) or a [lon, lat] pair."""
    return value if isinstance(value, str) else lonlat(value, suffix)


LONLAT_SCHEMA: dict[str, Any] = {
    "type": "array", "minItems": 2, "maxItems": 2, "description": "[lon, lat] in degrees",
    "items": [{"type": "number", "minimum": -180, "maximum": 180}, {"type": "number", "minimum": -90, "maximum": 90}],
}
POINT_SCHEMA: dict[str, Any] = {"anyOf": [{"type": "string", "description": "a place name declared under [[places]]"},
                                          LONLAT_SCHEMA]}

Point = custom("a place name or [lon, lat]", "points", _point, POINT_SCHEMA, "point")
"""A point: a place name or [lon, lat]."""


def points(min_items: int) -> Any:
    """A list of at least `min_items` points (place names or [lon, lat])."""
    expected = (f"a list of at least {min_items} place names or [lon, lat] points" if min_items
                else "a list of place names or [lon, lat] points")

    def check(value: Any) -> tuple[str | tuple[float, float], ...]:
        if not isinstance(value, list | tuple) or len(value) < min_items:
            raise bad(expected, value)
        return tuple(_point(v, f"[{i}]") for i, v in enumerate(value))

    schema: dict[str, Any] = {"type": "array", "items": POINT_SCHEMA}
    if min_items:
        schema["minItems"] = min_items
    return custom(expected, "lists of points", check, schema, "list of points")


def _ring(value: Any) -> tuple[tuple[float, float], ...]:
    if not isinstance(value, list | tuple) or len(value) < 3:
        raise bad("a list of at least 3 [lon, lat] points", value)
    return tuple(lonlat(v, f"[{i}]") for i, v in enumerate(value))


Ring = custom("a polygon", "polygons", _ring, {"type": "array", "minItems": 3, "items": LONLAT_SCHEMA,
                                              "description": "a polygon ring of 3 or more [lon, lat] points"},
              "list of `[lon, lat]`")
"""A polygon ring: at least three [lon, lat] points (it closes itself)."""


def _bbox(value: Any) -> tuple[float, float, float, float]:
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise bad("[lon_min, lat_min, lon_max, lat_max]", value)
    for i, v in enumerate(value):
        if not is_number(v) or not math.isfinite(v):
            raise bad("a finite number", v, suffix=f"[{i}]")
    b = tuple(float(v) for v in value)
    if not (b[0] < b[2] and b[1] < b[3] and b[0] >= -180 and b[2] <= 180 and b[1] >= -85 and b[3] <= 85):
        raise bad("lon_min < lon_max and lat_min < lat_max within the globe", value)
    return b  # type: ignore[return-value]


_LON = {"type": "number", "minimum": -180, "maximum": 180}
_LAT = {"type": "number", "minimum": -85, "maximum": 85}
Bbox = custom("a bounding box", "bounding boxes", _bbox, {"type": "array", "minItems": 4, "maxItems": 4,
                                                          "items": [_LON, _LAT, _LON, _LAT]},
              "`[lon_min, lat_min, lon_max, lat_max]`")
"""The map's extent: [lon_min, lat_min, lon_max, lat_max]."""

DATE_EXAMPLE = "a date such as 2017-05-18 or 2017-05-18T06:00"


def to_datetime(value: Any) -> datetime:
    """A TOML date or datetime, or an ISO string, as a naive datetime (time zones are dropped)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            pass
    raise bad(DATE_EXAMPLE, value)


# An editor sees a TOML date as a string; the pattern checks its start (a datetime continues with a time).
DATE_SCHEMA: dict[str, Any] = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}",
                               "description": "a TOML date (2017-05-07), datetime (2017-05-07T06:00) or ISO string"}
Date = custom("a date", "dates", to_datetime, DATE_SCHEMA, "date")
"""A TOML date, a TOML datetime or an ISO string; loaded as a naive datetime."""


def _ident(value: Any) -> str:
    if not isinstance(value, str):
        raise bad("a string", value)
    if not value or not all(c.isalnum() or c in "_-" for c in value):
        raise bad("an id of letters, digits, '_' or '-'", value)
    return value


Ident = custom("an id", "ids", _ident, {"type": "string", "minLength": 1,
                                        "description": "letters, digits, '_' or '-'"}, "string")
"""An identifier of letters, digits, '_' or '-' (a scenario's or an experiment's name)."""


def _colour(value: Any) -> str:
    if not isinstance(value, str):
        raise bad("a string", value)
    if not (value.startswith("#") and len(value) in (4, 7)):
        raise bad("a hex colour such as '#c0392b'", value)
    return value


Colour = custom("a colour", "colours", _colour, {"type": "string", "pattern": "^#(.{3}|.{6})$"}, "string")
"""A hex colour: '#' and 3 or 6 characters."""
