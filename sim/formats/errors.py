"""pydantic's validation errors in our format: file, key path, expected, found, and a hint.

A pydantic error has a location (`('units', 3, 'strength')`), a type (`greater_than`) and context
(`{'gt': 0}`). The key path is spelt as the loader always has (`units[3].strength`); the expected value is
phrased from the key's declared type and bounds ("a number > 0", "one of attack, defend, hold"); unknown
keys and bad choices get a "Did you mean ...?" from the model's own keys and choices.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError, did_you_mean
from sim.formats.fields import ERROR_TYPE, Custom, number_text


def unwrap(tp: Any) -> tuple[Any, list[Any]]:
    """Strip Annotated and Optional from a type: (the core type, the Annotated metadata met on the way)."""
    meta: list[Any] = []
    while True:
        if get_origin(tp) is Annotated:
            meta.extend(tp.__metadata__)
            tp = get_args(tp)[0]
        elif get_origin(tp) in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp, meta
            tp = args[0]
        else:
            return tp, meta


def field_type(field: Any) -> Any:
    """A model field's full annotation (pydantic moves the Annotated metadata to `field.metadata`)."""
    return Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def keys_of(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts, as spelt in the file (aliases)."""
    return [f.alias or name for name, f in model.model_fields.items()]


def field_by_key(model: type[BaseModel], key: str) -> Any:
    for name, f in model.model_fields.items():
        if (f.alias or name) == key:
            return f
    return None


def union_tags(tp: Any, meta: list[Any]) -> tuple[str, dict[str, type[BaseModel]]] | None:
    """(discriminator key, {tag: model}) of a discriminated union of models, or None."""
    disc = next((m.discriminator for m in meta if isinstance(getattr(m, "discriminator", None), str)), None)
    if disc is None or get_origin(tp) not in (Union, types.UnionType):
        return None
    tags = {}
    for model in get_args(tp):
        for tag in get_args(model.model_fields[disc].annotation):
            tags[tag] = model
    return disc, tags


def describe(tp: Any) -> tuple[str, str]:
    """How a type is named: ('a number', 'numbers'), ('a list of strings', 'lists of strings'), ..."""
    core, meta = unwrap(tp)
    custom = next((m for m in meta if isinstance(m, Custom)), None)
    if custom is not None:
        return custom.label, custom.plural
    if core is bool:
        return "true or false", "booleans"
    if core is int:
        return "an integer", "integers"
    if core is float:
        return "a number", "numbers"
    if core is str:
        return "a string", "strings"
    if get_origin(core) is Literal:
        return "one of " + ", ".join(map(str, get_args(core))), "choices"
    if get_origin(core) is list:
        item = get_args(core)[0]
        if is_model(unwrap(item)[0]) or union_tags(*unwrap(item)):
            return "an array of tables ([[...]])", "arrays of tables"
        return f"a list of {describe(item)[1]}", "lists"
    return "a table", "tables"


@dataclass
class Where:
    """Where an error's location leads in the model: the key path and the type expected there."""

    path: str
    tp: Any  # the declared type at the location (None below an unknown key)
    parent: type[BaseModel] | None  # the model whose key the location names last
    last_index: bool  # the location ends with an array index


def locate(model: type[BaseModel], loc: Sequence[str | int], prefix: str = "") -> Where:
    """Follow a pydantic location through the model, spelling the key path as the loader does."""
    path, tp, parent = prefix, model, None
    for seg in loc:
        core, meta = unwrap(tp)
        if isinstance(seg, int):
            path += f"[{seg}]"
            tp = get_args(core)[0] if get_origin(core) in (list, tuple) and get_args(core) else None
            continue
        tags = union_tags(core, meta)
        if tags is not None and seg in tags[1]:
            tp = tags[1][seg]  # pydantic names the chosen member of a tagged union; the file does not
            continue
        path = f"{path}.{seg}" if path else seg
        if is_model(core):
            parent = core
            field = field_by_key(core, seg)
            if field is not None:
                tp = field_type(field)
            else:  # an extra key: typed extras (new mobility types) or unknown
                extra = get_type_hints(core).get("__pydantic_extra__") if core.model_config.get("extra") == "allow" \
                    else None
                tp = get_args(extra)[1] if extra is not None else None
        elif get_origin(core) is dict:
            tp = get_args(core)[1]
        else:
            tp = None
    return Where(path, tp, parent, bool(loc) and isinstance(loc[-1], int))


def _bare(path: str) -> str:
    """A key path without indices: 'orders[0].objectives' -> 'orders.objectives'."""
    import re

    return re.sub(r"\[\d+\]", "", path)


def _is_table_list(tp: Any) -> bool:
    core, _ = unwrap(tp)
    if get_origin(core) is not list:
        return False
    item, meta = unwrap(get_args(core)[0])
    return is_model(item) or union_tags(item, meta) is not None


def _bound(tp: Any, op: str, value: Any) -> str:
    what = "an integer" if unwrap(tp)[0] is int else "a number"
    return f"{what} {op} {number_text(value)}" if isinstance(value, int | float) else f"{what} {op} {value}"


def describe_error(err: dict[str, Any], model: type[BaseModel], prefix: str = "") -> tuple[str, str, Any, str]:
    """(key path, expected, found, hint) of one pydantic error dict."""
    kind, ctx, found = err["type"], err.get("ctx") or {}, err.get("input")
    where = locate(model, err["loc"], prefix)
    path, tp = where.path, where.tp
    if kind == ERROR_TYPE:
        return path + (ctx.get("suffix") or ""), ctx["expected"], ctx.get("found"), ctx.get("hint") or ""
    if kind in ("missing", "too_short") and _is_table_list(tp):
        return path, f"at least one [[{_bare(path)}]] table", None, ""
    if kind == "missing":
        if is_model(unwrap(tp)[0]):
            return path, "a table", None, "The table is missing."
        return path, "a value (the key is required)", None, "The key is missing."
    if kind == "extra_forbidden":
        allowed = keys_of(where.parent) if where.parent is not None else []
        name = path.rsplit(".", 1)[-1]
        hint = did_you_mean(name, allowed) or f"Allowed keys: {', '.join(sorted(allowed))}."
        return path, "a known key", None, f"Unknown key. {hint}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        core, meta = unwrap(tp)
        disc, tags = union_tags(core, meta) or ("kind", {})
        path = f"{path}.{disc}"
        if kind == "union_tag_not_found":
            return path, "a value (the key is required)", None, "The key is missing."
        tag, choices = ctx.get("tag"), list(tags)
        hint = did_you_mean(str(tag), choices) or f"Choose one of: {', '.join(choices)}."
        return path, f"one of {', '.join(choices)}", tag, hint
    if kind == "literal_error":
        choices = [str(c) for c in get_args(unwrap(tp)[0])]
        hint = did_you_mean(str(found), choices) or f"Choose one of: {', '.join(choices)}."
        return path, f"one of {', '.join(choices)}", found, hint
    if kind == "finite_number":
        return path, "a finite number", found, "Infinities and NaN are not allowed."
    if kind == "greater_than":
        return path, _bound(tp, ">", ctx["gt"]), found, ""
    if kind == "greater_than_equal":
        return path, _bound(tp, ">=", ctx["ge"]), found, ""
    if kind == "less_than":
        return path, _bound(tp, "<", ctx["lt"]), found, ""
    if kind == "less_than_equal":
        return path, _bound(tp, "<=", ctx["le"]), found, ""
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return path, "a table", found if where.last_index else type(found).__name__, ""
    if kind == "list_type" and _is_table_list(tp):
        return path, "an array of tables ([[...]])", type(found).__name__, ""
    if kind == "too_short":
        return path, f"{describe(tp)[0]} of at least {ctx.get('min_length')} items", found, ""
    if tp is not None:
        return path, describe(tp)[0], found, ""
    return path, err.get("msg", "a valid value"), found, ""


def to_scenario_error(exc: ValidationError, model: type[BaseModel], source: str, prefix: str = "") -> ScenarioError:
    """The first error of a ValidationError as a ScenarioError (the loaders stop at the first problem).

    Unknown keys come first: a misspelt required key is also reported missing, and the typo, with its
    "Did you mean ...?", is the error worth showing.
    """
    errors = exc.errors(include_url=False)
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    path, expected, found, hint = describe_error(first, model, prefix)
    return ScenarioError(source, path, expected, found, hint)


def validate(model: type[BaseModel], data: Any, source: str, prefix: str = "") -> Any:
    """`model.model_validate(data)`, raising ScenarioError instead of ValidationError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise to_scenario_error(exc, model, source, prefix) from None
