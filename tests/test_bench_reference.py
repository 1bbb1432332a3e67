"""The naive Mesa reference (experiments/bench/naive_mesa.py) computes the engine's control map.

The benchmark's speed ratio only means something if both sides do the same work, so the naive
one-agent-per-cell model is driven with the engine's units each step and must reproduce the engine's
owner grid cell for cell, including zones swept along multi-cell paths and captures of place footprints.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import sim

BENCH = Path(__file__).resolve().parent.parent / "experiments" / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


naive_mesa = _load("naive_mesa")


def _drive(name: str, days: int, seed: int) -> dict[str, int]:
    """Step the engine and the naive model side by side; fail on the first step where owners differ."""
    model = sim.build_model(sim.load(name, {"combat.stochastic": False}), seed=seed)
    naive = naive_mesa.naive_from_engine(model)
    assert np.array_equal(naive.owner_grid(), model.owner)
    seen = {"changed_cells": 0, "moving_unit_steps": 0, "place_changes": 0}
    pc = model.world.place_cells
    for step in range(days * model.steps_per_day):
        before = model.owner.copy()
        model.step()
        naive.step_control(naive_mesa.units_of(model), model.factions.hostile)
        got = naive.owner_grid()
        differ = int((got != model.owner).sum())
        assert differ == 0, f"{name} step {step}: {differ} cells differ between the naive model and the engine"
        seen["changed_cells"] += int((before != model.owner).sum())
        seen["moving_unit_steps"] += sum(len(set(u.path)) > 1 for u in model.unit_list())
        seen["place_changes"] += int((before.flat[pc] != model.owner.flat[pc]).sum())
    return seen


@pytest.mark.parametrize(("name", "days", "expect_capture"), [
    ("corridor", 3, True),  # a place changes hands on day 2: the presence rule on footprints is exercised
    ("oilfield_three_way", 2, False),  # four factions, one of them allied: the hostility matrix matters
])
@pytest.mark.slow
def test_naive_mesa_matches_engine_control(name: str, days: int, expect_capture: bool) -> None:
    seen = _drive(name, days, seed=11)
    # The comparison must exercise the rule: cells changed hands and units swept zones along paths.
    assert seen["changed_cells"] > 0
    assert seen["moving_unit_steps"] > 0
    if expect_capture:
        assert seen["place_changes"] > 0


def test_naive_cell_keeps_owner_without_units() -> None:
    """With no unit on the map no cell changes, and cells outside the region stay unowned."""
    region = np.ones((5, 6), dtype=bool)
    region[:, 0] = False
    owner = np.where(region, 0, -1).astype(np.int8)
    naive = naive_mesa.NaiveControlModel(region, np.zeros_like(region), owner, cell_km=1.0, zoc_km=2.0,
                                         presence_km=1.0, contest_ratio=2.0, n_factions=2)
    naive.step_control([], np.array([[False, True], [True, False]]))
    assert np.array_equal(naive.owner_grid(), owner)


@pytest.mark.parametrize(("enemy_strength", "expected"), [
    # units at cells 1 and 3, zones 2 cells wide: cell 0 is reached by faction 0 only, 1-3 by both,
    # 4-5 by faction 1 only, 6-8 by nobody.
    (100.0, [0, 0, 0, 0, 1, 1, -1, -1, -1]),  # 300 >= 2 x 100: faction 0 takes the shared cells
    (200.0, [0, -1, -1, -1, 1, 1, -1, -1, -1]),  # 300 < 2 x 200 and 200 < 2 x 300: contested, unchanged
])
def test_naive_contest_ratio_decides(enemy_strength: float, expected: list[int]) -> None:
    """A faction takes a covered cell only with >= contest_ratio x the hostile influence there."""
    region = np.ones((1, 9), dtype=bool)
    owner = np.full((1, 9), -1, dtype=np.int8)
    hostile = np.array([[False, True], [True, False]])
    units = [naive_mesa.UnitState(0, 300.0, 1, (1,)), naive_mesa.UnitState(1, enemy_strength, 3, (3,))]
    naive = naive_mesa.NaiveControlModel(region, np.zeros_like(region), owner, cell_km=1.0, zoc_km=2.0,
                                         presence_km=1.0, contest_ratio=2.0, n_factions=2)
    naive.step_control(units, hostile)
    assert naive.owner_grid()[0].tolist() == expected


# --- compare.py: the regression gate the results files feed --------------------------------------------

compare = _load("compare")


def _results(**medians: tuple[float, str]) -> dict:
    return {"commit": "x", "metrics": {k: {"median": v, "better": b, "unit": "s"} for k, (v, b) in medians.items()}}


@pytest.mark.parametrize(("old", "new", "flagged"), [
    ((1.0, "lower"), (1.19, "lower"), False),  # 19% slower: within the threshold
    ((1.0, "lower"), (1.25, "lower"), True),  # 25% slower
    ((1.0, "lower"), (0.5, "lower"), False),  # faster
    ((100.0, "higher"), (80.0, "higher"), True),  # throughput down by a fifth = 25% worse
    ((100.0, "higher"), (90.0, "higher"), False),
])
def test_compare_flags_more_than_20_percent_worse(old: tuple, new: tuple, flagged: bool) -> None:
    rows, _ = compare.compare(_results(m=old), _results(m=new))
    assert [r["flagged"] for r in rows] == [flagged]


def test_compare_exit_code(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_results(run=(1.0, "lower"), other=(2.0, "lower"))))
    b.write_text(json.dumps(_results(run=(1.5, "lower"), extra=(1.0, "lower"))))
    assert compare.main([str(a), str(b)]) == 1
    assert compare.main([str(a), str(a)]) == 0


def test_compare_refuses_a_quick_run_against_a_full_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "full.json", tmp_path / "quick.json"
    a.write_text(json.dumps({**_results(run=(1.0, "lower")), "mode": "full", "scenario": "badia_2017"}))
    b.write_text(json.dumps({**_results(run=(0.5, "lower")), "mode": "quick", "scenario": "badia_2017"}))
    assert compare.main([str(a), str(b)]) == 2
    err = capsys.readouterr().err
    assert "measured differently" in err and "mode: full (old) vs quick (new)" in err and "--mixed" in err
    b.write_text(json.dumps({**_results(run=(3.0, "lower")), "mode": "quick", "scenario": "badia_2017"}))
    assert compare.main([str(a), str(b), "--mixed"]) == 0  # 200% worse, but nothing is judged
    out = capsys.readouterr().out
    assert out.startswith("WARNING: measured differently") and "SLOWER" not in out
    b.write_text(json.dumps({**_results(run=(3.0, "lower")), "mode": "full", "scenario": "badia_2017"}))
    assert compare.main([str(a), str(b)]) == 1 and "SLOWER" in capsys.readouterr().out  # same mode: judged


def test_quick_results_go_beside_the_tracked_ones_untracked(monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    import subprocess

    monkeypatch.syspath_prepend(str(BENCH))  # run.py imports its sibling modules
    run = _load("run")
    full, quick = run.output_paths(run.RESULTS, "abc1234", False), run.output_paths(run.RESULTS, "abc1234", True)
    assert [p.name for p in full] == ["abc1234.json", "latest.md"]
    assert [p.name for p in quick] == ["quick-abc1234.json", "quick.md"] and set(full).isdisjoint(quick)
    repo = BENCH.parent.parent
    if shutil.which("git") and (repo / ".git").exists():
        ignored = [subprocess.run(["git", "check-ignore", "-q", str(p)], cwd=repo).returncode == 0
                   for p in (*full, *quick)]
        assert ignored == [False, False, True, True]


def test_profile_falls_back_to_cprofile_without_pyinstrument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    profile_run = _load("profile_run")
    monkeypatch.setitem(sys.modules, "pyinstrument", None)  # as when it is not installed
    assert profile_run.main(["--scenario", "corridor", "--days", "1", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "pyinstrument is not installed" in captured.err and "cProfile" in captured.err
    (written,) = tmp_path.glob("profile-*-cprofile.txt")
    text = written.read_text()
    assert "cumulative" in text and "run" in text
