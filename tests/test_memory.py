"""Many runs in one process keep its memory flat (a notebook's loop, a batch worker's life).

RSS is read from /proc/self/status after gc.collect(), once a few warm-up runs have loaded the modules and
filled the caches that are meant to stay (a world's bounded search cache, numpy's and scipy's buffers).
"""

from __future__ import annotations

import gc
import sys
import weakref
from pathlib import Path

import pytest

import sim
from sim.model import ConflictModel
from sim.rundata import Run
from sim.world.world import build_world

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists() or sys.platform != "linux",
                                reason="reads VmRSS from /proc")


def rss_mb() -> float:
    """Resident set size of this process in MB, after a full garbage collection."""
    gc.collect()
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def growth(scenario: str, runs: int, days: int, reuse_world: bool, warmup: int = 5) -> float:
    """RSS growth in MB over `runs` runs after `warmup` runs, each with its own seed."""
    sc = sim.load(scenario)
    world = build_world(sc) if reuse_world else None
    for seed in range(warmup):
        sim.run(sc, seed=seed, days=days, world=world)
    before = rss_mb()
    for seed in range(warmup, warmup + runs):
        sim.run(sc, seed=seed, days=days, world=world)
    return rss_mb() - before


def test_corridor_runs_keep_memory_flat() -> None:
    """40 corridor runs, each building its own world, as `sim.run` in a loop does."""
    assert growth("corridor", runs=40, days=5, reuse_world=False) < 30


def test_badia_runs_on_one_world_keep_memory_flat() -> None:
    """Badia runs on a reused world, as a batch worker makes them (the world's search cache is bounded)."""
    assert growth("badia_2017", runs=12, days=2, reuse_world=True, warmup=3) < 30


@pytest.mark.parametrize("scenario", ["corridor", "badia_2017"])
def test_nothing_keeps_a_finished_model_alive(scenario: str) -> None:
    """Once its Run is made, a model and its agents are freed, also when the world outlives them."""
    sc = sim.load(scenario)
    world = build_world(sc)
    model = ConflictModel(sc, seed=1, days=2, world=world)
    model.run_model(None)
    run = Run.from_model(model, None, wall_seconds=0.0)
    refs = [weakref.ref(model)] + [weakref.ref(agent) for agent in list(model.agents)[:20]]
    del model
    gc.collect()
    assert len(run.curves) > 0
    assert all(ref() is None for ref in refs)


@pytest.mark.parametrize("scenario", ["corridor", "badia_2017"])
def test_a_run_leaves_no_cyclic_garbage(scenario: str) -> None:
    """`sim.run` frees its model by reference counting: nothing waits for a full garbage collection, which
    comes only after many runs (its trigger counts objects, not the megabytes of grids they hold)."""
    sc = sim.load(scenario)
    world = build_world(sc)
    sim.run(sc, seed=1, days=2, world=world)
    gc.collect()
    sim.run(sc, seed=2, days=2, world=world)
    assert gc.collect() < 20
