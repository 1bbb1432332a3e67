"""The control map of a model in motion (for the Mesa page), drawn by the one map builder (sim.viz.mapfig).

A Run holds one owner grid per recorded day; a model between two days has moved on since the last one. The
live map is the model's Run with its ground as it stands now as the last day, so the page shows every step.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from sim.rundata import Run
from sim.viz.mapfig import map_figure


def live_run(model: Any) -> Run:
    """The model's Run so far, with the ground as it stands now as its last day (unless that is a recorded day)."""
    run = Run.from_model(model)
    if model.now == model.snapshot_dates[-1]:
        return run
    hostile = None if run.hostile is None else np.concatenate([run.hostile, model.factions.hostile[None]])
    return dataclasses.replace(run, owner=np.concatenate([run.owner, model.owner[None]]), hostile=hostile,
                               dates=(*run.dates, model.now.date().isoformat()))


def live_map_figure(model: Any, height: int = 560) -> Any:
    """The control map of the model's current step, titled with its date and time."""
    title = f"{model.spec.meta.name}: control on {model.now:%Y-%m-%d %H:%M} (step {model.steps})"
    run = live_run(model)
    return map_figure(run, run.days, title=title, height=height)
