"""Badia: a conflict-scenario agent-based simulator whose runs output territory curves.

The Python API mirrors the CLI: `sim.load(...)`, `sim.build_model(...)`, `sim.run(...)` (which returns a
`sim.Run`, the run's data) and `sim.read_run(DIR)`. They are imported on first use, so that light commands
(`badia scenarios`, `badia --help`) do not pay for importing Mesa.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_LAZY = {"Run": "sim.rundata", "RunResult": "sim.api", "build_model": "sim.api", "load": "sim.api",
         "read_run": "sim.api", "run": "sim.api", "BadiaError": "sim.errors", "ScenarioError": "sim.errors"}

__all__ = ["BadiaError", "Run", "RunResult", "ScenarioError", "__version__", "build_model", "load", "read_run", "run"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
