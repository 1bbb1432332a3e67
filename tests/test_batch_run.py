"""Batches end to end on the local evaluators: storage layout, identical results serially and on 2 workers,
failing runs recorded without stopping the batch, resume after a SIGKILL with nothing lost or duplicated."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sim.batch import load_experiment, run_batch
from sim.batch.design import RunSpec, experiment_runs
from sim.batch.runner import PoolEvaluator, SerialEvaluator
from sim.batch.store import BatchStore

REPO = Path(__file__).resolve().parents[1]
SWEEP = """
[experiment]
name = "small_sweep"
scenario = "corridor"
days = 4
seed = 99

[design]
kind = "factorial"
replicates = 2

[[parameters]]
name = "control.zoc_km"
values = [3.0, 6.0]

[[parameters]]
name = "factions.west.doctrine.aggression"
values = [0.3, 0.9]

[outcome]
faction = "west"
"""
CURVE_COLUMNS = ["run_id", "date", "day", "faction", "area_km2", "gained_km2", "locality_km2", "locality_gained_km2",
                 "front_km", "strength", "units", "places_held"]


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exp") / "small_sweep.toml"
    path.write_text(SWEEP, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def serial_dir(experiment: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "b"
    res = run_batch(load_experiment(experiment), out, evaluator=SerialEvaluator(), progress=False)
    assert (res.ok, res.failed, res.total) == (8, 0, 8)
    return out


def test_layout_and_queries(serial_dir: Path, experiment: Path) -> None:
    manifest = json.loads((serial_dir / "manifest.json").read_text())
    for key in ("experiment_path", "experiment_sha256", "scenario", "scenario_path", "scenario_sha256",
                "package_version", "design", "parameters", "master_seed", "runs", "days"):
        assert key in manifest
    assert manifest["runs"] == 8 and manifest["design"] == "factorial" and manifest["master_seed"] == 99
    assert manifest["parameters"] == ["control.zoc_km", "factions.west.doctrine.aggression"]
    specs = {s.run_id: s for s in experiment_runs(load_experiment(experiment))}
    for rid, spec in specs.items():
        rec = json.loads((serial_dir / "runs" / f"{rid}.json").read_text())
        assert set(rec) == {"run_id", "point", "replicate", "seed", "params", "status", "error", "wall_seconds",
                            "captures"}
        assert (rec["seed"], rec["params"], rec["status"], rec["error"]) == (spec.seed, spec.params, "ok", None)
        assert (serial_dir / "curves" / f"part-{rid:06d}.parquet").is_file()
    curves = pd.read_parquet(serial_dir / "curves")
    assert list(curves.columns) == CURVE_COLUMNS
    assert len(curves) == 8 * 5 * 2  # runs x (days + 1) x factions
    n, runs = duckdb.sql(f"SELECT count(*), count(DISTINCT run_id) FROM '{serial_dir}/curves/*.parquet'").fetchall()[0]
    assert (n, runs) == (80, 8)
    table = pd.read_parquet(serial_dir / "runs.parquet")
    assert sorted(table["run_id"]) == list(range(8))
    assert set(table["control.zoc_km"]) == {3.0, 6.0}
    # The parameters matter: a wider zone of control sweeps more ground.
    last = curves[(curves["day"] == 4) & (curves["faction"] == "west")].merge(table, on="run_id")
    by_zoc = last.groupby("control.zoc_km")["gained_km2"].mean()
    assert by_zoc[6.0] > by_zoc[3.0]


@pytest.mark.slow
def test_two_workers_identical_to_serial(serial_dir: Path, experiment: Path, tmp_path: Path) -> None:
    pool = PoolEvaluator(2)
    try:
        run_batch(load_experiment(experiment), tmp_path / "b", evaluator=pool, progress=False)
    finally:
        pool.close()
    a, b = BatchStore(serial_dir).curves(), BatchStore(tmp_path / "b").curves()
    pd.testing.assert_frame_equal(a, b)
    ra = BatchStore(serial_dir).runs_table().drop(columns="wall_seconds")
    rb = BatchStore(tmp_path / "b").runs_table().drop(columns="wall_seconds")
    pd.testing.assert_frame_equal(ra, rb)


@pytest.mark.slow
def test_failing_run_is_recorded_and_the_batch_goes_on(experiment: Path, tmp_path: Path) -> None:
    exp = load_experiment(experiment)
    good = experiment_runs(exp)[:3]
    # A negative zone of control is rejected when the worker loads the scenario: a real failure in the worker.
    bad = RunSpec(run_id=3, point=3, replicate=0, seed=1, params={"control.zoc_km": -1.0})
    specs = [good[0], bad, good[1], good[2]]
    for evaluator in (SerialEvaluator(), PoolEvaluator(2)):
        out = tmp_path / type(evaluator).__name__
        try:
            res = run_batch(exp, out, specs=specs, evaluator=evaluator, progress=False)
        finally:
            evaluator.close()
        assert (res.ok, res.failed) == (3, 1)
        rec = json.loads((out / "runs" / "3.json").read_text())
        assert rec["status"] == "error" and "zoc_km" in rec["error"] and "ScenarioError" in rec["error"]
        assert not (out / "curves" / "part-000003.parquet").exists()
        assert sorted(BatchStore(out).curves()["run_id"].unique()) == [0, 1, 2]


def test_other_batch_directory_is_refused(serial_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text(SWEEP.replace("seed = 99", "seed = 100"), encoding="utf-8")
    from sim.errors import BatchError

    with pytest.raises(BatchError, match="another batch"):
        run_batch(load_experiment(other), serial_dir, evaluator=SerialEvaluator(), progress=False)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "sim", *args]


@pytest.mark.slow
def test_resume_after_sigkill(tmp_path: Path, serial_dir: Path) -> None:
    exp = tmp_path / "resume.toml"
    exp.write_text(SWEEP.replace('values = [0.3, 0.9]', 'values = [0.3, 0.5, 0.7, 0.9]')
                   .replace("replicates = 2", "replicates = 3"), encoding="utf-8")
    total = 2 * 4 * 3
    out = tmp_path / "b"
    proc = subprocess.Popen(_cli("batch", str(exp), "--out", str(out), "--workers", "1", "--quiet"), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and len(list((out / "runs").glob("*.json"))) < 5 if (out / "runs").is_dir() \
                else time.time() < deadline:
            time.sleep(0.05)
            if proc.poll() is not None:
                break
        assert proc.poll() is None, "the batch finished before it could be killed; make it longer"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    done_before = {int(p.stem) for p in (out / "runs").glob("*.json")}
    assert 5 <= len(done_before) < total
    rerun = subprocess.run(_cli("batch", str(exp), "--out", str(out), "--workers", "2", "--quiet"), cwd=REPO,
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(done_before)} already done" in rerun.stdout
    store = BatchStore(out)
    assert store.done_ids() == set(range(total))
    assert len(list((out / "curves").glob("part-*.parquet"))) == total
    assert not list(out.rglob(".*.tmp"))
    curves = store.curves()
    assert curves.groupby("run_id").size().eq(5 * 2).all() and curves["run_id"].nunique() == total
    # Identical to an uninterrupted batch of the same experiment.
    fresh = tmp_path / "fresh"
    run_batch(load_experiment(exp), fresh, evaluator=SerialEvaluator(), progress=False)
    pd.testing.assert_frame_equal(curves, BatchStore(fresh).curves())
    table = pd.read_parquet(out / "runs.parquet")
    assert sorted(table["run_id"]) == list(range(total))


# --- directories that are not batches, and --out checked before any run --------------------------------------

RUN_DIR = Path(__file__).parent / "fixtures" / "run-written-before-the-run-dataset"


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from sim.cli import main

    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _listing(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("command", ["summarize", "sensitivity"])
def test_a_run_directory_is_not_taken_for_a_batch(command: str, tmp_path: Path, capsys) -> None:
    import shutil

    run_dir = tmp_path / "r1"
    shutil.copytree(RUN_DIR, run_dir)
    before = _listing(run_dir)
    code, out, err = _main(capsys, command, str(run_dir))
    assert code == 2 and out == "" and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert err.startswith(f"error: {run_dir}: expected a batch directory")
    assert "found 'a run directory (manifest.json of a run)'" in err
    assert _listing(run_dir) == before  # nothing written into it


def test_require_batch_names_what_a_directory_is(serial_dir: Path, tmp_path: Path) -> None:
    import shutil

    from sim.errors import BatchError

    assert BatchStore(serial_dir).require_batch()["design"] == "factorial"
    (tmp_path / "file").write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "cal").mkdir()
    shutil.copytree(serial_dir, tmp_path / "cal" / "gen-0")
    (tmp_path / "many").mkdir()
    shutil.copytree(serial_dir, tmp_path / "many" / "b1")
    shutil.copytree(RUN_DIR, tmp_path / "many" / "r1")
    for name, says in (("missing", "It does not exist"), ("file", "found 'a file'"),
                       ("empty", "found 'an empty directory'"), ("cal", "found \"a calibration's directory"),
                       ("many", "found 'a directory holding 1 batch(es) and 1 other entries'")):
        with pytest.raises(BatchError, match=re.escape(says)):
            BatchStore(tmp_path / name).require_batch()


@pytest.mark.parametrize("out", ["/proc/badia-x", "", "RUN", "NONEMPTY"])
def test_batch_out_is_checked_before_any_run(out: str, experiment: Path, tmp_path: Path, capsys,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    import sim.batch.execute

    if out.startswith("/proc") and not Path("/proc").is_dir():
        pytest.skip("no /proc here")

    def ran(*args: object, **kwargs: object) -> None:
        raise AssertionError("the batch started before its --out was checked")

    monkeypatch.setattr(sim.batch.execute, "run_batch", ran)
    shutil.copytree(RUN_DIR, tmp_path / "RUN")
    (tmp_path / "NONEMPTY").mkdir()
    (tmp_path / "NONEMPTY" / "notes.txt").write_text("keep me")
    out = str(tmp_path / out) if out.isupper() else out
    code, _, err = _main(capsys, "batch", str(experiment), "--out", out, "--quiet")
    assert code == 2 and "Traceback" not in err and err.startswith("error: --out: ") and "--force" not in err, err
    assert len(err.strip().splitlines()) == 1


def test_batch_out_of_the_same_batch_is_resumed(serial_dir: Path, experiment: Path, capsys) -> None:
    code, out, err = _main(capsys, "batch", str(experiment), "--out", str(serial_dir), "--workers", "1", "--quiet")
    assert code == 0, err
    assert "8 ok, 0 failed of 8 runs, 8 already done" in out
