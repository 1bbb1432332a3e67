"""Batches on Dask: a LocalCluster gives the same results as a serial batch, and `badia batch --scheduler`
runs on `dask scheduler` / `dask worker` processes started on loopback (free ports, cleaned up)."""

from __future__ import annotations

import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.batch import load_experiment, run_batch
from sim.batch.runner import DaskEvaluator, SerialEvaluator
from sim.batch.store import BatchStore

REPO = Path(__file__).resolve().parents[1]
ENSEMBLE = """
[experiment]
name = "dask_small"
scenario = "oilfield_three_way"
days = 3
seed = 4242

[design]
kind = "lhs"
samples = 3
replicates = 2

[[parameters]]
name = "control.zoc_km"
low = 3.0
high = 7.0
"""


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exp") / "dask_small.toml"
    path.write_text(ENSEMBLE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def serial_curves(experiment: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("serial") / "b"
    run_batch(load_experiment(experiment), out, evaluator=SerialEvaluator(), progress=False)
    return BatchStore(out).curves()


@pytest.mark.slow
def test_local_cluster_identical_to_serial(experiment: Path, serial_curves: pd.DataFrame, tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    def worker_state(dask_worker) -> tuple[bool, bool | None]:  # noqa: ANN001
        plugin = dask_worker.plugins["badia-batch-setup"]
        return "profile" in dask_worker.periodic_callbacks, plugin.malloc_restored

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        res = run_batch(load_experiment(experiment), tmp_path / "b", evaluator=DaskEvaluator(client=client),
                        progress=False)
        states = list(client.run(worker_state).values())
    assert (res.ok, res.failed) == (6, 0)
    # every worker was readied: profiler stopped, and (on glibc) Dask's malloc trim threshold undone
    assert states == [(False, platform.libc_ver()[0] == "glibc")] * 2
    pd.testing.assert_frame_equal(BatchStore(tmp_path / "b").curves(), serial_curves)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_cli_on_dask_scheduler_and_worker_processes(experiment: Path, serial_curves: pd.DataFrame,
                                                   tmp_path: Path) -> None:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]  # this interpreter's dask, whatever is first on PATH
    procs: list[subprocess.Popen] = []
    try:
        procs.append(subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen([*dask, "worker", address, "--host", "127.0.0.1", "--nworkers", "2",
                                       "--nthreads", "1", "--no-dashboard"], cwd=tmp_path,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        deadline = time.time() + 90
        while True:  # the scheduler needs a moment to listen
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.time() > deadline or any(p.poll() is not None for p in procs):
                    raise
                time.sleep(0.5)
        out = tmp_path / "b"
        run = subprocess.run([sys.executable, "-m", "sim", "batch", str(experiment), "--out", str(out),
                              "--scheduler", address], cwd=REPO, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        assert "6 ok, 0 failed" in run.stdout
        assert "Dask scheduler" in run.stderr and "6/6 runs" in run.stderr
    finally:
        for p in reversed(procs):
            _stop(p)
    assert all(p.poll() is not None for p in procs)
    pd.testing.assert_frame_equal(BatchStore(out).curves(), serial_curves)


def test_restore_malloc_thresholds_only_when_dask_set_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.batch.dask_worker import restore_malloc_thresholds

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert restore_malloc_thresholds() is False  # glibc's dynamic thresholds are left alone
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    assert restore_malloc_thresholds() is (platform.libc_ver()[0] == "glibc")


@pytest.mark.slow
def test_unreachable_scheduler_is_a_clean_error() -> None:
    from sim.errors import ClusterError

    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(ClusterError, match="--scheduler.*Could not connect"):
        DaskEvaluator(address, timeout="2s")
