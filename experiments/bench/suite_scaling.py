"""How run time grows with the map (4x and 16x the cells) and with the forces (4x and 16x the units).

Each run is a fresh child process (so memory is per variant and no cache carries over); inside it the
model is built and run for the window, each part timed. Growth is reported as the ratio of median run
time to the baseline's and as the exponent k in time ~ size^k (1 = linear).
"""

from __future__ import annotations

import math
from typing import Any

from timing import metric, run_python_json

VARIANT_CODE = """
import json, sys, time
sys.path.insert(0, {bench_dir!r})
import variants
import sim
import sim.api  # the engine: `sim` imports it lazily, which would otherwise land inside the load timing
t0 = time.perf_counter()
sc = {make}
t1 = time.perf_counter()
m = sim.build_model(sc)
t2 = time.perf_counter()
days = {days} or sc.meta.days
m.run_days(days)
t3 = time.perf_counter()
print(json.dumps({{"load_s": t1 - t0, "build_s": t2 - t1, "run_s": t3 - t2, "steps": days * m.steps_per_day,
                   "cells": int(m.world.grid.height * m.world.grid.width), "units": len(sc.units)}}))
"""


def variants_for(name: str) -> list[tuple[str, str, float, str]]:
    """(key, how to make the scenario, size factor, what grows) for the baseline and each scaled case."""
    return [
        ("baseline", f"sim.load({name!r})", 1.0, ""),
        ("cells_x4", f"variants.with_cell_km({name!r}, 1.0)", 4.0, "cells"),
        ("cells_x16", f"variants.with_cell_km({name!r}, 0.5)", 16.0, "cells"),
        ("units_x4", f"variants.with_units_times({name!r}, 4)", 4.0, "units"),
        ("units_x16", f"variants.with_units_times({name!r}, 16)", 16.0, "units"),
    ]


def scaling(name: str, repeat: int, slow_repeat: int, days: int | None, bench_dir: str) -> dict[str, Any]:
    """Time each variant (`slow_repeat` runs for the 16x ones); metrics plus a growth summary."""
    out: dict[str, Any] = {}
    growth: dict[str, Any] = {}
    base_median = None
    for key, make, factor, grows in variants_for(name):
        n = slow_repeat if factor >= 16 else repeat
        rows = []
        for _ in range(n):
            child, parts = run_python_json(VARIANT_CODE.format(bench_dir=bench_dir, make=make, days=days or 0))
            rows.append((parts, child.max_rss_mb, child.wall_s))
        first = rows[0][0]
        rss = [r[1] for r in rows]
        walls = [r[2] for r in rows]
        note = f"{first['cells']} cells, {first['units']} units, {first['steps']} steps"
        if n < repeat:
            note += f"; {n} repeats only (too slow for {repeat})"
        run_s = [r[0]["run_s"] for r in rows]
        total_s = [r[0]["build_s"] + r[0]["run_s"] for r in rows]
        out[f"scaling_{key}_run_s"] = metric(run_s, "s", note=note + "; run_days only")
        out[f"scaling_{key}_build_s"] = metric([r[0]["build_s"] for r in rows], "s", note="build_model")
        out[f"scaling_{key}_total_s"] = metric(total_s, "s", note="build_model + run_days")
        out[f"scaling_{key}_load_build_run_s"] = metric(
            [r[0]["load_s"] + r[0]["build_s"] + r[0]["run_s"] for r in rows], "s",
            note="load scenario + rasterise + build + the whole window, fresh process after imports")
        out[f"scaling_{key}_process_wall_s"] = metric(walls, "s", note="whole child process: interpreter, "
                                                      "imports, load, build, run (no run directory written)")
        out[f"scaling_{key}_peak_rss_mb"] = metric(rss, "MB", note="child process peak RSS")
        median = out[f"scaling_{key}_total_s"]["median"]
        if base_median is None:
            base_median = median
            continue
        ratio = median / base_median
        growth[key] = {"grows": grows, "factor": factor, "time_ratio": round(ratio, 3),
                       "exponent": round(math.log(ratio) / math.log(factor), 3) if ratio > 0 else None}
    out["scaling_growth"] = growth
    return out
