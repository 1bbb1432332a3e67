"""Cost of the territory rules' grid-wide work, per call, on the Badia map at 2 km and 1 km cells.

    python experiments/bench/territory_costs.py [--repeat 20]

Runs the default scenario to 27 May (so that fronts, pockets and links exist), then times, on that state:
the daily enclosure check (front links + connected pieces + the cut-off mask), handing over a pocket (the
windowed distance transform), the front line's length, the locality-based areas, and one ordered unit's
windowed route search. Medians of `--repeat` calls, in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

import sim
from sim.rules import enclosure, front, movement


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * statistics.median(times)


def measure(cell_km: float, repeat: int) -> dict[str, float]:
    model = sim.build_model(sim.load("badia_2017", {"map.cell_km": cell_km}), seed=2017)
    model.run_days(20)
    w, f = model.world, model.factions
    units = model.unit_list()
    links = model.front_links(units)
    gov = f.index["government"]
    isis = f.index["isis"]
    # a pocket to hand over: the ISIS ground within 40 km of Arak
    arak = w.place_cells[[p.name for p in model.spec.places].index("Arak")]
    near = np.hypot(model._cx - model._cx[arak], model._cy - model._cy[arak]).reshape(w.shape) <= 40
    falling = near & (model.owner == isis)
    cost = w.cell_hours["motorised"]
    target = np.array([w.place_cells[[p.name for p in model.spec.places].index("al-Sukhnah")]])
    start = next(u.cell for u in units if u.faction == gov and "Palmyra" in u.name)
    state = (model.owner.copy(), model.cut_days.copy())

    def daily_check() -> None:
        model.owner, model.cut_days = state[0].copy(), state[1].copy()
        model._enclose()

    return {
        "cells": float(w.region.size),
        "enclosure_daily_ms": median_ms(daily_check, repeat),
        "front_links_ms": median_ms(lambda: model.front_links(units), repeat),
        "pocket_handover_ms": median_ms(lambda: enclosure.heirs(state[0], w.region, falling, f.hostile, links),
                                        repeat),
        "front_length_ms": median_ms(lambda: front.front_length_km(state[0], w.region, f.hostile, w.grid.cell_km),
                                     repeat),
        "locality_areas_ms": median_ms(model.locality_km2, repeat),
        "ordered_route_ms": median_ms(lambda: movement.route_to(cost, start, target), repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    for cell_km in (2.0, 1.0):
        row = measure(cell_km, args.repeat)
        print(f"{cell_km:g} km cells ({row.pop('cells'):,.0f} cells): "
              + ", ".join(f"{k[:-3]} {v:.2f} ms" for k, v in row.items()))


if __name__ == "__main__":
    main()
