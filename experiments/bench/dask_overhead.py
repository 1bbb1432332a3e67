"""Dask overhead against the local process pool: the same N default Badia runs on both (2 workers each).

Usage: python experiments/bench/dask_overhead.py [--runs 30]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

from distributed import Client, LocalCluster

from sim.batch import load_experiment, run_batch
from sim.batch.runner import DaskEvaluator, PoolEvaluator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    exp = dataclasses.replace(load_experiment("badia_ensemble"), replicates=args.runs)
    tmp = Path(tempfile.mkdtemp())

    def timed(evaluator, name: str) -> float:  # noqa: ANN001
        t0 = time.perf_counter()
        result = run_batch(exp, tmp / name, evaluator=evaluator, progress=False)
        assert result.failed == 0
        return time.perf_counter() - t0

    pool = PoolEvaluator(2)
    t_pool = timed(pool, "pool")
    pool.close()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        client.run(lambda: __import__("sim.api"))  # import the engine on the workers before timing
        t_dask = timed(DaskEvaluator(client=client), "dask")
    print(f"{args.runs} runs: pool {t_pool:.1f} s, Dask LocalCluster {t_dask:.1f} s, "
          f"overhead {t_dask / t_pool - 1:+.1%}")


if __name__ == "__main__":
    main()
