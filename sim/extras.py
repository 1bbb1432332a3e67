"""Optional extras: which command needs which `pip install 'badia[...]'`, checked before it starts.

The engine (`sim.run`, `badia run`, the report) needs only the core dependencies. Batches, clusters, the
dashboard and the Mesa page sit on heavier libraries that ship as extras, so that a user who only runs
scenarios does not install Dash, Dask, kaleido and SALib. A command whose extra is missing stops with a
one-paragraph error naming the extra to install (exit code 2), before doing any work.
"""

from __future__ import annotations

import importlib

from sim.errors import MissingExtraError, missing_extra

# extra -> the modules it provides (import names); kept in step with [project.optional-dependencies]
EXTRAS: dict[str, tuple[str, ...]] = {
    "batch": ("pyarrow", "SALib"),
    "dask": ("distributed",),
    "dashboard": ("dash", "kaleido"),
    "mesa-viz": ("solara", "matplotlib", "anywidget"),
}


def require(extra: str, what: str) -> None:
    """Raise MissingExtraError if any module of `extra` cannot be imported; `what` names what needs it."""
    for module in EXTRAS[extra]:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise missing_extra(extra, what, exc) from None


__all__ = ["EXTRAS", "MissingExtraError", "require"]
