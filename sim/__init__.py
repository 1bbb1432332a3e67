"""Badia: a conflict-scenario agent-based simulator whose runs output territory curves.

The Python API mirrors the CLI: `sim.load(...)`, `sim.build_model(...)`, `sim.run(...)` (which returns a
`sim.Run`, the run's data), `sim.read_run(DIR)` and `sim.scenario_warnings(...)` (what `badia validate` warns about); `sim.ConflictModel` is the Mesa model itself. They are imported on first use, so that light commands
(`badia scenarios`, `badia --help`) do not pay for importing Mesa.

Bad input raises a `sim.BadiaError` subclass (`sim.ScenarioError`, `sim.UsageError`, ...; see sim.errors)
whose message names the file or argument, the key, what was expected and what was found.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# The error classes (sim.errors) are exported too, so that API users can write `except sim.BadiaError`.
_ERRORS = ("BadiaError", "BatchError", "ClusterError", "DashboardPathError", "InputError", "MissingExtraError",
           "RunDirectoryError", "ScenarioError", "UsageError")
_LAZY = {"ConflictModel": "sim.model", "Run": "sim.rundata", "RunResult": "sim.api", "build_model": "sim.api", "load": "sim.api",
         "read_run": "sim.api", "run": "sim.api", "scenario_warnings": "sim.api", **dict.fromkeys(_ERRORS, "sim.errors")}

__all__ = [*_ERRORS, "ConflictModel", "Run", "RunResult", "__version__", "build_model", "load", "read_run", "run", "scenario_warnings"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
