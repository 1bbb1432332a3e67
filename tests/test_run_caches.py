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
    for hours in (4.0, 9.0, 6.5, 9.0):  # the last reuses the networks cached on the world by the second
        spec = sim.load("corridor", {"supply.range_hours": hours})
        world = world or build_world(spec)
        shared = sim.run(spec, seed=3, days=6, world=world)
        fresh = sim.run(spec, seed=3, days=6)
        assert shared.curves.equals(fresh.curves)


def test_a_scenario_file_changed_on_disk_is_read_again(tmp_path):
    """Parsed files are kept per process, but an edit (new size or mtime) is seen, and a broken file never kept."""
    import os
    import shutil

    import pytest

    from sim.errors import ScenarioError

    path = tmp_path / "corridor.toml"
    shutil.copy(sim.catalog.resolve("corridor"), path)
    first = sim.load(path)
    text = path.read_text()
    path.write_text(text.replace('name = "Westport"', 'name = "Westhaven"').replace('"Westport"', '"Westhaven"'))
    os.utime(path, ns=(1, 1))  # even with an old mtime, the size changed
    assert "Westhaven" in [p.name for p in sim.load(path).places]
    path.write_text(text + "\n[broken")
    with pytest.raises(ScenarioError):
        sim.load(path)
    path.write_text(text)
    assert [p.name for p in sim.load(path).places] == [p.name for p in first.places]
    again = sim.load(path)
    again.resolved["places"].clear() if isinstance(again.resolved.get("places"), list) else None
    assert [p.name for p in sim.load(path).places] == [p.name for p in first.places]  # callers may change theirs
