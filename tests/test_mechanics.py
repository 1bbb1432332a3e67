"""Mechanics on small maps: roads, supply pockets, alliances, control and area accounting."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.rules.control import UNOWNED

TWO_LANES = """
[[places]]
name = "Road start"
lon = 36.05
lat = 33.38
kind = "village"
[[places]]
name = "Road end"
lon = 36.95
lat = 33.38
kind = "town"
[[places]]
name = "Desert start"
lon = 36.05
lat = 33.02
kind = "village"
[[places]]
name = "Desert end"
lon = 36.95
lat = 33.02
kind = "town"
[[roads]]
name = "Highway"
class = "highway"
through = ["Road start", "Road end"]
[[factions]]
id = "mover"
supply_sources = ["Road start", "Desert start"]
holds = ["Road start", "Desert start"]
[factions.doctrine]
territory_value = 0.0
[[factions]]
id = "target"
holds = ["Road end", "Desert end"]
[[units]]
name = "On the road"
faction = "mover"
at = "Road start"
strength = 500
[[units]]
name = "In the desert"
faction = "mover"
at = "Desert start"
strength = 500
"""


def test_a_unit_on_a_road_outruns_one_in_open_desert(scenario_file):
    sc = sim.load(scenario_file(TWO_LANES, end=3))
    model = sim.build_model(sc)
    starts = {u.name: u.cell for u in model.unit_list()}
    model.step()
    model.step()  # half a day: neither unit can reach its objective (83 km away)
    moved = {u.name: model.distance_km(starts[u.name], u.cell) for u in model.unit_list()}
    # Same unit, same distance to its objective: the highway (4.5 km/h) carries it three times as far
    # as open desert (1.5 km/h); the road is 40 km away from the desert unit, too far to be worth it.
    assert moved["On the road"] > 2.5 * moved["In the desert"] > 0
    road_unit = next(u for u in model.unit_list() if u.name == "On the road")
    assert model.world.road.flat[road_unit.cell] > 0  # it stayed on the road


POCKET = """
[[places]]
name = "Base"
lon = 36.05
lat = 33.2
kind = "town"
[[places]]
name = "Pocket"
lon = 36.95
lat = 33.2
kind = "town"
[[places]]
name = "Cut point"
lon = 36.5
lat = 33.2
kind = "junction"
[[roads]]
name = "Lifeline"
class = "road"
through = ["Base", "Cut point", "Pocket"]
[[factions]]
id = "blue"
supply_sources = ["Base"]
holds = ["Base", "Pocket"]
hold_areas = [[[36.0, 33.15], [37.0, 33.15], [37.0, 33.25], [36.0, 33.25]]]
[[factions]]
id = "red"
holds = ["Cut point"]
[[units]]
name = "Pocket garrison"
faction = "blue"
at = "Pocket"
strength = 1000
posture = "hold"
[control]
fill_initial = false
[supply]
range_hours = 200
attrition_per_day = 0.05
"""


@pytest.mark.parametrize("cutter_strength, expect_cut", [(2000, True), (None, False)])
def test_cutting_the_road_isolates_and_wears_down_the_pocket(scenario_file, cutter_strength, expect_cut):
    body = POCKET
    if cutter_strength:
        body += f'[[units]]\nname = "Cutter"\nfaction = "red"\nat = "Cut point"\nstrength = {cutter_strength}\nposture = "hold"\n'
    sc = sim.load(scenario_file(body))
    model = sim.build_model(sc)
    model.run_days(10)
    garrison = next(u for u in model.unit_list() if u.name == "Pocket garrison")
    if expect_cut:
        assert not garrison.in_supply
        assert garrison.strength < 1000 * 0.95 ** 8  # at least 8 days of attrition
        cut = model.world.cell_index(36.5, 33.2)
        assert model.owner.flat[cut] == model.factions.index["red"]
    else:
        assert garrison.in_supply and garrison.strength == pytest.approx(1000)


ALLIES = """
[[places]]
name = "Camp"
lon = 36.5
lat = 33.2
kind = "base"
[[places]]
name = "Enemy town"
lon = 36.9
lat = 33.3
kind = "town"
[[factions]]
id = "blue"
allies = ["green"]
supply_sources = ["Camp"]
holds = ["Camp"]
[[factions]]
id = "green"
supply_sources = ["Camp"]
[[factions]]
id = "red"
holds = ["Enemy town"]
[[units]]
name = "Blue 1"
faction = "blue"
at = "Camp"
strength = 800
[[units]]
name = "Green 1"
faction = "green"
at = [36.51, 33.2]
strength = 800
[[units]]
name = "Red 1"
faction = "red"
at = "Enemy town"
strength = 300
posture = "defend"
"""


def test_allies_never_fight_each_other(scenario_file):
    sc = sim.load(scenario_file(ALLIES))
    model = sim.build_model(sc, seed=5)
    model.run_days(10)
    battles = [e for e in model.log if e["kind"] == "battle"]
    assert battles, "the allies should have fought the common enemy"
    for e in battles:
        sides = set(e["faction"].split(" vs "))
        assert sides != {"blue", "green"}
        assert "red" in sides
    # No cell moves between allies: whatever green held on a day, blue never took from it the next.
    green, blue = model.factions.index["green"], model.factions.index["blue"]
    for before, after in zip(model.snapshots, model.snapshots[1:], strict=False):
        assert not ((before == green) & (after == blue)).any()
        assert not ((before == blue) & (after == green)).any()


@pytest.mark.parametrize("name", ["corridor", "oilfield_three_way"])
def test_areas_add_up_to_the_region_every_day(name):
    sc = sim.load(name)
    model = sim.build_model(sc)
    model.run_days(6)
    curves = model.curves()
    region = model.world.region_area_km2
    for day, snap in enumerate(model.snapshots):
        held = sum(r["area_km2"] for r in curves if r["day"] == day)
        unowned = np.count_nonzero((snap == UNOWNED) & model.world.region) * model.world.grid.cell_area_km2
        assert held + unowned == pytest.approx(region)
        assert (snap[~model.world.region] == UNOWNED).all()
        assert snap.min() >= UNOWNED and snap.max() < len(model.factions)


def test_far_desert_keeps_its_owner_until_someone_comes():
    sc = sim.load("corridor")
    model = sim.build_model(sc)
    model.run_days(3)
    changed_any = False
    for _ in range(8):
        before = model.owner.copy()
        model.step()
        reach = model.zone_of_control().sum(axis=0) > 0  # zones of control this step
        changed = before != model.owner
        changed_any |= changed.any()
        assert not (changed & ~reach).any(), "a cell changed hands where no unit came"
    assert changed_any
    far = model.world.cell_index(36.0, 33.6)
    assert model.snapshots[-1].flat[far] == model.snapshots[0].flat[far]


def test_towns_change_hands_only_with_presence(scenario_file):
    sc = sim.load("corridor")
    model = sim.build_model(sc)
    model.run_days(14)
    for e in (e for e in model.log if e["kind"] == "captured"):
        assert e["place"] in {p.name for p in sc.places}
    captured = {e["place"] for e in model.log if e["kind"] == "captured"}
    assert "Eastford" in captured  # taken only after its garrison dissolved
    dissolved_at = min(e["time"] for e in model.log if e["kind"] == "dissolved" and e["detail"] == "East garrison")
    taken_at = min(e["time"] for e in model.log if e["kind"] == "captured" and e["place"] == "Eastford")
    assert taken_at >= dissolved_at
