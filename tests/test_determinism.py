"""Same scenario and seed: byte-identical curves; another seed: other curves."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor

import pytest

import sim
from sim.io.rundir import curves_csv


def curves_bytes(name: str, seed: int, days: int = 6) -> str:
    return curves_csv(sim.run(sim.load(name), seed=seed, days=days))


def test_same_seed_identical_curves():
    assert curves_bytes("oilfield_three_way", 3) == curves_bytes("oilfield_three_way", 3)


def test_different_seed_different_curves():
    assert curves_bytes("oilfield_three_way", 3) != curves_bytes("oilfield_three_way", 4)


@pytest.mark.slow
def test_identical_in_a_process_pool():
    serial = [curves_bytes("oilfield_three_way", s) for s in (1, 2)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = list(pool.map(curves_bytes, ["oilfield_three_way"] * 2, [1, 2]))
    assert pooled == serial


def test_saved_run_directory_is_reproducible(tmp_path):
    sc = sim.load("corridor")
    a = sim.run(sc, seed=9, days=4).save(tmp_path / "a")
    b = sim.run(sc, seed=9, days=4).save(tmp_path / "b")
    assert (a / "curves.csv").read_bytes() == (b / "curves.csv").read_bytes()
    assert (a / "events.csv").read_bytes() == (b / "events.csv").read_bytes()
    ma, mb = (json.loads((d / "manifest.json").read_text()) for d in (a, b))
    assert ma["scenario_sha256"] == mb["scenario_sha256"] and ma["seed"] == 9


def test_a_reused_world_gives_the_same_run():
    from sim.world.world import build_world, world_key

    base = sim.load("oilfield_three_way")
    varied = sim.load("oilfield_three_way", {"control.zoc_km": 6, "factions.crown.doctrine.aggression": 0.9})
    moved = sim.load("oilfield_three_way", {"map.cell_km": 3})
    assert world_key(base) == world_key(varied) != world_key(moved)
    world = build_world(base)
    sim.run(base, seed=1, days=3, world=world)  # a first run must leave the shared world as it found it
    assert curves_csv(sim.run(varied, seed=5, days=6, world=world)) == curves_csv(sim.run(varied, seed=5, days=6))


def test_a_finished_run_leaves_nothing_behind(monkeypatch):
    """Runs in one process do not keep each other alive (mesa 3.3 keyed unit ids by model in a class-level dict),
    and the Run a run returns holds data only: every model is freed while the Runs are still in use."""
    import gc
    import weakref

    import sim.api
    from sim.model import ConflictModel

    made = []

    class Watched(ConflictModel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(weakref.ref(self))

    monkeypatch.setattr(sim.api, "ConflictModel", Watched)
    runs = [sim.run(sim.load("corridor"), seed=seed, days=2) for seed in range(3)]
    gc.collect()
    assert len(made) == 3 and all(r() is None for r in made)
    assert [r.seed for r in runs] == [0, 1, 2] and all(r.owner.shape[0] == 3 for r in runs)
