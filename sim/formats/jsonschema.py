"""JSON Schemas of the file formats, for editors (taplo / Even Better TOML) and `badia schema`.

pydantic writes JSON Schema draft 2020-12. Taplo, the TOML language server behind most editors' TOML
support, documents draft 4, so the schema is rewritten into draft-04 terms: `definitions` instead of
`$defs`, boolean `exclusiveMinimum`, `enum` instead of `const`, and `allOf` around a `$ref` that carries a
description (older drafts ignore a `$ref`'s siblings). Keys that may be left out are optional, never
null: TOML has no null, so the `null` branches pydantic adds are dropped.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from sim.formats.experiment import ExperimentFile
from sim.formats.lesson import LessonFile
from sim.formats.scenario import ScenarioFile

FORMATS: dict[str, type[BaseModel]] = {"scenario": ScenarioFile, "experiment": ExperimentFile, "lesson": LessonFile}
DRAFT = "http://json-schema.org/draft-04/schema#"
_BOUNDS = {"ge": ("minimum", False), "gt": ("minimum", True), "le": ("maximum", False), "lt": ("maximum", True)}


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 4) of one file format: 'scenario', 'experiment' or 'lesson'."""
    model = FORMATS[kind]
    raw = model.model_json_schema(by_alias=True, ref_template="#/definitions/{model}")
    defs = raw.pop("$defs", {})
    out: dict[str, Any] = {"$schema": DRAFT}
    out.update(_draft4(raw, root=True))
    out["definitions"] = {name: _draft4(d, root=True) for name, d in sorted(defs.items())}
    return out


def schema_text(kind: str) -> str:
    """The JSON Schema as the text written to docs/<kind>.schema.json and printed by `badia schema`."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


def _draft4(node: Any, root: bool = False) -> Any:
    if isinstance(node, list):
        return [_draft4(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "anyOf" in node:  # an optional key: drop the null branch pydantic adds
        branches = [b for b in node["anyOf"] if b != {"type": "null"}]
        if len(branches) == 1:
            del node["anyOf"]
            inner = dict(branches[0])
            node = {**inner, **{k: v for k, v in node.items() if k not in inner}}
        else:
            node["anyOf"] = branches
    if node.get("default", 0) is None:
        del node["default"]
    node.pop("discriminator", None)
    if not root:
        node.pop("title", None)
    for name, (bound, exclusive) in _BOUNDS.items():  # constraints pydantic leaves unconverted on optionals
        if name in node and isinstance(node[name], int | float):
            node[bound] = node.pop(name)
            if exclusive:
                node["exclusive" + bound.capitalize()] = True
    for bound in ("Minimum", "Maximum"):
        value = node.get("exclusive" + bound)
        if isinstance(value, int | float) and not isinstance(value, bool):
            node[bound.lower()] = value
            node["exclusive" + bound] = True
    if "const" in node:
        node["enum"] = [node.pop("const")]
    out = {k: (v if k in ("default", "enum", "examples") else
               {p: _draft4(s) for p, s in v.items()} if k in ("properties", "definitions") else _draft4(v))
           for k, v in node.items()}
    if "$ref" in out and len(out) > 1:
        ref = out.pop("$ref")
        out = {"allOf": [{"$ref": ref}], **out}
    return out
