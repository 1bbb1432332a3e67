"""Includes (shared geography layers merged into a scenario) and the gazetteer (positions by name)."""

from __future__ import annotations

import tomllib
import warnings
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.gazetteer import Gazetteer, GazetteerWarning, Record, default_gazetteer, fold
from sim.scenario.includes import LAYER_TABLES

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scenarios" / "data"

HEAD = """
[scenario]
name = "t"
start = 2017-07-01
end = 2017-07-05

[map]
bbox = [36.0, 33.0, 39.0, 35.5]
cell_km = 4

[[factions]]
id = "blue"

[[factions]]
id = "red"
"""

LAYER = """
[layer]
title = "test layer"

[[places]]
name = "Alpha"
lon = 36.5
lat = 33.5
kind = "town"
estimated = true
source = "test: Alpha"

[[places]]
name = "Bravo"
lon = 37.5
lat = 34.0
kind = "village"
source = "test: Bravo"

[[places]]
name = "Faraway"
lon = 41.0
lat = 36.0
kind = "town"
source = "test: outside the bbox of HEAD"

[[roads]]
name = "R1"
class = "road"
through = ["Alpha", "Bravo"]

[[roads]]
name = "R2"
class = "track"
through = ["Bravo", [38.5, 34.5]]

[[terrain]]
class = "hills"
name = "Hills"
circle = { center = "Bravo", radius_km = 10 }
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def scenario(tmp_path: Path, top: str, body: str = "", layer: str = LAYER) -> Path:
    """A scenario in tmp_path/case/ with `top` above its tables and a layer beside it (./layer.toml)."""
    write(tmp_path / "case" / "layer.toml", layer)
    return write(tmp_path / "case" / "s.toml", top + HEAD + body)


def load_quiet(path: Path, overrides: dict | None = None):  # noqa: ANN201 - a Scenario
    with warnings.catch_warnings():
        warnings.simplefilter("error", GazetteerWarning)  # no position may come from the gazetteer here
        return load_scenario(path, overrides)


def error_of(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


# --- merging -------------------------------------------------------------------------------------------------


def test_included_tables_merge_in_layer_order_and_own_entries_are_appended(tmp_path):
    path = scenario(tmp_path, 'include = ["./layer.toml"]\n',
                    '[[places]]\nname = "Charlie"\nlon = 38.0\nlat = 35.0\nkind = "town"\n')
    sc = load_quiet(path)
    assert [p.name for p in sc.places] == ["Alpha", "Bravo", "Charlie"]  # Faraway is outside the bbox
    assert [r.name for r in sc.roads] == ["R1", "R2"]
    assert sc.roads[0].points == ((36.5, 33.5), (37.5, 34.0))  # names resolved against the included places
    assert [t.name for t in sc.terrain] == ["Hills"] and sc.terrain[0].shape.center == (37.5, 34.0)
    assert "include" not in sc.resolved and sc.resolved["places"][0]["source"] == "test: Alpha"


def test_a_place_without_a_geometry_patches_the_included_one(tmp_path):
    path = scenario(tmp_path, 'include = ["./layer.toml"]\n'
                    'places = [{ name = "Bravo", holder = "red", value = 7, value_for = { blue = -1 } }]\n')
    sc = load_quiet(path)
    bravo = sc.place("Bravo")
    assert (bravo.lon, bravo.lat, bravo.kind, bravo.holder, bravo.value) == (37.5, 34.0, "village", "red", 7.0)
    assert dict(bravo.value_for) == {"blue": -1.0}
    assert [p.name for p in sc.places] == ["Alpha", "Bravo"]  # patched in place, not appended
    assert sc.resolved["places"][1]["source"] == "test: Bravo"  # the position keeps its source


def test_a_place_with_lon_lat_replaces_the_included_one_whole(tmp_path):
    path = scenario(tmp_path, 'include = ["./layer.toml"]\n',
                    '[[places]]\nname = "Alpha"\nlon = 36.6\nlat = 33.6\nkind = "city"\n')
    sc = load_quiet(path)
    alpha = sc.place("Alpha")
    assert (alpha.lon, alpha.lat, alpha.kind, alpha.estimated) == (36.6, 33.6, "city", False)
    assert "source" not in sc.resolved["places"][0]  # the layer's source described the old position
    assert [p.name for p in sc.places] == ["Alpha", "Bravo"]


def test_roads_and_terrain_are_overridden_by_name_and_removed_with_omit(tmp_path):
    path = scenario(tmp_path, 'include = [{ file = "./layer.toml", omit = ["R2", "Bravo"] }]\n',
                    '[[roads]]\nname = "R1"\nclass = "highway"\n'  # a patch: same waypoints, new class
                    '\n[[terrain]]\nclass = "mountains"\nname = "Hills"\npolygon = [[36, 33], [37, 33], [37, 34]]\n'
                    '\n[[units]]\nname = "u"\nfaction = "blue"\nat = "Bravo"\nstrength = 100\n')
    sc = load_quiet(path)
    assert [r.name for r in sc.roads] == ["R1"] and sc.roads[0].road_class == "highway"
    assert sc.roads[0].points[-1] == (37.5, 34.0)  # the omitted place still names a point
    assert [p.name for p in sc.places] == ["Alpha"]  # ... but is no place (no objective, no footprint)
    assert (sc.units[0].lon, sc.units[0].lat) == (37.5, 34.0)
    assert sc.terrain[0].terrain == "mountains" and sc.terrain[0].shape.polygon is not None
    assert sc.terrain[0].shape.center is None  # a new geometry replaces the whole entry


def test_nested_includes_and_later_includes_override_earlier_ones(tmp_path):
    write(tmp_path / "case" / "more.toml", 'include = ["./layer.toml"]\n\n[[places]]\nname = "Delta"\nlon = 37.0\n'
          'lat = 33.2\nkind = "junction"\nsource = "test: Delta"\n')
    write(tmp_path / "case" / "fix.toml", '[[places]]\nname = "Alpha"\nlon = 36.4\nlat = 33.4\nkind = "town"\n'
          'source = "test: corrected Alpha"\n')
    path = scenario(tmp_path, 'include = ["./more.toml", "./fix.toml"]\n')
    sc = load_quiet(path)
    assert [p.name for p in sc.places] == ["Alpha", "Bravo", "Delta"]
    assert (sc.place("Alpha").lon, sc.resolved["places"][0]["source"]) == (36.4, "test: corrected Alpha")


def test_bare_paths_resolve_in_the_data_directory_and_dot_paths_beside_the_file(tmp_path, monkeypatch):
    shipped = tmp_path / "shipped"
    write(shipped / "data" / "test" / "layer.toml", LAYER.replace('"Alpha"', '"Echo"'))
    monkeypatch.setenv("BADIA_SCENARIOS", str(shipped))
    both = scenario(tmp_path, 'include = ["test/layer.toml", "./layer.toml"]\n')
    names = [p.name for p in load_quiet(both).places]
    assert names == ["Echo", "Bravo", "Alpha"]
    # a bare path is not looked up beside the scenario
    write(tmp_path / "case" / "other" / "x.toml", LAYER)
    err = error_of(scenario(tmp_path, 'include = ["other/x.toml"]\n'))
    assert err.key == "include[0]" and "./" in err.hint and str(shipped / "data") in err.hint


def test_the_sha256_covers_the_included_files(tmp_path):
    path = scenario(tmp_path, 'include = ["./layer.toml"]\n')
    before = load_quiet(path).sha256
    write(tmp_path / "case" / "layer.toml", LAYER.replace("37.5", "37.6"))
    assert load_quiet(path).sha256 != before


def test_overrides_address_included_entries(tmp_path):
    path = scenario(tmp_path, 'include = ["./layer.toml"]\n')
    assert load_quiet(path, {"places.bravo.value": 9}).place("Bravo").value == 9


# --- errors ---------------------------------------------------------------------------------------------------


def test_a_missing_include_names_the_key_and_the_path(tmp_path):
    err = error_of(scenario(tmp_path, 'include = ["./layer.toml", "./nope.toml"]\n'))
    assert err.key == "include[1]" and err.found == "./nope.toml" and "does not exist" in err.hint


def test_bad_toml_in_an_include_names_the_include_file(tmp_path):
    path = scenario(tmp_path, 'include = ["./layer.toml"]\n', layer="[[places]\nname = 1\n")
    err = error_of(path)
    assert err.source == str((tmp_path / "case" / "layer.toml").resolve())
    assert "Malformed TOML" in err.hint and str(path) in err.hint and "include[0]" in err.hint


def test_an_include_cycle_is_an_error(tmp_path):
    write(tmp_path / "case" / "a.toml", 'include = ["./b.toml"]\n')
    write(tmp_path / "case" / "b.toml", 'include = ["./a.toml"]\n')
    err = error_of(scenario(tmp_path, 'include = ["./a.toml"]\n'))
    assert "cycle" in err.hint and "a.toml → b.toml → a.toml" in err.hint
    assert err.source.endswith("b.toml") and err.key == "include[0]"


def test_a_scenario_including_itself_is_a_cycle(tmp_path):
    err = error_of(scenario(tmp_path, 'include = ["./s.toml"]\n'))
    assert "cycle" in err.hint


def test_an_include_may_not_set_scenario_keys(tmp_path):
    path = scenario(tmp_path, 'include = ["./layer.toml"]\n', layer=LAYER + '\n[[factions]]\nid = "green"\n')
    err = error_of(path)
    assert err.source.endswith("layer.toml") and err.key == "factions" and "shared geography" in err.hint


@pytest.mark.parametrize("layer,key,expected", [
    ('[[places]]\nname = "X"\nlon = 36.5\nlat = 33.5\nkind = "town"\n', "places[0]", "source"),
    ('[[places]]\nname = "X"\nlon = 36.5\nlat = 33.5\nkind = "tower"\nsource = "s"\n', "places[0].kind", "one of"),
    ('[[roads]]\nname = "R"\nclass = "road"\nthrough = ["X"]\n', "roads[0].through", "at least 2"),
    ('[[roads]]\nname = "R"\nclass = "road"\nthrough = ["X", "Y"]\n' * 2, "roads[1].name", "unique"),
])
def test_a_bad_layer_entry_is_reported_in_the_layer_file(tmp_path, layer, key, expected):
    err = error_of(scenario(tmp_path, 'include = ["./layer.toml"]\n', layer=layer))
    assert err.source.endswith("layer.toml") and err.key == key and expected in str(err)


def test_omit_of_an_unknown_name_and_a_non_toml_include_are_errors(tmp_path):
    err = error_of(scenario(tmp_path, 'include = [{ file = "./layer.toml", omit = ["Bravoo"] }]\n'))
    assert err.key == "include[0].omit[0]" and "Bravo" in err.hint
    err = error_of(scenario(tmp_path, 'include = ["./layer.json"]\n'))
    assert err.key == "include[0]" and ".toml" in err.expected


def test_the_cli_prints_an_include_error_as_one_paragraph_with_exit_2(tmp_path, capsys):
    path = scenario(tmp_path, 'include = ["./nope.toml"]\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: key 'include[0]'") and "Traceback" not in err and err.count("\n") == 1


# --- the gazetteer ----------------------------------------------------------------------------------------------


def test_names_fold_articles_accents_and_apostrophes():
    assert fold("al-Sukhnah") == fold("As Sukhnah") == fold("Sukhnah") == "sukhnah"
    assert fold("‘Uqayribāt") == fold("Uqayribat") == fold("`Uqayribat")


def test_a_place_without_lon_lat_comes_from_the_gazetteer_with_a_warning(tmp_path):
    path = scenario(tmp_path, 'places = [{ name = "Uqayribat", kind = "town", holder = "red" }]\n')
    with pytest.warns(GazetteerWarning, match=r"GeoNames 162803") as caught:
        sc = load_scenario(path)
    place = sc.place("Uqayribat")
    assert (place.lon, place.lat, place.holder) == (37.46442, 35.0431, "red")
    assert "GeoNames 162803" in sc.resolved["places"][0]["source"] and "CC BY 4.0" in sc.resolved["places"][0]["source"]
    (w,) = [w for w in caught if w.category is GazetteerWarning]
    assert w.filename == str(path) and w.lineno == 1  # located at the line that names the place
    assert "places (Uqayribat)" in str(w.message)


def test_a_point_named_after_no_place_comes_from_the_gazetteer_with_a_warning(tmp_path):
    path = scenario(tmp_path, "", '[[units]]\nname = "u"\nfaction = "red"\nat = "Uqayribat"\nstrength = 100\n')
    with pytest.warns(GazetteerWarning, match=r"units\[0\]\.at.*'Uqayribat'.*GeoNames 162803"):
        sc = load_scenario(path)
    assert (sc.units[0].lon, sc.units[0].lat) == (37.46442, 35.0431)


def test_an_unknown_name_lists_near_matches_from_the_scenario_and_the_gazetteer(tmp_path):
    path = scenario(tmp_path, 'include = ["./layer.toml"]\n',
                    '[[units]]\nname = "u"\nfaction = "red"\nat = "Uqayribbat"\nstrength = 100\n'
                    '\n[[units]]\nname = "v"\nfaction = "red"\nat = "Alphaa"\nstrength = 100\n')
    err = error_of(path)
    assert err.key == "units[0].at" and "nor in the gazetteer" in err.hint
    assert "Near matches in the gazetteer" in err.hint and "GeoNames 162803" in err.hint
    err = error_of(write(path, path.read_text().replace("Uqayribbat", "Alpha")))
    assert err.key == "units[1].at" and err.hint.startswith("Did you mean 'Alpha'?")


def test_an_unknown_place_without_lon_lat_is_an_error(tmp_path):
    err = error_of(scenario(tmp_path, 'places = [{ name = "Nowhere at all", kind = "town" }]\n'))
    assert err.key == "places (Nowhere at all)" and "lon and lat" in err.expected


def test_the_gazetteer_prefers_the_record_inside_the_map_and_covers_northern_iraq():
    gaz = default_gazetteer()
    assert len(gaz.records) > 1000
    for name, country in (("Mosul", "IQ"), ("Tikrit", "IQ"), ("Samarra", "IQ"), ("Baiji", "IQ"),
                          ("Palmyra", "SY"), ("Deir ez-Zor", "SY"), ("Amman", "JO"), ("Baalbek", "LB")):
        match = gaz.lookup(name)
        assert match is not None and match.record.country == country, name
    twins = Gazetteer([Record(1, "Tell Twin", 37.0, 34.0, 5000, "SY", "", "PPL", ("Tell Twin",)),
                       Record(2, "Tall Twin", 43.0, 36.0, 10, "IQ", "", "PPL", ("Tall Twin", "Tell Twin"))])
    assert twins.lookup("Tell Twin").record.geonameid == 1  # its own name, then the larger population
    inside = twins.lookup("Tell Twin", (42.0, 35.0, 44.0, 37.0))  # ... but the one inside the map first
    assert inside.record.geonameid == 2 and [r.geonameid for r in inside.others] == [1]
    assert "1 other record(s)" in inside.describe() and "GeoNames 1)" in inside.describe()


# --- the shipped layers ----------------------------------------------------------------------------------------


def test_every_shipped_layer_place_has_a_position_and_a_source():
    layers = sorted(DATA.glob("*/*.toml"))
    assert {p.name for p in layers} >= {"places.toml", "roads.toml", "terrain.toml", "rivers.toml"}
    for path in layers:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        assert set(raw) <= {"include", "layer", *LAYER_TABLES}, path
        for p in raw.get("places", []):
            assert isinstance(p["lon"], float | int) and isinstance(p["lat"], float | int), p["name"]
            assert p["source"].strip(), p["name"]


def test_badia_2017_uses_the_shared_layers_and_copies_no_geography():
    path = ROOT / "scenarios" / "badia_2017.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw["include"] == ["syria/terrain.toml", "syria/places.toml", "syria/roads.toml"]
    assert "terrain" not in raw and "roads" not in raw
    assert all(set(p) <= {"name", "holder", "value_for"} for p in raw["places"])  # holders only, no positions
    sc = load_quiet(path)
    layer = tomllib.loads((DATA / "syria" / "places.toml").read_text(encoding="utf-8"))["places"]
    assert [p.name for p in sc.places] == [p["name"] for p in layer]
    assert len(sc.roads) == 24 and len(sc.terrain) == 14


def test_the_rivers_layer_loads_into_a_syrian_scenario(tmp_path):
    path = scenario(tmp_path, 'include = ["syria/places.toml", "syria/rivers.toml"]\n')
    sc = load_quiet(write(path, path.read_text().replace("[36.0, 33.0, 39.0, 35.5]", "[35.6, 32.2, 42.45, 37.4]")))
    assert [b.name for b in sc.barriers] and all(len(b.points) >= 5 for b in sc.barriers)


def test_an_included_road_beyond_the_map_is_not_painted_along_its_edge(tmp_path):
    from sim.world.world import build_world

    layer = LAYER + '\n[[roads]]\nname = "Far road"\nclass = "highway"\nthrough = ["Faraway", [41.0, 33.2]]\n'
    path = scenario(tmp_path, 'include = ["./layer.toml"]\n', layer=layer)
    world = build_world(load_quiet(path))
    assert (world.road == 3).sum() == 0  # wholly east of the map: no cell
    edge = np.concatenate([world.road[0], world.road[-1], world.road[:, 0], world.road[:, -1]])
    assert not edge.any()  # R1 and R2 lie inside; nothing runs along the edge


def test_a_changed_layer_is_read_again_by_the_next_load(tmp_path: Path) -> None:
    """Merged includes are kept per process only while every file is unchanged: an edited layer, a removed one."""
    import os

    (tmp_path / "layer.toml").write_text(LAYER, encoding="utf-8")
    scenario = tmp_path / "s.toml"
    scenario.write_text('include = ["./layer.toml"]\n' + HEAD, encoding="utf-8")
    first = load_scenario(scenario)
    again = load_scenario(scenario)
    assert again.sha256 == first.sha256 and [p.lon for p in again.places] == [p.lon for p in first.places]
    layer = tmp_path / "layer.toml"
    layer.write_text(LAYER.replace("lon = 36.5", "lon = 36.75"), encoding="utf-8")
    st = layer.stat()
    os.utime(layer, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # a new mtime even on a coarse clock
    edited = load_scenario(scenario)
    assert edited.sha256 != first.sha256
    assert next(p.lon for p in edited.places if p.name == "Alpha") == 36.75
    layer.unlink()
    with pytest.raises(ScenarioError, match="layer.toml"):
        load_scenario(scenario)
