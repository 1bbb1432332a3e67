"""Batch throughput: whole default runs per minute on a process pool of 1 and 2 workers.

Each job loads the scenario and calls `sim.run` with its own seed (as a batch would); the batch wall time
includes starting the pool. Throughput is one figure per batch (runs / wall minutes); the per-run wall
times inside the workers are kept as samples, to show how much two workers slow each other down.
When the batch subsystem is installed, the same is measured through `badia batch` on an ensemble.
"""

from __future__ import annotations

import importlib.util
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from suite_run import badia_command
from timing import metric, run_child

import sim

EXPERIMENT = """[experiment]
name = "bench_ensemble"
scenario = "{name}"
seed = 1
{days}
[design]
kind = "ensemble"
replicates = {runs}
"""


def one_run(name: str, seed: int, days: int | None) -> float:
    """One whole run in a worker; returns its wall seconds (load + build + run)."""
    t0 = time.perf_counter()
    sim.run(sim.load(name), seed=seed, days=days)
    return time.perf_counter() - t0


def pool_throughput(name: str, workers: int, runs: int, days: int | None) -> tuple[float, list[float]]:
    """Runs per minute for `runs` jobs on `workers` processes, and each job's own wall seconds."""
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        per_run = list(pool.map(one_run, [name] * runs, range(1, runs + 1), [days] * runs))
    wall = time.perf_counter() - t0
    return runs / wall * 60.0, per_run


def badia_batch_throughput(name: str, workers: int, runs: int, days: int | None) -> float:
    """Runs per minute of `badia batch` on an ensemble experiment (whole command, start-up included)."""
    with tempfile.TemporaryDirectory(prefix="badia-bench-") as tmp:
        exp = Path(tmp) / "bench_ensemble.toml"
        exp.write_text(EXPERIMENT.format(name=name, runs=runs, days=f"days = {days}" if days else ""))
        child = run_child([*badia_command(), "batch", str(exp), "--out", f"{tmp}/out", "--workers", str(workers),
                           "--quiet"])
    if child.returncode != 0:
        raise RuntimeError(f"badia batch failed ({child.returncode}): {child.stderr[-1500:]}")
    return runs / child.wall_s * 60.0


def throughput(name: str, runs_per_worker: int, days: int | None) -> dict[str, Any]:
    """Runs per minute with 1 and 2 workers (one batch each: the figure is a single sample).

    Measured on a plain ProcessPoolExecutor over `sim.run`, and through `badia batch` when the batch
    subsystem (`sim.batch`) is installed.
    """
    out: dict[str, Any] = {}
    has_batch = importlib.util.find_spec("sim.batch") is not None
    for workers in (1, 2):
        runs = runs_per_worker * workers
        rate, per_run = pool_throughput(name, workers, runs, days)
        out[f"batch_{workers}w_runs_per_min"] = metric([rate], "runs/min", better="higher",
                                                       note=f"ProcessPoolExecutor, one batch of {runs} runs, "
                                                            "pool start included")
        out[f"batch_{workers}w_run_wall_s"] = metric(per_run, "s", note="each run's wall time inside its worker")
        if has_batch:
            rate = badia_batch_throughput(name, workers, runs, days)
            out[f"batch_cli_{workers}w_runs_per_min"] = metric(
                [rate], "runs/min", better="higher",
                note=f"badia batch (ensemble of {runs} runs, --workers {workers}), whole command")
    return out
