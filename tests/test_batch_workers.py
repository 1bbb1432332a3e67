"""Batches and dying processes: a worker killed mid-batch (its run is retried on a fresh worker), a run whose
worker always dies (recorded as an error, the batch exits 1), the batch process SIGKILLed (no worker, fork
server or resource tracker outlives it), Ctrl-C (finished runs kept, resumable), a Dask worker killed, and the
progress bar's ETA. Every disturbed batch must give the same curves as an undisturbed one."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import psutil
import pytest

from sim.batch import load_experiment, run_batch
from sim.batch.execute import Progress
from sim.batch.runner import Job, Outcome, PoolEvaluator, SerialEvaluator, execute
from sim.batch.store import BatchStore

REPO = Path(__file__).resolve().parents[1]
SWEEP = """
[experiment]
name = "workers_sweep"
scenario = "corridor"
days = 4
seed = 7

[design]
kind = "factorial"
replicates = REPLICATES

[[parameters]]
name = "control.zoc_km"
values = [3.0, 6.0]

[[parameters]]
name = "factions.west.doctrine.aggression"
values = [0.3, 0.9]
"""


def _experiment(path: Path, replicates: int) -> Path:
    path.write_text(SWEEP.replace("REPLICATES", str(replicates)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """An 8-run experiment and its curves from an undisturbed serial batch."""
    d = tmp_path_factory.mktemp("small")
    exp = _experiment(d / "small.toml", 2)
    run_batch(load_experiment(exp), d / "serial", evaluator=SerialEvaluator(), progress=False)
    return exp, BatchStore(d / "serial").curves()


def _die_on_run_3(job: Job) -> Outcome:
    """A worker task that kills its own worker on run 3, every time (the OOM killer on one huge run)."""
    if job.spec.run_id == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return execute(job)


@pytest.mark.slow
def test_worker_killed_mid_batch_run_is_retried(small: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    exp, serial = small
    pool = PoolEvaluator(2)
    seen: list[int] = []
    killed: list[int] = []

    def kill_a_busy_worker(outcome: Outcome) -> None:
        seen.append(outcome.record["run_id"])
        if not killed:
            pid, run_id = next(iter(pool.running().items()))
            os.kill(pid, signal.SIGKILL)
            killed.append(run_id)

    try:
        res = run_batch(load_experiment(exp), tmp_path / "b", evaluator=pool, progress=False,
                        on_outcome=kill_a_busy_worker)
    finally:
        pool.close()
    assert killed, "no run was in flight to kill"
    assert (res.ok, res.failed) == (8, 0)
    assert sorted(seen) == list(range(8))  # every run written once, the killed one included
    pd.testing.assert_frame_equal(BatchStore(tmp_path / "b").curves(), serial)


@pytest.mark.slow
def test_run_whose_worker_always_dies_is_an_error_and_batch_exits_1(small: tuple[Path, pd.DataFrame],
                                                                   tmp_path: Path, monkeypatch, capsys) -> None:
    from sim.batch import execute as execute_module
    from sim.cli import main

    exp, serial = small
    monkeypatch.setattr(execute_module, "make_evaluator", lambda workers, scheduler: PoolEvaluator(2, _die_on_run_3))
    out = tmp_path / "b"
    code = main(["batch", str(exp), "--out", str(out), "--quiet"])
    stdout = capsys.readouterr().out
    assert code == 1 and "7 ok, 1 failed of 8 runs" in stdout
    rec = json.loads((out / "runs" / "3.json").read_text())
    assert rec["status"] == "error"
    assert rec["error"] == f"worker died (signal 9 (SIGKILL)) {PoolEvaluator.retries + 1} times"
    curves = BatchStore(out).curves()
    pd.testing.assert_frame_equal(curves, serial[serial["run_id"] != 3].reset_index(drop=True))


def _batch_processes(marker: str) -> list[psutil.Process]:
    """Live processes whose environment carries the marker (the batch process and everything it started)."""
    found = []
    for p in psutil.process_iter():
        try:
            if p.environ().get("BADIA_TEST_MARKER") == marker and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def _start_batch(exp: Path, out: Path, marker: str) -> subprocess.Popen:
    env = {**os.environ, "BADIA_TEST_MARKER": marker}  # PYTHONPATH and all: the workers run this tree's sim
    return subprocess.Popen([sys.executable, "-m", "sim", "batch", str(exp), "--out", str(out), "--workers", "2",
                             "--quiet"], cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_workers(proc: subprocess.Popen, out: Path, marker: str) -> int:
    """Wait until the batch has recorded a run and has its workers, fork server and resource tracker; return
    how many processes it has."""
    deadline = time.time() + 120
    while time.time() < deadline:
        assert proc.poll() is None, "the batch finished before it could be stopped; make it longer"
        n = len(_batch_processes(marker))
        if n >= 5 and (out / "runs").is_dir() and any((out / "runs").glob("*.json")):
            return n
        time.sleep(0.1)
    raise AssertionError("the batch did not start its workers")


def _reap(marker: str) -> None:
    for p in _batch_processes(marker):
        p.kill()


@pytest.fixture(scope="module")
def long(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """A 32-run experiment (long enough to be stopped) and its curves from an undisturbed serial batch."""
    d = tmp_path_factory.mktemp("long")
    exp = _experiment(d / "long.toml", 8)
    run_batch(load_experiment(exp), d / "serial", evaluator=SerialEvaluator(), progress=False)
    return exp, BatchStore(d / "serial").curves()


def _resume_and_compare(exp: Path, out: Path, serial: pd.DataFrame) -> None:
    rerun = subprocess.run([sys.executable, "-m", "sim", "batch", str(exp), "--out", str(out), "--workers", "2",
                            "--quiet"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "already done" in rerun.stdout
    pd.testing.assert_frame_equal(BatchStore(out).curves(), serial)


@pytest.mark.slow
def test_parent_sigkilled_leaves_no_process(long: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    exp, serial = long
    marker, out = uuid.uuid4().hex, tmp_path / "b"
    proc = _start_batch(exp, out, marker)
    try:
        before = _wait_for_workers(proc, out, marker)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.time() + 5
        while _batch_processes(marker) and time.time() < deadline:
            time.sleep(0.1)
        left = [(p.pid, " ".join(p.cmdline())[:80]) for p in _batch_processes(marker)]
    finally:
        _reap(marker)
    assert before >= 5  # the batch, the fork server, the resource tracker and two workers
    assert left == [], f"still alive 5 s after the batch process was killed: {left}"
    _resume_and_compare(exp, out, serial)


@pytest.mark.slow
def test_ctrl_c_keeps_finished_runs_and_stops_everything(long: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    exp, serial = long
    marker, out = uuid.uuid4().hex, tmp_path / "b"
    proc = _start_batch(exp, out, marker)
    try:
        _wait_for_workers(proc, out, marker)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group
        _, stderr = proc.communicate(timeout=30)
        deadline = time.time() + 5
        while _batch_processes(marker) and time.time() < deadline:
            time.sleep(0.1)
        left = _batch_processes(marker)
    finally:
        _reap(marker)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert left == []
    store = BatchStore(out)
    done = store.done_ids()
    assert 1 <= len(done) < 32
    assert set(store.curves()["run_id"]) == {r["run_id"] for r in store.records() if r["status"] == "ok"}
    _resume_and_compare(exp, out, serial)


@pytest.mark.slow
def test_dask_worker_killed_each_run_recorded_once(small: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    from sim.batch.runner import DaskEvaluator

    exp, serial = small
    seen: list[int] = []
    killed: list[int] = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as client:

        def kill_a_worker(outcome: Outcome) -> None:
            seen.append(outcome.record["run_id"])
            if not killed:
                pid = next(iter(client.run(os.getpid).values()))
                os.kill(pid, signal.SIGKILL)  # its nanny starts a new one; Dask reruns its tasks elsewhere
                killed.append(pid)

        res = run_batch(load_experiment(exp), tmp_path / "b", evaluator=DaskEvaluator(client=client),
                        progress=False, on_outcome=kill_a_worker)
    assert killed and (res.ok, res.failed) == (8, 0)
    assert sorted(seen) == list(range(8))
    pd.testing.assert_frame_equal(BatchStore(tmp_path / "b").curves(), serial)


def test_eta_is_right_after_the_first_minute() -> None:
    """Two workers, 1.5 s runs finishing in waves, 10 s of start-up: the ETA after a minute is within 5%."""
    now = [0.0]
    bar = Progress(400, 0, stream=io.StringIO(), clock=lambda: now[0])
    startup, per_run, workers = 10.0, 1.5, 2
    wave = 0
    while now[0] < 70.0:
        wave += 1
        for w in range(workers):
            now[0] = startup + wave * per_run + 0.01 * w
            bar.update(ok=True)
    true_left = (400 - bar.done) / workers * per_run
    assert bar.eta() == pytest.approx(true_left, rel=0.05)
