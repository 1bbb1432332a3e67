"""The run dataset on disk: a Run written and read back is the same Run, a directory written before the Run
existed still reads, writing is atomic, and anything that is not a run is refused with a message naming it."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.errors import RunDirectoryError, ScenarioError, UsageError
from sim.io import rundir
from sim.io.rundir import read_run

BEFORE = Path(__file__).parent / "fixtures" / "run-written-before-the-run-dataset"


@pytest.fixture(scope="module")
def run() -> sim.Run:
    overrides = {"factions.west.doctrine.aggression": 0.9}
    return sim.run(sim.load("corridor", overrides), seed=5, days=4, overrides=overrides)


@pytest.fixture(scope="module")
def saved(run: sim.Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run.save(tmp_path_factory.mktemp("runs") / "corridor")


def test_a_saved_run_reads_back_as_the_same_run(run: sim.Run, saved: Path) -> None:
    back = sim.read_run(saved)
    pd.testing.assert_frame_equal(back.curves, run.curves, check_exact=False, atol=5e-4)  # written to 3 decimals
    pd.testing.assert_frame_equal(back.events, run.events, check_exact=False, atol=0.05)  # written to 1 decimal
    assert np.array_equal(back.owner, run.owner) and back.owner.dtype == np.int8
    assert np.array_equal(back.hostile, run.hostile) and back.dates == run.dates
    assert back.factions == run.factions and dict(back.colours) == dict(run.colours)
    assert dict(back.names) == dict(run.names)  # the scenario it names is loaded again: full names
    assert back.grid == run.grid and back.bbox == run.bbox and back.region_km2 == run.region_km2
    for layer in ("region", "terrain", "road"):
        assert np.array_equal(getattr(back, layer), getattr(run, layer)), layer
    pd.testing.assert_frame_equal(back.places, run.places)
    for day in range(run.days + 1):
        assert np.array_equal(back.front_cells(day), run.front_cells(day))
    m, n = back.meta, run.meta
    assert (m.seed, m.days, m.scenario, m.scenario_sha256, m.start, m.end, m.step_hours, dict(m.overrides)) == (
        n.seed, n.days, n.scenario, n.scenario_sha256, n.start, n.end, n.step_hours, dict(n.overrides))
    assert m.title == n.title and back.scenario is not None


def test_writing_a_read_run_gives_the_same_files(saved: Path, tmp_path: Path) -> None:
    again = read_run(saved).save(tmp_path / "again")
    for name in ("curves.csv", "events.csv"):
        assert (again / name).read_bytes() == (saved / name).read_bytes(), name
    a, b = np.load(saved / "control.npz"), np.load(again / "control.npz")
    assert sorted(a.files) == sorted(b.files)
    for key in a.files:
        assert a[key].dtype == b[key].dtype and np.array_equal(a[key], b[key]), key
    ma, mb = (json.loads((d / "manifest.json").read_text()) for d in (saved, again))
    for key in ("written_at", "wall_seconds"):
        ma.pop(key), mb.pop(key)
    assert ma == mb


def test_a_directory_written_before_the_run_dataset_reads() -> None:
    old = read_run(BEFORE)  # no scenario loader: what the directory holds, nothing else
    assert old.scenario is None and old.factions == ("west", "east") and dict(old.names) == {"west": "west",
                                                                                             "east": "east"}
    assert old.owner.shape == (15, 34, 56) and old.dates[0] == "2020-01-01" and old.dates[-1] == "2020-01-15"
    curves = pd.read_csv(BEFORE / "curves.csv")
    assert np.allclose(old.curves["area_km2"], curves["area_km2"]) and len(old.curves) == 15 * 2
    # Each day's curve is the owner grid of that day, counted: held ground in cells of 2 x 2 km.
    for day in (0, 7, 14):
        held = (old.owner[day] == 0).sum() * old.grid.cell_area_km2
        west = old.curves[(old.curves["day"] == day) & (old.curves["faction"] == "west")]["area_km2"].iloc[0]
        assert held == pytest.approx(west)
    assert old.region_km2 == json.loads((BEFORE / "manifest.json").read_text())["region_km2"]
    assert old.front_cells(14).any() and "captured" in set(old.events["kind"])
    assert set(old.places["name"]) == {"Westport", "Midway junction", "Eastford", "Ridge village", "Salt mine"}
    assert old.places.set_index("name").loc["Salt mine", "resource"]  # a mine: drawn as a resource
    # Every consumer takes it: the report, and the comparison with claims on the command line.
    from sim.viz.report import report_html

    html = report_html(old)
    assert "Plotly.newPlot" in html and "Eastford" in html


def test_compare_reads_a_directory_written_before(tmp_path: Path) -> None:
    claims = tmp_path / "claims.csv"
    claims.write_text("date,faction,measure,value,low,high,place,source,quote\n"
                      "2020-01-08,west,held_km2,4000,3500,4500,,Radio West,q\n"
                      "2020-01-03,west,captured,,2020-01-01,2020-01-04,Midway junction,Radio West,q\n",
                      encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sim", "compare", str(BEFORE), str(claims)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert "1 of 1 in range" in proc.stdout and "Midway junction" in proc.stdout


def _broken(tmp_path: Path, name: str, content: bytes | None) -> Path:
    d = tmp_path / "run"
    d.mkdir()
    for f in ("curves.csv", "events.csv", "control.npz", "manifest.json"):
        (d / f).write_bytes((BEFORE / f).read_bytes())
    if content is None:
        (d / name).unlink()
    else:
        (d / name).write_bytes(content)
    return d


@pytest.mark.parametrize(("name", "content", "says"), [
    ("control.npz", None, "Missing: control.npz"),
    ("manifest.json", b'{"seed": ', "manifest.json: expected a JSON manifest"),
    ("control.npz", b"not an archive", "control.npz: expected the run's owner grids"),
    ("control.npz", (BEFORE / "control.npz").read_bytes()[:900], "control.npz: expected the run's owner grids"),
    ("curves.csv", b"x,y\n1,2\n", "curves.csv: expected columns date, day, faction"),
    ("curves.csv", b"", "curves.csv: expected a CSV table"),
    ("events.csv", b"a\n1\n", "events.csv: expected columns time, kind"),
    ("manifest.json", json.dumps({**json.loads((BEFORE / "manifest.json").read_text()), "days": "many"}).encode(),
     "do not fit together"),
])
def test_a_broken_run_directory_is_named_in_one_paragraph(tmp_path: Path, name: str, content: bytes | None,
                                                          says: str) -> None:
    d = _broken(tmp_path, name, content)
    with pytest.raises(RunDirectoryError, match=says):
        read_run(d)
    proc = subprocess.run([sys.executable, "-m", "sim", "compare", str(d), "x.csv"], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and str(d) in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_what_is_not_a_run_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    for path, says in ((tmp_path / "missing", "It does not exist"), (tmp_path / "notes.txt", "found 'a file'"),
                       (tmp_path, "found 'notes.txt'. Missing: manifest.json")):
        with pytest.raises(RunDirectoryError, match=says) as err:
            read_run(path)
        assert err.value.source == str(path)


def test_a_scenario_that_cannot_be_loaded_leaves_the_map_bare(saved: Path) -> None:
    def refuse(ref: str, overrides: object) -> object:
        raise ScenarioError(ref, "", "a shipped scenario")

    bare = read_run(saved, scenario=refuse)
    assert bare.scenario is None and bare.names["west"] == "west"
    assert read_run(saved, scenario=lambda ref, o: sim.load(ref, o)).names["west"] == "Westland"


def test_writing_is_atomic(run: sim.Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = run.save(tmp_path / "run")
    before = {f: (out / f).read_bytes() for f in rundir.FILES}

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    other = sim.run(sim.load("corridor"), seed=6, days=4)
    monkeypatch.setattr(rundir.np, "savez_compressed", fail)
    with pytest.raises(UsageError, match=r"control\.npz: expected a writable file.*disk full"):  # named, not a traceback
        other.save(out)
    # Whatever was replaced was replaced whole; what was not reached is as it was; no temporaries are left.
    assert (out / "control.npz").read_bytes() == before["control.npz"]
    assert (out / "manifest.json").read_bytes() == before["manifest.json"]
    assert (out / "curves.csv").read_text() == rundir.curves_csv(other)
    assert not list(out.glob(".*"))


def test_a_run_is_immutable_and_holds_no_model(run: sim.Run) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.owner = run.owner  # type: ignore[misc]
    for a in (run.owner, run.hostile, run.region, run.terrain, run.road):
        with pytest.raises(ValueError, match="read-only"):
            a.flat[0] = a.flat[0]
    with pytest.raises(TypeError):
        run.names["west"] = "x"  # type: ignore[index]
    from sim.model import ConflictModel

    held = [getattr(run, f.name) for f in dataclasses.fields(run)]
    assert not any(isinstance(v, ConflictModel) for v in held)
    assert run.control is run.owner and run.days == 4 and run.seed == 5
