"""Territory as it is counted: pockets that fall, garrisons and airlifts that hold, front links, measures."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.rules import enclosure, front
from sim.world.localities import area_by_locality_owner, locality_areas, nearest_locality

# Red holds the west (with its source) and an island in the east; blue holds the middle between them.
ISLAND = """
[[places]]
name = "Red base"
lon = 36.05
lat = 33.2
kind = "town"
[[places]]
name = "Blue base"
lon = 36.5
lat = 33.2
kind = "town"
[[places]]
name = "Island town"
lon = 36.85
lat = 33.2
kind = "village"
[[factions]]
id = "red"
supply_sources = [{red_sources}]
hold_areas = [[[36.0, 33.0], [36.2, 33.0], [36.2, 33.4], [36.0, 33.4]],
              [[36.7, 33.0], [37.0, 33.0], [37.0, 33.4], [36.7, 33.4]]]
[factions.doctrine]
pocket_days = 3
[[factions]]
id = "blue"
supply_sources = ["Blue base"]
holds = ["Blue base"]
[supply]
attrition_per_day = 0.5
[combat]
dissolve_below = 50
"""


def island(scenario_file, red_sources='"Red base"', extra=""):
    sc = sim.load(scenario_file(ISLAND.replace("{red_sources}", red_sources) + extra, end=12))
    return sim.build_model(sc)


def island_holder(model) -> str:
    cell = model.world.place_cells[2]
    return model.factions.ids[model.owner.flat[cell]]


def test_a_pocket_without_a_garrison_passes_to_the_encircler_after_the_delay(scenario_file):
    model = island(scenario_file)
    red_start = model.area_km2()[0]
    model.run_days(2)
    assert island_holder(model) == "red"  # cut off for two days: not yet
    model.run_days(1)
    assert island_holder(model) == "blue"  # third day: the pocket collapses to the faction around it
    assert model.area_km2()[0] < 0.6 * red_start
    captured = [e for e in model.log if e["kind"] == "captured" and e["place"] == "Island town"]
    assert captured and "pocket collapsed" in captured[0]["detail"]
    assert captured[0]["time"].day == 3  # during the third day


def test_a_pocket_with_a_garrison_holds_until_the_garrison_is_gone(scenario_file):
    garrison = """
[[units]]
name = "Island garrison"
faction = "red"
at = "Island town"
strength = 400
posture = "hold"
"""
    model = island(scenario_file, extra=garrison)
    gone = None
    for day in range(1, 12):
        model.run_days(1)
        alive = any(u.name == "Island garrison" for u in model.unit_list())
        if alive:
            assert island_holder(model) == "red", f"day {day}: the garrisoned pocket fell"
        elif gone is None:
            gone = day
    assert gone is not None, "the unsupplied garrison should dissolve (50% a day)"
    assert island_holder(model) == "blue"
    fell = next(e["time"] for e in model.log if e["kind"] == "captured" and e["place"] == "Island town")
    dissolved = next(e["time"] for e in model.log if e["kind"] == "dissolved")
    assert (fell - dissolved).days >= 2  # the delay runs from when the pocket lost its garrison


def test_an_enclave_supplied_by_air_holds(scenario_file):
    model = island(scenario_file, red_sources='"Red base", "Island town"')
    model.run_days(10)
    assert island_holder(model) == "red"
    assert not any(e["kind"] == "captured" for e in model.log)


def test_a_faction_without_sources_is_not_cut_off(scenario_file):
    model = island(scenario_file, red_sources="")
    model.run_days(6)
    assert island_holder(model) == "red"


def test_pocket_days_zero_collapses_at_the_first_daily_check(scenario_file):
    body = ISLAND.replace("{red_sources}", '"Red base"').replace("pocket_days = 3", "pocket_days = 0")
    model = sim.build_model(sim.load(scenario_file(body, end=4)))
    model.run_days(1)
    assert island_holder(model) == "blue"


# Blue holds a strip along the south, red the ground north of it. Two red posts: one at the strip's northern
# edge, one inside it at the map's southern edge. The link between them cuts the strip east of it from
# blue's base in the west.
LINKS = """
[[places]]
name = "Blue base"
lon = 36.05
lat = 33.05
kind = "town"
[[places]]
name = "Red base"
lon = 36.5
lat = 33.35
kind = "town"
[[factions]]
id = "red"
supply_sources = ["Red base"]
hold_areas = [[[36.0, 33.16], [37.0, 33.16], [37.0, 33.4], [36.0, 33.4]]]
[[factions]]
id = "blue"
supply_sources = ["Blue base"]
hold_areas = [[[36.0, 33.0], [37.0, 33.0], [37.0, 33.16], [36.0, 33.16]]]
[factions.doctrine]
pocket_days = 1
[[units]]
name = "West post"
faction = "red"
at = [36.3, 33.17]
strength = 300
posture = "hold"
[[units]]
name = "East post"
faction = "red"
at = [36.7, 33.17]
strength = 300
posture = "hold"
[control]
front_link_km = {link}
"""


def test_front_links_cut_off_desert_between_two_prongs(scenario_file):
    cut_scenario = LINKS.replace("{link}", "50").replace('at = [36.7, 33.17]', 'at = [36.7, 33.005]')
    model = sim.build_model(sim.load(scenario_file(cut_scenario, end=4)))
    blue_start = model.area_km2()[1]
    model.run_days(2)
    assert model.area_km2()[1] < blue_start - 500  # the strip east of the link fell to red
    east = model.world.cell_index(36.9, 33.05)
    assert model.owner.flat[east] == 0
    unlinked = sim.build_model(sim.load(scenario_file(cut_scenario.replace("front_link_km = 50",
                                                                           "front_link_km = 0"), end=4)))
    unlinked.run_days(2)
    assert unlinked.owner.flat[east] == 1  # without links the same posts cut nothing


def test_a_link_through_a_hostile_unit_is_broken():
    broken = np.zeros(20 * 20, dtype=bool)
    cells = np.array([5 * 20 + 2, 5 * 20 + 17])
    assert front.link_mask(cells, (20, 20), 2.0, 40.0, broken).sum() >= 16
    broken[5 * 20 + 10] = True
    assert not front.link_mask(cells, (20, 20), 2.0, 40.0, broken).any()
    assert not front.link_mask(cells, (20, 20), 2.0, 20.0, np.zeros(400, dtype=bool)).any()  # 30 km apart


def test_links_are_four_connected():
    mask = front.link_mask(np.array([0, 19 * 20 + 19]), (20, 20), 1.0, 100.0, np.zeros(400, dtype=bool))
    grid = mask.reshape(20, 20)
    # A diagonal link: every step of the chain shares an edge, so no 8-neighbour move slips through.
    ground = ~grid
    lower = np.tril(np.ones((20, 20), dtype=bool), k=-2) & ground
    upper = np.triu(np.ones((20, 20), dtype=bool), k=2) & ground
    labels = enclosure.anchored(ground, np.array([np.flatnonzero(lower.ravel())[0]]))
    assert labels[lower].all() and not labels[upper].any()


def test_front_length_of_a_straight_front_matches_its_length():
    owner = np.zeros((30, 40), dtype=np.int8)
    owner[:, 20:] = 1
    hostile = np.array([[False, True], [True, False]])
    km = front.front_length_km(owner, np.ones_like(owner, dtype=bool), hostile, 2.0)
    # 30 edges x 2 km x pi/4: the Crofton estimate of a 60 km line is unbiased over orientations; along
    # the grid it reads pi/4 of the length.
    assert km == pytest.approx([30 * 2 * np.pi / 4] * 2)
    allied = np.zeros((2, 2), dtype=bool)
    assert front.front_length_km(owner, np.ones_like(owner, dtype=bool), allied, 2.0).sum() == 0


def test_front_length_is_unbiased_for_a_circle():
    yy, xx = np.mgrid[0:200, 0:200]
    owner = ((yy - 100) ** 2 + (xx - 100) ** 2 <= 60 ** 2).astype(np.int8)
    hostile = np.array([[False, True], [True, False]])
    km = front.front_length_km(owner, np.ones_like(owner, dtype=bool), hostile, 1.0)
    assert km[1] == pytest.approx(2 * np.pi * 60, rel=0.03)


def test_locality_areas_cover_the_region_and_follow_the_holders():
    region = np.ones((10, 10), dtype=bool)
    region[:, 9] = False
    cells = np.array([0, 9 * 10 + 8])  # two localities in opposite corners
    nearest = nearest_locality((10, 10), cells, region)
    areas = locality_areas(nearest, 2, 4.0)
    assert areas.sum() == pytest.approx(region.sum() * 4.0)
    assert (nearest[~region] == -1).all()
    assert areas[0] == pytest.approx(areas[1], rel=0.25)
    km = area_by_locality_owner(np.array([1, -1]), areas, 2)
    assert km.tolist() == [0.0, areas[0]]
