"""Caches that make the runs of a batch cheaper (kept on a reused world) never change what a run gives."""

from __future__ import annotations

import numpy as np

import sim
from sim.model import ConflictModel
from sim.world.world import build_world


def test_a_reused_world_gives_each_scenario_its_own_starting_grid():
    """The starting grid is cached per world: a scenario holding different places must not get the first's."""
    first = sim.load("corridor")
    second = sim.load("corridor", {"factions.west.holds": ["Westport", "Midway junction"],
                                   "factions.east.holds": ["Eastford", "Ridge village", "Salt mine"]})
    world = build_world(first)
    a = ConflictModel(first, seed=1, world=world)
    b = ConflictModel(second, seed=1, world=world)
    fresh = ConflictModel(second, seed=1)
    assert np.array_equal(b.owner, fresh.owner)
    assert not np.array_equal(a.owner, b.owner)
    a.owner[:] = -1  # a run changes its grid: the cached start must not change with it
    assert np.array_equal(ConflictModel(first, seed=1, world=world).start_owner, ConflictModel(first, seed=1).owner)


def test_runs_on_a_reused_world_equal_runs_on_fresh_worlds_across_supply_ranges():
    """Supply areas of every range are read off one cached search: same curves as a world built per run."""
    world = None
    for hours in (4.0, 9.0, 6.5):
        spec = sim.load("corridor", {"supply.range_hours": hours})
        world = world or build_world(spec)
        shared = sim.run(spec, seed=3, days=6, world=world)
        fresh = sim.run(spec, seed=3, days=6)
        assert shared.curves.equals(fresh.curves)
