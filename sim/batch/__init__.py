"""Scenario batches: ensembles, sweeps, sensitivity and calibration, on a process pool or a Dask cluster.

An experiment file (`experiments/*.toml`, see docs/batches.md) names a scenario, fixed overrides, a design
over named parameters and a master seed. `run_batch` turns it into runs, executes them on an evaluator and
streams each finished run to a batch directory (see `sim.batch.store`) that survives kills and resumes.
"""

from __future__ import annotations

from typing import Any

# Imported on first use: `badia --help` and every other command load this package to register the batch
# subcommands, and should not pay for scipy.stats, dask and the engine.
_LAZY = {"RunSpec": "sim.batch.design", "design_points": "sim.batch.design", "run_specs": "sim.batch.design",
         "run_batch": "sim.batch.execute", "Experiment": "sim.batch.experiment",
         "load_experiment": "sim.batch.experiment"}

__all__ = ["Experiment", "RunSpec", "design_points", "load_experiment", "run_batch", "run_specs"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim.batch' has no attribute {name!r}")
