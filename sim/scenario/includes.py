"""Includes: shared geography layers merged into a scenario before it is validated.

A scenario (or a layer) may start with `include = ["syria/places.toml", "./local.toml", ...]`. Each included
file is a *layer*: it may set only `places`, `roads`, `terrain`, `barriers`, `zones`, `include` and a free
`[layer]` table describing itself. The merge, in order:

- Each included file's own includes are merged first, then its own entries over them; the includes of a
  file are merged in list order, later ones over earlier ones.
- The scenario's own entries come last. An entry whose `name` matches an included entry of the same table
  overrides it *in place* (the included order is kept, so terrain still paints in the layer's order): if it
  gives a geometry (`lon`/`lat` of a place, `through` of a road or barrier, `polygon`/`circle` of a terrain
  area or zone) it replaces the included entry whole; if it gives none, its keys are set on the included
  entry (a patch: `{ name = "Palmyra", holder = "government" }`). Other entries are appended.
- `{ file = "...", omit = ["name", ...] }` leaves those entries of the file out. An omitted place, like an
  included place outside the map's bbox (dropped once the bbox is known), is no objective and has no
  footprint, but its name still gives a point to `at`, `through`, `center`...

Paths starting with `./` or `../` (or absolute) resolve against the including file; any other path against
the shipped data directories (`scenarios/data/`, searched as shipped scenarios are: $BADIA_SCENARIOS,
./scenarios, the package's). Paths must name `.toml` files. Errors (missing file, bad TOML, a cycle, a key a
layer may not set, a bad entry) are ScenarioErrors naming the include file and the key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError, did_you_mean
from sim.formats import scenario as f
from sim.formats.errors import validate
from sim.scenario.filecache import cached_parse
from sim.scenario.gazetteer import COVERAGE, Gazetteer, announce, default_gazetteer

LAYER_TABLES: tuple[str, ...] = ("terrain", "places", "roads", "zones", "barriers")
GEOMETRY: dict[str, tuple[str, ...]] = {"terrain": ("polygon", "circle"), "places": ("lon", "lat"),
                                        "roads": ("through",), "zones": ("polygon", "circle"),
                                        "barriers": ("through",)}
MODELS: dict[str, type] = {"terrain": f.TerrainArea, "places": f.Place, "roads": f.Road, "zones": f.Zone,
                           "barriers": f.Barrier}
LAYER_KEYS: tuple[str, ...] = ("include", "layer", *LAYER_TABLES)
MAX_DEPTH = 16  # nested includes
MAX_FILES = 256  # files read for one scenario


def data_dirs() -> list[Path]:
    """The shipped data directories, in the order shipped scenarios are searched (sim.catalog)."""
    from sim.catalog import scenario_dirs

    return [d / "data" for d in scenario_dirs() if (d / "data").is_dir()]


@dataclass
class Included:
    """What the includes of one scenario brought, besides the merged tables."""

    files: list[Path] = field(default_factory=list)  # every file read, in order (for the scenario's sha256)
    points: dict[str, tuple[float, float, str]] = field(default_factory=dict)  # place -> lon, lat, source
    unpatched: set[str] = field(default_factory=set)  # places taken from a layer as they are

    def __bool__(self) -> bool:
        return bool(self.files)


def expand_includes(raw: dict[str, Any], path: Path, source: str) -> tuple[dict[str, Any], Included]:
    """The scenario table with its includes merged in (and `include` removed), and what they brought."""
    included = Included()
    if "include" not in raw:
        return raw, included
    layers, from_includes = _expand(raw, path, source, [path.resolve()], included, top=True)
    out = {k: v for k, v in raw.items() if k != "include"}
    for t in LAYER_TABLES:
        if layers[t] or t in raw:
            out[t] = layers[t] if (t not in raw or isinstance(raw[t], list)) else raw[t]
    included.unpatched = {e["name"] for e in out.get("places", []) if isinstance(e, dict) and id(e) in from_includes
                          and isinstance(e.get("name"), str)}
    return out, included


def _expand(raw: dict[str, Any], path: Path, source: str, stack: list[Path], included: Included,
            top: bool = False) -> tuple[dict[str, list[Any]], set[int]]:
    """The layer tables of one file: its includes merged in order, then its own entries over them.

    Also returns the ids of the entries that came from includes unchanged.
    """
    layers: dict[str, list[Any]] = {t: [] for t in LAYER_TABLES}
    refs = raw.get("include", [])
    if not isinstance(refs, list):
        raise ScenarioError(source, "include", "a list of include paths or {file, omit} tables", refs)
    for i, item in enumerate(refs):
        key = f"include[{i}]"
        ref, omit = _include_item(item, source, key)
        target = resolve_include(ref, path, source, key)
        if target in stack:
            cycle = " → ".join(p.name for p in [*stack[stack.index(target):], target])
            raise ScenarioError(source, key, "an include that does not include this file again", ref,
                                f"The includes form a cycle: {cycle}.")
        if len(stack) >= MAX_DEPTH or len(included.files) >= MAX_FILES:
            raise ScenarioError(source, key, f"includes nested at most {MAX_DEPTH} deep and at most {MAX_FILES} "
                                "files in all", ref)
        included.files.append(target)
        sub = _read_layer(target, source, key)
        sub_layers, _ = _expand(sub, target, str(target), [*stack, target], included)
        for e in sub_layers["places"]:
            if _is_number(e.get("lon")) and _is_number(e.get("lat")):
                included.points[e["name"]] = (float(e["lon"]), float(e["lat"]), str(e.get("source", "")))
        names = {e.get("name") for t in LAYER_TABLES for e in sub_layers[t]}
        for k, name in enumerate(omit):
            if name not in names:
                raise ScenarioError(source, f"{key}.omit[{k}]", f"the name of an entry of {target.name}", name,
                                    did_you_mean(str(name), [str(n) for n in names if n]))
        for t in LAYER_TABLES:
            layers[t] = _merge(layers[t], [e for e in sub_layers[t] if e.get("name") not in omit], t)
    from_includes = {id(e) for t in LAYER_TABLES for e in layers[t]}
    for t in LAYER_TABLES:
        own = raw.get(t, [])
        if top:
            if isinstance(own, list):
                layers[t] = _merge(layers[t], own, t)
            continue
        if not isinstance(own, list):
            raise ScenarioError(source, t, f"an array of tables ([[{t}]])", own)
        seen: set[str] = set()
        for j, entry in enumerate(own):
            _check_entry(entry, t, source, f"{t}[{j}]", seen)
        layers[t] = _merge(layers[t], own, t)
    return layers, from_includes


def _include_item(item: Any, source: str, key: str) -> tuple[str, list[str]]:
    if isinstance(item, str):
        return item, []
    if isinstance(item, dict):
        ref = validate(f.IncludeRef, item, source, key)
        return ref.file, list(ref.omit)
    raise ScenarioError(source, key, "a path (a string) or a {file, omit} table", item)


def resolve_include(ref: str, including: Path, source: str, key: str) -> Path:
    """The file an include names: relative to the including file (`./`, `../`, absolute) or in a data directory."""
    if not ref.endswith(".toml"):
        raise ScenarioError(source, key, "the path of a .toml layer file", ref)
    local = ref.startswith(("./", "../")) or Path(ref).is_absolute()
    candidates = [including.parent / ref] if local else [d / ref for d in data_dirs()]
    for c in candidates:
        try:
            if c.is_file():
                return c.resolve()
        except OSError:
            continue
    where = (f"relative to {including.parent}" if local else
             "under the data directories " + ", ".join(str(d) for d in data_dirs()) +
             " (start the path with ./ for a file beside the scenario)")
    raise ScenarioError(source, key, "an existing TOML layer file", ref, f"The file does not exist ({where}).")


def _read_layer(path: Path, source: str, key: str) -> dict[str, Any]:
    """An included file's table; every problem names the file (and which include brought it)."""
    import tomllib

    by = f"It is included by {source} as {key}."

    def parse() -> dict[str, Any]:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(str(path), "", "a readable UTF-8 TOML layer file", None, f"{exc} {by}") from None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ScenarioError(str(path), "", "valid TOML", None, f"Malformed TOML: {exc}. {by}") from None

    raw = cached_parse(path, "toml", parse)  # kept per process (sim.scenario.filecache)
    for k in raw:
        if k not in LAYER_KEYS:
            raise ScenarioError(str(path), k, "a key a layer may set (" + ", ".join(LAYER_KEYS) + ")", k,
                                f"An include holds shared geography only; set '{k}' in the scenario. {by}")
    if "layer" in raw and not isinstance(raw["layer"], dict):
        raise ScenarioError(str(path), "layer", "a table describing the layer", raw["layer"])
    return raw


def _check_entry(entry: Any, table: str, source: str, key: str, seen: set[str]) -> None:
    """An entry of a layer file is checked where it is written, against the scenario format."""
    validate(MODELS[table], entry, source, key)
    name = entry.get("name", "")
    if name:
        if name in seen:
            raise ScenarioError(source, f"{key}.name", "a name unique within the layer", name,
                                "The name is used twice.")
        seen.add(name)
    if table == "places" and not (_is_number(entry.get("lon")) and _is_number(entry.get("lat"))
                                  and str(entry.get("source", "")).strip()):
        raise ScenarioError(source, key, "lon, lat and a source (a shared place says where its position comes from)",
                            {k: entry.get(k) for k in ("name", "lon", "lat", "source")})


def _merge(base: list[Any], over: list[Any], table: str) -> list[Any]:
    """`over`'s entries set on `base` by name (in place), or appended."""
    out = list(base)
    index = {e["name"]: i for i, e in enumerate(out) if isinstance(e, dict) and isinstance(e.get("name"), str)
             and e["name"]}
    for e in over:
        name = e.get("name") if isinstance(e, dict) else None
        if isinstance(name, str) and name in index:
            i = index.pop(name)  # a second entry of the same name is appended (and reported as a duplicate)
            out[i] = dict(e) if any(k in e for k in GEOMETRY[table]) else {**out[i], **e}
        else:
            out.append(e)
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _bbox(raw: dict[str, Any]) -> tuple[float, float, float, float] | None:
    box = raw.get("map", {}).get("bbox") if isinstance(raw.get("map"), dict) else None
    if isinstance(box, list) and len(box) == 4 and all(_is_number(v) for v in box):
        return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))
    return None


def complete_places(raw: dict[str, Any], included: Included, source: str,
                    gazetteer: Gazetteer | None = None) -> dict[str, Any]:
    """Places ready to validate: included ones outside the bbox left out, positions filled in by name.

    A place with neither `lon` nor `lat` takes them from an included place of that name (omitted or not), else
    from the gazetteer, with a GazetteerWarning naming the record (and its `source` says so).
    """
    places = raw.get("places")
    if not isinstance(places, list):
        return raw
    box = _bbox(raw)
    out = []
    for e in places:
        if (box is not None and isinstance(e, dict) and e.get("name") in included.unpatched
                and _is_number(e.get("lon")) and _is_number(e.get("lat"))
                and not (box[0] <= e["lon"] <= box[2] and box[1] <= e["lat"] <= box[3])):
            continue  # an included place outside the map: it still names a point (included.points)
        out.append(e)
    for i, e in enumerate(out):
        if isinstance(e, dict) and e.get("kind") is None:
            raise ScenarioError(source, f"places[{i}].kind", "a value (the key is required)", None,
                                "The key is missing." + (f" ({e['name']} is no included place.)"
                                                         if included and isinstance(e.get("name"), str) else ""))
        if not isinstance(e, dict) or not isinstance(e.get("name"), str):
            continue
        has = [k for k in ("lon", "lat") if e.get(k) is not None]
        if len(has) == 1:
            raise ScenarioError(source, f"places ({e['name']})", "both lon and lat, or neither (to take them by name)",
                                {"name": e["name"], has[0]: e[has[0]]})
        if has:
            continue
        name = e["name"]
        if name in included.points:
            lon, lat, src = included.points[name]
            out[i] = {**e, "lon": lon, "lat": lat, "source": e.get("source") or src}
            continue
        gaz = gazetteer if gazetteer is not None else default_gazetteer()
        match = gaz.lookup(name, box)
        if match is None:
            raise unknown_name(source, f"places ({name})", name, [], gaz,
                               "lon and lat, or the name of an included place or of a gazetteer place")
        r = match.record
        announce(source, f"places ({name})", f"no lon/lat given: position [{r.lon}, {r.lat}] taken from the "
                 f"{match.describe()}", name)
        out[i] = {**e, "lon": r.lon, "lat": r.lat, "source": e.get("source") or r.provenance()}
    return {**raw, "places": out}


def unknown_name(source: str, key: str, name: str, names: Sequence[str], gazetteer: Gazetteer,
                 expected: str) -> ScenarioError:
    """The error for a name that is neither a place nor in the gazetteer, with near matches from both."""
    hint = did_you_mean(name, list(dict.fromkeys(names)))
    hint += (" " if hint else "") + (f"It is not a place of the scenario or its includes, nor in the gazetteer "
                                     f"({len(gazetteer.records):,} GeoNames places of {COVERAGE}).")
    near = gazetteer.near(name)
    if near:
        hint += " Near matches in the gazetteer: " + ", ".join(near) + "."
    elif not hint.startswith("Did"):
        hint += " Declare it under [[places]] with lon and lat, or give [lon, lat]."
    return ScenarioError(source, key, expected, name, hint)
