"""Generate the key tables of the docs and the JSON Schema files from the format models.

The prose of docs/scenario-format.md and docs/batches.md is written by hand; each key table sits between
two marker comments and is rewritten from the models:

    <!-- BEGIN GENERATED: units -->
    | Key | Type | Unit | Default | Allowed | Effect |
    ...
    <!-- END GENERATED: units -->

    python -m sim.formats.docgen           # rewrite the tables and docs/*.schema.json
    python -m sim.formats.docgen --check   # exit 1 and name the stale files (the test suite does this)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.formats import experiment as fx
from sim.formats import lesson as fl
from sim.formats import scenario as fs
from sim.formats.errors import field_type, is_model, keys_of, union_tags, unwrap
from sim.formats.fields import Custom, doc_meta, number_text
from sim.formats.jsonschema import FORMATS, schema_text

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
COMMAND = "python -m sim.formats.docgen"
MARKER = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=name) -->)",
                    re.S)
HEADER = "| Key | Type | Unit | Default | Allowed | Effect |\n|---|---|---|---|---|---|\n"


def _code(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, list | tuple):
        return "`[]`" if not value else f"`{list(value)}`"
    if isinstance(value, dict):
        return "`{}`" if not value else "table"
    if isinstance(value, BaseModel):
        return "all defaults"
    return f"`{value!r}`"


def type_name(tp: Any) -> str:
    """The type column: 'number', 'string', 'list of strings', 'point', 'table', ..."""
    core, meta = unwrap(tp)
    custom = next((m for m in meta if isinstance(m, Custom)), None)
    if custom is not None:
        return custom.doc_type
    if core is bool:
        return "bool"
    if core is int:
        return "integer"
    if core is float:
        return "number"
    if core is str or get_origin(core) is Literal:
        return "string"
    if get_origin(core) is list:
        item, imeta = unwrap(get_args(core)[0])
        if is_model(item) or union_tags(item, imeta):
            return "array of tables"
        return f"list of {type_name(get_args(core)[0])}s"
    return "table"


def _bounds(meta: Iterable[Any]) -> str:
    lo = hi = None
    for m in meta:
        for attr, op in (("ge", "≥"), ("gt", ">")):
            if getattr(m, attr, None) is not None:
                lo = (op, getattr(m, attr))
        for attr, op in (("le", "≤"), ("lt", "<")):
            if getattr(m, attr, None) is not None:
                hi = (op, getattr(m, attr))
    if lo and hi:
        left = "[" if lo[0] == "≥" else "("
        right = "]" if hi[0] == "≤" else ")"
        return f"{left}{number_text(lo[1])}, {number_text(hi[1])}{right}"
    if lo:
        return f"{lo[0]} {number_text(lo[1])}"
    if hi:
        return f"{hi[0]} {number_text(hi[1])}"
    return ""


def allowed(field: Any) -> str:
    """The allowed column: the declared choices and bounds, then the words of `key(allowed=...)`."""
    core, meta = unwrap(field_type(field))
    parts = []
    if get_origin(core) is Literal:
        parts.append(", ".join(f"`{c}`" for c in get_args(core)))
    bounds = _bounds([*field.metadata, *meta])
    if bounds:
        parts.append(bounds)
    if doc_meta(field).allowed:
        parts.append(doc_meta(field).allowed)
    return "; ".join(parts)


def default(field: Any) -> str:
    """The default column: the declared default, or the words of `key(default_text=...)`."""
    if doc_meta(field).default:
        return doc_meta(field).default
    if field.default_factory is not None:
        return _code(field.default_factory())
    if field.default is PydanticUndefined:
        return "**required**"
    if field.default is None:
        return "none"
    return _code(field.default)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def rows(model: type[BaseModel], keys: Iterable[str] | None = None, group: str | None = None) -> str:
    """The key table of a model: every key (or the named ones, or those of one docs group), in order."""
    wanted = list(keys) if keys is not None else None
    out = [HEADER]
    for name in keys_of(model):
        field = next(f for n, f in model.model_fields.items() if (f.alias or n) == name)
        meta = doc_meta(field)
        if wanted is not None and name not in wanted or group is not None and meta.group != group:
            continue
        cells = [f"`{name}`", meta.type or type_name(field_type(field)), meta.unit or "–", default(field),
                 allowed(field), field.description or ""]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |\n")
    return "".join(out)


def _event_rows(model: type[BaseModel]) -> str:
    common = set(fs._Event.model_fields)
    return rows(model, [k for k in keys_of(model) if k not in common])


def _kind_defaults() -> str:
    kinds = list(fs.KIND_VALUE)
    head = "| kind | " + " | ".join(kinds) + " |\n|---|" + "---|" * len(kinds) + "\n"
    value = "| `value` | " + " | ".join(f"{fs.KIND_VALUE[k]:g}" for k in kinds) + " |\n"
    radius = "| `radius_km` | " + " | ".join(f"{fs.KIND_RADIUS.get(k, 0):g}" for k in kinds) + " |\n"
    return head + value + radius


def _speed_defaults() -> str:
    keys = fs.SPEED_KEYS
    out = "| Type | " + " | ".join(keys) + " |\n|---|" + "---|" * len(keys) + "\n"
    for mtype, speeds in fs.DEFAULT_MOBILITY.items():
        out += f"| `{mtype}` | " + " | ".join(f"{speeds[k]:g}" for k in keys) + " |\n"
    return out


def _top(model: type[BaseModel]) -> str:
    out = "| Table | Form | Required | Content |\n|---|---|---|---|\n"
    for name in keys_of(model):
        field = model.model_fields[name]
        required = "yes" if field.default is PydanticUndefined and field.default_factory is None else "no"
        if field.metadata and any(getattr(m, "min_length", None) for m in field.metadata):
            required = "at least one"
        kind = type_name(field_type(field))
        form = (f"`[[{name}]]`" if kind == "array of tables" else f"`{name} = […]`" if kind.startswith("list of")
                else f"`[{name}]`")
        out += f"| `{name}` | {form} | {required} | {_cell(field.description or '')} |\n"
    return out


SECTIONS: dict[str, dict[str, Callable[[], str]]] = {
    "scenario-format.md": {
        "top-level": lambda: _top(fs.ScenarioFile),
        "scenario": lambda: rows(fs.ScenarioMeta),
        "map": lambda: rows(fs.MapSpec),
        "shapes": lambda: rows(fs.TerrainArea, ["polygon", "circle"]),
        "circle": lambda: rows(fs.Circle),
        "terrain": lambda: rows(fs.TerrainArea),
        "places": lambda: rows(fs.Place),
        "place-kinds": _kind_defaults,
        "roads": lambda: rows(fs.Road),
        "zones": lambda: rows(fs.Zone),
        "barriers": lambda: rows(fs.Barrier),
        "factions": lambda: rows(fs.Faction),
        "doctrine": lambda: rows(fs.Doctrine),
        "units": lambda: rows(fs.Unit),
        "orders": lambda: rows(fs.Order),
        "objectives": lambda: rows(fs.Objective),
        "mobility-types": lambda: rows(fs.Mobility),
        "mobility": _speed_defaults,
        "control": lambda: rows(fs.Control),
        "control-hold_areas": lambda: rows(fs.HoldAreasFile),
        "combat": lambda: rows(fs.Combat),
        "supply": lambda: rows(fs.Supply),
        "air_power": lambda: rows(fs.AirRule, group=""),
        "air_power-zone_denial": lambda: rows(fs.AirRule, group="zone_denial"),
        "air_power-close_support": lambda: rows(fs.AirRule, group="close_support"),
        "events": lambda: rows(fs._Event),
        **{f"events-{kind}": (lambda m=m: _event_rows(m)) for kind, m in fs.EVENT_MODELS.items()},
    },
    "batches.md": {
        "experiment-top-level": lambda: _top(fx.ExperimentFile),
        "experiment": lambda: rows(fx.ExperimentHead),
        "design": lambda: rows(fx.Design),
        "parameters": lambda: rows(fx.Parameter),
        "outcome": lambda: rows(fx.Outcome),
        "calibration": lambda: rows(fx.Calibration),
    },
    "dashboard.md": {
        "lesson": lambda: rows(fl.LessonHead),
    },
}


def render(name: str, text: str) -> str:
    """A doc's text with every generated section rewritten; an unknown or missing section is an error."""
    sections = SECTIONS[name]
    seen = set()

    def fill(match: re.Match[str]) -> str:
        section = match.group("name")
        if section not in sections:
            raise KeyError(f"docs/{name}: unknown generated section '{section}' (known: {', '.join(sections)})")
        seen.add(section)
        return match.group(1) + sections[section]() + match.group(4)

    out = MARKER.sub(fill, text)
    missing = set(sections) - seen
    if missing:
        raise KeyError(f"docs/{name}: no markers for section(s) {', '.join(sorted(missing))}")
    return out


def outputs(docs: Path = DOCS) -> dict[Path, str]:
    """Every generated file and the text it should have."""
    out = {docs / name: render(name, (docs / name).read_text(encoding="utf-8")) for name in SECTIONS}
    out.update({docs / f"{kind}.schema.json": schema_text(kind) for kind in FORMATS})
    return out


def stale(docs: Path = DOCS) -> list[Path]:
    """The generated files whose text differs from what the models give."""
    return [p for p, text in outputs(docs).items()
            if not p.is_file() or p.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.check:
        old = stale()
        for p in old:
            print(f"stale: {p.relative_to(ROOT)}", file=sys.stderr)
        if old:
            print(f"Run `{COMMAND}` to regenerate.", file=sys.stderr)
        return 1 if old else 0
    for p, text in outputs().items():
        if not p.is_file() or p.read_text(encoding="utf-8") != text:
            p.write_text(text, encoding="utf-8")
            print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
