"""The engine's control step beside the naive Mesa version of it (naive_mesa.py), same units each step.

The engine model is stepped normally, with its control step (`ConflictModel._control`: zones of control
along paths, presence, owner update) timed by wrapping the bound method. After each engine step the
naive model gets the same units (positions, paths, strengths) and does its own control step from its
own owner grid; both owner grids are compared, so the ratio is between two computations of one result.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from naive_mesa import naive_from_engine, units_of
from timing import metric

import sim


def _time_control(model: Any, store: list[float]) -> None:
    """Wrap the model's control step so each call's duration lands in `store`."""
    inner = getattr(model, "_control", None)
    if inner is None:
        raise RuntimeError("ConflictModel has no _control step any more: update suite_reference.py")

    def timed() -> None:
        t0 = time.perf_counter()
        inner()
        store.append(time.perf_counter() - t0)

    model._control = timed


def reference(name: str, naive_steps: int, seed: int | None = None) -> dict[str, Any]:
    """Per-step time of both control steps for `naive_steps` steps, their ratio, and whether they agree."""
    model = sim.build_model(sim.load(name), seed=seed)
    engine_control: list[float] = []
    _time_control(model, engine_control)
    t0 = time.perf_counter()
    naive = naive_from_engine(model)
    naive_build = time.perf_counter() - t0
    naive_times: list[float] = []
    mismatched_steps = 0
    for _ in range(naive_steps):
        model.step()
        t0 = time.perf_counter()
        naive.step_control(units_of(model), model.factions.hostile)
        naive_times.append(time.perf_counter() - t0)
        mismatched_steps += int(not np.array_equal(naive.owner_grid(), model.owner))
    paired_engine = list(engine_control)
    for _ in range(model.spec.meta.days * model.steps_per_day - naive_steps):
        model.step()  # more engine samples: the engine's control step over the whole window
    cells = int(model.world.grid.height * model.world.grid.width)
    steady = naive_times[1:] or naive_times
    engine_median = float(np.median(paired_engine))
    out = {
        "reference_engine_control_step_s": metric(engine_control, "s",
                                                  note=f"engine control step, all {len(engine_control)} steps"),
        "reference_engine_control_paired_s": metric(paired_engine, "s", note="engine control, the naive's steps"),
        "reference_naive_control_step_s": metric(
            steady, "s", note=f"naive Mesa control step on {cells} cell agents, "
                              f"{len(steady)} steps after the first (the first fills Mesa's neighbourhood caches)"),
        "reference_naive_first_step_s": metric(naive_times[:1], "s", note="first naive step (cold caches)"),
        "reference_naive_build_s": metric([naive_build], "s", note="building the naive grid and cell agents"),
        "reference_speedup_x": metric([float(np.median(steady)) / engine_median], "x", better="higher",
                                      note="naive median step / engine median control step on the same steps"),
        "reference_mismatched_steps": {"value": mismatched_steps, "of": naive_steps},
    }
    return out
