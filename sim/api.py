"""The Python API, mirroring the CLI: load a scenario, build a model with a seed, run, get the curves.

    >>> import sim
    >>> sc = sim.load("corridor", overrides={"combat.stochastic": False})
    >>> result = sim.run(sc, seed=1, days=5)
    >>> result.curves.head()          # pandas DataFrame: date, day, faction, area_km2, gained_km2, ...
    >>> result.save("runs/corridor")  # curves.csv, control.npz, events.csv, manifest.json, report.html
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import catalog
from sim.errors import ScenarioError
from sim.model import EVENT_COLUMNS, ConflictModel
from sim.scenario import Scenario, load_scenario
from sim.world.world import World


def load(name_or_path: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a shipped scenario by name, or any scenario file, with optional dotted-key overrides."""
    return load_scenario(catalog.resolve(None if name_or_path is None else str(name_or_path)), overrides)


def build_model(scenario: Scenario, seed: int | None = None, world: World | None = None) -> ConflictModel:
    """A model at the scenario's start; `seed` defaults to the scenario's own; `world` reuses a built map."""
    return ConflictModel(scenario, seed=seed, world=world)


@dataclass
class RunResult:
    """What one run produced: curves, daily control grids, the event log, and how it was made."""

    scenario: Scenario
    model: ConflictModel
    seed: int
    days: int
    overrides: dict[str, Any]
    wall_seconds: float

    @property
    def curves(self) -> pd.DataFrame:
        return pd.DataFrame(self.model.curves())

    @property
    def events(self) -> pd.DataFrame:
        df = pd.DataFrame(self.model.log, columns=EVENT_COLUMNS)
        df["time"] = df["time"].map(lambda t: t.isoformat(timespec="minutes"))
        return df

    @property
    def control(self) -> np.ndarray:
        """Owner grids, one per recorded day: (days + 1, H, W) int8, -1 for nobody."""
        return np.stack(self.model.snapshots)

    def save(self, out_dir: str | Path, claims: Any = None) -> Path:
        """Write the run directory (see sim.io.rundir)."""
        from sim.io.rundir import write_run

        return write_run(self, Path(out_dir), claims=claims)


def run(scenario: Scenario, seed: int | None = None, days: int | None = None,
        progress: Callable[[int, int], None] | None = None, overrides: Mapping[str, Any] | None = None,
        world: World | None = None) -> RunResult:
    """Run a scenario for `days` (default: its window) and return the result.

    `world` reuses a world built from the same map (batches do; see sim.world.world.world_key).
    """
    if days is None:
        days = scenario.meta.days
    if days < 1:
        raise ScenarioError("--days", "days", "a whole number of days >= 1", days)
    t0 = time.perf_counter()
    model = ConflictModel(scenario, seed=seed, days=days, world=world)
    model.run_model(progress)
    return RunResult(scenario=scenario, model=model, seed=model.seed, days=days, overrides=dict(overrides or {}),
                     wall_seconds=time.perf_counter() - t0)
