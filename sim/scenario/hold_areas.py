"""Starting control as drawn by the author: each faction's polygons and circles, its `rest` flag, and the
GeoJSON file of areas per faction named by `control.hold_areas`.

Every problem is a ScenarioError naming the scenario file, the key and, for a GeoJSON file, the file and the
index of the feature (`features[3]`), what was expected and what was found. Nothing here touches a grid: the
areas are rasterised by `sim.world.hold`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import shapely
from shapely.errors import ShapelyError
from shapely.geometry import shape as geojson_shape

from sim.errors import ScenarioError, did_you_mean
from sim.formats import scenario as f
from sim.scenario import schema as s

KEY = "control.hold_areas.file"
GEOMETRIES = ("Polygon", "MultiPolygon")
PointResolver = Callable[[Any, str], tuple[tuple[float, float], str | None]]


def faction_shapes(areas: Sequence[Any], point: PointResolver, key: str) -> tuple[s.Shape, ...]:
    """A faction's `hold_areas` as shapes: rings stay polygons, circle tables get their centre resolved."""
    out = []
    for i, area in enumerate(areas):
        if isinstance(area, f.Circle):
            center, _ = point(area.center, f"{key}[{i}].center")
            out.append(s.Shape(center=center, radius_km=area.radius_km))
        else:
            out.append(s.Shape(polygon=area))
    return tuple(out)


def check_rest(specs: Sequence[f.Faction], source: str) -> None:
    """At most one faction holds the rest of the region."""
    rest = [i for i, fa in enumerate(specs) if fa.rest]
    if len(rest) > 1:
        names = [specs[i].id for i in rest]
        raise ScenarioError(source, f"factions[{rest[1]}].rest", "`rest = true` for one faction at most", None,
                            f"Factions {', '.join(repr(n) for n in names)} all set it; the rest of the region can "
                            "have only one holder.")


class _Where:
    """Builds the errors of one GeoJSON file: the key names the file and the feature."""

    def __init__(self, source: str, path: Path) -> None:
        self.source = source
        self.path = path

    def error(self, where: str, expected: str, found: Any = None, hint: str = "") -> ScenarioError:
        key = f"{KEY} ({self.path.name}{', ' + where if where else ''})"
        return ScenarioError(self.source, key, expected, found, hint)


def _load_json(path: Path, where: _Where) -> Any:
    if not path.exists():
        raise ScenarioError(where.source, KEY, "an existing GeoJSON file", str(path),
                            "The file does not exist (the path is relative to the scenario file).")
    if not path.is_file():
        raise ScenarioError(where.source, KEY, "a GeoJSON file", str(path),
                            "It is a directory, not a file." if path.is_dir() else "It is not a regular file.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise where.error("", "a GeoJSON file (UTF-8 JSON text)", None, "It is not UTF-8 text (a binary file?).") \
            from None
    except OSError as exc:
        raise where.error("", "a readable GeoJSON file", None, f"It cannot be read ({exc.strerror or exc}).") \
            from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise where.error("", "a GeoJSON file (JSON text)", None,
                          f"It is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    except RecursionError:
        raise where.error("", "a GeoJSON file", None, "Its JSON is nested too deeply.") from None


def _positions(coords: Any, depth: int, where: _Where, at: str) -> list[tuple[float, float]]:
    """The positions of a Polygon (depth 2) or MultiPolygon (depth 3) coordinates array, checked."""
    if depth == 0:
        if (not isinstance(coords, list) or len(coords) not in (2, 3)
                or not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                           for v in coords)):
            raise where.error(at, "a position [lon, lat] of two finite numbers", coords)
        return [(float(coords[0]), float(coords[1]))]
    if not isinstance(coords, list) or not coords:
        raise where.error(at, "a non-empty array of " + ("rings" if depth == 2 else "positions" if depth == 1
                                                          else "polygons"), coords)
    if depth == 1 and len(coords) < 4:
        raise where.error(at, "a linear ring of at least 4 positions (the first repeated as the last)", coords)
    out: list[tuple[float, float]] = []
    for i, c in enumerate(coords):
        out.extend(_positions(c, depth - 1, where, f"{at}[{i}]"))
    return out


def _check_inside(points: list[tuple[float, float]], bbox: tuple[float, float, float, float], where: _Where,
                  at: str) -> None:
    lon0, lat0, lon1, lat1 = bbox

    def inside(lon: float, lat: float) -> bool:
        return lon0 <= lon <= lon1 and lat0 <= lat <= lat1

    bad = next((p for p in points if not inside(*p)), None)
    if bad is None:
        return
    box = f"[{lon0:g}, {lat0:g}, {lon1:g}, {lat1:g}]"
    if all(inside(lat, lon) for lon, lat in points):
        hint = ("Latitude and longitude look swapped: a GeoJSON position is [longitude, latitude], and every "
                "position of this feature would be inside the bbox the other way round.")
    else:
        hint = "Move the area inside the map or widen map.bbox (areas are clipped to the region anyway)."
    raise where.error(at, f"positions [lon, lat] inside the map's bbox {box}", list(bad), hint)


def read_hold_features(spec: f.HoldAreasFile, source: str, base_dir: Path, fids: Sequence[str],
                       bbox: tuple[float, float, float, float]) -> tuple[s.HoldArea, ...]:
    """The areas of a GeoJSON file of starting control, in file order, each checked.

    The file must be a FeatureCollection of Polygon or MultiPolygon features, each with a property (`spec.property`)
    naming a faction, and every position inside the map's bbox.
    """
    path = (base_dir / spec.file).resolve()
    where = _Where(source, path)
    data = _load_json(path, where)
    kind = data.get("type") if isinstance(data, dict) else type(data).__name__
    if kind != "FeatureCollection":
        hint = ("Put the areas in a FeatureCollection (geojson.io saves one)." if kind in ("Feature", *GEOMETRIES)
                else "")
        raise where.error("type", "a GeoJSON FeatureCollection", kind, hint)
    feats = data.get("features")
    if not isinstance(feats, list):
        raise where.error("features", "an array of features", type(feats).__name__)
    out = []
    for i, feat in enumerate(feats):
        at = f"features[{i}]"
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            found = feat.get("type") if isinstance(feat, dict) else feat
            raise where.error(f"{at}.type", "a GeoJSON Feature", found)
        props = feat.get("properties")
        if not isinstance(props, dict) or spec.property not in props:
            raise where.error(f"{at}.properties.{spec.property}", "the id of the faction holding the area", None,
                              f"The feature has no '{spec.property}' property (control.hold_areas.property names it).")
        fid = props[spec.property]
        if not isinstance(fid, str) or fid not in fids:
            hint = did_you_mean(fid, fids) if isinstance(fid, str) else ""
            raise where.error(f"{at}.properties.{spec.property}", "a faction id", fid,
                              hint or f"Factions: {', '.join(fids)}.")
        geom = feat.get("geometry")
        gtype = geom.get("type") if isinstance(geom, dict) else geom
        if gtype not in GEOMETRIES:
            raise where.error(f"{at}.geometry.type", "a Polygon or MultiPolygon geometry", gtype,
                              "Hold areas are areas: points and lines hold nothing (draw a polygon around them).")
        points = _positions(geom.get("coordinates"), 2 if gtype == "Polygon" else 3, where,
                            f"{at}.geometry.coordinates")
        _check_inside(points, bbox, where, f"{at}.geometry.coordinates")
        try:
            shp = geojson_shape(geom)
        except (ValueError, TypeError, ShapelyError) as exc:
            raise where.error(f"{at}.geometry", f"a valid {gtype}", None, str(exc)) from None
        if not shp.is_valid:
            raise where.error(f"{at}.geometry", f"a valid {gtype}", None,
                              f"{shapely.is_valid_reason(shp)}: redraw the area so that its edges do not cross.")
        out.append(s.HoldArea(faction=fid, shape=s.Shape(geometry=shp), label=f"{path.name}, {at}"))
    return tuple(out)
