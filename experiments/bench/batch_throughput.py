"""Batch throughput on this machine: 1,000 default Badia runs, parallel efficiency, Dask overhead, memory.

Measures, with the default scenario (badia_2017, default window) and the badia_ensemble experiment's seeds:
  1. the same N_EFF runs with 1 and with 2 local workers -> parallel efficiency T1 / (2 T2);
  2. the same N_EFF runs on a Dask LocalCluster (2 worker processes, 1 thread each) -> overhead vs the pool;
  3. RUNS runs with 2 workers -> wall time, runs per minute, and the parent's resident memory every 100 runs
     (flat memory: results stream to disk, nothing accumulates).
Writes experiments/bench/results/batch_throughput.json. Usage:
    python experiments/bench/batch_throughput.py [--runs 1000] [--eff-runs 40]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import sim
from sim.batch import load_experiment, run_batch
from sim.batch.runner import DaskEvaluator, PoolEvaluator

HERE = Path(__file__).resolve().parent


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def timed_batch(exp, out: Path, evaluator, on_outcome=None) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    res = run_batch(exp, out, evaluator=evaluator, progress=False, on_outcome=on_outcome)
    assert res.failed == 0 and res.ok == res.total, res
    return time.perf_counter() - t0


def save(result: dict, path: str) -> None:
    """Write what has been measured so far (each phase saves, so a long benchmark keeps partial results)."""
    result["machine"]["loadavg_now"] = os.getloadavg()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--eff-runs", type=int, default=40)
    parser.add_argument("--out", default=str(HERE / "results" / "batch_throughput.json"))
    args = parser.parse_args()
    base = load_experiment("badia_ensemble")
    eff = dataclasses.replace(base, replicates=args.eff_runs)
    big = dataclasses.replace(base, replicates=args.runs)
    result: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "platform": platform.platform(), "loadavg_at_start": os.getloadavg()},
                    "package_version": sim.__version__, "scenario": base.scenario_name, "days": base.days}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # Warm-up: start the fork server (imports the engine once) so pool start-up is not billed to a phase.
        warm = PoolEvaluator(2)
        list(warm.imap_unordered([]))
        warm.close()
        t0 = time.perf_counter()
        # The 1-worker phase uses a one-process pool, like-for-like with the 2-worker pool.
        p1 = PoolEvaluator(1)
        t1 = timed_batch(eff, tmp / "w1", p1)
        p1.close()
        p2 = PoolEvaluator(2)
        t2 = timed_batch(eff, tmp / "w2", p2)
        p2.close()
        result["efficiency"] = {"runs": args.eff_runs, "wall_1_worker_s": round(t1, 2),
                                "wall_2_workers_s": round(t2, 2), "speedup": round(t1 / t2, 3),
                                "parallel_efficiency": round(t1 / (2 * t2), 3),
                                "seconds_per_run_1_worker": round(t1 / args.eff_runs, 3)}
        print(json.dumps(result["efficiency"]), flush=True)
        save(result, args.out)

        from distributed import Client, LocalCluster

        c0 = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          host="127.0.0.1") as cluster, Client(cluster) as client:
            client.run(lambda: __import__("sim.api"))  # import the engine on the workers before timing
            startup = time.perf_counter() - c0
            td = timed_batch(eff, tmp / "dask", DaskEvaluator(client=client))
        p2b = PoolEvaluator(2)
        t2b = timed_batch(eff, tmp / "w2b", p2b)
        p2b.close()
        pool_mean = (t2 + t2b) / 2
        result["dask"] = {"runs": args.eff_runs, "wall_dask_localcluster_2_workers_s": round(td, 2),
                          "wall_pool_2_workers_s_mean_of_two": round(pool_mean, 2),
                          "overhead_vs_pool": round(td / pool_mean - 1, 3),
                          "cluster_startup_s": round(startup, 2)}
        print(json.dumps(result["dask"]), flush=True)
        save(result, args.out)

        samples: list[dict] = []
        done = [0]
        t_big = time.perf_counter()

        def sample(_outcome) -> None:  # noqa: ANN001
            done[0] += 1
            if done[0] % 100 == 0 or done[0] == 1:
                samples.append({"runs_done": done[0], "rss_mb": round(rss_mb(), 1),
                                "elapsed_s": round(time.perf_counter() - t_big, 1)})
                print(samples[-1], flush=True)
                result["big_batch_partial"] = {"runs_planned": args.runs, "parent_rss_mb": samples}
                save(result, args.out)

        pbig = PoolEvaluator(2)
        tb = timed_batch(big, tmp / "big", pbig, on_outcome=sample)
        pbig.close()
        result.pop("big_batch_partial", None)
        rss = [s["rss_mb"] for s in samples]
        result["big_batch"] = {"runs": args.runs, "workers": 2, "wall_s": round(tb, 1),
                               "wall_min": round(tb / 60, 2), "runs_per_minute": round(60 * args.runs / tb, 1),
                               "parent_rss_mb": samples, "rss_growth_mb_after_first_100": round(
                                   rss[-1] - rss[1], 1) if len(rss) > 2 else None}
        result["total_bench_s"] = round(time.perf_counter() - t0, 1)
    save(result, args.out)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
