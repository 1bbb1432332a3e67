"""Campaign plans and geography: orders followed in sequence, places a faction avoids, rivers and bridges."""

from __future__ import annotations

import pytest

import sim
from sim.errors import ScenarioError

# Red's column starts in the west. Blue holds two undefended villages: North (worth little) and South
# (worth much, and nearer). Left to itself the column takes South first.
TWO_TARGETS = """
[[places]]
name = "Red base"
lon = 36.05
lat = 33.2
kind = "town"
[[places]]
name = "North"
lon = 36.6
lat = 33.33
kind = "village"
value = 2
[[places]]
name = "South"
lon = 36.45
lat = 33.08
kind = "village"
value = 8
[[places]]
name = "Blue base"
lon = 36.95
lat = 33.2
kind = "town"
[[factions]]
id = "red"
supply_sources = ["Red base"]
holds = ["Red base"]
[factions.doctrine]
territory_value = 0.0
[[factions]]
id = "blue"
supply_sources = ["Blue base"]
holds = ["Blue base", "North", "South"]
[[units]]
name = "Column"
faction = "red"
at = "Red base"
strength = 800
"""


def captures(model) -> dict[str, object]:
    return {e["place"]: e["time"] for e in model.log if e["kind"] == "captured" and e["faction"] == "red"}


def run(scenario_file, body: str, days: int = 10):
    model = sim.build_model(sim.load(scenario_file(body, end=days + 1)))
    model.run_days(days)
    return model


def test_without_orders_the_column_takes_the_best_value_first(scenario_file):
    got = captures(run(scenario_file, TWO_TARGETS))
    assert "South" in got and ("North" not in got or got["South"] < got["North"])


def test_an_order_sequence_is_followed_b_only_after_a_falls(scenario_file):
    orders = """
[[orders]]
name = "North first"
faction = "red"
units = ["Column"]
[[orders.objectives]]
place = "North"
[[orders.objectives]]
place = "South"
after = ["North"]
"""
    model = run(scenario_file, TWO_TARGETS + orders)
    got = captures(model)
    assert got["North"] < got["South"]
    achieved = [e for e in model.log if e["kind"] == "order"]
    assert [e["place"] for e in achieved] == ["North", "South"]


def test_an_objective_waits_for_its_date(scenario_file):
    orders = """
[[orders]]
name = "South from the 6th"
faction = "red"
units = ["Column"]
[[orders.objectives]]
place = "South"
from = 2020-01-06
"""
    model = sim.build_model(sim.load(scenario_file(TWO_TARGETS + orders, end=11)))
    start = model.unit_list()[0].cell
    model.run_days(4)
    column = model.unit_list()[0]
    assert column.cell == start and column.holding  # held where it stood until its date
    model.run_days(6)
    got = captures(model)
    assert got["South"].day >= 6
    assert "North" not in got  # finished orders: the column holds (then = "hold")


def test_then_free_goes_back_to_choosing(scenario_file):
    orders = """
[[orders]]
name = "North, then free"
faction = "red"
units = ["Column"]
then = "free"
[[orders.objectives]]
place = "North"
pause_days = 1
"""
    got = captures(run(scenario_file, TWO_TARGETS + orders, days=12))
    assert got["North"] < got["South"]


def test_a_faction_keeps_away_from_a_place_it_values_negatively(scenario_file):
    body = TWO_TARGETS.replace('value = 8\n', 'value = 8\nvalue_for = { red = -1 }\n')
    model = run(scenario_file, body, days=10)
    got = captures(model)
    assert "South" not in got
    south = model.world.place_cells[2]
    assert model.owner.flat[south] == 1
    assert "North" in got  # it went for the other one instead


@pytest.mark.parametrize("bad, key", [
    ('[[orders]]\nfaction = "red"\nunits = ["Nobody"]\n[[orders.objectives]]\nplace = "North"\n', "units[0]"),
    ('[[orders]]\nfaction = "red"\n[[orders.objectives]]\nplace = "Nowhere"\n', "place"),
    ('[[orders]]\nfaction = "red"\n[[orders.objectives]]\nplace = "North"\nat = [36.5, 33.2]\n', "place"),
    ('[[orders]]\nfaction = "red"\n[[orders.objectives]]\nplace = "North"\nfrom = 2019-12-01\n', "from"),
    ('[[orders]]\nfaction = "red"\n[[orders.objectives]]\nplace = "North"\nafter = ["Nowhere"]\n', "after[0]"),
    ('[[orders]]\nfaction = "blue"\nunits = ["Column"]\n[[orders.objectives]]\nplace = "North"\n', "units[0]"),
    ('[[orders]]\nfaction = "red"\n', "objectives"),
    ('[[places]]\nname = "X"\nlon = 36.5\nlat = 33.2\nkind = "town"\nvalue_for = { green = 1 }\n', "value_for.green"),
    ('[[barriers]]\nname = "R"\nthrough = [[36.5, 33.0], [36.5, 33.4]]\ncombat = 2\n', "barriers[0].combat"),
    ('[[barriers]]\nname = "R"\nthrough = ["Nowhere", [36.5, 33.4]]\n', "barriers[0].through[0]"),
])
def test_bad_orders_are_refused_with_the_key(scenario_file, bad, key):
    with pytest.raises(ScenarioError) as err:
        sim.load(scenario_file(TWO_TARGETS + bad))
    assert key in err.value.key


# Two garrisons face each other across a north-south river, 5.6 km apart (within the 6 km combat range).
RIVER = """
[[places]]
name = "West town"
lon = 36.2
lat = 33.2
kind = "town"
[[places]]
name = "East town"
lon = 36.8
lat = 33.2
kind = "town"
[[factions]]
id = "west"
supply_sources = ["West town"]
holds = ["West town"]
[[factions]]
id = "east"
supply_sources = ["East town"]
holds = ["East town"]
[[units]]
name = "West bank"
faction = "west"
at = [36.47, 33.2]
strength = 500
posture = "defend"
[[units]]
name = "East bank"
faction = "east"
at = [36.53, 33.2]
strength = 500
posture = "defend"
[combat]
stochastic = false
[[barriers]]
name = "River"
through = [[36.5, 32.9], [36.5, 33.5]]
combat = {combat}
"""


def losses(scenario_file, body: str) -> float:
    model = run(scenario_file, body, days=1)
    return sum(u.initial - u.strength for u in model.unit_list())


def test_units_do_not_fight_across_a_river_away_from_a_crossing(scenario_file):
    open_ground = losses(scenario_file, RIVER.split("[[barriers]]")[0])
    assert open_ground > 20
    assert losses(scenario_file, RIVER.replace("{combat}", "0")) == 0
    weakened = losses(scenario_file, RIVER.replace("{combat}", "0.5"))
    assert 0 < weakened < 0.75 * open_ground


def test_a_bridge_where_a_road_crosses_lets_them_fight(scenario_file):
    bridge = '\n[[roads]]\nname = "Bridge road"\nclass = "road"\nthrough = ["West town", "East town"]\n'
    assert losses(scenario_file, RIVER.replace("{combat}", "0") + bridge) > 20


def test_crossing_a_river_costs_time_except_at_a_bridge(scenario_file):
    sc = sim.load(scenario_file(RIVER.replace("{combat}", "0")))
    world = sim.build_model(sc).world
    river = world.cell_index(36.5, 33.3)
    assert world.cell_hours["motorised"].flat[river] >= 24
    bridged = sim.load(scenario_file(RIVER.replace("{combat}", "0") + '\n[[roads]]\nname = "R"\nclass = "road"\n'
                                     'through = ["West town", "East town"]\n'))
    bw = sim.build_model(bridged).world
    assert bw.cell_hours["motorised"].flat[bw.cell_index(36.5, 33.2)] < 1
    assert bw.cell_hours["motorised"].flat[bw.cell_index(36.5, 33.3)] >= 24


def test_points_lines_and_areas_as_objectives(scenario_file):
    orders = """
[[orders]]
name = "Sweep"
faction = "red"
units = ["Column"]
[[orders.objectives]]
label = "the well"
at = [36.3, 33.2]
[[orders.objectives]]
label = "the ridge line"
line = [[36.5, 33.1], [36.5, 33.3]]
pause_days = 1
[[orders.objectives]]
label = "the east"
polygon = [[36.8, 33.1], [37.0, 33.1], [37.0, 33.3], [36.8, 33.3]]
"""
    model = run(scenario_file, TWO_TARGETS + orders, days=10)
    done = [(e["time"], e["place"]) for e in model.log if e["kind"] == "order"]
    assert [t for _, t in done] == ["the well", "the ridge line", "the east"]
    assert (done[2][0] - done[1][0]).days >= 1  # the pause after the line
    east = model.world.cell_index(36.9, 33.2)
    assert model.owner.flat[east] == 0  # the area was cleared
