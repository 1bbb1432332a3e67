"""Validation refuses what cannot run: non-finite numbers, absurd magnitudes, grids beyond the cell limit, empty
regions, runs beyond the day limit, claims and region paths that are not the expected kind of file. Every one
is an exit-2 paragraph naming the key, never a traceback, an overflow or a hang; long values are shortened."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.errors import FOUND_MAX_CHARS, ScenarioError, UsageError, shorten_value
from sim.formats import experiment as fx
from sim.formats import scenario as fs
from sim.formats.errors import validate
from sim.io.claims import read_claims
from sim.limits import MAX_CELLS, MAX_DAYS, MAX_RADIUS_CELLS, check_days, grid_shape
from sim.model import ConflictModel
from sim.scenario import load_scenario, parse_scenario
from sim.world.world import build_world
from tests.test_scenario_errors import FACTIONS, cli_in_process, error_of

UNIT = '\n[[units]]\nname = "u"\nfaction = "blue"\nat = "Town"\nstrength = {}\n'
SECRET = "root:x:0:0:secret-first-line"  # a file's contents that no message may quote


def raw_scenario(**sections: dict) -> dict:
    """A small valid scenario table (two factions, a town, a unit), with sections replaced or added."""
    raw = {"scenario": {"name": "t", "start": "2020-01-01", "end": "2020-01-03"},
           "map": {"bbox": [36.0, 33.0, 37.0, 33.4], "cell_km": 2.0},
           "places": [{"name": "Town", "lon": 36.5, "lat": 33.2, "kind": "town"}],
           "factions": [{"id": "blue", "holds": ["Town"]}, {"id": "red"}],
           "units": [{"name": "u", "faction": "blue", "at": "Town", "strength": 1000}]}
    raw.update(sections)
    return raw


# --- non-finite numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("body, key", [
    (FACTIONS + UNIT.format("inf"), "units[0].strength"),
    (FACTIONS + UNIT.format("nan"), "units[0].strength"),
    (FACTIONS + "\n[control]\nzoc_km = inf\n", "control.zoc_km"),
    (FACTIONS + "\n[combat]\naimed_rate = -inf\n", "combat.aimed_rate"),
    (FACTIONS.replace('kind = "town"', 'kind = "town"\nvalue_for = {red = -inf}'), "places[0].value_for.red"),
    (FACTIONS + '\n[[factions]]\nid = "green"\n[factions.doctrine]\ncaution = nan\n', "factions[2].doctrine.caution"),
])
def test_non_finite_numbers_are_refused_in_files(scenario_file, body, key):
    err = error_of(scenario_file(body))
    assert err.key == key and err.expected == "a finite number"


def test_non_finite_bbox_is_refused(scenario_file):
    path = scenario_file(FACTIONS)
    path.write_text(path.read_text().replace("bbox = [36.0, 33.0, 37.0, 33.4]", "bbox = [36.0, 33.0, inf, 33.4]"))
    err = error_of(path)
    assert err.key == "map.bbox[2]" and "finite" in err.expected


@pytest.mark.parametrize("setting", ["control.zoc_km=inf", "control.zoc_km=nan", "units.0.strength=inf",
                                     "combat.substep_hours=1e-300", "factions.west.doctrine.aggression=-inf"])
def test_non_finite_or_absurd_override_exits_2(capsys, tmp_path, setting):
    code, err = cli_in_process(capsys, "run", "corridor", "--days", "1", "--set", setting, "--out",
                               str(tmp_path / "out"))
    assert code == 2, err
    assert "Traceback" not in err and err.count("\n") == 1
    assert setting.split("=")[0].split(".")[-1] in err
    assert not (tmp_path / "out").exists()


NUMERIC_KEYS = [("control", k) for k in fs.Control.model_fields if k != "fill_initial"] + \
               [("combat", k) for k in ("range_km", "aimed_rate", "dispersed_rate", "dissolve_below", "substep_hours")] + \
               [("supply", k) for k in ("range_hours", "attrition_per_day", "replenish_per_day")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(NUMERIC_KEYS),
       value=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2**63, 2**63 - 1)))
def test_any_number_either_validates_finite_and_bounded_or_names_the_key(where, value):
    section, key = where
    try:
        sc = parse_scenario(raw_scenario(**{section: {key: value}}), "fuzz.toml", Path("."))
    except ScenarioError as err:
        assert err.key == f"{section}.{key}"
        assert len(str(err)) < 400
        return
    got = getattr(getattr(sc, section), key)
    assert math.isfinite(got)
    field = getattr(fs, section.capitalize()).model_fields[key]
    bounds = {type(m).__name__: m for m in field.metadata}
    if "Le" in bounds:
        assert got <= bounds["Le"].le


@settings(max_examples=100, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_any_strength_is_bounded_or_refused(strength):
    try:
        sc = parse_scenario(raw_scenario(units=[{"name": "u", "faction": "blue", "at": "Town", "strength": strength}]),
                            "fuzz.toml", Path("."))
    except ScenarioError as err:
        assert err.key == "units[0].strength"
        return
    assert 0 < sc.units[0].strength <= fs.MAX_STRENGTH


# --- magnitudes ---------------------------------------------------------------------------------------------


def test_absurd_strength_is_refused_with_the_bound(scenario_file):
    err = error_of(scenario_file(FACTIONS + UNIT.format("1e308")))
    assert err.key == "units[0].strength" and "<= 1,000,000" in err.expected


def test_the_largest_allowed_values_run_without_overflow():
    """Strength, its scale, firepower, the fire rates and air support at their upper bounds at once: the products
    the rules form stay finite (no overflow warning, no Poisson 'lam value too large')."""
    sc = sim.load("corridor", {"units.0.strength": fs.MAX_STRENGTH, "units.1.strength": fs.MAX_STRENGTH,
                               "units.0.firepower": fs.MAX_SCALE, "factions.west.doctrine.strength_scale": fs.MAX_SCALE,
                               "factions.east.doctrine.strength_scale": fs.MAX_SCALE, "combat.aimed_rate": 10,
                               "combat.dispersed_rate": 1, "combat.stochastic": True})
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        run = sim.run(sc, days=1)
    numbers = run.curves.select_dtypes("number").to_numpy()
    assert np.isfinite(numbers).all()


# --- grids --------------------------------------------------------------------------------------------------


def test_a_grid_beyond_the_cell_limit_is_refused_with_its_size_and_memory(scenario_file):
    err = error_of(scenario_file(FACTIONS), {"map.cell_km": 0.051, "map.bbox": [35.0, 32.0, 38.0, 34.0]})
    height, width = grid_shape((35.0, 32.0, 38.0, 34.0), 0.051)
    assert height * width > MAX_CELLS
    assert err.key == "map.cell_km" and f"{MAX_CELLS:,}" in err.expected
    assert f"{height * width:,} cells" in str(err) and "of memory" in str(err)


def test_the_1km_badia_grid_is_within_the_limit():
    sc = sim.load("badia_2017", {"map.cell_km": 1.0})
    height, width = grid_shape(sc.map.bbox, 1.0)
    assert height * width < MAX_CELLS


def test_build_world_refuses_a_cell_size_override_beyond_the_limit():
    sc = sim.load("corridor")
    with pytest.raises(UsageError, match="cells"):
        build_world(sc, cell_km=0.051)


def test_a_zone_of_control_of_too_many_cells_is_refused(scenario_file):
    err = error_of(scenario_file(FACTIONS), {"map.cell_km": 1.0, "control.zoc_km": MAX_RADIUS_CELLS + 1})
    assert err.key == "control.zoc_km" and f"{MAX_RADIUS_CELLS} cells" in err.expected


# --- empty regions ------------------------------------------------------------------------------------------


def test_a_bbox_of_the_whole_world_is_refused(scenario_file):
    path = scenario_file('[[factions]]\nid = "blue"\n')
    path.write_text(path.read_text().replace("bbox = [36.0, 33.0, 37.0, 33.4]", "bbox = [-180, -85, 180, 85]")
                    .replace("cell_km = 2.0", "cell_km = 100"))
    with pytest.raises(ScenarioError) as info:
        build_world(load_scenario(path))
    assert info.value.key == "map.bbox" and "at least one cell" in info.value.expected
    path.write_text(path.read_text().replace("cell_km = 100", "cell_km = 2"))  # at 2 km it is too many cells
    assert error_of(path).key == "map.cell_km"


def test_a_region_outside_the_bbox_is_refused(scenario_file, capsys):
    path = with_region(scenario_file, "far.geojson")
    (path.parent / "far.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "r"}, '
        '"geometry": {"type": "Polygon", "coordinates": [[[10, 10], [11, 10], [11, 11], [10, 10]]]}}]}')
    code, err = cli_in_process(capsys, "validate", str(path))
    assert code == 2 and "map.region" in err and "at least one cell" in err and "Traceback" not in err


lons = st.floats(-180, 180)
lats = st.floats(-85, 85)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lon=st.tuples(lons, lons), lat=st.tuples(lats, lats), cell_km=st.sampled_from([25.0, 100.0, 400.0]))
def test_any_bbox_builds_a_world_with_a_region_or_is_refused(tmp_path_factory, lon, lat, cell_km):
    bbox = [min(lon), min(lat), max(lon), max(lat)]
    raw = raw_scenario(map={"bbox": bbox, "cell_km": cell_km}, places=[], units=[],
                       factions=[{"id": "blue"}, {"id": "red"}])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            world = build_world(parse_scenario(raw, "fuzz.toml", Path(".")))
    except ScenarioError as err:
        assert err.key.startswith("map.") and len(str(err)) < 600
        return
    assert world.region.any() and world.grid.height * world.grid.width <= MAX_CELLS


# --- days ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, MAX_DAYS + 1, 100_000, 1.5, "3", True])
def test_days_beyond_the_bound_or_not_whole_are_a_usage_error(days):
    sc = sim.load("corridor")
    with pytest.raises(UsageError) as info:
        sim.run(sc, days=days)
    assert info.value.key == "days" and str(MAX_DAYS) in info.value.expected
    with pytest.raises(UsageError):
        ConflictModel(sc, days=days)


def test_check_days_accepts_the_bounds():
    assert check_days(1) == 1 and check_days(np.int64(MAX_DAYS)) == MAX_DAYS


def test_a_scenario_window_beyond_the_bound_is_refused(scenario_file):
    path = scenario_file(FACTIONS)
    path.write_text(path.read_text().replace('end = "2020-01-11"', 'end = "2030-01-11"'))
    err = error_of(path)
    assert err.key == "scenario.end" and f"{MAX_DAYS} days" in err.expected


def test_an_experiment_beyond_the_day_bound_is_refused():
    with pytest.raises(ScenarioError) as info:
        validate(fx.ExperimentFile, {"experiment": {"seed": 1, "days": MAX_DAYS + 1}}, "e.toml")
    assert info.value.key == "experiment.days"


# --- claims and region files --------------------------------------------------------------------------------


def with_claims(scenario_file, claims: str) -> Path:
    path = scenario_file(FACTIONS)
    path.write_text(path.read_text().replace("seed = 1\n", f'seed = 1\nclaims = "{claims}"\n'))
    return path


def write_binary(path: Path) -> Path:
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" + bytes(range(256)))
    return path


@pytest.mark.parametrize("make, hint", [
    (lambda d: Path("/etc/passwd") if Path("/etc/passwd").is_file() else (d / "passwd").write_text(SECRET) and d / "passwd",
     ".csv"),
    (lambda d: (d / "claims.csv").mkdir() or d / "claims.csv", "directory"),
    (lambda d: write_binary(d / "claims.csv"), "UTF-8"),
    (lambda d: (d / "claims.csv").write_text(SECRET + ",date\n1,2\n") and d / "claims.csv", "missing"),
])
def test_a_claims_path_that_is_not_a_claims_csv_is_refused_without_quoting_it(scenario_file, tmp_path, capsys,
                                                                               make, hint):
    target = make(tmp_path)
    path = with_claims(scenario_file, str(target))
    err = error_of(path)
    assert err.key == "scenario.claims" and "claims CSV" in err.expected and hint in str(err)
    assert "root:" not in str(err) and "secret" not in str(err)
    code, out = cli_in_process(capsys, "validate", str(path))
    assert code == 2 and "root:" not in out and "Traceback" not in out


def test_read_claims_refuses_binary_files_and_directories_without_quoting_them(tmp_path):
    for target, hint in ((write_binary(tmp_path / "b.csv"), "UTF-8"), (tmp_path, "directory")):
        with pytest.raises(ScenarioError, match=hint) as info:
            read_claims(target)
        assert "\\x89" not in str(info.value)
    (tmp_path / "h.csv").write_text(SECRET + "\n")
    with pytest.raises(ScenarioError) as info:
        read_claims(tmp_path / "h.csv")
    assert "secret" not in str(info.value) and "Missing: date" in str(info.value)


def with_region(scenario_file, file: str) -> Path:
    path = scenario_file(FACTIONS)
    path.write_text(path.read_text().replace("cell_km = 2.0\n", f'cell_km = 2.0\n[map.region]\nfile = "{file}"\n'
                                                                 'feature = "r"\n'))
    return path


@pytest.mark.parametrize("make, hint", [
    (lambda d: (d / "r.geojson").mkdir() or "r.geojson", "directory"),
    (lambda d: write_binary(d / "r.geojson") and "r.geojson", "UTF-8"),
    (lambda d: (d / "r.geojson").write_text(SECRET) and "r.geojson", "not JSON"),
    (lambda d: (d / "r.geojson").write_text('{"secret": [1, 2]}') and "r.geojson", "features"),
    (lambda d: "missing.geojson", "does not exist"),
])
def test_a_region_path_that_is_not_geojson_is_refused_without_quoting_it(scenario_file, tmp_path, capsys, make, hint):
    path = with_region(scenario_file, make(tmp_path))
    err = error_of(path)
    assert err.key == "map.region.file" and "GeoJSON" in err.expected and hint in str(err)
    assert "secret" not in str(err)
    code, out = cli_in_process(capsys, "validate", str(path))
    assert code == 2 and "Traceback" not in out


# --- long values --------------------------------------------------------------------------------------------


def test_long_found_values_are_shortened():
    err = ScenarioError("f.toml", "k", "a short value", "x" * 10_000)
    assert len(str(err)) < 200 and str(err).endswith("…")
    assert len(shorten_value("y" * 500)) == FOUND_MAX_CHARS
    assert shorten_value("short") == "'short'"


def test_a_long_value_in_a_file_gives_a_short_message(scenario_file):
    err = error_of(scenario_file(FACTIONS + UNIT.format('"' + "many " * 2000 + '"')))
    assert err.key == "units[0].strength" and len(str(err)) < 300
