"""Starting control drawn four ways (docs/scenario-format.md, "How initial control is filled"): a faction's
polygons and circles, `rest = true`, and a GeoJSON file of areas per faction (`control.hold_areas`); the order
in which they paint over each other; and a one-paragraph error, exit 2, for every kind of bad GeoJSON."""

from __future__ import annotations

import copy
import json
import random
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tomli_w

import sim
from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.world.raster import disk_mask, polygon_mask, ring_mask
from tests import fuzzing
from tests.test_formats import as_json, validator

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "hold_areas"
GEOJSON = json.loads((FIXTURE / "front.geojson").read_text(encoding="utf-8"))
TOML = tomllib.loads((FIXTURE / "front.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def front() -> sim.ConflictModel:
    """The fixture scenario at its start."""
    return sim.build_model(sim.load(FIXTURE / "front.toml"))


def holder(model: sim.ConflictModel, lon: float, lat: float) -> str | None:
    """The faction holding the cell of a point at the start (None: nobody)."""
    owner = int(model.owner.flat[model.world.cell_index(lon, lat)])
    return None if owner < 0 else model.factions.ids[owner]


def write_case(tmp_path: Path, toml: dict | None = None, geojson: object = None, text: str | None = None) -> Path:
    """The fixture scenario, changed, written with its GeoJSON file (changed, or raw `text`) into tmp_path."""
    path = tmp_path / "front.toml"
    path.write_text(tomli_w.dumps(TOML if toml is None else toml), encoding="utf-8")
    data = text if text is not None else json.dumps(GEOJSON if geojson is None else geojson)
    (tmp_path / "front.geojson").write_text(data, encoding="utf-8")
    return path


# ------------------------------------------------------------------ each form


def test_the_fixture_validates_and_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FIXTURE / "front.toml")]) == 0
    assert main(["run", str(FIXTURE / "front.toml"), "--days", "1", "--quiet", "--out", str(tmp_path / "run")]) == 0


def test_the_fixture_matches_the_editor_schema() -> None:
    errors = list(validator("scenario").iter_errors(as_json(TOML)))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize("area", [{"center": [36.3, 33.05]}, {"center": [36.3, 33.05], "radius_km": 0},
                                  [[36.0, 33.0], [36.1, 33.0]], 5])
def test_the_editor_schema_flags_a_bad_hold_area(area: object) -> None:
    raw = copy.deepcopy(TOML)
    raw["factions"][2]["hold_areas"][0] = area
    errors = list(validator("scenario").iter_errors(as_json(raw)))
    assert any(list(e.absolute_path)[:4] == ["factions", 2, "hold_areas", 0] for e in errors), errors


def test_rest_holds_every_region_cell_no_other_area_takes(front: sim.ConflictModel) -> None:
    assert holder(front, 36.3, 33.3) == "govt"  # far from every drawn area
    assert holder(front, 36.55, 33.15) == "govt"
    region = front.world.region
    assert (front.owner[region] >= 0).all()  # nothing left for the initial fill
    assert (front.owner[~region] == -1).all()


def test_a_geojson_area_keeps_its_holes_and_every_part_of_a_multipolygon(front: sim.ConflictModel) -> None:
    assert holder(front, 36.65, 33.2) == "rebels"  # the east block
    assert holder(front, 36.8, 33.2) == "govt"  # its hole: the rest faction shows through
    assert holder(front, 36.12, 33.35) == "rebels"  # the island, the MultiPolygon's second part
    feature = front.spec.hold_features[0]
    expected = polygon_mask(front.world.grid, feature.shape.geometry) & front.world.region
    painted_over = np.zeros_like(expected)  # what later areas and places cover
    for later in (front.spec.hold_features[1].shape.geometry,):
        painted_over |= polygon_mask(front.world.grid, later)
    painted_over |= ring_mask(front.world.grid, front.spec.faction("govt").hold_areas[0].polygon)
    painted_over |= front.world.footprint >= 0
    rebels = front.factions.ids.index("rebels")
    assert (front.owner[expected & ~painted_over] == rebels).all()
    assert (front.owner[~expected & front.world.region] != rebels).all()


def test_a_circle_covers_the_cells_within_its_radius(front: sim.ConflictModel) -> None:
    militia = front.factions.ids.index("militia")
    grid, region = front.world.grid, front.world.region
    post = front.spec.place("Militia post")
    for lon, lat, km in ((post.lon, post.lat, 6.0), (36.3, 33.05, 4.0)):  # a place name, then [lon, lat]
        disk = disk_mask(grid, lon, lat, km) & region & (front.world.footprint < 0)
        assert disk.sum() >= int(np.pi * km ** 2 / grid.cell_area_km2 * 0.7)
        assert (front.owner[disk] == militia).all()
        assert holder(front, lon + (km + 4) / 93, lat) == "govt"  # 4 km beyond the radius: the rest faction


def test_a_circle_centred_on_a_place_moves_with_the_place(tmp_path: Path) -> None:
    raw = copy.deepcopy(TOML)
    next(p for p in raw["places"] if p["name"] == "Militia post")["lon"] = 36.55
    model = sim.build_model(load_scenario(write_case(tmp_path, raw)))
    assert holder(model, 36.55, 33.27) == "militia"
    assert holder(model, 36.45, 33.27) == "govt"


def test_polygons_are_painted_as_before(scenario_file) -> None:
    """No rest, no file, no circle: each polygon's cells go to its faction, a later faction wins an overlap."""
    path = scenario_file("""
[[factions]]
id = "a"
hold_areas = [[[36.0, 33.0], [36.6, 33.0], [36.6, 33.4], [36.0, 33.4]]]
[[factions]]
id = "b"
hold_areas = [[[36.4, 33.0], [37.0, 33.0], [37.0, 33.4], [36.4, 33.4]]]
[control]
fill_initial = false
""")
    model = sim.build_model(sim.load(path))
    grid, region = model.world.grid, model.world.region
    a = ring_mask(grid, ((36.0, 33.0), (36.6, 33.0), (36.6, 33.4), (36.0, 33.4))) & region
    b = ring_mask(grid, ((36.4, 33.0), (37.0, 33.0), (37.0, 33.4), (36.4, 33.4))) & region
    assert (a & b).any()
    assert (model.owner[b] == 1).all()
    assert (model.owner[a & ~b] == 0).all()
    assert (model.owner[region & ~a & ~b] == -1).all()


# ------------------------------------------------------------------ precedence


def test_a_later_geojson_feature_wins_over_an_earlier_one(front: sim.ConflictModel) -> None:
    assert holder(front, 36.93, 33.08) == "militia"  # inside the rebels' east block too


def test_a_factions_own_areas_win_over_the_geojson_file(front: sim.ConflictModel) -> None:
    assert holder(front, 36.66, 33.34) == "govt"  # govt's polygon inside the rebels' GeoJSON area


def test_a_held_places_footprint_wins_over_every_area(front: sim.ConflictModel) -> None:
    assert holder(front, 36.95, 33.05) == "govt"  # the Outpost, inside the militia's corner
    assert holder(front, 36.97, 33.07) == "militia"  # beside it


def test_reordering_the_features_reverses_their_overlap(tmp_path: Path) -> None:
    swapped = {**GEOJSON, "features": list(reversed(GEOJSON["features"]))}
    model = sim.build_model(load_scenario(write_case(tmp_path, geojson=swapped)))
    assert holder(model, 36.93, 33.08) == "rebels"


def test_the_property_naming_the_faction_can_be_renamed(tmp_path: Path) -> None:
    renamed = copy.deepcopy(GEOJSON)
    for feat in renamed["features"]:
        feat["properties"] = {"side": feat["properties"]["faction"]}
    raw = copy.deepcopy(TOML)
    raw["control"]["hold_areas"]["property"] = "side"
    model = sim.build_model(load_scenario(write_case(tmp_path, raw, renamed)))
    assert holder(model, 36.65, 33.2) == "rebels"


def test_without_rest_the_initial_fill_still_fills_the_gaps(tmp_path: Path) -> None:
    raw = copy.deepcopy(TOML)
    del raw["factions"][0]["rest"]
    model = sim.build_model(load_scenario(write_case(tmp_path, raw)))
    assert (model.owner[model.world.region] >= 0).all()
    assert holder(model, 36.8, 33.2) == "rebels"  # the hole, filled from the rebels' area around it


def test_the_path_is_relative_to_the_scenario_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    path = write_case(sub)
    monkeypatch.chdir(tmp_path)
    assert load_scenario(path).hold_features[0].faction == "rebels"


# ------------------------------------------------------------------ errors


def refused(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """`badia validate` refuses the file with exit 2 and one paragraph; the paragraph."""
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def feature(i: int, **change: object) -> dict:
    out = copy.deepcopy(GEOJSON)
    out["features"][i].update(change)
    return out


@pytest.mark.parametrize("geojson, text, wanted", [
    (None, '{"type": "FeatureCollection", "features": [', ["front.geojson", "not JSON", "line 1"]),
    (None, "\udcff", ["front.geojson", "UTF-8"]),
    (GEOJSON["features"][0], None, ["front.geojson, type", "FeatureCollection", "'Feature'"]),
    ([], None, ["a GeoJSON FeatureCollection", "'list'"]),
    ({"type": "FeatureCollection"}, None, ["front.geojson, features)", "an array of features"]),
    (feature(1, properties={"name": "x"}), None,
     ["features[1].properties.faction", "no 'faction' property"]),
    (feature(1, properties={"faction": "milita"}), None,
     ["features[1].properties.faction", "a faction id", "'milita'", "Did you mean 'militia'?"]),
    (feature(0, properties={"faction": 3}), None, ["features[0].properties.faction", "found 3"]),
    (feature(1, geometry={"type": "Point", "coordinates": [36.5, 33.2]}), None,
     ["features[1].geometry.type", "Polygon or MultiPolygon", "'Point'"]),
    (feature(1, geometry=None), None, ["features[1].geometry.type", "Polygon or MultiPolygon"]),
    (feature(1, type="Thing"), None, ["features[1].type", "a GeoJSON Feature", "'Thing'"]),
    (feature(1, geometry={"type": "Polygon", "coordinates": [[[36.9, 33.0], [38.5, 33.0], [36.9, 33.1],
                                                               [36.9, 33.0]]]}), None,
     ["features[1].geometry.coordinates", "inside the map's bbox [36, 33, 37, 33.4]", "[38.5, 33.0]",
      "widen map.bbox"]),
    (feature(1, geometry={"type": "Polygon", "coordinates": [[[33.0, 36.9], [33.0, 37.0], [33.1, 37.0],
                                                               [33.0, 36.9]]]}), None,
     ["features[1].geometry.coordinates", "[33.0, 36.9]", "Latitude and longitude look swapped"]),
    (feature(1, geometry={"type": "Polygon", "coordinates": [[[36.9, 33.0], [37.0, 33.0], [36.9, 33.0]]]}),
     None, ["features[1].geometry.coordinates[0]", "at least 4 positions"]),
    (feature(1, geometry={"type": "Polygon", "coordinates": [[[36.9, 33.0], [37.0, "x"], [36.9, 33.1],
                                                               [36.9, 33.0]]]}), None,
     ["features[1].geometry.coordinates[0][1]", "two finite numbers"]),
    (feature(1, geometry={"type": "Polygon", "coordinates": [[[36.9, 33.0], [37.0, 33.1], [37.0, 33.0],
                                                               [36.9, 33.1], [36.9, 33.0]]]}), None,
     ["features[1].geometry", "a valid Polygon", "Self-intersection"]),
])
def test_bad_geojson_is_one_paragraph_naming_file_feature_and_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                   geojson: object, text: str | None,
                                                                   wanted: list[str]) -> None:
    if text == "\udcff":
        path = write_case(tmp_path)
        (tmp_path / "front.geojson").write_bytes(b"\xff\xfe\x00junk")
    else:
        path = write_case(tmp_path, geojson=geojson, text=text)
    err = refused(path, capsys)
    assert str(path) in err and "control.hold_areas.file" in err
    for w in wanted:
        assert w in err, (w, err)


def test_a_missing_geojson_file_names_the_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_case(tmp_path)
    (tmp_path / "front.geojson").unlink()
    err = refused(path, capsys)
    assert "control.hold_areas.file" in err and "relative to the scenario file" in err
    with pytest.raises(ScenarioError) as info:  # the message cuts a long path; the error keeps it whole
        load_scenario(path)
    assert info.value.found == str(tmp_path.resolve() / "front.geojson")


def test_two_rest_factions_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = copy.deepcopy(TOML)
    raw["factions"][2]["rest"] = True
    err = refused(write_case(tmp_path, raw), capsys)
    assert "factions[2].rest" in err and "one faction at most" in err and "'govt', 'militia'" in err


@pytest.mark.parametrize("area, key, wanted", [
    ({"center": "Militia pots", "radius_km": 6}, "factions[2].hold_areas[0].center", "Did you mean 'Militia post'?"),
    ({"center": [36.3, 33.05], "radius_km": -1}, "factions[2].hold_areas[0].radius_km", "a number > 0"),
    ({"center": [36.3, 33.05]}, "factions[2].hold_areas[0].radius_km", "the key is required"),
    ({"centre": [36.3, 33.05], "radius_km": 3}, "factions[2].hold_areas[0].centre", "Did you mean 'center'?"),
    ([[36.0, 33.0], [36.1, 33.0]], "factions[2].hold_areas[0]", "at least 3 [lon, lat]"),
    (5, "factions[2].hold_areas[0]", "a polygon (a list of 3 or more [lon, lat]) or a circle"),
])
def test_bad_hold_areas_entries_name_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str], area: object,
                                             key: str, wanted: str) -> None:
    raw = copy.deepcopy(TOML)
    raw["factions"][2]["hold_areas"][0] = area
    err = refused(write_case(tmp_path, raw), capsys)
    assert f"key '{key}" in err and wanted in err, err


def test_the_loader_raises_scenario_error_for_the_api(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_case(tmp_path, geojson=feature(1, properties={})))
    assert "features[1]" in info.value.key


# ------------------------------------------------------------------ fuzzing


@pytest.mark.slow
def test_mutated_fronts_are_answered_without_a_traceback(tmp_path: Path) -> None:
    """The fuzzer's mutations (tests/fuzzing.py) of the fixture scenario and of its GeoJSON file."""
    rnd = random.Random(14)
    seen: dict[str, int] = {}
    geo_text = (FIXTURE / "front.geojson").read_bytes()
    for i in range(120):
        toml = copy.deepcopy(TOML)
        geo = copy.deepcopy(GEOJSON)
        target = rnd.random()
        if target < 0.4:
            note = fuzzing.mutate_doc(toml, rnd)
            geo_bytes = geo_text
        elif target < 0.85:
            note = fuzzing.mutate_doc(geo, rnd)
            geo_bytes = json.dumps(geo, default=str).encode("utf-8")  # a date becomes a string
        else:
            geo_bytes, note = fuzzing.mutate_text(geo_text, rnd)
        toml_bytes = fuzzing._toml(toml)  # noqa: SLF001 - the fuzzer's own TOML writer
        if toml_bytes is None:
            continue
        argv = ["run", "front.toml", "--days", "1", "--quiet", "--out", "out"] if i % 4 == 0 else \
            ["validate", "front.toml"]
        case = fuzzing.Case("scenario", argv, {"front.toml": toml_bytes, "front.geojson": geo_bytes}, note)
        workdir = tmp_path / f"case{i}"
        workdir.mkdir()
        outcome = fuzzing.run_case(case, workdir, timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
        seen[outcome.kind] = seen.get(outcome.kind, 0) + 1
        assert outcome.kind in ("ok", "refused"), f"{case.describe()}\n{outcome}"
    assert seen.get("refused", 0) > 10 and seen.get("ok", 0) > 10, seen
