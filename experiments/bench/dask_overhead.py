"""Dask overhead against the local process pool: the same N default Badia runs on both (2 workers each).

Each repeat starts a fresh process pool and a fresh Dask LocalCluster (2 worker processes x 1 thread), readies
the workers of both the same way before the clock starts (engine imported, no world built yet: the first run
on each worker builds its world on either), then times `run_batch` on each, back to back. The order alternates
between repeats (pool first, then Dask first, ...) so that a drift in the machine's load does not favour one.
Besides the wall times it prints the mean of the runs' own `wall_seconds` on each (are the runs themselves
slower?) and the CPU seconds of the parent process (on Dask it also hosts the scheduler and the nannies).

Usage: python experiments/bench/dask_overhead.py [--runs 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
import time
from pathlib import Path

from sim.batch import load_experiment, run_batch
from sim.batch.runner import DaskEvaluator, PoolEvaluator
from sim.batch.store import BatchStore


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=1, help="pool/Dask pairs, each on fresh workers")
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    exp = dataclasses.replace(load_experiment("badia_ensemble"), replicates=args.runs)
    tmp = Path(tempfile.mkdtemp())

    def timed(evaluator, name: str) -> tuple[float, float, float]:  # noqa: ANN001
        c0, t0 = _cpu_seconds(), time.perf_counter()
        result = run_batch(exp, tmp / name, evaluator=evaluator, progress=False)
        wall, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
        assert result.failed == 0
        mean_run = statistics.mean(r["wall_seconds"] for r in BatchStore(tmp / name).records())
        return wall, mean_run, cpu

    def on_pool(i: int) -> tuple[float, float, float]:
        pool = PoolEvaluator(2)
        try:
            assert len(set(pool.start())) == 2  # both workers up before the clock starts, as Dask's are
            return timed(pool, f"pool{i}")
        finally:
            pool.close()

    def on_dask(i: int) -> tuple[float, float, float]:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          host="127.0.0.1") as cluster, Client(cluster) as client:
            evaluator = DaskEvaluator(client=client)  # readies the workers (see sim.batch.dask_worker)
            return timed(evaluator, f"dask{i}")

    overheads = []
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for i in range(args.repeat):
        if i % 2 == 0:
            pool, dask = on_pool(i), on_dask(i)
        else:
            dask, pool = on_dask(i), on_pool(i)
        overheads.append(dask[0] / pool[0] - 1)
        print(f"{args.runs} runs: pool {pool[0]:.1f} s, Dask LocalCluster {dask[0]:.1f} s, "
              f"overhead {overheads[-1]:+.1%} (mean run {pool[1]:.2f} s vs {dask[1]:.2f} s; "
              f"parent CPU {pool[2]:.1f} s vs {dask[2]:.1f} s; {'pool' if i % 2 == 0 else 'Dask'} first)",
              flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.repeat > 1:
        print(f"overhead over {args.repeat} repeats: min {min(overheads):+.1%}, "
              f"median {statistics.median(overheads):+.1%}, max {max(overheads):+.1%}")


if __name__ == "__main__":
    main()
