"""The default run as a user meets it: whole CLI run, time per step, peak memory, start-up, imports.

- `badia run --quiet --out DIR` in a child process: wall time including interpreter start, imports,
  loading, the run and writing the run directory; the child's own peak RSS (wait4).
- Time per step from the Python API (`sim.build_model(sim.load(...))`, each `.step()` timed).
- Start-up alone (import, load scenario, rasterise, build model) in a fresh process and in-process.
- Where import time goes (`python -X importtime -c "import sim"`), by top-level package.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from typing import Any

from timing import metric, run_child, run_python_json

import sim
from sim.world.world import build_world

STARTUP_CODE = """
import json, time
t0 = time.perf_counter()
import sim
import sim.api  # the engine (sim itself imports it lazily)
t1 = time.perf_counter()
sc = sim.load({name!r})
t2 = time.perf_counter()
m = sim.build_model(sc)
t3 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1, "build_s": t3 - t2}}))
"""


def badia_command() -> list[str]:
    """The installed `badia` console script, or `python -m sim` if it is not on PATH."""
    exe = shutil.which("badia")
    return [exe] if exe else [sys.executable, "-m", "sim"]


def cli_run(name: str, repeat: int, days: int | None = None) -> dict[str, Any]:
    """Whole `badia run` in a child process: wall seconds and peak RSS of each run."""
    walls, rss = [], []
    for _ in range(repeat):
        out = tempfile.mkdtemp(prefix="badia-bench-")
        try:
            argv = [*badia_command(), "run", name, "--quiet", "--out", f"{out}/run"]
            if days is not None:
                argv += ["--days", str(days)]
            child = run_child(argv)
            if child.returncode != 0:
                raise RuntimeError(f"badia run failed ({child.returncode}): {child.stderr[-2000:]}")
            walls.append(child.wall_s)
            rss.append(child.max_rss_mb)
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return {"cli_run_wall_s": metric(walls, "s", note="badia run --quiet --out DIR, child process, start-up included"),
            "cli_run_peak_rss_mb": metric(rss, "MB", note="peak RSS of the badia run child (wait4)")}


def api_steps(name: str, repeat: int, days: int | None = None) -> dict[str, Any]:
    """Time every `.step()` of a default-window run through the Python API."""
    totals, all_steps, daily_steps = [], [], []
    for _ in range(repeat):
        model = sim.build_model(sim.load(name))
        n_days = days or model.spec.meta.days
        total = 0.0
        for k in range(n_days * model.steps_per_day):
            t0 = time.perf_counter()
            model.step()
            dt = time.perf_counter() - t0
            total += dt
            all_steps.append(dt)
            if k % model.steps_per_day == 0:
                daily_steps.append(dt)
        totals.append(total)
    n = len(all_steps) // repeat
    return {"api_run_steps_s": metric(totals, "s", note=f"sum of {n} .step() calls (model built beforehand)"),
            "api_step_s": metric(all_steps, "s", note=f"each .step(), {repeat} runs x {n} steps pooled"),
            "api_step_mean_s": metric([t / n for t in totals], "s", note="mean step per run"),
            "api_first_step_of_day_s": metric(daily_steps, "s", note="steps that refresh supply and routes")}


def startup(name: str, repeat: int) -> dict[str, Any]:
    """Start-up in a fresh process (interpreter + import + load + build) and its parts in-process."""
    fresh_wall, fresh_import, fresh_load_build = [], [], []
    for _ in range(repeat):
        child, parts = run_python_json(STARTUP_CODE.format(name=name))
        fresh_wall.append(child.wall_s)
        fresh_import.append(parts["import_s"])
        fresh_load_build.append(parts["load_s"] + parts["build_s"])
    load, raster, build = [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        sc = sim.load(name)
        t1 = time.perf_counter()
        build_world(sc)
        t2 = time.perf_counter()
        sim.build_model(sc)
        t3 = time.perf_counter()
        load.append(t1 - t0)
        raster.append(t2 - t1)
        build.append(t3 - t2)
    return {
        "startup_fresh_process_s": metric(fresh_wall, "s", note="python -c: interpreter, import sim, load, build_model"),
        "startup_fresh_import_sim_s": metric(fresh_import, "s", note="import sim, timed inside the fresh process"),
        "startup_fresh_load_build_s": metric(fresh_load_build, "s", note="load + build_model in the fresh process"),
        "startup_inproc_load_s": metric(load, "s", note="sim.load, imports warm"),
        "startup_inproc_rasterise_s": metric(raster, "s", note="build_world alone (rasterise the map)"),
        "startup_inproc_build_model_s": metric(build, "s", note="sim.build_model (rasterise + initial control)"),
        "startup_inproc_total_s": metric([a + b for a, b in zip(load, build, strict=True)], "s",
                                         note="load + build_model, imports warm"),
    }


def parse_importtime(stderr: str) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds of self time per top-level package, and cumulative seconds per module, from -X importtime."""
    by_package: dict[str, float] = defaultdict(float)
    cumulative: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = (part.strip() for part in line[len("import time:"):].split("|"))
        by_package[name.split(".")[0]] += int(self_us) / 1e6
        cumulative.setdefault(name, int(cum_us) / 1e6)
    return dict(by_package), cumulative


def subtree_by_package(stderr: str, root: str) -> dict[str, float]:
    """Self seconds per top-level package of everything imported while importing `root` (itself included).

    -X importtime prints a module after its children, indented one level deeper per nesting, so the
    subtree of `root` is the run of deeper-indented lines just above its own line.
    """
    rows = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line[len("import time:"):].split("|")
        rows.append((len(name) - len(name.lstrip()), name.strip(), int(self_us) / 1e6))
    for i, (depth, name, _) in enumerate(rows):
        if name == root:
            j = i
            while j > 0 and rows[j - 1][0] > depth:
                j -= 1
            out: dict[str, float] = defaultdict(float)
            for _, n, s in rows[j:i + 1]:
                out[n.split(".")[0]] += s
            return dict(sorted(out.items(), key=lambda kv: -kv[1]))
    return {}


def imports(repeat: int) -> dict[str, Any]:
    """Where `import sim` spends its time, median over repeats (the profiler adds some overhead)."""
    packages: dict[str, list[float]] = defaultdict(list)
    mesa_parts: dict[str, list[float]] = defaultdict(list)
    totals, mesa_cum, bare, mesa_alone = [], [], [], []
    for _ in range(repeat):
        # `import sim` is lazy since the API moved behind __getattr__: import the engine itself.
        child = run_child([sys.executable, "-X", "importtime", "-c", "import sim.api"])
        by_package, cumulative = parse_importtime(child.stderr)
        for k, v in subtree_by_package(child.stderr, "mesa").items():
            mesa_parts[k].append(v)
        for k, v in by_package.items():
            packages[k].append(v)
        totals.append(cumulative.get("sim.api", float("nan")))
        mesa_cum.append(cumulative.get("mesa", float("nan")))
        interpreter = run_child([sys.executable, "-c", "pass"]).wall_s
        bare.append(run_child([sys.executable, "-c", "import sim.api"]).wall_s - interpreter)
        mesa_alone.append(run_child([sys.executable, "-c", "import mesa"]).wall_s - interpreter)
    top = sorted(packages.items(), key=lambda kv: -statistics.median(kv[1]))[:10]
    out = {"import_sim_s": metric(bare, "s", note="wall of python -c 'import sim.api' minus python -c pass"),
           "import_mesa_alone_s": metric(mesa_alone, "s", note="wall of python -c 'import mesa' minus python -c "
                                                              "pass: the floor any Mesa model pays"),
           "import_sim_importtime_s": metric(totals, "s", note="cumulative of sim under -X importtime"),
           "import_mesa_cumulative_s": metric(mesa_cum, "s",
                                              note="cumulative of mesa under -X importtime: mesa and what it "
                                                   "imports first (pandas, networkx, scipy.spatial, ...)")}
    out["import_self_by_package_s"] = {k: round(statistics.median(v), 4) for k, v in top}
    mesa_top = sorted(mesa_parts.items(), key=lambda kv: -statistics.median(kv[1]))[:8]
    out["import_mesa_subtree_by_package_s"] = {k: round(statistics.median(v), 4) for k, v in mesa_top}
    return out
