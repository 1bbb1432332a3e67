"""Air power as rules, and dated events: strikes, reinforcements, zones, relations, doctrine."""

from __future__ import annotations

import numpy as np

import sim

RED_LINE = """
[[places]]
name = "Start"
lon = 36.05
lat = 33.2
kind = "town"
[[places]]
name = "Prize"
lon = 36.9
lat = 33.2
kind = "city"
[[roads]]
name = "Road"
class = "highway"
through = ["Start", "Prize"]
[[zones]]
name = "red_line"
circle = {{ center = "Prize", radius_km = 40 }}
[[factions]]
id = "mover"
supply_sources = ["Start"]
holds = ["Start"]
[factions.doctrine]
zone_respect = {respect}
[[factions]]
id = "holder"
holds = ["Prize"]
[[factions]]
id = "patron"
allies = ["holder"]
[[units]]
name = "Column"
faction = "mover"
at = "Start"
strength = 1500
[[air_power]]
name = "patrol"
actor = "patron"
rule = "zone_denial"
zone = "red_line"
sorties_per_day = {sorties}
damage_per_sortie = 60
[mobility.motorised]
highway = 1.2
[supply]
range_hours = 50
"""


def run_red_line(scenario_file, respect: float, sorties: float, days: int = 8):
    sc = sim.load(scenario_file(RED_LINE.format(respect=respect, sorties=sorties)))
    model = sim.build_model(sc, seed=2)
    model.run_days(days)
    return model


def test_zone_denial_strikes_entrants_and_they_learn_and_pull_out(scenario_file):
    model = run_red_line(scenario_file, respect=0.0, sorties=6)
    strikes = [e for e in model.log if e["kind"] == "air_strike"]
    assert strikes and all(e["faction"] == "patron" for e in strikes)
    column = next(u for u in model.unit_list() if u.name == "Column")
    assert column.strength < 1500
    assert model.zone_belief[model.factions.index["mover"], 0] == 1.0  # learnt the zone is enforced
    assert not model.world.zones["red_line"].flat[column.cell]  # and pulled out of it
    prize = model.world.place_cells[1]
    assert model.owner.flat[prize] == model.factions.index["holder"]


def test_without_enforcement_the_advance_takes_the_prize(scenario_file):
    model = run_red_line(scenario_file, respect=0.0, sorties=0)
    assert not [e for e in model.log if e["kind"] == "air_strike"]
    prize = model.world.place_cells[1]
    assert model.owner.flat[prize] == model.factions.index["mover"]


def test_a_respected_zone_stops_the_advance_without_a_strike(scenario_file):
    model = run_red_line(scenario_file, respect=1.0, sorties=6)
    assert not [e for e in model.log if e["kind"] == "air_strike"]
    column = next(u for u in model.unit_list() if u.name == "Column")
    assert not model.world.zones["red_line"].flat[column.cell]
    assert column.strength == 1500


def test_close_support_multiplies_fire(scenario_file):
    body = """
    [[places]]
    name = "A post"
    lon = 36.48
    lat = 33.2
    kind = "village"
    [[places]]
    name = "B post"
    lon = 36.52
    lat = 33.2
    kind = "village"
    [[factions]]
    id = "a"
    supply_sources = ["A post"]
    holds = ["A post"]
    [[factions]]
    id = "b"
    supply_sources = ["B post"]
    holds = ["B post"]
    [[units]]
    name = "A"
    faction = "a"
    at = "A post"
    strength = 1000
    [[units]]
    name = "B"
    faction = "b"
    at = "B post"
    strength = 1000
    posture = "defend"
    [combat]
    stochastic = false
    posture_defence = {{ defend = 1.0 }}
    [[air_power]]
    name = "cas"
    actor = "a"
    rule = "close_support"
    multiplier = {mult}
    sorties_per_day = 8
    """

    def b_loss(mult: float) -> float:
        model = sim.build_model(sim.load(scenario_file(body.format(mult=mult))))
        model.run_days(1)
        b = next(u for u in model.unit_list() if u.name == "B")
        return 1000 - b.strength

    assert b_loss(2.0) > 1.8 * b_loss(1.0) > 0


def test_dated_events_reinforce_and_change_relations():
    sc = sim.load("oilfield_three_way")
    model = sim.build_model(sc, seed=4)
    model.run_days(14)
    kinds = [e["kind"] for e in model.log]
    assert "reinforce" in kinds and "relation" in kinds and "strike" in kinds
    assert any(u.name == "Crown reserve" for u in model.agents)  or any(
        e["kind"] == "dissolved" and e["detail"] == "Crown reserve" for e in model.log)
    crown, tribes = model.factions.index["crown"], model.factions.index["tribes"]
    assert model.factions.hostile[crown, tribes]  # the falling-out happened
    fell_out = next(e["time"] for e in model.log if e["kind"] == "relation")
    for e in model.log:
        if e["kind"] == "battle" and set(e["faction"].split(" vs ")) == {"crown", "tribes"}:
            assert e["time"] >= fell_out  # allies never fought before


def test_doctrine_event_changes_behaviour(scenario_file):
    body = RED_LINE.format(respect=0.0, sorties=0) + """
[[events]]
date = "2020-01-02"
kind = "doctrine"
faction = "mover"
key = "zone_respect"
value = 1.0
"""
    model = sim.build_model(sim.load(scenario_file(body)), seed=2)
    model.run_days(8)
    prize = model.world.place_cells[1]
    assert model.owner.flat[prize] == model.factions.index["holder"]  # it stopped short of the zone
    assert np.isclose(model.zone_belief[model.factions.index["mover"], 0], 1.0)
