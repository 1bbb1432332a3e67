"""Run a batch: write the manifest, skip finished runs, stream outcomes to the store, show progress.

Resuming is rerunning: `run_batch` with the same experiment and directory skips every run id that already
has a record, so a batch killed by SIGINT or SIGKILL loses at most the runs that were in flight.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import sim
from sim import catalog
from sim.batch.design import RunSpec, experiment_runs
from sim.batch.experiment import Experiment
from sim.batch.runner import Evaluator, Job, Outcome, make_evaluator
from sim.batch.store import BatchStore


@dataclass
class BatchResult:
    """Counts of a finished (or interrupted) batch."""

    out: Path
    total: int
    skipped: int  # already done before this invocation
    ok: int  # successful runs in the directory
    failed: int  # runs recorded with an error in the directory
    wall_seconds: float


class Progress:
    """A one-line progress bar on stderr: runs done, failures, rate and ETA.

    The ETA is the runs left over the recent completion rate: runs completed per second of wall time over the
    last `window` seconds, counted from the first completion (so the workers' start-up is left out). Runs
    finish in waves of `workers`, so the rate is measured over a window many runs long, never per run.
    """

    window = 120.0  # seconds of history the rate is measured over

    def __init__(self, total: int, done: int, failed: int = 0, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.total, self.done, self.failed = total, done, failed
        self.clock = clock
        self.t0 = clock()
        self.stream = stream or sys.stderr
        self._last = 0.0
        self._marks: deque[tuple[float, int]] = deque()  # (time, runs done) at completions

    def update(self, ok: bool) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        now = self.clock()
        self._marks.append((now, self.done))
        while len(self._marks) > 2 and now - self._marks[1][0] >= self.window:
            self._marks.popleft()
        if now - self._last >= 0.2 or self.done == self.total:
            self._last = now
            self.draw()

    def rate(self) -> float | None:
        """Runs per second of wall time over the recent window (None before two completions)."""
        if len(self._marks) < 2:
            return None
        (t_a, n_a), (t_b, n_b) = self._marks[0], self._marks[-1]
        return (n_b - n_a) / (t_b - t_a) if t_b > t_a else None

    def eta(self) -> float | None:
        """Seconds left at the recent rate (None while unknown)."""
        rate = self.rate()
        return (self.total - self.done) / rate if rate else None

    def draw(self, final: bool = False) -> None:
        elapsed = self.clock() - self.t0
        eta = self.eta()
        width = 30
        fill = int(width * self.done / self.total) if self.total else width
        line = (f"\r  [{'#' * fill:<{width}}] {self.done}/{self.total} runs, {self.failed} failed, "
                f"{_duration(elapsed)} elapsed, ETA {'?' if eta is None else _duration(eta)}   ")
        print(line, end="\n" if final or self.done == self.total else "", file=self.stream, flush=True)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s" if m else f"{s}s"


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def scenario_ref(exp: Experiment) -> str:
    """How workers find the scenario: by shipped name if it is shipped (works on other machines), else its path."""
    shipped = catalog.shipped().get(exp.scenario_path.stem)
    if shipped is not None and shipped.resolve() == exp.scenario_path:
        return exp.scenario_path.stem
    return str(exp.scenario_path)


def batch_manifest(exp: Experiment, runs: int, stage: str | None = None, **extra: Any) -> dict[str, Any]:
    """The manifest of a batch directory (see sim.batch.store for the layout)."""
    return {
        "experiment": exp.name,
        "experiment_path": str(exp.path),
        "experiment_sha256": exp.sha256,
        "scenario": exp.scenario_name,
        "scenario_path": str(exp.scenario_path),
        "scenario_sha256": exp.scenario_sha256,
        "package_version": sim.__version__,
        "design": exp.kind,
        "parameters": exp.parameter_names,
        "parameter_specs": [{"name": p.name, "values": list(p.values) if p.values is not None else None,
                             "low": p.low, "high": p.high, "log": p.log, "integer": p.integer}
                            for p in exp.parameters],
        "samples": exp.samples,
        "levels": exp.levels,
        "common_seeds": exp.common_seeds,
        "master_seed": exp.seed,
        "runs": runs,
        "days": exp.days,
        "start": exp.start,
        "replicates": exp.replicates,
        "overrides": exp.overrides,
        "claims": exp.claims,
        "outcome": {"faction": exp.outcome.faction, "measure": exp.outcome.measure, "date": exp.outcome.date},
        "stage": stage,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,
    }


def run_batch(exp: Experiment, out: str | Path, specs: list[RunSpec] | None = None,
              evaluator: Evaluator | None = None, workers: int | None = None, scheduler: str | None = None,
              progress: bool = True, stage: str | None = None, manifest_extra: dict[str, Any] | None = None,
              on_outcome: Callable[[Outcome], None] | None = None) -> BatchResult:
    """Run the experiment's runs (or the given `specs`) into `out`, skipping runs already recorded there.

    The evaluator defaults to the one `workers` / `scheduler` name (see `make_evaluator`); an evaluator passed
    in is left open for the caller to reuse.
    """
    t0 = time.perf_counter()
    specs = experiment_runs(exp) if specs is None else specs
    store = BatchStore(out)
    store.open(batch_manifest(exp, len(specs), stage, **(manifest_extra or {})))
    done = store.done_ids()
    failed_before = sum(1 for r in store.records() if r.get("status") != "ok") if done else 0
    todo = [s for s in specs if s.run_id not in done]
    bar = Progress(len(specs), len(specs) - len(todo), failed_before) if progress else None
    ref = scenario_ref(exp)

    def jobs() -> Iterator[Job]:
        for s in todo:
            yield Job(spec=s, scenario=ref, scenario_sha256=exp.scenario_sha256,
                      overrides={**exp.overrides, **s.params}, days=exp.days)

    own = evaluator is None
    if todo and own:
        evaluator = make_evaluator(workers, scheduler)
    # SIGTERM (kill, a scheduler's time limit) stops like Ctrl-C: the pool is shut down, nothing is orphaned.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if todo:
            if bar:
                bar.draw()
            for outcome in evaluator.imap_unordered(jobs()):
                store.write_run(outcome.record, outcome.curves)
                if on_outcome is not None:
                    on_outcome(outcome)
                if bar:
                    bar.update(outcome.record["status"] == "ok")
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if todo and own:
            evaluator.close()
        table = store.consolidate()
    ok = int((table["status"] == "ok").sum())
    result = BatchResult(out=Path(out), total=len(specs), skipped=len(specs) - len(todo), ok=ok,
                         failed=len(table) - ok, wall_seconds=time.perf_counter() - t0)
    manifest = store.manifest()
    manifest.update({"runs_ok": ok, "runs_failed": result.failed,
                     "complete": len(table) == len(specs),
                     "updated_at": datetime.now(UTC).isoformat(timespec="seconds")})
    store.write_manifest(manifest)
    return result
