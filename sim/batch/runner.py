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
import select
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
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


def new_record(spec: RunSpec) -> dict[str, Any]:
    """A run's record before it runs: status ok, no error, no captures."""
    return {"run_id": spec.run_id, "point": spec.point, "replicate": spec.replicate, "seed": spec.seed,
            "params": spec.params, "status": "ok", "error": None, "wall_seconds": 0.0, "captures": []}


def execute(job: Job) -> Outcome:
    """Run one job; never raises for a failing run (the error goes into the record)."""
    t0 = time.perf_counter()
    spec = job.spec
    record = new_record(spec)
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


def watch_parent(parent_pid: int) -> None:
    """Exit this process (a pool worker) as soon as the batch process `parent_pid` ends, by any signal.

    Pool workers are forked from the fork server, not from the batch process, so the kernel's parent-death
    signal alone would not fire; a daemon thread waits on a pidfd of the batch process (Linux >= 5.3), or
    polls it every 0.5 s elsewhere, and ends the worker even in the middle of a run. The parent-death signal is
    still set, for workers the batch process starts itself ('spawn'). With the workers gone, the fork server
    and the resource tracker, which live while any of their clients does, exit too.
    """
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG; Linux only
    except (OSError, AttributeError):
        pass

    def wait_for_parent() -> None:
        try:
            fd = os.pidfd_open(parent_pid)
        except ProcessLookupError:
            os._exit(1)
        except (AttributeError, OSError):  # no pidfd: poll
            while True:
                try:
                    os.kill(parent_pid, 0)
                except ProcessLookupError:
                    os._exit(1)
                except PermissionError:
                    pass
                time.sleep(0.5)
        select.select([fd], [], [])  # readable once the process has ended
        os._exit(1)

    threading.Thread(target=wait_for_parent, name="badia-watch-parent", daemon=True).start()


def _worker_main(conn: Connection, parent_pid: int, task: Callable[[Job], Outcome]) -> None:
    """A pool worker: run the jobs the parent sends over `conn` until it sends None or goes away."""
    _ignore_sigint()
    watch_parent(parent_pid)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        outcome = task(job)
        try:
            conn.send(outcome)
        except OSError:
            return


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


def _died(process: multiprocessing.process.BaseProcess) -> str:
    """How a worker process ended, for the error record: 'signal 9 (SIGKILL)' or 'exit code 1'."""
    process.join(timeout=5)
    code = process.exitcode
    if code is None:
        return "unknown cause"
    if code < 0:
        try:
            return f"signal {-code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def died_outcome(job: Job, reason: str, seconds: float = 0.0) -> Outcome:
    """The error outcome of a run whose worker process died (it never returned a record itself)."""
    return Outcome(record={**new_record(job.spec), "status": "error", "error": reason,
                           "wall_seconds": round(seconds, 4)}, curves=None)


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    job: Job | None = None
    started: float = 0.0  # when the current job was sent


class PoolEvaluator:
    """A local process pool: `workers` processes, each running one run at a time.

    A run whose worker dies (the OOM killer, a segfault, a kill) is retried on a fresh worker up to
    `retries` times, then recorded as an error naming how the worker died; the other runs are not affected.
    Workers exit by themselves when the batch process dies (see `watch_parent`). `task` is what a worker
    does with a job (tests pass one that kills its worker).
    """

    retries = 2

    def __init__(self, workers: int | None = None, task: Callable[[Job], Outcome] = execute) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._ctx = pool_context()
        self._task = task
        self._slots: list[_Worker | None] = [None] * self.workers

    def start(self) -> list[int]:
        """Start every worker now rather than with its first run (benchmarks time runs, not start-ups); their
        process ids."""
        for i, w in enumerate(self._slots):
            if w is None:
                self._slots[i] = self._start()
        return self.pids()

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.process.pid for w in self._slots if w is not None and w.process.is_alive()]

    def _start(self) -> _Worker:
        parent_conn, child_conn = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, args=(child_conn, os.getpid(), self._task),
                                    name="badia-worker", daemon=True)
        process.start()
        child_conn.close()  # the worker holds the only other end: its death is an EOF here
        return _Worker(process, parent_conn)

    def _stop(self, i: int) -> None:
        w = self._slots[i]
        self._slots[i] = None
        if w is None:
            return
        w.conn.close()
        if w.process.is_alive():
            w.process.terminate()
        w.process.join(timeout=5)

    def running(self) -> dict[int, int]:
        """Runs in flight: worker process id -> run id."""
        return {w.process.pid: w.job.spec.run_id for w in self._slots if w is not None and w.job is not None}

    def _give(self, i: int, job: Job) -> _Worker:
        """Send the job to worker slot i, starting a fresh worker if it has none or its worker died idle."""
        for _ in range(3):
            w = self._slots[i]
            if w is None or not w.process.is_alive():
                self._stop(i)
                w = self._slots[i] = self._start()
            try:
                w.conn.send(job)
            except OSError:  # died between the check and the send: not the job's fault
                self._stop(i)
                continue
            w.job, w.started = job, time.perf_counter()
            return w
        raise RuntimeError("could not start a batch worker process three times in a row")

    def imap_unordered(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        it = iter(jobs)
        retry: deque[Job] = deque()
        deaths: dict[int, int] = {}  # run id -> times its worker died running it
        try:
            while True:
                for i, w in enumerate(self._slots):  # give every idle worker a job
                    if w is not None and w.job is not None:
                        continue
                    job = retry.popleft() if retry else next(it, None)
                    if job is None:
                        break
                    w = self._give(i, job)
                busy = [w for w in self._slots if w is not None and w.job is not None]
                if not busy:
                    return
                ready = set(mp_wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
                for w in busy:
                    if w.conn not in ready and w.process.sentinel not in ready:
                        continue
                    job, w.job = w.job, None
                    try:
                        outcome = w.conn.recv()
                    except (EOFError, OSError):  # the worker died in the middle of the run
                        how = _died(w.process)
                        self._stop(self._slots.index(w))
                        n = deaths[job.spec.run_id] = deaths.get(job.spec.run_id, 0) + 1
                        if n <= self.retries:
                            retry.append(job)
                        else:
                            yield died_outcome(job, f"worker died ({how}) {n} times",
                                               time.perf_counter() - w.started)
                        continue
                    # the worker's next run starts before this one is stored: it would idle while the parent
                    # writes the outcome (and, on a machine with a core per worker, waits for a core to do it)
                    follow_on = retry.popleft() if retry else next(it, None)
                    if follow_on is not None:
                        self._give(self._slots.index(w), follow_on)
                    yield outcome
        finally:  # abandoned mid-way (Ctrl-C, an error): runs in flight are dropped with their workers
            for i, w in enumerate(self._slots):
                if w is not None and w.job is not None:
                    self._stop(i)

    def close(self) -> None:
        """Stop the workers: idle ones are asked to exit, busy ones (Ctrl-C) are terminated."""
        for w in self._slots:
            if w is not None and w.job is None:
                with suppress(OSError):
                    w.conn.send(None)
        for w in self._slots:
            if w is not None and w.job is None:
                w.process.join(timeout=2)
        for i in range(len(self._slots)):
            self._stop(i)


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
        """Yield each job's outcome once. Dask reruns the tasks of a lost worker elsewhere; a task whose
        workers died `distributed.scheduler.allowed-failures` + 1 times (KilledWorker) is recorded as an error
        and the batch goes on."""
        from distributed import KilledWorker, as_completed

        it = iter(jobs)
        window = 2 * self.workers
        jobs_of: dict[str, Job] = {}
        first = [self._submit(j, jobs_of) for _, j in zip(range(window), it, strict=False)]
        if not first:
            return
        ac = as_completed(first)
        for fut in ac:
            job = jobs_of.pop(fut.key)
            try:
                outcome = fut.result()
            except KilledWorker as exc:
                outcome = died_outcome(job, f"worker died too many times (Dask KilledWorker: {exc})")
            except Exception as exc:  # noqa: BLE001 - execute() never raises: this is the cluster failing
                raise self._failed(exc) from exc
            yield outcome
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                ac.add(self._submit(nxt, jobs_of))

    def _submit(self, job: Job, jobs_of: dict[str, Job]) -> Any:
        try:
            fut = self.client.submit(execute, job, pure=False)
        except Exception as exc:  # noqa: BLE001 - the client is closed or has lost its scheduler
            raise self._failed(exc) from exc
        jobs_of[fut.key] = job
        return fut

    def _failed(self, exc: BaseException) -> ClusterError:
        """The error for a cluster that failed during a batch: the scheduler lost (cancelled futures, closed
        comms). A run that fails, or whose workers kept dying (KilledWorker), is an error record instead."""
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
