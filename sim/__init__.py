"""Badia: a conflict-scenario agent-based simulator whose runs output territory curves.

The Python API mirrors the CLI: `sim.load(...)`, `sim.build_model(...)`, `sim.run(...)`.
"""

__version__ = "0.1.0"

from sim.api import RunResult, build_model, load, run  # noqa: E402
from sim.errors import BadiaError, ScenarioError  # noqa: E402

__all__ = ["BadiaError", "RunResult", "ScenarioError", "__version__", "build_model", "load", "run"]
