"""The Python API, mirroring the CLI: load a scenario, build a model with a seed, run, get the curves.

    >>> import sim
    >>> sc = sim.load("corridor", overrides={"combat.stochastic": False})
    >>> run = sim.run(sc, seed=1, days=5)   # a sim.Run: the data of the run, not the model
    >>> run.curves.head()                  # pandas DataFrame: date, day, faction, area_km2, gained_km2, ...
    >>> run.control.shape                  # (days + 1, H, W) owner grids
    >>> run.save("runs/corridor")          # curves.csv, control.npz, events.csv, manifest.json, report.html
    >>> sim.read_run("runs/corridor")      # the same Run, read back
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sim import catalog
from sim.limits import check_days
from sim.model import ConflictModel
from sim.rundata import Run
from sim.scenario import Scenario, load_scenario
from sim.world.world import World


def load(name_or_path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a shipped scenario by name, or any scenario file, with optional dotted-key overrides."""
    return load_scenario(catalog.resolve(None if name_or_path is None else str(name_or_path)), overrides)


def build_model(scenario: Scenario, seed: int | None = None, world: World | None = None) -> ConflictModel:
    """A model at the scenario's start; `seed` defaults to the scenario's own; `world` reuses a built map."""
    return ConflictModel(scenario, seed=seed, world=world)


# The name `sim.run` returned before the one run dataset; kept so that existing type hints keep working.
RunResult = Run


def run(scenario: Scenario, seed: int | None = None, days: int | None = None,
        progress: Callable[[int, int], None] | None = None, overrides: Mapping[str, Any] | None = None,
        world: World | None = None) -> Run:
    """Run a scenario for `days` (default: its window) and return its `Run` (sim.rundata): the data alone,
    so that the model, its agents and its DataCollector are freed as soon as the run is over.

    `world` reuses a world built from the same map (batches do; see sim.world.world.world_key). `days` must be
    a whole number from 1 to sim.limits.MAX_DAYS (UsageError otherwise).
    """
    days = check_days(scenario.meta.days if days is None else days)
    t0 = time.perf_counter()
    model = ConflictModel(scenario, seed=seed, days=days, world=world)
    model.run_model(progress)
    result = Run.from_model(model, overrides, wall_seconds=time.perf_counter() - t0)
    model.release()  # free the run now, not at the next full garbage collection (see ConflictModel.release)
    return result


def scenario_warnings(scenario: Scenario | str | Path | None = None) -> list:
    """What is probably wrong with a scenario that loads (sim.checks: no supply source, units beyond supply,
    places outside the region, holders against hold areas, lon/lat swaps), as `sim.checks.ScenarioWarning`
    records (kind, key, message); an empty list when nothing is. Takes a loaded scenario, a shipped name or a
    path (None: the default scenario). Builds the scenario's model at step 0; runs nothing."""
    from sim.checks import scenario_warnings as check

    return check(scenario if isinstance(scenario, Scenario) else load(scenario))


def read_run(path: str | Path) -> Run:
    """Read a run directory written by `badia run --out DIR` or `Run.save` (see sim.io.rundir.read_run).

    Its scenario's outlines, roads and zones come along when the scenario file it names can still be loaded.
    """
    from sim.io.rundir import read_run as read

    return read(Path(path), scenario=lambda ref, overrides: load(ref, overrides))
