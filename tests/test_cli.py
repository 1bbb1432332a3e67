"""The command line end to end, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest


def badia(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def corridor_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "corridor"
    proc = badia("run", "corridor", "--seed", "3", "--days", "5", "--out", str(out),
                 "--set", "factions.west.doctrine.aggression=0.9")
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_run_writes_every_output(corridor_run):
    out, proc = corridor_run
    for name in ("curves.csv", "control.npz", "events.csv", "manifest.json", "report.html"):
        assert (out / name).is_file(), name
    assert not list(out.glob(".*.tmp"))  # no temporary leftovers


def test_curves_are_tidy_daily_rows(corridor_run):
    out, _ = corridor_run
    df = pd.read_csv(out / "curves.csv")
    assert {"date", "faction", "area_km2", "gained_km2"} <= set(df.columns)
    assert len(df) == 6 * 2  # days 0..5, two factions
    assert df.groupby("date")["gained_km2"].sum().abs().max() < 1e-6  # a two-sided map: gains mirror losses


def test_control_npz_can_be_drawn(corridor_run):
    out, _ = corridor_run
    npz = np.load(out / "control.npz")
    assert npz["owner"].shape[0] == 6 and npz["owner"].dtype == np.int8
    assert list(npz["faction_ids"]) == ["west", "east"]
    assert npz["owner"].shape[1:] == npz["region"].shape
    assert float(npz["cell_km"]) == 2.0 and len(npz["bbox"]) == 4


def test_manifest_records_how_the_run_was_made(corridor_run):
    out, _ = corridor_run
    m = json.loads((out / "manifest.json").read_text())
    assert m["seed"] == 3 and m["days"] == 5 and len(m["scenario_sha256"]) == 64
    assert m["overrides"] == {"factions.west.doctrine.aggression": 0.9}
    assert m["parameters"]["factions"][0]["doctrine"]["aggression"] == 0.9
    assert m["wall_seconds"] > 0 and m["package_version"]


def test_summary_table_and_events(corridor_run):
    out, proc = corridor_run
    assert "Westland" in proc.stdout and "gain" in proc.stdout
    events = pd.read_csv(out / "events.csv")
    assert {"time", "kind", "faction", "place"} <= set(events.columns)
    assert "captured" in set(events["kind"])


def test_report_is_self_contained(corridor_run):
    out, _ = corridor_run
    html = (out / "report.html").read_text()
    assert "<script" in html and "<script src=" not in html and "Plotly.newPlot" in html
    assert "Eastford" in html and "day: " in html  # places drawn, day slider


def test_scenarios_lists_shipped(tmp_path):
    proc = badia("scenarios", cwd=tmp_path)
    assert proc.returncode == 0
    names = [line.split()[0] for line in proc.stdout.splitlines()]
    assert {"corridor", "oilfield_three_way", "badia_2017"} <= set(names)


def test_validate_ok():
    proc = badia("validate", "scenarios/corridor.toml", "scenarios/oilfield_three_way.toml")
    assert proc.returncode == 0 and proc.stdout.count(": ok") == 2


def test_python_api_mirrors_cli():
    import sim

    sc = sim.load("corridor", overrides={"combat.stochastic": False})
    result = sim.run(sc, seed=1, days=3)
    assert isinstance(result.curves, pd.DataFrame) and len(result.curves) == 8
    assert result.control.shape[0] == 4
