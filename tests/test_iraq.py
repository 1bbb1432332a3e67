"""The second theatre: northern Iraq, June 2014. It loads by name, its geography and claims are sound, a
short run works from the CLI, and the default run makes the offensive's shape and scores its claims."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import sim
from sim import catalog
from sim.compare import compare_captures, compare_claims, first_captures
from sim.io.claims import CLAIM_COLUMNS, area_claims, capture_claims, read_claims
from sim.rules.control import initial_owner
from sim.scenario.includes import expand_includes
from sim.scenario.loader import parse_scenario, read_toml
from sim.world.world import build_world

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
CUTOFF = "2014-06-13"  # claims dated up to this day calibrate the defaults; the later ones validate


@pytest.fixture(scope="module")
def scenario():
    return sim.load("iraq_2014")


@pytest.fixture(scope="module")
def world(scenario):
    return build_world(scenario)


@pytest.fixture(scope="module")
def claims(scenario):
    return read_claims(scenario.meta.claims)


@pytest.fixture(scope="module")
def default_run(scenario):
    return sim.run(scenario)  # 5 to 30 June 2014, the scenario's seed: about 3 s on 4 km cells


def taken(run, faction: str) -> dict[str, str]:
    ev = run.events
    rows = ev[(ev["kind"] == "captured") & (ev["faction"] == faction)]
    return dict(rows.groupby("place")["time"].min())


def test_runs_by_name_and_validates():
    assert catalog.resolve("iraq_2014").name == "iraq_2014.toml"
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", "iraq_2014"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "iraq_2014: ok" in proc.stdout and "3 factions" in proc.stdout


def test_iraq_rasterises_to_its_outline(scenario, world):
    outline = world.grid.project_geometry(scenario.map.region).area
    assert world.region_area_km2 == pytest.approx(outline, rel=0.01)
    assert 430_000 < world.region_area_km2 < 445_000  # Iraq: 438,317 km²


def test_places_lie_in_iraq_and_estimates_are_marked(scenario, world):
    inside = world.region.ravel()[world.place_cells]
    assert all(inside), [p.name for p, ok in zip(scenario.places, inside, strict=True) if not ok]
    assert scenario.place("Sulaiman Bek").estimated and scenario.place("Baiji refinery").estimated
    assert not scenario.place("Mosul").estimated
    mosul, baghdad = scenario.place("Mosul"), scenario.place("Baghdad")
    assert mosul.lat > baghdad.lat + 2.5 and abs(mosul.lon - baghdad.lon) < 1.5  # no lat/lon swap


def test_rivers_are_barriers(scenario, world):
    assert {b.name for b in scenario.barriers} == {"Tigris", "Euphrates"}
    river_cells = int((world.barrier_combat < 1).sum())
    assert river_cells * world.grid.cell_km > 1_000  # Tigris from Turkey to Kut, Euphrates from Syria to Musayyib
    assert all(b.bridges_at_roads for b in scenario.barriers)  # Mosul, Baiji, Tikrit, Samarra, Baghdad...


def test_claims_parse_and_split_into_calibration_and_validation(scenario, claims):
    assert set(CLAIM_COLUMNS) <= set(claims.columns)
    assert claims["quote"].str.len().min() > 20 and claims["source"].str.len().min() > 10
    areas, caps = area_claims(claims), capture_claims(claims)
    assert (areas["low"] <= areas["value"]).all() and (areas["value"] <= areas["high"]).all()
    names = {p.name for p in scenario.places}
    assert set(caps["place"]) <= names
    assert set(claims["faction"]) <= {f.id for f in scenario.factions}
    calibration, validation = claims[claims["date"] <= CUTOFF], claims[claims["date"] > CUTOFF]
    assert len(calibration) >= 6 and len(validation) >= 6
    assert set(calibration["measure"]) >= {"captured", "held_km2"} and "gained_km2" in set(validation["measure"])


def test_a_short_run_from_the_cli_prints_the_claims(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sim", "run", "iraq_2014", "--days", "3", "--out",
                           str(tmp_path / "run")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Islamic State of Iraq and the Levant" in proc.stdout
    assert "19 more claim(s) are dated after 2014-06-08" in proc.stdout  # read, and set aside for a longer run
    assert (tmp_path / "run" / "curves.csv").is_file()


def test_the_offensive_has_its_reported_shape(default_run):
    isis, krg = taken(default_run, "isis"), taken(default_run, "krg")
    assert isis["Mosul"][:10] <= "2014-06-10"
    assert isis["Mosul"] < isis["Tikrit"] < "2014-06-14"  # down the Tigris after Mosul falls
    assert krg["Kirkuk"][:10] <= "2014-06-12" and "Kirkuk" not in isis  # the Peshmerga fill the vacuum
    assert {"Samarra", "Baghdad", "Haditha"}.isdisjoint(isis)  # the approaches, not the cities
    ev = default_run.events
    clash = ev["faction"].str.contains("government") & ev["faction"].str.contains("krg")
    assert ((ev["kind"] == "battle") & clash).sum() <= 2  # they never fought: at most a brush as the army leaves


def test_claims_are_scored(default_run, claims):
    table = compare_claims(default_run.curves, claims, default_run.region_km2)
    isis_area = table[(table["faction"] == "isis") & (table["date"] == "2014-06-11")].iloc[0]
    assert isis_area["in_range"]  # Reuters: 10-15% of Iraq outside Kurdistan, a calibration claim
    caps = compare_captures(first_captures(default_run.events), claims, "2014-06-30").set_index("place")
    assert caps.loc["Mosul", "status"] == "in range"
    assert caps.loc["Sinjar", "status"] == "not yet"  # the August offensive lies after the window
    assert caps["days_off"].notna().sum() >= 10


# --- built from the shared layers and a drawn front (issue 14, item 5) ----------------------------------------


def test_geography_comes_from_the_iraq_layers(scenario):
    raw = tomllib.loads((SCENARIOS / "iraq_2014.toml").read_text(encoding="utf-8"))
    layers = ["iraq/terrain.toml", "iraq/rivers.toml", "iraq/places.toml", "iraq/roads.toml"]
    assert raw["include"] == layers
    assert {"terrain", "roads", "barriers"}.isdisjoint(raw)  # no geometry copied into the scenario
    assert all(set(p) == {"name", "holder"} for p in raw["places"])  # holders only
    layer = tomllib.loads((SCENARIOS / "data" / "iraq" / "places.toml").read_text(encoding="utf-8"))["places"]
    assert [p.name for p in scenario.places] == [p["name"] for p in layer]  # the layer's order is kept
    assert all(p["source"].strip() for p in layer) and scenario.place("Mosul").holder == "government"
    assert (len(scenario.terrain), len(scenario.roads), len(scenario.barriers)) == (18, 25, 2)


def test_the_front_is_a_geojson_file_over_a_rest_faction(scenario, world):
    raw = tomllib.loads((SCENARIOS / "iraq_2014.toml").read_text(encoding="utf-8"))
    front = json.loads((SCENARIOS / "data" / "iraq" / "front-2014-06-05.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["faction"] for f in front["features"]] == ["krg", "isis"]  # ISIS painted last
    assert [f.id for f in scenario.factions if f.rest] == ["government"]
    assert all(not f["hold_areas"] for f in raw["factions"] if "hold_areas" in f)
    owner = initial_owner(scenario, world, {f.id: i for i, f in enumerate(scenario.factions)})
    assert (owner[world.region] >= 0).all()  # rest leaves nothing unowned


def test_the_drawn_front_gives_the_same_start_as_the_polygons_it_replaced(scenario, world):
    """The GeoJSON areas and `rest` rasterise to exactly the cells of the TOML polygons and the whole-box polygon
    the scenario used before, so the runs did not change."""
    path = SCENARIOS / "iraq_2014.toml"
    raw, _ = expand_includes(read_toml(path), path, str(path))
    front = json.loads((SCENARIOS / "data" / "iraq" / "front-2014-06-05.geojson").read_text(encoding="utf-8"))
    areas = {f["properties"]["faction"]: [p for p in f["geometry"]["coordinates"][0][:-1]] for f in front["features"]}
    del raw["control"]["hold_areas"]
    lon0, lat0, lon1, lat1 = raw["map"]["bbox"]
    for f in raw["factions"]:
        f.pop("rest", None)
        f["hold_areas"] = ([[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1]]] if f["id"] == "government"
                           else [areas[f["id"]]])
    old = parse_scenario(raw, str(path), path.parent)
    index = {f.id: i for i, f in enumerate(scenario.factions)}
    before = initial_owner(old, build_world(old), index)
    after = initial_owner(scenario, world, index)
    assert np.array_equal(before, after)
    assert (after == index["isis"]).sum() * world.grid.cell_km ** 2 == pytest.approx(41_584)  # docs/iraq-2014.md
