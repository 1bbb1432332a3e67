"""Running runs: one function that runs one run, and evaluators that run many (serial, process pool, Dask).

`execute(job)` is the unit of work everywhere. It loads the scenario with the run's overrides, runs it, and
returns a small `Outcome` (the run's record and its curves); any exception is caught and returned as an
error record, so one bad run never stops a batch. Evaluators share one interface, `imap_unordered(jobs)`,
which keeps a bounded number of runs in flight and yields outcomes as they finish: memory stays flat
however long the batch is.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from sim.batch.design import RunSpec
from sim.errors import ClusterError
from sim.model import CURVE_COLUMNS


@dataclass(frozen=True)
class Job:
    """Everything a worker needs for one run; small and picklable."""

    spec: RunSpec
    scenario: str  # shipped scenario name (resolved on the worker) or an absolute path
    scenario_sha256: str  # the worker checks that its copy of the scenario is the one the batch was made from
    overrides: dict[str, Any]  # fixed overrides and the run's parameters together
    days: int


@dataclass
class Outcome:
    """What one run returns: its runs-table record and, if it succeeded, its curves."""

    record: dict[str, Any]
    curves: pd.DataFrame | None


_FREE_WORLDS: dict[str, list[Any]] = {}  # map fingerprint -> built worlds not in use right now
_WORLDS_LOCK = threading.Lock()
_MAX_MAPS = 4  # worlds of at most this many different maps are kept per worker process


@contextmanager
def borrowed_world(sc: Any) -> Iterator[Any]:
    """Lend a world of the scenario's map, built once per worker and reused while the map is unchanged.

    Most batches vary forces, doctrine or combat, not the map: rasterising Syria and building the grid
    graph cost 0.2-0.7 s of a ~1.5 s Badia run. A world's search buffers must not serve two runs at once,
    so each run borrows one for itself (Dask may run tasks on several threads, or a new thread per task).
    """
    from sim.world.world import build_world, world_key

    key = world_key(sc)
    with _WORLDS_LOCK:
        free = _FREE_WORLDS.get(key)
        world = free.pop() if free else None
    if world is None:
        world = build_world(sc)
    try:
        yield world
    finally:
        with _WORLDS_LOCK:
            if key not in _FREE_WORLDS and len(_FREE_WORLDS) >= _MAX_MAPS:
                _FREE_WORLDS.clear()
            _FREE_WORLDS.setdefault(key, []).append(world)


def simulate(scenario: str, overrides: dict[str, Any], seed: int, days: int,
             sha256: str = "") -> tuple[pd.DataFrame, list[list[str]]]:
    """Run one run given (scenario, overrides, seed, days); return its curves and its first captures.

    The captures are [place, faction, ISO date] for the first time each faction took each place.
    """
    from sim import api
    from sim.compare import first_captures

    sc = api.load(scenario, overrides)
    if sha256 and sc.sha256 != sha256:
        raise RuntimeError(f"the scenario file {sc.source} on this worker differs from the batch's "
                           f"(sha256 {sc.sha256[:12]} != {sha256[:12]}); install the same version everywhere")
    with borrowed_world(sc) as world:
        run = api.run(sc, seed=seed, days=days, world=world)
    captures = [[place, faction, when] for (place, faction), when in first_captures(run.events).items()]
    return run.curves[CURVE_COLUMNS], captures


def execute(job: Job) -> Outcome:
    """Run one job; never raises for a failing run (the error goes into the record)."""
    t0 = time.perf_counter()
    spec = job.spec
    record: dict[str, Any] = {"run_id": spec.run_id, "point": spec.point, "replicate": spec.replicate,
                              "seed": spec.seed, "params": spec.params, "status": "ok", "error": None,
                              "wall_seconds": 0.0, "captures": []}
    curves = None
    try:
        curves, record["captures"] = simulate(job.scenario, job.overrides, spec.seed, job.days, job.scenario_sha256)
    except Exception as exc:  # noqa: BLE001 - a failing run is data, recorded with its error
        last = traceback.extract_tb(exc.__traceback__)[-1:] or None
        where = f" (at {Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        record["status"], record["error"] = "error", f"{type(exc).__name__}: {exc}{where}"
    record["wall_seconds"] = round(time.perf_counter() - t0, 4)
    return Outcome(record=record, curves=curves)


class Evaluator(Protocol):
    """Runs jobs and yields their outcomes as they finish (in any order)."""

    workers: int

    def imap_unordered(self, jobs: Iterable[Job]) -> Iterator[Outcome]: ...

    def close(self) -> None: ...


class SerialEvaluator:
    """Runs jobs one after another in this process (workers = 1; handy for debugging)."""

    workers = 1

    def imap_unordered(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        for job in jobs:
            yield execute(job)

    def close(self) -> None:
        pass


def _ignore_sigint() -> None:
    # Ctrl-C goes to the whole process group; the parent handles it and stops the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def pool_context() -> multiprocessing.context.BaseContext:
    """Start workers from a fork server that has imported the engine once.

    Chosen explicitly because importing mesa switches the global start method to 'spawn' (a fresh
    interpreter importing everything, ~3 s per worker), and plain 'fork' copies whatever threads the
    parent has (pyarrow's, Dask's). The fork server imports the engine once; each worker forks from it.
    """
    # One BLAS/OpenMP thread per worker: the engine's matrix products are small, and with threaded BLAS two
    # workers on two cores oversubscribe them. Measured on the default Badia run, 2 workers at once:
    # 3.03 s per run each with the default threads, 1.65-1.73 s with one (1.60 s for a lone process).
    # Workers inherit the environment of the fork server (or spawned interpreter) that starts them.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.api", "sim.batch.runner"])
    return ctx


class PoolEvaluator:
    """A local process pool (concurrent.futures), `workers` processes, at most 2 x workers runs in flight."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=pool_context(),
                                         initializer=_ignore_sigint)

    def imap_unordered(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        pending: set[Future] = set()
        it = iter(jobs)
        window = 2 * self.workers
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                try:
                    pending.add(self._pool.submit(execute, next(it)))
                except StopIteration:
                    exhausted = True
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()

    def close(self) -> None:
        # Stop at once (Ctrl-C, errors): queued runs are cancelled, runs in flight are abandoned.
        procs = list(getattr(self._pool, "_processes", {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)


class DaskEvaluator:
    """A Dask distributed cluster: `Client(address)` (a scheduler such as tcp://host:8786) or a given Client."""

    def __init__(self, address: str | None = None, client: Any = None, timeout: str = "20s") -> None:
        from distributed import Client

        from sim.batch.dask_worker import BatchWorkerSetup

        self._own = client is None
        self.address = address
        if client is None:
            try:
                client = Client(address, timeout=timeout)
            except (OSError, TimeoutError, ValueError) as exc:  # ValueError: not an address (no port)
                raise ClusterError("--scheduler", "scheduler", "the address of a running Dask scheduler "
                                   "(e.g. tcp://10.0.0.5:8786)", address, f"Could not connect: {exc}") from None
        self.client = client
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.client.register_plugin(BatchWorkerSetup())

    def imap_unordered(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        from distributed import as_completed

        it = iter(jobs)
        window = 2 * self.workers
        first = [self._submit(j) for _, j in zip(range(window), it, strict=False)]
        if not first:
            return
        ac = as_completed(first)
        for fut in ac:
            try:
                outcome = fut.result()
            except Exception as exc:  # noqa: BLE001 - execute() never raises: this is the cluster failing
                raise self._failed(exc) from exc
            yield outcome
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                ac.add(self._submit(nxt))

    def _submit(self, job: Job) -> Any:
        try:
            return self.client.submit(execute, job, pure=False)
        except Exception as exc:  # noqa: BLE001 - the client is closed or has lost its scheduler
            raise self._failed(exc) from exc

    def _failed(self, exc: BaseException) -> ClusterError:
        """The error for a cluster that failed during a batch: a worker killed (KilledWorker), the scheduler
        lost (cancelled futures, closed comms). A run that fails returns an error record instead."""
        return ClusterError("--scheduler", "scheduler", "a Dask cluster that runs the batch to its end", self.address,
                            f"The cluster failed ({type(exc).__name__}: {exc}). The runs that finished are kept: "
                            "rerun with the same --out to resume.")

    def close(self) -> None:
        if self._own:
            self.client.close()


def make_evaluator(workers: int | None = None, scheduler: str | None = None) -> Evaluator:
    """The evaluator for the CLI flags: Dask when a scheduler is given, else serial for 1 worker, else a pool."""
    if scheduler:
        return DaskEvaluator(scheduler)
    n = workers or os.cpu_count() or 1
    return SerialEvaluator() if n == 1 else PoolEvaluator(n)
